//go:build linux

package sim

import (
	"bytes"
	"os"
	"strconv"
	"strings"
)

// procStamp is when a process started, as the kernel counts it (field 22
// of /proc/PID/stat): with its PID, it names that process and no other,
// even once the PID is reused. "" when there is no such process.
func procStamp(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(fields) < 20 {
		return ""
	}
	return fields[19]
}
