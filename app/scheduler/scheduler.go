// Package scheduler decides when the engine sweeps, for whatever watches
// an install over time: the tray (its monitor subscribes), --watch, and the
// details window started on its own. It only says when; what a report
// means is the subscribers'.
//
// A sweep at start, then every UnhealthyInterval while anything is not
// healthy and every HealthyInterval while all is; a sweep at once on
// Refresh, on an event (a watched process exits, a state file changes) and
// after a wake from sleep (the wall clock jumping ahead of the monotonic
// one). Sweeps run one at a time on Run's goroutine, which hands each
// report to every subscriber in turn; triggers that come during a sweep
// fold into one more sweep.
//
// With Light set, a timed sweep while all is healthy reuses launchd's last
// answer (status.Sweeper.Light), and launchctl runs only every FullEvery: a
// light sweep that finds anything but the metering row changed is redone in
// full at once. Triggered sweeps are always full.
package scheduler

import (
	"context"
	"io"
	"log"
	"sync"
	"sync/atomic"
	"time"

	"github.com/haltonlabs/halton-meter-bar/internal/clock"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// Watcher turns changes in the install into sweep triggers, so a crash is
// seen at once rather than at the next poll (app/monitor/watch).
type Watcher interface {
	// Events delivers one trigger per burst of changes.
	Events() <-chan struct{}
	// WatchPIDs sets the processes whose exit is a change.
	WatchPIDs(pids []int)
}

// Options configure a Scheduler.
type Options struct {
	// Full makes one full Report.
	Full func(ctx context.Context) status.Report
	// Light, if set, makes a Report without asking launchd; false when it
	// cannot.
	Light func(ctx context.Context) (status.Report, bool)
	// Invalidate, if set, drops what the sweeps keep between them (the
	// spend figures): RefreshNow means every figure afresh.
	Invalidate func()
	// FullEvery is how often a full sweep runs while light ones would do.
	FullEvery time.Duration
	// HealthyInterval and UnhealthyInterval space the timed sweeps.
	HealthyInterval   time.Duration
	UnhealthyInterval time.Duration
	// Watcher, if set, triggers a sweep at once on a change.
	Watcher Watcher
	// WakeCheck is how often the clocks are compared for a wake, and
	// WakeThreshold how far they must have drifted apart.
	WakeCheck     time.Duration
	WakeThreshold time.Duration
	Clock         clock.Clock
	// Log says when the first sweep came, and wakes; nil says nothing.
	Log *log.Logger
}

// Defaults of the Options left zero.
const (
	DefaultHealthyInterval   = 15 * time.Second
	DefaultUnhealthyInterval = 5 * time.Second
	DefaultFullEvery         = time.Minute
	DefaultWakeCheck         = 5 * time.Second
	DefaultWakeThreshold     = 10 * time.Second
)

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.HealthyInterval, DefaultHealthyInterval)
	def(&o.UnhealthyInterval, DefaultUnhealthyInterval)
	def(&o.FullEvery, DefaultFullEvery)
	def(&o.WakeCheck, DefaultWakeCheck)
	def(&o.WakeThreshold, DefaultWakeThreshold)
	o.Clock = clock.Or(o.Clock)
	if o.Log == nil {
		o.Log = log.New(io.Discard, "", 0)
	}
	return o
}

// Scheduler runs the sweeps.
type Scheduler struct {
	opts    Options
	refresh chan struct{}
	sweeps  atomic.Int64
	fulls   atomic.Int64
	waits   atomic.Int64
	// lastFull is when the last full sweep began, on the monotonic clock
	// (nil before the first); only Run's goroutine touches it.
	lastFull *time.Duration

	mu       sync.Mutex
	reports  []func(status.Report)
	wakes    []func(at time.Time)
	last     *status.Report
	interval time.Duration
}

// New makes a Scheduler; Run starts it.
func New(opts Options) *Scheduler {
	opts = opts.withDefaults()
	return &Scheduler{opts: opts, refresh: make(chan struct{}, 1), interval: opts.UnhealthyInterval}
}

// Subscribe hands fn every report from now on, on Run's goroutine, after
// the subscribers before it.
func (s *Scheduler) Subscribe(fn func(status.Report)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reports = append(s.reports, fn)
}

// OnWake tells fn of a wake from sleep, before the sweep it triggers.
func (s *Scheduler) OnWake(fn func(at time.Time)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wakes = append(s.wakes, fn)
}

// Refresh asks for a sweep now; calls during a sweep fold into one.
func (s *Scheduler) Refresh() {
	select {
	case s.refresh <- struct{}{}:
	default:
	}
}

