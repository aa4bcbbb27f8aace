// Package monitor is the tray's brain, with no GUI: it runs the sweeps,
// keeps the last Report and an hour of history per row, decides the
// notifications, builds the menu model, and carries out the actions of the
// menu and of the details window. app/tray only draws the Menu it
// publishes and forwards clicks to Do.
//
// What it touches outside the process comes in as dependencies: the
// engine's sweeps, a Watcher of events (app/monitor/watch), the desktop's
// opener and login item (app/desktop), a Notifier, and the details window
// (app/details/child), which it builds from its own Snapshot and request
// functions.
//
// Polling: a sweep at start, then every UnhealthyInterval while anything
// is not healthy and every HealthyInterval while all is (the tray chooses
// them: 5 s, and 30 s when its Watcher covers process exits and file
// changes, else 15 s); a sweep at once on Refresh, on an event (a watched
// process exits, a state file changes), after a wake from sleep, and when
// a pause of the notifications ends. Sweeps run one at a time on the
// loop's goroutine; triggers that arrive during a sweep fold into one more
// sweep.
//
// With a Light sweep (status.Sweeper), a timed sweep while all is healthy
// reuses launchd's last answer, and launchctl runs only every FullEvery
// (60 s): a light sweep that finds anything changed is redone in full at
// once. Triggered sweeps are always full.
package monitor

