package monitor

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/status"
)

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// bad is a failing row: "state/level[/cause]".
type bad map[string]string

// report is a report with every row healthy except those in b, with the
// verdict and headline the engine would give it.
func report(b bad) status.Report {
	r := status.Report{Overall: status.OverallHealthy, Headline: "All healthy"}
	worst := status.LevelOK
	var roots []status.Component
	for _, name := range status.ComponentOrder {
		c := status.Component{Name: name, State: "healthy", Level: status.LevelOK, Detail: name + " fine"}
		if spec, ok := b[name]; ok {
			parts := strings.Split(spec, "/")
			c.State, c.Level, c.Detail = parts[0], status.Level(parts[1]), name+" is "+parts[0]
			c.NextStep = "halton-meter start"
			if len(parts) > 2 {
				c.CausedBy = parts[2]
			}
			if c.Level == status.LevelCrit || worst == status.LevelOK {
				worst = c.Level
			}
			if c.CausedBy == "" {
				roots = append(roots, c)
			}
		}
		r.Components = append(r.Components, c)
	}
	switch worst {
	case status.LevelCrit:
		r.Overall = status.OverallDown
	case status.LevelWarn, status.LevelUnknown:
		r.Overall = status.OverallDegraded
	}
	if len(roots) > 0 {
		r.Headline = status.RowHeadline(roots[0])
		if len(roots) > 1 {
			r.Headline += fmt.Sprintf(" (+%d more)", len(roots)-1)
		}
	}
	return r
}

var (
	healthy       = bad{}
	daemonStopped = bad{
		status.CompDaemon:    "stopped/warn",
		status.CompMitmproxy: "unbound/warn/daemon",
		status.CompFastAPI:   "unbound/warn/daemon",
	}
)

// step is one sweep: at this many seconds after t0, this report, and the
// titles of the notifications expected from it.
type step struct {
	at    int
	rows  bad
	wake  bool
	notes []string
}

