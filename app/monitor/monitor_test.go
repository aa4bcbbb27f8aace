package monitor

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/desktop"
	"github.com/haltonlabs/halton-meter-bar/app/details/child"
	"github.com/haltonlabs/halton-meter-bar/app/details/model"
	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/internal/testwait"
	"github.com/haltonlabs/halton-meter-bar/status"
	"github.com/haltonlabs/halton-meter-bar/status/statustest"
)

func sweeps(m *Monitor) int { return int(m.sweeps.Load()) }
func fulls(m *Monitor) int  { return int(m.fulls.Load()) }

// fakes records what the actions did instead of doing it: the opener, the
// notifier and the details window.
type fakes struct {
	mu       sync.Mutex
	urls     []string
	paths    []string
	terminal [][]string
	copied   []string
	notes    []string
	details  []string
	openErr  error
}

func (f *fakes) OpenURL(u string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.urls = append(f.urls, u)
	return f.openErr
}
func (f *fakes) OpenPath(p string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paths = append(f.paths, p)
	return f.openErr
}
func (f *fakes) RunInTerminal(argv []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.terminal = append(f.terminal, argv)
	return f.openErr
}
func (f *fakes) Copy(text string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.copied = append(f.copied, text)
	return nil
}
func (f *fakes) Notify(ctx context.Context, title, body string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notes = append(f.notes, title+": "+body)
	return nil
}
func (f *fakes) Open(component string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.details = append(f.details, component)
	return nil
}
func (f *fakes) Available() bool { return true }
func (f *fakes) Publish()        {}
func (f *fakes) Close()          {}

func (f *fakes) window(func() wire.Message, func(wire.Request)) Window { return f }

func (f *fakes) notifications() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.notes...)
}

// scripted is a sweep that returns the reports it is given, in turn, and
// fails the test should two sweeps ever overlap.
type scripted struct {
	t        *testing.T
	mu       sync.Mutex
	reports  []status.Report
	inFlight atomic.Int32
	delay    time.Duration
}

func (s *scripted) set(b bad) {
	s.mu.Lock()
	s.reports = []status.Report{report(b)}
	s.mu.Unlock()
}

func (s *scripted) sweep(ctx context.Context) status.Report {
	if s.inFlight.Add(1) > 1 {
		s.t.Error("two sweeps at once")
	}
	defer s.inFlight.Add(-1)
	time.Sleep(s.delay)
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.reports[0]
	if len(s.reports) > 1 {
		s.reports = s.reports[1:]
	}
	r.CheckedAt = time.Now()
	return r
}

func startMonitor(t *testing.T, s *scripted, f *fakes, opts Options) *Monitor {
	opts.Sweep = s.sweep
	opts.Notifier = f
	if opts.Deps.Opener == nil {
		opts.Deps.Opener = f
	}
	if opts.NewWindow == nil {
		opts.NewWindow = f.window
	}
	m := New(opts)
	run(t, m)
	return m
}

// run runs m until the test ends.
func run(t *testing.T, m *Monitor) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func TestMonitorPublishesOnlyChanges(t *testing.T) {
	s := &scripted{t: t}
	s.set(healthy)
	f := &fakes{}
	m := startMonitor(t, s, f, Options{HealthyInterval: 5 * time.Millisecond, UnhealthyInterval: 5 * time.Millisecond})
	var menus []Menu
	take := func() Menu {
		select {
		case menu := <-m.Updates():
			menus = append(menus, menu)
			return menu
		case <-time.After(10 * time.Second):
			t.Fatal("no menu")
		}
		return Menu{}
	}
	for take().Icon != "healthy" {
	}
	before := sweeps(m)
	testwait.For(t, "more sweeps", func() bool { return sweeps(m) > before+20 })
	// Twenty identical sweeps later, nothing new was published (the
	// "checked" line moves in whole seconds only).
	select {
	case menu := <-m.Updates():
		if menu.Icon != "healthy" || menu.Headline != "All healthy" {
			t.Errorf("unexpected menu %+v", menu)
		}
		if menu.Checked == menus[len(menus)-1].Checked {
			t.Error("a menu was published with nothing changed")
		}
	default:
	}
	s.set(daemonStopped)
	for take().Icon != "degraded" {
	}
}

func TestMonitorRefreshAndNoOverlap(t *testing.T) {
	s := &scripted{t: t, delay: 20 * time.Millisecond}
	s.set(healthy)
	m := startMonitor(t, s, &fakes{}, Options{HealthyInterval: time.Hour, UnhealthyInterval: time.Hour})
	testwait.For(t, "the first sweep", func() bool { return sweeps(m) == 1 })
	// A burst of refreshes during a sweep folds into one more.
	for i := 0; i < 50; i++ {
		m.Refresh()
	}
	testwait.For(t, "the refresh sweep", func() bool { return sweeps(m) >= 2 })
	time.Sleep(100 * time.Millisecond)
	if n := sweeps(m); n > 3 {
		t.Errorf("%d sweeps for a burst of 50 refreshes", n)
	}
}

