// Package text holds the small string rules every human-facing output
// shares: how a long value is shortened. One definition, so the table, the
// menu, the window and the diagnostics shorten alike.
package text

// Clip shortens s to at most n runes, marking the cut with "…".
func Clip(s string, n int) string {
	if n <= 0 {
		return ""
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
