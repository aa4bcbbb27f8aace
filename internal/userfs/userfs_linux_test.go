package userfs

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// opened watches path for opens (inotify's IN_OPEN: the watch itself
// opens nothing) and returns a function that reports whether anyone
// opened it since. An open is queued as it happens, so asking after the
// read is enough.
func opened(t *testing.T, path string) func() bool {
	t.Helper()
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if _, err := unix.InotifyAddWatch(fd, path, unix.IN_OPEN|unix.IN_DONT_FOLLOW); err != nil {
		t.Fatal(err)
	}
	return func() bool {
		buf := make([]byte, 4096)
		n, err := unix.Read(fd, buf)
		return err == nil && n > 0
	}
}

// TestSpecialFilesNeverOpened: a FIFO and a device, named directly or
// through a link, are refused without being opened (an open of a FIFO
// would wake its writer; of a device, raise a serial line or arm a
// watchdog), and an open of a regular file is seen by the same watch.
func TestSpecialFilesNeverOpened(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Symlink(fifo, filepath.Join(dir, "to-fifo"))
	targets := map[string]string{"fifo": fifo, "to-fifo": fifo}
	if os.Geteuid() == 0 {
		dev := filepath.Join(dir, "null")
		if err := unix.Mknod(dev, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
			t.Fatal(err)
		}
		os.Symlink(dev, filepath.Join(dir, "to-device"))
		targets["null"], targets["to-device"] = dev, dev
	} else {
		t.Log("not root: no device node made; the FIFO alone is tried")
	}
	var notRegular *NotRegularError
	for name, target := range targets {
		was := opened(t, target)
		if _, err := Self().ReadFile(filepath.Join(dir, name), 64); !errors.As(err, &notRegular) {
			t.Errorf("%s: %v", name, err)
		}
		if was() {
			t.Errorf("%s: opened", name)
		}
	}
	plain := filepath.Join(dir, "plain")
	os.WriteFile(plain, []byte("x"), 0o644)
	was := opened(t, plain)
	if _, err := Self().ReadFile(plain, 64); err != nil || !was() {
		t.Errorf("the watch does not see an open (%v)", err)
	}
}

// TestPseudoFilesRefused: procfs and sysfs are not read, named or linked
// to, even where their mode would let anyone read them.
func TestPseudoFilesRefused(t *testing.T) {
	dir := t.TempDir()
	os.Symlink("/proc/self/status", filepath.Join(dir, "status"))
	os.Symlink("/proc/kmsg", filepath.Join(dir, "kmsg"))
	os.Symlink("/sys/kernel", filepath.Join(dir, "sys"))
	for _, p := range []string{filepath.Join(dir, "status"), filepath.Join(dir, "kmsg"), "/proc/self/environ", "/proc/version"} {
		if _, err := Self().ReadFile(p, 4096); !errors.Is(err, ErrPseudo) {
			t.Errorf("%s: %v", p, err)
		}
	}
	if _, err := Self().ReadDirNames(filepath.Join(dir, "sys"), 10); !errors.Is(err, ErrPseudo) {
		t.Errorf("sysfs listed: %v", err)
	}
	// For another user, /proc/kmsg (root's, 0400) is theirs to be refused
	// like anything they cannot read.
	if os.Geteuid() == 0 {
		if _, err := For(54321, []int{54321}).ReadFile(filepath.Join(dir, "kmsg"), 4096); err == nil || errors.Is(err, syscall.EAGAIN) {
			t.Errorf("kmsg for a user: %v", err)
		}
	}
}
