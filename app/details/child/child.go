// Package child is the tray's side of the details window: it starts
// halton-meter-details as a child process (fyne and getlantern/systray
// cannot share a macOS process), streams it snapshots and reads its
// requests, in the protocol of app/details/wire. One window at a time;
// asking again brings it to the front on the row asked for.
//
// A Window is built from plain functions: Snapshot makes the message that
// gives a window the current state (called only while one is open), and
// OnRequest carries out what the window asks for; it never calls them
// under its own lock. ForMonitor builds them from the tray's monitor,
// translating its state (its history, its last figures) into the line's
// types: the monitor holds none of the line's.
package child

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/app/monitor"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// Options build a Window.
type Options struct {
	// Path is the halton-meter-details binary.
	Path string
	// Env is added to the child's environment (the engine's seams).
	Env []string
	// Snapshot makes the message that gives a window the current state.
	Snapshot func() wire.Message
	// OnRequest carries out a request of the window.
	OnRequest func(wire.Request)
	// Log receives what goes wrong on the line; nil logs nothing.
	Log *log.Logger
	// Stderr receives the window's own stderr; nil is os.Stderr.
	Stderr io.Writer
}

// closeGrace is how long a window may take to close after its stdin does.
const closeGrace = 5 * time.Second

// Window runs the details window.
type Window struct {
	opts Options

	mu     sync.Mutex
	cur    *proc
	closed bool
}

// New makes a Window; nothing runs until Open.
func New(opts Options) *Window { return &Window{opts: opts} }

// Beside finds halton-meter-details next to the running binary: in the .app
// bundle's Contents/MacOS, or in the build folder.
func Beside(exe string) string {
	return filepath.Join(filepath.Dir(exe), "halton-meter-details")
}

// Available reports whether the window's binary is there to start.
func (w *Window) Available() bool {
	st, err := os.Stat(w.opts.Path)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

// Open starts the window with the current snapshot, or brings the open one
// to the front, focused on component ("" for none).
func (w *Window) Open(component status.ComponentName) error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return errors.New("the details window is shutting down")
	}
	p, started := w.cur, false
	if p == nil {
		var err error
		if p, err = w.start(); err != nil {
			w.mu.Unlock()
			return err
		}
		w.cur, started = p, true
	}
	w.mu.Unlock()
	if started {
		p.post(w.opts.Snapshot())
	}
	p.post(wire.Message{Type: wire.MsgFocus, Component: component})
	return nil
}

// Publish gives an open window the current snapshot; with no window open,
// none is made.
func (w *Window) Publish() {
	w.mu.Lock()
	p := w.cur
	w.mu.Unlock()
	if p != nil {
		p.post(w.opts.Snapshot())
	}
}

