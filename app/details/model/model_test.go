package model

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/assets/draw"
	"github.com/haltonlabs/halton-meter-bar/status"
)

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// daemonStopped is a degraded report: the daemon stopped and both
// listeners unbound because of it.
func daemonStopped() status.Report {
	r := status.Report{Overall: status.OverallDegraded, Headline: "Daemon stopped — not metering"}
	for _, name := range status.ComponentOrder {
		c := status.Component{Name: name, State: "healthy", Level: status.LevelOK, Detail: string(name) + " fine"}
		switch name {
		case status.CompDaemon:
			c.State, c.Level, c.Detail, c.NextStep = "stopped", status.LevelWarn, "daemon is stopped", "halton-meter start"
		case status.CompMitmproxy, status.CompFastAPI:
			c.State, c.Level, c.Detail, c.NextStep, c.CausedBy = "unbound", status.LevelWarn, string(name)+" is unbound", "halton-meter start", status.CompDaemon
		}
		r.Components = append(r.Components, c)
	}
	return r
}

func TestBuild(t *testing.T) {
	now := t0.Add(time.Hour)
	r := daemonStopped()
	r.CheckedAt = now.Add(-9 * time.Second)
	r.Version, r.InstallMode, r.BarVersion = "0.6.3", "apps", "1.2.0"
	r.Ports = status.Ports{Edge: 8081, Internal: 8090, API: 8765}
	hist := map[status.ComponentName][]wire.Point{
		status.CompDaemon: {
			{At: t0.Add(-10 * time.Minute), State: "healthy", Level: status.LevelOK},
			{At: t0.Add(45 * time.Minute), State: "stopped", Level: status.LevelWarn},
		},
		status.CompEdge: {{At: t0.Add(30 * time.Minute), State: "healthy", Level: status.LevelOK}},
	}
	m := Build(wire.Message{Type: wire.MsgSnapshot, Report: &r, History: hist, PollIntervalMS: 5000}, now, time.Hour)
	if m.Verdict != "Degraded" || m.Icon != draw.Degraded || m.Checked != "Checked just now" || m.Stale || !m.Installed {
		t.Errorf("header %+v", m)
	}
	if m.Headline != "Daemon stopped — not metering" {
		t.Errorf("headline %q", m.Headline)
	}
	if m.Summary != "Halton Meter 0.6.3 · apps mode · ports 8081 / 8090 / 8765 · halton-meter-bar 1.2.0" {
		t.Errorf("summary %q", m.Summary)
	}
	if len(m.Rows) != len(status.ComponentOrder) || m.Rows[1].State != "stopped" || m.Rows[1].Dot != draw.Degraded || m.Rows[1].NextStep == "" || !strings.HasPrefix(m.Rows[1].Since, "since ") {
		t.Errorf("daemon row %+v", m.Rows[1])
	}
	// The daemon: healthy for the first 45 minutes, stopped for the last 15.
	d := m.Timelines[1].Segments
	if len(d) != 2 || d[0].From != 0 || d[0].To != 0.75 || d[0].Level != status.LevelOK || d[1].From != 0.75 || d[1].To != 1 || d[1].Dot != draw.Degraded {
		t.Errorf("daemon timeline %+v", d)
	}
	// The edge: no data for the first half hour.
	e := m.Timelines[3].Segments
	if len(e) != 2 || e[0].Level != "" || e[0].To != 0.5 || e[1].Level != status.LevelOK {
		t.Errorf("edge timeline %+v", e)
	}
	if s := m.Timelines[0].Segments; len(s) != 1 || s[0].Label != "no data" {
		t.Errorf("row with no history %+v", s)
	}
	if len(m.Axis) != 5 || m.Axis[0].Text != "–60 min" || m.Axis[2].Text != "–30 min" || m.Axis[4].Text != "now" {
		t.Errorf("axis %+v", m.Axis)
	}
	buttons := map[action.ID]Button{}
	for _, b := range m.Buttons {
		buttons[b.ID] = b
	}
	if b := buttons[action.StartDaemon]; b.Title != "Start Daemon" || !b.Enabled {
		t.Errorf("start %+v", b)
	}

	// Past twice the poll interval it says it is stale.
	stale := Build(wire.Message{Type: wire.MsgSnapshot, Report: &r, PollIntervalMS: 5000}, r.CheckedAt.Add(42*time.Second), time.Hour)
	if !stale.Stale || stale.StaleText != "Stale: no sweep for 42 s (sweeps come every 5 s)" {
		t.Errorf("stale %v %q", stale.Stale, stale.StaleText)
	}

	ni := status.Report{Overall: status.OverallNotInstalled, Headline: "Halton Meter is not installed", HaltonHome: "/Users/j/.halton-meter", CheckedAt: now}
	for _, name := range status.ComponentOrder {
		ni.Components = append(ni.Components, status.Component{Name: name, State: "unknown", Level: status.LevelUnknown})
	}
	nm := Build(wire.Message{Type: wire.MsgSnapshot, Report: &ni}, now, time.Hour)
	if nm.Installed || nm.Verdict != "Not installed" || nm.Missing != "No Halton Meter install was found at /Users/j/.halton-meter." {
		t.Errorf("not installed %+v", nm)
	}
	for _, b := range nm.Buttons {
		if b.Enabled != (b.ID == action.Refresh || b.ID == action.CopyDiagnostics) {
			t.Errorf("not installed: %s enabled %v", b.ID, b.Enabled)
		}
	}
	empty := Build(wire.Message{}, now, time.Hour)
	if empty.Verdict != "Checking…" || len(empty.Rows) != 0 {
		t.Errorf("before the first snapshot %+v", empty)
	}
	for _, b := range empty.Buttons {
		if b.Enabled != (b.ID == action.Refresh) {
			t.Errorf("before the first snapshot: %s enabled %v", b.ID, b.Enabled)
		}
	}
}

