package monitor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/alert"
	"github.com/haltonlabs/halton-meter-bar/app/desktop"
	"github.com/haltonlabs/halton-meter-bar/internal/text"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// Do carries out an action of the menu or the details window, one of a
// kind at a time. A failure is announced in a notification (whatever the
// notifications setting, and even while they are paused: the user asked
// for this) and returned; it never takes the app down. An action cut off
// because the app is quitting is not announced.
func (m *Monitor) Do(ctx context.Context, id action.ID) error {
	spec := action.Of(id)
	if !m.runner.Claim(id) {
		m.notify(actionNote(id, "Still working on it", spec.Name()+" is already in progress."))
		return fmt.Errorf("%s: %w", spec.Name(), action.ErrInProgress)
	}
	defer m.runner.Release(id)
	err := m.do(ctx, spec)
	if err != nil && !m.ending(err) {
		m.notify(actionNote(id, spec.Failure, err.Error()))
	}
	return err
}

// actionNote is the notification of what became of an action the user
// asked for: one per action, the next replacing it.
func actionNote(id action.ID, title, body string) Notification {
	return Notification{Kind: KindAction, ID: "action." + string(id), Title: title, Body: body}
}

// Act carries out what the menu, the window or an alert asks for: an
// action, with the value of one that takes one (the budget, the row to
// mute).
func (m *Monitor) Act(ctx context.Context, req Request) error {
	switch req.ID {
	case action.SetBudget:
		return m.setBudget(req.Value)
	case action.Mute:
		return m.toggleMute(status.ComponentName(req.Value))
	}
	return m.Do(ctx, req.ID)
}

// respond carries out the user's answer to an alert: a click on it opens
// the details window on its row; a button runs its action as the menu
// would, the user's own (a fix is not announced), one of a kind at a
// time, its failure announced.
//
// Only an alert on screen answers, and only with a button it carries: a
// press on one withdrawn or replaced, or on a button it never offered,
// does nothing (logged once). A fix no longer needed (Start Edge on a
// healthy edge, Start Daemon on a running daemon) does nothing and says
// so.
func (m *Monitor) respond(r alert.Response) {
	if why := m.refused(r); why != "" {
		key := text.Safe(text.Clip(r.AlertID, 40)) + "/" + text.Safe(text.Clip(r.Button, 40))
		m.mu.Lock()
		first := !m.ignored[key] && len(m.ignored) < maxIgnored
		if first {
			m.ignored[key] = true
		}
		m.mu.Unlock()
		if first {
			m.opts.Log.Printf("an answer to alert %q (button %q) ignored: %s", text.Safe(text.Clip(r.AlertID, 40)), text.Safe(text.Clip(r.Button, 40)), why)
		}
		return
	}
	row := status.ComponentName(r.Thread)
	if !slices.Contains(status.ComponentOrder, row) {
		row = ""
	}
	id := action.ID(r.Button)
	switch {
	case r.Button == "" || id == action.OpenDetails:
		m.OpenRow(row)
	case action.Of(id).Alert:
		if done, ok := m.needless(id); ok {
			m.notify(actionNote(id, "Nothing to do", done))
			return
		}
		if err := m.Do(m.life, id); err != nil && !m.ending(err) {
			m.opts.Log.Printf("an alert's %s: %v", id, err)
		}
	default:
		m.opts.Log.Printf("an alert answered with an unknown button %q", text.Safe(text.Clip(r.Button, 40)))
	}
}

// maxIgnored bounds what is remembered of the presses refused.
const maxIgnored = 256

// refused says why an answer to an alert is not carried out: the alert is
// not on screen (never posted, withdrawn), or it carries no such button.
func (m *Monitor) refused(r alert.Response) string {
	m.mu.Lock()
	buttons, standing := m.offered[r.AlertID]
	m.mu.Unlock()
	switch {
	case !standing:
		return "that alert is not on screen"
	case r.Button != "" && !slices.Contains(buttons, r.Button):
		return "that alert carries no such button"
	}
	return ""
}

// needless says, when the fix id would fix nothing now (its row is
// healthy), what is the case instead.
func (m *Monitor) needless(id action.ID) (string, bool) {
	r, ok := m.Report()
	if !ok {
		return "", false
	}
	fixes := action.Of(id).Fixes
	c, found := r.Row(fixes)
	if !found || !c.Healthy() {
		return "", false
	}
	return "The " + string(fixes) + " is already running.", true
}