import (
	"context"
	"log"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/desktop"
	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/app/present"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// Options configure a Monitor.
type Options struct {
	// Sweep makes one full Report.
	Sweep func(ctx context.Context) status.Report
	// Invalidate, if set, drops what the sweeps keep between them (the
	// spend figures) when the user asks for a refresh: Refresh Now means
	// every figure afresh.
	Invalidate func()
	// Light, if set, makes a Report without asking launchd; false when it
	// cannot.
	Light func(ctx context.Context) (status.Report, bool)
	// FullEvery is how often a full sweep runs while light ones would do.
	FullEvery time.Duration
	// HealthyInterval and UnhealthyInterval space the sweeps.
	HealthyInterval   time.Duration
	UnhealthyInterval time.Duration
	// Policy is the notification policy; its Reminder comes from the
	// settings when there is a settings file.
	Policy   PolicyConfig
	Notifier Notifier
	// NotifyTimeout bounds the delivery of one notification.
	NotifyTimeout time.Duration
	// SettingsPath is settings.json; "" keeps settings in memory.
	SettingsPath string
	Deps         Deps
	// Watcher, if set, triggers a sweep at once on a change.
	Watcher Watcher
	// OnReport, if set, is given every sweep's report as the engine made
	// it (for JSON, which escapes what it must), on the sweep loop's
	// goroutine: the status file, --watch.
	OnReport func(status.Report)
	// NewWindow, if set, makes the details window from the monitor's
	// Snapshot and the function that carries out the window's requests.
	NewWindow func(snapshot func() wire.Message, request func(wire.Request)) Window
	// WakeCheck is how often the clocks are compared for a wake.
	WakeCheck     time.Duration
	WakeThreshold time.Duration
	HistoryWindow time.Duration
	Log           *log.Logger
}

// withDefaults fills in what o leaves zero.
func (o Options) withDefaults() Options {
	if o.HealthyInterval <= 0 {
		o.HealthyInterval = 15 * time.Second
	}
	if o.UnhealthyInterval <= 0 {
		o.UnhealthyInterval = 5 * time.Second
	}
	if o.Policy == (PolicyConfig{}) {
		o.Policy = DefaultPolicy
	}
	if o.NotifyTimeout <= 0 {
		o.NotifyTimeout = 10 * time.Second
	}
	if o.WakeCheck <= 0 {
		o.WakeCheck = 5 * time.Second
	}
	if o.WakeThreshold <= 0 {
		o.WakeThreshold = 10 * time.Second
	}
	if o.FullEvery <= 0 {
		o.FullEvery = time.Minute
	}
	if o.HistoryWindow <= 0 {
		o.HistoryWindow = time.Hour
	}
	if o.Log == nil {
		o.Log = log.New(os.Stderr, "halton-meter-bar: ", log.LstdFlags)
	}
	return o
}

// Watcher turns changes in the install into sweep triggers, so a crash is
// seen at once rather than at the next poll (app/monitor/watch).
type Watcher interface {
	// Events delivers one trigger per burst of changes.
	Events() <-chan struct{}
	// WatchPIDs sets the processes whose exit is a change.
	WatchPIDs(pids []int)
}

// Window is the details window as the monitor drives it (app/details/child).
type Window interface {
	// Available reports whether the window can be opened at all.
	Available() bool
	// Open opens it, or brings it to the front, focused on a row ("" for none).
	Open(component string) error
	// Publish gives an open window the current snapshot.
	Publish()
	// Close closes it.
	Close()
}

// Monitor runs the sweeps and publishes the menu.
type Monitor struct {
	opts    Options
	deps    Deps
	window  Window // nil: no details window
	refresh chan struct{}
	updates chan Menu
	paused  chan struct{} // a pause began or ended: reset its timer
	notes   chan Notification
	sweeps  atomic.Int64
	fulls   atomic.Int64
	dropped atomic.Int64 // notifications never delivered: queue full or notifier failed

	// pubMu makes each publication whole and in order: two goroutines
	// republishing at once (a sweep, an action's end) would otherwise
	// hand the tray an older menu after a newer one, and the menu would
	// stay wrong until the next change. Taken before mu.
	pubMu sync.Mutex
	// saveMu orders the settings' changes and their saves. Taken before mu.
	saveMu sync.Mutex

	mu          sync.Mutex
	report      *status.Report
	fingerprint string
	history     *History
	policy      *Policy
	settings    desktop.Settings
	busy        map[action.ID]bool // actions running now
	lastSpend   *wire.Spend        // the last of today's figures the daemon gave
	published   Menu
	start       time.Time
	interval    time.Duration // until the next timed sweep

	// life ends when Run does: what the details window asks for runs
	// under it, so quitting cuts it off.
	life    context.Context
	endLife context.CancelFunc
}

// New makes a Monitor; Run starts it.
func New(opts Options) *Monitor {
	opts = opts.withDefaults()
	m := &Monitor{
		opts:    opts,
		deps:    opts.Deps,
		refresh: make(chan struct{}, 1),
		updates: make(chan Menu, 1),
		paused:  make(chan struct{}, 1),
		notes:   make(chan Notification, 16),
		history: NewHistory(opts.HistoryWindow),
		busy:    make(map[action.ID]bool),
		start:   time.Now(),
	}
	m.life, m.endLife = context.WithCancel(context.Background())
	m.settings = desktop.DefaultSettings
	if opts.SettingsPath != "" {
		s, err := desktop.LoadSettings(opts.SettingsPath)
		if err != nil {
			opts.Log.Print(err)
		}
		s, changed := s.Bounded(m.start, PauseEnd(action.PauseTomorrow, m.start))
		for _, c := range changed {
			opts.Log.Printf("settings %s: %s", opts.SettingsPath, c)
		}
		m.settings = s
		opts.Policy.Reminder = s.Reminder.Duration
	}
	m.policy = NewPolicy(opts.Policy, m.start)
	m.policy.Pause(m.settings.PausedUntil) // a pause outlives a restart
	m.policy.SetBudget(m.settings.DailyBudget)
	if opts.NewWindow != nil {
		m.window = opts.NewWindow(m.Snapshot, m.Request)
	}
	return m
}

// Updates delivers the menu each time it changes; only the latest counts.
func (m *Monitor) Updates() <-chan Menu { return m.updates }

// Refresh asks for a sweep now; calls during a sweep fold into one.
func (m *Monitor) Refresh() { signal(m.refresh) }

// signal puts a token in a channel of capacity one, if there is none.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Report is the last sweep's report.
func (m *Monitor) Report() (status.Report, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.report == nil {
		return status.Report{}, false
	}
	return *m.report, true
}

// Settings are the current settings.
func (m *Monitor) Settings() desktop.Settings {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.settings
}

// Menu is the menu as last published.
func (m *Monitor) Menu() Menu {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.published
}

// Sweeps is how many sweeps were made so far.
func (m *Monitor) Sweeps() int { return int(m.sweeps.Load()) }

// Dropped is how many notifications were never delivered.
func (m *Monitor) Dropped() int { return int(m.dropped.Load()) }

// changeSettings applies fn to the settings, saves them and republishes.
// Changes are saved in the order they were made (saveMu spans the change
// and its save): two clicks at once never leave the older on disk.
func (m *Monitor) changeSettings(fn func(s *desktop.Settings)) error {
	m.saveMu.Lock()
	defer m.saveMu.Unlock()
	m.mu.Lock()
	fn(&m.settings)
	s := m.settings
	m.mu.Unlock()
	m.republish()
	if m.opts.SettingsPath == "" {
		return nil
	}
	return s.Save(m.opts.SettingsPath)
}

// Snapshot is the message that gives a details window the current state.
func (m *Monitor) Snapshot() wire.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	msg := wire.Message{Type: wire.MsgSnapshot, History: m.history.Snapshot(), PollIntervalMS: m.interval.Milliseconds(), Budget: m.settings.DailyBudget,
		LastSpend: m.lastSpend}
	if m.report != nil {
		r := *m.report
		msg.Report = &r
	}
	for id := range m.busy {
		msg.Busy = append(msg.Busy, id)
	}
	slices.Sort(msg.Busy)
	return msg
}

