package details

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/details/standalone"
	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/app/scheduler"
	"github.com/haltonlabs/halton-meter-bar/internal/testwait"
	"github.com/haltonlabs/halton-meter-bar/status"
)

var now = time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC)

// recorder is a Sink that keeps the requests.
type recorder struct {
	got    []action.ID
	values []string
}

func (r *recorder) Send(req wire.Request) {
	r.got = append(r.got, req.Request)
	r.values = append(r.values, req.Value)
}

// snapshot is a report at now−4 s from the given rows, with an hour of
// history in which the failing rows broke 12 minutes ago.
func snapshot(overall status.Overall, headline string, rows map[status.ComponentName][3]string) wire.Message {
	r := &status.Report{
		Overall: overall, Headline: headline, Version: "0.6.3", VersionSource: "/health", InstallMode: "apps",
		BarVersion: "1.0.0", CheckedAt: now.Add(-4 * time.Second), HaltonHome: "/Users/jdoe/.halton-meter",
		Ports: status.Ports{Edge: 8081, Internal: 8090, API: 8765, Source: "effective-ports.json"},
	}
	hist := map[status.ComponentName][]wire.Point{}
	for _, name := range status.ComponentOrder {
		c := status.Component{Name: name, State: "healthy", Level: status.LevelOK}
		if v, ok := rows[name]; ok {
			c.State, c.Level, c.Detail = status.State(v[0]), status.Level(v[1]), v[2]
		}
		if c.Level != status.LevelOK {
			c.NextStep = "halton-meter start"
		}
		r.Components = append(r.Components, c)
		pts := []wire.Point{{At: now.Add(-50 * time.Minute), State: "healthy", Level: status.LevelOK}}
		if c.Level != status.LevelOK {
			pts = append(pts, wire.Point{At: now.Add(-12 * time.Minute), State: c.State, Level: c.Level, Detail: c.Detail})
		}
		hist[name] = pts
	}
	r.Metering = metering(r)
	return wire.Message{Type: wire.MsgSnapshot, Report: r, History: hist, PollIntervalMS: 5000}
}

// metering is a day of traffic, live when the metering row is healthy.
func metering(r *status.Report) status.Metering {
	c, _ := r.Row(status.CompMetering)
	if c.State == "not-metering" {
		return status.Metering{State: status.MeteringNot}
	}
	last := now.Add(-40 * time.Second)
	m := status.Metering{
		State: status.MeteringLive, LastRequestAt: &last,
		Today: &status.Today{Requests: 312, CostUSD: 421000, InputTokens: 1204310, OutputTokens: 98211},
		TopModels: []status.ModelCost{
			{Provider: "anthropic", Model: "claude-sonnet-4", Requests: 201, CostUSD: 310000},
			{Provider: "openai", Model: "gpt-4.1", Requests: 99, CostUSD: 98000},
			{Provider: "openai", Model: "gpt-4.1-mini", Requests: 12, CostUSD: 13000},
		},
	}
	for i, cost := range []status.USD{180000, 520000, 0, 0, 310000, 260000, 421000} {
		m.Week = append(m.Week, status.DayCost{Date: now.AddDate(0, 0, i-6).Format(time.DateOnly), Requests: int(cost / 1300), CostUSD: cost})
	}
	return m
}

var healthyRows = map[status.ComponentName][3]string{
	"install-mode":       {"apps", "ok", "~/.halton-meter/install-mode"},
	"daemon":             {"healthy", "ok", "PID 80214 · com.haltonlabs.meter"},
	"watchdog":           {"healthy", "ok", "PID 80215 · com.haltonlabs.meter.watchdog"},
	"edge":               {"healthy", "ok", "PID 80213 · 127.0.0.1:8081"},
	"userenv":            {"applied", "ok", "last applied at login"},
	"mitmproxy listener": {"bound", "ok", "127.0.0.1:8090"},
	"fastapi listener":   {"bound", "ok", "127.0.0.1:8765"},
	"system-proxy":       {"off", "ok", "(apps mode)"},
	"sentinels":          {"consistent", "ok", "proxy-managed: -  apps-managed: ✓"},
	"metering":           {"live", "ok", "312 requests today · $4.21 · last 40 s ago"},
}

