package monitor

import (
	"context"
	"errors"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/alert"
	"github.com/haltonlabs/halton-meter-bar/app/alert/alerttest"
	"github.com/haltonlabs/halton-meter-bar/app/desktop"
	"github.com/haltonlabs/halton-meter-bar/app/details/model"
	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/internal/clock"
	"github.com/haltonlabs/halton-meter-bar/internal/testwait"
	"github.com/haltonlabs/halton-meter-bar/status"
	"github.com/haltonlabs/halton-meter-bar/status/statustest"
)

// fakes records what the monitor did instead of doing it: the opener,
// the alerts (an alerttest.Center) and the details window.
type fakes struct {
	alerttest.Center
	mu        sync.Mutex
	details   []string
	opened    []string
	unwindows bool // the window's binary is missing
}

func (f *fakes) OpenURL(u string) error  { return f.open("url " + u) }
func (f *fakes) OpenPath(p string) error { return f.open("path " + p) }
func (f *fakes) RunInTerminal(argv []string) error {
	return f.open("terminal " + strings.Join(argv, " "))
}
func (f *fakes) Copy(text string) error { return f.open("copy") }

func (f *fakes) open(what string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opened = append(f.opened, what)
	return nil
}

func (f *fakes) Open(component status.ComponentName) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.details = append(f.details, string(component))
	return nil
}
func (f *fakes) Available() bool { return !f.unwindows }
func (f *fakes) Publish()        {}
func (f *fakes) Close()          {}

func (f *fakes) window(func() Snapshot, func(Request)) Window { return f }

// notifications are the alerts posted, as "title: body".
func (f *fakes) notifications() []string {
	var out []string
	for _, a := range f.Posted() {
		out = append(out, a.Title+": "+a.Body)
	}
	return out
}

// fakeSweeps is the scheduler as the monitor asks it.
type fakeSweeps struct{ refreshes, nows atomic.Int32 }

func (s *fakeSweeps) Refresh()                { s.refreshes.Add(1) }
func (s *fakeSweeps) RefreshNow()             { s.nows.Add(1) }
func (s *fakeSweeps) Interval() time.Duration { return 5 * time.Second }

// rig is a monitor on a fake clock that is handed reports by hand, as the
// scheduler would. Notifications are taken from its queue as they are
// made (queued), unless Run delivers them (run).
type rig struct {
	t      *testing.T
	clk    *clock.Fake
	m      *Monitor
	f      *fakes
	sweeps *fakeSweeps
}

func newRig(t *testing.T, opts Options) *rig {
	r := &rig{t: t, clk: clock.NewFake(t0), f: &fakes{}, sweeps: &fakeSweeps{}}
	opts.Clock, opts.Sweeps, opts.Center = r.clk, r.sweeps, &r.f.Center
	if opts.Deps.Opener == nil {
		opts.Deps.Opener = r.f
	}
	if opts.NewWindow == nil {
		opts.NewWindow = r.f.window
	}
	if opts.Log == nil {
		opts.Log = log.New(&syncLog{}, "", 0)
	}
	r.m = New(opts)
	return r
}

// run runs the monitor (notifications delivered, ages and pauses timed)
// until the test ends.
func (r *rig) run() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.m.Run(ctx); close(done) }()
	r.t.Cleanup(func() { cancel(); <-done })
}

// record hands the monitor a report of b, made now, s seconds on.
func (r *rig) record(s int, b bad) status.Report {
	r.clk.Advance(at(s).Sub(r.clk.Now()))
	rep := report(b)
	rep.CheckedAt = r.clk.Now()
	r.m.Record(rep)
	return rep
}

// queued takes the notifications the monitor queued since the last look,
// but withdrawals (queuedAll has them).
func (r *rig) queued() []string {
	var out []string
	for _, q := range r.queuedAll() {
		if q.n.Kind != KindWithdraw {
			out = append(out, q.n.Title+": "+q.n.Body)
		}
	}
	return out
}

