//go:build darwin

package notify

import (
	"context"
	"fmt"
	"os/exec"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/desktop"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// Notify posts one notification within ctx.
func (n Notifier) Notify(ctx context.Context, title, body string) error {
	runner := &status.ExecRunner{WaitDelay: 100 * time.Millisecond} // what it prints does not matter
	if tn, err := exec.LookPath("terminal-notifier"); err == nil {
		res, err := runner.Run(ctx, tn, "-title", title, "-message", body, "-group", n.AppName)
		if err == nil && res.ExitCode == 0 {
			return nil
		}
	}
	script := fmt.Sprintf("display notification %s with title %s", desktop.AppleScriptString(body), desktop.AppleScriptString(title))
	res, err := runner.Run(ctx, "/usr/bin/osascript", "-e", script)
	if err != nil {
		return fmt.Errorf("osascript: %w", err)
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("%s", status.ExitReason("osascript", res))
	}
	return nil
}
