//go:build !linux && !darwin

package sim

// procStamp cannot be known here: nothing is signalled by PID alone.
func procStamp(int) string { return "" }