// queuedAll takes everything queued since the last look.
func (r *rig) queuedAll() []queued {
	var out []queued
	for {
		select {
		case q := <-r.m.notes:
			out = append(out, q)
		default:
			return out
		}
	}
}

// latest takes the menu last published.
func (r *rig) latest() (Menu, bool) {
	var menu Menu
	got := false
	for {
		select {
		case menu = <-r.m.Updates():
			got = true
		default:
			return menu, got
		}
	}
}

// TestMonitorPublishesOnlyChanges: the same report again publishes
// nothing; a change does; the age line alone moves with the clock.
func TestMonitorPublishesOnlyChanges(t *testing.T) {
	r := newRig(t, Options{})
	r.record(0, healthy)
	if menu, ok := r.latest(); !ok || menu.Icon != "healthy" || menu.Headline != "All healthy" {
		t.Fatalf("first menu %+v", menu)
	}
	r.record(0, healthy)
	r.record(0, healthy)
	if _, ok := r.latest(); ok {
		t.Error("the same report published again")
	}
	r.record(30, healthy) // a newer sweep: still "checked just now"
	if _, ok := r.latest(); ok {
		t.Error("a newer sweep of the same published again")
	}
	r.clk.Advance(20 * time.Second)
	r.m.republishAges()
	if menu, ok := r.latest(); !ok || menu.Checked != "Checked 20 s ago" {
		t.Errorf("age line after 20 s: %q %v", menu.Checked, ok)
	}
	r.record(60, daemonStopped)
	if menu, ok := r.latest(); !ok || menu.Icon != "degraded" {
		t.Errorf("a change: %+v", menu)
	}
}

// TestMonitorNotifies: an outage past its grace is announced once, its
// recovery once; with notifications off, nothing, and the choice is kept.
func TestMonitorNotifies(t *testing.T) {
	settings := filepath.Join(t.TempDir(), "settings.json")
	r := newRig(t, Options{Policy: PolicyConfig{Grace: 10 * time.Second, Settle: time.Minute}, SettingsPath: settings})
	r.record(0, healthy)
	r.record(70, daemonStopped) // past the launch's settle
	if n := r.queued(); len(n) != 0 {
		t.Fatalf("announced within the grace: %q", n)
	}
	r.record(81, daemonStopped)
	if n := r.queued(); len(n) != 1 || !strings.HasPrefix(n[0], "Daemon stopped — not metering: ") {
		t.Fatalf("notifications %q", n)
	}
	for s := 90; s < 300; s += 5 {
		r.record(s, daemonStopped)
	}
	if n := r.queued(); len(n) != 0 {
		t.Errorf("announced again: %q", n)
	}
	r.record(300, healthy)
	if n := r.queued(); len(n) != 1 || !strings.HasPrefix(n[0], "Halton Meter recovered") {
		t.Errorf("recovery %q", n)
	}

	// Off: nothing more, and the choice is remembered.
	if err := r.m.Do(context.Background(), action.Notifications); err != nil {
		t.Fatal(err)
	}
	if got, _ := desktop.LoadSettings(settings); got.Notifications {
		t.Error("the setting was not saved")
	}
	if r.m.Menu().Item(action.Notifications).Checked {
		t.Error("the menu still shows notifications on")
	}
	r.record(310, bad{status.CompWatchdog: "stopped/warn"})
	r.record(400, bad{status.CompWatchdog: "stopped/warn"})
	if n := r.queued(); len(n) != 0 {
		t.Errorf("notified with notifications off: %q", n)
	}
	if newRig(t, Options{SettingsPath: settings}).m.Settings().Notifications {
		t.Error("a new monitor forgot the setting")
	}
}

