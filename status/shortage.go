package status

import (
	"context"
	"errors"
	"sync"
	"syscall"
)

// errProcessLimit marks a process that could not be started for want of
// processes or threads (fork's EAGAIN).
var errProcessLimit = errors.New("no process could be started")

// ShortageOf is the sweep's verdict when err is the sweeping process's
// own shortage, not a fact of the install: out of file descriptors, of
// memory, of processes. "" for any other error.
func ShortageOf(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return "Cannot check: this app is out of file descriptors"
	case errors.Is(err, syscall.ENOMEM), errors.Is(err, syscall.ENOBUFS):
		return "Cannot check: this app is out of memory"
	case errors.Is(err, errProcessLimit):
		return "Cannot check: this app has reached its limit of processes"
	}
	return ""
}

// shortage records the first shortage a sweep's probes met: a sweep that
// met one proves nothing about the install.
type shortage struct {
	mu   sync.Mutex
	what string
}

type shortageKey struct{}

// note records err when it is a shortage.
func (s *shortage) note(err error) {
	if s == nil {
		return
	}
	if w := ShortageOf(err); w != "" {
		s.mu.Lock()
		if s.what == "" {
			s.what = w
		}
		s.mu.Unlock()
	}
}

func (s *shortage) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.what
}

// noteShortage records err in the sweep of ctx, when it is a shortage.
func noteShortage(ctx context.Context, err error) {
	s, _ := ctx.Value(shortageKey{}).(*shortage)
	s.note(err)
}