func TestMonitorEventsTriggerSweeps(t *testing.T) {
	s := &scripted{t: t}
	s.set(healthy)
	fw := &fakeWatcher{events: make(chan struct{}, 1)}
	m := startMonitor(t, s, &fakes{}, Options{HealthyInterval: time.Hour, UnhealthyInterval: time.Hour, Watcher: fw})
	testwait.For(t, "the first sweep", func() bool { return sweeps(m) == 1 })
	if got := fw.watched(); len(got) != 0 {
		t.Errorf("watching %v of a report with no PIDs", got)
	}
	fw.events <- struct{}{}
	testwait.For(t, "a sweep on the event", func() bool { return sweeps(m) == 2 })
}

func TestMonitorNotifies(t *testing.T) {
	s := &scripted{t: t}
	s.set(healthy)
	f := &fakes{}
	dir := t.TempDir()
	settings := filepath.Join(dir, "settings.json")
	m := startMonitor(t, s, f, Options{
		HealthyInterval: 5 * time.Millisecond, UnhealthyInterval: 5 * time.Millisecond,
		Policy:       PolicyConfig{Grace: 20 * time.Millisecond},
		SettingsPath: settings,
	})
	testwait.For(t, "a sweep", func() bool { return sweeps(m) > 2 })
	s.set(daemonStopped)
	testwait.For(t, "a notification", func() bool { return len(f.notifications()) == 1 })
	before := sweeps(m)
	testwait.For(t, "more sweeps", func() bool { return sweeps(m) > before+10 })
	if n := f.notifications(); len(n) != 1 || !strings.HasPrefix(n[0], "Daemon stopped — not metering: ") {
		t.Fatalf("notifications %q", n)
	}
	s.set(healthy)
	testwait.For(t, "the recovery", func() bool { return len(f.notifications()) == 2 })

	// Off: nothing more, and the choice is remembered.
	if err := m.Do(context.Background(), action.Notifications); err != nil {
		t.Fatal(err)
	}
	if got, _ := desktop.LoadSettings(settings); got.Notifications {
		t.Error("the setting was not saved")
	}
	if m.Menu().Item(action.Notifications).Checked {
		t.Error("the menu still shows notifications on")
	}
	s.set(bad{status.CompWatchdog: "stopped/warn"})
	before = sweeps(m)
	testwait.For(t, "sweeps past the grace", func() bool { return sweeps(m) > before+20 })
	if n := f.notifications(); len(n) != 2 {
		t.Errorf("notified with notifications off: %q", n)
	}
	m2 := New(Options{Sweep: s.sweep, SettingsPath: settings})
	if m2.Settings().Notifications {
		t.Error("a new monitor forgot the setting")
	}
}

// actionWorld is a statustest world whose launchctl records its arguments,
// lists the table in DIR/launchctl-table.txt, and answers bootstrap and
// kickstart with the exit status in DIR/bootstrap.exit and
// DIR/kickstart.exit when those exist.
func actionWorld(t *testing.T) (*statustest.World, status.Config, string) {
	w := statustest.New(t, "apps")
	log := filepath.Join(w.Dir, "launchctl.log")
	w.Tool("launchctl", `echo "$*" >> `+log+`
[ "$1" = list ] && [ -z "$2" ] && exec cat `+filepath.Join(w.Dir, "launchctl-table.txt")+`
if [ -f `+w.Dir+`/"$1".exit ]; then echo "$1 failed: $(cat `+w.Dir+`/"$1".exit): Input/output error" >&2; exit "$(cat `+w.Dir+`/"$1".exit)"; fi
exit 0`)
	return w, status.ConfigFromEnviron(w.Env()), log
}

func readLog(t *testing.T, path string) []string {
	b, _ := os.ReadFile(path)
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if l != "" && l != "list" {
			out = append(out, l)
		}
	}
	return out
}

func actionDeps(cfg status.Config, f *fakes) Deps {
	lc := status.Launchctl{Path: cfg.Launchctl}
	return Deps{Cfg: cfg, Launchctl: lc, UID: 501, Opener: f,
		Login: desktop.LoginItem{Cfg: cfg, Launchctl: lc, UID: 501, Executable: "/Applications/Halton Meter Bar.app/Contents/MacOS/halton-meter-bar"}}
}

