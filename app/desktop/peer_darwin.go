//go:build darwin

package desktop

import "golang.org/x/sys/unix"

// socketUID asks the kernel for the peer's credentials (LOCAL_PEERCRED).
func socketUID(fd int) (int, bool) {
	cred, err := unix.GetsockoptXucred(fd, unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	if err != nil {
		return 0, false
	}
	return int(cred.Uid), true
}
