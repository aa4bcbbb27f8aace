//go:build linux

package desktop

import "golang.org/x/sys/unix"

// socketUID asks the kernel for the peer's credentials (SO_PEERCRED).
func socketUID(fd int) (int, bool) {
	cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return 0, false
	}
	return int(cred.Uid), true
}
