//go:build !linux

package sim

import "syscall"

// jobAttr has no parent-death signal outside Linux; the jobs watch their
// parent instead (watchParent).
func jobAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }
