package status

import (
	"strings"
	"testing"
)

// maxConfigAlloc is what decoding a config.toml as large as it may be
// (maxSmallFile) may allocate, whatever its shape.
const maxConfigAlloc = 32 << 20

// worstConfigs are the shapes that cost TOML parsers the most, each as
// large as config.toml may be: keys dotted deep, headers dotted deep,
// inline tables and arrays nested deep, one long string, many keys, many
// tables.
func worstConfigs() map[string][]byte {
	fill := func(unit, pre, post string) []byte {
		n := (maxSmallFile - len(pre) - len(post)) / len(unit)
		return []byte(pre + strings.Repeat(unit, n) + post)
	}
	many := func(line func(i int) string) []byte {
		var b strings.Builder
		for i := 0; ; i++ {
			l := line(i)
			if b.Len()+len(l) > maxSmallFile {
				return []byte(b.String())
			}
			b.WriteString(l)
		}
	}
	name := func(i int) string {
		return string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676%26)) + strings.Repeat("z", i/17576)
	}
	return map[string][]byte{
		"dotted-keys":    fill("a.", "", "a=1\n"),
		"dotted-headers": fill("a.", "[", "a]\n"),
		"inline-tables":  fill("{a=", "x=", ""),
		"arrays":         fill("[", "x=", ""),
		"long-string":    fill("x", `s="`, "\"\n"),
		"many-keys":      many(func(i int) string { return "k" + name(i) + "=1\n" }),
		"many-tables":    many(func(i int) string { return "[t" + name(i) + "]\n" }),
		"inline-keys":    append(append([]byte("x={"), many(func(i int) string { return "k" + name(i) + "=1," })[:maxSmallFile-8]...), "a=1}\n"...),
		"array-tables":   many(func(int) string { return "[[t]]\na=1\n" }),
		"daemon-last":    append(many(func(i int) string { return "k" + name(i) + "=1\n" })[:maxSmallFile-40], "\n[daemon]\nedge_port=8181\n"...),
		// As many keys and tables as are decoded, each as long as the
		// file's size allows.
		"keys-at-bound": many(func(i int) string {
			if i >= maxConfigKeys-2 {
				return strings.Repeat("#", 200) + "\n"
			}
			return "k" + name(i) + strings.Repeat("q", maxSmallFile/maxConfigKeys-12) + "=1\n"
		}),
		"tables-at-bound": many(func(i int) string {
			if i >= maxConfigKeys-2 {
				return strings.Repeat("#", 200) + "\n"
			}
			return "[t" + name(i) + strings.Repeat("q", maxSmallFile/maxConfigKeys-12) + "]\n"
		}),
		"daemon-at-bound": many(func(i int) string {
			switch {
			case i < maxConfigKeys-4:
				return "k" + name(i) + "=1\n"
			case i == maxConfigKeys-4:
				return "[daemon]\nedge_port=8181\n"
			}
			return strings.Repeat("#", 200) + "\n"
		}),
	}
}

// TestConfigDecodeBounded: each worst shape is decoded (or refused) within
// maxConfigAlloc, never quoting the file in its error; the [daemon] table
// after the rest is still found. The time each takes is benchmarked
// (BenchmarkConfigPortsWorst), not asserted.
func TestConfigDecodeBounded(t *testing.T) {
	for name, in := range worstConfigs() {
		var p Ports
		var err error
		if n := allocated(func() { p, err = ParseConfigPorts(in) }); n > maxConfigAlloc {
			t.Errorf("%s (%d bytes): %d MB allocated", name, len(in), n>>20)
		}
		if err != nil && (strings.Contains(err.Error(), "a.a") || strings.Contains(err.Error(), "{a=")) {
			t.Errorf("%s: the error quotes the file: %v", name, err)
		}
		if name == "daemon-at-bound" && (err != nil || p.Edge != 8181) {
			t.Errorf("%s: %+v %v", name, p, err)
		}
	}
}

// BenchmarkConfigPortsWorst decodes each worst shape (docs: ≤ 50 ms and ≤
// 32 MB each).
func BenchmarkConfigPortsWorst(b *testing.B) {
	for name, in := range worstConfigs() {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ParseConfigPorts(in)
			}
		})
	}
}
