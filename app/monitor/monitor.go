// Package monitor is the tray's brain, with no GUI: it takes each sweep's
// report from the scheduler (Record), keeps an hour of history per row,
// decides the notifications (Policy), builds the menu model (BuildMenu)
// and publishes it, carries out the actions of the menu and of the details
// window and of an alert (Do, Act, through app/action's Runner for those
// on the install), and keeps the user's settings. app/tray only draws the Menu it publishes and
// forwards clicks to Do.
//
// When sweeps run is app/scheduler's: the composition root subscribes
// Record and Woke to it, and the monitor asks it for a sweep (Refresh Now,
// the end of a pause). What it touches outside the process comes in as
// dependencies: the action Runner's desktop and launchd, an alert.Center
// (it posts, withdraws and hears back), a Clock, and the details window (app/details/child), which it builds from
// its own Snapshot and request functions.
package monitor

import (
	"context"
	"fmt"
	"log"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/alert"
	"github.com/haltonlabs/halton-meter-bar/app/desktop"
	"github.com/haltonlabs/halton-meter-bar/app/history"
	"github.com/haltonlabs/halton-meter-bar/app/present"
	"github.com/haltonlabs/halton-meter-bar/internal/clock"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// Sweeps is the scheduler as the monitor asks it: for a sweep now, and
// for the time between sweeps.
type Sweeps interface {
	// Refresh asks for a sweep now.
	Refresh()
	// RefreshNow is the user's Refresh Now: every figure afresh.
	RefreshNow()
	// Interval is the time to the next timed sweep.
	Interval() time.Duration
}

// Options configure a Monitor.
type Options struct {
	// Sweeps is the scheduler whose reports come to Record; nil where
	// nothing sweeps (a test that records by hand).
	Sweeps Sweeps
	// Policy is the notification policy; its Reminder comes from the
	// settings when there is a settings file (or it gives none).
	Policy PolicyConfig
	// Center posts the notifications and tells the user's answers to
	// them; nil where nothing is shown (a test).
	Center alert.Center
	// NotifyTimeout bounds the delivery of one notification.
	NotifyTimeout time.Duration
	// PermissionCheck is how often the system is asked whether it shows
	// the app's alerts (the user may turn them off at any time).
	PermissionCheck time.Duration
	// SettingsPath is settings.json; "" keeps settings in memory.
	SettingsPath string
	// Deps are what the actions touch outside the process.
	Deps action.Deps
	// NewWindow, if set, makes the details window from the monitor's
	// Snapshot and the function that carries out the window's requests.
	NewWindow func(snapshot func() Snapshot, request func(Request)) Window
	// HistorySpan is how far back the rows' history goes (an hour).
	HistorySpan time.Duration
	// AgeCheck is how often the lines that tell an age ("checked 10 s
	// ago") are looked at between sweeps.
	AgeCheck time.Duration
	Clock    clock.Clock
	Log      *log.Logger
}

// withDefaults fills in what o leaves zero.
func (o Options) withDefaults() Options {
	if o.Policy == (PolicyConfig{}) {
		o.Policy = DefaultPolicy
	}
	if o.NotifyTimeout <= 0 {
		o.NotifyTimeout = 10 * time.Second
	}
	if o.HistorySpan <= 0 {
		o.HistorySpan = time.Hour
	}
	if o.AgeCheck <= 0 {
		o.AgeCheck = 5 * time.Second
	}
	if o.PermissionCheck <= 0 {
		o.PermissionCheck = time.Minute
	}
	o.Clock = clock.Or(o.Clock)
	if o.Log == nil {
		o.Log = log.New(os.Stderr, "halton-meter-bar: ", log.LstdFlags)
	}
	return o
}

// Window is the details window as the monitor drives it (app/details/child).
type Window interface {
	// Available reports whether the window can be opened at all.
	Available() bool
	// Open opens it, or brings it to the front, focused on a row ("" for none).
	Open(component status.ComponentName) error
	// Publish gives an open window the current snapshot.
	Publish()
	// Close closes it.
	Close()
}

// Snapshot is what a details window is given: the last report, the rows'
// history, and what the window cannot know by itself.
type Snapshot struct {
	Report       *status.Report // nil before the first sweep
	History      map[status.ComponentName][]history.Point
	PollInterval time.Duration
	// Busy are the actions running now: their buttons wait.
	Busy []action.ID
	// Budget is the daily budget the user set; 0 is none.
	Budget status.USD
	// LastSpend is the last of today's figures the daemon gave.
	LastSpend *Spend
	// Alerts: the tray posts alerts, so a row's alerts can be muted;
	// AlertsOff: the system does not show them; Muted: the rows muted;
	// Poster: who posts them.
	Alerts    bool
	AlertsOff bool
	Muted     []status.ComponentName
	Poster    *alert.Poster
}

// Request is what a details window asks for: an action, and the value of
// one that takes one (the budget).
type Request struct {
	ID    action.ID
	Value string
}

// Spend is today's figures as the daemon gave them at At.
type Spend struct {
	Today status.Today
	At    time.Time
}

// Current tells whether s holds figures of now's day.
func (s *Spend) Current(now time.Time) bool { return s != nil && present.SameDay(s.At, now) }

// Monitor keeps the state the tray shows and acts on.
type Monitor struct {
	opts    Options
	clock   clock.Clock
	runner  *action.Runner
	details Window // nil: no details window
	updates chan Menu
	paused  chan struct{} // a pause began or ended: its timer is set again
	notes   chan queued
	dropped atomic.Int64 // notifications never delivered: queue full or notifier failed
	pending atomic.Int64 // notifications queued and not yet delivered or dropped

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
	history     *history.History
	policy      *Policy
	settings    desktop.Settings
	lastSpend   *Spend // the last of today's figures the daemon gave
	published   Menu
	permission  alert.Permission // whether the system shows the alerts
	poster      alert.Poster     // who posts them
	// offered are the alerts on screen, by ID, with the buttons each
	// carries: only those answer a press. ignored are the presses refused
	// so far, each logged once.
	offered map[string][]string
	ignored map[string]bool

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
		clock:   opts.Clock,
		updates: make(chan Menu, 1),
		paused:  make(chan struct{}, 1),
		notes:   make(chan queued, 16),
		history: history.New(opts.HistorySpan),
		offered: make(map[string][]string),
		ignored: make(map[string]bool),
	}
	m.runner = &action.Runner{Deps: opts.Deps, OnChange: func(action.ID) { m.showBusy() }}
	m.life, m.endLife = context.WithCancel(context.Background())
	start := m.clock.Now()
	m.settings = m.loadSettings(start)
	if opts.SettingsPath != "" || opts.Policy.Reminder == 0 {
		opts.Policy.Reminder = m.settings.Reminder.Duration
	}
	m.policy = NewPolicy(opts.Policy, start)
	m.policy.Pause(m.settings.PausedUntil) // a pause outlives a restart
	m.policy.SetBudget(m.settings.DailyBudget)
	m.policy.SetBudgetDay(m.settings.BudgetAnnounced)
	m.policy.SetMuted(m.settings.Muted)
	if opts.NewWindow != nil {
		m.details = opts.NewWindow(m.Snapshot, m.Request)
	}
	if opts.Center != nil {
		opts.Center.Handle(m.respond) // before any alert can be clicked
		m.poster = alert.PosterOf(opts.Center)
	}
	return m
}

