package status

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// launchctl's exit statuses that mean something to a caller.
const (
	// ExitNotLoaded: no such service in the domain.
	ExitNotLoaded = 113
	// ExitAlreadyLoaded: bootstrap of a service that is already loaded
	// ("Bootstrap failed: 5: Input/output error").
	ExitAlreadyLoaded = 5
)

// Kinds of launchctl failure, for errors.Is on a *LaunchctlError.
var (
	ErrNotLoaded     = errors.New("not loaded")
	ErrAlreadyLoaded = errors.New("already loaded")
)

// LaunchctlError is a launchctl verb that ran and exited non-zero. It keeps
// the exit status for errors.As; errors.Is matches ErrNotLoaded (113) and
// ErrAlreadyLoaded (5).
type LaunchctlError struct {
	Verb     string
	ExitCode int
	Message  string // the first line launchctl printed, shortened
}

func (e *LaunchctlError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("launchctl %s exited %d", e.Verb, e.ExitCode)
	}
	return fmt.Sprintf("launchctl %s exited %d: %s", e.Verb, e.ExitCode, e.Message)
}

// Is matches the error kinds by exit status.
func (e *LaunchctlError) Is(target error) bool {
	switch target {
	case ErrNotLoaded:
		return e.ExitCode == ExitNotLoaded
	case ErrAlreadyLoaded:
		return e.ExitCode == ExitAlreadyLoaded
	}
	return false
}

// GUIDomain is the launchd domain of a user's GUI session, where Halton
// Meter's LaunchAgents live: gui/<uid>.
func GUIDomain(uid int) string { return "gui/" + strconv.Itoa(uid) }

// ServiceTarget names a job in a user's GUI domain: gui/<uid>/<label>.
func ServiceTarget(uid int, label string) string { return GUIDomain(uid) + "/" + label }

// ActionTimeout bounds one command run on the user's behalf: launchctl's
// verbs for Start Daemon and Start at Login, and the openers.
const ActionTimeout = 10 * time.Second

// Launchctl runs launchctl's verbs: the one place that knows their
// arguments and exit statuses. Start Daemon and the login item use it.
type Launchctl struct {
	Path   string
	Runner Runner
	// Timeout bounds each verb; zero is ActionTimeout.
	Timeout time.Duration
}

// Bootstrap loads the job of plist into domain. A job already loaded is a
// *LaunchctlError that errors.Is ErrAlreadyLoaded.
func (l Launchctl) Bootstrap(ctx context.Context, domain, plist string) error {
	_, err := l.run(ctx, "bootstrap", domain, plist)
	return err
}

// Bootout unloads a service target. One not loaded is a *LaunchctlError
// that errors.Is ErrNotLoaded.
func (l Launchctl) Bootout(ctx context.Context, target string) error {
	_, err := l.run(ctx, "bootout", target)
	return err
}

// Kickstart starts a service target; restart (-k) kills a running
// instance first.
func (l Launchctl) Kickstart(ctx context.Context, target string, restart bool) error {
	args := []string{"kickstart"}
	if restart {
		args = append(args, "-k")
	}
	_, err := l.run(ctx, append(args, target)...)
	return err
}

// run runs one verb; a non-zero exit is a *LaunchctlError.
func (l Launchctl) run(ctx context.Context, args ...string) (Result, error) {
	timeout := l.Timeout
	if timeout <= 0 {
		timeout = ActionTimeout
	}
	runner := l.Runner
	if runner == nil {
		runner = &ExecRunner{}
	}
	res, err := RunTool(ctx, runner, "launchctl "+args[0], l.Path, timeout, args...)
	if err != nil {
		return res, err
	}
	if res.ExitCode != 0 {
		return res, &LaunchctlError{Verb: args[0], ExitCode: res.ExitCode, Message: outputLine(res)}
	}
	return res, nil
}

// outputLine is the first line a command printed, stderr first.
func outputLine(res Result) string {
	if msg := firstLine(res.Stderr); msg != "" {
		return msg
	}
	return firstLine(res.Stdout)
}