func with(base map[status.ComponentName][3]string, changes map[status.ComponentName][3]string) map[status.ComponentName][3]string {
	out := map[status.ComponentName][3]string{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range changes {
		out[k] = v
	}
	return out
}

func notInstalled() wire.Message {
	r := &status.Report{Overall: status.OverallNotInstalled, Headline: "Halton Meter is not installed", Version: "unknown",
		BarVersion: "1.0.0", CheckedAt: now.Add(-1 * time.Second), HaltonHome: "/Users/jdoe/.halton-meter"}
	for _, name := range status.ComponentOrder {
		r.Components = append(r.Components, status.Component{Name: name, State: "unknown", Level: status.LevelUnknown, Detail: "not installed"})
	}
	return wire.Message{Type: wire.MsgSnapshot, Report: r, PollIntervalMS: 5000}
}

// alerting is a degraded snapshot from a tray that posts alerts, off in
// System Settings or not, with some rows muted.
func alerting(off bool, muted ...status.ComponentName) wire.Message {
	msg := snapshot("degraded", "Edge stopped — proxied apps lose their network", with(healthyRows, map[status.ComponentName][3]string{
		"edge": {"stopped", "crit", "not running · com.haltonlabs.meter.edge"},
	}))
	msg.Alerts, msg.AlertsOff, msg.Muted = true, off, muted
	msg.Poster = &wire.Poster{Kind: "native"}
	return msg
}

// standingIn is a snapshot from a tray whose native center could not
// start: a script posts in its place.
func standingIn() wire.Message {
	msg := alerting(false)
	msg.Poster = &wire.Poster{Kind: "script", Name: "Script Editor", Reason: "macOS notifications could not start", Problem: "notification delegate: add method 1"}
	return msg
}

func newTestView(t *testing.T, th fyne.Theme) (*View, *recorder, fyne.App) {
	a := test.NewTempApp(t)
	a.Settings().SetTheme(th)
	rec := &recorder{}
	v := NewView(a, rec, func() time.Time { return now }, "darwin arm64, kernel 23.5.0")
	v.Window().Resize(fyne.NewSize(1040, 820))
	return v, rec, a
}

// TestRendering checks the window against golden images and markup for a
// healthy, a degraded (in the dark appearance) and a not-installed report.
// A mismatch leaves what was rendered in testdata/failed; `make golden`
// makes that the new master after an intended change.
func TestRendering(t *testing.T) {
	tests := []struct {
		name  string
		theme fyne.Theme
		msg   wire.Message
		focus status.ComponentName
	}{
		{"healthy", theme.LightTheme(), snapshot("healthy", "All healthy", healthyRows), ""},
		{"degraded-dark", theme.DarkTheme(), snapshot("degraded", "Daemon stopped — not metering", with(healthyRows, map[status.ComponentName][3]string{
			"daemon":             {"stopped", "warn", "killed by signal 9 (SIGKILL) · com.haltonlabs.meter"},
			"mitmproxy listener": {"unbound", "warn", "127.0.0.1:8090 not accepting (daemon not running)"},
			"fastapi listener":   {"unbound", "warn", "127.0.0.1:8765 not accepting (daemon not running)"},
			"metering":           {"not-metering", "warn", "the daemon is not running: LLM traffic passes unmetered"},
		})), "daemon"},
		{"not-installed", theme.LightTheme(), notInstalled(), ""},
		{"alerts-off-muted", theme.LightTheme(), alerting(true, "edge"), ""},
		{"alerts-stand-in", theme.LightTheme(), standingIn(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, _, _ := newTestView(t, tt.theme)
			v.Update(tt.msg)
			if tt.focus != "" {
				v.Focus(tt.focus)
			}
			c := v.Window().Canvas()
			test.AssertRendersToMarkup(t, tt.name+".xml", c)
			test.AssertRendersToImage(t, tt.name+".png", c)
		})
	}
}

func TestButtons(t *testing.T) {
	v, rec, a := newTestView(t, theme.LightTheme())
	v.Update(snapshot("degraded", "Daemon stopped — not metering", with(healthyRows, map[status.ComponentName][3]string{
		"daemon": {"stopped", "warn", "killed by signal 9 (SIGKILL) · com.haltonlabs.meter"},
	})))
	if got := v.Button(action.StartDaemon).Text; got != "Start Daemon" {
		t.Errorf("start button %q", got)
	}
	for _, id := range []action.ID{action.Refresh, action.StartDaemon, action.RunDoctor, action.OpenLogs, action.CopyDiagnostics} {
		test.Tap(v.Button(id))
	}
	if strings.Join(ids(rec.got), ",") != "refresh,start-daemon,run-doctor,open-logs" {
		t.Errorf("requests %v", rec.got)
	}
	text := a.Clipboard().Content()
	if !strings.HasPrefix(text, "Halton Meter Bar diagnostics") || !strings.Contains(text, "OS: darwin arm64, kernel 23.5.0") || !strings.Contains(text, "daemon               stopped") {
		t.Errorf("clipboard:\n%s", text)
	}
	if v.notice.Text != "Diagnostics copied to the clipboard" {
		t.Errorf("notice %q", v.notice.Text)
	}

	v.Update(notInstalled())
	if !v.Button(action.StartDaemon).Disabled() || v.Button(action.Refresh).Disabled() {
		t.Error("not installed: only Refresh and Copy Diagnostics make sense")
	}
}

func TestStaleAndTick(t *testing.T) {
	clock := now
	a := test.NewTempApp(t)
	v := NewView(a, &recorder{}, func() time.Time { return clock }, "")
	v.Update(snapshot("healthy", "All healthy", healthyRows))
	if v.checked.Text != "Checked just now" || v.stale.Visible() {
		t.Fatalf("checked %q stale %v", v.checked.Text, v.stale.Visible())
	}
	clock = clock.Add(20 * time.Second)
	v.Tick()
	if v.checked.Text != "Checked 20 s ago" || !v.stale.Visible() || v.stale.Text != "Stale: no sweep for 24 s (sweeps come every 5 s)" {
		t.Errorf("after 20 s: %q, stale %v %q", v.checked.Text, v.stale.Visible(), v.stale.Text)
	}
}

func TestFocus(t *testing.T) {
	v, _, _ := newTestView(t, theme.LightTheme())
	v.Update(snapshot("healthy", "All healthy", healthyRows))
	v.Focus("edge")
	if !v.rows["edge"].highlight.Visible() || v.rows["daemon"].highlight.Visible() {
		t.Error("focus did not highlight the edge row alone")
	}
	v.Focus("daemon")
	if v.rows["edge"].highlight.Visible() || !v.rows["daemon"].highlight.Visible() {
		t.Error("focus did not move")
	}
}

func ids(a []action.ID) []string {
	var s []string
	for _, id := range a {
		s = append(s, string(id))
	}
	return s
}

func TestMain(m *testing.M) {
	time.Local = time.UTC // the "since" times are local
	os.Exit(m.Run())
}

// TestStandalone: with no tray, the window follows its own scheduler's
// sweeps, its buttons act on them, and an action's failure is said in the
// window.
func TestStandalone(t *testing.T) {
	a := test.NewTempApp(t)
	degraded := snapshot("degraded", "Daemon stopped — not metering", with(healthyRows, map[status.ComponentName][3]string{
		"daemon": {"stopped", "warn", "killed by signal 9 (SIGKILL) · com.haltonlabs.meter"},
	})).Report
	var swept atomic.Int32
	sweeps := scheduler.New(scheduler.Options{
		Full:            func(context.Context) status.Report { swept.Add(1); return *degraded },
		HealthyInterval: time.Hour, UnhealthyInterval: time.Hour,
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	failing := &failingOpener{}
	src := standalone.New(ctx, sweeps, action.Deps{Opener: failing})
	v := NewView(a, src, time.Now, "")
	Follow(v, src)
	sweeps.Subscribe(src.Record)
	go sweeps.Run(ctx)
	testwait.For(t, "the window to show the sweep", func() bool {
		uiMu.Lock()
		defer uiMu.Unlock()
		return v.verdict.Text == "Degraded"
	})
	// Its buttons act on that scheduler, and on the desktop.
	uiMu.Lock()
	test.Tap(v.Button(action.Refresh))
	test.Tap(v.Button(action.OpenLogs))
	uiMu.Unlock()
	testwait.For(t, "Refresh to sweep", func() bool { return swept.Load() >= 2 })
	testwait.For(t, "the failure said in the window", func() bool {
		uiMu.Lock()
		defer uiMu.Unlock()
		return v.notice.Text == "Couldn't open the logs folder: no file manager" && v.notice.Importance == widget.DangerImportance
	})
}

// failingOpener fails to open anything.
type failingOpener struct{}

func (failingOpener) OpenURL(string) error         { return errors.New("no browser") }
func (failingOpener) OpenPath(string) error        { return errors.New("no file manager") }
func (failingOpener) RunInTerminal([]string) error { return errors.New("no terminal") }
func (failingOpener) Copy(string) error            { return errors.New("no clipboard") }

// TestSpend: the "Today" section shows the day's figures, moves the last
// request's age with the clock alone, and sends the budget entry to the
// tray; a snapshot does not overwrite what is being typed.
func TestSpend(t *testing.T) {
	clock := now
	a := test.NewTempApp(t)
	rec := &recorder{}
	v := NewView(a, rec, func() time.Time { return clock }, "")
	msg := snapshot("healthy", "All healthy", healthyRows)
	msg.Budget = 500000
	v.Update(msg)
	sv := v.spend
	if !v.spendBox.Visible() || sv.figures["cost"].Text != "$4.21" || sv.figures["requests"].Text != "312" || sv.figures["input"].Text != "1,204,310" {
		t.Fatalf("figures: cost %q requests %q input %q", sv.figures["cost"].Text, sv.figures["requests"].Text, sv.figures["input"].Text)
	}
	if sv.state.Text != "Live: LLM traffic is being metered · last request just now" {
		t.Errorf("state %q", sv.state.Text)
	}
	if sv.budget.Text != "5.00" || sv.used.Text != "84 % of the $5.00 daily budget" {
		t.Errorf("budget %q, used %q", sv.budget.Text, sv.used.Text)
	}
	if n := len(sv.chart.box.Objects); n != 7*3+1 {
		t.Errorf("chart has %d objects, want 7 bars with labels and the budget line", n)
	}
	models := sv.models.Objects
	clock = clock.Add(25 * time.Second)
	v.Tick()
	if sv.state.Text != "Live: LLM traffic is being metered · last request 1 min ago" {
		t.Errorf("after 25 s: %q", sv.state.Text)
	}
	if &sv.models.Objects[0] != &models[0] {
		t.Error("a tick redrew the models: only the state line moves with the clock")
	}

	v.win.Canvas().Focus(sv.budget)
	sv.budget.SetText("")
	test.Type(sv.budget, "7.5")
	msg.Budget = 600000 // set elsewhere meanwhile
	v.Update(msg)
	if sv.budget.Text != "7.5" {
		t.Errorf("a snapshot overwrote the typing: %q", sv.budget.Text)
	}
	test.Tap(sv.setBtn)
	if len(rec.got) != 1 || rec.got[0] != action.SetBudget || rec.values[0] != "7.5" {
		t.Errorf("requests %v %q", rec.got, rec.values)
	}

	down := snapshot("degraded", "Daemon stopped — not metering", with(healthyRows, map[status.ComponentName][3]string{
		"metering": {"not-metering", "warn", "the daemon is not running"},
	}))
	v.Update(down)
	if sv.state.Text != "Not metering: the daemon is not running, so traffic passes unmetered" || sv.figures["cost"].Text != "—" {
		t.Errorf("not metering: %q, cost %q", sv.state.Text, sv.figures["cost"].Text)
	}
	v.Update(notInstalled())
	if v.spendBox.Visible() {
		t.Error("no install, no Today section")
	}
}

// TestQuietAtRest: left open on a healthy install that is swept every 30 s,
// the window changes about once a minute (each change repaints all of it),
// the timelines still slide on every minute, and a late sweep shows.
func TestQuietAtRest(t *testing.T) {
	clock := now
	a := test.NewTempApp(t)
	v := NewView(a, &recorder{}, func() time.Time { return clock }, "")
	sweep := func() {
		msg := snapshot("healthy", "All healthy", healthyRows)
		msg.PollIntervalMS = 30000
		msg.Report.CheckedAt = clock
		last := now.Add(-3 * time.Minute)
		msg.Report.Metering.State, msg.Report.Metering.LastRequestAt = status.MeteringIdle, &last
		v.Update(msg)
	}
	sweep()
	start, lastSlide := v.changes, v.linesAt
	const minutes = 10
	for s := 1; s <= minutes*60; s++ {
		clock = clock.Add(time.Second)
		if s%30 == 0 {
			sweep()
		}
		v.Tick()
		if v.linesAt != lastSlide {
			if gap := v.linesAt.Sub(lastSlide); gap > timelineStep+time.Second {
				t.Fatalf("the timelines waited %s to slide", gap)
			}
			lastSlide = v.linesAt
		}
		if v.checked.Text != "Checked just now" {
			t.Fatalf("at %d s, a timely sweep reads %q", s, v.checked.Text)
		}
	}
	if n := v.changes - start; n > minutes+1 || n < minutes-1 {
		t.Errorf("the window changed %d times in %d minutes at rest, want about one a minute", n, minutes)
	}
	if clock.Sub(lastSlide) > timelineStep+time.Second {
		t.Errorf("the timelines last slid %s ago", clock.Sub(lastSlide))
	}
	if !strings.HasSuffix(v.spend.state.Text, "last request 13 min ago") {
		t.Errorf("spend state %q", v.spend.state.Text)
	}

	for range 50 { // the sweeps stop
		clock = clock.Add(time.Second)
		v.Tick()
	}
	if v.checked.Text != "Checked 50 s ago" {
		t.Errorf("50 s after the last sweep: %q", v.checked.Text)
	}
}

// TestAlertControls: from a tray that posts alerts, each row has a mute
// button that asks the tray to mute it (and says so once it is); when the
// system does not show the alerts, a line says so and opens the settings;
// the window alone shows neither.
func TestAlertControls(t *testing.T) {
	v, rec, _ := newTestView(t, theme.LightTheme())
	v.Update(alerting(false))
	edge := v.rows[status.CompEdge]
	if !edge.mute.Visible() || edge.mute.Icon != theme.VolumeUpIcon() || v.alertsLine.Visible() {
		t.Fatalf("mute shown %v, alerts line shown %v", edge.mute.Visible(), v.alertsLine.Visible())
	}
	test.Tap(edge.mute)
	if len(rec.got) != 1 || rec.got[0] != action.Mute || rec.values[0] != "edge" {
		t.Errorf("requests %v %q", rec.got, rec.values)
	}
	v.Update(alerting(true, "edge"))
	if edge.mute.Icon != theme.VolumeMuteIcon() || edge.note.Text != "alerts muted" || !edge.note.Visible() {
		t.Errorf("muted row: icon %v, %q", edge.mute.Icon.Name(), edge.note.Text)
	}
	if !v.alertsLine.Visible() || !strings.HasPrefix(v.alertsOff.Text, "Alerts are off in System Settings") {
		t.Errorf("alerts line %v %q", v.alertsLine.Visible(), v.alertsOff.Text)
	}
	test.Tap(v.Button(action.AlertSettings))
	if rec.got[len(rec.got)-1] != action.AlertSettings {
		t.Errorf("requests %v", rec.got)
	}
	// A weaker poster standing in: the same line says so, with no
	// settings to open.
	v.Update(standingIn())
	if !v.alertsLine.Visible() || !strings.HasPrefix(v.alertsOff.Text, "macOS notifications could not start") || v.Button(action.AlertSettings).Visible() {
		t.Errorf("stand-in: line %v %q, settings button %v", v.alertsLine.Visible(), v.alertsOff.Text, v.Button(action.AlertSettings).Visible())
	}
	if !strings.HasSuffix(v.summary.Text, "alerts: Script Editor (macOS notifications could not start)") {
		t.Errorf("summary %q", v.summary.Text)
	}
	// The window on its own posts no alerts: nothing to mute.
	v.Update(snapshot("healthy", "All healthy", healthyRows))
	if edge.mute.Visible() || v.alertsLine.Visible() {
		t.Error("alert controls without a tray")
	}
}
