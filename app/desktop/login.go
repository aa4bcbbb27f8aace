package desktop

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"howett.net/plist"

	"github.com/haltonlabs/halton-meter-bar/internal/atomicfile"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// LoginLabel is the LaunchAgent that starts the app at login.
const LoginLabel = "com.haltonlabs.meter.bar"

// LoginState is Start at Login's state, as System Settings has it.
type LoginState int

// Login states.
const (
	LoginOff LoginState = iota
	LoginOn
	// LoginNeedsApproval: registered, but the user must allow it in System
	// Settings (Login Items) before it runs.
	LoginNeedsApproval
)

func (s LoginState) String() string {
	switch s {
	case LoginOn:
		return "on"
	case LoginNeedsApproval:
		return "needs approval in System Settings"
	}
	return "off"
}

// Settings panes of macOS that the app sends the user to.
const (
	LoginItemsSettings = "x-apple.systempreferences:com.apple.LoginItems-Settings.extension"
	notificationsPane  = "x-apple.systempreferences:com.apple.Notifications-Settings.extension"
)

// NotificationSettings is the Notifications pane of System Settings, on
// the app's own page when its bundle identifier is known.
func NotificationSettings(bundleID string) string {
	if bundleID == "" {
		return notificationsPane
	}
	return notificationsPane + "?id=" + bundleID
}

// LoginItem is "Start at Login" as a LaunchAgent, written with
// howett.net/plist and loaded and unloaded with launchctl: on macOS 12,
// for a bare binary, and elsewhere. On macOS 13 and later the bundle uses
// AppLogin instead, and moves this one there once.
type LoginItem struct {
	Cfg        status.Config
	Launchctl  status.Launchctl
	UID        int
	Executable string
	// BundleID, when known, names the app the agent belongs to.
	BundleID string
}

// Path is the LaunchAgent's plist.
func (l LoginItem) Path() string { return l.Cfg.PlistPath(LoginLabel) }

// State is on while the LaunchAgent is installed: a plist, not a link or
// anything else planted under its name.
func (l LoginItem) State() LoginState {
	if st, err := os.Lstat(l.Path()); err == nil && st.Mode().IsRegular() {
		return LoginOn
	}
	return LoginOff
}

// Agent is the LaunchAgent that runs exe at login, in the GUI session,
// under the app of bundleID when one is given.
func Agent(exe, bundleID string) status.LaunchAgent {
	a := status.LaunchAgent{
		Label:                  LoginLabel,
		ProgramArguments:       []string{exe},
		RunAtLoad:              true,
		LimitLoadToSessionType: "Aqua",
		ProcessType:            "Interactive",
	}
	if bundleID != "" {
		a.AssociatedBundleIdentifiers = []string{bundleID}
	}
	return a
}

// AgentPlist is the login agent's plist, as Enable writes it.
func AgentPlist(exe, bundleID string) ([]byte, error) {
	b, err := plist.MarshalIndent(Agent(exe, bundleID), plist.XMLFormat, "\t")
	if err != nil {
		return nil, fmt.Errorf("encode the login agent: %w", err)
	}
	return b, nil
}

// Enable writes the LaunchAgent and loads it. The instance launchd starts
// now finds this one running and leaves quietly.
func (l LoginItem) Enable(ctx context.Context) error {
	b, err := AgentPlist(l.Executable, l.BundleID)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(l.Path()), 0o755); err != nil {
		return fmt.Errorf("write the login agent: %w", err)
	}
	// Written whole, never through a link planted under its name or its
	// folder's.
	if err := atomicfile.Write(l.Path(), b, 0o644); err != nil {
		return fmt.Errorf("write the login agent: %w", err)
	}
	if err := l.Launchctl.Bootstrap(ctx, status.GUIDomain(l.UID), l.Path()); err != nil && !errors.Is(err, status.ErrAlreadyLoaded) {
		os.Remove(l.Path())
		return fmt.Errorf("load the login agent: %w", err)
	}
	return nil
}

// Disable unloads the LaunchAgent and removes it. When this very process
// was started by it, unloading would stop the app, so the file alone goes
// and launchd forgets the job at logout. Should launchctl refuse, the file
// stays, so the menu still shows the truth.
func (l LoginItem) Disable(ctx context.Context) error {
	if os.Getenv("XPC_SERVICE_NAME") != LoginLabel {
		if err := l.Launchctl.Bootout(ctx, status.ServiceTarget(l.UID, LoginLabel)); err != nil && !errors.Is(err, status.ErrNotLoaded) {
			return fmt.Errorf("unload the login agent: %w", err)
		}
	}
	if err := os.Remove(l.Path()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove the login agent: %w", err)
	}
	return nil
}

// AppService is the app registered as its own login item (macOS 13 and
// later: SMAppService.mainApp, app/desktop/macos).
type AppService interface {
	Status() LoginState
	Register() error
	Unregister() error
}

// AppLogin is Start at Login as the app itself: System Settings lists it
// by name and icon under Open at Login. It registers and unregisters only
// when the user flips it; Legacy is the LaunchAgent an earlier version
// wrote, which Migrate moves here once.
type AppLogin struct {
	Service AppService
	Legacy  LoginItem
}

// State is the service's: on, off, or waiting for the user's approval.
func (l AppLogin) State() LoginState { return l.Service.Status() }

// Enable registers the app.
func (l AppLogin) Enable(context.Context) error { return l.Service.Register() }

// Disable unregisters it; the running app goes on.
func (l AppLogin) Disable(context.Context) error { return l.Service.Unregister() }

// Migrate moves a LaunchAgent login item to the app's own, once: only
// when the LaunchAgent is there, only after the registration succeeded
// (nothing is lost if it fails), and without stopping this process when
// launchd started it through that agent (Disable leaves it loaded then;
// it is simply not there at the next login). It reports whether it moved.
func (l AppLogin) Migrate(ctx context.Context) (bool, error) {
	if l.Legacy.State() != LoginOn {
		return false, nil
	}
	if l.Service.Status() == LoginOff {
		if err := l.Service.Register(); err != nil {
			return false, fmt.Errorf("move Start at Login to the app: %w; the LaunchAgent stays", err)
		}
	}
	if err := l.Legacy.Disable(ctx); err != nil {
		return true, fmt.Errorf("move Start at Login to the app: %w", err)
	}
	return true, nil
}
