package child

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/alert"
	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/app/monitor"
	"github.com/haltonlabs/halton-meter-bar/internal/testwait"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// stand-in is a window: a script that records what it is sent, and asks
// for a refresh, a garbage line, an unknown request and a start.
type standIn struct {
	dir, path, received, starts string
}

func newStandIn(t *testing.T, body string) standIn {
	dir := t.TempDir()
	s := standIn{dir: dir, path: filepath.Join(dir, "halton-meter-details"), received: filepath.Join(dir, "received"), starts: filepath.Join(dir, "starts")}
	os.WriteFile(s.path, []byte("#!/bin/sh\necho started >> "+s.starts+"\n"+body+"\n"), 0o755)
	return s
}

func (s standIn) count() int {
	b, _ := os.ReadFile(s.starts)
	return strings.Count(string(b), "started")
}

type recorder struct {
	mu  sync.Mutex
	ids []action.ID
}

func (r *recorder) add(req wire.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids = append(r.ids, req.Request)
}

func (r *recorder) has(id action.ID) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range r.ids {
		if x == id {
			return true
		}
	}
	return false
}

func snapshot(n *atomic.Int32) func() wire.Message {
	return func() wire.Message {
		n.Add(1)
		r := status.Report{Overall: status.OverallHealthy}
		for _, name := range status.ComponentOrder {
			r.Components = append(r.Components, status.Component{Name: name, State: "healthy", Level: status.LevelOK})
		}
		return wire.Message{Type: wire.MsgSnapshot, Report: &r}
	}
}

func TestWindow(t *testing.T) {
	s := newStandIn(t, `printf '{"request":"refresh"}\nnot json\n{"request":"quit"}\n{"request":"start-daemon"}\n'
exec cat > RECEIVED`)
	os.WriteFile(s.path, []byte(strings.ReplaceAll(string(must(os.ReadFile(s.path))), "RECEIVED", s.received)), 0o755)
	var made atomic.Int32
	rec := &recorder{}
	w := New(Options{Path: s.path, Snapshot: snapshot(&made), OnRequest: rec.add})
	if !w.Available() {
		t.Fatal("not available")
	}
	w.Publish()
	if made.Load() != 0 {
		t.Error("a snapshot was made with no window open")
	}
	if err := w.Open("daemon"); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, "the requests", func() bool { return rec.has(action.Refresh) && rec.has(action.StartDaemon) })
	if rec.has(action.Quit) {
		t.Error("a request the window may not make was carried out")
	}
	// Asking again brings the same window to the row.
	if err := w.Open("edge"); err != nil {
		t.Fatal(err)
	}
	w.Publish()
	w.Close()
	w.Close() // twice is fine
	if w.open() {
		t.Error("still open after Close")
	}
	if err := w.Open(""); err == nil {
		t.Error("Open after Close started a window")
	}
	if n := s.count(); n != 1 {
		t.Errorf("started %d times", n)
	}
	var types []string
	for _, line := range strings.Split(strings.TrimSpace(string(must(os.ReadFile(s.received)))), "\n") {
		msg, err := wire.ParseMessage([]byte(line))
		if err != nil {
			t.Fatalf("the window got a bad line %q: %v", line, err)
		}
		types = append(types, msg.Type+":"+string(msg.Component))
	}
	got := strings.Join(types, " ")
	if !strings.HasPrefix(got, "snapshot: focus:daemon") || !strings.Contains(got, "focus:edge") {
		t.Errorf("the window received %s", got)
	}
}

// TestWindowGoesByItself: a window that ends is reaped, and the next Open
// starts a new one.
func TestWindowGoesByItself(t *testing.T) {
	s := newStandIn(t, "exit 0")
	var made atomic.Int32
	w := New(Options{Path: s.path, Snapshot: snapshot(&made), OnRequest: func(wire.Request) {}})
	defer w.Close()
	w.Open("")
	testwait.For(t, "the window to go", func() bool { return !w.open() && s.count() == 1 })
	w.Open("")
	testwait.For(t, "a second window", func() bool { return s.count() == 2 })
}

// TestWindowPublishRaces: Publish, Open and Close from many goroutines at
// once never panic and leave no window behind (run with -race).
func TestWindowPublishRaces(t *testing.T) {
	s := newStandIn(t, "exec cat >/dev/null")
	var made atomic.Int32
	w := New(Options{Path: s.path, Snapshot: snapshot(&made), OnRequest: func(wire.Request) {}})
	w.Open("")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				w.Publish()
				if j%50 == 0 {
					w.Open("daemon")
				}
			}
		}()
	}
	wg.Add(1)
	go func() { defer wg.Done(); time.Sleep(5 * time.Millisecond); w.Close() }()
	wg.Wait()
	w.Close()
	if w.open() {
		t.Error("open after Close")
	}
}

