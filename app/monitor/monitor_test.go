package monitor

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"howett.net/plist"

	"github.com/haltonlabs/halton-meter-bar/status"
	"github.com/haltonlabs/halton-meter-bar/status/statustest"
)

// fakes records what the actions did instead of doing it.
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
func (f *fakes) Notify(title, body string) error {
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

func (f *fakes) notifications() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.notes...)
}

// eventually waits, within a generous bound, for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
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
	if opts.Env.Opener == nil {
		opts.Env = Env{Opener: f, Clipboard: f, Details: f}
	}
	m := New(opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return m
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
	before := m.Sweeps()
	eventually(t, "more sweeps", func() bool { return m.Sweeps() > before+20 })
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
	eventually(t, "the first sweep", func() bool { return m.Sweeps() == 1 })
	// A burst of refreshes during a sweep folds into one more.
	for i := 0; i < 50; i++ {
		m.Refresh()
	}
	eventually(t, "the refresh sweep", func() bool { return m.Sweeps() >= 2 })
	time.Sleep(100 * time.Millisecond)
	if n := m.Sweeps(); n > 3 {
		t.Errorf("%d sweeps for a burst of 50 refreshes", n)
	}
}

func TestMonitorEventsTriggerSweeps(t *testing.T) {
	s := &scripted{t: t}
	s.set(healthy)
	fw := &fakeWatcher{events: make(chan struct{}, 1)}
	m := startMonitor(t, s, &fakes{}, Options{HealthyInterval: time.Hour, UnhealthyInterval: time.Hour, Watcher: fw})
	eventually(t, "the first sweep", func() bool { return m.Sweeps() == 1 })
	fw.events <- struct{}{}
	eventually(t, "a sweep on the event", func() bool { return m.Sweeps() == 2 })
}

func TestMonitorNotifies(t *testing.T) {
	s := &scripted{t: t}
	s.set(healthy)
	f := &fakes{}
	dir := t.TempDir()
	settings := filepath.Join(dir, "settings.json")
	m := startMonitor(t, s, f, Options{
		HealthyInterval: 5 * time.Millisecond, UnhealthyInterval: 5 * time.Millisecond,
		Policy:       PolicyConfig{Grace: 20 * time.Millisecond, QuietSweeps: 1, Cooldown: time.Hour},
		SettingsPath: settings,
	})
	eventually(t, "quiet sweeps", func() bool { return m.Sweeps() > 2 })
	s.set(daemonStopped)
	eventually(t, "a notification", func() bool { return len(f.notifications()) == 1 })
	before := m.Sweeps()
	eventually(t, "more sweeps", func() bool { return m.Sweeps() > before+10 })
	if n := f.notifications(); len(n) != 1 || !strings.HasPrefix(n[0], "Daemon stopped — not metering: ") {
		t.Fatalf("notifications %q", n)
	}
	s.set(healthy)
	eventually(t, "the recovery", func() bool { return len(f.notifications()) == 2 })

	// Off: nothing more, and the choice is remembered.
	if err := m.Do(context.Background(), ActNotifications); err != nil {
		t.Fatal(err)
	}
	if got, _ := LoadSettings(settings); got.Notifications {
		t.Error("the setting was not saved")
	}
	if m.Menu().Item(ActNotifications).Checked {
		t.Error("the menu still shows notifications on")
	}
	s.set(bad{status.CompWatchdog: "stopped/warn"})
	before = m.Sweeps()
	eventually(t, "sweeps past the grace", func() bool { return m.Sweeps() > before+20 })
	if n := f.notifications(); len(n) != 2 {
		t.Errorf("notified with notifications off: %q", n)
	}
	m2 := New(Options{Sweep: s.sweep, SettingsPath: settings})
	if m2.Settings().Notifications {
		t.Error("a new monitor forgot the setting")
	}
}

