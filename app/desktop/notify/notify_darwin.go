//go:build darwin

package notify

import (
	"context"
	"fmt"
	"os/exec"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/alert"
	"github.com/haltonlabs/halton-meter-bar/app/desktop"
	"github.com/haltonlabs/halton-meter-bar/app/desktop/macos"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// New is the app's alert center, and how it posts, for the log: as the
// app from its bundle, else through a script.
func New(appName string, _ []byte) (alert.Center, string) {
	c, err := macos.NewCenter()
	if err == nil {
		return c, "UNUserNotificationCenter, as " + macos.BundleID()
	}
	return script{group: appName}, fmt.Sprintf("a script (%v): alerts show as Script Editor's, without buttons", err)
}

// script posts through terminal-notifier, whose -group replaces and
// -remove withdraws, or else osascript, which can do neither.
type script struct{ group string }

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