func TestActions(t *testing.T) {
	w, cfg, log := actionWorld(t)
	f := &fakes{}
	m := New(Options{Sweep: func(ctx context.Context) status.Report { return status.Check(ctx, cfg) }, Deps: actionDeps(cfg, f), Notifier: f, NewWindow: f.window})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go m.deliverNotifications(ctx)
	var lastFull time.Time
	m.sweep(ctx, false, &lastFull)
	r, _ := m.Report()
	if r.Overall != status.OverallHealthy {
		t.Fatalf("world is %s: %s", r.Overall, r.Headline)
	}

	for _, id := range []action.ID{action.OpenDashboard, action.RunDoctor, action.CopyJSON, action.OpenLogs, action.Install, action.OpenDetails} {
		if err := m.Do(ctx, id); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	if len(f.urls) != 2 || f.urls[0] != "http://127.0.0.1:"+strconv.Itoa(w.API)+"/" || f.urls[1] != status.InstallDocsURL {
		t.Errorf("urls %q", f.urls)
	}
	if len(f.terminal) != 1 || strings.Join(f.terminal[0], " ") != "/opt/halton/bin/halton-meter doctor" {
		t.Errorf("terminal %q", f.terminal)
	}
	if len(f.copied) != 1 || !strings.Contains(f.copied[0], `"overall": "healthy"`) {
		t.Errorf("copied %q", f.copied)
	}
	if len(f.paths) != 1 || f.paths[0] != w.MeterHome || len(f.details) != 1 {
		t.Errorf("paths %q details %q", f.paths, f.details)
	}

	// Restart a running daemon: kickstart -k only.
	os.Remove(log)
	if err := m.Do(ctx, action.StartDaemon); err != nil {
		t.Fatal(err)
	}
	if got := readLog(t, log); strings.Join(got, "; ") != "kickstart -k gui/501/com.haltonlabs.meter" {
		t.Errorf("restart ran %q", got)
	}
	// Start after `halton-meter stop`: load both, then start both.
	stopped := "PID\tStatus\tLabel\n4001\t0\tcom.haltonlabs.meter.edge\n-\t0\tcom.haltonlabs.meter.userenv\n"
	os.WriteFile(filepath.Join(w.Dir, "launchctl-table.txt"), []byte(stopped), 0o644)
	m.sweep(ctx, false, &lastFull)
	os.Remove(log)
	if err := m.Do(ctx, action.StartDaemon); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"bootstrap gui/501 " + w.PlistPath(status.LabelDaemon),
		"bootstrap gui/501 " + w.PlistPath(status.LabelWatchdog),
		"kickstart -k gui/501/com.haltonlabs.meter",
		"kickstart gui/501/com.haltonlabs.meter.watchdog",
	}
	if got := readLog(t, log); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("start ran\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// bootstrap exits 5 (loaded meanwhile): not a failure; the start goes on.
	os.WriteFile(filepath.Join(w.Dir, "bootstrap.exit"), []byte("5"), 0o644)
	os.Remove(log)
	if err := m.Do(ctx, action.StartDaemon); err != nil {
		t.Errorf("start with bootstrap exiting 5: %v", err)
	}
	if got := readLog(t, log); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("start with bootstrap exiting 5 ran\n%s", strings.Join(got, "\n"))
	}
	// Any other bootstrap failure stops the start and says why.
	os.WriteFile(filepath.Join(w.Dir, "bootstrap.exit"), []byte("125"), 0o644)
	os.Remove(log)
	err := m.Do(ctx, action.StartDaemon)
	var le *status.LaunchctlError
	if !errors.As(err, &le) || le.ExitCode != 125 || le.Verb != "bootstrap" {
		t.Errorf("start with bootstrap exiting 125: %v", err)
	}
	if got := readLog(t, log); len(got) != 1 {
		t.Errorf("went on after a failed bootstrap: %q", got)
	}
	os.Remove(filepath.Join(w.Dir, "bootstrap.exit"))

	// kickstart fails: the error says so and is announced.
	os.WriteFile(filepath.Join(w.Dir, "kickstart.exit"), []byte("113"), 0o644)
	err = m.Do(ctx, action.StartDaemon)
	if !errors.Is(err, status.ErrNotLoaded) || !strings.Contains(err.Error(), "launchctl kickstart exited 113") {
		t.Errorf("start with kickstart failing: %v", err)
	}
	testwait.For(t, "the failure notification", func() bool {
		n := f.notifications()
		return len(n) > 0 && strings.HasPrefix(n[len(n)-1], "Couldn't start the daemon: launchctl kickstart exited 113")
	})
	os.Remove(filepath.Join(w.Dir, "kickstart.exit"))

	// A failing action says why in a notification and returns the error.
	f.openErr = errors.New("xdg-open: no browser")
	if err := m.Do(ctx, action.OpenDashboard); err == nil {
		t.Error("no error")
	}
	testwait.For(t, "the failure notification", func() bool {
		n := f.notifications()
		return len(n) > 0 && n[len(n)-1] == "Couldn't open the dashboard: xdg-open: no browser"
	})
}

func TestStartAtLogin(t *testing.T) {
	_, cfg, log := actionWorld(t)
	f := &fakes{}
	deps := actionDeps(cfg, f)
	m := New(Options{Sweep: func(ctx context.Context) status.Report { return status.Report{} }, Deps: deps, Notifier: f})
	ctx := context.Background()
	if deps.Login.Enabled() || m.Menu().Item(action.StartAtLogin).Checked {
		t.Fatal("enabled from the start")
	}
	if err := m.Do(ctx, action.StartAtLogin); err != nil {
		t.Fatal(err)
	}
	if !deps.Login.Enabled() || !m.Menu().Item(action.StartAtLogin).Checked {
		t.Error("not enabled, or the menu not updated")
	}
	if err := m.Do(ctx, action.StartAtLogin); err != nil {
		t.Fatal(err)
	}
	if deps.Login.Enabled() || m.Menu().Item(action.StartAtLogin).Checked {
		t.Error("still enabled")
	}
	if got := strings.Join(readLog(t, log), "\n"); !strings.HasPrefix(got, "bootstrap gui/501 ") || !strings.HasSuffix(got, "bootout gui/501/com.haltonlabs.meter.bar") {
		t.Errorf("launchctl ran\n%s", got)
	}
	// Where there is no login item, the action says so.
	m2 := New(Options{Sweep: func(ctx context.Context) status.Report { return status.Report{} }, Notifier: f})
	if err := m2.Do(ctx, action.StartAtLogin); err == nil {
		t.Error("Start at Login with no login item")
	}
}

