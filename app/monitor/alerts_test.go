package monitor

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/alert"
	"github.com/haltonlabs/halton-meter-bar/app/desktop"
	"github.com/haltonlabs/halton-meter-bar/internal/testwait"
	"github.com/haltonlabs/halton-meter-bar/status"
	"github.com/haltonlabs/halton-meter-bar/status/statustest"
)

// alertRig is a running monitor whose actions reach a launchctl that logs
// its calls, and waits, on a kickstart, until the test lets it go (gate).
func alertRig(t *testing.T, policy PolicyConfig) (*rig, string, string) {
	w := statustest.New(t, "apps")
	log, gate := filepath.Join(w.Dir, "launchctl.log"), filepath.Join(w.Dir, "gate")
	w.Tool("launchctl", `echo "$*" >> `+log+`
if [ "$1" = kickstart ]; then while [ ! -e `+gate+` ]; do sleep 0.01; done; fi
exit 0`)
	cfg := status.ConfigFromEnviron(w.Env())
	r := newRig(t, Options{Policy: policy, SettingsPath: filepath.Join(w.Dir, "settings.json"),
		Deps: action.Deps{Cfg: cfg, Launchctl: status.Launchctl{Path: cfg.Launchctl}, UID: 501}})
	r.run()
	return r, log, gate
}

// posted waits until n alerts were posted, and returns them.
func (r *rig) posted(n int) []alert.Alert {
	r.t.Helper()
	testwait.For(r.t, "alerts posted", func() bool { return len(r.f.Posted()) >= n })
	return r.f.Posted()
}

// TestAlertAsTheApp: an outage's alert names its row (the thread), can be
// replaced (its ID), sounds when something is red, and carries the row's
// fix and Open Details; a click on it opens the window on the row; it is
// withdrawn when the row is back, and the recovery says what came back.
func TestAlertAsTheApp(t *testing.T) {
	r, _, _ := alertRig(t, PolicyConfig{Grace: 10 * time.Second, Settle: time.Second}) // reminders every 4 h, the settings' default
	r.record(0, healthy)
	r.record(20, daemonStopped)
	r.record(31, daemonStopped)
	a := r.posted(1)[0]
	if a.ID != "outage.daemon" || a.Thread != "daemon" || a.Sound || a.Title != "Daemon stopped — not metering" {
		t.Errorf("alert %+v", a)
	}
	cat, ok := r.f.Category(a.Category)
	if !ok || len(cat.Buttons) != 2 || cat.Buttons[0] != (alert.Button{ID: "start-daemon", Title: "Start Daemon"}) ||
		cat.Buttons[1] != (alert.Button{ID: "open-details", Title: "Open Details", Foreground: true}) {
		t.Errorf("buttons %+v (declared %v)", cat, ok)
	}
	if !r.f.Click(a.ID, "") {
		t.Fatal("no handler for a click")
	}
	if r.f.details[len(r.f.details)-1] != "daemon" {
		t.Errorf("the click opened %q", r.f.details)
	}
	// A reminder replaces it.
	r.record(31+4*3600, daemonStopped)
	if p := r.posted(2); p[1].ID != a.ID || !strings.HasPrefix(p[1].Title, "Still broken") {
		t.Errorf("reminder %+v", p[1])
	}
	// Back: withdrawn, then the recovery.
	r.record(4*3600+100, healthy)
	p := r.posted(3)
	if w := r.f.Withdrawn(); len(w) != 1 || w[0] != a.ID {
		t.Errorf("withdrawn %q", w)
	}
	if p[2].ID != "recovered" || p[2].Body != "daemon, mitmproxy listener, fastapi listener healthy again after 4 h 1 min. All is healthy." {
		t.Errorf("recovery %+v", p[2])
	}
	if shown := r.f.Shown(); len(shown) != 1 || shown[0].ID != "recovered" {
		t.Errorf("Notification Center holds %+v", shown)
	}
	// Red sounds; its fix is the edge's.
	r.record(4*3600+200, bad{status.CompEdge: "stopped/crit"})
	r.record(4*3600+211, bad{status.CompEdge: "stopped/crit"})
	edge := r.posted(4)[3]
	cat, _ = r.f.Category(edge.Category)
	if !edge.Sound || edge.Thread != "edge" || len(cat.Buttons) != 2 || cat.Buttons[0].Title != "Start Edge" {
		t.Errorf("edge alert %+v, buttons %+v", edge, cat.Buttons)
	}
}

