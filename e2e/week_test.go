package e2e

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/alert"
	"github.com/haltonlabs/halton-meter-bar/app/cli"
	appdesktop "github.com/haltonlabs/halton-meter-bar/app/desktop"
	"github.com/haltonlabs/halton-meter-bar/app/desktop/notify"
	"github.com/haltonlabs/halton-meter-bar/app/monitor"
	"github.com/haltonlabs/halton-meter-bar/app/monitor/watch"
	"github.com/haltonlabs/halton-meter-bar/app/scheduler"
	"github.com/haltonlabs/halton-meter-bar/assets/draw"
	"github.com/haltonlabs/halton-meter-bar/internal/clock"
	"github.com/haltonlabs/halton-meter-bar/internal/testwait"
	"github.com/haltonlabs/halton-meter-bar/internal/week"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// mutation changes the app a week runs, to show that the weeks catch it.
type mutation struct {
	name       string
	week       string // the week that must catch it
	policy     func(p *monitor.PolicyConfig)
	noWithdraw bool // the alerts are never taken back
	noSettings bool // no settings file: the policy's reminder stands
}

// weekRun is one scenario played against the real simulator and the
// real parts of the tray (engine, watcher, scheduler, monitor with its
// policy, the D-Bus notifier and a notification server), the week's time
// a fake clock: the runner moves it from tick to tick, and after each it
// waits until the scheduler has taken every tick it was given and the
// monitor has delivered every notification, never for time.
type weekRun struct {
	t      *testing.T
	sc     *week.Scenario
	w      *world
	d      *desktop
	clk    *clock.Fake
	monday time.Time
	dir    string // the app's own folder: settings.json
	mut    mutation

	app                 *weekApp
	sleepFrom, sleepEnd time.Duration // while asleep: since when, and the wake
	log                 week.Log
	logs                syncBuffer // the app's log, shown on failure

	mu       sync.Mutex
	serverID map[string]uint32 // the server's id of each alert's last post

	heapStart, heapEnd uint64
	goroutines         int
}

// weekApp is the tray's parts while the app runs.
type weekApp struct {
	cancel     context.CancelFunc
	done       sync.WaitGroup
	sched      *scheduler.Scheduler
	mon        *monitor.Monitor
	sweeper    *status.Sweeper
	stopEvents func()
}

