package monitor

import (
	"strings"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/assets/draw"
	"github.com/haltonlabs/halton-meter-bar/status"
)

func TestBuildMenu(t *testing.T) {
	notInstalled := status.Report{Overall: status.OverallNotInstalled, Headline: "Halton Meter is not installed"}
	for _, name := range status.ComponentOrder {
		notInstalled.Components = append(notInstalled.Components, status.Component{Component: name, State: "unknown", Level: status.LevelUnknown})
	}
	launchdUnknown := report(bad{status.CompDaemon: "unknown/unknown", status.CompWatchdog: "unknown/unknown", status.CompUserenv: "unknown/unknown"})
	launchdUnknown.Overall = status.OverallUnknown

	type itemWant struct {
		title            string
		enabled, visible bool
	}
	tests := []struct {
		name     string
		report   *status.Report
		icon     draw.State
		headline string
		rows     bool
		items    map[ActionID]itemWant
	}{
		{"before the first sweep", nil, draw.Unknown, "Checking Halton Meter…", false, map[ActionID]itemWant{
			ActCopyJSON:    {"Copy Status JSON", false, true},
			ActInstall:     {"Install Halton Meter…", true, false},
			ActStartDaemon: {"Start Daemon", false, false},
			ActRefresh:     {"Refresh Now", true, true},
		}},
		{"healthy", ptr(report(healthy)), draw.Healthy, "All healthy", true, map[ActionID]itemWant{
			ActStartDaemon:   {"Restart Daemon", true, true},
			ActOpenDashboard: {"Open Dashboard", false, true}, // the fake report's listener is "healthy", not bound
			ActRunDoctor:     {"Run Doctor in Terminal", true, true},
			ActOpenLogs:      {"Open Logs Folder", true, true},
			ActInstall:       {"Install Halton Meter…", true, false},
			ActCopyJSON:      {"Copy Status JSON", true, true},
		}},
		{"degraded: daemon stopped", ptr(report(daemonStopped)), draw.Degraded, "All healthy", true, map[ActionID]itemWant{
			ActStartDaemon: {"Start Daemon", true, true},
		}},
		{"down", ptr(report(bad{status.CompEdge: "stopped/crit"})), draw.Down, "All healthy", true, map[ActionID]itemWant{
			ActStartDaemon: {"Restart Daemon", true, true},
		}},
		{"unknown: launchd cannot be asked", &launchdUnknown, draw.Unknown, "All healthy", true, map[ActionID]itemWant{
			ActStartDaemon: {"Start Daemon", false, true},
		}},
		{"not installed", &notInstalled, draw.Unknown, "Halton Meter is not installed", false, map[ActionID]itemWant{
			ActInstall:       {"Install Halton Meter…", true, true},
			ActStartDaemon:   {"Start Daemon", false, false},
			ActOpenDashboard: {"Open Dashboard", false, false},
			ActRunDoctor:     {"Run Doctor in Terminal", true, false},
			ActOpenLogs:      {"Open Logs Folder", true, false},
			ActCopyJSON:      {"Copy Status JSON", true, true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.report != nil {
				tt.report.CheckedAt = t0
			}
			m := BuildMenu(MenuInput{Report: tt.report, Now: t0.Add(3 * time.Second), Notifications: true})
			if m.Icon != tt.icon || m.Headline != tt.headline {
				t.Errorf("icon %s headline %q", m.Icon, m.Headline)
			}
			if !strings.HasSuffix(m.Tooltip, tt.headline) {
				t.Errorf("tooltip %q", m.Tooltip)
			}
			if len(m.Items) != len(ActionOrder) {
				t.Fatalf("%d items", len(m.Items))
			}
			for id, w := range tt.items {
				it := m.Item(id)
				if it.Title != w.title || it.Enabled != w.enabled || it.Visible != w.visible {
					t.Errorf("%s: %q enabled %v visible %v, want %q %v %v", id, it.Title, it.Enabled, it.Visible, w.title, w.enabled, w.visible)
				}
			}
			if it := m.Item(ActNotifications); !it.Checkable || !it.Checked {
				t.Errorf("notifications item %+v", it)
			}
			if tt.report == nil {
				if len(m.Rows) != 0 || m.Checked != "Checking…" {
					t.Errorf("rows %d, checked %q", len(m.Rows), m.Checked)
				}
				return
			}
			if m.Checked != "Checked 3 s ago" {
				t.Errorf("checked %q", m.Checked)
			}
			if len(m.Rows) != len(status.ComponentOrder) {
				t.Fatalf("%d rows", len(m.Rows))
			}
			for i, row := range m.Rows {
				c := tt.report.Components[i]
				if row.Component != c.Component || row.Visible != tt.rows || row.Dot != DotFor(c.Level) || !strings.HasPrefix(row.Title, c.Component+" — "+c.State) {
					t.Errorf("row %d: %+v", i, row)
				}
			}
		})
	}
}

func TestRowTitles(t *testing.T) {
	tests := []struct {
		c    status.Component
		want string
	}{
		{status.Component{Component: "daemon", State: "healthy", Level: status.LevelOK, Detail: "PID 80214 · com.haltonlabs.meter"}, "daemon — healthy · PID 80214"},
		{status.Component{Component: "daemon", State: "stopped", Level: status.LevelWarn, Detail: "killed by signal 9 (SIGKILL) · com.haltonlabs.meter"}, "daemon — stopped · killed by signal 9 (SIGKILL)"},
		{status.Component{Component: "system-proxy", State: "inconsistent", Level: status.LevelWarn, Detail: strings.Repeat("x", 80)}, "system-proxy — inconsistent · " + strings.Repeat("x", 47) + "…"},
		{status.Component{Component: "userenv", State: "applied", Level: status.LevelOK, Detail: ""}, "userenv — applied"},
		{status.Component{Component: "fastapi listener", State: "unbound", Level: status.LevelWarn, Detail: "127.0.0.1:8765 not accepting (daemon not running)", CausedBy: "daemon"}, "fastapi listener — unbound (caused by daemon)"},
	}
	for _, tt := range tests {
		if got := rowTitle(tt.c); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	tip := rowTooltip(status.Component{Detail: "not loaded", NextStep: "halton-meter start"})
	if tip != "not loaded\nNext: halton-meter start" {
		t.Errorf("tooltip %q", tip)
	}
}

func TestCheckedText(t *testing.T) {
	r := &status.Report{CheckedAt: t0}
	for age, want := range map[time.Duration]string{
		500 * time.Millisecond: "Checked just now",
		7 * time.Second:        "Checked 7 s ago",
		3 * time.Minute:        "Checked 3 min ago",
	} {
		if got := CheckedText(r, t0.Add(age)); got != want {
			t.Errorf("%v: %q", age, got)
		}
	}
	if got := CheckedText(r, t0.Add(2*time.Hour)); !strings.HasPrefix(got, "Checked at ") {
		t.Errorf("two hours: %q", got)
	}
}

func TestIconAndDotMaps(t *testing.T) {
	for overall, want := range map[string]draw.State{status.OverallHealthy: draw.Healthy, status.OverallDegraded: draw.Degraded, status.OverallDown: draw.Down, status.OverallUnknown: draw.Unknown, status.OverallNotInstalled: draw.Unknown} {
		if IconFor(overall) != want {
			t.Errorf("%s → %s", overall, IconFor(overall))
		}
	}
	for level, want := range map[status.Level]draw.State{status.LevelOK: draw.Healthy, status.LevelWarn: draw.Degraded, status.LevelCrit: draw.Down, status.LevelUnknown: draw.Unknown} {
		if DotFor(level) != want {
			t.Errorf("%s → %s", level, DotFor(level))
		}
	}
}

func ptr(r status.Report) *status.Report { return &r }
