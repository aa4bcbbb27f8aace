package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "status.json")
	for _, content := range []string{"first, and longer than the second", "second"} {
		if err := Write(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(p)
		if string(b) != content {
			t.Errorf("read %q, wrote %q", b, content)
		}
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", st.Mode())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left %d files", len(entries))
	}
	// A missing folder: the error names the file, not a random temporary one.
	err := Write(filepath.Join(dir, "gone", "status.json"), nil, 0o644)
	if err == nil || !strings.Contains(err.Error(), "gone/status.json: no such file or directory") {
		t.Errorf("error %v", err)
	}
	// Over a folder: refused, and no temporary file is left behind.
	os.Mkdir(filepath.Join(dir, "taken"), 0o755)
	if err := Write(filepath.Join(dir, "taken"), []byte("x"), 0o644); err == nil {
		t.Error("wrote over a folder")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("left %d entries", len(entries))
	}
}
