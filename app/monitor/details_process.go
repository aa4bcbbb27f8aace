package monitor

import (
	"bufio"
	"context"
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
)

// DetailsProcess runs the details window as a child process (fyne and
// systray cannot share a macOS process) and speaks the protocol of
// proto.go with it: one window at a time; asking again brings it to the
// front on the row asked for.
type DetailsProcess struct {
	// Path is the halton-meter-details binary.
	Path string
	// Env is added to the child's environment (the engine's seams).
	Env     []string
	Monitor *Monitor
	Log     *log.Logger

	mu    sync.Mutex
	child *detailsChild
}

type detailsChild struct {
	cmd  *exec.Cmd
	out  chan Message // latest-wins: a slow window never blocks a sweep
	done chan struct{}
}

// DetailsBeside finds halton-meter-details next to the running binary:
// in the .app bundle's Contents/MacOS, or in the build folder.
func DetailsBeside(exe string) string {
	return filepath.Join(filepath.Dir(exe), "halton-meter-details")
}

// Available implements Details.
func (d *DetailsProcess) Available() bool {
	st, err := os.Stat(d.Path)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

// Running reports whether the window is open.
func (d *DetailsProcess) Running() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.child != nil
}

// Open implements Details: it starts the window with the current snapshot,
// or brings the open one to the front, focused on component.
func (d *DetailsProcess) Open(component string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.child == nil {
		if err := d.start(); err != nil {
			return err
		}
		d.child.send(d.Monitor.Snapshot())
	}
	d.child.send(Message{Type: MsgFocus, Component: component})
	return nil
}

// Publish implements Publisher: an open window gets every sweep.
func (d *DetailsProcess) Publish(snapshot func() Message) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.child != nil {
		d.child.send(snapshot())
	}
}

// Close closes the window by closing its stdin.
func (d *DetailsProcess) Close() {
	d.mu.Lock()
	c := d.child
	d.mu.Unlock()
	if c == nil {
		return
	}
	close(c.out)
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		c.cmd.Process.Kill()
		<-c.done
	}
}

func (d *DetailsProcess) start() error {
	cmd := exec.Command(d.Path)
	cmd.Env = append(os.Environ(), d.Env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("start the details window: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("start the details window: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the details window: %w", err)
	}
	c := &detailsChild{cmd: cmd, out: make(chan Message, 8), done: make(chan struct{})}
	d.child = c
	go c.write(stdin, d.logf)
	go func() {
		d.readRequests(stdout)
		cmd.Wait()
		d.mu.Lock()
		if d.child == c {
			d.child = nil
		}
		d.mu.Unlock()
		close(c.done)
	}()
	return nil
}

// send queues a message, dropping the oldest snapshot when the window lags.
func (c *detailsChild) send(msg Message) {
	defer func() { recover() }() // the channel is closed once the window goes
	for {
		select {
		case c.out <- msg:
			return
		default:
		}
		select {
		case <-c.out:
		default:
		}
	}
}

func (c *detailsChild) write(stdin io.WriteCloser, logf func(string, ...any)) {
	defer stdin.Close()
	enc := json.NewEncoder(stdin)
	for {
		select {
		case msg, ok := <-c.out:
			if !ok {
				return
			}
			if err := enc.Encode(msg); err != nil {
				logf("details window: %v", err)
				return
			}
		case <-c.done:
			return
		}
	}
}

// readRequests carries out what the window asks for, skipping bad lines.
func (d *DetailsProcess) readRequests(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	for sc.Scan() {
		id, err := ParseRequest(sc.Bytes())
		if err != nil {
			d.logf("details window: skipping a line: %v", err)
			continue
		}
		go func() {
			if err := d.Monitor.Do(context.Background(), id); err != nil && !errors.Is(err, context.Canceled) {
				d.logf("details window asked for %s: %v", id, err)
			}
		}()
	}
}

func (d *DetailsProcess) logf(format string, args ...any) {
	if d.Log != nil {
		d.Log.Printf(format, args...)
	}
}