func TestDiagnostics(t *testing.T) {
	r := daemonStopped()
	r.CheckedAt, r.BarVersion, r.Version, r.VersionSource, r.InstallMode = t0, "1.2.0", "0.6.3", "/health", "apps"
	r.Ports = status.Ports{Edge: 8081, Internal: 8090, API: 8765, Source: "effective-ports.json"}
	r.SystemProxy = status.SystemProxy{State: "off", Source: "preferences.plist", Services: []status.ProxyService{
		{Name: "Wi-Fi", Enabled: true, Secure: status.ProxySetting{Enabled: true, Server: "proxy.corp.example", Port: 3128}, Owner: "foreign"},
		{Name: "Thunderbolt Bridge"},
	}}
	hist := map[status.ComponentName][]wire.Point{status.CompDaemon: {
		{At: t0.Add(-time.Minute), State: "healthy", Level: status.LevelOK, Detail: "PID 1"},
		{At: t0.Add(-20 * time.Second), State: "stopped", Level: status.LevelWarn, Detail: "killed by signal 9 (SIGKILL)"},
	}}
	text := Diagnostics(wire.Message{Type: wire.MsgSnapshot, Report: &r, History: hist, Alerts: true, AlertsOff: true,
		Muted:  []status.ComponentName{status.CompSystemProxy, "x\x1b[2J"},
		Poster: &wire.Poster{Kind: "script", Name: "Script Editor", Reason: "macOS notifications could not start", Problem: "no\x1bcenter"}},
		t0.Add(5*time.Second), "darwin arm64, kernel 23.5.0")
	for _, want := range []string{
		"App: halton-meter-bar 1.2.0",
		"Halton Meter: 0.6.3 (version from /health), install mode apps",
		"OS: darwin arm64, kernel 23.5.0",
		"Overall: degraded — Daemon stopped — not metering",
		"daemon               stopped        warn    since 08:59:40  daemon is stopped",
		"next: halton-meter start",
		"08:59:40  daemon               healthy → stopped  killed by signal 9 (SIGKILL)",
		"Ports: edge 8081, internal 8090, api 8765 (from effective-ports.json)",
		"System proxy: off, read from preferences.plist",
		"Wi-Fi: secure web proxy proxy.corp.example:3128 (foreign)",
		"Thunderbolt Bridge (service disabled): secure web proxy off",
		"Alerts: off in System Settings",
		"Alerts: posted by Script Editor (macOS notifications could not start)",
		"Alerts: macOS notifications could not start: no\\x1bcenter",
		"Alerts muted for: system-proxy, x\\x1b[2J",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, text)
		}
	}
	for _, secret := range []string{os.Getenv("HOME"), "PATH=", "cloud-credentials"} {
		if secret != "" && strings.Contains(text, secret) {
			t.Errorf("diagnostics hold %q", secret)
		}
	}
}

