package desktop

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"howett.net/plist"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// LoginLabel is the LaunchAgent that starts the app at login.
const LoginLabel = "com.haltonlabs.meter.bar"

// LoginItem is "Start at Login": one LaunchAgent, written with
// howett.net/plist and loaded and unloaded with launchctl.
type LoginItem struct {
	Cfg        status.Config
	Launchctl  status.Launchctl
	UID        int
	Executable string
}

// Path is the LaunchAgent's plist.
func (l LoginItem) Path() string { return l.Cfg.PlistPath(LoginLabel) }

// Enabled reports whether the LaunchAgent is installed.
func (l LoginItem) Enabled() bool {
	_, err := os.Stat(l.Path())
	return err == nil
}

// Agent is the LaunchAgent that runs exe at login, in the GUI session.
func Agent(exe string) status.LaunchAgent {
	return status.LaunchAgent{
		Label:                  LoginLabel,
		ProgramArguments:       []string{exe},
		RunAtLoad:              true,
		LimitLoadToSessionType: "Aqua",
		ProcessType:            "Interactive",
	}
}

// AgentPlist is the login agent's plist for exe, as Enable writes it.
func AgentPlist(exe string) ([]byte, error) {
	b, err := plist.MarshalIndent(Agent(exe), plist.XMLFormat, "\t")
	if err != nil {
		return nil, fmt.Errorf("encode the login agent: %w", err)
	}
	return b, nil
}

// Enable writes the LaunchAgent and loads it. The instance launchd starts
// now finds this one running and leaves quietly.
func (l LoginItem) Enable(ctx context.Context) error {
	b, err := AgentPlist(l.Executable)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(l.Path()), 0o755); err != nil {
		return fmt.Errorf("write the login agent: %w", err)
	}
	if err := os.WriteFile(l.Path(), b, 0o644); err != nil {
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
