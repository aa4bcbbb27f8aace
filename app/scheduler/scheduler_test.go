package scheduler

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/internal/clock"
	"github.com/haltonlabs/halton-meter-bar/internal/testwait"
	"github.com/haltonlabs/halton-meter-bar/status"
	"github.com/haltonlabs/halton-meter-bar/status/statustest"
)

// world is what the sweeps see: healthy or not, the metering row's
// figure, the edge's state.
type world struct {
	t        *testing.T
	mu       sync.Mutex
	overall  status.Overall
	meter    string       // the metering row's detail: moves with the traffic
	edge     status.State // the edge row's state: a light sweep can see it change
	inFlight atomic.Int32
	full     atomic.Int32
	light    atomic.Int32
}

func (w *world) report() status.Report {
	w.mu.Lock()
	defer w.mu.Unlock()
	r := status.Report{Overall: w.overall}
	for _, name := range status.ComponentOrder {
		c := status.Component{Name: name, State: status.StateHealthy, Level: status.LevelOK}
		switch name {
		case status.CompMetering:
			c.Detail = w.meter
		case status.CompEdge:
			c.State = w.edge
		}
		r.Components = append(r.Components, c)
	}
	return r
}

func (w *world) sweep() status.Report {
	if w.inFlight.Add(1) > 1 {
		w.t.Error("two sweeps at once")
	}
	defer w.inFlight.Add(-1)
	return w.report()
}

func (w *world) set(fn func(w *world)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fn(w)
}

// harness runs a Scheduler on a fake clock and takes its reports. The
// subscriber waits for the test to take each report: while it waits the
// loop is inside the sweep, so what the test sees then (the triggers
// queued) is what the loop will find after it.
type harness struct {
	t       *testing.T
	clk     *clock.Fake
	s       *Scheduler
	w       *world
	reports chan status.Report
	taken   chan struct{}
	wakes   atomic.Int32
}

const (
	healthyEvery   = 30 * time.Second
	unhealthyEvery = 5 * time.Second
	fullEvery      = time.Minute
)

