package status

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeLaunchctl writes a launchctl that records its arguments and exits
// with code, printing msg on stderr.
func fakeLaunchctl(t *testing.T, code int, msg string) (Launchctl, string) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	path := filepath.Join(dir, "launchctl")
	script := "#!/bin/sh\necho \"$*\" >> " + log + "\n"
	if msg != "" {
		script += "echo '" + msg + "' >&2\n"
	}
	script += "exit " + strconv.Itoa(code) + "\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return Launchctl{Path: path}, log
}

func TestLaunchctlVerbs(t *testing.T) {
	ctx := context.Background()
	lc, log := fakeLaunchctl(t, 0, "")
	if err := lc.Bootstrap(ctx, GUIDomain(501), "/p/a.plist"); err != nil {
		t.Fatal(err)
	}
	lc.Bootout(ctx, ServiceTarget(501, LabelDaemon))
	lc.Kickstart(ctx, ServiceTarget(501, LabelDaemon), true)
	lc.Kickstart(ctx, ServiceTarget(501, LabelWatchdog), false)
	b, _ := os.ReadFile(log)
	want := "bootstrap gui/501 /p/a.plist\nbootout gui/501/com.haltonlabs.meter\nkickstart -k gui/501/com.haltonlabs.meter\nkickstart gui/501/com.haltonlabs.meter.watchdog\n"
	if string(b) != want {
		t.Errorf("ran\n%s\nwant\n%s", b, want)
	}
}

func TestLaunchctlErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		code   int
		msg    string
		kind   error
		notice string
	}{
		{5, "Bootstrap failed: 5: Input/output error", ErrAlreadyLoaded, "launchctl bootstrap exited 5: Bootstrap failed: 5: Input/output error"},
		{113, `Could not find service "x" in domain for user gui: 501`, ErrNotLoaded, `launchctl bootstrap exited 113: Could not find service "x" in domain for user gui: 501`},
		{125, "", nil, "launchctl bootstrap exited 125"},
	}
	for _, tt := range tests {
		lc, _ := fakeLaunchctl(t, tt.code, tt.msg)
		err := lc.Bootstrap(ctx, GUIDomain(501), "/p/a.plist")
		var le *LaunchctlError
		if !errors.As(err, &le) || le.ExitCode != tt.code || le.Verb != "bootstrap" {
			t.Errorf("exit %d: %v", tt.code, err)
			continue
		}
		if err.Error() != tt.notice {
			t.Errorf("exit %d: %q, want %q", tt.code, err, tt.notice)
		}
		for _, kind := range []error{ErrAlreadyLoaded, ErrNotLoaded} {
			if errors.Is(err, kind) != (kind == tt.kind) {
				t.Errorf("exit %d: errors.Is(%v) = %v", tt.code, kind, errors.Is(err, kind))
			}
		}
	}
	// A launchctl that is not there is no LaunchctlError.
	err := Launchctl{Path: "/nonexistent/launchctl"}.Kickstart(ctx, "gui/501/x", true)
	var le *LaunchctlError
	if err == nil || errors.As(err, &le) || !strings.Contains(err.Error(), "not found at /nonexistent/launchctl") {
		t.Errorf("missing launchctl: %v", err)
	}
}

func TestRunnerTimeoutAndCancel(t *testing.T) {
	r := &ExecRunner{}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := r.Run(ctx, "/bin/sleep", "10"); !errors.Is(err, ErrTimeout) {
		t.Errorf("deadline: %v", err)
	}
	_, err := RunTool(context.Background(), r, "sleeper", "/bin/sleep", 100*time.Millisecond, "10")
	if err == nil || err.Error() != "sleeper timed out after 100ms: timed out" || !errors.Is(err, ErrTimeout) {
		t.Errorf("RunTool deadline: %v", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	_, err = RunTool(ctx, r, "sleeper", "/bin/sleep", time.Second, "10")
	if err == nil || !strings.Contains(err.Error(), "sleeper: cancelled") {
		t.Errorf("RunTool cancelled: %v", err)
	}
}

func TestRunnerNamesSignals(t *testing.T) {
	_, err := (&ExecRunner{}).Run(context.Background(), "/bin/sh", "-c", "kill -9 $$")
	if err == nil || err.Error() != "killed by signal 9 (SIGKILL)" {
		t.Errorf("got %v", err)
	}
	if got := (JobInfo{Loaded: true, HasStatus: true, Status: -15}).ExitText(); got != "killed by signal 15 (SIGTERM)" {
		t.Errorf("exit text %q", got)
	}
	if got := SignalText(200); got != "signal 200" {
		t.Errorf("unknown signal %q", got)
	}
}