func TestBeside(t *testing.T) {
	if Beside("/x/y/halton-meter-bar") != "/x/y/halton-meter-details" {
		t.Error("Beside")
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// monitorSweeps counts the sweeps a monitor asks for.
type monitorSweeps struct{ nows atomic.Int32 }

func (s *monitorSweeps) Refresh()                {}
func (s *monitorSweeps) RefreshNow()             { s.nows.Add(1) }
func (s *monitorSweeps) Interval() time.Duration { return 5 * time.Second }

// TestForMonitor: a monitor's window (a stand-in script) is given the
// monitor's state, translated into the line's messages, and what it asks
// for is carried out by the monitor.
func TestForMonitor(t *testing.T) {
	s := newStandIn(t, `printf '{"request":"refresh"}\n{"request":"open-logs"}\n{"request":"mute-row","value":"edge"}\n'
exec cat > RECEIVED`)
	os.WriteFile(s.path, []byte(strings.ReplaceAll(string(must(os.ReadFile(s.path))), "RECEIVED", s.received)), 0o755)
	logs := t.TempDir()
	opener := &pathOpener{}
	sweeps := &monitorSweeps{}
	m := monitor.New(monitor.Options{Sweeps: sweeps, NewWindow: ForMonitor(s.path, nil, nil),
		Deps: action.Deps{Cfg: status.Config{MeterHome: logs}, Opener: opener}})
	r := status.Report{Overall: status.OverallHealthy, CheckedAt: time.Now()}
	for _, name := range status.ComponentOrder {
		r.Components = append(r.Components, status.Component{Name: name, State: status.StateHealthy, Level: status.LevelOK})
	}
	r.Metering.Today = &status.Today{Requests: 3, CostUSD: 1500}
	m.Record(r)
	if err := m.OpenRow("daemon"); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, "the refresh it asked for", func() bool { return sweeps.nows.Load() == 1 })
	testwait.For(t, "the logs it asked for", func() bool { return opener.opened() == logs })
	testwait.For(t, "the row it muted", func() bool { return m.Settings().IsMuted(status.CompEdge) })
	testwait.For(t, "the snapshot and the focus", func() bool {
		b, _ := os.ReadFile(s.received)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) < 2 {
			return false
		}
		msg, err := wire.ParseMessage([]byte(lines[0]))
		return err == nil && msg.Type == wire.MsgSnapshot && len(msg.History["daemon"]) == 1 && msg.PollIntervalMS == 5000 &&
			msg.LastSpend != nil && msg.LastSpend.Today.CostUSD == 1500 && strings.Contains(lines[1], `"component":"daemon"`)
	})
}

// pathOpener keeps the folder it was asked to open.
type pathOpener struct {
	mu   sync.Mutex
	path string
}

func (o *pathOpener) OpenURL(string) error         { return nil }
func (o *pathOpener) RunInTerminal([]string) error { return nil }
func (o *pathOpener) Copy(string) error            { return nil }
func (o *pathOpener) OpenPath(p string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.path = p
	return nil
}

func (o *pathOpener) opened() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.path
}

// TestMessageCarriesAlerts: what the window shows of the alerts (whether
// they are off, which rows are muted) crosses the line.
func TestMessageCarriesAlerts(t *testing.T) {
	r := status.Report{Overall: status.OverallHealthy}
	for _, name := range status.ComponentOrder {
		r.Components = append(r.Components, status.Component{Name: name, State: status.StateHealthy, Level: status.LevelOK})
	}
	msg := Message(monitor.Snapshot{Report: &r, Alerts: true, AlertsOff: true, Muted: []status.ComponentName{status.CompEdge},
		Poster: &alert.Poster{Kind: alert.PosterScript, Name: "Script Editor", Reason: "r", Problem: "p", Via: "osascript"}})
	b, err := json.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := wire.ParseMessage(b)
	if err != nil || !got.Alerts || !got.AlertsOff || len(got.Muted) != 1 || got.Muted[0] != status.CompEdge ||
		got.Poster == nil || *got.Poster != (wire.Poster{Kind: alert.PosterScript, Name: "Script Editor", Reason: "r", Problem: "p"}) {
		t.Errorf("%s: %+v %v", b, got, err)
	}
}