// TestActionsAnnounceFailures: an action that fails says why; the app's
// own actions go to the scheduler and the window.
func TestActionsAnnounceFailures(t *testing.T) {
	r := newRig(t, Options{})
	r.record(0, healthy)
	if err := r.m.Do(context.Background(), action.OpenDetails); err != nil || len(r.f.details) != 1 {
		t.Errorf("open details: %v %q", err, r.f.details)
	}
	if err := r.m.Do(context.Background(), action.Refresh); err != nil || r.sweeps.nows.Load() != 1 {
		t.Errorf("Refresh Now: %v, %d refreshes now", err, r.sweeps.nows.Load())
	}
	if err := r.m.Do(context.Background(), action.StartAtLogin); err == nil {
		t.Error("Start at Login with no login item")
	}
	if n := r.queued(); len(n) != 1 || n[0] != "Couldn't change Start at Login: Start at Login is not available here" {
		t.Errorf("notifications %q", n)
	}
	// Every action the menu or the window reaches is carried out somewhere:
	// none is unknown to the monitor.
	for _, spec := range action.Table {
		submenu := false
		for _, o := range action.Table {
			submenu = submenu || o.Parent == spec.ID
		}
		if submenu || !spec.InMenu() && !spec.Window || spec.ID == action.SetBudget {
			continue
		}
		var err error
		if spec.PerRow {
			err = r.m.Act(context.Background(), Request{ID: spec.ID, Value: string(status.CompEdge)})
		} else {
			err = r.m.do(context.Background(), spec)
		}
		if errors.Is(err, action.ErrNotRunnable) {
			t.Errorf("%s: %v", spec.ID, err)
		}
	}
}

// TestUserFixIsNotAnAlarm: the outage the user's own Start Daemon ends is
// not announced, nor its recovery; a refresh follows the start.
func TestUserFixIsNotAnAlarm(t *testing.T) {
	w := statustest.New(t, "apps")
	w.Tool("launchctl", "exit 0")
	cfg := status.ConfigFromEnviron(w.Env())
	r := newRig(t, Options{Policy: PolicyConfig{Grace: 10 * time.Second, Settle: time.Minute, UserHold: time.Minute},
		Deps: action.Deps{Cfg: cfg, Launchctl: status.Launchctl{Path: cfg.Launchctl}, UID: 501}})
	r.record(0, healthy)
	r.record(70, daemonStopped)
	if err := r.m.Do(context.Background(), action.StartDaemon); err != nil {
		t.Fatal(err)
	}
	if r.sweeps.refreshes.Load() != 1 {
		t.Errorf("%d refreshes after the start", r.sweeps.refreshes.Load())
	}
	r.record(85, daemonStopped) // past the grace, within the user's hold
	r.record(90, healthy)
	if n := r.queued(); len(n) != 0 {
		t.Errorf("the user's own fix announced: %q", n)
	}
}

// TestNoWindow: with no details binary, the menu says so and opening fails
// with a notification.
func TestNoWindow(t *testing.T) {
	r := newRig(t, Options{})
	r.f.unwindows = true
	r.record(0, healthy)
	if got := r.m.Menu().Item(action.OpenDetails).Title; got != "Open Details… (not installed)" {
		t.Errorf("menu says %q", got)
	}
	if err := r.m.OpenRow("edge"); err == nil {
		t.Error("opened a missing window")
	}
	if n := r.queued(); len(n) != 1 || !strings.HasPrefix(n[0], "Couldn't open the details window") {
		t.Errorf("notifications %q", n)
	}
}

