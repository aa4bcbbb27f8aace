package userfs

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// tree makes a folder of files and links for a test: each entry is a
// path and its content, "->target" for a link, "/" for a folder.
func tree(t *testing.T, entries map[string]string) string {
	t.Helper()
	root := t.TempDir()
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		p := filepath.Join(root, n)
		os.MkdirAll(filepath.Dir(p), 0o755)
		switch v := entries[n]; {
		case v == "/":
			os.MkdirAll(p, 0o755)
		case strings.HasPrefix(v, "->"):
			target := strings.TrimPrefix(v, "->")
			if strings.HasPrefix(target, "@/") { // @ is the tree's root
				target = filepath.Join(root, target[2:])
			}
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
		default:
			if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

// TestReadFile: regular files are read, through links relative and
// absolute and through "..", within the limit; anything else is refused
// with what it is.
func TestReadFile(t *testing.T) {
	root := tree(t, map[string]string{
		"home/.halton-meter/install-mode": "apps\n",
		"home/.halton-meter/rel":          "->install-mode",
		"home/.halton-meter/abs":          "->@/home/.halton-meter/install-mode",
		"home/.halton-meter/up":           "->../.halton-meter/./install-mode",
		"home/venv":                       "->@/home/.halton-meter",
		"home/big":                        strings.Repeat("x", 100),
		"home/loop":                       "->loop",
		"home/dir":                        "/",
		"home/dangling":                   "->nowhere",
		"home/null":                       "->/dev/null",
		"home/through-file":               "->big/x",
	})
	me := Self()
	for _, name := range []string{"install-mode", "rel", "abs", "up"} {
		b, err := me.ReadFile(filepath.Join(root, "home/.halton-meter", name), 64)
		if err != nil || string(b) != "apps\n" {
			t.Errorf("%s: %q %v", name, b, err)
		}
	}
	if b, err := me.ReadFile(filepath.Join(root, "home/venv/install-mode"), 64); err != nil || string(b) != "apps\n" {
		t.Errorf("through a linked folder: %q %v", b, err)
	}
	var tooLarge *TooLargeError
	if _, err := me.ReadFile(filepath.Join(root, "home/big"), 64); !errors.As(err, &tooLarge) || tooLarge.Size != 100 {
		t.Errorf("too large: %v", err)
	}
	var notRegular *NotRegularError
	for name, kind := range map[string]string{"dir": "a directory", "null": "a character device"} {
		if _, err := me.ReadFile(filepath.Join(root, "home", name), 64); !errors.As(err, &notRegular) || notRegular.Kind != kind {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, want := range map[string]error{"loop": syscall.ELOOP, "dangling": fs.ErrNotExist, "through-file": syscall.ENOTDIR, "missing": fs.ErrNotExist} {
		if _, err := me.ReadFile(filepath.Join(root, "home", name), 64); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
	}
	if _, err := me.ReadFile("relative/path", 64); err == nil {
		t.Error("a relative path was read")
	}
	if _, err := me.ReadFile("/"+strings.Repeat("a/", 2100), 64); !errors.Is(err, syscall.ENAMETOOLONG) {
		t.Errorf("a path too long: %v", err)
	}
}

// TestStatAndLinks: Stat follows links, Lstat and Readlink do not, and a
// folder is listed sorted, bounded.
func TestStatAndLinks(t *testing.T) {
	root := tree(t, map[string]string{
		"a/f":     "1",
		"a/g":     "2",
		"a/h":     "3",
		"a/link":  "->f",
		"a/self":  "->.",
		"a/up":    "->..",
		"b/plain": "x",
	})
	me := Self()
	if i, err := me.Stat(filepath.Join(root, "a/link")); err != nil || !i.Mode.IsRegular() || i.Size != 1 {
		t.Errorf("stat %+v %v", i, err)
	}
	if i, err := me.Lstat(filepath.Join(root, "a/link")); err != nil || i.Mode&fs.ModeSymlink == 0 {
		t.Errorf("lstat %+v %v", i, err)
	}
	if l, err := me.Readlink(filepath.Join(root, "a/link")); err != nil || l != "f" {
		t.Errorf("readlink %q %v", l, err)
	}
	for _, p := range []string{"/a/self", "/a/up", "/a/self/../a", "/a/up/a/./self/", ""} {
		if i, err := me.Stat(root + p); err != nil || !i.Mode.IsDir() { // not cleaned: the links decide what ".." is
			t.Errorf("stat %s: %+v %v", p, i, err)
		}
	}
	if i, err := me.Stat("/"); err != nil || !i.Mode.IsDir() {
		t.Errorf("stat /: %+v %v", i, err)
	}
	names, err := me.ReadDirNames(filepath.Join(root, "a"), 3)
	if err != nil || len(names) != 3 {
		t.Errorf("names %v %v", names, err)
	}
	if names, err := me.ReadDirNames(filepath.Join(root, "a/up/b"), 100); err != nil || !slices.Equal(names, []string{"plain"}) {
		t.Errorf("names through a link %v %v", names, err)
	}
}

// TestSocketRefused: a socket is refused from its lstat.
func TestSocketRefused(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "s")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var notRegular *NotRegularError
	if _, err := Self().ReadFile(sock, 64); !errors.As(err, &notRegular) || notRegular.Kind != "a socket" {
		t.Errorf("socket: %v", err)
	}
}

// TestAsAnotherUser: reading for a user the process is not, the user's
// permissions decide, at every folder and link on the way: nothing is
// read, listed or looked into that they could not, and what they could
// is. Needs root (to make files the user cannot read).
func TestAsAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the files must belong to someone other than the user")
	}
	const uid, gid, group = 54321, 54321, 54322
	root := tree(t, map[string]string{
		"private/secret":           "root only",
		"private/open":             "world-readable, in a folder the user cannot search",
		"searchable/hidden-list":   "x",
		"home/.halton-meter/mode":  "apps",
		"home/.halton-meter/leak":  "->@/private/secret",
		"home/.halton-meter/leak2": "->@/private/open",
		"home/.halton-meter/ok":    "->@/searchable/hidden-list",
		"home/.halton-meter/grp":   "group",
		"home/.halton-meter/own":   "owner bits first",
		"home/.halton-meter/rootf": "root's, world-readable",
	})
	os.Chmod(filepath.Dir(root), 0o755) // t.TempDir's own folder is root's alone
	os.Chmod(root, 0o755)
	os.Chmod(filepath.Join(root, "private"), 0o700)
	os.Chmod(filepath.Join(root, "private/open"), 0o644)
	os.Chmod(filepath.Join(root, "searchable"), 0o711)
	filepath.WalkDir(filepath.Join(root, "home"), func(p string, d fs.DirEntry, _ error) error {
		os.Lchown(p, uid, gid)
		return nil
	})
	os.Chown(filepath.Join(root, "home/.halton-meter/grp"), 0, group)
	os.Chmod(filepath.Join(root, "home/.halton-meter/grp"), 0o640)
	os.Chmod(filepath.Join(root, "home/.halton-meter/own"), 0o044) // the owner may not, though others may
	os.Chown(filepath.Join(root, "home/.halton-meter/rootf"), 0, 0)

	user := For(uid, []int{gid, group})
	if !user.Check {
		t.Fatal("root reading for another user does not check")
	}
	hm := filepath.Join(root, "home/.halton-meter")
	for name, want := range map[string]string{"mode": "apps", "ok": "x", "grp": "group", "rootf": "root's, world-readable"} {
		if b, err := user.ReadFile(filepath.Join(hm, name), 64); err != nil || string(b) != want {
			t.Errorf("%s: %q %v", name, b, err)
		}
	}
	for _, name := range []string{"leak", "leak2", "own"} {
		if b, err := user.ReadFile(filepath.Join(hm, name), 64); !errors.Is(err, fs.ErrPermission) || b != nil {
			t.Errorf("%s: %q %v, want permission denied", name, b, err)
		}
	}
	// Nothing of what lies behind: not its size, not that it exists.
	for _, p := range []string{"private/secret", "private/missing", "private"} {
		_, err := user.Stat(filepath.Join(root, p))
		if p == "private" {
			if err != nil {
				t.Errorf("the folder itself is the user's to see: %v", err)
			}
			continue
		}
		if !errors.Is(err, fs.ErrPermission) {
			t.Errorf("stat %s: %v, want permission denied whatever is there", p, err)
		}
	}
	if _, err := user.ReadDirNames(filepath.Join(root, "searchable"), 10); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("a folder the user may search but not list was listed: %v", err)
	}
	if _, err := user.Readlink(filepath.Join(hm, "leak")); err != nil {
		t.Errorf("the user's own link: %v", err)
	}
	// A group the user is not in is "other".
	if _, err := For(uid, []int{gid}).ReadFile(filepath.Join(hm, "grp"), 64); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("not in the group: %v", err)
	}
	// Root reading for root checks nothing itself.
	if For(0, []int{0}).Check {
		t.Error("root for root checks")
	}
}

