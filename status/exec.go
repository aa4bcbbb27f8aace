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
	"sync"
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
	// WaitDelay is how long, once the command has exited while something
	// it started still runs in its process group, that something may keep
	// the output open; past it, the output is Incomplete. Zero is a
	// second. Launchers whose output does not matter (an opener leaving a
	// browser running) want it short. When nothing of the command's is
	// left, its output is read to the end, within ctx, however slowly a
	// loaded machine copies it.
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

// drainCap bounds the reading of a finished command's output when ctx has
// no deadline of its own.
const drainCap = 30 * time.Second

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
	// The pipes are ours, not exec's: whether to wait for their end is
	// decided below, by what is left of the command.
	outputs, err := newOutputs(stdout, stderr)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", path, err)
	}
	cmd.Stdout, cmd.Stderr = outputs.w[0], outputs.w[1]
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// Negative PID: the whole group the command leads.
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	// Only stdin goes through exec's own copying (when in is not a file):
	// a child that left it open must not keep Wait waiting.
	cmd.WaitDelay = r.waitDelay()
	err = cmd.Start()
	outputs.closeWriters()
	if err != nil {
		outputs.stop()
		return Result{}, startError(path, err)
	}
	r.spawned.Add(1)
	err = cmd.Wait()
	cutShort := outputs.drain(ctx, cmd.Process.Pid, r.waitDelay())
	res := Result{
		Stdout:     stdout.Bytes(),
		Stderr:     stderr.Bytes(),
		Truncated:  stdout.over || stderr.over,
		Incomplete: cutShort,
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return res, ErrTimeout
	case ctx.Err() != nil:
		return res, ErrCancelled
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil, errors.Is(err, exec.ErrWaitDelay): // exited; only stdin was left unread
	case errors.As(err, &exitErr):
		res.ExitCode = exitErr.ExitCode()
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return res, fmt.Errorf("killed by %s", SignalText(int(ws.Signal())))
		}
	default:
		return res, err
	}
	return res, nil
}

func (r *ExecRunner) waitDelay() time.Duration {
	if r.WaitDelay <= 0 {
		return time.Second
	}
	return r.WaitDelay
}

// outputs are a command's stdout and stderr pipes and their readers.
type outputs struct {
	r, w [2]*os.File
	done chan struct{} // closed when both readers are at their end
}

func newOutputs(stdout, stderr io.Writer) (*outputs, error) {
	o := &outputs{done: make(chan struct{})}
	for i := range 2 {
		var err error
		if o.r[i], o.w[i], err = os.Pipe(); err != nil {
			// Nothing copies yet: close what was made, and wait for nothing.
			o.closeWriters()
			for _, r := range o.r {
				if r != nil {
					r.Close()
				}
			}
			return nil, fmt.Errorf("make a pipe: %w", err)
		}
	}
	var wg sync.WaitGroup
	for i, dst := range []io.Writer{stdout, stderr} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			io.Copy(dst, o.r[i])
		}()
	}
	go func() { wg.Wait(); close(o.done) }()
	return o, nil
}

// closeWriters closes this process's copies of the write ends, once the
// command has its own.
func (o *outputs) closeWriters() {
	for _, w := range o.w {
		if w != nil {
			w.Close()
		}
	}
}

// stop closes the read ends, which ends the readers, and waits for them.
func (o *outputs) stop() {
	for _, r := range o.r {
		if r != nil {
			r.Close()
		}
	}
	<-o.done
}

// drain reads what the exited command group pgid wrote, and tells whether
// it may be cut short. With nothing of the group left, what remains is in
// the pipes: it is read to the end, within ctx. With a member left (a
// child in the background holding the pipes), the output is read for
// delay at most, then given up as cut short.
func (o *outputs) drain(ctx context.Context, pgid int, delay time.Duration) (cutShort bool) {
	defer o.stop()
	if ctx.Err() == nil && !groupAlive(pgid) {
		bound := time.NewTimer(drainCap)
		defer bound.Stop()
		select {
		case <-o.done:
			return false
		case <-ctx.Done():
		case <-bound.C:
		}
		select { // a reader that finished in the same instant still counts
		case <-o.done:
			return false
		default:
			return true
		}
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-o.done:
		return false
	case <-t.C:
		return true
	}
}

// groupAlive reports whether process group pgid has a member left.
func groupAlive(pgid int) bool {
	err := syscall.Kill(-pgid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func startError(path string, err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("not found at %s", path)
	}
	if errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("not executable: %s", path)
	}
	if errors.Is(err, syscall.EAGAIN) {
		return fmt.Errorf("%w: %w", errProcessLimit, err)
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
		noteShortage(ctx, err)
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