// TestOneActionOfAKindAtATime: a second click on an action still running
// is refused and says so; the menu and the window show it running.
func TestOneActionOfAKindAtATime(t *testing.T) {
	w := statustest.New(t, "apps")
	gate := filepath.Join(w.Dir, "gate")
	w.Tool("launchctl", `if [ "$1" = kickstart ]; then while [ ! -f `+gate+` ]; do sleep 0.01; done; fi
exit 0`)
	cfg := status.ConfigFromEnviron(w.Env())
	r := newRig(t, Options{Deps: action.Deps{Cfg: cfg, Launchctl: status.Launchctl{Path: cfg.Launchctl}, UID: 501}})
	r.record(0, healthy)
	first := make(chan error, 1)
	go func() { first <- r.m.Do(context.Background(), action.StartDaemon) }()
	testwait.For(t, "the menu to say so", func() bool {
		it := r.m.Menu().Item(action.StartDaemon)
		return it.Title == "Starting Daemon…" && !it.Enabled
	})
	if s := r.m.Snapshot(); len(s.Busy) != 1 || s.Busy[0] != action.StartDaemon {
		t.Errorf("the window is not told: %v", s.Busy)
	}
	if err := r.m.Do(context.Background(), action.StartDaemon); !errors.Is(err, action.ErrInProgress) {
		t.Errorf("second start: %v", err)
	}
	if n := r.queued(); len(n) != 1 || n[0] != "Still working on it: Start Daemon is already in progress." {
		t.Errorf("notifications %q", n)
	}
	os.WriteFile(gate, nil, 0o644)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if it := r.m.Menu().Item(action.StartDaemon); it.Title != "Restart Daemon" || !it.Enabled {
		t.Errorf("after the start: %+v", it)
	}
}

func TestPauseNotifications(t *testing.T) {
	settings := filepath.Join(t.TempDir(), "settings.json")
	r := newRig(t, Options{Policy: PolicyConfig{Grace: 10 * time.Second, Settle: time.Minute}, SettingsPath: settings})
	r.run()
	r.record(0, healthy)
	if it := r.m.Menu().Item(action.Resume); it.Visible {
		t.Error("Resume shown with nothing paused")
	}
	if err := r.m.Do(context.Background(), action.PauseHour); err != nil {
		t.Fatal(err)
	}
	saved, _ := desktop.LoadSettings(settings)
	if !saved.PausedUntil.Equal(at(3600)) {
		t.Errorf("paused until %v", saved.PausedUntil)
	}
	menu := r.m.Menu()
	if it := menu.Item(action.PauseMenu); it.Title != "Notifications paused "+until(saved.PausedUntil, r.clk.Now()) {
		t.Errorf("pause menu %q", it.Title)
	}
	if it := menu.Item(action.Resume); !it.Visible || it.Parent != action.PauseMenu {
		t.Errorf("resume %+v", it)
	}
	// Nothing while paused, however long it lasts.
	for s := 70; s < 1800; s += 30 {
		r.record(s, daemonStopped)
	}
	// A restart keeps the pause.
	if got := newRig(t, Options{SettingsPath: settings}).m.policy.PausedUntil(at(1800)); !got.Equal(at(3600)) {
		t.Errorf("a new monitor paused until %v", got)
	}
	// The pause ends at its time: a sweep is asked for, and what still
	// stands is announced, once.
	testwait.For(t, "the pause's timer", func() bool { return r.clk.Armed() == 3 }) // the ages' and the alerts' tickers, the pause's end
	refreshes := r.sweeps.refreshes.Load()
	r.clk.Advance(at(3600).Sub(r.clk.Now()))
	testwait.For(t, "the sweep asked for at the pause's end", func() bool { return r.sweeps.refreshes.Load() > refreshes })
	r.record(3600, daemonStopped)
	testwait.For(t, "the resume notice", func() bool { return len(r.f.notifications()) == 1 })
	if n := r.f.notifications(); !strings.HasPrefix(n[0], "Notifications resumed: 1 problem still there: Daemon stopped — not metering") {
		t.Errorf("notifications %q", n)
	}
	testwait.For(t, "the pause cleared on disk", func() bool {
		saved, _ := desktop.LoadSettings(settings)
		return saved.PausedUntil.IsZero()
	})
	if it := r.m.Menu().Item(action.PauseMenu); it.Title != "Pause Notifications" {
		t.Errorf("pause menu after the pause %q", it.Title)
	}
}

