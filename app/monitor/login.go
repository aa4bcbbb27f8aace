package monitor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"howett.net/plist"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// LoginLabel is the LaunchAgent that starts the app at login.
const LoginLabel = "com.haltonlabs.meter.bar"

// LoginItem is "Start at Login": one LaunchAgent, written with
// howett.net/plist and loaded and unloaded with launchctl.
type LoginItem struct {
	Cfg        status.Config
	Runner     status.Runner
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

// Enable writes the LaunchAgent and loads it. The instance launchd starts
// now finds this one running and leaves quietly.
func (l LoginItem) Enable(ctx context.Context) error {
	b, err := plist.MarshalIndent(Agent(l.Executable), plist.XMLFormat, "\t")
	if err != nil {
		return fmt.Errorf("encode the login agent: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(l.Path()), 0o755); err != nil {
		return fmt.Errorf("write the login agent: %w", err)
	}
	if err := os.WriteFile(l.Path(), b, 0o644); err != nil {
		return fmt.Errorf("write the login agent: %w", err)
	}
	res, err := l.launchctl(ctx, "bootstrap", l.domain(), l.Path())
	if err == nil && res.ExitCode != 0 && res.ExitCode != 5 { // 5: already loaded
		err = errors.New(status.ExitReason("launchctl bootstrap", res))
	}
	if err != nil {
		os.Remove(l.Path())
		return fmt.Errorf("load the login agent: %w", err)
	}
	return nil
}

// Disable unloads the LaunchAgent and removes it. When this very process
// was started by it, unloading would stop the app, so the file alone goes
// and launchd forgets the job at logout.
func (l LoginItem) Disable(ctx context.Context) error {
	if os.Getenv("XPC_SERVICE_NAME") != LoginLabel {
		res, err := l.launchctl(ctx, "bootout", l.domain()+"/"+LoginLabel)
		if err != nil {
			return fmt.Errorf("unload the login agent: %w", err)
		}
		if res.ExitCode != 0 && res.ExitCode != status.ExitNotLoaded {
			return fmt.Errorf("unload the login agent: %s", status.ExitReason("launchctl bootout", res))
		}
	}
	if err := os.Remove(l.Path()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove the login agent: %w", err)
	}
	return nil
}

func (l LoginItem) domain() string { return fmt.Sprintf("gui/%d", l.UID) }

func (l LoginItem) launchctl(ctx context.Context, args ...string) (status.Result, error) {
	return status.RunTool(ctx, l.Runner, "launchctl", l.Cfg.Launchctl, 10*time.Second, args...)
}
