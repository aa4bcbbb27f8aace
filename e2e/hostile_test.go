package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haltonlabs/halton-meter-bar/internal/testwait"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// headless runs halton-meter-bar with args against the world.
func (w *world) headless(args ...string) (stdout, stderr string, code int) {
	w.t.Helper()
	cmd := exec.Command(bin("halton-meter-bar"), args...)
	cmd.Env = append(os.Environ(), w.env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), exitCode(err)
}

// daemonLog counts the lines of the world's daemon log holding event.
func (w *world) daemonLog(event string) int {
	b, _ := os.ReadFile(filepath.Join(w.home(), ".halton-meter", "daemon.err.log"))
	return strings.Count(string(b), " "+event)
}

// TestHostileDaemonEveryOutput: a daemon whose /v1/stats answers 500, or
// figures no day can have (a cost of -2^63), silences no output: each
// says the install is healthy, today's figures unknown and why, and
// nothing it prints is nonsense.
func TestHostileDaemonEveryOutput(t *testing.T) {
	w := up(t, "apps")
	w.traffic("--requests", "2")
	for fault, why := range map[string]string{
		"stats-hostile": "/v1/stats: a negative request count",
		"stats-500":     "/v1/stats answered 500",
	} {
		t.Run(fault, func(t *testing.T) {
			w.fault(fault)
			defer sim(t, "heal", "--dir", w.dir)
			r, code := w.check()
			if code != 0 || r.Overall != status.OverallHealthy || r.Metering.Today != nil || r.Metering.TodayProblem != why {
				t.Errorf("--json: exit %d, %s, today %+v, today_problem %q", code, r.Overall, r.Metering.Today, r.Metering.TodayProblem)
			}
			if !strings.Contains(strings.Join(r.Warnings, "\n"), why) {
				t.Errorf("warnings %q", r.Warnings)
			}
			if c, _ := r.Row(status.CompMetering); c.State != status.MeteringLive || !strings.Contains(c.Detail, "today's figures unknown: "+why) {
				t.Errorf("metering row %+v", c)
			}
			table, stderr, code := w.headless("--table")
			if code != 0 || !strings.Contains(table, "today's figures unknown: "+why) || strings.Contains(table, "-$") || strings.ContainsAny(table, "\x1b\x07") {
				t.Errorf("--table: exit %d %s\n%s", code, stderr, table)
			}
			prom, stderr, code := w.headless("--prometheus")
			if code != 0 || strings.Contains(prom, "halton_meter_today_") || !strings.Contains(prom, `halton_meter_overall{verdict="healthy"} 1`) {
				t.Errorf("--prometheus: exit %d %s\n%s", code, stderr, prom)
			}
			if jamf, _, code := w.headless("--format", "jamf"); code != 0 || jamf != "<result>healthy</result>\n" {
				t.Errorf("jamf: exit %d %q", code, jamf)
			}
			dir := t.TempDir()
			if _, stderr, code := w.headless("--textfile", dir); code != 0 {
				t.Errorf("--textfile: exit %d %s", code, stderr)
			}
			if b, err := os.ReadFile(filepath.Join(dir, "halton_meter.prom")); err != nil || !bytes.Contains(b, []byte("halton_meter_up")) {
				t.Errorf("halton_meter.prom: %v", err)
			}
		})
	}
}

// TestWatchBacksOffAFailingStats: a /v1/stats that answers 500 is asked
// once a minute by --watch, not at every sweep (12 sweeps a second apart:
// at most the one pair of asks, today's and the week's).
func TestWatchBacksOffAFailingStats(t *testing.T) {
	w := up(t, "apps")
	w.fault("stats-500")
	statusBefore, statsBefore := w.daemonLog("daemon.status.request"), w.daemonLog("daemon.stats.request")
	cmd := exec.Command(bin("halton-meter-bar"), "--watch", "--poll-healthy", "1s")
	cmd.Env = append(os.Environ(), w.env...)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	line, err := bufio.NewReader(out).ReadBytes('\n')
	var r status.Report
	if err != nil || json.Unmarshal(line, &r) != nil || r.Metering.TodayProblem != "/v1/stats answered 500" {
		t.Fatalf("the first line: %v %s", err, line)
	}
	// The sweeps are counted by their asks of /v1/daemon/status, one each.
	testwait.For(t, "12 sweeps", func() bool { return w.daemonLog("daemon.status.request")-statusBefore >= 12 })
	if n := w.daemonLog("daemon.stats.request") - statsBefore; n > 2 {
		t.Errorf("12 sweeps asked a failing /v1/stats %d times", n)
	}
}

// TestTrayWithAHostileDaemon: the tray against a daemon whose /v1/stats
// answers a cost of -2^63 keeps status.json up to date, its window opens
// and stays open, and the menu says today's figures are unknown.
func TestTrayWithAHostileDaemon(t *testing.T) {
	d := startDesktop(t)
	w := up(t, "apps")
	w.traffic("--requests", "2")
	w.fault("stats-hostile")
	p := startTray(t, d, w.env)
	p.waitMenu("today's figures unknown", func(by map[string]menuEntry, _ []menuEntry) bool {
		for label, e := range by {
			if strings.HasPrefix(label, "Today's figures unknown · last ") && e.visible {
				return true
			}
		}
		return false
	})
	statusDir := filepath.Join(p.config, "halton-meter-bar")
	waitStatusFile(t, statusDir, status.OverallHealthy)
	b, _ := os.ReadFile(filepath.Join(statusDir, "status.json"))
	var r status.Report
	if json.Unmarshal(b, &r); r.Metering.Today != nil || r.Metering.TodayProblem == "" {
		t.Errorf("status.json metering %+v", r.Metering)
	}
	// Kept up to date: a change reaches it.
	w.fault("daemon-crash")
	waitStatusFile(t, statusDir, status.OverallDegraded)

	// The window opens, and stays: a click on a row reaches the same one.
	p.click("Open Details…")
	testwait.For(t, "the window", func() bool { return strings.Contains(p.stderr.String(), "details: started") })
	p.click("metering")
	testwait.For(t, "the focus on the metering row", func() bool {
		return strings.Contains(p.stderr.String(), `details: focused "metering"`)
	})
	if n := strings.Count(p.stderr.String(), "details: started"); n != 1 {
		t.Errorf("the window started %d times:\n%s", n, p.stderr)
	}
}
