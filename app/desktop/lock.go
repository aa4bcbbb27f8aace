package desktop

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Lock is held by the one running instance. The kernel releases it when
// the process ends, however it ends, so a crash leaves no stale lock.
type Lock struct{ f *os.File }

// AlreadyRunningError is returned when another instance holds the lock.
type AlreadyRunningError struct{ PID int }

func (e AlreadyRunningError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("halton-meter-bar is already running (PID %d)", e.PID)
	}
	return "halton-meter-bar is already running"
}

// AcquireLock takes the instance lock at path and writes this PID in it.
func AcquireLock(path string) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	// Never through a link (whose target the PID would overwrite), never
	// blocking on a FIFO.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o644)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("lock: %s is a symbolic link; remove it", path)
		}
		return nil, fmt.Errorf("lock: %w", err)
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("lock: %s is not a regular file; remove it", path)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		b := make([]byte, 32)
		n, _ := f.ReadAt(b, 0)
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b[:n])))
			return nil, AlreadyRunningError{PID: pid}
		}
		return nil, fmt.Errorf("lock: %w", err)
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return &Lock{f: f}, nil
}

// Release gives the lock up.
func (l *Lock) Release() {
	if l != nil && l.f != nil {
		unix.Flock(int(l.f.Fd()), unix.LOCK_UN)
		l.f.Close()
	}
}