// TestLightSweeps: while all is healthy, timed sweeps reuse launchd's
// answer until a full one is due; a light sweep that sees a change is
// redone in full at once. The counts do not depend on the machine's speed.
func TestLightSweeps(t *testing.T) {
	w, cfg, log := actionWorld(t)
	sw := &status.Sweeper{Cfg: cfg}
	m := New(Options{
		Sweep: sw.Full, Light: sw.Light,
		HealthyInterval: time.Millisecond, UnhealthyInterval: time.Millisecond,
		FullEvery: time.Hour,
	})
	t.Cleanup(sw.Wait) // after the monitor stops: no launchctl outlives the test
	run(t, m)
	testwait.For(t, "many sweeps", func() bool { return sweeps(m) >= 40 })
	r, _ := m.Report()
	if r.Overall != status.OverallHealthy {
		t.Fatalf("world is %s", r.Overall)
	}
	// Within the hour only the first sweep asked launchd.
	if full, calls := fulls(m), strings.Count(readFile(log), "list"); full != 1 || calls != 1 {
		t.Errorf("%d sweeps, %d full, %d launchctl calls; want 1 full", sweeps(m), full, calls)
	}
	// The edge's port dies: the light sweep sees it and a full one follows.
	w.Ports(w.FreePort(), w.Internal, w.API)
	testwait.For(t, "the edge seen down", func() bool { r, _ := m.Report(); return r.Overall == status.OverallDown })
	if r, _ := m.Report(); r.Sweep.LaunchdCached || fulls(m) < 2 {
		t.Error("the change was not confirmed by a full sweep")
	}
}

// TestFullSweepsWhenDue: with a full sweep always due, every timed sweep
// asks launchd.
func TestFullSweepsWhenDue(t *testing.T) {
	_, cfg, log := actionWorld(t)
	sw := &status.Sweeper{Cfg: cfg}
	m := New(Options{Sweep: sw.Full, Light: sw.Light, HealthyInterval: time.Millisecond, FullEvery: time.Nanosecond})
	t.Cleanup(sw.Wait)
	run(t, m)
	testwait.For(t, "sweeps", func() bool { return sweeps(m) >= 10 })
	ctxDone := fulls(m)
	if ctxDone < 10 || strings.Count(readFile(log), "list") < 10 {
		t.Errorf("%d full sweeps of %d", ctxDone, sweeps(m))
	}
}

// TestDetailsWindow runs the monitor with a real child window (a stand-in
// script): it gets snapshots, and its requests are carried out.
func TestDetailsWindow(t *testing.T) {
	_, cfg, log := actionWorld(t)
	dir := t.TempDir()
	received := filepath.Join(dir, "received")
	window := filepath.Join(dir, "halton-meter-details")
	os.WriteFile(window, []byte(`#!/bin/sh
printf '{"request":"refresh"}\n{"request":"start-daemon"}\n'
exec cat > `+received+`
`), 0o755)
	f := &fakes{}
	sw := &status.Sweeper{Cfg: cfg}
	m := New(Options{Sweep: sw.Full, HealthyInterval: time.Hour, UnhealthyInterval: time.Hour, Deps: actionDeps(cfg, f), Notifier: f,
		NewWindow: func(snapshot func() wire.Message, request func(wire.Request)) Window {
			return child.New(child.Options{Path: window, Snapshot: snapshot, OnRequest: request})
		}})
	t.Cleanup(sw.Wait)
	run(t, m)
	testwait.For(t, "the first sweep", func() bool { return sweeps(m) == 1 })
	if m.Menu().Item(action.OpenDetails).Title != "Open Details…" {
		t.Errorf("menu says %q", m.Menu().Item(action.OpenDetails).Title)
	}
	if err := m.OpenRow("daemon"); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, "the refresh it asked for", func() bool { return sweeps(m) >= 2 })
	testwait.For(t, "the start it asked for", func() bool {
		return strings.Contains(strings.Join(readLog(t, log), "\n"), "kickstart -k gui/501/com.haltonlabs.meter")
	})
	testwait.For(t, "snapshots of the sweeps", func() bool {
		return strings.Count(readFile(received), `"type":"snapshot"`) >= 2
	})
}

