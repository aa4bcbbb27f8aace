package desktop

import "net"

// peerUID is the uid of the process at the other end of a Unix socket,
// where the system says (socketUID).
func peerUID(conn net.Conn) (int, bool) {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return 0, false
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return 0, false
	}
	uid, found := 0, false
	raw.Control(func(fd uintptr) { uid, found = socketUID(int(fd)) })
	return uid, found
}
