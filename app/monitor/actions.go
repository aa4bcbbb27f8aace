package monitor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/desktop"
	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// Notifier shows a native notification, giving up when ctx ends.
type Notifier interface {
	Notify(ctx context.Context, title, body string) error
}

// LoginItem is Start at Login (app/desktop.LoginItem).
type LoginItem interface {
	Enabled() bool
	Enable(ctx context.Context) error
	Disable(ctx context.Context) error
}

// Deps are what the actions touch outside the process. Tests replace the
// opener, so no test ever starts a browser or a terminal.
type Deps struct {
	Cfg       status.Config
	Launchctl status.Launchctl
	UID       int
	Opener    desktop.Opener
	// Login is Start at Login; nil where it is not offered.
	Login LoginItem
}

// ErrInProgress is the answer to an action asked for again while it runs.
var ErrInProgress = errors.New("already in progress")

// Do carries out an action of the menu or the details window, one of a
// kind at a time. A failure is announced in a notification (whatever the
// notifications setting, and even while they are paused: the user asked
// for this) and returned; it never takes the app down.
func (m *Monitor) Do(ctx context.Context, id action.ID) error {
	if !m.claim(id) {
		err := fmt.Errorf("%s: %w", failureTitle[id], ErrInProgress)
		m.notify(Notification{Kind: KindAction, Title: "Still working on it", Body: describe(id) + " is already in progress."})
		return err
	}
	defer m.release(id)
	err := m.do(ctx, id)
	if err != nil && !m.ending(err) {
		m.notify(Notification{Kind: KindAction, Title: failureTitle[id], Body: err.Error()})
	}
	return err
}

// ending reports whether err is an action cut off because the app is
// quitting: no failure to announce.
func (m *Monitor) ending(err error) bool {
	return m.life.Err() != nil && (errors.Is(err, status.ErrCancelled) || errors.Is(err, context.Canceled))
}

// claim marks an action as running; false when it already is. Refresh and
// Quit fold by themselves and are never refused.
func (m *Monitor) claim(id action.ID) bool {
	if id == action.Refresh || id == action.Quit {
		return true
	}
	m.mu.Lock()
	if m.busy[id] {
		m.mu.Unlock()
		return false
	}
	m.busy[id] = true
	m.mu.Unlock()
	m.showBusy(id)
	return true
}

func (m *Monitor) release(id action.ID) {
	if id == action.Refresh || id == action.Quit {
		return
	}
	m.mu.Lock()
	delete(m.busy, id)
	m.mu.Unlock()
	m.showBusy(id)
}

// showBusy redraws the menu and the window when id's title says whether
// it runs ("Starting Daemon…").
func (m *Monitor) showBusy(id action.ID) {
	if action.Busy(id) != "" {
		m.republish()
		m.publishWindow()
	}
}

func (m *Monitor) publishWindow() {
	if m.window != nil {
		m.window.Publish()
	}
}

// describe names an action in a sentence.
func describe(id action.ID) string {
	switch id {
	case action.StartDaemon:
		return "Start Daemon"
	case action.StartEdge:
		return "Start Edge"
	case action.StartAtLogin:
		return "Start at Login"
	}
	return string(id)
}

// Request carries out what a details window asks for: an action, or the
// daily budget.
func (m *Monitor) Request(req wire.Request) {
	var err error
	if req.Request == action.SetBudget {
		err = m.setBudget(req.Value)
	} else {
		err = m.Do(m.life, req.Request)
	}
	if err != nil && !m.ending(err) {
		m.opts.Log.Printf("details window asked for %s: %v", req.Request, err)
	}
}

// setBudget sets the daily budget from what the user typed ("" is off),
// remembers it, and gives the window the new figure.
func (m *Monitor) setBudget(value string) error {
	b, err := status.ParseDollars(value)
	if err != nil {
		m.notify(Notification{Kind: KindAction, Title: "Couldn't set the budget", Body: err.Error()})
		return err
	}
	m.mu.Lock()
	m.policy.SetBudget(b)
	m.mu.Unlock()
	err = m.changeSettings(func(s *desktop.Settings) { s.DailyBudget = b })
	m.publishWindow()
	if err != nil {
		m.notify(Notification{Kind: KindAction, Title: "Couldn't save the setting", Body: err.Error()})
	}
	return err
}

var failureTitle = map[action.ID]string{
	action.OpenDetails:   "Couldn't open the details window",
	action.OpenDashboard: "Couldn't open the dashboard",
	action.StartDaemon:   "Couldn't start the daemon",
	action.StartEdge:     "Couldn't start the edge",
	action.RunDoctor:     "Couldn't run halton-meter doctor",
	action.CopyJSON:      "Couldn't copy the status",
	action.OpenLogs:      "Couldn't open the logs folder",
	action.Notifications: "Couldn't save the setting",
	action.PauseHour:     "Couldn't save the setting",
	action.PauseTomorrow: "Couldn't save the setting",
	action.Resume:        "Couldn't save the setting",
	action.StartAtLogin:  "Couldn't change Start at Login",
	action.Install:       "Couldn't open the install guide",
}