// toggleMute mutes the alerts of row, or unmutes them; the next sweep
// withdraws what it no longer stands for, or announces what still stands.
func (m *Monitor) toggleMute(row status.ComponentName) error {
	if !slices.Contains(status.ComponentOrder, row) {
		return fmt.Errorf("mute: no row %q", text.Safe(text.Clip(string(row), 40)))
	}
	err := m.changeSettings(func(s *desktop.Settings) {
		s.ToggleMuted(row)
		m.policy.SetMuted(s.Muted)
	})
	m.publishWindow()
	m.refresh()
	if err != nil {
		m.notify(actionNote(action.Mute, action.Of(action.Mute).Failure, err.Error()))
	}
	return err
}

// ending reports whether err is an action cut off because the app is
// quitting: no failure to announce.
func (m *Monitor) ending(err error) bool {
	return m.life.Err() != nil && (errors.Is(err, status.ErrCancelled) || errors.Is(err, context.Canceled))
}

// Request carries out what a details window asks for, under the app's
// life.
func (m *Monitor) Request(req Request) {
	if err := m.Act(m.life, req); err != nil && !m.ending(err) {
		m.opts.Log.Printf("details window asked for %s: %v", req.ID, err)
	}
}

// do carries an action out: the app's own here, those on the install and
// the desktop through the runner.
func (m *Monitor) do(ctx context.Context, spec action.Spec) error {
	switch spec.ID {
	case action.Refresh:
		if m.opts.Sweeps != nil {
			m.opts.Sweeps.RefreshNow()
		}
	case action.OpenDetails:
		return m.openDetails("")
	case action.Notifications:
		return m.changeSettings(func(s *desktop.Settings) { s.Notifications = !s.Notifications })
	case action.PauseHour, action.PauseTomorrow:
		return m.pause(PauseEnd(spec.ID, m.clock.Now()))
	case action.Resume:
		m.clearPause()
		m.refresh() // what still stands is announced now
	case action.Quit: // the tray ends itself
	default:
		return m.run(ctx, spec)
	}
	return nil
}

// run carries out an action on the install or the desktop. The transition
// a fix causes (Start Daemon, Start Edge) is the user's own: not an alarm.
func (m *Monitor) run(ctx context.Context, spec action.Spec) error {
	// Start Edge on a healthy edge would break the calls going through it.
	if spec.ID == action.StartEdge {
		if done, ok := m.needless(spec.ID); ok {
			m.notify(actionNote(spec.ID, "Nothing to do", done))
			return nil
		}
	}
	var rep *status.Report
	if r, ok := m.Report(); ok {
		rep = &r
	}
	if spec.Fixes != "" && rep != nil {
		m.mu.Lock()
		token := m.policy.UserAction(m.clock.Now(), spec.Fixes)
		m.mu.Unlock()
		defer func() {
			m.mu.Lock()
			m.policy.UserActionDone(token, m.clock.Now())
			m.mu.Unlock()
			m.refresh()
		}()
	}
	err := m.runner.Run(ctx, spec.ID, rep)
	if spec.Checkable {
		m.republish() // the check mark says what is true now
	}
	return err
}

// setBudget sets the daily budget from what the user typed ("" is off),
// remembers it, and gives the window the new figure.
func (m *Monitor) setBudget(value string) error {
	b, err := status.ParseDollars(value)
	if err != nil {
		m.notify(actionNote(action.SetBudget, action.Of(action.SetBudget).Failure, err.Error()))
		return err
	}
	err = m.changeSettings(func(s *desktop.Settings) {
		s.DailyBudget = b
		m.policy.SetBudget(b)
	})
	m.publishWindow()
	if err != nil {
		m.notify(actionNote(action.SetBudget, "Couldn't save the setting", err.Error()))
	}
	return err
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
	select {
	case m.paused <- struct{}{}:
	default:
	}
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
func (m *Monitor) OpenRow(component status.ComponentName) error {
	err := m.openDetails(component)
	if err != nil {
		m.notify(actionNote(action.OpenDetails, action.Of(action.OpenDetails).Failure, err.Error()))
	}
	return err
}

// openDetails opens the details window on a row.
func (m *Monitor) openDetails(component status.ComponentName) error {
	if m.details == nil || !m.details.Available() {
		return errors.New("halton-meter-details is not installed next to halton-meter-bar")
	}
	return m.details.Open(component)
}
