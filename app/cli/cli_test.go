package cli

import (
	"bytes"
	"os"
	"testing"
)

func TestParseTimeout(t *testing.T) {
	for in, want := range map[string]string{"2s": "2s", "500ms": "500ms", "1.5": "1.5s", "3": "3s"} {
		d, err := ParseTimeout(in)
		if err != nil || d.String() != want {
			t.Errorf("%q: %v, %v", in, d, err)
		}
	}
}

func TestParseTray(t *testing.T) {
	var stderr bytes.Buffer
	o, _, done := Parse([]string{"--poll-unhealthy", "2s", "--grace", "0", "--monochrome"}, "dev", &stderr)
	if done || o.Headless() || o.Tray.Healthy != 0 || o.Tray.Unhealthy.String() != "2s" || o.Tray.Grace != 0 || !o.Tray.Monochrome {
		t.Errorf("%+v %q", o, stderr.String())
	}
	for _, bad := range [][]string{{"--poll-healthy", "10ms"}, {"--poll-unhealthy", "0"}, {"--grace", "-1s"}, {"--grace", "2h"}} {
		if _, code, done := Parse(bad, "dev", &stderr); !done || code != ExitUsage {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestColourWanted(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if ColourWanted(w) {
		t.Error("a pipe is not a terminal")
	}
	if ColourWanted(&bytes.Buffer{}) {
		t.Error("a buffer is not a terminal")
	}
	devnull, _ := os.Open(os.DevNull)
	defer devnull.Close()
	if ColourWanted(devnull) {
		t.Error("/dev/null is a character device, not a terminal")
	}
}

func TestParseFormats(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args     []string
		format   string
		watch    bool
		textfile string
	}{
		{[]string{"--json"}, FormatJSON, false, ""},
		{[]string{"--table"}, FormatTable, false, ""},
		{[]string{"--prometheus"}, FormatPrometheus, false, ""},
		{[]string{"--format", "jamf"}, FormatJamf, false, ""},
		{[]string{"--format=prometheus", "--textfile", dir}, FormatPrometheus, false, dir},
		{[]string{"--textfile", dir}, "", false, dir},
		{[]string{"--watch"}, FormatJSON, true, ""},
		{[]string{"--watch", "--json", "--textfile", dir}, FormatJSON, true, dir},
	} {
		var stderr bytes.Buffer
		o, code, done := Parse(c.args, "dev", &stderr)
		if done || code != 0 || o.Format != c.format || o.Watch != c.watch || o.Textfile != c.textfile || !o.Headless() {
			t.Errorf("%v: %+v code %d %q", c.args, o, code, stderr.String())
		}
	}
	for _, bad := range [][]string{
		{"--json", "--table"}, {"--json", "--format", "json"}, {"--prometheus", "--format", "jamf"}, {"--format", "xml"},
		{"--watch", "--table"}, {"--watch", "--format", "jamf"}, {"--textfile", "/nonexistent/folder"}, {"--textfile", "/etc/hostname"},
		{"--quit", "--watch"},
	} {
		var stderr bytes.Buffer
		if _, code, done := Parse(bad, "dev", &stderr); !done || code != ExitUsage || stderr.Len() == 0 {
			t.Errorf("%v accepted (code %d)", bad, code)
		}
	}
}
