package monitor

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/desktop"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// Notifier shows a native notification.
type Notifier interface {
	Notify(title, body string) error
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

// Do carries out an action of the menu or the details window. A failure is
// announced in a notification (whatever the notifications setting: the
// user asked for this) and returned; it never takes the app down.
func (m *Monitor) Do(ctx context.Context, id action.ID) error {
	err := m.do(ctx, id)
	if err != nil {
		m.notify(Notification{Title: failureTitle[id], Body: err.Error()}, true)
	}
	return err
}

// request carries out what the details window asks for.
func (m *Monitor) request(id action.ID) {
	if err := m.Do(context.Background(), id); err != nil && !errors.Is(err, context.Canceled) {
		m.opts.Log.Printf("details window asked for %s: %v", id, err)
	}
}

var failureTitle = map[action.ID]string{
	action.OpenDetails:   "Couldn't open the details window",
	action.OpenDashboard: "Couldn't open the dashboard",
	action.StartDaemon:   "Couldn't start the daemon",
	action.RunDoctor:     "Couldn't run halton-meter doctor",
	action.CopyJSON:      "Couldn't copy the status",
	action.OpenLogs:      "Couldn't open the logs folder",
	action.Notifications: "Couldn't save the setting",
	action.StartAtLogin:  "Couldn't change Start at Login",
	action.Install:       "Couldn't open the install guide",
}

func (m *Monitor) do(ctx context.Context, id action.ID) error {
	deps := m.deps
	r, ok := m.Report()
	switch id {
	case action.Refresh:
		m.Refresh()
	case action.OpenDetails:
		return m.openDetails("")
	case action.OpenDashboard:
		if !ok {
			return errors.New("no status yet")
		}
		return deps.Opener.OpenURL("http://" + r.Listeners.FastAPI.Address + "/")
	case action.StartDaemon:
		err := m.startDaemon(ctx, r)
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
		return m.setNotifications(!m.Settings().Notifications)
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

// OpenRow opens the details window focused on a row, announcing a failure
// as Do does.
func (m *Monitor) OpenRow(component string) error {
	err := m.openDetails(component)
	if err != nil {
		m.notify(Notification{Title: failureTitle[action.OpenDetails], Body: err.Error()}, true)
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

// startDaemon does what `halton-meter start` does for launchd: loads the
// daemon and the watchdog if `halton-meter stop` booted them out, then
// `launchctl kickstart -k`, which starts the daemon or restarts it.
func (m *Monitor) startDaemon(ctx context.Context, r status.Report) error {
	lc, uid := m.deps.Launchctl, m.deps.UID
	for _, j := range []status.Job{r.Daemon, r.Watchdog} {
		if !j.Loaded {
			err := lc.Bootstrap(ctx, status.GUIDomain(uid), m.deps.Cfg.PlistPath(j.Label))
			if err != nil && !errors.Is(err, status.ErrAlreadyLoaded) {
				return err
			}
		}
	}
	if err := lc.Kickstart(ctx, status.ServiceTarget(uid, status.LabelDaemon), true); err != nil {
		return err
	}
	if r.Watchdog.PID == nil {
		return lc.Kickstart(ctx, status.ServiceTarget(uid, status.LabelWatchdog), false)
	}
	return nil
}

// haltonMeter is the halton-meter the daemon's plist runs, so doctor runs
// the same install whatever the Terminal's PATH says.
func haltonMeter(cfg status.Config) string {
	if a, err := status.ReadLaunchAgent(cfg.PlistPath(status.LabelDaemon)); err == nil && a.Executable() != "" {
		return a.Executable()
	}
	return "halton-meter"
}