// TestAlertButtonRunsTheAction: Start Daemon from an alert runs once
// through the same single-flight runner (a second press while it runs
// says so), is the user's own (no alert for the outage it ends, nor its
// recovery), and is announced when it fails.
func TestAlertButtonRunsTheAction(t *testing.T) {
	r, log, gate := alertRig(t, PolicyConfig{Grace: 10 * time.Second, Settle: time.Second, UserHold: time.Minute})
	r.record(0, healthy)
	r.record(20, daemonStopped)
	r.record(31, daemonStopped)
	a := r.posted(1)[0]
	first := make(chan struct{})
	go func() { r.f.Click(a.ID, "start-daemon"); close(first) }()
	testwait.For(t, "the kickstart under way", func() bool {
		b, _ := os.ReadFile(log)
		return strings.Contains(string(b), "kickstart")
	})
	r.f.Click(a.ID, "start-daemon") // while the first runs
	p := r.posted(2)
	if p[1].Title != "Still working on it" || p[1].Body != "Start Daemon is already in progress." {
		t.Errorf("a second press: %+v", p[1])
	}
	os.WriteFile(gate, nil, 0o644)
	<-first
	b, _ := os.ReadFile(log)
	if n := strings.Count(string(b), "kickstart -k gui/501/"+status.LabelDaemon); n != 1 {
		t.Errorf("%d kickstarts of the daemon:\n%s", n, b)
	}
	// The daemon comes back: the outage's alert is withdrawn, and no
	// recovery is announced for the user's own fix.
	r.record(40, healthy)
	testwait.For(t, "the withdrawal", func() bool { return slices.Contains(r.f.Withdrawn(), a.ID) })
	r.record(50, healthy)
	if p := r.f.Posted(); len(p) != 2 {
		t.Errorf("after the fix: %+v", p[2:])
	}
	// A button the alert never had is refused.
	r.f.Click(a.ID, "quit")
	if len(r.f.Posted()) != 2 || r.m.life.Err() != nil {
		t.Error("an unknown button did something")
	}
}

// TestAlertsOff: when the system does not show the app's alerts, the menu
// says so in its first section and the window's snapshot too; the line
// opens the Notifications pane; authorization is asked once a launch.
func TestAlertsOff(t *testing.T) {
	r := newRig(t, Options{PermissionCheck: time.Minute})
	r.f.SetPermission(alert.PermissionOn)
	r.run()
	r.record(0, healthy)
	testwait.For(t, "authorization asked", func() bool { return r.f.Authorized() == 1 })
	if it := r.m.Menu().Item(action.AlertSettings); it.Visible {
		t.Errorf("alerts on, yet the menu says %q", it.Title)
	}
	r.f.SetPermission(alert.PermissionOff)
	testwait.For(t, "the alerts' ticker", func() bool { return r.clk.Armed() == 2 })
	r.clk.Advance(time.Minute)
	testwait.For(t, "the menu saying alerts are off", func() bool { return r.m.Menu().Item(action.AlertSettings).Visible })
	if it := r.m.Menu().Item(action.AlertSettings); it.Title != "Alerts are off in System Settings — Open…" || !action.Of(action.AlertSettings).Top {
		t.Errorf("item %+v", it)
	}
	if s := r.m.Snapshot(); !s.AlertsOff || !s.Alerts {
		t.Errorf("snapshot alerts %v off %v", s.Alerts, s.AlertsOff)
	}
	if err := r.m.Do(context.Background(), action.AlertSettings); err != nil || r.f.opened[len(r.f.opened)-1] != "url "+desktop.NotificationSettings("") {
		t.Errorf("open settings: %v %q", err, r.f.opened)
	}
	if r.f.Authorized() != 1 {
		t.Errorf("authorization asked %d times", r.f.Authorized())
	}
}

// TestStartAtLoginStates: the menu shows the login item's state; waiting
// for the user's approval, it says where to allow it; nothing registers
// the app by itself.
func TestStartAtLoginStates(t *testing.T) {
	login := &toggleLogin{}
	r := newRig(t, Options{Deps: action.Deps{Login: login}})
	r.run()
	r.record(0, healthy)
	if it := r.m.Menu().Item(action.StartAtLogin); it.Checked || it.Title != "Start at Login" || login.on.Load() {
		t.Errorf("at launch: %+v, on %v", it, login.on.Load())
	}
	r.m.Do(context.Background(), action.StartAtLogin)
	if it := r.m.Menu().Item(action.StartAtLogin); !it.Checked {
		t.Errorf("after a click: %+v", it)
	}
	in := MenuInput{Login: desktop.LoginNeedsApproval}
	if it := BuildMenu(in).Item(action.StartAtLogin); it.Checked || it.Title != "Start at Login — allow in System Settings…" {
		t.Errorf("needs approval: %+v", it)
	}
}

