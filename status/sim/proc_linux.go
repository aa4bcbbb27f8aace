//go:build linux

package sim

import "syscall"

// jobAttr makes a job die with the process that started it: launchd's
// children do not outlive launchd, and a world's must not outlive its
// supervisor.
func jobAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