// Close closes the window, by closing its stdin, and waits for it to end;
// one that does not within closeGrace is killed. Later Opens fail. Close
// may be called any number of times.
func (w *Window) Close() {
	w.mu.Lock()
	w.closed = true
	p := w.cur
	w.mu.Unlock()
	if p == nil {
		return
	}
	p.stop()
	select {
	case <-p.done:
	case <-time.After(closeGrace):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// open reports whether a window runs now.
func (w *Window) open() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cur != nil
}

// proc is one run of the window.
type proc struct {
	cmd *exec.Cmd

	// The outbox holds what is still to be written: only the latest
	// snapshot (a slow window never holds up a sweep), and every focus.
	mu       sync.Mutex
	snapshot *wire.Message
	focus    []status.ComponentName
	ready    chan struct{} // a token when the outbox has something

	quit     chan struct{} // closed once, by stop
	quitOnce sync.Once
	done     chan struct{} // closed once the process is reaped
}

func (w *Window) start() (*proc, error) {
	cmd := exec.Command(w.opts.Path)
	cmd.Env = append(os.Environ(), w.opts.Env...)
	cmd.Stderr = w.opts.Stderr
	if cmd.Stderr == nil {
		cmd.Stderr = os.Stderr
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start the details window: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start the details window: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the details window: %w", err)
	}
	p := &proc{cmd: cmd, ready: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go p.write(stdin, w.logf)
	go func() {
		w.readRequests(stdout)
		cmd.Wait()
		w.mu.Lock()
		if w.cur == p {
			w.cur = nil
		}
		w.mu.Unlock()
		p.stop()
		close(p.done)
	}()
	return p, nil
}

// stop ends the writer, which closes the window's stdin.
func (p *proc) stop() { p.quitOnce.Do(func() { close(p.quit) }) }

// post queues a message for the window. It never blocks, and a message
// for a window that has gone is dropped.
func (p *proc) post(msg wire.Message) {
	p.mu.Lock()
	if msg.Type == wire.MsgFocus {
		p.focus = append(p.focus, msg.Component)
	} else {
		p.snapshot = &msg
	}
	p.mu.Unlock()
	select {
	case p.ready <- struct{}{}:
	default:
	}
}

// take empties the outbox: the snapshot first, so a focus lands on it.
func (p *proc) take() []wire.Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []wire.Message
	if p.snapshot != nil {
		out = append(out, *p.snapshot)
		p.snapshot = nil
	}
	for _, c := range p.focus {
		out = append(out, wire.Message{Type: wire.MsgFocus, Component: c})
	}
	p.focus = nil
	return out
}

// write sends the outbox to the window until stop; what was posted before
// stop still goes out, then stdin closes, which closes the window. A
// message that cannot be encoded is skipped (said once), never the end of
// the window: only a window that stopped reading ends the writing.
func (p *proc) write(stdin io.WriteCloser, logf func(string, ...any)) {
	defer stdin.Close()
	unencoded := ""
	for {
		quit := false
		select {
		case <-p.quit:
			quit = true
		case <-p.ready:
		}
		for _, msg := range p.take() {
			line, err := json.Marshal(msg)
			if err != nil {
				if err.Error() != unencoded {
					unencoded = err.Error()
					logf("details window: skipping a %s that cannot be encoded: %v", msg.Type, err)
				}
				continue
			}
			if _, err := stdin.Write(append(line, '\n')); err != nil {
				logf("details window: %v", err)
				return
			}
		}
		if quit {
			return
		}
	}
}

// readRequests hands on what the window asks for, skipping bad lines.
func (w *Window) readRequests(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), wire.MaxLine)
	for sc.Scan() {
		req, err := wire.ParseRequest(sc.Bytes())
		if err != nil {
			w.logf("details window: skipping a line: %v", err)
			continue
		}
		go w.opts.OnRequest(req)
	}
	if err := sc.Err(); err != nil {
		w.logf("details window: %v", err)
		io.Copy(io.Discard, r) // drain, so the window never blocks on a full pipe
	}
}

func (w *Window) logf(format string, args ...any) {
	if w.opts.Log != nil {
		w.opts.Log.Printf(format, args...)
	}
}

// Message is the snapshot line for s: the monitor's state as the line to
// the window carries it.
func Message(s monitor.Snapshot) wire.Message {
	msg := wire.Message{Type: wire.MsgSnapshot, Report: s.Report, History: wire.FromHistory(s.History),
		PollIntervalMS: s.PollInterval.Milliseconds(), Busy: s.Busy, Budget: s.Budget,
		Alerts: s.Alerts, AlertsOff: s.AlertsOff, Muted: s.Muted}
	if s.LastSpend != nil {
		msg.LastSpend = &wire.Spend{Today: s.LastSpend.Today, At: s.LastSpend.At}
	}
	if p := s.Poster; p != nil {
		msg.Poster = &wire.Poster{Kind: p.Kind, Name: p.Name, Reason: p.Reason, Problem: p.Problem}
	}
	return msg
}

// ForMonitor is the monitor's details window: the binary at path, fed the
// monitor's snapshots, its requests carried out by request.
func ForMonitor(path string, env []string, logger *log.Logger) func(snapshot func() monitor.Snapshot, request func(monitor.Request)) monitor.Window {
	return func(snapshot func() monitor.Snapshot, request func(monitor.Request)) monitor.Window {
		return New(Options{Path: path, Env: env, Log: logger,
			Snapshot:  func() wire.Message { return Message(snapshot()) },
			OnRequest: func(r wire.Request) { request(monitor.Request{ID: r.Request, Value: r.Value}) }})
	}
}