// TestResume: Resume ends the pause at once and asks for a sweep.
func TestResume(t *testing.T) {
	r := newRig(t, Options{})
	r.record(0, healthy)
	r.m.Do(context.Background(), action.PauseTomorrow)
	if r.m.policy.PausedUntil(r.clk.Now()).IsZero() {
		t.Fatal("not paused")
	}
	if err := r.m.Do(context.Background(), action.Resume); err != nil {
		t.Fatal(err)
	}
	if !r.m.policy.PausedUntil(r.clk.Now()).IsZero() || r.sweeps.refreshes.Load() != 1 {
		t.Errorf("paused until %v, %d refreshes", r.m.policy.PausedUntil(r.clk.Now()), r.sweeps.refreshes.Load())
	}
}

func TestPauseEnds(t *testing.T) {
	at := time.Date(2026, 11, 26, 22, 30, 0, 0, time.Local)
	if got := PauseEnd(action.PauseHour, at); !got.Equal(at.Add(time.Hour)) {
		t.Errorf("an hour: %v", got)
	}
	if got := PauseEnd(action.PauseTomorrow, at); !got.Equal(time.Date(2026, 11, 27, 8, 0, 0, 0, time.Local)) {
		t.Errorf("tomorrow: %v", got)
	}
	if got := until(at.Add(time.Hour), at); got != "until 23:30" {
		t.Errorf("same day: %q", got)
	}
	if got := until(PauseEnd(action.PauseTomorrow, at), at); got != "until Fri 08:00" {
		t.Errorf("another day: %q", got)
	}
}

// TestAgesMoveWithTheClock: between sweeps, Run publishes the menu again
// when the age line moves, and only then.
func TestAgesMoveWithTheClock(t *testing.T) {
	r := newRig(t, Options{AgeCheck: 5 * time.Second})
	r.run()
	r.record(0, healthy)
	testwait.For(t, "the first menu", func() bool { _, ok := r.latest(); return ok })
	testwait.For(t, "the ages' and the alerts' tickers", func() bool { return r.clk.Armed() == 2 })
	r.clk.Advance(5 * time.Second) // "just now" still
	r.clk.Advance(5 * time.Second) // 10 s
	testwait.For(t, "the age moved", func() bool { return r.m.Menu().Checked == "Checked 10 s ago" })
}

// hangingCenter hangs on the titles it is told to, as a stuck
// notification service does, until its context ends.
type hangingCenter struct {
	fakes
	hang string
}

func (h *hangingCenter) Post(ctx context.Context, a alert.Alert) error {
	if a.Title == h.hang {
		<-ctx.Done()
		return ctx.Err()
	}
	return h.fakes.Post(ctx, a)
}

