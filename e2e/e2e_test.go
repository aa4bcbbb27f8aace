// Package e2e runs the built binaries against the simulator: the real
// halton-meter-bar against a world of real processes on loopback, broken
// on purpose by halton-meter-sim's faults.
package e2e

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/status"
	"github.com/haltonlabs/halton-meter-bar/status/schema"
)

// binDir holds the binaries built once for the whole run.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "halton-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	// The details window is built on fyne's headless driver (-tags ci):
	// the tests drive its buttons without a display.
	for _, args := range [][]string{
		{"build", "-o", dir + "/", "../cmd/halton-meter-bar", "../cmd/halton-meter-sim"},
		{"build", "-o", dir + "/", "../cmd/halton-meter-tray"},
		{"build", "-tags", "ci", "-o", dir + "/", "../cmd/halton-meter-details"},
	} {
		build := exec.Command("go", args...)
		if args[len(args)-1] == "../cmd/halton-meter-sim" {
			build.Env = append(os.Environ(), "CGO_ENABLED=0") // as shipped: static
		}
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "build binaries:", err)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func bin(name string) string { return filepath.Join(binDir, name) }

// sim runs halton-meter-sim and returns its stdout.
func sim(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin("halton-meter-sim"), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.String(), fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// world is one simulated install, torn down when the test ends.
type world struct {
	t   *testing.T
	dir string
	env []string
}

func up(t *testing.T, mode string) *world {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "world")
	out, err := sim(t, "up", "--dir", dir, "--mode", mode)
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	w := &world{t: t, dir: dir}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.Contains(line, "=") {
			t.Fatalf("up printed %q", line)
		}
		w.env = append(w.env, line)
	}
	if len(w.env) != 5 {
		t.Fatalf("up printed %d variables:\n%s", len(w.env), out)
	}
	t.Cleanup(func() {
		if _, err := sim(t, "down", "--dir", dir); err != nil {
			t.Errorf("down: %v", err)
		}
	})
	return w
}

// home is the simulated user's home.
func (w *world) home() string { return status.ConfigFromEnviron(w.env).Home }

func (w *world) fault(name string) {
	w.t.Helper()
	if _, err := sim(w.t, "fault", "--dir", w.dir, name); err != nil {
		w.t.Fatalf("fault %s: %v", name, err)
	}
}

