//go:build linux

package watch

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

// procWatch learns of process exits through pidfds (Linux 5.3+): a pidfd
// becomes readable when its process ends. One goroutine polls them all,
// with a pipe to wake it when the set changes or it should stop.
type procWatch struct {
	notify func()

	mu     sync.Mutex
	pids   pidTable[int] // pid → pidfd
	closed bool
	wakeR  int
	wakeW  int
	done   chan struct{}
}

func newProcWatch(notify func()) (*procWatch, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return nil, fmt.Errorf("watch processes: %w", err)
	}
	w := &procWatch{notify: notify, pids: newPidTable[int](), wakeR: p[0], wakeW: p[1], done: make(chan struct{})}
	// Probe once that pidfds work here.
	fd, err := unix.PidfdOpen(unix.Getpid(), 0)
	if err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		return nil, fmt.Errorf("watch processes: pidfd_open: %w", err)
	}
	unix.Close(fd)
	go w.loop()
	return w, nil
}

// Set watches exactly pids and returns those it now watches: a pidfd is
// readable once its process ends, whenever the loop polls it, so an exit
// after Set returns is never missed. A pid that is already gone counts as
// an exit.
func (w *procWatch) Set(pids []int) []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	open := func(pid int) (int, error) {
		fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
		if err == nil {
			unix.CloseOnExec(fd)
		}
		return fd, err
	}
	gone := w.pids.set(pids, open, func(_ int, fd int) { unix.Close(fd) })
	w.wake()
	if gone {
		go w.notify()
	}
	return w.pids.watching()
}

func (w *procWatch) wake() { unix.Write(w.wakeW, []byte{1}) }

// Close stops watching.
func (w *procWatch) Close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	w.wake()
	w.mu.Unlock()
	<-w.done
	w.mu.Lock()
	for _, fd := range w.pids.live {
		unix.Close(fd)
	}
	unix.Close(w.wakeR)
	unix.Close(w.wakeW)
	w.mu.Unlock()
}

func (w *procWatch) loop() {
	defer close(w.done)
	buf := make([]byte, 64)
	for {
		w.mu.Lock()
		if w.closed {
			w.mu.Unlock()
			return
		}
		fds := []unix.PollFd{{Fd: int32(w.wakeR), Events: unix.POLLIN}}
		pids := []int{0}
		for pid, fd := range w.pids.live {
			fds = append(fds, unix.PollFd{Fd: int32(fd), Events: unix.POLLIN})
			pids = append(pids, pid)
		}
		w.mu.Unlock()
		if _, err := unix.Poll(fds, -1); err != nil && !errors.Is(err, unix.EINTR) {
			return
		}
		if fds[0].Revents != 0 {
			for {
				if n, _ := unix.Read(w.wakeR, buf); n <= 0 {
					break
				}
			}
		}
		exited := false
		w.mu.Lock()
		for i := 1; i < len(fds); i++ {
			if fds[i].Revents != 0 {
				if fd, ok := w.pids.live[pids[i]]; ok && int32(fd) == fds[i].Fd {
					unix.Close(fd)
					w.pids.exited(pids[i])
					exited = true
				}
			}
		}
		w.mu.Unlock()
		if exited {
			w.notify()
		}
	}
}