// TestMuteRow: a muted row still colours the menu and says "alerts muted",
// is never announced, and its alert is withdrawn; unmuted, what still
// stands is announced once. The choice is kept in settings.json.
func TestMuteRow(t *testing.T) {
	r, _, _ := alertRig(t, PolicyConfig{Grace: 10 * time.Second, Settle: time.Second})
	r.record(0, healthy)
	r.record(20, daemonStopped)
	r.record(31, daemonStopped)
	a := r.posted(1)[0]
	if err := r.m.Act(context.Background(), Request{ID: action.Mute, Value: "daemon"}); err != nil {
		t.Fatal(err)
	}
	if r.sweeps.refreshes.Load() == 0 {
		t.Error("no sweep asked for after muting")
	}
	menu := r.m.Menu()
	if it := menu.ItemFor(action.Mute, status.CompDaemon); !it.Checked || it.Parent != action.MuteMenu {
		t.Errorf("mute item %+v", it)
	}
	if row := menu.Rows[1]; row.Component != status.CompDaemon || !row.Muted || !strings.HasSuffix(row.Title, " · alerts muted") || menu.Icon != "degraded" {
		t.Errorf("row %+v, icon %s", row, menu.Icon)
	}
	if it := menu.Item(action.MuteMenu); it.Title != "Mute Alerts For (1 muted)" {
		t.Errorf("submenu %q", it.Title)
	}
	r.record(40, daemonStopped)
	testwait.For(t, "the muted row's alert withdrawn", func() bool { return slices.Contains(r.f.Withdrawn(), a.ID) })
	for s := 45; s < 200; s += 5 {
		r.record(s, daemonStopped)
	}
	saved, _ := desktop.LoadSettings(r.m.opts.SettingsPath)
	if !saved.IsMuted(status.CompDaemon) {
		t.Errorf("settings %+v", saved)
	}
	r.m.Act(context.Background(), Request{ID: action.Mute, Value: "daemon"})
	r.record(205, daemonStopped)
	r.record(210, daemonStopped)
	p := r.posted(2)
	if len(p) != 2 || p[1].ID != a.ID {
		t.Errorf("after unmuting: %+v", p)
	}
	if err := r.m.Act(context.Background(), Request{ID: action.Mute, Value: "no such row"}); err == nil {
		t.Error("muted a row that is not there")
	}
}

// TestAlertsPoster: the menu names who posts the alerts, and says why a
// weaker one stands in (its tooltip has the error); once the native
// center starts at a post, the menu and the window's snapshot follow;
// alerts off, the line leads to System Settings.
func TestAlertsPoster(t *testing.T) {
	r := newRig(t, Options{Policy: PolicyConfig{Grace: 10 * time.Second, Settle: time.Second}})
	r.f.SetPoster(alert.Poster{Kind: alert.PosterScript, Name: "Script Editor", Reason: "macOS notifications could not start",
		Problem: "notification delegate: add method 1"})
	r.m = New(r.m.opts)
	r.run()
	r.record(0, healthy)
	it := r.m.Menu().Item(action.AlertPoster)
	if !it.Visible || it.Enabled || it.Title != "Alerts: Script Editor (macOS notifications could not start)" ||
		!strings.Contains(it.Tooltip, "without buttons") || !strings.HasSuffix(it.Tooltip, "notification delegate: add method 1") {
		t.Errorf("stand-in: %+v", it)
	}
	if s := r.m.Snapshot(); s.Poster == nil || s.Poster.Problem == "" {
		t.Errorf("snapshot poster %+v", s.Poster)
	}

	r.f.SetPoster(alert.Poster{Kind: alert.PosterNative})
	r.record(20, daemonStopped)
	r.record(31, daemonStopped)
	testwait.For(t, "the menu naming macOS notifications", func() bool {
		return r.m.Menu().Item(action.AlertPoster).Title == "Alerts: macOS notifications"
	})
	if s := r.m.Snapshot(); s.Poster == nil || s.Poster.Kind != alert.PosterNative {
		t.Errorf("snapshot poster %+v", s.Poster)
	}

	off := BuildMenu(MenuInput{Poster: &alert.Poster{Kind: alert.PosterNative}, AlertsOff: true}).Item(action.AlertPoster)
	if off.Title != "Alerts: off in System Settings — Open…" || !off.Enabled {
		t.Errorf("alerts off: %+v", off)
	}
	if err := r.m.Do(context.Background(), action.AlertPoster); err != nil || r.f.opened[len(r.f.opened)-1] != "url "+desktop.NotificationSettings("") {
		t.Errorf("open settings: %v %q", err, r.f.opened)
	}
	if BuildMenu(MenuInput{}).Item(action.AlertPoster).Visible {
		t.Error("a poster shown where nothing posts")
	}
}