func TestPolicySequences(t *testing.T) {
	cfg := PolicyConfig{Grace: 10 * time.Second, QuietSweeps: 2, Cooldown: 10 * time.Minute}
	tests := []struct {
		name  string
		steps []step
	}{
		{"fail, stay failed, recover: one problem, one recovery", []step{
			{at: 0, rows: healthy}, {at: 5, rows: healthy}, {at: 10, rows: healthy},
			{at: 20, rows: daemonStopped},
			{at: 25, rows: daemonStopped},
			{at: 30, rows: daemonStopped, notes: []string{"Daemon stopped — not metering"}},
			{at: 35, rows: daemonStopped}, {at: 40, rows: daemonStopped}, {at: 300, rows: daemonStopped},
			{at: 305, rows: healthy, notes: []string{"Halton Meter recovered"}},
			{at: 310, rows: healthy},
		}},
		{"a restart within the grace stays quiet", []step{
			{at: 0, rows: healthy}, {at: 5, rows: healthy},
			{at: 20, rows: bad{status.CompDaemon: "stopped/warn", status.CompWatchdog: "stopped/warn/daemon"}},
			{at: 25, rows: daemonStopped},
			{at: 28, rows: healthy},
			{at: 40, rows: healthy},
		}},
		{"a row changing state while failing is one transition", []step{
			{at: 0, rows: healthy}, {at: 5, rows: healthy},
			{at: 10, rows: bad{status.CompDaemon: "stopped/warn"}},
			{at: 20, rows: bad{status.CompDaemon: "unbound/warn"}, notes: []string{"Daemon unbound — not metering"}},
			{at: 25, rows: bad{status.CompDaemon: "stopped/warn"}},
			{at: 30, rows: bad{status.CompDaemon: "unknown/unknown"}},
		}},
		{"flapping is announced once", []step{
			{at: 0, rows: healthy}, {at: 5, rows: healthy},
			{at: 10, rows: daemonStopped},
			{at: 20, rows: daemonStopped, notes: []string{"Daemon stopped — not metering"}},
			{at: 25, rows: healthy, notes: []string{"Halton Meter recovered"}},
			{at: 30, rows: daemonStopped},
			{at: 45, rows: daemonStopped},
			{at: 50, rows: healthy},
			{at: 55, rows: daemonStopped},
			{at: 70, rows: daemonStopped},
			{at: 75, rows: healthy},
			{at: 80, rows: daemonStopped},
			{at: 95, rows: daemonStopped},
			// After the cooldown a new failure is news again.
			{at: 800, rows: healthy},
			{at: 805, rows: daemonStopped},
			{at: 815, rows: daemonStopped, notes: []string{"Daemon stopped — not metering"}},
		}},
		{"broken at launch: the icon says it, no notification", []step{
			{at: 0, rows: daemonStopped},
			{at: 5, rows: daemonStopped},
			{at: 10, rows: daemonStopped},
			{at: 60, rows: daemonStopped},
			{at: 65, rows: healthy},
			{at: 70, rows: daemonStopped},
			{at: 80, rows: daemonStopped, notes: []string{"Daemon stopped — not metering"}},
		}},
		{"nothing in the first sweeps after a wake", []step{
			{at: 0, rows: healthy}, {at: 5, rows: healthy}, {at: 10, rows: healthy},
			{at: 3600, wake: true, rows: daemonStopped},
			{at: 3605, rows: daemonStopped},
			{at: 3620, rows: daemonStopped},
			{at: 3625, rows: healthy},
		}},
		{"a recovery during the wake quiet is not announced", []step{
			{at: 0, rows: healthy}, {at: 5, rows: healthy},
			{at: 10, rows: daemonStopped},
			{at: 20, rows: daemonStopped, notes: []string{"Daemon stopped — not metering"}},
			{at: 3600, wake: true, rows: healthy},
			{at: 3605, rows: healthy},
			{at: 3610, rows: daemonStopped},
			{at: 3620, rows: daemonStopped, notes: []string{"Daemon stopped — not metering"}},
		}},
		{"two causes at once: two notifications", []step{
			{at: 0, rows: healthy}, {at: 5, rows: healthy},
			{at: 10, rows: bad{status.CompWatchdog: "stopped/warn", status.CompSentinels: "inconsistent/warn"}},
			{at: 20, rows: bad{status.CompWatchdog: "stopped/warn", status.CompSentinels: "inconsistent/warn"},
				notes: []string{"Watchdog stopped — no fail-safe", "Sentinels inconsistent"}},
		}},
		{"three causes at once: one notification", []step{
			{at: 0, rows: healthy}, {at: 5, rows: healthy},
			{at: 10, rows: bad{status.CompWatchdog: "stopped/warn", status.CompSentinels: "inconsistent/warn", status.CompUserenv: "stopped/warn"}},
			{at: 20, rows: bad{status.CompWatchdog: "stopped/warn", status.CompSentinels: "inconsistent/warn", status.CompUserenv: "stopped/warn"},
				notes: []string{"Halton Meter: 3 problems"}},
		}},
		{"a consequence that shows up later stays with its announced cause", []step{
			{at: 0, rows: healthy}, {at: 5, rows: healthy},
			{at: 10, rows: daemonStopped},
			{at: 20, rows: daemonStopped, notes: []string{"Daemon stopped — not metering"}},
			{at: 25, rows: bad{status.CompDaemon: "stopped/warn", status.CompMitmproxy: "unbound/warn/daemon", status.CompFastAPI: "unbound/warn/daemon", status.CompSystemProxy: "off/warn/daemon"}},
			{at: 40, rows: bad{status.CompDaemon: "stopped/warn", status.CompMitmproxy: "unbound/warn/daemon", status.CompFastAPI: "unbound/warn/daemon", status.CompSystemProxy: "off/warn/daemon"}},
		}},
		{"a new cause while another is out is announced", []step{
			{at: 0, rows: healthy}, {at: 5, rows: healthy},
			{at: 10, rows: daemonStopped},
			{at: 20, rows: daemonStopped, notes: []string{"Daemon stopped — not metering"}},
			{at: 30, rows: bad{status.CompDaemon: "stopped/warn", status.CompMitmproxy: "unbound/warn/daemon", status.CompFastAPI: "unbound/warn/daemon", status.CompEdge: "stopped/crit"}},
			{at: 40, rows: bad{status.CompDaemon: "stopped/warn", status.CompMitmproxy: "unbound/warn/daemon", status.CompFastAPI: "unbound/warn/daemon", status.CompEdge: "stopped/crit"},
				notes: []string{"Edge stopped — proxied apps lose their network"}},
			{at: 45, rows: healthy, notes: []string{"Halton Meter recovered"}},
		}},
		{"a consequence due before its cause waits for it", []step{
			{at: 0, rows: healthy}, {at: 5, rows: healthy},
			{at: 10, rows: bad{status.CompFastAPI: "unbound/warn"}},
			{at: 15, rows: bad{status.CompDaemon: "stopped/warn", status.CompFastAPI: "unbound/warn/daemon"}},
			{at: 20, rows: bad{status.CompDaemon: "stopped/warn", status.CompFastAPI: "unbound/warn/daemon"}},
			{at: 25, rows: bad{status.CompDaemon: "stopped/warn", status.CompFastAPI: "unbound/warn/daemon"}, notes: []string{"Daemon stopped — not metering"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPolicy(cfg)
			for _, s := range tt.steps {
				if s.wake {
					p.Woke()
				}
				got := p.Observe(t0.Add(time.Duration(s.at)*time.Second), report(s.rows))
				var titles []string
				for _, n := range got {
					titles = append(titles, n.Title)
				}
				if strings.Join(titles, " | ") != strings.Join(s.notes, " | ") {
					t.Errorf("at %ds: got %q, want %q", s.at, titles, s.notes)
				}
			}
		})
	}
}

func TestPolicyGroupsByCause(t *testing.T) {
	p := NewPolicy(PolicyConfig{Grace: 10 * time.Second, QuietSweeps: 0, Cooldown: time.Minute})
	p.Observe(t0, report(daemonStopped))
	notes := p.Observe(t0.Add(10*time.Second), report(daemonStopped))
	if len(notes) != 1 {
		t.Fatalf("%d notifications", len(notes))
	}
	n := notes[0]
	if strings.Join(n.Components, ",") != "daemon,mitmproxy listener,fastapi listener" {
		t.Errorf("components %v", n.Components)
	}
	for _, want := range []string{"daemon stopped: daemon is stopped.", "As a result: mitmproxy listener unbound, fastapi listener unbound.", "Next: halton-meter start"} {
		if !strings.Contains(n.Body, want) {
			t.Errorf("body %q lacks %q", n.Body, want)
		}
	}
	notes = p.Observe(t0.Add(135*time.Second), report(healthy))
	if len(notes) != 1 || !notes[0].Recovered || notes[0].Body != "All healthy again after 2 min." {
		t.Errorf("recovery: %+v", notes)
	}
}

func TestWakeDetector(t *testing.T) {
	w := WakeDetector{Threshold: 10 * time.Second}
	steps := []struct {
		wall, mono time.Duration
		wake       bool
	}{
		{0, 0, false},
		{5 * time.Second, 5 * time.Second, false},
		{10 * time.Second, 10 * time.Second, false},
		{12 * time.Second, 11 * time.Second, false}, // NTP slew, no sleep
		{2 * time.Hour, 16 * time.Second, true},     // slept for two hours
		{2*time.Hour + 5*time.Second, 21 * time.Second, false},
		{2*time.Hour - time.Minute, 26 * time.Second, false}, // the clock set back is not a wake
	}
	for i, s := range steps {
		if got := w.Check(t0.Add(s.wall), s.mono); got != s.wake {
			t.Errorf("step %d: wake %v, want %v", i, got, s.wake)
		}
	}
}

func TestHistory(t *testing.T) {
	h := NewHistory(time.Hour)
	at := func(s int, b bad) status.Report {
		r := report(b)
		r.CheckedAt = t0.Add(time.Duration(s) * time.Second)
		return r
	}
	h.Add(at(0, healthy))
	h.Add(at(5, healthy))
	h.Add(at(10, daemonStopped))
	h.Add(at(15, daemonStopped))
	h.Add(at(20, healthy))
	pts := h.Snapshot()[status.CompDaemon]
	if len(pts) != 3 || pts[1].State != "stopped" || !pts[1].At.Equal(t0.Add(10*time.Second)) || pts[2].State != "healthy" {
		t.Fatalf("daemon points %+v", pts)
	}
	// Two hours on: only the point in force at the window's start remains.
	h.Add(at(7200, healthy))
	if pts := h.Snapshot()[status.CompDaemon]; len(pts) != 1 || pts[0].State != "healthy" {
		t.Errorf("after the window: %+v", pts)
	}
	// Endless flapping stays bounded.
	for i := 0; i < 5000; i++ {
		b := healthy
		if i%2 == 0 {
			b = daemonStopped
		}
		h.Add(at(7200+i, b))
	}
	if n := len(h.Snapshot()[status.CompDaemon]); n > maxPoints {
		t.Errorf("%d points kept", n)
	}
}