func (m *Monitor) do(ctx context.Context, id action.ID) error {
	deps := m.deps
	r, ok := m.Report()
	switch id {
	case action.Refresh:
		if m.opts.Invalidate != nil {
			m.opts.Invalidate()
		}
		m.Refresh()
	case action.OpenDetails:
		return m.openDetails("")
	case action.OpenDashboard:
		if !ok {
			return errors.New("no status yet")
		}
		return deps.Opener.OpenURL("http://" + r.Listeners.FastAPI.Address + "/")
	case action.StartDaemon, action.StartEdge:
		if !ok {
			return errors.New("no status yet")
		}
		m.mu.Lock()
		userAction := m.policy.UserAction(time.Now()) // the transition asked for is not an alarm
		m.mu.Unlock()
		var err error
		if id == action.StartDaemon {
			err = m.startDaemon(ctx, r)
		} else {
			err = m.startEdge(ctx, r)
		}
		m.mu.Lock()
		m.policy.UserActionDone(userAction, time.Now())
		m.mu.Unlock()
		m.Refresh()
		return err
	case action.RunDoctor:
		return deps.Opener.RunInTerminal([]string{haltonMeter(deps.Cfg), "doctor"})
	case action.CopyJSON:
		if !ok {
			return errors.New("no status yet")
		}
		var b bytes.Buffer
		if err := status.WriteJSON(&b, r); err != nil {
			return err
		}
		return deps.Opener.Copy(b.String())
	case action.OpenLogs:
		return deps.Opener.OpenPath(deps.Cfg.LogsDir())
	case action.Install:
		return deps.Opener.OpenURL(status.InstallDocsURL)
	case action.Notifications:
		return m.changeSettings(func(s *desktop.Settings) { s.Notifications = !s.Notifications })
	case action.PauseHour, action.PauseTomorrow:
		return m.pause(PauseEnd(id, time.Now()))
	case action.Resume:
		m.clearPause()
		m.Refresh() // what still stands is announced now
	case action.StartAtLogin:
		if deps.Login == nil {
			return errors.New("Start at Login is not available here")
		}
		var err error
		if deps.Login.Enabled() {
			err = deps.Login.Disable(ctx)
		} else {
			err = deps.Login.Enable(ctx)
		}
		m.republish()
		return err
	case action.Quit:
	default:
		return fmt.Errorf("unknown action %q", id)
	}
	return nil
}

// PauseEnd is when a pause asked for at now ends: an hour on, or
// tomorrow at 08:00 local time.
func PauseEnd(id action.ID, now time.Time) time.Time {
	if id == action.PauseHour {
		return now.Add(time.Hour)
	}
	y, mo, d := now.Date()
	return time.Date(y, mo, d+1, 8, 0, 0, 0, now.Location())
}

// pause withholds notifications until until, and remembers it across
// restarts.
func (m *Monitor) pause(until time.Time) error {
	m.mu.Lock()
	m.policy.Pause(until)
	m.mu.Unlock()
	signal(m.paused)
	return m.changeSettings(func(s *desktop.Settings) { s.PausedUntil = until })
}

// clearPause ends a pause: the next sweep announces what still stands.
func (m *Monitor) clearPause() {
	if err := m.pause(time.Time{}); err != nil {
		m.opts.Log.Print(err)
	}
}

// OpenRow opens the details window focused on a row, announcing a failure
// as Do does.
func (m *Monitor) OpenRow(component string) error {
	err := m.openDetails(component)
	if err != nil {
		m.notify(Notification{Kind: KindAction, Title: failureTitle[action.OpenDetails], Body: err.Error()})
	}
	return err
}

// openDetails opens the details window on a row.
func (m *Monitor) openDetails(component string) error {
	if m.window == nil || !m.window.Available() {
		return errors.New("halton-meter-details is not installed next to halton-meter-bar")
	}
	return m.window.Open(component)
}

// load bootstraps the plists of jobs launchd does not have (what
// `halton-meter stop` booted out); one loaded meanwhile is no failure.
func (m *Monitor) load(ctx context.Context, jobs ...status.Job) error {
	for _, j := range jobs {
		if j.Loaded {
			continue
		}
		err := m.deps.Launchctl.Bootstrap(ctx, status.GUIDomain(m.deps.UID), m.deps.Cfg.PlistPath(j.Label))
		if err != nil && !errors.Is(err, status.ErrAlreadyLoaded) {
			return err
		}
	}
	return nil
}

// startDaemon does what `halton-meter start` does for launchd: loads the
// daemon and the watchdog if `halton-meter stop` booted them out, then
// `launchctl kickstart -k`, which starts the daemon or restarts it.
func (m *Monitor) startDaemon(ctx context.Context, r status.Report) error {
	lc, uid := m.deps.Launchctl, m.deps.UID
	if err := m.load(ctx, r.Daemon, r.Watchdog); err != nil {
		return err
	}
	if err := lc.Kickstart(ctx, status.ServiceTarget(uid, status.LabelDaemon), true); err != nil {
		return err
	}
	if r.Watchdog.PID == nil {
		return lc.Kickstart(ctx, status.ServiceTarget(uid, status.LabelWatchdog), false)
	}
	return nil
}

// startEdge brings the edge back: loads its plist if it is not loaded,
// then `launchctl kickstart -k`.
func (m *Monitor) startEdge(ctx context.Context, r status.Report) error {
	if err := m.load(ctx, r.Edge.Job); err != nil {
		return err
	}
	return m.deps.Launchctl.Kickstart(ctx, status.ServiceTarget(m.deps.UID, status.LabelEdge), true)
}

// haltonMeter is the halton-meter the daemon's plist runs, so doctor runs
// the same install whatever the Terminal's PATH says.
func haltonMeter(cfg status.Config) string {
	if a, err := status.ReadLaunchAgent(cfg.PlistPath(status.LabelDaemon)); err == nil && a.Executable() != "" {
		return a.Executable()
	}
	return "halton-meter"
}