// TestNoWindow: with no details binary, the menu says so and opening fails
// with a notification.
func TestNoWindow(t *testing.T) {
	s := &scripted{t: t}
	s.set(healthy)
	f := &fakes{}
	m := startMonitor(t, s, f, Options{HealthyInterval: time.Hour, UnhealthyInterval: time.Hour,
		NewWindow: func(snapshot func() wire.Message, request func(wire.Request)) Window {
			return child.New(child.Options{Path: filepath.Join(t.TempDir(), "missing"), Snapshot: snapshot, OnRequest: request})
		}})
	testwait.For(t, "the first sweep", func() bool { return sweeps(m) == 1 })
	if got := m.Menu().Item(action.OpenDetails).Title; got != "Open Details… (not installed)" {
		t.Errorf("menu says %q", got)
	}
	if err := m.OpenRow("edge"); err == nil {
		t.Error("opened a missing window")
	}
	testwait.For(t, "the notification", func() bool {
		n := f.notifications()
		return len(n) == 1 && strings.HasPrefix(n[0], "Couldn't open the details window")
	})
}

func readFile(p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}

// fakeWatcher delivers the events a test sends and remembers the PIDs.
type fakeWatcher struct {
	events chan struct{}
	mu     sync.Mutex
	pids   []int
}

func (f *fakeWatcher) Events() <-chan struct{} { return f.events }

func (f *fakeWatcher) WatchPIDs(pids []int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pids = pids
}

func (f *fakeWatcher) watched() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pids
}

// blockingLaunchctl makes the world's launchctl wait for a file before it
// answers kickstart, so a test can click while an action runs.
func blockingLaunchctl(t *testing.T, w *statustest.World, log, gate string) {
	w.Tool("launchctl", `echo "$*" >> `+log+`
[ "$1" = list ] && [ -z "$2" ] && exec cat `+filepath.Join(w.Dir, "launchctl-table.txt")+`
if [ "$1" = kickstart ]; then while [ ! -f `+gate+` ]; do sleep 0.01; done; fi
exit 0`)
}

func TestOneActionOfAKindAtATime(t *testing.T) {
	w, cfg, log := actionWorld(t)
	gate := filepath.Join(w.Dir, "gate")
	blockingLaunchctl(t, w, log, gate)
	f := &fakes{}
	m := New(Options{Sweep: func(ctx context.Context) status.Report { return status.Check(ctx, cfg) }, Deps: actionDeps(cfg, f), Notifier: f})
	run(t, m)
	testwait.For(t, "the first sweep", func() bool { _, ok := m.Report(); return ok })
	first := make(chan error, 1)
	go func() { first <- m.Do(context.Background(), action.StartDaemon) }()
	testwait.For(t, "the menu to say so", func() bool {
		it := m.Menu().Item(action.StartDaemon)
		return it.Title == "Starting Daemon…" && !it.Enabled
	})
	if msg := m.Snapshot(); len(msg.Busy) != 1 || msg.Busy[0] != action.StartDaemon {
		t.Errorf("the window is not told: %v", msg.Busy)
	}
	// A second click, from the menu or the window, does nothing and says so.
	if err := m.Do(context.Background(), action.StartDaemon); !errors.Is(err, ErrInProgress) {
		t.Errorf("second start: %v", err)
	}
	testwait.For(t, "the notice", func() bool {
		n := f.notifications()
		return len(n) == 1 && n[0] == "Still working on it: Start Daemon is already in progress."
	})
	// Another kind of action is not held up.
	if err := m.Do(context.Background(), action.OpenLogs); err != nil {
		t.Error(err)
	}
	os.WriteFile(gate, nil, 0o644)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(readFile(log), "kickstart"); n != 1 {
		t.Errorf("%d kickstarts", n)
	}
	if it := m.Menu().Item(action.StartDaemon); it.Title != "Restart Daemon" || !it.Enabled {
		t.Errorf("after the start: %+v", it)
	}
}

func TestStartEdge(t *testing.T) {
	w, cfg, log := actionWorld(t)
	f := &fakes{}
	m := New(Options{Sweep: func(ctx context.Context) status.Report { return status.Check(ctx, cfg) }, Deps: actionDeps(cfg, f), Notifier: f})
	ctx := context.Background()
	var lastFull time.Time
	// The edge booted out: red, and the fix leads the menu.
	os.WriteFile(filepath.Join(w.Dir, "launchctl-table.txt"), []byte("PID\tStatus\tLabel\n4002\t0\tcom.haltonlabs.meter\n4003\t0\tcom.haltonlabs.meter.watchdog\n-\t0\tcom.haltonlabs.meter.userenv\n"), 0o644)
	w.Ports(w.FreePort(), w.Internal, w.API)
	m.sweep(ctx, false, &lastFull)
	r, _ := m.Report()
	menu := m.Menu()
	if r.Overall != status.OverallDown || menu.Items[0].ID != action.StartEdge || !menu.Items[0].Visible || menu.Items[0].Title != "Start Edge" {
		t.Fatalf("overall %s, first item %+v", r.Overall, menu.Items[0])
	}
	os.Remove(log)
	if err := m.Do(ctx, action.StartEdge); err != nil {
		t.Fatal(err)
	}
	want := "bootstrap gui/501 " + w.PlistPath(status.LabelEdge) + "\nkickstart -k gui/501/com.haltonlabs.meter.edge"
	if got := strings.Join(readLog(t, log), "\n"); got != want {
		t.Errorf("ran\n%s\nwant\n%s", got, want)
	}
	// Healthy: not offered.
	w.LaunchctlTable(statustest.HealthyTable())
	w.Ports(w.Edge, w.Internal, w.API)
	m.sweep(ctx, false, &lastFull)
	if it := m.Menu().Item(action.StartEdge); it.Visible {
		t.Errorf("offered on a healthy install: %+v", it)
	}
}

