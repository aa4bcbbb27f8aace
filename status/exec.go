package status

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/haltonlabs/halton-meter-bar/internal/text"
)

// maxCommandOutput bounds what the engine keeps of a command's stdout or
// stderr. `launchctl list` prints a few hundred lines; anything past this is
// not a launchctl we understand.
const maxCommandOutput = 1 << 20

// Result is what a finished command printed and how it exited.
type Result struct {
	Stdout   []byte
	Stderr   []byte
	ExitCode int
	// Truncated is set when the output went past maxCommandOutput.
	Truncated bool
	// Incomplete is set when the command exited but something it left
	// running held its output open past the wait delay: what was read may
	// be cut short.
	Incomplete bool
}

// Runner runs a command by absolute path, without a shell.
type Runner interface {
	Run(ctx context.Context, path string, args ...string) (Result, error)
}

// ExecRunner runs real processes. It kills the whole process group when ctx
// ends, so a hung tool cannot leave children behind, and counts its spawns.
type ExecRunner struct {
	// WaitDelay is how long, once the command has exited, its output may
	// still take to drain (a loaded machine copies a long table slowly);
	// past it, the output is Incomplete. Zero is a second. Launchers whose
	// output does not matter (an opener leaving a browser running) want it
	// short.
	WaitDelay time.Duration

	spawned atomic.Int64
}

// Spawned is the number of processes started so far.
func (r *ExecRunner) Spawned() int { return int(r.spawned.Load()) }

// ErrTimeout is wrapped by the error a Runner returns when ctx's deadline
// passed first; ErrCancelled when ctx was cancelled (the sweep or the app
// is ending).
var (
	ErrTimeout   = errors.New("timed out")
	ErrCancelled = errors.New("cancelled")
)

// Run implements Runner.
func (r *ExecRunner) Run(ctx context.Context, path string, args ...string) (Result, error) {
	return r.RunInput(ctx, nil, path, args...)
}

// RunInput is Run with stdin fed from in (nil: no input).
func (r *ExecRunner) RunInput(ctx context.Context, in io.Reader, path string, args ...string) (Result, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdin = in
	stdout := &limitedBuffer{max: maxCommandOutput}
	stderr := &limitedBuffer{max: maxCommandOutput}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// Negative PID: the whole group the command leads.
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	// A grandchild holding the pipes open must not keep Wait waiting.
	cmd.WaitDelay = r.WaitDelay
	if cmd.WaitDelay <= 0 {
		cmd.WaitDelay = time.Second
	}
	if err := cmd.Start(); err != nil {
		return Result{}, startError(path, err)
	}
	r.spawned.Add(1)
	err := cmd.Wait()
	res := Result{
		Stdout:    stdout.Bytes(),
		Stderr:    stderr.Bytes(),
		Truncated: stdout.over || stderr.over,
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return res, ErrTimeout
	case ctx.Err() != nil:
		return res, ErrCancelled
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		res.ExitCode = exitErr.ExitCode()
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return res, fmt.Errorf("killed by %s", SignalText(int(ws.Signal())))
		}
	case errors.Is(err, exec.ErrWaitDelay):
		// Exited, but a leftover child kept the pipe open: what was read so
		// far may not be all of it.
		res.Incomplete = true
	default:
		return res, err
	}
	return res, nil
}

func startError(path string, err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("not found at %s", path)
	}
	if errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("not executable: %s", path)
	}
	return err
}

// limitedBuffer keeps the first max bytes written to it and drops the rest,
// still reporting every write as complete so the child is never blocked.
type limitedBuffer struct {
	buf  bytes.Buffer
	max  int
	over bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	room := b.max - b.buf.Len()
	if room <= 0 {
		b.over = b.over || len(p) > 0
		return len(p), nil
	}
	if len(p) > room {
		b.buf.Write(p[:room])
		b.over = true
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *limitedBuffer) Bytes() []byte { return b.buf.Bytes() }

// RunTool runs a tool under its own timeout and turns every failure into a
// one-line reason ("launchctl timed out after 1.5s").
func RunTool(ctx context.Context, r Runner, name, path string, timeout time.Duration, args ...string) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := r.Run(ctx, path, args...)
	if err != nil {
		switch {
		case errors.Is(err, ErrTimeout) || errors.Is(err, context.DeadlineExceeded):
			return res, fmt.Errorf("%s timed out after %s: %w", name, fmtDuration(timeout), ErrTimeout)
		case errors.Is(err, ErrCancelled) || errors.Is(err, context.Canceled):
			return res, fmt.Errorf("%s: %w", name, ErrCancelled)
		}
		return res, fmt.Errorf("%s %w", name, err)
	}
	if res.Truncated {
		return res, fmt.Errorf("%s printed more than %d bytes", name, maxCommandOutput)
	}
	if res.Incomplete {
		return res, fmt.Errorf("%s output may be cut short: something it started kept it open", name)
	}
	return res, nil
}

// firstLine is the first non-empty line of b, trimmed and shortened for a detail.
func firstLine(b []byte) string {
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return text.Clip(line, 120)
		}
	}
	return ""
}

// SignalText names a signal by number and name: "signal 9 (SIGKILL)".
func SignalText(sig int) string {
	if name := unix.SignalName(syscall.Signal(sig)); name != "" {
		return fmt.Sprintf("signal %d (%s)", sig, name)
	}
	return fmt.Sprintf("signal %d", sig)
}

// fmtDuration prints 1.5s, 500ms, 2s.
func fmtDuration(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.2f", d.Seconds()), "0"), ".0") + "s"
}
