//go:build darwin

package watch

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

// procWatch learns of process exits through kqueue (EVFILT_PROC,
// NOTE_EXIT). One goroutine waits in kevent; a user event wakes it to stop.
type procWatch struct {
	notify func()
	kq     int

	mu     sync.Mutex
	pids   pidTable[struct{}]
	closed bool
	done   chan struct{}
}

const wakeIdent = 1

func newProcWatch(notify func()) (*procWatch, error) {
	kq, err := unix.Kqueue()
	if err != nil {
		return nil, fmt.Errorf("watch processes: kqueue: %w", err)
	}
	unix.CloseOnExec(kq)
	var k unix.Kevent_t
	unix.SetKevent(&k, wakeIdent, unix.EVFILT_USER, unix.EV_ADD|unix.EV_CLEAR)
	if _, err := unix.Kevent(kq, []unix.Kevent_t{k}, nil, nil); err != nil {
		unix.Close(kq)
		return nil, fmt.Errorf("watch processes: kevent: %w", err)
	}
	w := &procWatch{notify: notify, kq: kq, pids: newPidTable[struct{}](), done: make(chan struct{})}
	go w.loop()
	return w, nil
}

// Set watches exactly pids and returns those it now watches (registered
// with the kqueue: an exit from then on is queued). A pid that is already
// gone counts as an exit.
func (w *procWatch) Set(pids []int) []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	change := func(pid int, flags int) error {
		var k unix.Kevent_t
		unix.SetKevent(&k, pid, unix.EVFILT_PROC, flags)
		k.Fflags = unix.NOTE_EXIT
		_, err := unix.Kevent(w.kq, []unix.Kevent_t{k}, nil, nil)
		return err
	}
	open := func(pid int) (struct{}, error) { return struct{}{}, change(pid, unix.EV_ADD|unix.EV_ONESHOT) }
	if w.pids.set(pids, open, func(pid int, _ struct{}) { change(pid, unix.EV_DELETE) }) {
		go w.notify()
	}
	return w.pids.watching()
}

// Close stops watching.
func (w *procWatch) Close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	w.mu.Unlock()
	var k unix.Kevent_t
	unix.SetKevent(&k, wakeIdent, unix.EVFILT_USER, 0)
	k.Fflags = unix.NOTE_TRIGGER
	unix.Kevent(w.kq, []unix.Kevent_t{k}, nil, nil)
	<-w.done
	unix.Close(w.kq)
}

func (w *procWatch) loop() {
	defer close(w.done)
	events := make([]unix.Kevent_t, 16)
	for {
		n, err := unix.Kevent(w.kq, nil, events, nil)
		if err != nil && !errors.Is(err, unix.EINTR) {
			return
		}
		exited := false
		for _, ev := range events[:max(n, 0)] {
			switch {
			case ev.Filter == unix.EVFILT_USER:
				w.mu.Lock()
				closed := w.closed
				w.mu.Unlock()
				if closed {
					return
				}
			case ev.Filter == unix.EVFILT_PROC && ev.Fflags&unix.NOTE_EXIT != 0:
				w.mu.Lock()
				w.pids.exited(int(ev.Ident))
				w.mu.Unlock()
				exited = true
			}
		}
		if exited {
			w.notify()
		}
	}
}
