package action

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/haltonlabs/halton-meter-bar/app/desktop"
	"github.com/haltonlabs/halton-meter-bar/internal/testwait"
	"github.com/haltonlabs/halton-meter-bar/status"
	"github.com/haltonlabs/halton-meter-bar/status/statustest"
)

// opener records what the actions open instead of opening it.
type opener struct {
	mu       sync.Mutex
	urls     []string
	paths    []string
	terminal [][]string
	copied   []string
	err      error
}

func (o *opener) OpenURL(u string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.urls = append(o.urls, u)
	return o.err
}

func (o *opener) OpenPath(p string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.paths = append(o.paths, p)
	return o.err
}

func (o *opener) RunInTerminal(argv []string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.terminal = append(o.terminal, argv)
	return o.err
}

func (o *opener) Copy(text string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.copied = append(o.copied, text)
	return nil
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

// launchctlRan is what the world's launchctl was asked, but its listings.
func launchctlRan(path string) string {
	b, _ := os.ReadFile(path)
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if l != "" && l != "list" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func runner(cfg status.Config, o *opener) *Runner {
	lc := status.Launchctl{Path: cfg.Launchctl}
	return &Runner{Deps: Deps{Cfg: cfg, Launchctl: lc, UID: 501, Opener: o,
		Login: desktop.LoginItem{Cfg: cfg, Launchctl: lc, UID: 501, Executable: "/Applications/Halton Meter Bar.app/Contents/MacOS/halton-meter-bar"}}}
}

func check(cfg status.Config) *status.Report {
	r := status.Check(context.Background(), cfg)
	return &r
}

func TestRunnerOpens(t *testing.T) {
	w, cfg, _ := actionWorld(t)
	o := &opener{}
	r := runner(cfg, o)
	rep := check(cfg)
	if rep.Overall != status.OverallHealthy {
		t.Fatalf("world is %s: %s", rep.Overall, rep.Headline)
	}
	for _, id := range []ID{OpenDashboard, RunDoctor, CopyJSON, OpenLogs, Install} {
		if err := r.Do(context.Background(), id, rep); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	if len(o.urls) != 2 || o.urls[0] != "http://127.0.0.1:"+strconv.Itoa(w.API)+"/" || o.urls[1] != status.InstallDocsURL {
		t.Errorf("urls %q", o.urls)
	}
	if len(o.terminal) != 1 || strings.Join(o.terminal[0], " ") != "/opt/halton/bin/halton-meter doctor" {
		t.Errorf("terminal %q", o.terminal)
	}
	if len(o.copied) != 1 || !strings.Contains(o.copied[0], `"overall": "healthy"`) {
		t.Errorf("copied %q", o.copied)
	}
	if len(o.paths) != 1 || o.paths[0] != w.MeterHome {
		t.Errorf("paths %q", o.paths)
	}
	// Before the first sweep, what needs a report says so.
	for _, id := range []ID{OpenDashboard, StartDaemon, StartEdge, CopyJSON} {
		if err := r.Do(context.Background(), id, nil); err == nil || err.Error() != "no status yet" {
			t.Errorf("%s with no report: %v", id, err)
		}
	}
	// The app's own actions are not the runner's.
	for _, id := range []ID{Refresh, Notifications, PauseHour, OpenDetails, Quit} {
		if err := r.Run(context.Background(), id, rep); !errors.Is(err, ErrNotRunnable) {
			t.Errorf("%s: %v", id, err)
		}
	}
}

func TestRunnerStartsTheDaemon(t *testing.T) {
	w, cfg, log := actionWorld(t)
	r := runner(cfg, &opener{})
	ctx := context.Background()
	// Restart a running daemon: kickstart -k only.
	if err := r.Do(ctx, StartDaemon, check(cfg)); err != nil {
		t.Fatal(err)
	}
	if got := launchctlRan(log); got != "kickstart -k gui/501/com.haltonlabs.meter" {
		t.Errorf("restart ran %q", got)
	}
	// Start after `halton-meter stop`: load both, then start both.
	stopped := "PID\tStatus\tLabel\n4001\t0\tcom.haltonlabs.meter.edge\n-\t0\tcom.haltonlabs.meter.userenv\n"
	os.WriteFile(filepath.Join(w.Dir, "launchctl-table.txt"), []byte(stopped), 0o644)
	rep := check(cfg)
	os.Remove(log)
	if err := r.Do(ctx, StartDaemon, rep); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"bootstrap gui/501 " + w.PlistPath(status.LabelDaemon),
		"bootstrap gui/501 " + w.PlistPath(status.LabelWatchdog),
		"kickstart -k gui/501/com.haltonlabs.meter",
		"kickstart gui/501/com.haltonlabs.meter.watchdog",
	}, "\n")
	if got := launchctlRan(log); got != want {
		t.Errorf("start ran\n%s\nwant\n%s", got, want)
	}
	// bootstrap exits 5 (loaded meanwhile): not a failure; the start goes on.
	os.WriteFile(filepath.Join(w.Dir, "bootstrap.exit"), []byte("5"), 0o644)
	os.Remove(log)
	if err := r.Do(ctx, StartDaemon, rep); err != nil {
		t.Errorf("start with bootstrap exiting 5: %v", err)
	}
	if got := launchctlRan(log); got != want {
		t.Errorf("start with bootstrap exiting 5 ran\n%s", got)
	}
	// Any other bootstrap failure stops the start and says why.
	os.WriteFile(filepath.Join(w.Dir, "bootstrap.exit"), []byte("125"), 0o644)
	os.Remove(log)
	err := r.Do(ctx, StartDaemon, rep)
	var le *status.LaunchctlError
	if !errors.As(err, &le) || le.ExitCode != 125 || le.Verb != "bootstrap" {
		t.Errorf("start with bootstrap exiting 125: %v", err)
	}
	if got := launchctlRan(log); strings.Count(got, "\n") != 0 {
		t.Errorf("went on after a failed bootstrap: %q", got)
	}
	os.Remove(filepath.Join(w.Dir, "bootstrap.exit"))
	// kickstart fails: the error says so.
	os.WriteFile(filepath.Join(w.Dir, "kickstart.exit"), []byte("113"), 0o644)
	if err := r.Do(ctx, StartDaemon, rep); !errors.Is(err, status.ErrNotLoaded) || !strings.Contains(err.Error(), "launchctl kickstart exited 113") {
		t.Errorf("start with kickstart failing: %v", err)
	}
}

func TestRunnerStartsTheEdge(t *testing.T) {
	w, cfg, log := actionWorld(t)
	os.WriteFile(filepath.Join(w.Dir, "launchctl-table.txt"), []byte("PID\tStatus\tLabel\n4002\t0\tcom.haltonlabs.meter\n4003\t0\tcom.haltonlabs.meter.watchdog\n-\t0\tcom.haltonlabs.meter.userenv\n"), 0o644)
	w.Ports(w.FreePort(), w.Internal, w.API)
	rep := check(cfg)
	if title, shown := StartEdgeTitle(rep); rep.Overall != status.OverallDown || !shown || title != "Start Edge" {
		t.Fatalf("overall %s, Start Edge %q shown %v", rep.Overall, title, shown)
	}
	os.Remove(log)
	if err := runner(cfg, &opener{}).Do(context.Background(), StartEdge, rep); err != nil {
		t.Fatal(err)
	}
	want := "bootstrap gui/501 " + w.PlistPath(status.LabelEdge) + "\nkickstart -k gui/501/com.haltonlabs.meter.edge"
	if got := launchctlRan(log); got != want {
		t.Errorf("ran\n%s\nwant\n%s", got, want)
	}
}

// approval is a login item registered and waiting for the user; Enable
// and Disable must not be called.
type approval struct{}

func (approval) State() desktop.LoginState     { return desktop.LoginNeedsApproval }
func (approval) Enable(context.Context) error  { panic("registered again") }
func (approval) Disable(context.Context) error { panic("unregistered") }

func TestRunnerStartAtLogin(t *testing.T) {
	_, cfg, log := actionWorld(t)
	r := runner(cfg, &opener{})
	ctx := context.Background()
	if err := r.Do(ctx, StartAtLogin, nil); err != nil || r.Deps.Login.State() != desktop.LoginOn {
		t.Fatalf("enable: %v", err)
	}
	if err := r.Do(ctx, StartAtLogin, nil); err != nil || r.Deps.Login.State() != desktop.LoginOff {
		t.Fatalf("disable: %v", err)
	}
	if got := launchctlRan(log); !strings.HasPrefix(got, "bootstrap gui/501 ") || !strings.HasSuffix(got, "bootout gui/501/com.haltonlabs.meter.bar") {
		t.Errorf("launchctl ran\n%s", got)
	}
	// Registered but not allowed: the click opens Login Items, where the
	// user allows it; nothing is registered again.
	o := &opener{}
	r.Deps.Opener = o
	r.Deps.Login = approval{}
	if err := r.Do(ctx, StartAtLogin, nil); err != nil || len(o.urls) != 1 || o.urls[0] != desktop.LoginItemsSettings {
		t.Errorf("needs approval: %v, opened %v", err, o.urls)
	}
	// Alerts off: the Notifications pane, on the app's page.
	r.Deps.BundleID = "com.haltonlabs.meter.bar"
	if err := r.Do(ctx, AlertSettings, nil); err != nil || len(o.urls) != 2 || o.urls[1] != "x-apple.systempreferences:com.apple.Notifications-Settings.extension?id=com.haltonlabs.meter.bar" {
		t.Errorf("alert settings: %v, opened %v", err, o.urls)
	}
	// Where there is no login item, the action says so.
	r.Deps.Login = nil
	if err := r.Do(ctx, StartAtLogin, nil); err == nil {
		t.Error("Start at Login with no login item")
	}
}

// TestRunnerOneOfAKind: an action asked for again while it runs is
// refused (one that repeats folds in); another kind is not held up; the
// change is told.
func TestRunnerOneOfAKind(t *testing.T) {
	w, cfg, log := actionWorld(t)
	gate := filepath.Join(w.Dir, "gate")
	w.Tool("launchctl", `echo "$*" >> `+log+`
[ "$1" = list ] && [ -z "$2" ] && exec cat `+filepath.Join(w.Dir, "launchctl-table.txt")+`
if [ "$1" = kickstart ]; then while [ ! -f `+gate+` ]; do sleep 0.01; done; fi
exit 0`)
	var changes sync.Map
	r := runner(cfg, &opener{})
	r.OnChange = func(id ID) { n, _ := changes.LoadOrStore(id, new(int)); *(n.(*int))++ }
	rep := check(cfg)
	first := make(chan error, 1)
	go func() { first <- r.Do(context.Background(), StartDaemon, rep) }()
	testwait.For(t, "the start to run", func() bool { ids := r.Running(); return len(ids) == 1 && ids[0] == StartDaemon })
	if err := r.Do(context.Background(), StartDaemon, rep); !errors.Is(err, ErrInProgress) {
		t.Errorf("second start: %v", err)
	}
	if err := r.Do(context.Background(), OpenLogs, rep); err != nil {
		t.Errorf("another kind held up: %v", err)
	}
	if !r.Claim(Refresh) || !r.Claim(Refresh) {
		t.Error("a repeating action refused")
	}
	os.WriteFile(gate, nil, 0o644)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(launchctlRan(log), "kickstart"); n != 1 {
		t.Errorf("%d kickstarts", n)
	}
	if len(r.Running()) != 0 {
		t.Errorf("still running %v", r.Running())
	}
	if n, _ := changes.Load(StartDaemon); n == nil || *(n.(*int)) != 2 {
		t.Error("the start's beginning and end were not both told")
	}
	if _, told := changes.Load(OpenLogs); told {
		t.Error("an action with no busy title was told")
	}
}
