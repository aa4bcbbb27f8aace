package action

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/haltonlabs/halton-meter-bar/app/desktop"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// LoginItem is Start at Login: the app's own (app/desktop.AppLogin) or a
// LaunchAgent (app/desktop.LoginItem).
type LoginItem interface {
	State() desktop.LoginState
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
	// BundleID is the app's, when it runs from its bundle: the
	// notification settings open on its page.
	BundleID string
}

// ErrInProgress is the answer to an action asked for again while it runs.
var ErrInProgress = errors.New("already in progress")

// ErrNotRunnable is the answer to an action the Runner does not carry out
// (the app's own: its settings, windows and sweeps).
var ErrNotRunnable = errors.New("not an action on the install or the desktop")

// Runner carries out the actions that act on the install or the desktop,
// and keeps every action to one of a kind at a time (Claim). It is safe
// for concurrent use.
type Runner struct {
	Deps Deps
	// OnChange, if set, is told when an action with a busy title starts or
	// ends, so that the title can be redrawn.
	OnChange func(id ID)

	mu      sync.Mutex
	running map[ID]bool
}

// Claim marks id as running; false when it already is. An action that
// repeats is never refused.
func (r *Runner) Claim(id ID) bool {
	if Of(id).Repeats {
		return true
	}
	r.mu.Lock()
	if r.running[id] {
		r.mu.Unlock()
		return false
	}
	if r.running == nil {
		r.running = make(map[ID]bool)
	}
	r.running[id] = true
	r.mu.Unlock()
	r.changed(id)
	return true
}

// Release marks id as no longer running.
func (r *Runner) Release(id ID) {
	if Of(id).Repeats {
		return
	}
	r.mu.Lock()
	delete(r.running, id)
	r.mu.Unlock()
	r.changed(id)
}

func (r *Runner) changed(id ID) {
	if r.OnChange != nil && Of(id).Busy != "" {
		r.OnChange(id)
	}
}

// Running are the actions running now, sorted.
func (r *Runner) Running() []ID {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]ID, 0, len(r.running))
	for id := range r.running {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// Do claims id, runs it with report rep (nil before the first sweep) and
// releases it: ErrInProgress when it runs already.
func (r *Runner) Do(ctx context.Context, id ID, rep *status.Report) error {
	if !r.Claim(id) {
		return fmt.Errorf("%s: %w", Of(id).Name(), ErrInProgress)
	}
	defer r.Release(id)
	return r.Run(ctx, id, rep)
}

// Run carries out an action on the install or the desktop, given the last
// report (nil before the first sweep). The caller claims it first.
func (r *Runner) Run(ctx context.Context, id ID, rep *status.Report) error {
	d := r.Deps
	needReport := func() error {
		if rep == nil {
			return errors.New("no status yet")
		}
		return nil
	}
	switch id {
	case OpenDashboard:
		if err := needReport(); err != nil {
			return err
		}
		return d.Opener.OpenURL("http://" + rep.Listeners.FastAPI.Address + "/")
	case StartDaemon:
		if err := needReport(); err != nil {
			return err
		}
		return r.startDaemon(ctx, *rep)
	case StartEdge:
		if err := needReport(); err != nil {
			return err
		}
		return r.startEdge(ctx, *rep)
	case RunDoctor:
		return d.Opener.RunInTerminal([]string{HaltonMeter(d.Cfg), "doctor"})
	case CopyJSON:
		if err := needReport(); err != nil {
			return err
		}
		var b bytes.Buffer
		if err := status.WriteJSON(&b, *rep); err != nil {
			return err
		}
		return d.Opener.Copy(b.String())
	case OpenLogs:
		return d.Opener.OpenPath(d.Cfg.LogsDir())
	case Install:
		return d.Opener.OpenURL(status.InstallDocsURL)
	case StartAtLogin:
		if d.Login == nil {
			return errors.New("Start at Login is not available here")
		}
		switch d.Login.State() {
		case desktop.LoginOn:
			return d.Login.Disable(ctx)
		case desktop.LoginNeedsApproval: // registered: the user allows it there
			return d.Opener.OpenURL(desktop.LoginItemsSettings)
		}
		return d.Login.Enable(ctx)
	case AlertSettings, AlertPoster:
		return d.Opener.OpenURL(desktop.NotificationSettings(d.BundleID))
	}
	return fmt.Errorf("%s: %w", id, ErrNotRunnable)
}

// load bootstraps the plists of jobs launchd does not have (what
// `halton-meter stop` booted out); one loaded meanwhile is no failure.
func (r *Runner) load(ctx context.Context, jobs ...status.Job) error {
	for _, j := range jobs {
		if j.Loaded {
			continue
		}
		err := r.Deps.Launchctl.Bootstrap(ctx, status.GUIDomain(r.Deps.UID), r.Deps.Cfg.PlistPath(j.Label))
		if err != nil && !errors.Is(err, status.ErrAlreadyLoaded) {
			return err
		}
	}
	return nil
}

// startDaemon does what `halton-meter start` does for launchd: loads the
// daemon and the watchdog if `halton-meter stop` booted them out, then
// `launchctl kickstart -k`, which starts the daemon or restarts it.
func (r *Runner) startDaemon(ctx context.Context, rep status.Report) error {
	lc, uid := r.Deps.Launchctl, r.Deps.UID
	if err := r.load(ctx, rep.Daemon, rep.Watchdog); err != nil {
		return err
	}
	if err := lc.Kickstart(ctx, status.ServiceTarget(uid, status.LabelDaemon), true); err != nil {
		return err
	}
	if rep.Watchdog.PID == nil {
		return lc.Kickstart(ctx, status.ServiceTarget(uid, status.LabelWatchdog), false)
	}
	return nil
}

// startEdge brings the edge back: loads its plist if it is not loaded,
// then `launchctl kickstart -k`.
func (r *Runner) startEdge(ctx context.Context, rep status.Report) error {
	if err := r.load(ctx, rep.Edge.Job); err != nil {
		return err
	}
	return r.Deps.Launchctl.Kickstart(ctx, status.ServiceTarget(r.Deps.UID, status.LabelEdge), true)
}

// HaltonMeter is the halton-meter the daemon's plist runs, so doctor runs
// the same install whatever the Terminal's PATH says.
func HaltonMeter(cfg status.Config) string {
	if a, err := status.ReadLaunchAgent(cfg.PlistPath(status.LabelDaemon)); err == nil && a.Executable() != "" {
		return a.Executable()
	}
	return "halton-meter"
}