// RefreshNow is the user's Refresh Now: a sweep now, with every figure
// asked afresh.
func (s *Scheduler) RefreshNow() {
	if s.opts.Invalidate != nil {
		s.opts.Invalidate()
	}
	s.Refresh()
}

// Interval is the time to the next timed sweep after the last one.
func (s *Scheduler) Interval() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.interval
}

// Sweeps is how many sweeps were made so far.
func (s *Scheduler) Sweeps() int { return int(s.sweeps.Load()) }

// Waits is how many times Run has begun to wait for its next trigger: a
// test that moves a fake clock knows from it that each tick it gave was
// taken and its sweep delivered.
func (s *Scheduler) Waits() int { return int(s.waits.Load()) }

// Fulls is how many sweeps asked launchd.
func (s *Scheduler) Fulls() int { return int(s.fulls.Load()) }

// Run sweeps until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	clk := s.opts.Clock
	var wake WakeDetector
	wake.Threshold = s.opts.WakeThreshold
	wake.Check(clk.Now().Round(0), clk.Monotonic())
	wakeTick := clk.NewTicker(s.opts.WakeCheck)
	defer wakeTick.Stop()
	next := clk.NewTimer(0)
	defer next.Stop()
	var events <-chan struct{}
	if s.opts.Watcher != nil {
		events = s.opts.Watcher.Events()
	}
	for {
		timed := false
		s.waits.Add(1)
		select {
		case <-ctx.Done():
			return
		case <-next.C():
			timed = true
		case <-s.refresh:
		case <-events:
		case <-wakeTick.C():
			if !wake.Check(clk.Now().Round(0), clk.Monotonic()) {
				continue
			}
			s.woke()
		}
		interval := s.sweep(ctx, timed)
		if ctx.Err() != nil {
			return
		}
		// A trigger that came during the sweep stays queued: the sweep may
		// have read the world before the change that caused it.
		next.Stop()
		next.Reset(interval)
	}
}

// woke tells the subscribers of a wake, before the sweep it triggers.
func (s *Scheduler) woke() {
	s.opts.Log.Print("woke from sleep: sweeping now")
	at := s.opts.Clock.Now()
	s.mu.Lock()
	wakes := s.wakes
	s.mu.Unlock()
	for _, fn := range wakes {
		fn(at)
	}
}

// sweep runs one sweep, light when it may be, hands its report on, and
// returns the time to the next one.
func (s *Scheduler) sweep(ctx context.Context, timed bool) time.Duration {
	now := s.opts.Clock.Monotonic()
	if timed && s.opts.Light != nil && s.lastFull != nil && now-*s.lastFull < s.opts.FullEvery {
		if r, ok := s.light(ctx); ok {
			return s.deliver(r)
		}
	}
	r := s.opts.Full(ctx)
	s.fulls.Add(1)
	s.lastFull = &now
	return s.deliver(r)
}

// light is a light sweep, when all was healthy and it finds nothing but
// the metering row changed: the metering row moves with the traffic, not
// with launchd, and a new request is no reason to ask launchctl.
func (s *Scheduler) light(ctx context.Context) (status.Report, bool) {
	s.mu.Lock()
	last := s.last
	s.mu.Unlock()
	if last == nil || last.Overall != status.OverallHealthy {
		return status.Report{}, false
	}
	r, ok := s.opts.Light(ctx)
	if !ok || r.Fingerprint(status.CompMetering) != last.Fingerprint(status.CompMetering) {
		return status.Report{}, false
	}
	return r, true
}

// deliver hands r to the subscribers and the watcher, and returns the time
// to the next sweep.
func (s *Scheduler) deliver(r status.Report) time.Duration {
	if s.sweeps.Add(1) == 1 {
		s.opts.Log.Printf("first sweep: %s (%s)", r.Overall, r.Headline)
	}
	if r.CheckedAt.IsZero() {
		r.CheckedAt = s.opts.Clock.Now()
	}
	interval := s.opts.UnhealthyInterval
	if r.Overall == status.OverallHealthy {
		interval = s.opts.HealthyInterval
	}
	s.mu.Lock()
	s.last, s.interval = &r, interval
	reports := s.reports
	s.mu.Unlock()
	for _, fn := range reports {
		fn(r)
	}
	if s.opts.Watcher != nil {
		s.opts.Watcher.WatchPIDs(PIDs(r))
	}
	return interval
}

// PIDs are the processes of a report worth watching: the daemon's, the
// watchdog's and the edge's.
func PIDs(r status.Report) []int {
	var pids []int
	for _, j := range []status.Job{r.Daemon, r.Watchdog, r.Edge.Job} {
		if j.PID != nil {
			pids = append(pids, *j.PID)
		}
	}
	return pids
}
