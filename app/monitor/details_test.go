package monitor

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/assets/draw"
	"github.com/haltonlabs/halton-meter-bar/status"
)

func snapshotLine(t testing.TB, r status.Report) []byte {
	b, err := json.Marshal(Message{Type: MsgSnapshot, Report: &r, PollIntervalMS: 5000})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseMessage(t *testing.T) {
	m, err := ParseMessage(snapshotLine(t, report(healthy)))
	if err != nil || m.Type != MsgSnapshot || m.PollInterval() != 5*time.Second || len(m.Report.Components) != 9 {
		t.Fatalf("%+v %v", m, err)
	}
	if m, err := ParseMessage([]byte(`{"type":"focus","component":"daemon"}`)); err != nil || m.Component != "daemon" {
		t.Errorf("focus: %+v %v", m, err)
	}
	for _, bad := range []string{``, `garbage`, `{}`, `{"type":"snapshot"}`, `{"type":"snapshot","report":{"components":[]}}`, `{"type":"focus","poll_interval_ms":-1}`, `[1,2]`} {
		if _, err := ParseMessage([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseRequest(t *testing.T) {
	for _, ok := range []string{"refresh", "start-daemon", "run-doctor", "open-logs", "open-dashboard"} {
		if id, err := ParseRequest([]byte(`{"request":"` + ok + `"}`)); err != nil || string(id) != ok {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{`{"request":"quit"}`, `{"request":"start-at-login"}`, `{}`, `nope`, `{"request":5}`} {
		if _, err := ParseRequest([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseMessage(f *testing.F) {
	f.Add(snapshotLine(f, report(healthy)))
	f.Add([]byte(`{"type":"focus","component":"daemon"}`))
	f.Add([]byte(`{"type":"snapshot","report":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMessage(b)
		if err != nil {
			return
		}
		if m.Type == MsgSnapshot && (m.Report == nil || len(m.Report.Components) != 9) {
			t.Fatalf("accepted %+v", m)
		}
		// Whatever is accepted can be drawn.
		BuildDetails(m, time.Now(), time.Hour)
	})
}

func FuzzParseRequest(f *testing.F) {
	f.Add([]byte(`{"request":"refresh"}`))
	f.Add([]byte(`{"request":"quit"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if id, err := ParseRequest(b); err == nil && !Requests[id] {
			t.Fatalf("accepted %q", id)
		}
	})
}

func TestBuildDetails(t *testing.T) {
	now := t0.Add(time.Hour)
	r := report(daemonStopped)
	r.CheckedAt = now.Add(-3 * time.Second)
	r.Version, r.InstallMode, r.BarVersion = "0.6.3", "apps", "1.2.0"
	r.Ports = status.Ports{Edge: 8081, Internal: 8090, API: 8765}
	hist := map[string][]Point{
		status.CompDaemon: {
			{At: t0.Add(-10 * time.Minute), State: "healthy", Level: status.LevelOK},
			{At: t0.Add(45 * time.Minute), State: "stopped", Level: status.LevelWarn},
		},
		status.CompEdge: {{At: t0.Add(30 * time.Minute), State: "healthy", Level: status.LevelOK}},
	}
	m := BuildDetails(Message{Type: MsgSnapshot, Report: &r, History: hist, PollIntervalMS: 5000}, now, time.Hour)
	if m.Verdict != "Degraded" || m.Icon != draw.Degraded || m.Checked != "Checked 3 s ago" || m.Stale || !m.Installed {
		t.Errorf("header %+v", m)
	}
	if m.Summary != "Halton Meter 0.6.3 · apps mode · ports 8081 / 8090 / 8765 · halton-meter-bar 1.2.0" {
		t.Errorf("summary %q", m.Summary)
	}
	if len(m.Rows) != 9 || m.Rows[1].State != "stopped" || m.Rows[1].Dot != draw.Degraded || m.Rows[1].NextStep == "" || !strings.HasPrefix(m.Rows[1].Since, "since ") {
		t.Errorf("daemon row %+v", m.Rows[1])
	}
	// The daemon: healthy for the first 45 minutes, stopped for the last 15.
	d := m.Timelines[1].Segments
	if len(d) != 2 || d[0].From != 0 || d[0].To != 0.75 || d[0].Level != status.LevelOK || d[1].From != 0.75 || d[1].To != 1 || d[1].Dot != draw.Degraded {
		t.Errorf("daemon timeline %+v", d)
	}
	// The edge: no data for the first half hour.
	e := m.Timelines[3].Segments
	if len(e) != 2 || e[0].Level != "" || e[0].To != 0.5 || e[1].Level != status.LevelOK {
		t.Errorf("edge timeline %+v", e)
	}
	if s := m.Timelines[0].Segments; len(s) != 1 || s[0].Label != "no data" {
		t.Errorf("row with no history %+v", s)
	}
	if len(m.Axis) != 5 || m.Axis[0].Text != "−60 min" || m.Axis[2].Text != "−30 min" || m.Axis[4].Text != "now" {
		t.Errorf("axis %+v", m.Axis)
	}
	buttons := map[ActionID]Button{}
	for _, b := range m.Buttons {
		buttons[b.ID] = b
	}
	if b := buttons[ActStartDaemon]; b.Title != "Start Daemon" || !b.Enabled {
		t.Errorf("start %+v", b)
	}

	// Past twice the poll interval it says it is stale.
	stale := BuildDetails(Message{Type: MsgSnapshot, Report: &r, PollIntervalMS: 5000}, r.CheckedAt.Add(42*time.Second), time.Hour)
	if !stale.Stale || stale.StaleText != "Stale: no sweep for 42 s (sweeps come every 5 s)" {
		t.Errorf("stale %v %q", stale.Stale, stale.StaleText)
	}

	ni := status.Report{Overall: status.OverallNotInstalled, Headline: "Halton Meter is not installed", HaltonHome: "/Users/j/.halton-meter", CheckedAt: now}
	for _, name := range status.ComponentOrder {
		ni.Components = append(ni.Components, status.Component{Component: name, State: "unknown", Level: status.LevelUnknown})
	}
	nm := BuildDetails(Message{Type: MsgSnapshot, Report: &ni}, now, time.Hour)
	if nm.Installed || nm.Verdict != "Not installed" || nm.Missing != "No Halton Meter install was found at /Users/j/.halton-meter." {
		t.Errorf("not installed %+v", nm)
	}
	for _, b := range nm.Buttons {
		if b.Enabled != (b.ID == ActRefresh || b.ID == ActCopyDiagnostics) {
			t.Errorf("not installed: %s enabled %v", b.ID, b.Enabled)
		}
	}
	if empty := BuildDetails(Message{}, now, time.Hour); empty.Verdict != "Checking…" || len(empty.Rows) != 0 {
		t.Errorf("before the first snapshot %+v", empty)
	}
}

func TestDiagnostics(t *testing.T) {
	r := report(daemonStopped)
	r.CheckedAt, r.BarVersion, r.Version, r.VersionSource, r.InstallMode = t0, "1.2.0", "0.6.3", "/health", "apps"
	r.Ports = status.Ports{Edge: 8081, Internal: 8090, API: 8765, Source: "effective-ports.json"}
	r.SystemProxy = status.SystemProxy{State: "off", Source: "preferences.plist", Services: []status.ProxyService{
		{Name: "Wi-Fi", Enabled: true, Secure: status.ProxySetting{Enabled: true, Server: "proxy.corp.example", Port: 3128}, Owner: "foreign"},
		{Name: "Thunderbolt Bridge"},
	}}
	hist := map[string][]Point{status.CompDaemon: {
		{At: t0.Add(-time.Minute), State: "healthy", Level: status.LevelOK, Detail: "PID 1"},
		{At: t0.Add(-20 * time.Second), State: "stopped", Level: status.LevelWarn, Detail: "killed by signal 9 (SIGKILL)"},
	}}
	text := Diagnostics(Message{Type: MsgSnapshot, Report: &r, History: hist}, t0.Add(5*time.Second), "darwin arm64, kernel 23.5.0")
	for _, want := range []string{
		"App: halton-meter-bar 1.2.0",
		"Halton Meter: 0.6.3 (version from /health), install mode apps",
		"OS: darwin arm64, kernel 23.5.0",
		"Overall: degraded — All healthy",
		"daemon               stopped        warn    since 08:59:40  daemon is stopped",
		"next: halton-meter start",
		"08:59:40  daemon               healthy → stopped  killed by signal 9 (SIGKILL)",
		"Ports: edge 8081, internal 8090, api 8765 (from effective-ports.json)",
		"System proxy: off, read from preferences.plist",
		"Wi-Fi: secure web proxy proxy.corp.example:3128 (foreign)",
		"Thunderbolt Bridge (service disabled): secure web proxy off",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, text)
		}
	}
	for _, secret := range []string{os.Getenv("HOME"), "PATH=", "cloud-credentials"} {
		if secret != "" && strings.Contains(text, secret) {
			t.Errorf("diagnostics hold %q", secret)
		}
	}
	if !strings.Contains(OSDescription(), " kernel ") {
		t.Errorf("OS description %q", OSDescription())
	}
}

// TestDetailsProcess runs a stand-in window: a script that records what
// it is sent and asks for a refresh, a garbage line, and a start.
func TestDetailsProcess(t *testing.T) {
	w, cfg, log := actionWorld(t)
	dir := t.TempDir()
	received := filepath.Join(dir, "received")
	starts := filepath.Join(dir, "starts")
	window := filepath.Join(dir, "halton-meter-details")
	os.WriteFile(window, []byte(`#!/bin/sh
echo started >> `+starts+`
printf '{"request":"refresh"}\nnot json\n{"request":"quit"}\n{"request":"start-daemon"}\n'
cat > `+received+`
`), 0o755)
	if DetailsBeside("/x/y/halton-meter-bar") != "/x/y/halton-meter-details" {
		t.Error("DetailsBeside")
	}
	dp := &DetailsProcess{Path: window, Env: w.Env()}
	s := &scripted{t: t}
	s.set(healthy)
	m := startMonitor(t, s, &fakes{}, Options{HealthyInterval: time.Hour, UnhealthyInterval: time.Hour,
		Env: Env{Cfg: cfg, Runner: &status.ExecRunner{}, UID: 501, Opener: &fakes{}, Clipboard: &fakes{}, Details: dp}})
	dp.Monitor = m
	eventually(t, "the first sweep", func() bool { return m.Sweeps() == 1 })
	if !dp.Available() {
		t.Fatal("not available")
	}
	if err := m.OpenRow("daemon"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the refresh it asked for", func() bool { return m.Sweeps() >= 2 })
	eventually(t, "the start it asked for", func() bool {
		return strings.Contains(strings.Join(readLog(t, log), "\n"), "kickstart -k gui/501/com.haltonlabs.meter")
	})
	// Asking again brings the same window to the row.
	if err := m.OpenRow("edge"); err != nil {
		t.Fatal(err)
	}
	m.Refresh()
	eventually(t, "a published sweep", func() bool { return m.Sweeps() >= 4 })
	dp.Close()
	if dp.Running() {
		t.Error("still running after Close")
	}
	b, _ := os.ReadFile(starts)
	if strings.Count(string(b), "started") != 1 {
		t.Errorf("started %d times", strings.Count(string(b), "started"))
	}
	var types []string
	for _, line := range strings.Split(strings.TrimSpace(readFile(received)), "\n") {
		msg, err := ParseMessage([]byte(line))
		if err != nil {
			t.Fatalf("the window got a bad line %q: %v", line, err)
		}
		types = append(types, msg.Type+":"+msg.Component)
	}
	got := strings.Join(types, " ")
	if !strings.HasPrefix(got, "snapshot: focus:daemon") || !strings.Contains(got, "focus:edge") || strings.Count(got, "snapshot:") < 3 {
		t.Errorf("the window received %s", got)
	}
	// When the window goes by itself, the next Open starts a new one.
	os.WriteFile(window, []byte("#!/bin/sh\necho started >> "+starts+"\nexit 0\n"), 0o755)
	m.OpenRow("")
	eventually(t, "the window to go", func() bool { return !dp.Running() })
	if b, _ := os.ReadFile(starts); strings.Count(string(b), "started") != 2 {
		t.Errorf("started %d times", strings.Count(string(b), "started"))
	}
}

func readFile(p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}
