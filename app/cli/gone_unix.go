//go:build unix

package cli

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// readerGone is closed when f is a pipe whose reading end has closed
// (`halton-meter-bar --watch | head -1`): --watch ends then, not at its next
// line, which may be minutes away. Nil when f is no pipe.
func readerGone(f *os.File) <-chan struct{} {
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		return nil
	}
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		fds := []unix.PollFd{{Fd: int32(f.Fd()), Events: 0}} // only POLLERR, POLLHUP, POLLNVAL come back
		for {
			n, err := unix.Poll(fds, -1)
			switch {
			case err == unix.EINTR:
				continue
			case err != nil:
				return
			case n > 0 && fds[0].Revents&(unix.POLLERR|unix.POLLHUP|unix.POLLNVAL) != 0:
				return
			}
			time.Sleep(time.Second) // nothing asked for came back: do not spin
		}
	}()
	return gone
}