// TestAlertAnswersOnlyFromTheirAlert: a press runs only from the alert
// that offered it, while it is on screen: not on an alert never posted,
// not with a button the alert did not carry, not once withdrawn; each
// refusal is logged once. A fix no longer needed does nothing and says
// so.
func TestAlertAnswersOnlyFromTheirAlert(t *testing.T) {
	r, log, gate := alertRig(t, PolicyConfig{Grace: 10 * time.Second, Settle: time.Second, UserHold: time.Minute})
	os.WriteFile(gate, nil, 0o644)
	r.record(0, healthy)
	r.record(20, daemonStopped)
	r.record(31, daemonStopped)
	a := r.posted(1)[0]
	kickstarts := func() int {
		b, _ := os.ReadFile(log)
		return strings.Count(string(b), "kickstart -k gui/501/"+status.LabelDaemon+"\n")
	}
	for _, resp := range []alert.Response{
		{AlertID: "outage.edge", Thread: "edge", Button: "start-edge"}, // never posted
		{AlertID: a.ID, Thread: "daemon", Button: "start-edge"},        // not its button
		{AlertID: "recovered", Button: "start-daemon"},
		{AlertID: "outage.edge", Thread: "edge"}, // a click on one not posted
	} {
		r.m.respond(resp)
		r.m.respond(resp)
	}
	if kickstarts() != 0 || len(r.f.details) != 0 {
		t.Errorf("a press from no alert ran: %d kickstarts, windows %v", kickstarts(), r.f.details)
	}
	logged := r.m.opts.Log.Writer().(*syncLog).String()
	if n := strings.Count(logged, "ignored: "); n != 4 {
		t.Errorf("%d refusals logged, want one each:\n%s", n, logged)
	}
	// Its own button runs.
	r.m.respond(alert.Response{AlertID: a.ID, Thread: "daemon", Button: "start-daemon"})
	if kickstarts() != 1 {
		t.Errorf("its own button: %d kickstarts", kickstarts())
	}
	// Withdrawn: it answers no more.
	r.record(40, healthy)
	testwait.For(t, "the withdrawal", func() bool { return slices.Contains(r.f.Withdrawn(), a.ID) })
	r.m.respond(alert.Response{AlertID: a.ID, Thread: "daemon", Button: "start-daemon"})
	r.m.respond(alert.Response{AlertID: a.ID, Thread: "daemon"})
	if kickstarts() != 1 || len(r.f.details) != 0 {
		t.Errorf("a withdrawn alert answered: %d kickstarts, windows %v", kickstarts(), r.f.details)
	}
}

// TestNeedlessFix: Start Daemon from an alert on a running daemon, or
// Start Edge on a healthy edge from anywhere, does nothing and says so.
func TestNeedlessFix(t *testing.T) {
	r, log, gate := alertRig(t, PolicyConfig{Grace: 10 * time.Second, Settle: time.Second})
	os.WriteFile(gate, nil, 0o644)
	r.record(0, healthy)
	r.m.mu.Lock()
	r.m.offered["outage.daemon"] = []string{"start-daemon"} // still on screen, its withdrawal on the way
	r.m.mu.Unlock()
	r.m.respond(alert.Response{AlertID: "outage.daemon", Thread: "daemon", Button: "start-daemon"})
	if err := r.m.Do(context.Background(), action.StartEdge); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(log)
	if strings.Contains(string(b), "kickstart") {
		t.Errorf("a needless fix ran:\n%s", b)
	}
	p := r.posted(2)
	if p[0].Title != "Nothing to do" || p[0].Body != "The daemon is already running." || p[1].Body != "The edge is already running." {
		t.Errorf("said %+v", p)
	}
}