// TestReuse: reads that keep their folders give the same answers as
// those that walk from the root each time, links and all, and a folder
// reached through a link is not kept under the link's path.
func TestReuse(t *testing.T) {
	root := tree(t, map[string]string{
		"home/.halton-meter/install-mode": "apps\n",
		"home/.halton-meter/rel":          "->install-mode",
		"home/.halton-meter/deep":         "->sub/f",
		"home/.halton-meter/sub/f":        "deep",
		"home/.halton-meter/abs":          "->@/other/f",
		"home/.halton-meter/up":           "->../.halton-meter/install-mode",
		"other/f":                         "other",
		"home/linked":                     "->@/other",
	})
	a := Self().Reuse()
	defer a.Close()
	for range 2 {
		for name, want := range map[string]string{
			"home/.halton-meter/install-mode": "apps\n", "home/.halton-meter/rel": "apps\n", "home/.halton-meter/deep": "deep",
			"home/.halton-meter/abs": "other", "home/.halton-meter/up": "apps\n", "home/linked/f": "other",
			"home/.halton-meter/sub/f": "deep", "other/f": "other",
		} {
			if b, err := a.ReadFile(filepath.Join(root, name), 64); err != nil || string(b) != want {
				t.Errorf("%s: %q %v", name, b, err)
			}
		}
		if _, err := a.ReadFile(filepath.Join(root, "home/.halton-meter/missing"), 64); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("missing: %v", err)
		}
	}
	if _, ok := a.kept(filepath.Join(root, "home/linked")); ok {
		t.Error("a folder reached through a link is kept under the link's path")
	}
	if _, ok := a.kept(filepath.Join(root, "home/.halton-meter")); !ok {
		t.Error("the install's folder is not kept")
	}
}
