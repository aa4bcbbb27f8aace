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

// TestNoLinkFollowed: a link where the folder is, is refused; one where
// the file is, is replaced, its target untouched.
func TestNoLinkFollowed(t *testing.T) {
	dir := t.TempDir()
	elsewhere := filepath.Join(dir, "elsewhere")
	os.Mkdir(elsewhere, 0o755)
	os.WriteFile(filepath.Join(elsewhere, "victim"), []byte("keep"), 0o644)
	os.Symlink(elsewhere, filepath.Join(dir, "folder"))
	if err := Write(filepath.Join(dir, "folder", "settings.json"), []byte("x"), 0o644); err == nil || !strings.Contains(err.Error(), "a link is not followed") {
		t.Errorf("through a linked folder: %v", err)
	}
	os.Symlink(filepath.Join(elsewhere, "victim"), filepath.Join(dir, "settings.json"))
	if err := Write(filepath.Join(dir, "settings.json"), []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(elsewhere, "victim")); string(b) != "keep" {
		t.Errorf("the link's target was written: %q", b)
	}
	if st, _ := os.Lstat(filepath.Join(dir, "settings.json")); !st.Mode().IsRegular() {
		t.Errorf("the link is still there: %v", st.Mode())
	}
}

// TestDirSwapped: a folder moved away, or replaced by another or by a
// link, after it was opened is not written into.
func TestDirSwapped(t *testing.T) {
	base := t.TempDir()
	p := filepath.Join(base, "textfile")
	os.Mkdir(p, 0o755)
	d, err := OpenDir(p)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Write("halton_meter.prom", []byte("1"), 0o644); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(base, "cron.d")
	os.Mkdir(target, 0o755)
	os.Rename(p, filepath.Join(base, "moved"))
	os.Symlink(target, p)
	if err := d.Write("halton_meter.prom", []byte("2"), 0o644); err == nil || !strings.Contains(err.Error(), "not the folder opened at start") {
		t.Errorf("swapped for a link: %v", err)
	}
	if entries, _ := os.ReadDir(target); len(entries) != 0 {
		t.Errorf("wrote into the link's target: %v", entries)
	}
	if b, _ := os.ReadFile(filepath.Join(base, "moved", "halton_meter.prom")); string(b) != "1" {
		t.Errorf("the moved folder holds %q", b)
	}
	if err := d.Write("../escape", nil, 0o644); err == nil {
		t.Error("a name with a folder was taken")
	}
}

// TestTrusted: as root may write only where no one else can change where
// the write lands. Needs root to make root's and others' folders.
func TestTrusted(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: folders of root and of another user")
	}
	base := t.TempDir()
	os.Chmod(filepath.Dir(base), 0o755)
	mk := func(p string, mode os.FileMode, uid int) string {
		p = filepath.Join(base, p)
		os.Mkdir(p, mode)
		os.Chmod(p, mode)
		os.Lchown(p, uid, uid)
		return p
	}
	ok := mk("ok", 0o755, 0)
	sticky := mk("sticky", os.ModeSticky|0o777, 0)
	inSticky := filepath.Join(sticky, "tf")
	os.Mkdir(inSticky, 0o755)
	users := mk("users", 0o755, 54321)
	group := mk("group", 0o775, 0)
	under := filepath.Join(users, "tf")
	os.Mkdir(under, 0o755)
	userLink := filepath.Join(ok, "userlink")
	os.Symlink("/etc", userLink)
	os.Lchown(userLink, 54321, 54321)
	rootLink := filepath.Join(ok, "rootlink")
	os.Symlink(inSticky, rootLink)
	file := filepath.Join(ok, "file")
	os.WriteFile(file, nil, 0o644)
	for p, want := range map[string]string{
		ok: "", inSticky: "", rootLink: "", filepath.Join(ok, "not-yet", "made"): "",
		users: "belongs to uid 54321", under: "belongs to uid 54321", group: "writable by others",
		userLink: "a link that belongs to uid 54321", file: "is not a folder", "relative": "not an absolute path",
	} {
		err := Trusted(p)
		if (want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", p, err, want)
		}
	}
}
