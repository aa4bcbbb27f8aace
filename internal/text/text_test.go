package text

import (
	"testing"
	"time"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	for _, tt := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"a longer string", 8, "a longe…"},
		{"ünïcödé text", 5, "ünïc…"},
		{"anything", 0, ""},
	} {
		if got := Clip(tt.in, tt.n); got != tt.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestSafe(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Wi-Fi", "Wi-Fi"},
		{"Café · ✓ → 127.0.0.1", "Café · ✓ → 127.0.0.1"},
		{"evil\x1b]0;owned\x07", `evil\x1b]0;owned\x07`},
		{"a\nforged row\r", `a\nforged row\x0d`},
		{"tab\there", `tab\there`},
		{"c1\u009bx", `c1\x9bx`},
		{"del\x7f", `del\x7f`},
		{"bidi\u202egnp.exe", `bidi\u202egnp.exe`},
		{"bad\xffutf8", `bad\xffutf8`},
	} {
		if got := Safe(tt.in); got != tt.want {
			t.Errorf("Safe(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzSafe(f *testing.F) {
	f.Add("plain")
	f.Add("\x1b[2J\x07\u202e\xff")
	f.Fuzz(func(t *testing.T, s string) {
		out := Safe(s)
		if !utf8.ValidString(out) {
			t.Fatalf("not UTF-8: %q", out)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || bidi(r) {
				t.Fatalf("control %U left in %q", r, out)
			}
		}
		if Safe(out) != out {
			t.Fatalf("not stable: %q", out)
		}
	})
}

func TestDurationAndCount(t *testing.T) {
	for d, want := range map[time.Duration]string{45 * time.Second: "45 s", 3 * time.Minute: "3 min", 2*time.Hour + 5*time.Minute: "2 h 5 min", 3 * time.Hour: "3 h"} {
		if got := Duration(d); got != want {
			t.Errorf("%v: %q", d, got)
		}
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -45678: "-45,678"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}
