package monitor

import (
	"strings"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/present"
	"github.com/haltonlabs/halton-meter-bar/assets/draw"
	"github.com/haltonlabs/halton-meter-bar/status"
)

func TestBuildMenu(t *testing.T) {
	notInstalled := status.Report{Overall: status.OverallNotInstalled, Headline: "Halton Meter is not installed"}
	for _, name := range status.ComponentOrder {
		notInstalled.Components = append(notInstalled.Components, status.Component{Name: name, State: "unknown", Level: status.LevelUnknown})
	}
	launchdUnknown := report(bad{status.CompDaemon: "unknown/unknown", status.CompWatchdog: "unknown/unknown", status.CompUserenv: "unknown/unknown"})
	launchdUnknown.Overall, launchdUnknown.Headline = status.OverallUnknown, "Cannot ask launchd: launchctl timed out after 1.5s"

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
		items    map[action.ID]itemWant
	}{
		{"before the first sweep", nil, draw.Unknown, "Checking Halton Meter…", false, map[action.ID]itemWant{
			action.CopyJSON:    {"Copy Status JSON", false, true},
			action.Install:     {"Install Halton Meter…", true, false},
			action.StartDaemon: {"Start Daemon", false, false},
			action.Refresh:     {"Refresh Now", true, true},
		}},
		{"healthy", ptr(report(healthy)), draw.Healthy, "All healthy", true, map[action.ID]itemWant{
			action.StartDaemon:   {"Restart Daemon", true, true},
			action.OpenDashboard: {"Open Dashboard", false, true}, // the fake report's listener is "healthy", not bound
			action.RunDoctor:     {"Run Doctor in Terminal", true, true},
			action.OpenLogs:      {"Open Logs Folder", true, true},
			action.Install:       {"Install Halton Meter…", true, false},
			action.CopyJSON:      {"Copy Status JSON", true, true},
		}},
		{"degraded: daemon stopped", ptr(report(daemonStopped)), draw.Degraded, "Daemon stopped — not metering", true, map[action.ID]itemWant{
			action.StartDaemon: {"Start Daemon", true, true},
		}},
		{"down", ptr(report(bad{status.CompEdge: "stopped/crit"})), draw.Down, "Edge stopped — proxied apps lose their network", true, map[action.ID]itemWant{
			action.StartDaemon: {"Restart Daemon", true, true},
		}},
		{"unknown: launchd cannot be asked", &launchdUnknown, draw.Unknown, "Cannot ask launchd: launchctl timed out after 1.5s", true, map[action.ID]itemWant{
			action.StartDaemon: {"Start Daemon", false, true},
		}},
		{"not installed", &notInstalled, draw.Unknown, "Halton Meter is not installed", false, map[action.ID]itemWant{
			action.Install:       {"Install Halton Meter…", true, true},
			action.StartDaemon:   {"Start Daemon", false, false},
			action.OpenDashboard: {"Open Dashboard", false, false},
			action.RunDoctor:     {"Run Doctor in Terminal", true, false},
			action.OpenLogs:      {"Open Logs Folder", true, false},
			action.CopyJSON:      {"Copy Status JSON", true, true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.report != nil {
				tt.report.CheckedAt = t0
			}
			m := BuildMenu(MenuInput{Report: tt.report, Now: t0.Add(13 * time.Second), Notifications: true})
			if m.Icon != tt.icon || m.Headline != tt.headline {
				t.Errorf("icon %s headline %q", m.Icon, m.Headline)
			}
			if m.Tooltip != Accessible(tt.report) || !strings.HasPrefix(m.Tooltip, "Halton Meter: ") {
				t.Errorf("tooltip %q", m.Tooltip)
			}
			var ids []action.ID
			for _, spec := range action.Table {
				switch {
				case spec.PerRow: // one item for each row
					for range status.ComponentOrder {
						ids = append(ids, spec.ID)
					}
				case spec.Menu != "":
					ids = append(ids, spec.ID)
				}
			}
			if len(m.Items) != len(ids) {
				t.Fatalf("%d items for %d of the table's", len(m.Items), len(ids))
			}
			for i, it := range m.Items {
				if spec := action.Of(it.ID); it.ID != ids[i] || it.Parent != spec.Parent || it.Group != spec.Group || it.Checkable != spec.Checkable {
					t.Errorf("item %d: %+v, the table's %+v", i, it, spec)
				}
			}
			for id, w := range tt.items {
				it := m.Item(id)
				if it.Title != w.title || it.Enabled != w.enabled || it.Visible != w.visible {
					t.Errorf("%s: %q enabled %v visible %v, want %q %v %v", id, it.Title, it.Enabled, it.Visible, w.title, w.enabled, w.visible)
				}
			}
			if it := m.Item(action.Notifications); !it.Checkable || !it.Checked {
				t.Errorf("notifications item %+v", it)
			}
			if tt.report == nil {
				if len(m.Rows) != 0 || m.Checked != "Checking…" {
					t.Errorf("rows %d, checked %q", len(m.Rows), m.Checked)
				}
				return
			}
			if m.Checked != "Checked 10 s ago" {
				t.Errorf("checked %q", m.Checked)
			}
			if len(m.Rows) != len(status.ComponentOrder) {
				t.Fatalf("%d rows", len(m.Rows))
			}
			for i, row := range m.Rows {
				c := tt.report.Components[i]
				if row.Component != c.Name || row.Visible != tt.rows || row.Dot != present.Dot(c.Level) || !strings.HasPrefix(row.Title, string(c.Name)+" — "+string(c.State)) {
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
		{status.Component{Name: "daemon", State: "healthy", Level: status.LevelOK, Detail: "PID 80214 · com.haltonlabs.meter"}, "daemon — healthy · PID 80214"},
		{status.Component{Name: "daemon", State: "stopped", Level: status.LevelWarn, Detail: "killed by signal 9 (SIGKILL) · com.haltonlabs.meter"}, "daemon — stopped · killed by signal 9 (SIGKILL)"},
		{status.Component{Name: "system-proxy", State: "inconsistent", Level: status.LevelWarn, Detail: strings.Repeat("x", 80)}, "system-proxy — inconsistent · " + strings.Repeat("x", 47) + "…"},
		{status.Component{Name: "userenv", State: "applied", Level: status.LevelOK, Detail: ""}, "userenv — applied"},
		{status.Component{Name: "fastapi listener", State: "unbound", Level: status.LevelWarn, Detail: "127.0.0.1:8765 not accepting (daemon not running)", CausedBy: "daemon"}, "fastapi listener — unbound (caused by daemon)"},
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

func ptr(r status.Report) *status.Report { return &r }

func TestSpendLine(t *testing.T) {
	now := t0.Add(time.Hour)
	seen := func(ago time.Duration) *time.Time { at := now.Add(-ago); return &at }
	with := func(b bad, m status.Metering) *status.Report {
		r := report(b)
		r.Metering = m
		return &r
	}
	today := &status.Today{Requests: 312, CostUSD: 421000}
	last := &Spend{Today: status.Today{Requests: 300, CostUSD: 400000}, At: time.Date(2026, 11, 25, 10, 42, 0, 0, time.Local)}
	tests := []struct {
		name string
		r    *status.Report
		last *Spend
		want string
	}{
		{"live", with(healthy, status.Metering{State: status.MeteringLive, Today: today, LastRequestAt: seen(40 * time.Second)}), nil, "Today $4.21 · 312 requests · last 40 s ago"},
		{"live, a moment ago", with(healthy, status.Metering{State: status.MeteringLive, Today: &status.Today{Requests: 1, CostUSD: 1234}, LastRequestAt: seen(0)}), nil, "Today $0.0123 · 1 request · last just now"},
		{"idle", with(healthy, status.Metering{State: status.MeteringIdle, Today: today, LastRequestAt: seen(3 * time.Hour)}), nil, "Idle · Today $4.21 · 312 requests · last request 3 h ago"},
		{"idle, nothing today", with(healthy, status.Metering{State: status.MeteringIdle, Today: &status.Today{}, LastRequestAt: seen(20 * time.Hour)}), nil, "Idle · last request 20 h ago"},
		{"idle, never", with(healthy, status.Metering{State: status.MeteringIdle}), nil, "Idle · no request metered yet"},
		{"not metering", with(daemonStopped, status.Metering{State: status.MeteringNot}), nil, "Not metering — daemon stopped"},
		{"not metering, with the last figures", with(daemonStopped, status.Metering{State: status.MeteringNot}), last, "Not metering — daemon stopped · $4.00 as of 10:42"},
		{"not metering, the stats of a minute ago", with(daemonStopped, status.Metering{State: status.MeteringNot, Today: today}), last, "Not metering — daemon stopped · $4.00 as of 10:42"},
		{"not metering, yesterday's figures", with(daemonStopped, status.Metering{State: status.MeteringNot}), &Spend{Today: last.Today, At: now.Add(-30 * time.Hour)}, "Not metering — daemon stopped"},
		{"the stats unanswered", with(healthy, status.Metering{State: status.MeteringLive, LastRequestAt: seen(25 * time.Second), TodayProblem: "/v1/stats answered 500"}), last, "Today's figures unknown · last 20 s ago · $4.00 as of 10:42"},
		{"the stats out of range, idle", with(healthy, status.Metering{State: status.MeteringIdle, LastRequestAt: seen(3 * time.Hour), TodayProblem: "/v1/stats: a negative cost"}), nil, "Idle · Today's figures unknown · last request 3 h ago"},
		{"an older daemon", with(healthy, status.Metering{State: status.StateUnknown}), last, ""},
	}
	for _, tt := range tests {
		if got := BuildMenu(MenuInput{Report: tt.r, Now: now, LastSpend: tt.last}).Spend; got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