// check runs `halton-meter-bar --json` against the world.
func (w *world) check() (status.Report, int) {
	w.t.Helper()
	cmd := exec.Command(bin("halton-meter-bar"), "--json")
	cmd.Env = append(os.Environ(), w.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else if err != nil {
		w.t.Fatalf("halton-meter-bar: %v", err)
	}
	var r status.Report
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		w.t.Fatalf("--json output: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	if err := statusSchema(w.t).Validate(stdout.Bytes()); err != nil {
		w.t.Errorf("--json output does not fit docs/status.schema.json: %v", err)
	}
	return r, code
}

// loadSchema compiles docs/status.schema.json, once.
var loadSchema = sync.OnceValues(func() (*schema.Validator, error) {
	doc, err := os.ReadFile("../docs/status.schema.json")
	if err != nil {
		return nil, err
	}
	return schema.Compile(doc)
})

// statusSchema is the committed schema of --json.
func statusSchema(t testing.TB) *schema.Validator {
	t.Helper()
	v, err := loadSchema()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// rows is what a scenario expects of some rows, as "state/level"; any row
// it does not name must be ok.
type rows map[string]string

func TestScenarios(t *testing.T) {
	tests := []struct {
		name    string
		mode    string
		faults  []string
		overall string
		code    int
		rows    rows
		check   func(t *testing.T, r status.Report)
	}{
		{name: "env-only healthy", mode: "env-only", overall: "healthy", rows: rows{
			"install-mode": "env-only/ok", "system-proxy": "off/ok", "sentinels": "consistent/ok"}},
		{name: "apps healthy", mode: "apps", overall: "healthy", rows: rows{
			"install-mode": "apps/ok", "daemon": "healthy/ok", "watchdog": "healthy/ok", "edge": "healthy/ok", "userenv": "applied/ok",
			"mitmproxy listener": "bound/ok", "fastapi listener": "bound/ok", "system-proxy": "off/ok", "sentinels": "consistent/ok"},
			check: func(t *testing.T, r status.Report) {
				if r.Version != "0.6.3" || r.VersionSource != "/health" || r.SystemProxy.Source != status.SourcePreferences {
					t.Errorf("version %s from %s, proxy from %s", r.Version, r.VersionSource, r.SystemProxy.Source)
				}
				if r.Sweep.Spawned != 1 {
					t.Errorf("spawned %d processes, want 1", r.Sweep.Spawned)
				}
			}},
		{name: "full healthy", mode: "full", overall: "healthy", rows: rows{"system-proxy": "on/ok", "sentinels": "consistent/ok"}},
		{name: "daemon crash", mode: "apps", faults: []string{"daemon-crash"}, overall: "degraded", code: 1, rows: rows{
			"daemon": "stopped/warn", "metering": "not-metering/warn", "mitmproxy listener": "unbound/warn", "fastapi listener": "unbound/warn"},
			check: func(t *testing.T, r status.Report) {
				if c, _ := r.Row("daemon"); !strings.Contains(c.Detail, "killed by signal 9") || r.Daemon.LastExit == nil || *r.Daemon.LastExit != -9 {
					t.Errorf("daemon %q, last exit %v", c.Detail, r.Daemon.LastExit)
				}
			}},
		{name: "daemon stop", mode: "apps", faults: []string{"daemon-stop"}, overall: "degraded", code: 1, rows: rows{
			"daemon": "stopped/warn", "metering": "not-metering/warn", "watchdog": "stopped/warn", "mitmproxy listener": "unbound/warn", "fastapi listener": "unbound/warn"}},
		{name: "watchdog crash", mode: "apps", faults: []string{"watchdog-crash"}, overall: "degraded", code: 1, rows: rows{"watchdog": "stopped/warn"}},
		{name: "edge crash", mode: "apps", faults: []string{"edge-crash"}, overall: "down", code: 2, rows: rows{"edge": "stopped/crit"}},
		{name: "edge crash, env-only", mode: "env-only", faults: []string{"edge-crash"}, overall: "degraded", code: 1, rows: rows{"edge": "stopped/warn"}},
		{name: "edge unbound, full", mode: "full", faults: []string{"edge-unbound"}, overall: "down", code: 2, rows: rows{
			"edge": "unbound/crit", "system-proxy": "on/crit"}},
		{name: "edge booted out", mode: "apps", faults: []string{"edge-stop"}, overall: "down", code: 2, rows: rows{"edge": "stopped/crit"}},
		{name: "port steal", mode: "apps", faults: []string{"port-steal"}, overall: "degraded", code: 1, rows: rows{
			"daemon": "stopped/warn", "metering": "not-metering/warn", "mitmproxy listener": "unbound/warn", "fastapi listener": "unbound/warn"},
			check: func(t *testing.T, r status.Report) {
				if c, _ := r.Row("mitmproxy listener"); !strings.Contains(c.Detail, "held by another process") {
					t.Errorf("mitmproxy detail %q", c.Detail)
				}
			}},
		{name: "health hang", mode: "apps", faults: []string{"health-hang"}, overall: "degraded", code: 1, rows: rows{"fastapi listener": "unknown/unknown"}},
		{name: "health 500", mode: "apps", faults: []string{"health-500"}, overall: "degraded", code: 1, rows: rows{"fastapi listener": "unbound/warn"},
			check: func(t *testing.T, r status.Report) {
				if r.Version != "0.6.3" || r.VersionSource != "dist-info" {
					t.Errorf("version %s from %s, want the venv's dist-info", r.Version, r.VersionSource)
				}
			}},
		{name: "sentinel flip", mode: "apps", faults: []string{"sentinel-flip"}, overall: "degraded", code: 1, rows: rows{"sentinels": "inconsistent/warn"}},
		{name: "mode mismatch", mode: "apps", faults: []string{"mode-mismatch"}, overall: "degraded", code: 1, rows: rows{
			"install-mode": "full/ok", "sentinels": "inconsistent/warn", "system-proxy": "inconsistent/warn"}},
		{name: "proxy on in apps mode", mode: "apps", faults: []string{"proxy-on"}, overall: "degraded", code: 1, rows: rows{"system-proxy": "inconsistent/warn"}},
		{name: "proxy off in full mode", mode: "full", faults: []string{"proxy-off"}, overall: "degraded", code: 1, rows: rows{"system-proxy": "inconsistent/warn"}},
		{name: "foreign proxy", mode: "apps", faults: []string{"proxy-foreign"}, overall: "healthy", rows: rows{"system-proxy": "off/ok"},
			check: func(t *testing.T, r status.Report) {
				if c, _ := r.Row("system-proxy"); !strings.Contains(c.Detail, "Wi-Fi → proxy.corp.example:3128 (not Halton's)") {
					t.Errorf("detail %q", c.Detail)
				}
			}},
		{name: "launchctl hang", mode: "apps", faults: []string{"launchctl-hang"}, overall: "unknown", code: 3, rows: rows{
			"daemon": "unknown/unknown", "watchdog": "unknown/unknown", "edge": "unknown/unknown", "userenv": "unknown/unknown"}},
		{name: "prefs unreadable", mode: "full", faults: []string{"prefs-unreadable"}, overall: "healthy", rows: rows{"system-proxy": "on/ok"},
			check: func(t *testing.T, r status.Report) {
				if r.SystemProxy.Source != status.SourceNetworksetup || r.Sweep.Spawned != 4 {
					t.Errorf("source %s, spawned %d (1 launchctl + 1 listing + 2 services)", r.SystemProxy.Source, r.Sweep.Spawned)
				}
			}},
		{name: "prefs unreadable, networksetup hangs", mode: "apps", faults: []string{"prefs-unreadable", "networksetup-hang"}, overall: "degraded", code: 1,
			rows: rows{"system-proxy": "unknown/unknown"}},
		{name: "ports garbage", mode: "apps", faults: []string{"ports-garbage"}, overall: "degraded", code: 1, rows: rows{"install-mode": "apps/warn"},
			check: func(t *testing.T, r status.Report) {
				if r.Ports.Source != status.PortsFromConfig {
					t.Errorf("ports from %s, want config.toml", r.Ports.Source)
				}
			}},
		{name: "userenv failed", mode: "apps", faults: []string{"userenv-fail"}, overall: "degraded", code: 1, rows: rows{"userenv": "stopped/warn"}},
		{name: "full mode daemon crash keeps the proxy on the live edge", mode: "full", faults: []string{"daemon-crash"}, overall: "degraded", code: 1, rows: rows{
			"daemon": "stopped/warn", "metering": "not-metering/warn", "mitmproxy listener": "unbound/warn", "fastapi listener": "unbound/warn", "system-proxy": "on/ok"}},
		{name: "over SSH: list sees none of the agents", mode: "apps", faults: []string{"background-session"}, overall: "healthy",
			check: func(t *testing.T, r status.Report) {
				if r.Launchd.Source != status.LaunchdFromPrint || r.Sweep.Spawned != 5 || r.Daemon.PID == nil {
					t.Errorf("launchd %+v, spawned %d, daemon PID %v", r.Launchd, r.Sweep.Spawned, r.Daemon.PID)
				}
			}},
		{name: "the daemon switched off in Login Items", mode: "apps", faults: []string{"daemon-disabled"}, overall: "degraded", code: 1, rows: rows{
			"daemon": "stopped/warn", "metering": "not-metering/warn", "watchdog": "stopped/warn", "mitmproxy listener": "unbound/warn", "fastapi listener": "unbound/warn"},
			check: func(t *testing.T, r status.Report) {
				c, _ := r.Row("daemon")
				if !strings.Contains(c.Detail, "disabled") || !strings.HasPrefix(c.NextStep, "launchctl enable gui/") || len(r.Launchd.Disabled) != 1 {
					t.Errorf("daemon %q next %q, disabled %v", c.Detail, c.NextStep, r.Launchd.Disabled)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := up(t, tt.mode)
			for _, f := range tt.faults {
				w.fault(f)
			}
			r, code := w.check()
			if string(r.Overall) != tt.overall || code != tt.code {
				t.Errorf("overall %s exit %d, want %s exit %d (%s)", r.Overall, code, tt.overall, tt.code, r.Headline)
			}
			for _, c := range r.Components {
				want, named := tt.rows[string(c.Name)]
				if !named {
					want = string(c.State) + "/ok"
				}
				if got := string(c.State) + "/" + string(c.Level); got != want {
					t.Errorf("%s = %s, want %s (%s)", c.Name, got, want, c.Detail)
				}
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

// TestHealRestoresHealth breaks a world every way at once, heals it, and
// expects it healthy again.
func TestHealRestoresHealth(t *testing.T) {
	w := up(t, "full")
	for _, f := range []string{"daemon-crash", "edge-unbound", "sentinel-flip", "proxy-foreign", "prefs-unreadable", "ports-garbage", "mode-mismatch"} {
		w.fault(f)
	}
	if r, _ := w.check(); r.Overall != "down" {
		t.Fatalf("broken world is %s", r.Overall)
	}
	if _, err := sim(t, "heal", "--dir", w.dir); err != nil {
		t.Fatal(err)
	}
	if r, code := w.check(); r.Overall != "healthy" || code != 0 {
		t.Fatalf("healed world is %s: %s", r.Overall, r.Headline)
	}
}

// TestUserChanges: init, upgrade and network change a world as its user
// would, and leave it healthy: the mode switched (sentinels, proxies),
// the next version installed and running from rewritten plists, the
// other network service in use with the proxies it had.
func TestUserChanges(t *testing.T) {
	w := up(t, "apps")
	w.fault("daemon-crash")
	for _, step := range []struct {
		args  []string
		check func(r status.Report) string
	}{
		{[]string{"init", "full"}, func(r status.Report) string {
			return cmp.Or(wantEq("mode", r.InstallMode, "full"), wantEq("proxy", string(r.SystemProxy.State), "on"))
		}},
		{[]string{"upgrade"}, func(r status.Report) string { return wantEq("version", r.Version, "0.6.4") }},
		{[]string{"network", "Ethernet"}, func(r status.Report) string {
			on := ""
			for _, svc := range r.SystemProxy.Services {
				if svc.Enabled {
					on += svc.Name + " "
				}
			}
			return wantEq("services on", on, "Ethernet ")
		}},
		{[]string{"init", "apps"}, func(r status.Report) string {
			return cmp.Or(wantEq("mode", r.InstallMode, "apps"), wantEq("proxy", string(r.SystemProxy.State), "off"))
		}},
	} {
		if _, err := sim(t, append([]string{step.args[0], "--dir", w.dir}, step.args[1:]...)...); err != nil {
			t.Fatalf("%v: %v", step.args, err)
		}
		r, code := w.check()
		if r.Overall != "healthy" || code != 0 {
			t.Errorf("after %v: %s (%s)", step.args, r.Overall, r.Headline)
		}
		if p := step.check(r); p != "" {
			t.Errorf("after %v: %s", step.args, p)
		}
	}
	for _, bad := range [][]string{{"init", "--dir", w.dir, "half"}, {"network", "--dir", w.dir, "Carrier Pigeon"}, {"init", "--dir", w.dir}} {
		if _, err := sim(t, bad...); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

func wantEq(what, got, want string) string {
	if got != want {
		return fmt.Sprintf("%s %q, want %q", what, got, want)
	}
	return ""
}

// TestWatchdogFailSafe waits for the simulated watchdog to switch the
// system proxy off after the daemon's death in full mode (5 polls, 7.5 s).
func TestWatchdogFailSafe(t *testing.T) {
	w := up(t, "full")
	w.fault("daemon-crash")
	deadline := time.Now().Add(20 * time.Second)
	for {
		r, _ := w.check()
		c, _ := r.Row("system-proxy")
		if c.State == "off" {
			if c.Level != "warn" || c.CausedBy != "daemon" || !strings.Contains(c.Detail, "fail-safe") {
				t.Errorf("system-proxy %s/%s caused by %q: %q", c.State, c.Level, c.CausedBy, c.Detail)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the watchdog never switched the proxy off: %s %q", c.State, c.Detail)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// TestLaunchctlActions drives the world through its fake launchctl as the
// tray's Start Daemon does: bootstrap after `stop`, kickstart -k after a crash.
func TestLaunchctlActions(t *testing.T) {
	w := up(t, "apps")
	launchctl := filepath.Join(w.dir, "bin", "launchctl")
	plist := filepath.Join(w.dir, "home", "Library", "LaunchAgents", "com.haltonlabs.meter.plist")
	uid := fmt.Sprint(os.Getuid())

	w.fault("daemon-stop")
	out, err := exec.Command(launchctl, "kickstart", "-k", "gui/"+uid+"/com.haltonlabs.meter").CombinedOutput()
	if code := exitCode(err); code != 113 || !strings.Contains(string(out), "Could not find service") {
		t.Fatalf("kickstart of a booted-out job: exit %d %q", code, out)
	}
	for _, args := range [][]string{
		{"bootstrap", "gui/" + uid, plist},
		{"bootstrap", "gui/" + uid, filepath.Join(w.dir, "home", "Library", "LaunchAgents", "com.haltonlabs.meter.watchdog.plist")},
		{"kickstart", "-k", "gui/" + uid + "/com.haltonlabs.meter"},
		{"kickstart", "gui/" + uid + "/com.haltonlabs.meter.watchdog"},
	} {
		if out, err := exec.Command(launchctl, args...).CombinedOutput(); err != nil {
			t.Fatalf("launchctl %v: %v %s", args, err, out)
		}
	}
	if r, _ := w.check(); r.Overall != "healthy" {
		t.Fatalf("after start: %s %s", r.Overall, r.Headline)
	}
	out, err = exec.Command(launchctl, "bootstrap", "gui/"+uid, plist).CombinedOutput()
	if code := exitCode(err); code != 5 || !strings.Contains(string(out), "Bootstrap failed: 5") {
		t.Errorf("bootstrap of a loaded job: exit %d %q", code, out)
	}

	w.fault("daemon-crash")
	before, _ := w.check()
	if out, err := exec.Command(launchctl, "kickstart", "-k", "gui/"+uid+"/com.haltonlabs.meter").CombinedOutput(); err != nil {
		t.Fatalf("kickstart -k: %v %s", err, out)
	}
	after, _ := w.check()
	if after.Overall != "healthy" || before.Overall != "degraded" {
		t.Fatalf("kickstart -k after a crash: %s → %s", before.Overall, after.Overall)
	}

	out, err = exec.Command(launchctl, "list", "com.haltonlabs.meter").Output()
	if err != nil {
		t.Fatal(err)
	}
	if j, err := status.ParseListLabel(out); err != nil || j.PID != *after.Daemon.PID || j.Status != -9 {
		t.Errorf("list <label>: %+v %v (daemon PID %d)", j, err, *after.Daemon.PID)
	}
	_, err = exec.Command(launchctl, "list", "com.example.nothing").Output()
	if code := exitCode(err); code != 113 {
		t.Errorf("list of an unknown label: exit %d", code)
	}
}

// TestNetworksetupActions switches the proxy through the fake networksetup
// and reads it back through the engine.
func TestNetworksetupActions(t *testing.T) {
	w := up(t, "full")
	ns := filepath.Join(w.dir, "bin", "networksetup")
	if out, err := exec.Command(ns, "-setsecurewebproxystate", "Wi-Fi", "off").CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	out, _ := exec.Command(ns, "-getsecurewebproxy", "Wi-Fi").Output()
	if s, err := status.ParseProxyOutput(out); err != nil || s.Enabled || s.Server != "127.0.0.1" {
		t.Errorf("after off: %+v %v (server and port stay)", s, err)
	}
	r, _ := w.check()
	if c, _ := r.Row("system-proxy"); c.State != "inconsistent" || !strings.Contains(c.Detail, "not Wi-Fi") {
		t.Errorf("system-proxy %s %q", c.State, c.Detail)
	}
	out, err := exec.Command(ns, "-getsecurewebproxy", "Ethernet 2").Output()
	if code := exitCode(err); code != 4 || !strings.Contains(string(out), "is not a recognized network service") {
		t.Errorf("unknown service: exit %d %q", code, out)
	}
}

func exitCode(err error) int {
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return exitErr.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}