func TestPauseNotifications(t *testing.T) {
	s := &scripted{t: t}
	s.set(healthy)
	f := &fakes{}
	settings := filepath.Join(t.TempDir(), "settings.json")
	opts := Options{HealthyInterval: 5 * time.Millisecond, UnhealthyInterval: 5 * time.Millisecond,
		Policy: PolicyConfig{Grace: 20 * time.Millisecond}, SettingsPath: settings}
	m := startMonitor(t, s, f, opts)
	testwait.For(t, "a sweep", func() bool { return sweeps(m) > 1 })
	if it := m.Menu().Item(action.Resume); it.Visible {
		t.Error("Resume shown with nothing paused")
	}
	before := time.Now()
	if err := m.Do(context.Background(), action.PauseHour); err != nil {
		t.Fatal(err)
	}
	saved, _ := desktop.LoadSettings(settings)
	if saved.PausedUntil.Sub(before) < time.Hour-time.Second || saved.PausedUntil.Sub(before) > time.Hour+time.Minute {
		t.Errorf("paused until %v", saved.PausedUntil)
	}
	menu := m.Menu()
	if it := menu.Item(action.PauseMenu); it.Title != "Notifications paused "+until(saved.PausedUntil, time.Now()) || !strings.HasPrefix(it.Title, "Notifications paused until ") {
		t.Errorf("pause menu %q", it.Title)
	}
	if it := menu.Item(action.Resume); !it.Visible || it.Parent != action.PauseMenu {
		t.Errorf("resume %+v", it)
	}
	// Nothing while paused.
	s.set(daemonStopped)
	before2 := sweeps(m)
	testwait.For(t, "sweeps past the grace", func() bool { return sweeps(m) > before2+20 })
	if n := f.notifications(); len(n) != 0 {
		t.Errorf("notified while paused: %q", n)
	}
	// A restart keeps the pause.
	m2 := New(Options{Sweep: s.sweep, SettingsPath: settings})
	if got := m2.policy.PausedUntil(time.Now()); !got.Equal(saved.PausedUntil) {
		t.Errorf("a new monitor paused until %v", got)
	}
	// Resume: what still stands is announced, once.
	if err := m.Do(context.Background(), action.Resume); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, "the resume notice", func() bool { return len(f.notifications()) == 1 })
	if n := f.notifications(); !strings.HasPrefix(n[0], "Notifications resumed: 1 problem still there: Daemon stopped — not metering") {
		t.Errorf("notifications %q", n)
	}
	if saved, _ := desktop.LoadSettings(settings); !saved.PausedUntil.IsZero() {
		t.Errorf("still saved as paused until %v", saved.PausedUntil)
	}
	if it := m.Menu().Item(action.PauseMenu); it.Title != "Pause Notifications" {
		t.Errorf("pause menu after resume %q", it.Title)
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

// hangingNotifier hangs on the titles it is told to, as a stuck
// notification service does, until its context ends.
type hangingNotifier struct {
	fakes
	hang string
}

func (h *hangingNotifier) Notify(ctx context.Context, title, body string) error {
	if title == h.hang {
		<-ctx.Done()
		return ctx.Err()
	}
	return h.fakes.Notify(ctx, title, body)
}

func TestHungNotifierDoesNotDelayTheNext(t *testing.T) {
	h := &hangingNotifier{hang: "first"}
	m := New(Options{Sweep: func(context.Context) status.Report { return report(healthy) }, Notifier: h, NotifyTimeout: 200 * time.Millisecond})
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
	m2 := New(Options{Sweep: func(context.Context) status.Report { return report(healthy) }})
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
	f := &fakes{}
	m := New(Options{Sweep: func(ctx context.Context) status.Report { return status.Check(ctx, cfg) },
		Policy: PolicyConfig{Grace: time.Millisecond}, Notifier: f, Deps: Deps{Opener: f}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go m.deliverNotifications(ctx)
	var lastFull time.Time
	m.sweep(ctx, false, &lastFull)
	time.Sleep(2 * time.Millisecond)
	m.sweep(ctx, false, &lastFull) // past the grace: notified
	testwait.For(t, "a notification", func() bool { return len(f.notifications()) > 0 })
	if err := m.Do(ctx, action.CopyJSON); err != nil {
		t.Fatal(err)
	}
	menu := m.Menu()
	var shown []string
	shown = append(shown, menu.Headline, menu.Tooltip)
	for _, r := range menu.Rows {
		shown = append(shown, r.Title, r.Tooltip)
	}
	shown = append(shown, f.notifications()...)
	snap := m.Snapshot()
	shown = append(shown, model.Diagnostics(snap, time.Now(), "test"))
	for _, row := range model.Build(snap, time.Now(), time.Hour).Rows {
		shown = append(shown, row.Detail, row.NextStep)
	}
	shown = append(shown, f.copied...)
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
// today's spend passes it. Refresh Now drops the kept spend figures.
func TestBudget(t *testing.T) {
	s := &scripted{t: t}
	r := report(healthy)
	r.Metering = status.Metering{State: status.MeteringLive, Today: &status.Today{Requests: 40, CostUSD: 300000}}
	s.reports = []status.Report{r}
	f := &fakes{}
	settings := filepath.Join(t.TempDir(), "settings.json")
	var invalidated atomic.Int32
	m := startMonitor(t, s, f, Options{HealthyInterval: 5 * time.Millisecond, UnhealthyInterval: 5 * time.Millisecond,
		SettingsPath: settings, Invalidate: func() { invalidated.Add(1) }})
	testwait.For(t, "a sweep", func() bool { return sweeps(m) > 1 })

	m.Request(wire.Request{Request: action.SetBudget, Value: "a lot"})
	testwait.For(t, "the refusal", func() bool { return len(f.notifications()) == 1 })
	if n := f.notifications(); !strings.HasPrefix(n[0], "Couldn't set the budget") {
		t.Errorf("notifications %q", n)
	}
	if saved, _ := desktop.LoadSettings(settings); saved.DailyBudget != 0 {
		t.Errorf("a refused budget was saved: %v", saved.DailyBudget)
	}

	m.Request(wire.Request{Request: action.SetBudget, Value: "$2.50"})
	if saved, _ := desktop.LoadSettings(settings); saved.DailyBudget != 250000 {
		t.Errorf("saved budget %v", saved.DailyBudget)
	}
	if got := m.Snapshot().Budget; got != 250000 {
		t.Errorf("the window is told %v", got)
	}
	testwait.For(t, "the budget notice", func() bool { return len(f.notifications()) == 2 })
	before := sweeps(m)
	testwait.For(t, "more sweeps", func() bool { return sweeps(m) > before+10 })
	if n := f.notifications(); len(n) != 2 || !strings.HasPrefix(n[1], "Today's LLM spend passed your $2.50 budget: $3.00 so far today, 40 requests.") {
		t.Errorf("notifications %q", n)
	}
	if m2 := New(Options{Sweep: s.sweep, SettingsPath: settings}); m2.Snapshot().Budget != 250000 {
		t.Errorf("a new monitor's budget %v", m2.Snapshot().Budget)
	}

	if err := m.Do(context.Background(), action.Refresh); err != nil {
		t.Fatal(err)
	}
	if invalidated.Load() != 1 {
		t.Errorf("Refresh invalidated %d times", invalidated.Load())
	}
}

// toggleLogin is a Start at Login that flips a flag.
type toggleLogin struct{ on atomic.Bool }

func (l *toggleLogin) Enabled() bool                     { return l.on.Load() }
func (l *toggleLogin) Enable(ctx context.Context) error  { l.on.Store(true); return nil }
func (l *toggleLogin) Disable(ctx context.Context) error { l.on.Store(false); return nil }

// TestMenuPublishedInOrder: sweeps and actions that republish at once
// never leave the tray an older menu than the monitor's last: once
// everything settles, the menu taken last says what is true (no action
// shown as still running, Start at Login as it is).
func TestMenuPublishedInOrder(t *testing.T) {
	for round := range 20 {
		s := &scripted{t: t}
		s.set(healthy)
		f := &fakes{}
		login := &toggleLogin{}
		m := startMonitor(t, s, f, Options{HealthyInterval: time.Millisecond, UnhealthyInterval: time.Millisecond,
			Deps: Deps{Login: login}})
		var latest atomic.Value
		stop := make(chan struct{})
		taken := make(chan struct{})
		go func() {
			defer close(taken)
			for {
				select {
				case menu := <-m.Updates():
					latest.Store(menu)
				case <-stop:
					return
				}
			}
		}()
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 20 {
					m.Do(context.Background(), action.StartAtLogin)
				}
			}()
		}
		wg.Wait()
		// Settled: whatever is published from here on is the truth too.
		time.Sleep(20 * time.Millisecond)
		close(stop)
		<-taken
		select {
		case menu := <-m.Updates():
			latest.Store(menu)
		default:
		}
		menu, _ := latest.Load().(Menu)
		it := menu.Item(action.StartAtLogin)
		if it.Title != "Start at Login" || !it.Enabled || it.Checked != login.Enabled() {
			t.Fatalf("round %d: the last menu shows %+v; Start at Login is %v", round, it, login.Enabled())
		}
	}
}

// TestLightSweepsIgnoreTraffic: requests metered between sweeps change the
// metering row, not launchd: timed sweeps stay light.
func TestLightSweepsIgnoreTraffic(t *testing.T) {
	w, cfg, log := actionWorld(t)
	var requests atomic.Int64
	api := w.Serve(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/health":
			fmt.Fprint(rw, `{"status":"ok","version":"0.6.3"}`)
		case "/v1/daemon/status":
			n := requests.Add(1) // one more request metered at each look
			fmt.Fprintf(rw, `{"last_seen_at":%q,"request_count_last_hour":%d}`, time.Now().UTC().Add(-time.Duration(n)*time.Second).Format(time.RFC3339), n)
		default:
			http.NotFound(rw, r)
		}
	}))
	w.Ports(w.Edge, w.Internal, api)
	sw := &status.Sweeper{Cfg: cfg}
	m := New(Options{Sweep: sw.Full, Light: sw.Light, HealthyInterval: time.Millisecond, UnhealthyInterval: time.Millisecond, FullEvery: time.Hour})
	t.Cleanup(sw.Wait)
	run(t, m)
	testwait.For(t, "many sweeps", func() bool { return sweeps(m) >= 40 })
	r, _ := m.Report()
	if row, _ := r.Row(status.CompMetering); r.Overall != status.OverallHealthy || row.State != status.MeteringLive {
		t.Fatalf("world is %s, metering %+v", r.Overall, row)
	}
	if full, calls := fulls(m), strings.Count(readFile(log), "list"); full != 1 || calls != 1 {
		t.Errorf("%d sweeps, %d full, %d launchctl calls; want 1 full", sweeps(m), full, calls)
	}
}

