//go:build darwin

package notify

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os/exec"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/alert"
	"github.com/haltonlabs/halton-meter-bar/app/desktop"
	"github.com/haltonlabs/halton-meter-bar/app/desktop/macos"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// New is the app's alert center: as the app from its bundle
// (UNUserNotificationCenter), else through a script. A native center that
// could not start is tried again at the next alert (Native); a bare
// binary, which has no bundle to post as, keeps the script.
func New(appName string, _ []byte, logger *log.Logger) alert.Center {
	fallback := newScript(appName)
	n := &Native{
		Start:          macos.NewCenter,
		Final:          func(err error) bool { return errors.Is(err, macos.ErrNoBundle) },
		NativePoster:   alert.Poster{Kind: alert.PosterNative, Via: "UNUserNotificationCenter, as " + macos.BundleID()},
		Fallback:       fallback,
		FallbackPoster: fallback.poster(),
		Log:            logger,
	}
	n.Begin()
	return n
}

// script posts through terminal-notifier, whose -group replaces and
// -remove withdraws, or else osascript, which can do neither.
type script struct {
	group    string
	notifier bool // terminal-notifier was found at launch
}

func newScript(group string) script {
	_, err := exec.LookPath("terminal-notifier")
	return script{group: group, notifier: err == nil}
}

// poster is who the script's alerts come from, as the user sees them.
func (s script) poster() alert.Poster {
	p := alert.Poster{Kind: alert.PosterScript, Name: "Script Editor", Via: "osascript", Reason: "the app is not running from its bundle"}
	if s.notifier {
		p.Name, p.Via = "terminal-notifier", "terminal-notifier"
	}
	return p
}

func (script) Authorize(context.Context) error { return nil }
func (script) Permission(context.Context) (alert.Permission, error) {
	return alert.PermissionUnknown, nil
}
func (script) SetCategories(context.Context, []alert.Category) error { return nil }
func (script) Handle(func(alert.Response))                           {}

func runner() *status.ExecRunner {
	return &status.ExecRunner{WaitDelay: 100 * time.Millisecond} // what it prints does not matter
}

func (s script) Post(ctx context.Context, a alert.Alert) error {
	if tn, err := exec.LookPath("terminal-notifier"); err == nil {
		res, err := runner().Run(ctx, tn, "-title", a.Title, "-message", a.Body, "-group", s.group+"."+a.ID)
		if err == nil && res.ExitCode == 0 {
			return nil
		}
	}
	script := fmt.Sprintf("display notification %s with title %s", desktop.AppleScriptString(a.Body), desktop.AppleScriptString(a.Title))
	res, err := runner().Run(ctx, "/usr/bin/osascript", "-e", script)
	if err != nil {
		return fmt.Errorf("osascript: %w", err)
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("%s", status.ExitReason("osascript", res))
	}
	return nil
}

func (s script) Withdraw(ctx context.Context, ids []string) error {
	tn, err := exec.LookPath("terminal-notifier")
	if err != nil {
		return nil // osascript's cannot be withdrawn
	}
	for _, id := range ids {
		if _, err := runner().Run(ctx, tn, "-remove", s.group+"."+id); err != nil {
			return fmt.Errorf("terminal-notifier -remove: %w", err)
		}
	}
	return nil
}