// Run sweeps until ctx ends, then closes the details window.
func (m *Monitor) Run(ctx context.Context) {
	defer m.endLife()
	stop := context.AfterFunc(ctx, m.endLife)
	defer stop()
	if m.window != nil {
		defer m.window.Close()
	}
	go m.deliverNotifications(ctx)
	m.republish()
	var wake WakeDetector
	wake.Threshold = m.opts.WakeThreshold
	wake.Check(time.Now().Round(0), time.Since(m.start))
	wakeTick := time.NewTicker(m.opts.WakeCheck)
	defer wakeTick.Stop()
	next := time.NewTimer(0)
	defer next.Stop()
	pauseEnd := time.NewTimer(0)
	defer pauseEnd.Stop()
	armPause := func() {
		if !pauseEnd.Stop() {
			select {
			case <-pauseEnd.C:
			default:
			}
		}
		m.mu.Lock()
		until := m.policy.PausedUntil(time.Now())
		m.mu.Unlock()
		if !until.IsZero() {
			pauseEnd.Reset(time.Until(until))
		}
	}
	armPause()
	var events <-chan struct{}
	if m.opts.Watcher != nil {
		events = m.opts.Watcher.Events()
	}
	var lastFull time.Time
	for {
		timed := false
		select {
		case <-ctx.Done():
			return
		case <-next.C:
			timed = true
		case <-m.refresh:
		case <-events:
		case <-m.paused:
			armPause()
			continue
		case <-pauseEnd.C:
			m.opts.Log.Print("the pause of notifications is over")
			m.clearPause()
		case <-wakeTick.C:
			now := time.Now()
			if !wake.Check(now.Round(0), now.Sub(m.start)) {
				m.republishIfChecked()
				continue
			}
			m.opts.Log.Print("woke from sleep: sweeping now")
			m.mu.Lock()
			m.policy.Woke(now)
			m.mu.Unlock()
		}
		interval := m.sweep(ctx, timed, &lastFull)
		if ctx.Err() != nil {
			return
		}
		if !next.Stop() {
			select {
			case <-next.C:
			default:
			}
		}
		// A trigger that came during the sweep stays queued: the sweep may
		// have read the world before the change that caused it.
		next.Reset(interval)
	}
}

// sweep runs one sweep, light when it may be, and returns the time to the
// next one.
func (m *Monitor) sweep(ctx context.Context, timed bool, lastFull *time.Time) time.Duration {
	if timed && m.opts.Light != nil && time.Since(*lastFull) < m.opts.FullEvery {
		m.mu.Lock()
		healthy := m.report != nil && m.report.Overall == status.OverallHealthy
		var last string
		if healthy {
			last = m.report.Fingerprint(status.CompMetering)
		}
		m.mu.Unlock()
		// The metering row moves with the traffic, not with launchd: a new
		// request is no reason to ask launchctl.
		if healthy {
			if r, ok := m.opts.Light(ctx); ok && r.Fingerprint(status.CompMetering) == last {
				return m.record(r)
			}
		}
	}
	r := m.opts.Sweep(ctx)
	m.fulls.Add(1)
	*lastFull = time.Now()
	return m.record(r)
}

