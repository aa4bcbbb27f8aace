package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/internal/testwait"
)

// syncBuffer is a bytes.Buffer safe to read while a process writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDetailsProtocol starts the real details binary as the tray does,
// feeds it a snapshot from the simulator and a garbage line, taps its
// buttons, and reads the requests it writes back.
func TestDetailsProtocol(t *testing.T) {
	w := up(t, "apps")
	w.fault("daemon-crash")
	report := func() json.RawMessage {
		cmd := exec.Command(bin("halton-meter-bar"), "--json")
		cmd.Env = w.env
		out, _ := cmd.Output() // exit 1: degraded
		var compact bytes.Buffer
		if err := json.Compact(&compact, out); err != nil {
			t.Fatalf("--json: %v", err)
		}
		return compact.Bytes()
	}()

	cmd := exec.Command(bin("halton-meter-details"))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	requests := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			requests <- sc.Text()
		}
		close(requests)
	}()
	send := func(line string) {
		if _, err := io.WriteString(stdin, line+"\n"); err != nil {
			t.Fatalf("write %q: %v", line, err)
		}
	}
	expect := func(want string) {
		t.Helper()
		select {
		case got := <-requests:
			if got != want {
				t.Errorf("request %s, want %s", got, want)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("no request %s; stderr:\n%s", want, stderr.String())
		}
	}

	send(`{"type":"snapshot","report":` + string(report) + `,"poll_interval_ms":5000}`)
	send(`this is not a message`)
	send(`{"type":"snapshot"}`)
	send(`{"type":"focus","component":"daemon"}`)
	send(`{"type":"tap","component":"refresh"}`)
	expect(`{"request":"refresh"}`)
	send(`{"type":"tap","component":"start-daemon"}`)
	expect(`{"request":"start-daemon"}`)
	send(`{"type":"tap","component":"copy-diagnostics"}`) // the window's own: no request
	send(`{"type":"tap","component":"run-doctor"}`)
	expect(`{"request":"run-doctor"}`)
	send(`{"type":"tap","component":"open-logs"}`)
	expect(`{"request":"open-logs"}`)
	send(`{"type":"report-focus"}`)
	testwait.For(t, "the focus report", func() bool { return strings.Contains(stderr.String(), `details: focused "daemon"`) })

	log := stderr.String()
	if strings.Count(log, "skipping a line") != 2 {
		t.Errorf("the two bad lines were not each skipped and logged:\n%s", log)
	}
	// Closing stdin closes the window.
	stdin.Close()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit: %v\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the window did not close with its stdin")
	}
}

// TestTrayOpensDetails clicks the tray's rows: one window, brought to the
// row clicked each time, closed when the tray quits.
func TestTrayOpensDetails(t *testing.T) {
	d := startDesktop(t)
	w := up(t, "apps")
	p := startTray(t, d, w.env)
	p.waitMenu("a healthy install", func(by map[string]menuEntry, rows []menuEntry) bool {
		return by["Open Details…"].label != "" && len(rows) == len(rowOrder)
	})
	p.click("daemon")
	testwait.For(t, "the window on the daemon", func() bool { return strings.Contains(p.stderr.String(), `details: focused "daemon"`) })
	p.click("edge")
	testwait.For(t, "the window on the edge", func() bool { return strings.Contains(p.stderr.String(), `details: focused "edge"`) })
	p.click("Open Details…")
	testwait.For(t, "the window in front", func() bool { return strings.Contains(p.stderr.String(), `details: focused ""`) })
	if n := strings.Count(p.stderr.String(), "details: started"); n != 1 {
		t.Errorf("%d windows started:\n%s", n, p.stderr.String())
	}
	p.click("Quit Halton Meter Bar")
	select {
	case err := <-p.exited:
		p.exited <- err
	case <-time.After(15 * time.Second):
		t.Fatal("the tray did not quit")
	}
}