// TestOnReport: every sweep's report goes to OnReport as the engine made it
// (JSON escapes what it must), while the menu shows it printable.
func TestOnReport(t *testing.T) {
	s := &scripted{t: t}
	r := report(healthy)
	r.Headline = "All \x1b[31mhealthy"
	s.reports = []status.Report{r}
	var mu sync.Mutex
	var got []status.Report
	m := startMonitor(t, s, &fakes{}, Options{HealthyInterval: 5 * time.Millisecond, UnhealthyInterval: 5 * time.Millisecond,
		OnReport: func(r status.Report) { mu.Lock(); got = append(got, r); mu.Unlock() }})
	testwait.For(t, "reports", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) >= 3 })
	mu.Lock()
	defer mu.Unlock()
	if got[0].Headline != "All \x1b[31mhealthy" {
		t.Errorf("OnReport got %q", got[0].Headline)
	}
	if menu := m.Menu(); strings.Contains(menu.Headline, "\x1b") {
		t.Errorf("the menu shows a control character: %q", menu.Headline)
	}
	if n := sweeps(m); n < len(got) {
		t.Errorf("%d reports for %d sweeps", len(got), n)
	}
}

// TestSettingsSavedInOrder: two clicks at once (Notifications and a
// pause) never leave an older copy of the settings on disk than the one
// the app goes by.
func TestSettingsSavedInOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "settings.json")
	f := &fakes{}
	m := New(Options{Sweep: func(context.Context) status.Report { return report(healthy) }, SettingsPath: path,
		Notifier: f, Deps: Deps{Opener: f}})
	for i := range 40 {
		pause := action.PauseHour
		if i%2 == 1 {
			pause = action.Resume
		}
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); m.Do(context.Background(), action.Notifications) }()
		go func() { defer wg.Done(); m.Do(context.Background(), pause) }()
		wg.Wait()
		disk, err := desktop.LoadSettings(path)
		mem := m.Settings()
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
[ "$1" = list ] && [ -z "$2" ] && { printf 'PID\tStatus\tLabel\n-\t-9\tcom.haltonlabs.meter\n4003\t0\tcom.haltonlabs.meter.watchdog\n4001\t0\tcom.haltonlabs.meter.edge\n-\t0\tcom.haltonlabs.meter.userenv\n'; exit 0; }
exit 0`)
	cfg := status.ConfigFromEnviron(w.Env())
	f := &fakes{}
	var logged syncLog
	deps := actionDeps(cfg, f)
	deps.Launchctl.Timeout = time.Hour // only quitting can end it
	m := New(Options{Sweep: func(ctx context.Context) status.Report { return status.Check(ctx, cfg) }, Deps: deps,
		Notifier: f, NewWindow: f.window, HealthyInterval: time.Hour, UnhealthyInterval: time.Hour, Log: log.New(&logged, "", 0)})
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan struct{})
	go func() { m.Run(ctx); close(runDone) }()
	testwait.For(t, "the first sweep", func() bool { _, ok := m.Report(); return ok })
	asked := make(chan struct{})
	go func() { m.Request(wire.Request{Request: action.StartDaemon}); close(asked) }()
	testwait.For(t, "launchctl kickstart to start", func() bool { _, err := os.Stat(started); return err == nil })
	cancel()
	<-runDone
	select {
	case <-asked:
	case <-time.After(testwait.Bound):
		t.Fatal("the window's request outlived the app")
	}
	if n := f.notifications(); len(n) != 0 || len(m.notes) != 0 {
		t.Errorf("quitting was announced: %q, %d queued", n, len(m.notes))
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
