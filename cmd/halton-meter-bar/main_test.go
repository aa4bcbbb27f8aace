package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/haltonlabs/halton-meter-bar/app/cli"
	"github.com/haltonlabs/halton-meter-bar/status"
	"github.com/haltonlabs/halton-meter-bar/status/statustest"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"--help"}, 0, "Usage: halton-meter-bar"},
		{[]string{"-h"}, 0, "Exit status"},
		{[]string{"--version"}, 0, "halton-meter-bar dev"},
		{[]string{"-psn_0_1234567", "--version"}, 0, "halton-meter-bar dev"}, // Launch Services' own
		{[]string{"--version", "-psn_0_42"}, 0, "halton-meter-bar dev"},
		{[]string{"--bogus"}, cli.ExitUsage, "halton-meter-bar: unknown flag --bogus\nRun 'halton-meter-bar --help' for usage.\n"},
		{[]string{"-bogus"}, cli.ExitUsage, "unknown flag --bogus"},
		{[]string{"--json", "extra"}, cli.ExitUsage, `unexpected argument "extra"`},
		{[]string{"--json", "--table"}, cli.ExitUsage, "exclude each other"},
		{[]string{"--json", "--timeout", "soon"}, cli.ExitUsage, `"soon" is not a duration`},
		{[]string{"--json", "--timeout", "0"}, cli.ExitUsage, "out of range"},
		{[]string{"--json", "--timeout", "2h"}, cli.ExitUsage, "out of range"},
		{[]string{"--json", "--user", "no-such-user-here"}, cli.ExitUsage, "--user no-such-user-here: no such user"},
		{[]string{"--json", "--user", "987654"}, cli.ExitUsage, "--user 987654: no user with uid 987654"},
		{[]string{"--json", "--quit"}, cli.ExitUsage, "--quit goes alone"},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(t, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.stderr) || stdout != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit %d and %q", tt.args, code, stderr, stdout, tt.code, tt.stderr)
		}
	}
}

// TestHelpSpeaksLongFlags: the help writes --json as the usage line and
// the docs do; an unknown flag is answered in two lines, not the help;
// -json works as --json does.
func TestHelpSpeaksLongFlags(t *testing.T) {
	_, _, help := runCLI(t, "--help")
	for _, want := range []string{"\n  --json\n", "\n  --format F\n", "\n  --timeout D\n", "(default 2s)", "\n  --poll-unhealthy duration\n"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
	if strings.Contains(help, "\n  -json") || strings.Contains(help, "\n  -format") {
		t.Errorf("help lists a -short flag:\n%s", help)
	}
	if _, _, stderr := runCLI(t, "--no-such-flag"); strings.Count(stderr, "\n") != 2 {
		t.Errorf("an unknown flag got %d lines:\n%s", strings.Count(stderr, "\n"), stderr)
	}
	w := statustest.New(t, "apps")
	w.Setenv(t)
	for _, form := range []string{"-json", "--json"} {
		code, stdout, stderr := runCLI(t, form)
		var r status.Report
		if code != 0 || json.Unmarshal([]byte(stdout), &r) != nil || r.Overall != status.OverallHealthy {
			t.Errorf("%s: exit %d, %s", form, code, stderr)
		}
	}
}

func TestHeadlessExitCodes(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(w *statustest.World)
		overall status.Overall
		code    int
	}{
		{"healthy", func(w *statustest.World) {}, status.OverallHealthy, 0},
		{"degraded: watchdog crashed", func(w *statustest.World) {
			w.LaunchctlTable(strings.Replace(statustest.HealthyTable(), "4003\t0\t", "-\t-9\t", 1))
		}, status.OverallDegraded, 1},
		{"down: edge port dead", func(w *statustest.World) { w.Ports(w.FreePort(), w.Internal, w.API) }, status.OverallDown, 2},
		{"unknown: launchctl missing", func(w *statustest.World) { os.Remove(w.Launchctl) }, status.OverallUnknown, 3},
		{"not installed", func(w *statustest.World) { os.RemoveAll(w.MeterHome) }, status.OverallNotInstalled, 3},
		{"unknown: HOME unset", func(w *statustest.World) { w.T.(*testing.T).Setenv("HOME", "") }, status.OverallUnknown, 3},
		{"unknown: a relative launchctl", func(w *statustest.World) { w.T.(*testing.T).Setenv("HALTON_BAR_LAUNCHCTL", "launchctl") }, status.OverallUnknown, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := statustest.New(t, "apps")
			w.Setenv(t)
			tt.setup(w)
			code, stdout, stderr := runCLI(t, "--json")
			var r status.Report
			if err := json.Unmarshal([]byte(stdout), &r); err != nil {
				t.Fatalf("--json output: %v\n%s", err, stdout)
			}
			if code != tt.code || r.Overall != tt.overall || stderr != "" {
				t.Errorf("--json: exit %d overall %s stderr %q; want %d %s", code, r.Overall, stderr, tt.code, tt.overall)
			}
			code, stdout, _ = runCLI(t, "--table", "--timeout", "1s")
			if code != tt.code || !strings.Contains(stdout, "overall               "+string(tt.overall)) {
				t.Errorf("--table: exit %d\n%s", code, stdout)
			}
			if strings.Contains(stdout, "\x1b[") {
				t.Error("--table into a buffer must not be coloured")
			}
		})
	}
}