// actionWorld is a statustest world whose launchctl records its arguments,
// lists the table in DIR/launchctl-table.txt, and accepts the rest.
func actionWorld(t *testing.T) (*statustest.World, status.Config, string) {
	w := statustest.New(t, "apps")
	log := filepath.Join(w.Dir, "launchctl.log")
	w.Tool("launchctl", `echo "$*" >> `+log+`
[ "$1" = list ] && [ -z "$2" ] && exec cat `+filepath.Join(w.Dir, "launchctl-table.txt")+`
[ "$1" = bootout ] && [ "$FAIL_BOOTOUT" = 1 ] && { echo "Boot-out failed: 5: Input/output error" >&2; exit 5; }
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

func TestActions(t *testing.T) {
	w, cfg, log := actionWorld(t)
	f := &fakes{}
	env := Env{Cfg: cfg, Runner: &status.ExecRunner{}, UID: 501, Opener: f, Clipboard: f, Details: f,
		Login: LoginItem{Cfg: cfg, Runner: &status.ExecRunner{}, UID: 501, Executable: "/Applications/Halton Meter Bar.app/Contents/MacOS/halton-meter-bar"}}
	m := New(Options{Sweep: func(ctx context.Context) status.Report { return status.Check(ctx, cfg) }, Env: env, Notifier: f})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go m.deliverNotifications(ctx)
	var lastFull time.Time
	m.sweep(ctx, false, &lastFull)
	r, _ := m.Report()
	if r.Overall != status.OverallHealthy {
		t.Fatalf("world is %s: %s", r.Overall, r.Headline)
	}

	for _, id := range []ActionID{ActOpenDashboard, ActRunDoctor, ActCopyJSON, ActOpenLogs, ActInstall, ActOpenDetails} {
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
	if err := m.Do(ctx, ActStartDaemon); err != nil {
		t.Fatal(err)
	}
	if got := readLog(t, log); strings.Join(got, "; ") != "kickstart -k gui/501/com.haltonlabs.meter" {
		t.Errorf("restart ran %q", got)
	}
	// Start after `halton-meter stop`: load both, then start both.
	os.WriteFile(filepath.Join(w.Dir, "launchctl-table.txt"), []byte("PID\tStatus\tLabel\n4001\t0\tcom.haltonlabs.meter.edge\n-\t0\tcom.haltonlabs.meter.userenv\n"), 0o644)
	m.sweep(ctx, false, &lastFull)
	os.Remove(log)
	if err := m.Do(ctx, ActStartDaemon); err != nil {
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

	// A failing action says why in a notification and returns the error.
	f.openErr = errors.New("xdg-open: no browser")
	if err := m.Do(ctx, ActOpenDashboard); err == nil {
		t.Error("no error")
	}
	eventually(t, "the failure notification", func() bool {
		n := f.notifications()
		return len(n) > 0 && n[len(n)-1] == "Couldn't open the dashboard: xdg-open: no browser"
	})
}

func TestStartAtLogin(t *testing.T) {
	_, cfg, log := actionWorld(t)
	exe := "/Applications/Halton Meter Bar.app/Contents/MacOS/halton-meter-bar"
	l := LoginItem{Cfg: cfg, Runner: &status.ExecRunner{}, UID: 501, Executable: exe}
	f := &fakes{}
	m := New(Options{Sweep: func(ctx context.Context) status.Report { return status.Report{} }, Env: Env{Cfg: cfg, Login: l, Opener: f}, Notifier: f})
	ctx := context.Background()
	if l.Enabled() || m.buildLocked().Item(ActStartAtLogin).Checked {
		t.Fatal("enabled from the start")
	}
	if err := m.Do(ctx, ActStartAtLogin); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(l.Path())
	if err != nil {
		t.Fatal(err)
	}
	var agent map[string]any
	if _, err := plist.Unmarshal(b, &agent); err != nil {
		t.Fatal(err)
	}
	if agent["Label"] != LoginLabel || agent["RunAtLoad"] != true || agent["LimitLoadToSessionType"] != "Aqua" {
		t.Errorf("agent %v", agent)
	}
	if args, _ := agent["ProgramArguments"].([]any); len(args) != 1 || args[0] != exe {
		t.Errorf("ProgramArguments %v", agent["ProgramArguments"])
	}
	if _, present := agent["KeepAlive"]; present {
		t.Error("a login item must not be kept alive: the user may quit it")
	}
	if !m.Menu().Item(ActStartAtLogin).Checked {
		t.Error("menu not updated")
	}
	if err := m.Do(ctx, ActStartAtLogin); err != nil {
		t.Fatal(err)
	}
	if l.Enabled() {
		t.Error("still enabled")
	}
	want := "bootstrap gui/501 " + l.Path() + "\nbootout gui/501/" + LoginLabel
	if got := strings.Join(readLog(t, log), "\n"); got != want {
		t.Errorf("launchctl ran\n%s\nwant\n%s", got, want)
	}

	// Started by that very agent: unchecking must not boot this process out.
	os.Remove(log)
	l.Enable(ctx)
	t.Setenv("XPC_SERVICE_NAME", LoginLabel)
	if err := l.Disable(ctx); err != nil || l.Enabled() {
		t.Fatalf("disable: %v", err)
	}
	if got := strings.Join(readLog(t, log), "\n"); got != "bootstrap gui/501 "+l.Path() {
		t.Errorf("launchctl ran %q", got)
	}
}

func TestLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "bar.lock")
	l, err := AcquireLock(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = AcquireLock(path)
	var running ErrRunning
	if !errors.As(err, &running) || running.PID != os.Getpid() {
		t.Fatalf("second lock: %v", err)
	}
	if !strings.Contains(err.Error(), "already running (PID ") {
		t.Errorf("message %q", err)
	}
	l.Release()
	l2, err := AcquireLock(path)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	l2.Release()
}

func TestSettingsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "settings.json")
	if s, err := LoadSettings(path); err != nil || !s.Notifications {
		t.Errorf("missing file: %+v %v", s, err)
	}
	os.WriteFile(path, []byte("{garbage"), 0o644)
	if s, err := LoadSettings(path); err == nil || !s.Notifications {
		t.Errorf("garbage: %+v %v", s, err)
	}
	if err := (Settings{Notifications: false}).Save(path); err != nil {
		t.Fatal(err)
	}
	if s, err := LoadSettings(path); err != nil || s.Notifications {
		t.Errorf("saved: %+v %v", s, err)
	}
}

func TestShellQuote(t *testing.T) {
	got := shellQuote([]string{"/Users/j d/.local/bin/halton-meter", "doctor", "it's"})
	if got != `'/Users/j d/.local/bin/halton-meter' 'doctor' 'it'\''s'` {
		t.Errorf("%s", got)
	}
	if s := appleScriptString(`a "b" \c`); s != `"a \"b\" \\c"` {
		t.Errorf("%s", s)
	}
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
