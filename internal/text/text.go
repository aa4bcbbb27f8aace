// Package text holds the small string rules every human-facing output
// shares: how a long value is shortened, and how control characters from
// hostile files and tools are kept from reaching a terminal, a menu or a
// notification. One definition, so the table, the menu, the window and the
// diagnostics agree.
package text

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

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

// Safe makes s fit to print on one line: C0 and C1 control characters,
// DEL, and the bidirectional overrides that can reorder what a terminal
// shows are written as visible escapes (ESC becomes \x1b, a line feed
// \n), as are bytes that are not UTF-8. A string with none is returned
// as it is.
func Safe(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0:
			fmt.Fprintf(&b, "\\x%02x", r)
		case bidi(r):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || bidi(r) {
			return true
		}
		i += size
	}
	return false
}

// bidi reports the explicit directional formatting characters.
func bidi(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}

// Duration says 45 s, 3 min, 2 h 5 min.
func Duration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	}
	h := int(d.Hours())
	if m := int(d.Minutes()) % 60; m > 0 {
		return fmt.Sprintf("%d h %d min", h, m)
	}
	return fmt.Sprintf("%d h", h)
}

// Count writes n with thousands separators: 1,234,567.
func Count(n int) string {
	if n < 0 {
		return "-" + CountUint(uint64(^n)+1) // exact for the smallest int
	}
	return CountUint(uint64(n))
}

// CountUint is Count for a uint64.
func CountUint(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