func TestHungNotifierDoesNotDelayTheNext(t *testing.T) {
	h := &hangingCenter{hang: "first"}
	m := New(Options{Center: h, NotifyTimeout: 200 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go m.deliverNotifications(ctx)
	m.notify(Notification{Kind: KindAction, Title: "first"})
	m.notify(Notification{Kind: KindAction, Title: "second"})
	testwait.For(t, "the second notification", func() bool { return len(h.notifications()) == 1 })
	if n := h.notifications(); n[0] != "second: " {
		t.Errorf("delivered %q", n)
	}
	testwait.For(t, "the hung one counted", func() bool { return m.Dropped() == 1 })
	// A full queue drops, and counts.
	m2 := New(Options{})
	for i := 0; i < cap(m2.notes)+3; i++ {
		m2.notify(Notification{Kind: KindAction, Title: strconv.Itoa(i)})
	}
	if m2.Dropped() != 3 {
		t.Errorf("%d dropped", m2.Dropped())
	}
}

// TestNoSecretsNoControlsInTheTray: secrets in config.toml and
// effective-ports.json, and escape sequences in a service name, reach
// none of what the tray shows: the menu, its tooltips, the notifications,
// the window's snapshot, Copy Diagnostics.
func TestNoSecretsNoControlsInTheTray(t *testing.T) {
	const secret = "correcthorsebatterystaple"
	w := statustest.New(t, "apps")
	w.Write(".halton-meter/effective-ports.json", `{"edge": "`+secret+`"}`)
	w.Write(".halton-meter/config.toml", "[daemon]\ntoken = "+secret+"\n")
	w.Write(".halton-meter/install-mode", "apps "+secret+"\n")
	w.Prefs(false, "")
	os.Remove(w.Preferences)
	w.Tool("networksetup", `case "$1" in
-listallnetworkservices) printf 'An asterisk (*) denotes that a network service is disabled.\nWi-Fi\033]0;owned\007\n';;
-getsecurewebproxy) printf 'Enabled: Yes\nServer: evil\033[2J\nPort: 3128\n';;
esac`)
	cfg := status.ConfigFromEnviron(w.Env())
	r := newRig(t, Options{Policy: PolicyConfig{Grace: time.Second, Settle: time.Second}})
	sweep := func(s int) {
		r.clk.Advance(at(s).Sub(r.clk.Now()))
		rep := status.Check(context.Background(), cfg)
		rep.CheckedAt = r.clk.Now()
		r.m.Record(rep)
	}
	sweep(0)
	sweep(5) // past the grace: notified
	notes := r.queued()
	if len(notes) == 0 {
		t.Fatal("no notification")
	}
	if err := r.m.Do(context.Background(), action.CopyJSON); err != nil {
		t.Fatal(err)
	}
	menu := r.m.Menu()
	shown := []string{menu.Headline, menu.Tooltip}
	for _, row := range menu.Rows {
		shown = append(shown, row.Title, row.Tooltip)
	}
	shown = append(shown, notes...)
	snap := r.m.Snapshot()
	msg := wire.Message{Type: wire.MsgSnapshot, Report: snap.Report, History: wire.FromHistory(snap.History)}
	shown = append(shown, model.Diagnostics(msg, r.clk.Now(), "test"))
	for _, row := range model.Build(msg, r.clk.Now(), time.Hour).Rows {
		shown = append(shown, row.Detail, row.NextStep)
	}
	all := strings.Join(shown, "\n")
	if strings.Contains(all, secret) {
		t.Errorf("the tray shows the secret:\n%s", all)
	}
	if strings.ContainsAny(all, "\x1b\x07") {
		t.Errorf("the tray shows control characters:\n%q", all)
	}
	if !strings.Contains(all, `Wi-Fi\x1b]0;owned\x07`) {
		t.Errorf("the service is not named:\n%s", all)
	}
}

// TestBudget: the window's budget entry is checked, kept in the settings
// for the next launch, sent back to the window, and announced once when
// today's spend passes it.
func TestBudget(t *testing.T) {
	settings := filepath.Join(t.TempDir(), "settings.json")
	r := newRig(t, Options{SettingsPath: settings})
	spend := func(s int) {
		r.clk.Advance(at(s).Sub(r.clk.Now()))
		rep := report(healthy)
		rep.CheckedAt = r.clk.Now()
		rep.Metering = status.Metering{State: status.MeteringLive, Today: &status.Today{Requests: 40, CostUSD: 300000}}
		r.m.Record(rep)
	}
	spend(0)
	r.m.Request(Request{ID: action.SetBudget, Value: "a lot"})
	if n := r.queued(); len(n) != 1 || !strings.HasPrefix(n[0], "Couldn't set the budget") {
		t.Errorf("notifications %q", n)
	}
	if saved, _ := desktop.LoadSettings(settings); saved.DailyBudget != 0 {
		t.Errorf("a refused budget was saved: %v", saved.DailyBudget)
	}
	r.m.Request(Request{ID: action.SetBudget, Value: "$2.50"})
	if saved, _ := desktop.LoadSettings(settings); saved.DailyBudget != 250000 {
		t.Errorf("saved budget %v", saved.DailyBudget)
	}
	if got := r.m.Snapshot().Budget; got != 250000 {
		t.Errorf("the window is told %v", got)
	}
	for s := 10; s < 100; s += 10 {
		spend(s)
	}
	if n := r.queued(); len(n) != 1 || !strings.HasPrefix(n[0], "Today's LLM spend passed your $2.50 budget: $3.00 so far today, 40 requests.") {
		t.Errorf("notifications %q", n)
	}
	again := newRig(t, Options{SettingsPath: settings})
	if got := again.m.Snapshot().Budget; got != 250000 {
		t.Errorf("a new monitor's budget %v", got)
	}
	// Restarted the same day, it does not say it again; the next day it does.
	again.clk.Advance(at(200).Sub(again.clk.Now()))
	rep := report(healthy)
	rep.CheckedAt = again.clk.Now()
	rep.Metering = status.Metering{State: status.MeteringLive, Today: &status.Today{Requests: 41, CostUSD: 310000}}
	again.m.Record(rep)
	if n := again.queued(); len(n) != 0 {
		t.Errorf("after a restart the same day: %q", n)
	}
	again.clk.Advance(24 * time.Hour)
	rep.CheckedAt = again.clk.Now()
	again.m.Record(rep)
	if n := again.queued(); len(n) != 1 || !strings.HasPrefix(n[0], "Today's LLM spend passed") {
		t.Errorf("the next day: %q", n)
	}
}

// toggleLogin is a Start at Login that flips a flag.
type toggleLogin struct{ on atomic.Bool }

func (l *toggleLogin) State() desktop.LoginState {
	if l.on.Load() {
		return desktop.LoginOn
	}
	return desktop.LoginOff
}
func (l *toggleLogin) Enable(ctx context.Context) error  { l.on.Store(true); return nil }
func (l *toggleLogin) Disable(ctx context.Context) error { l.on.Store(false); return nil }

// TestMenuPublishedInOrder: sweeps and actions that republish at once
// never leave the tray an older menu than the monitor's last: once they
// are done, the menu taken last says what is true (no action shown as
// still running, Start at Login as it is).
func TestMenuPublishedInOrder(t *testing.T) {
	for round := range 20 {
		login := &toggleLogin{}
		r := newRig(t, Options{Deps: action.Deps{Login: login}})
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 20 {
					r.m.Do(context.Background(), action.StartAtLogin)
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range 50 {
				b := healthy
				if s%2 == 0 {
					b = daemonStopped
				}
				rep := report(b)
				rep.CheckedAt = at(s)
				r.m.Record(rep)
			}
		}()
		wg.Wait()
		menu, ok := r.latest()
		it := menu.Item(action.StartAtLogin)
		if !ok || it.Title != "Start at Login" || !it.Enabled || it.Checked != login.on.Load() || it.Checked != r.m.Menu().Item(action.StartAtLogin).Checked {
			t.Fatalf("round %d: the last menu shows %+v; Start at Login is %v", round, it, login.on.Load())
		}
	}
}

// TestRecordIsPrintable: the report the monitor keeps and shows is
// printable; the raw one is the scheduler's other subscribers'.
func TestRecordIsPrintable(t *testing.T) {
	r := newRig(t, Options{})
	rep := report(healthy)
	rep.Headline = "All \x1b[31mhealthy"
	r.m.Record(rep)
	if menu := r.m.Menu(); strings.Contains(menu.Headline, "\x1b") {
		t.Errorf("the menu shows a control character: %q", menu.Headline)
	}
	if kept, _ := r.m.Report(); strings.Contains(kept.Headline, "\x1b") {
		t.Errorf("the monitor keeps %q", kept.Headline)
	}
}

// TestSettingsSavedInOrder: two clicks at once (Notifications and a
// pause) never leave an older copy of the settings on disk than the one
// the app goes by.
func TestSettingsSavedInOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "settings.json")
	r := newRig(t, Options{SettingsPath: path})
	for i := range 40 {
		pause := action.PauseHour
		if i%2 == 1 {
			pause = action.Resume
		}
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); r.m.Do(context.Background(), action.Notifications) }()
		go func() { defer wg.Done(); r.m.Do(context.Background(), pause) }()
		wg.Wait()
		disk, err := desktop.LoadSettings(path)
		mem := r.m.Settings()
		if err != nil || disk.Notifications != mem.Notifications || !disk.PausedUntil.Equal(mem.PausedUntil) {
			t.Fatalf("round %d: on disk %+v (%v), in the app %+v", i, disk, err, mem)
		}
	}
}