func TestButtonsFollowTheReport(t *testing.T) {
	r := daemonStopped()
	r.Overall = status.OverallDown
	for i := range r.Components {
		if r.Components[i].Name == status.CompEdge {
			r.Components[i].State, r.Components[i].Level = status.StateStopped, status.LevelCrit
		}
	}
	buttons := func(m Model) map[action.ID]Button {
		out := map[action.ID]Button{}
		for _, b := range m.Buttons {
			out[b.ID] = b
		}
		return out
	}
	b := buttons(Build(wire.Message{Type: wire.MsgSnapshot, Report: &r}, t0, time.Hour))
	if e := b[action.StartEdge]; !e.Visible || !e.Enabled || e.Title != "Start Edge" {
		t.Errorf("start edge %+v", e)
	}
	// While Start Daemon runs, its button says so and waits.
	b = buttons(Build(wire.Message{Type: wire.MsgSnapshot, Report: &r, Busy: []action.ID{action.StartDaemon}}, t0, time.Hour))
	if d := b[action.StartDaemon]; d.Enabled || d.Title != "Starting Daemon…" {
		t.Errorf("busy start %+v", d)
	}
	// Healthy: no Start Edge.
	h := daemonStopped()
	h.Components[1].State, h.Components[1].Level = status.StateHealthy, status.LevelOK
	if e := buttons(Build(wire.Message{Type: wire.MsgSnapshot, Report: &h}, t0, time.Hour))[action.StartEdge]; e.Visible {
		t.Errorf("start edge on a healthy edge %+v", e)
	}
}

// TestAlertsInTheModel: rows say when their alerts are muted and offer a
// mute only from a tray that posts alerts; the window says when the
// system does not show them.
func TestAlertsInTheModel(t *testing.T) {
	r := daemonStopped()
	m := Build(wire.Message{Type: wire.MsgSnapshot, Report: &r, Alerts: true, AlertsOff: true, Muted: []status.ComponentName{status.CompDaemon}}, t0, time.Hour)
	for _, row := range m.Rows {
		muted := row.Component == status.CompDaemon
		if !row.CanMute || row.Muted != muted || (row.Note == "alerts muted") != muted {
			t.Errorf("row %+v", row)
		}
	}
	if !strings.HasPrefix(m.AlertsOff, "Alerts are off in System Settings") {
		t.Errorf("alerts off %q", m.AlertsOff)
	}
	alone := Build(wire.Message{Type: wire.MsgSnapshot, Report: &r}, t0, time.Hour)
	if alone.AlertsOff != "" || alone.Rows[0].CanMute || strings.Contains(alone.Summary, "alerts") {
		t.Errorf("the window alone: %q, can mute %v, summary %q", alone.AlertsOff, alone.Rows[0].CanMute, alone.Summary)
	}
	// Who posts them is in the summary; a stand-in for a native center
	// that could not start is a warning.
	for _, c := range []struct {
		poster  wire.Poster
		summary string
		standIn bool
	}{
		{wire.Poster{Kind: "native"}, " · alerts: macOS notifications", false},
		{wire.Poster{Kind: "script", Name: "Script Editor", Reason: "the app is not running from its bundle"},
			" · alerts: Script Editor (the app is not running from its bundle)", false},
		{wire.Poster{Kind: "script", Name: "Script Editor", Reason: "macOS notifications could not start", Problem: "x"},
			" · alerts: Script Editor (macOS notifications could not start)", true},
	} {
		m := Build(wire.Message{Type: wire.MsgSnapshot, Report: &r, Alerts: true, Poster: &c.poster}, t0, time.Hour)
		if !strings.HasSuffix(m.Summary, c.summary) || (m.StandIn != "") != c.standIn {
			t.Errorf("%+v: summary %q, stand-in %q", c.poster, m.Summary, m.StandIn)
		}
	}
}
