package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/internal/testwait"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// trayProc is a running halton-meter-bar tray on a test desktop.
type trayProc struct {
	t      *testing.T
	d      *desktop
	cmd    *exec.Cmd
	it     item
	config string // XDG_CONFIG_HOME: settings and lock
	opened string // what the opener seam was asked to do
	env    []string
	stderr *syncBuffer
	exited chan error
}

func startTray(t *testing.T, d *desktop, worldEnv []string, args ...string) *trayProc {
	t.Helper()
	return startTrayFrom(t, d, bin("halton-meter-bar"), worldEnv, args...)
}

// startTrayFrom runs the tray binary at exe (a build, or inside a bundle).
func startTrayFrom(t *testing.T, d *desktop, exe string, worldEnv []string, args ...string) *trayProc {
	t.Helper()
	return startTrayWith(t, d, exe, worldEnv, nil, args...)
}

// startTrayWith runs the tray binary at exe with settings.json holding
// settings (none when nil).
func startTrayWith(t *testing.T, d *desktop, exe string, worldEnv []string, settings map[string]any, args ...string) *trayProc {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the tray is tested through its Linux D-Bus menu")
	}
	dir := t.TempDir()
	p := &trayProc{t: t, d: d, config: filepath.Join(dir, "config"), opened: filepath.Join(dir, "opened.log"), stderr: &syncBuffer{}, exited: make(chan error, 1)}
	if settings != nil {
		b, _ := json.Marshal(settings)
		os.MkdirAll(filepath.Join(p.config, "halton-meter-bar"), 0o700)
		if err := os.WriteFile(filepath.Join(p.config, "halton-meter-bar", "settings.json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	opener := filepath.Join(dir, "opener")
	// The opener seam: record every request, and what was copied.
	os.WriteFile(opener, []byte(fmt.Sprintf("#!/bin/sh\necho \"$*\" >> %q\n[ \"$1\" = copy ] && cat > %q\nexit 0\n", p.opened, p.opened+".copied")), 0o755)
	p.env = append(append(append(os.Environ(), worldEnv...), d.env()...), "XDG_CONFIG_HOME="+p.config, "HALTON_BAR_OPENER="+opener)
	args = append([]string{"--poll-healthy", "500ms", "--poll-unhealthy", "300ms", "--grace", "1s", "--settle", "1s"}, args...)
	p.cmd = exec.Command(exe, args...)
	p.cmd.Env = p.env
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
	})
	select {
	case p.it = <-d.watcher.registered:
	case err := <-p.exited:
		t.Fatalf("the tray exited: %v\n%s", err, p.stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("the tray never registered its icon\n%s", p.stderr)
	}
	return p
}

// waitMenu polls the exported menu until cond holds.
func (p *trayProc) waitMenu(what string, cond func(m map[string]menuEntry, rows []menuEntry) bool) (map[string]menuEntry, []menuEntry) {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last []menuEntry
	var lastErr error
	for {
		entries, err := p.d.menu(p.it)
		if err == nil {
			byLabel, rows := index(entries)
			if cond(byLabel, rows) {
				return byLabel, rows
			}
			last = entries
		}
		lastErr = err
		if time.Now().After(deadline) {
			p.t.Fatalf("menu never showed %s; last (error %v):\n%s\n%s", what, lastErr, dump(last), p.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// index keys the entries by label (the first word group of a row; a
// submenu's items also by "submenu › item", the submenu's count left off)
// and returns the component rows in order.
func index(entries []menuEntry) (map[string]menuEntry, []menuEntry) {
	by := make(map[string]menuEntry)
	var rows []menuEntry
	for _, e := range entries {
		if e.sep {
			continue
		}
		if name, _, ok := strings.Cut(e.label, " — "); ok && slices.Contains(rowOrder, name) {
			by[name] = e
			rows = append(rows, e)
			continue
		}
		if e.parent != "" { // a submenu's item: "Mute Alerts For › daemon"
			parent, _, _ := strings.Cut(e.parent, " (")
			by[parent+" › "+e.label] = e
		}
		if _, taken := by[e.label]; !taken {
			by[e.label] = e
		}
	}
	return by, rows
}

func dump(entries []menuEntry) string {
	var b strings.Builder
	for _, e := range entries {
		fmt.Fprintf(&b, "  %d %q enabled=%v visible=%v toggle=%d sep=%v\n", e.id, e.label, e.enabled, e.visible, e.toggle, e.sep)
	}
	return b.String()
}

func (p *trayProc) click(label string) {
	p.t.Helper()
	entries, err := p.d.menu(p.it)
	if err != nil {
		p.t.Fatal(err)
	}
	by, _ := index(entries)
	e, ok := by[label]
	if !ok {
		p.t.Fatalf("no item %q in\n%s", label, dump(entries))
	}
	if err := p.d.click(p.it, e.id); err != nil {
		p.t.Fatalf("click %q: %v", label, err)
	}
}

// sweeps asks the tray for its figures (SIGUSR1) and returns how many
// sweeps it has made.
func (p *trayProc) sweeps() int {
	p.t.Helper()
	before := strings.Count(p.stderr.String(), "stats: ")
	p.cmd.Process.Signal(syscall.SIGUSR1)
	testwait.For(p.t, "the tray's figures", func() bool { return strings.Count(p.stderr.String(), "stats: ") > before })
	m := regexp.MustCompile(`stats: .*, sweeps (\d+)`).FindAllStringSubmatch(p.stderr.String(), -1)
	n, _ := strconv.Atoi(m[len(m)-1][1])
	return n
}

// waitSweeps waits for the tray to make n more sweeps: time passing, as
// the tray itself counts it, so that what did not happen meanwhile (a
// second notification) can be told.
func (p *trayProc) waitSweeps(n int) {
	p.t.Helper()
	target := p.sweeps() + n
	testwait.For(p.t, fmt.Sprintf("%d more sweeps", n), func() bool { return p.sweeps() >= target })
}

func (p *trayProc) openerLog() string {
	b, _ := os.ReadFile(p.opened)
	return string(b)
}

var rowOrder = []string{"install-mode", "daemon", "watchdog", "edge", "userenv", "mitmproxy listener", "fastapi listener", "metering", "system-proxy", "sentinels"}

// TestTray runs the real tray on a test desktop against the simulator:
// its menu, a crash and exactly one notification, the recovery and
// exactly one more, clicks, the single instance, and Quit.
func TestTray(t *testing.T) {
	d := startDesktop(t)
	w := up(t, "apps")
	textfile := t.TempDir()
	p := startTrayWith(t, d, bin("halton-meter-bar"), w.env, map[string]any{"prometheus_textfile_dir": textfile})

	// The tray applies the actions last: waiting on one of them sees the
	// whole menu updated, not a menu read half-way through an update.
	by, rows := p.waitMenu("a healthy install", func(by map[string]menuEntry, rows []menuEntry) bool {
		return by["All healthy"].label != "" && len(rows) == len(rowOrder) && by["Copy Status JSON"].enabled && by["Open Logs Folder"].visible
	})
	for i, r := range rows {
		if !strings.HasPrefix(r.label, rowOrder[i]+" — ") || !r.visible {
			t.Errorf("row %d: %q", i, r.label)
		}
	}
	for label, want := range map[string]bool{"daemon": true, "edge": true, "fastapi listener": true} {
		if strings.Contains(by[label].label, "healthy") != want && strings.Contains(by[label].label, "bound") != want {
			t.Errorf("%s: %q", label, by[label].label)
		}
	}
	for _, label := range []string{"Open Dashboard", "Restart Daemon", "Run Doctor in Terminal", "Copy Status JSON", "Open Logs Folder", "Refresh Now", "Quit Halton Meter Bar"} {
		if e := by[label]; !e.enabled || !e.visible {
			t.Errorf("%q: %+v", label, e)
		}
	}
	if e := by["Install Halton Meter…"]; e.visible {
		t.Error("Install Halton Meter… shows on an installed machine")
	}
	if by["Notifications"].toggle != 1 || by["Start at Login"].toggle != 0 {
		t.Errorf("toggles: notifications %d, start at login %d", by["Notifications"].toggle, by["Start at Login"].toggle)
	}

	// The spend line: nothing yet, then the calls sent through the edge,
	// at the cost the API charged; Refresh Now asks the daemon afresh.
	p.waitMenu("a fresh world's spend line", func(by map[string]menuEntry, _ []menuEntry) bool {
		return by["Idle · no request metered yet"].visible
	})
	w.traffic("--requests", "5")
	_, cost := w.charged()
	p.click("Refresh Now")
	want := "Today " + status.USD(cost).String() + " · 5 requests · last "
	p.waitMenu("the metered calls", func(by map[string]menuEntry, _ []menuEntry) bool {
		for label, e := range by {
			if strings.HasPrefix(label, want) && e.visible {
				return strings.HasPrefix(by["metering"].label, "metering — live")
			}
		}
		return false
	})

	// The status files for fleet tools follow the report.
	statusDir := filepath.Join(p.config, "halton-meter-bar")
	waitStatusFile(t, statusDir, status.OverallHealthy)
	waitTextfile(t, textfile, status.OverallHealthy)

	// Past the quiet sweeps after launch, the daemon crashes.
	w.fault("daemon-crash")
	p.waitMenu("the crash", func(by map[string]menuEntry, _ []menuEntry) bool {
		return strings.HasPrefix(by["daemon"].label, "daemon — stopped") && by["Daemon stopped — not metering"].label != "" && by["Start Daemon"].enabled &&
			strings.HasPrefix(by["metering"].label, "metering — not-metering")
	})
	// The spend line says so, with the last figures known.
	p.waitMenu("the spend line of a stopped daemon", func(by map[string]menuEntry, _ []menuEntry) bool {
		for label, e := range by {
			if strings.HasPrefix(label, "Not metering — daemon stopped · "+status.USD(cost).String()+" as of ") && e.visible {
				return true
			}
		}
		return false
	})
	waitStatusFile(t, statusDir, status.OverallDegraded)
	waitTextfile(t, textfile, status.OverallDegraded)
	checkFleetQueries(t, statusDir, status.OverallDegraded)
	testwait.For(t, "a notification", func() bool { return len(d.notes.Received()) >= 1 })
	p.waitSweeps(10) // many sweeps, still failing
	notes := d.notes.Received()
	if len(notes) != 1 {
		t.Fatalf("%d notifications for one crash: %+v", len(notes), notes)
	}
	if n := notes[0]; n.Summary != "Daemon stopped — not metering" || n.App != "Halton Meter Bar" ||
		!strings.Contains(n.Body, "mitmproxy listener unbound, fastapi listener unbound") || !strings.Contains(n.Body, "Next: halton-meter start") {
		t.Errorf("notification %+v", n)
	}

	if _, err := sim(t, "heal", "--dir", w.dir); err != nil {
		t.Fatal(err)
	}
	p.waitMenu("the recovery", func(by map[string]menuEntry, _ []menuEntry) bool {
		return by["All healthy"].label != "" && by["Open Dashboard"].enabled && by["Restart Daemon"].label != ""
	})
	testwait.For(t, "the recovery notification", func() bool { return len(d.notes.Received()) >= 2 })
	p.waitSweeps(6)
	if notes := d.notes.Received(); len(notes) != 2 || notes[1].Summary != "Halton Meter recovered" {
		t.Fatalf("notifications after recovery: %+v", notes)
	}

	// Clicks go through the opener seam, never to a browser or Terminal.
	p.click("Open Dashboard")
	p.click("Copy Status JSON")
	p.click("Run Doctor in Terminal")
	testwait.For(t, "the opener", func() bool { return strings.Count(p.openerLog(), "\n") >= 3 })
	log := p.openerLog()
	if !strings.Contains(log, "url http://127.0.0.1:") || !strings.Contains(log, "copy") || !strings.Contains(log, "terminal "+filepath.Join(w.home(), ".local", "bin", "halton-meter")+" doctor") {
		t.Errorf("opener log:\n%s", log)
	}
	var copied struct{ Overall string }
	testwait.For(t, "the copied JSON", func() bool {
		b, err := os.ReadFile(p.opened + ".copied")
		return err == nil && json.Unmarshal(b, &copied) == nil
	})
	if copied.Overall != "healthy" {
		t.Errorf("copied JSON says %q", copied.Overall)
	}

	// One instance at a time: launched again, it brings the running one's
	// window forward and leaves.
	second := exec.Command(bin("halton-meter-bar"))
	second.Env = p.env
	out, err := second.CombinedOutput()
	if code := exitCode(err); code != 0 || !strings.Contains(string(out), fmt.Sprintf("already running (PID %d): opened its window", p.cmd.Process.Pid)) {
		t.Errorf("second instance: exit %d %q", code, out)
	}
	testwait.For(t, "the window opened by the second launch", func() bool { return strings.Contains(p.stderr.String(), "details: started") })

	// Pause Notifications: the menu says until when, and it is remembered.
	p.click("For 1 Hour")
	p.waitMenu("the pause", func(by map[string]menuEntry, _ []menuEntry) bool {
		for label, e := range by {
			if strings.HasPrefix(label, "Notifications paused until ") && e.visible {
				return by["Resume Notifications"].visible
			}
		}
		return false
	})
	settings := filepath.Join(p.config, "halton-meter-bar", "settings.json")
	testwait.For(t, "the pause saved", func() bool {
		b, _ := os.ReadFile(settings)
		return strings.Contains(string(b), `"paused_until"`)
	})
	p.click("Resume Notifications")
	p.waitMenu("the end of the pause", func(by map[string]menuEntry, _ []menuEntry) bool {
		return by["Pause Notifications"].visible && !by["Resume Notifications"].visible
	})

	// The notifications toggle is remembered.
	p.click("Notifications")
	testwait.For(t, "the setting saved", func() bool {
		b, _ := os.ReadFile(filepath.Join(p.config, "halton-meter-bar", "settings.json"))
		return strings.Contains(string(b), `"notifications": false`)
	})
	p.waitMenu("notifications off", func(by map[string]menuEntry, _ []menuEntry) bool { return by["Notifications"].toggle == 0 })

	p.click("Quit Halton Meter Bar")
	select {
	case err := <-p.exited:
		p.exited <- err
		if err != nil {
			t.Errorf("quit: %v\n%s", err, p.stderr)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the tray did not quit")
	}
}

// TestTrayNotInstalled: grey, says so, and offers the install guide.
func TestTrayNotInstalled(t *testing.T) {
	d := startDesktop(t)
	home := t.TempDir()
	p := startTray(t, d, []string{"HOME=" + home, "HALTON_METER_HOME=" + filepath.Join(home, ".halton-meter")})
	by, rows := p.waitMenu("not installed", func(by map[string]menuEntry, _ []menuEntry) bool {
		return by["Halton Meter is not installed"].label != "" && by["Install Halton Meter…"].visible
	})
	for _, r := range rows {
		if r.visible {
			t.Errorf("row shown with no install: %q", r.label)
		}
	}
	if e := by["Install Halton Meter…"]; !e.visible || !e.enabled {
		t.Errorf("install item %+v", e)
	}
	for _, label := range []string{"Open Dashboard", "Start Daemon", "Run Doctor in Terminal", "Open Logs Folder"} {
		if by[label].visible {
			t.Errorf("%q shows with no install", label)
		}
	}
	p.click("Install Halton Meter…")
	testwait.For(t, "the install guide", func() bool {
		return strings.Contains(p.openerLog(), "url https://haltonmeter.com/docs/getting-started/install/")
	})
}

// TestTrayWithoutDisplay: no display is a clear error, not a crash.
func TestTrayWithoutDisplay(t *testing.T) {
	linuxDesktop(t) // a Mac always has a display
	cmd := exec.Command(bin("halton-meter-bar"))
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if code := exitCode(err); code != 1 || !strings.Contains(string(out), "no display") {
		t.Errorf("exit %d: %q", code, out)
	}
}

// TestTrayCrashSoonAfterLaunch: the daemon killed 3 s after the tray
// starts, inside the window after launch, is announced exactly once when
// the window ends, and recovers once.
func TestTrayCrashSoonAfterLaunch(t *testing.T) {
	d := startDesktop(t)
	w := up(t, "apps")
	started := time.Now()
	p := startTray(t, d, w.env, "--settle", "6s")
	testwait.For(t, "the first sweep", func() bool { return strings.Contains(p.stderr.String(), "first sweep: healthy") })
	time.Sleep(time.Until(started.Add(3 * time.Second))) // the scenario: a crash 3 s in
	w.fault("daemon-crash")
	testwait.For(t, "the notification", func() bool { return len(d.notes.Received()) >= 1 })
	if since := time.Since(started); since < 6*time.Second {
		t.Errorf("announced %s after launch, inside the 6 s window", since)
	}
	// Long after, still one.
	p.waitSweeps(10)
	if notes := d.notes.Received(); len(notes) != 1 || notes[0].Summary != "Daemon stopped — not metering" {
		t.Fatalf("notifications %+v", notes)
	}
	if _, err := sim(t, "heal", "--dir", w.dir); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, "the recovery", func() bool { return len(d.notes.Received()) >= 2 })
	p.waitSweeps(6)
	if notes := d.notes.Received(); len(notes) != 2 || notes[1].Summary != "Halton Meter recovered" {
		t.Fatalf("notifications %+v", notes)
	}
}

// TestTrayStaleSocket: a tray killed outright leaves its socket; the next
// start replaces it, and a launch after that reaches the new tray.
func TestTrayStaleSocket(t *testing.T) {
	d := startDesktop(t)
	w := up(t, "apps")
	p := startTray(t, d, w.env)
	testwait.For(t, "the first sweep", func() bool { return strings.Contains(p.stderr.String(), "first sweep") })
	p.cmd.Process.Kill()
	err := <-p.exited
	p.exited <- err
	sock := filepath.Join(p.config, "halton-meter-bar", "bar.sock")
	if _, err := os.Stat(sock); err != nil {
		t.Fatalf("the killed tray left no socket: %v", err)
	}

	// The next tray, with the same settings folder.
	next := exec.Command(bin("halton-meter-bar"), "--poll-healthy", "500ms")
	next.Env = p.env
	stderr := &syncBuffer{}
	next.Stderr = stderr
	if err := next.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { next.Process.Kill(); next.Wait() }()
	testwait.For(t, "the new tray's first sweep", func() bool { return strings.Contains(stderr.String(), "first sweep") })
	if !strings.Contains(stderr.String(), "replacing the stale socket") {
		t.Errorf("the stale socket was not noticed:\n%s", stderr)
	}
	again := exec.Command(bin("halton-meter-bar"))
	again.Env = p.env
	out, err := again.CombinedOutput()
	if code := exitCode(err); code != 0 || !strings.Contains(string(out), fmt.Sprintf("(PID %d): opened its window", next.Process.Pid)) {
		t.Errorf("a launch after the replacement: exit %d %q", code, out)
	}

	// --quit asks it to quit, through the same socket; halton-meter-tray
	// takes the flags halton-meter-bar does.
	quit := exec.Command(bin("halton-meter-tray"), "--quit")
	quit.Env = p.env
	out, err = quit.CombinedOutput()
	if code := exitCode(err); code != 0 || !strings.Contains(string(out), fmt.Sprintf("(PID %d) to quit", next.Process.Pid)) {
		t.Errorf("--quit: exit %d %q", code, out)
	}
	exited := make(chan error, 1)
	go func() { exited <- next.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("quit: %v\n%s", err, stderr)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the tray did not quit")
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("the socket outlived a clean quit: %v", err)
	}
	// Nothing running: --quit says so.
	quit = exec.Command(bin("halton-meter-bar"), "--quit")
	quit.Env = p.env
	if out, err := quit.CombinedOutput(); exitCode(err) != 1 || !strings.Contains(string(out), "no running menu-bar app answered") {
		t.Errorf("--quit with none running: %v %q", err, out)
	}
}

// waitTextfile waits for the halton_meter.prom the tray keeps in dir (the
// settings' prometheus_textfile_dir) to give overall as the verdict.
func waitTextfile(t *testing.T, dir string, overall status.Overall) {
	t.Helper()
	want := `halton_meter_overall{verdict="` + string(overall) + `"} 1`
	testwait.For(t, "halton_meter.prom to say "+string(overall), func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "halton_meter.prom"))
		return strings.Contains(string(b), want)
	})
}