// loadSettings reads settings.json, within what the app offers at now.
func (m *Monitor) loadSettings(now time.Time) desktop.Settings {
	if m.opts.SettingsPath == "" {
		return desktop.DefaultSettings
	}
	s, err := desktop.LoadSettings(m.opts.SettingsPath)
	if err != nil {
		m.opts.Log.Print(err)
	}
	s, changed := s.Bounded(now, PauseEnd(action.PauseTomorrow, now))
	for _, c := range changed {
		m.opts.Log.Printf("settings %s: %s", m.opts.SettingsPath, c)
	}
	return s
}

// Updates delivers the menu each time it changes; only the latest counts.
func (m *Monitor) Updates() <-chan Menu { return m.updates }

// Report is the last sweep's report, made printable.
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

// Idle reports whether every notification queued so far has been
// delivered or dropped: what a test stepping a fake clock waits for.
func (m *Monitor) Idle() bool { return m.pending.Load() == 0 }

// Dropped is how many notifications were never delivered.
func (m *Monitor) Dropped() int { return int(m.dropped.Load()) }

// changeSettings applies fn to the settings (under mu: fn may change the
// policy along with them), saves them and republishes.
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

// Snapshot is what gives a details window the current state.
func (m *Monitor) Snapshot() Snapshot {
	s := Snapshot{Busy: m.runner.Running()}
	if m.opts.Sweeps != nil {
		s.PollInterval = m.opts.Sweeps.Interval()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s.History, s.Budget, s.LastSpend = m.history.Snapshot(), m.settings.DailyBudget, m.lastSpend
	s.Alerts, s.AlertsOff, s.Muted = m.opts.Center != nil, m.permission == alert.PermissionOff, slices.Clone(m.settings.Muted)
	if s.Alerts && m.poster.Kind != "" {
		p := m.poster
		s.Poster = &p
	}
	if m.report != nil {
		r := *m.report
		s.Report = &r
	}
	return s
}

// Run delivers notifications, keeps the lines that tell an age current,
// and ends a pause when it is due, until ctx ends; then it closes the
// details window.
func (m *Monitor) Run(ctx context.Context) {
	defer m.endLife()
	stop := context.AfterFunc(ctx, m.endLife)
	defer stop()
	if m.details != nil {
		defer m.details.Close()
	}
	go m.deliverNotifications(ctx)
	if m.opts.Center != nil {
		go m.watchPermission(ctx)
	}
	m.republish()
	ages := m.clock.NewTicker(m.opts.AgeCheck)
	defer ages.Stop()
	pauseEnd := m.clock.NewTimer(0)
	defer pauseEnd.Stop()
	m.armPause(pauseEnd)
	for {
		select {
		case <-ctx.Done():
			return
		case <-ages.C():
			m.republishAges()
		case <-m.paused:
			m.armPause(pauseEnd)
		case <-pauseEnd.C():
			m.opts.Log.Print("the pause of notifications is over")
			m.clearPause()
			m.refresh() // what still stands is announced now
		}
	}
}

// armPause sets the timer to the end of the current pause, if any.
func (m *Monitor) armPause(t clock.Timer) {
	t.Stop()
	m.mu.Lock()
	until := m.policy.PausedUntil(m.clock.Now())
	m.mu.Unlock()
	if !until.IsZero() {
		t.Reset(until.Sub(m.clock.Now()))
	}
}

// refresh asks the scheduler for a sweep, where there is one.
func (m *Monitor) refresh() {
	if m.opts.Sweeps != nil {
		m.opts.Sweeps.Refresh()
	}
}

// Woke is told of a wake from sleep: things may be starting again.
func (m *Monitor) Woke(at time.Time) {
	m.mu.Lock()
	m.policy.Woke(at)
	m.mu.Unlock()
}

// Record makes r the current report: history, notifications, menu and the
// details window. The scheduler calls it with each sweep's report.
func (m *Monitor) Record(r status.Report) {
	// Everything the tray shows (menu, notifications, window, history)
	// comes from this one copy, with control characters escaped.
	r = status.Printable(r)
	fp := r.Fingerprint()
	m.mu.Lock()
	m.report = &r
	if today := r.Metering.Today; today != nil {
		at := r.CheckedAt
		if r.Metering.StatsAt != nil {
			at = *r.Metering.StatsAt
		}
		m.lastSpend = &Spend{Today: *today, At: at}
	}
	m.history.Add(r)
	notes := m.policy.Observe(r.CheckedAt, r)
	budgetDay := m.policy.BudgetDay()
	changed := fp != m.fingerprint
	m.fingerprint = fp
	m.mu.Unlock()
	for _, n := range notes {
		m.notify(n)
		if n.Kind == KindBudget {
			// Once a day, across restarts: the day is kept with the settings.
			if err := m.changeSettings(func(s *desktop.Settings) { s.BudgetAnnounced = budgetDay }); err != nil {
				m.opts.Log.Print(err)
			}
		}
	}
	if changed {
		m.republish()
	} else {
		m.republishAges()
	}
	m.publishWindow()
}

// republish rebuilds the menu and publishes it. What the menu needs from
// outside the monitor is asked before its lock is taken.
func (m *Monitor) republish() {
	m.pubMu.Lock()
	defer m.pubMu.Unlock()
	in := MenuInput{
		DetailsMissing: m.details == nil || !m.details.Available(),
		Busy:           make(map[action.ID]bool),
	}
	if m.opts.Deps.Login != nil {
		in.Login = m.opts.Deps.Login.State()
	}
	for _, id := range m.runner.Running() {
		in.Busy[id] = true
	}
	m.mu.Lock()
	in.Report, in.Now, in.Notifications, in.LastSpend = m.report, m.clock.Now(), m.settings.Notifications, m.lastSpend
	in.Muted, in.AlertsOff = m.settings.Muted, m.permission == alert.PermissionOff
	if m.opts.Center != nil {
		p := m.poster
		in.Poster = &p
	}
	in.PausedUntil = m.policy.PausedUntil(in.Now)
	menu := BuildMenu(in)
	m.published = menu
	m.mu.Unlock()
	m.publish(menu)
}

// republishAges publishes the menu again when only the lines that tell an
// age moved: "checked N s ago", and the last request's age.
func (m *Monitor) republishAges() {
	m.pubMu.Lock()
	defer m.pubMu.Unlock()
	m.mu.Lock()
	now := m.clock.Now()
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

// showBusy redraws the menu and the window when an action whose title
// says it runs ("Starting Daemon…") starts or ends.
func (m *Monitor) showBusy() {
	m.republish()
	m.publishWindow()
}

func (m *Monitor) publishWindow() {
	if m.details != nil {
		m.details.Publish()
	}
}

// queued is a notification on its way, with the buttons it carries.
type queued struct {
	n       Notification
	buttons []alert.Button
}

// notify queues a notification with its buttons, as they apply to the
// report of now. What the policy announces respects the Notifications
// setting (a withdrawal always goes: a stale alert is never kept); the
// failure of an action the user asked for always shows. A full queue
// drops it, counted and logged.
func (m *Monitor) notify(n Notification) {
	if n.Kind != KindAction && n.Kind != KindWithdraw && !m.Settings().Notifications {
		return
	}
	q := queued{n: n}
	if r, ok := m.Report(); ok && n.Kind != KindAction && n.Kind != KindWithdraw {
		q.buttons = Buttons(n, &r)
	}
	m.pending.Add(1)
	select {
	case m.notes <- q:
	default:
		m.pending.Add(-1)
		m.dropped.Add(1)
		m.opts.Log.Printf("notification dropped (queue full, %d dropped so far): %s", m.dropped.Load(), n.Title)
	}
}

// Buttons are the buttons of an alert for n, given report r: the fix of
// its row (Start Daemon on the daemon's, Restart Edge on the edge's) as
// the menu would offer it, and Open Details.
func Buttons(n Notification, r *status.Report) []alert.Button {
	var fixes, others []alert.Button
	for _, spec := range action.Table {
		title, ok := action.AlertTitle(spec.ID, r)
		switch {
		case !spec.Alert || !ok:
		case spec.Fixes == "":
			others = append(others, alert.Button{ID: string(spec.ID), Title: title, Foreground: true})
		case spec.Fixes == n.Thread && n.Kind != KindRecovered:
			fixes = append(fixes, alert.Button{ID: string(spec.ID), Title: title})
		}
	}
	return append(fixes, others...)
}

// categoryOf is the category of an alert with these buttons: one per set
// of buttons, named by them.
func categoryOf(buttons []alert.Button) alert.Category {
	parts := make([]string, len(buttons))
	for i, b := range buttons {
		parts[i] = b.ID + "=" + b.Title
	}
	return alert.Category{ID: strings.Join(parts, ";"), Buttons: buttons}
}

// deliverNotifications posts and withdraws notifications one by one, off
// the sweep loop, each within NotifyTimeout: a center that hangs delays
// the next one by that much at most, and never a sweep. A set of buttons
// not seen before is declared first.
func (m *Monitor) deliverNotifications(ctx context.Context) {
	declared := make(map[string]alert.Category)
	for {
		select {
		case <-ctx.Done():
			return
		case q := <-m.notes:
			m.deliverOne(ctx, q, declared)
			m.pending.Add(-1)
		}
	}
}

// deliverOne delivers q within NotifyTimeout, counting and logging a failure.
func (m *Monitor) deliverOne(ctx context.Context, q queued, declared map[string]alert.Category) {
	if m.opts.Center == nil {
		return
	}
	nctx, cancel := context.WithTimeout(ctx, m.opts.NotifyTimeout)
	err := m.deliver(nctx, q, declared)
	cancel()
	if err != nil {
		m.dropped.Add(1)
		m.opts.Log.Printf("notify %q: %v (%d not delivered so far)", q.n.Title, err, m.dropped.Load())
	}
	m.checkPoster() // a post may have started the native center
}

// deliver posts or withdraws one notification.
func (m *Monitor) deliver(ctx context.Context, q queued, declared map[string]alert.Category) error {
	n, center := q.n, m.opts.Center
	if n.Kind == KindWithdraw {
		m.mu.Lock()
		for _, id := range n.Withdraw {
			delete(m.offered, id) // no longer answers a press, whatever comes
		}
		m.mu.Unlock()
		return center.Withdraw(ctx, n.Withdraw)
	}
	a := alert.Alert{ID: n.ID, Thread: string(n.Thread), Title: n.Title, Body: n.Body, Sound: n.Urgent}
	if len(q.buttons) > 0 {
		cat := categoryOf(q.buttons)
		if _, ok := declared[cat.ID]; !ok {
			declared[cat.ID] = cat
			all := slices.Collect(maps.Values(declared))
			slices.SortFunc(all, func(a, b alert.Category) int { return strings.Compare(a.ID, b.ID) })
			if err := center.SetCategories(ctx, all); err != nil {
				return fmt.Errorf("declare the alerts' buttons: %w", err)
			}
		}
		a.Category = cat.ID
	}
	if err := center.Post(ctx, a); err != nil {
		return err
	}
	buttons := make([]string, len(q.buttons))
	for i, b := range q.buttons {
		buttons[i] = b.ID
	}
	m.mu.Lock()
	m.offered[a.ID] = buttons // what it replaced offered no more
	m.mu.Unlock()
	m.opts.Log.Printf("alert %s posted", a.ID) // one line an outage: the record of what the user was told
	return nil
}

// watchPermission asks, once a launch, to allow alerts (macOS asks the
// user the first time only), then follows whether the system shows them,
// so that the menu and the window never show a silent alarm as armed.
func (m *Monitor) watchPermission(ctx context.Context) {
	go func() {
		if err := m.opts.Center.Authorize(ctx); err != nil && ctx.Err() == nil {
			m.opts.Log.Printf("alerts: %v", err)
		}
		m.checkPermission(ctx)
	}()
	m.checkPermission(ctx)
	tick := m.clock.NewTicker(m.opts.PermissionCheck)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C():
			m.checkPermission(ctx)
		}
	}
}

// checkPoster reads who posts the alerts, and redraws when that changed.
func (m *Monitor) checkPoster() {
	p := alert.PosterOf(m.opts.Center)
	m.mu.Lock()
	changed := p != m.poster
	m.poster = p
	m.mu.Unlock()
	if changed {
		m.opts.Log.Printf("alerts: now posted through %s", p.Via)
		m.republish()
		m.publishWindow()
	}
}

// checkPermission reads whether the system shows the alerts, and redraws
// when that changed.
func (m *Monitor) checkPermission(ctx context.Context) {
	pctx, cancel := context.WithTimeout(ctx, m.opts.NotifyTimeout)
	p, err := m.opts.Center.Permission(pctx)
	cancel()
	if err != nil {
		if ctx.Err() == nil {
			m.opts.Log.Printf("alerts: %v", err)
		}
		return
	}
	m.mu.Lock()
	changed := p != m.permission
	m.permission = p
	m.mu.Unlock()
	if changed {
		m.opts.Log.Printf("alerts: %s", p)
		m.republish()
		m.publishWindow()
	}
}