// TestQuitCutsOffTheWindowsRequests: what the details window asked for
// runs under the app's life: quitting cuts a hung launchctl off, and that
// is no failure to announce.
func TestQuitCutsOffTheWindowsRequests(t *testing.T) {
	w := statustest.New(t, "apps")
	started := filepath.Join(w.Dir, "kickstart.started")
	w.Tool("launchctl", `[ "$1" = kickstart ] && { touch `+started+`; exec sleep 3600; }
exit 0`)
	cfg := status.ConfigFromEnviron(w.Env())
	var logged syncLog
	r := newRig(t, Options{Log: log.New(&logged, "", 0),
		Deps: action.Deps{Cfg: cfg, Launchctl: status.Launchctl{Path: cfg.Launchctl, Timeout: time.Hour}, UID: 501}}) // only quitting can end it
	r.record(0, daemonStopped)
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan struct{})
	go func() { r.m.Run(ctx); close(runDone) }()
	asked := make(chan struct{})
	go func() { r.m.Request(Request{ID: action.StartDaemon}); close(asked) }()
	testwait.For(t, "launchctl kickstart to start", func() bool { _, err := os.Stat(started); return err == nil })
	cancel()
	<-runDone
	select {
	case <-asked:
	case <-time.After(testwait.Bound):
		t.Fatal("the window's request outlived the app")
	}
	if n := r.f.notifications(); len(n) != 0 || len(r.m.notes) != 0 {
		t.Errorf("quitting was announced: %q, %d queued", n, len(r.m.notes))
	}
	if s := logged.String(); strings.Contains(s, "asked for") {
		t.Errorf("quitting was logged as a failure: %q", s)
	}
}