func start(t *testing.T, opts Options, w *world) *harness {
	t.Helper()
	h := &harness{t: t, clk: clock.NewFake(t0), w: w, reports: make(chan status.Report), taken: make(chan struct{})}
	opts.Clock = h.clk
	ctx, cancel := context.WithCancel(context.Background())
	opts.HealthyInterval, opts.UnhealthyInterval, opts.FullEvery = healthyEvery, unhealthyEvery, fullEvery
	opts.Full = func(context.Context) status.Report { w.full.Add(1); return w.sweep() }
	h.s = New(opts)
	h.s.Subscribe(func(r status.Report) {
		select {
		case h.reports <- r:
			<-h.taken
		case <-ctx.Done():
		}
	})
	h.s.OnWake(func(time.Time) { h.wakes.Add(1) })
	done := make(chan struct{})
	go func() { h.s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

// next takes the next report.
func (h *harness) next() status.Report { return h.nextThen(func() {}) }

// nextThen takes the next report, and runs fn while the loop waits for it
// to be taken.
func (h *harness) nextThen(fn func()) status.Report {
	h.t.Helper()
	select {
	case r := <-h.reports:
		fn()
		h.taken <- struct{}{}
		return r
	case <-time.After(testwait.Bound):
		h.t.Fatal("no sweep")
	}
	return status.Report{}
}

// queued is how many triggers wait for the loop.
func (h *harness) queued(events chan struct{}) int { return len(h.s.refresh) + len(events) }

// idle waits, after a timed sweep, until the loop waits again: its wake
// ticker and its next sweep's timer armed. Moving the clock before that
// could fire nothing.
func (h *harness) idle() {
	h.t.Helper()
	testwait.For(h.t, "the loop to wait", func() bool { return h.clk.Armed() == 2 })
}

// none says no sweep came: the clock was moved past no timer.
func (h *harness) none(what string) {
	h.t.Helper()
	select {
	case <-h.reports:
		h.t.Errorf("%s: a sweep", what)
	default:
	}
	if h.clk.Armed() != 2 {
		h.t.Errorf("%s: the loop is not waiting (%d timers)", what, h.clk.Armed())
	}
}

func TestIntervalsByHealth(t *testing.T) {
	w := &world{t: t, overall: status.OverallHealthy}
	h := start(t, Options{}, w)
	if r := h.next(); r.Overall != status.OverallHealthy || !r.CheckedAt.Equal(t0) {
		t.Fatalf("first sweep %s at %s", r.Overall, r.CheckedAt)
	}
	h.idle()
	if h.s.Interval() != healthyEvery {
		t.Errorf("interval %s", h.s.Interval())
	}
	h.clk.Advance(healthyEvery - time.Millisecond)
	h.none("just before the healthy interval")
	w.set(func(w *world) { w.overall = status.OverallDegraded })
	h.clk.Advance(time.Millisecond)
	h.next()
	h.idle()
	if h.s.Interval() != unhealthyEvery {
		t.Errorf("interval %s while degraded", h.s.Interval())
	}
	h.clk.Advance(unhealthyEvery - time.Millisecond)
	h.none("just before the unhealthy interval")
	h.clk.Advance(time.Millisecond)
	h.next()
	if h.s.Sweeps() != 3 || w.full.Load() != 3 {
		t.Errorf("%d sweeps, %d full", h.s.Sweeps(), w.full.Load())
	}
}

// TestLightAndFull: while healthy, timed sweeps are light until a full
// one is due; a light sweep that sees more than the metering row change
// is redone in full at once; triggered sweeps are full.
func TestLightAndFull(t *testing.T) {
	w := &world{t: t, overall: status.OverallHealthy, edge: status.StateHealthy}
	h := start(t, Options{Light: func(context.Context) (status.Report, bool) {
		w.light.Add(1)
		r := w.report()
		r.Sweep.LaunchdCached = true
		return r, true
	}}, w)
	h.next() // full, at start
	for i := 1; i < int(fullEvery/healthyEvery); i++ {
		h.idle()
		w.set(func(w *world) { w.meter = "request " + time.Duration(i).String() }) // traffic moves the metering row only
		h.clk.Advance(healthyEvery)
		if r := h.next(); !r.Sweep.LaunchdCached {
			t.Errorf("timed sweep %d was full", i)
		}
	}
	h.idle()
	h.clk.Advance(healthyEvery) // a minute since the last full one
	if r := h.next(); r.Sweep.LaunchdCached {
		t.Error("a full sweep was due")
	}
	// The edge changes: the light sweep sees it, a full one confirms it.
	h.idle()
	w.set(func(w *world) { w.edge = status.StateStopped })
	lightBefore, fullBefore := w.light.Load(), w.full.Load()
	h.clk.Advance(healthyEvery)
	if r := h.next(); r.Sweep.LaunchdCached || w.light.Load() != lightBefore+1 || w.full.Load() != fullBefore+1 {
		t.Errorf("a change seen light: cached %v, %d light, %d full", r.Sweep.LaunchdCached, w.light.Load()-lightBefore, w.full.Load()-fullBefore)
	}
	// Refresh is full.
	h.idle()
	h.s.Refresh()
	if r := h.next(); r.Sweep.LaunchdCached {
		t.Error("a refresh was light")
	}
}

// TestTriggersFold: refreshes and events that come during a sweep fold
// into one more sweep each, and never make two at once.
func TestTriggersFold(t *testing.T) {
	w := &world{t: t, overall: status.OverallHealthy}
	events := &fakeWatcher{events: make(chan struct{}, 1)}
	h := start(t, Options{Watcher: events}, w)
	queued := 0
	h.nextThen(func() { // the first sweep, not yet over: a burst comes
		for range 50 {
			h.s.Refresh()
			select {
			case events.events <- struct{}{}:
			default:
			}
		}
		queued = h.queued(events.events)
	})
	if queued != 2 {
		t.Fatalf("%d triggers queued for a burst of 100; want one refresh and one event", queued)
	}
	for queued > 0 {
		h.nextThen(func() { queued = h.queued(events.events) })
	}
	if n := h.s.Sweeps(); n != 3 {
		t.Errorf("%d sweeps for a burst of 100 triggers", n)
	}
	if got := events.watched(); got != nil {
		t.Errorf("watching %v of reports with no PIDs", got)
	}
}

// TestEventTriggersASweep: a change the watcher sees sweeps at once.
func TestEventTriggersASweep(t *testing.T) {
	w := &world{t: t, overall: status.OverallHealthy}
	events := &fakeWatcher{events: make(chan struct{}, 1)}
	h := start(t, Options{Watcher: events}, w)
	h.next()
	h.idle()
	events.events <- struct{}{}
	h.next()
}

// TestRefreshNow drops the kept figures and sweeps.
func TestRefreshNow(t *testing.T) {
	w := &world{t: t, overall: status.OverallHealthy}
	var invalidated atomic.Int32
	h := start(t, Options{Invalidate: func() { invalidated.Add(1) }}, w)
	h.next()
	h.idle()
	h.s.RefreshNow()
	h.next()
	if invalidated.Load() != 1 {
		t.Errorf("invalidated %d times", invalidated.Load())
	}
}

// TestWake: a machine asleep for an hour is noticed at the next look at
// the clocks: the subscribers are told, and a sweep follows at once.
func TestWake(t *testing.T) {
	w := &world{t: t, overall: status.OverallHealthy}
	h := start(t, Options{WakeCheck: 5 * time.Second, WakeThreshold: 10 * time.Second}, w)
	h.next()
	h.idle()
	h.clk.Advance(5 * time.Second) // a look at the clocks: no wake
	h.idle()
	h.none("awake")
	h.clk.Sleep(time.Hour)
	h.clk.Advance(5 * time.Second)
	r := h.next()
	if h.wakes.Load() != 1 || !r.CheckedAt.After(t0.Add(time.Hour)) {
		t.Errorf("%d wakes, the sweep at %s", h.wakes.Load(), r.CheckedAt)
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

func (f *fakeWatcher) watched() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pids
}

func TestPIDs(t *testing.T) {
	d, e := 10, 30
	r := status.Report{Daemon: status.Job{PID: &d}, Edge: status.EdgeJob{Job: status.Job{PID: &e}}}
	if got := PIDs(r); len(got) != 2 || got[0] != 10 || got[1] != 30 {
		t.Errorf("PIDs %v", got)
	}
}

// TestLightSweepsOfTheEngine: against a real install (a fake launchctl
// that counts its calls) and the engine's Sweeper, timed sweeps while all
// is healthy ask launchd once a FullEvery, whatever the traffic moves; a
// port that dies is seen by a light sweep and confirmed by a full one.
func TestLightSweepsOfTheEngine(t *testing.T) {
	w := statustest.New(t, "apps")
	w.LaunchctlTable(statustest.HealthyTable())
	log := filepath.Join(w.Dir, "launchctl.log")
	w.Tool("launchctl", `echo "$*" >> `+log+`
[ "$1" = list ] && [ -z "$2" ] && exec cat `+filepath.Join(w.Dir, "launchctl-table.txt")+`
exit 0`)
	var looks atomic.Int64
	api := w.Serve(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/health":
			fmt.Fprint(rw, `{"status":"ok","version":"0.6.3"}`)
		case "/v1/daemon/status":
			n := looks.Add(1) // one more request metered at each look
			fmt.Fprintf(rw, `{"last_seen_at":%q,"request_count_last_hour":%d}`, time.Now().UTC().Add(-time.Duration(n)*time.Second).Format(time.RFC3339), n)
		default:
			http.NotFound(rw, r)
		}
	}))
	w.Ports(w.Edge, w.Internal, api)
	cfg := status.ConfigFromEnviron(w.Env())
	sw := &status.Sweeper{Cfg: cfg}
	t.Cleanup(sw.Wait)
	listings := func() int {
		b, _ := os.ReadFile(log)
		return strings.Count(string(b), "list")
	}
	reports := make(chan status.Report, 1)
	clk := clock.NewFake(t0)
	s := New(Options{Full: sw.Full, Light: sw.Light, HealthyInterval: healthyEvery, UnhealthyInterval: unhealthyEvery,
		FullEvery: time.Hour, Clock: clk})
	s.Subscribe(func(r status.Report) { reports <- r })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	take := func() status.Report {
		t.Helper()
		select {
		case r := <-reports:
			return r
		case <-time.After(testwait.Bound):
			t.Fatal("no sweep")
		}
		return status.Report{}
	}
	if r := take(); r.Overall != status.OverallHealthy {
		t.Fatalf("world is %s: %s", r.Overall, r.Headline)
	}
	for i := range 20 {
		testwait.For(t, "the loop to wait", func() bool { return clk.Armed() == 2 })
		clk.Advance(healthyEvery)
		if r := take(); !r.Sweep.LaunchdCached {
			t.Fatalf("timed sweep %d asked launchd (the metering row moved: %v)", i, r.Metering.RequestsLastHour)
		}
	}
	if n, full := listings(), s.Fulls(); n != 1 || full != 1 {
		t.Errorf("%d launchctl listings, %d full sweeps in 21; want 1", n, full)
	}
	// The edge's port dies: the light sweep sees it, a full one confirms.
	w.Ports(w.FreePort(), w.Internal, api)
	testwait.For(t, "the loop to wait", func() bool { return clk.Armed() == 2 })
	clk.Advance(healthyEvery)
	if r := take(); r.Overall != status.OverallDown || r.Sweep.LaunchdCached || s.Fulls() != 2 {
		t.Errorf("the edge's death: %s, cached %v, %d full", r.Overall, r.Sweep.LaunchdCached, s.Fulls())
	}
}

// TestWaits: Waits counts each time the loop begins to wait: once before
// the first sweep, once after each trigger it took (a sweep, or a wake
// tick that found no wake), so a test can tell that every tick it gave was
// taken.
func TestWaits(t *testing.T) {
	w := &world{t: t, overall: status.OverallHealthy}
	h := start(t, Options{}, w)
	h.next()
	h.idle()
	testwait.For(t, "the loop waiting after the first sweep", func() bool { return h.s.Waits() == 2 })
	h.clk.Advance(DefaultWakeCheck) // a wake tick, no wake: no sweep
	testwait.For(t, "the wake tick taken", func() bool { return h.s.Waits() == 3 })
	h.none("a wake tick without a wake")
	h.s.Refresh()
	h.next()
	testwait.For(t, "the loop waiting after a refresh", func() bool { return h.s.Waits() == 4 })
}