// record makes r the current report: history, notifications, menu, the
// details window and the processes to watch. It returns the time to the
// next sweep.
func (m *Monitor) record(r status.Report) time.Duration {
	if m.sweeps.Add(1) == 1 {
		m.opts.Log.Printf("first sweep: %s (%s)", r.Overall, r.Headline)
	}
	if r.CheckedAt.IsZero() {
		r.CheckedAt = time.Now()
	}
	// Everything the tray shows (menu, notifications, window, history)
	// comes from this one copy, with control characters escaped.
	raw := r
	r = status.Printable(r)
	interval := m.opts.UnhealthyInterval
	if r.Overall == status.OverallHealthy {
		interval = m.opts.HealthyInterval
	}
	fp := r.Fingerprint()
	m.mu.Lock()
	m.report = &r
	m.interval = interval
	if today := r.Metering.Today; today != nil {
		at := r.CheckedAt
		if r.Metering.StatsAt != nil {
			at = *r.Metering.StatsAt
		}
		m.lastSpend = &wire.Spend{Today: *today, At: at}
	}
	m.history.Add(r)
	notes := m.policy.Observe(r.CheckedAt, r)
	changed := fp != m.fingerprint
	m.fingerprint = fp
	m.mu.Unlock()
	for _, n := range notes {
		m.notify(n)
	}
	if changed {
		m.republish()
	} else {
		m.republishIfChecked()
	}
	if m.window != nil {
		m.window.Publish()
	}
	if m.opts.Watcher != nil {
		m.opts.Watcher.WatchPIDs(pidsOf(r))
	}
	if m.opts.OnReport != nil {
		m.opts.OnReport(raw)
	}
	return interval
}

// pidsOf are the processes of a report worth watching.
func pidsOf(r status.Report) []int {
	var pids []int
	for _, j := range []status.Job{r.Daemon, r.Watchdog, r.Edge.Job} {
		if j.PID != nil {
			pids = append(pids, *j.PID)
		}
	}
	return pids
}

// republish rebuilds the menu and publishes it. What the menu needs from
// outside the monitor is asked before its lock is taken.
func (m *Monitor) republish() {
	m.pubMu.Lock()
	defer m.pubMu.Unlock()
	in := MenuInput{
		StartAtLogin:   m.deps.Login != nil && m.deps.Login.Enabled(),
		DetailsMissing: m.window == nil || !m.window.Available(),
	}
	m.mu.Lock()
	in.Report, in.Now, in.Notifications, in.LastSpend = m.report, time.Now(), m.settings.Notifications, m.lastSpend
	in.PausedUntil = m.policy.PausedUntil(in.Now)
	in.Busy = make(map[action.ID]bool, len(m.busy))
	for id := range m.busy {
		in.Busy[id] = true
	}
	menu := BuildMenu(in)
	m.published = menu
	m.mu.Unlock()
	m.publish(menu)
}

// republishIfChecked publishes when only the lines that tell time moved:
// "checked N s ago", and the last request's age.
func (m *Monitor) republishIfChecked() {
	m.pubMu.Lock()
	defer m.pubMu.Unlock()
	m.mu.Lock()
	now := time.Now()
	checked, spend := present.Checked(m.report, now), ""
	if m.report != nil {
		spend = spendLine(m.report, m.lastSpend, now)
	}
	if checked == m.published.Checked && spend == m.published.Spend {
		m.mu.Unlock()
		return
	}
	menu := m.published
	menu.Checked, menu.Spend = checked, spend
	m.published = menu
	m.mu.Unlock()
	m.publish(menu)
}

// publish hands the menu to the subscriber, replacing one not yet taken.
func (m *Monitor) publish(menu Menu) {
	for {
		select {
		case m.updates <- menu:
			return
		default:
		}
		select {
		case <-m.updates:
		default:
		}
	}
}

// notify queues a notification. What the policy announces respects the
// Notifications setting; the failure of an action the user asked for
// always shows. A full queue drops it, counted and logged.
func (m *Monitor) notify(n Notification) {
	if n.Kind != KindAction && !m.Settings().Notifications {
		return
	}
	select {
	case m.notes <- n:
	default:
		m.dropped.Add(1)
		m.opts.Log.Printf("notification dropped (queue full, %d dropped so far): %s", m.dropped.Load(), n.Title)
	}
}

// deliverNotifications sends notifications one by one, off the sweep loop,
// each within NotifyTimeout: a notifier that hangs delays the next one by
// that much at most, and never a sweep.
func (m *Monitor) deliverNotifications(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case n := <-m.notes:
			if m.opts.Notifier == nil {
				continue
			}
			nctx, cancel := context.WithTimeout(ctx, m.opts.NotifyTimeout)
			err := m.opts.Notifier.Notify(nctx, n.Title, n.Body)
			cancel()
			if err != nil {
				m.dropped.Add(1)
				m.opts.Log.Printf("notify %q: %v (%d not delivered so far)", n.Title, err, m.dropped.Load())
			}
		}
	}
}