// syncLog is a log's writer that tests may read while it is written.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncLog) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestWokeOpensASettleHold: after a wake, an outage waits for the end of
// the settle, as after launch.
func TestWokeOpensASettleHold(t *testing.T) {
	r := newRig(t, Options{Policy: PolicyConfig{Grace: 10 * time.Second, Settle: time.Minute}})
	r.record(0, healthy)
	r.record(100, healthy)
	r.m.Woke(r.clk.Now())
	r.record(101, daemonStopped)
	r.record(120, daemonStopped) // past the grace, within the wake's settle
	if n := r.queued(); len(n) != 0 {
		t.Errorf("announced within the wake's settle: %q", n)
	}
	r.record(161, daemonStopped)
	if n := r.queued(); len(n) != 1 {
		t.Errorf("after the wake's settle: %q", n)
	}
}

// TestIdle: the monitor is idle once every notification it queued has
// been delivered, not before.
func TestIdle(t *testing.T) {
	r := newRig(t, Options{Policy: PolicyConfig{Grace: time.Second, UserHold: time.Minute}})
	if !r.m.Idle() {
		t.Fatal("busy before anything was queued")
	}
	r.record(0, daemonStopped)
	r.record(5, daemonStopped)
	if r.m.Idle() {
		t.Fatal("idle with an alert queued and no one delivering it")
	}
	r.run()
	testwait.For(t, "the alert delivered", r.m.Idle)
	if got := r.f.Center.Posted(); len(got) != 1 || got[0].Title != "Daemon stopped — not metering" {
		t.Errorf("posted %+v", got)
	}
}
