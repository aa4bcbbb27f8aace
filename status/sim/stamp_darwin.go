//go:build darwin

package sim

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// procStamp is when a process started (kern.proc.pid's p_starttime): with
// its PID, it names that process and no other, even once the PID is
// reused. "" when there is no such process.
func procStamp(pid int) string {
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil || kp.Proc.P_pid != int32(pid) {
		return ""
	}
	t := kp.Proc.P_starttime
	return fmt.Sprintf("%d.%06d", t.Sec, t.Usec)
}