// weekFile reads a scenario of e2e/testdata/weeks.
func weekFile(t *testing.T, name string) *week.Scenario {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "weeks", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc, err := week.Parse(name, f)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// playWeek plays sc and returns what the app did, judged.
func playWeek(t *testing.T, sc *week.Scenario, mut mutation) (week.Result, *weekRun) {
	d := startDesktop(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", d.busAddr)
	r := &weekRun{t: t, sc: sc, d: d, w: up(t, sc.Mode), dir: t.TempDir(), mut: mut, serverID: make(map[string]uint32)}
	// The week begins on the Monday after now, so that no time the
	// simulated daemon gives (its own clock's) is ever ahead of the week's.
	now := time.Now().UTC()
	r.monday = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	for r.monday.Weekday() != time.Monday || !r.monday.After(now) {
		r.monday = r.monday.AddDate(0, 0, 1)
	}
	r.clk = clock.NewFake(r.monday)
	t.Cleanup(func() {
		r.quit()
		if t.Failed() {
			t.Logf("the app's log:\n%s", r.logs.String())
		}
	})
	for _, st := range sc.Steps {
		r.advanceTo(st.At)
		r.do(st)
		if st.Verb == "end" {
			break
		}
	}
	r.log.End = r.at()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	r.heapEnd, r.goroutines = ms.HeapAlloc, runtime.NumGoroutine()
	return week.Judge(sc, r.log), r
}

// at is the week's time now.
func (r *weekRun) at() time.Duration { return r.clk.Now().Sub(r.monday) }

// advanceTo moves the week to target: asleep, the wall clock alone to the
// wake; awake, both clocks, one tick at a time, settling after each.
func (r *weekRun) advanceTo(target time.Duration) {
	for r.at() < target {
		now := r.at()
		if r.sleepEnd > now {
			end := min(r.sleepEnd, target)
			r.clk.Sleep(end - now)
			if end == r.sleepEnd {
				r.log.Asleep = append(r.log.Asleep, week.Span{From: r.sleepFrom, To: r.sleepEnd})
				r.sleepEnd = 0
			}
			continue
		}
		step := target - now
		if r.app == nil {
			r.clk.Advance(step)
			continue
		}
		if d, ok := r.clk.NextIn(); ok && d < step {
			step = d
		}
		waits, fired := r.app.sched.Waits(), r.clk.Fired("sched")
		r.clk.Advance(step)
		// Each tick given is taken (and the scheduler waits again), or
		// drained by the sweep another caused: Fired forgets those.
		r.settle(func() int { return waits + r.clk.Fired("sched") - fired })
	}
}

// settle waits until the scheduler has begun to wait waits() times (each
// tick it was given taken, its sweep delivered) and the monitor has
// delivered what it queued, then notes what the menu says.
func (r *weekRun) settle(waits func() int) {
	a := r.app
	testwait.Spin(r.t, "the app idle at "+week.Clock(r.at()), func() bool { return a.sched.Waits() >= waits() && a.mon.Idle() })
	menu := a.mon.Menu()
	st := week.MenuState{At: r.at(), Healthy: menu.Icon == draw.Healthy}
	for _, row := range menu.Rows {
		if row.Visible && row.Level != status.LevelOK {
			st.Healthy = false
			st.Unhealthy = append(st.Unhealthy, string(row.Component))
		}
	}
	if n := len(r.log.Menu); n > 0 && r.log.Menu[n-1].Healthy == st.Healthy && slices.Equal(r.log.Menu[n-1].Unhealthy, st.Unhealthy) {
		return
	}
	r.log.Menu = append(r.log.Menu, st)
}

// do carries out one step.
func (r *weekRun) do(st week.Step) {
	t := r.t
	fail := func(err error) {
		if err != nil {
			t.Fatalf("%s:%d: %s: %v", r.sc.Name, st.Line, st.Verb, err)
		}
	}
	simOn := func(args ...string) {
		_, err := sim(t, append([]string{args[0], "--dir", r.w.dir}, args[1:]...)...)
		fail(err)
	}
	switch st.Verb {
	case "login":
		r.login()
	case "quit", "end":
		r.quit()
	case "sleep":
		d, _ := time.ParseDuration(st.Args[0])
		r.sleepFrom, r.sleepEnd = st.At, st.At+d
	case "fault", "init", "network":
		simOn(st.Verb, st.Args[0])
	case "heal", "upgrade":
		simOn(st.Verb)
	case "traffic":
		// Dated at the week's time, as the daemon's own clock would.
		simOn("traffic", "--requests", st.Args[0], "--at", r.clk.Now().Format(time.RFC3339Nano))
	case "stop", "start":
		fail(r.userCommand(st.Verb))
	case "press":
		fail(r.press(st.Args))
	default:
		t.Fatalf("%s:%d: no runner for %q", r.sc.Name, st.Line, st.Verb)
	}
	if r.app != nil && st.Verb != "sleep" && r.sleepEnd <= r.at() {
		// What the step changed may reach the app as an event: a sweep now.
		waits := r.app.sched.Waits() + 1
		r.app.sched.Refresh()
		r.settle(func() int { return waits })
	}
}

// userCommand is the user's own halton-meter stop or start, as it runs
// launchctl: the daemon and its watchdog booted out, or bootstrapped and
// the daemon kickstarted.
func (r *weekRun) userCommand(verb string) error {
	cfg := status.ConfigFromEnviron(r.w.env)
	uid := strconv.Itoa(os.Getuid())
	var runs [][]string
	for _, label := range []string{status.LabelDaemon, status.LabelWatchdog} {
		if verb == "stop" {
			runs = append(runs, []string{"bootout", "gui/" + uid + "/" + label})
		} else {
			runs = append(runs, []string{"bootstrap", "gui/" + uid, cfg.PlistPath(label)}, []string{"kickstart", "gui/" + uid + "/" + label})
		}
	}
	for _, args := range runs {
		if out, err := exec.Command(cfg.Launchctl, args...).CombinedOutput(); err != nil {
			return fmt.Errorf("launchctl %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	return nil
}

// press is the user's click on the menu: an action, and its value.
func (r *weekRun) press(args []string) error {
	if r.app == nil {
		return fmt.Errorf("the app is not running")
	}
	req := monitor.Request{ID: action.ID(args[0])}
	if len(args) == 2 {
		req.Value = args[1]
	}
	return r.app.mon.Act(context.Background(), req)
}

// login starts the app's parts as the tray's main does.
func (r *weekRun) login() {
	if r.app != nil {
		r.t.Fatal("login while the app runs")
	}
	logger := log.New(&r.logs, "", 0)
	cfg := status.ConfigFromEnviron(r.w.env)
	cfg.Now = r.clk.Now
	watcher, healthy, stopEvents := cli.Events(cfg, 0, watch.Options{Log: logger})
	a := &weekApp{sweeper: &status.Sweeper{Cfg: cfg}, stopEvents: stopEvents}
	a.sched = scheduler.New(scheduler.Options{
		Full: a.sweeper.Full, Light: a.sweeper.Light, Invalidate: a.sweeper.Invalidate,
		Watcher: watcher, HealthyInterval: healthy, Clock: r.clk.View("sched"), Log: logger,
	})
	policy := monitor.DefaultPolicy
	policy.Reminder = r.sc.Reminder
	if r.mut.policy != nil {
		r.mut.policy(&policy)
	}
	launchctl := status.Launchctl{Path: cfg.Launchctl}
	settings := filepath.Join(r.dir, "settings.json")
	if r.mut.noSettings {
		settings = "" // the policy's own reminder, below the settings' floor
	} else if _, err := os.Stat(settings); err != nil {
		// The reminder is the user's setting: the settings file says it.
		s := appdesktop.DefaultSettings
		s.Reminder.Duration = r.sc.Reminder
		if err := s.Save(settings); err != nil {
			r.t.Fatal(err)
		}
	}
	a.mon = monitor.New(monitor.Options{
		Sweeps: a.sched, Policy: policy, Center: &recorder{r: r, inner: notify.New("Halton Meter Bar", nil, logger)},
		SettingsPath: settings, Log: logger, Clock: r.clk.View("monitor"),
		Deps: action.Deps{Cfg: cfg, Launchctl: launchctl, UID: os.Getuid(), Opener: refused{},
			Login: appdesktop.LoginItem{Cfg: cfg, Launchctl: launchctl, UID: os.Getuid(), Executable: bin("halton-meter-bar")}},
	})
	a.sched.Subscribe(a.mon.Record)
	a.sched.OnWake(a.mon.Woke)
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	a.done.Add(2)
	go func() { defer a.done.Done(); a.mon.Run(ctx) }()
	go func() { defer a.done.Done(); a.sched.Run(ctx) }()
	r.app = a
	testwait.For(r.t, "the first sweep", func() bool { return a.sched.Sweeps() >= 1 && a.sched.Waits() >= 2 && a.mon.Idle() })
	r.settle(func() int { return 2 })
	if r.heapStart == 0 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		r.heapStart = ms.HeapAlloc
	}
}

// quit stops the app's parts, if they run.
func (r *weekRun) quit() {
	a := r.app
	if a == nil {
		return
	}
	r.app = nil
	a.cancel()
	a.done.Wait()
	a.stopEvents()
	a.sweeper.Wait()
}

// recorder is the alert center the monitor posts to: the real D-Bus
// notifier, each post and withdrawal noted at the week's time once the
// server has it (a withdrawal only once the server closed it).
type recorder struct {
	r     *weekRun
	inner alert.Center
}

func (c *recorder) Authorize(ctx context.Context) error { return c.inner.Authorize(ctx) }
func (c *recorder) Permission(ctx context.Context) (alert.Permission, error) {
	return c.inner.Permission(ctx)
}
func (c *recorder) SetCategories(ctx context.Context, cats []alert.Category) error {
	return c.inner.SetCategories(ctx, cats)
}
func (c *recorder) Handle(fn func(alert.Response)) { c.inner.Handle(fn) }

func (c *recorder) Post(ctx context.Context, a alert.Alert) error {
	if err := c.inner.Post(ctx, a); err != nil {
		return err
	}
	got := c.r.d.notes.Received()
	if len(got) == 0 || got[len(got)-1].Summary != a.Title {
		return fmt.Errorf("the server did not receive %q", a.Title)
	}
	c.r.mu.Lock()
	c.r.serverID[a.ID] = got[len(got)-1].ID
	c.r.log.Notes = append(c.r.log.Notes, week.Note{At: c.r.at(), ID: a.ID, Thread: a.Thread, Title: a.Title, Body: a.Body})
	c.r.mu.Unlock()
	return nil
}

func (c *recorder) Withdraw(ctx context.Context, ids []string) error {
	if c.r.mut.noWithdraw {
		return nil
	}
	if err := c.inner.Withdraw(ctx, ids); err != nil {
		return err
	}
	closed := c.r.d.notes.ClosedIDs()
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	for _, id := range ids {
		if sid, ok := c.r.serverID[id]; ok && slices.Contains(closed, sid) {
			c.r.log.Withdrawals = append(c.r.log.Withdrawals, week.Withdrawal{At: c.r.at(), ID: id})
		}
	}
	return nil
}

// refused is the opener of a week: nothing is opened.
type refused struct{}

func (refused) OpenURL(string) error         { return fmt.Errorf("no browser in a week's test") }
func (refused) OpenPath(string) error        { return fmt.Errorf("no file browser in a week's test") }
func (refused) RunInTerminal([]string) error { return fmt.Errorf("no terminal in a week's test") }
func (refused) Copy(string) error            { return nil }

// weeks are the full weeks of make soak.
var weeks = []string{"ordinary.txt", "bad.txt", "flapping.txt", "admin.txt", "loaded.txt"}

// mutations are the app broken on purpose: each must fail the week
// named (the first three fail the short week too: TestWeekCatchesMutations).
var mutations = []mutation{
	{name: "no grace after a wake or launch", week: "ordinary.txt", policy: func(p *monitor.PolicyConfig) { p.Settle = 0 }},
	{name: "reminders at every poll", week: "bad.txt", noSettings: true, policy: func(p *monitor.PolicyConfig) { p.Reminder = time.Nanosecond }},
	{name: "no withdrawal", week: "bad.txt", noWithdraw: true},
	{name: "no longer grace for a row that cannot be checked", week: "loaded.txt", policy: func(p *monitor.PolicyConfig) { p.UnknownGrace = 0 }},
	{name: "no longer grace for a row failing again", week: "flapping.txt", policy: func(p *monitor.PolicyConfig) { p.RepeatGrace = 0 }},
}

// TestWeekShort is a short week, a Monday, on every make test: the full
// weeks are make soak's (TestWeeks).
func TestWeekShort(t *testing.T) {
	sc := weekFile(t, "short.txt")
	res, r := playWeek(t, sc, mutation{})
	for _, f := range res.Failures {
		t.Error(f)
	}
	t.Log(weekRow("short.txt", res, nil))

	// The same week with wrong lines: each fails, naming its line.
	for _, wrong := range []struct {
		what string
		edit func(e *week.Expectation)
	}{
		{"the wrong component", func(e *week.Expectation) { e.Component = "watchdog" }},
		{"the wrong next step", func(e *week.Expectation) { e.Next = "halton-meter doctor" }},
		{"too soon", func(e *week.Expectation) { e.Within = time.Second }},
	} {
		bent := *sc
		bent.Steps = slices.Clone(sc.Steps)
		i := slices.IndexFunc(bent.Steps, func(st week.Step) bool { return st.Verb == "fault" && st.Args[0] == "daemon-crash" })
		bent.Steps[i].Expect = slices.Clone(bent.Steps[i].Expect)
		wrong.edit(&bent.Steps[i].Expect[0])
		line := fmt.Sprintf("short.txt:%d: ", bent.Steps[i].Expect[0].Line)
		got := week.Judge(&bent, r.log).Failures
		if !slices.ContainsFunc(got, func(f string) bool { return strings.HasPrefix(f, line) }) {
			t.Errorf("%s: the judgement does not name %s: %q", wrong.what, line, got)
		}
	}
}

// TestWeekCatchesMutations: the short week, against each mutation of the
// app, fails, and says why.
func TestWeekCatchesMutations(t *testing.T) {
	for _, m := range mutations[:3] {
		t.Run(m.name, func(t *testing.T) {
			res, _ := playWeek(t, weekFile(t, "short.txt"), m)
			if len(res.Failures) == 0 {
				t.Fatalf("the short week passes with %s", m.name)
			}
			t.Logf("caught: %s", res.Failures[0])
		})
	}
}

// TestWeeks plays every full week (make soak: HALTON_WEEKS=1), and with
// WEEKS_REPORT set writes their figures there.
func TestWeeks(t *testing.T) {
	if os.Getenv("HALTON_WEEKS") == "" {
		t.Skip("run by make soak")
	}
	var rows []string
	for _, name := range weeks {
		t.Run(name, func(t *testing.T) {
			started := time.Now()
			res, r := playWeek(t, weekFile(t, name), mutation{})
			for _, f := range res.Failures {
				t.Error(f)
			}
			rows = append(rows, weekRow(name, res, r)+fmt.Sprintf(" %s |", time.Since(started).Round(time.Second)))
		})
	}
	var caught []string
	for _, m := range mutations {
		res, _ := playWeekSub(t, m.week, m)
		if len(res.Failures) == 0 {
			t.Errorf("%s passes with %s", m.week, m.name)
			continue
		}
		caught = append(caught, fmt.Sprintf("| %s | %s | %d: %s |", m.name, strings.TrimSuffix(m.week, ".txt"), len(res.Failures),
			strings.ReplaceAll(res.Failures[0], "|", "/")))
	}
	if out := os.Getenv("WEEKS_REPORT"); out != "" {
		if err := writeReliability(out, rows, caught); err != nil {
			t.Error(err)
		}
	}
}

// playWeekSub plays a week in a subtest of its own, so that its world
// and desktop end with it.
func playWeekSub(t *testing.T, name string, m mutation) (res week.Result, r *weekRun) {
	t.Run(name+" with "+m.name, func(t *testing.T) { res, r = playWeek(t, weekFile(t, name), m) })
	return res, r
}

// weekRow is a week's line of the table in docs/reliability.md.
func weekRow(name string, res week.Result, r *weekRun) string {
	lat := "–"
	if len(res.Latency) > 0 {
		s := slices.Sorted(slices.Values(res.Latency))
		lat = fmt.Sprintf("%s / %s", s[len(s)/2], s[len(s)-1])
	}
	mem := "–"
	gor := "–"
	if r != nil {
		mem = fmt.Sprintf("%.1f → %.1f MB", float64(r.heapStart)/(1<<20), float64(r.heapEnd)/(1<<20))
		gor = strconv.Itoa(r.goroutines)
	}
	return fmt.Sprintf("| %s | %d | %d | %d | %d | %d / %d | %s | %s | %s |", strings.TrimSuffix(name, ".txt"),
		res.Expected, res.Sent, res.False, res.Missed, res.WithdrawDue, res.WithdrawDone, lat, mem, gor)
}

// writeReliability writes the figures into the marked part of path.
func writeReliability(path string, rows, caught []string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	const begin, end = "<!-- weeks: begin -->", "<!-- weeks: end -->"
	i, j := bytes.Index(b, []byte(begin)), bytes.Index(b, []byte(end))
	if i < 0 || j < i {
		return fmt.Errorf("%s has no %s … %s", path, begin, end)
	}
	var out strings.Builder
	out.WriteString(begin + "\n\n")
	fmt.Fprintf(&out, "Measured by `make soak` on %s (%s, %d CPUs).\n\n", time.Now().UTC().Format(time.DateOnly), runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU())
	out.WriteString("| week | alerts expected | sent | false | missed | withdrawals due / done | fault to alert, median / worst | heap, start → end | goroutines at the end | wall time |\n")
	out.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	out.WriteString(strings.Join(rows, "\n") + "\n\n")
	out.WriteString("| mutation | caught by | failures: the first |\n|---|---|---|\n")
	out.WriteString(strings.Join(caught, "\n") + "\n\n")
	return os.WriteFile(path, append(append(append([]byte{}, b[:i]...), out.String()...), b[j:]...), 0o644)
}
