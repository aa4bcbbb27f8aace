package status

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/internal/testwait"
	"github.com/haltonlabs/halton-meter-bar/status/statustest"
)

// testWorld is a statustest world with the engine's Config pointed at it.
type testWorld struct {
	*statustest.World
	t   *testing.T
	cfg Config
}

func newTestWorld(t *testing.T, mode string) *testWorld {
	w := statustest.New(t, mode)
	return &testWorld{World: w, t: t, cfg: Config{
		Home:            w.Home,
		MeterHome:       w.MeterHome,
		LaunchAgentsDir: w.LaunchAgents,
		Launchctl:       w.Launchctl,
		Networksetup:    w.Networksetup,
		Preferences:     w.Preferences,
		Timeout:         2 * time.Second,
		Runner:          &ExecRunner{},
	}}
}

// check runs a sweep. A hung probe must never hang the sweep: the
// probes the tests hang never answer by themselves, so a sweep that
// returns at all gave up on them; the bound only bounds a failure.
func (w *testWorld) check() Report {
	w.t.Helper()
	done := make(chan Report, 1)
	go func() { done <- Check(context.Background(), w.cfg) }()
	select {
	case r := <-done:
		return r
	case <-time.After(w.cfg.Timeout + testwait.Bound):
		w.t.Fatalf("the sweep did not return within %s past its %s deadline", testwait.Bound, w.cfg.Timeout)
	}
	return Report{}
}

func row(t *testing.T, r Report, name ComponentName) Component {
	t.Helper()
	c, ok := r.Row(name)
	if !ok {
		t.Fatalf("no row %q", name)
	}
	return c
}

// expectRow checks a row's state, level and that its detail contains substr.
func expectRow(t *testing.T, r Report, name ComponentName, state State, level Level, substr string) {
	t.Helper()
	c := row(t, r, name)
	if c.State != state || c.Level != level || !strings.Contains(c.Detail, substr) {
		t.Errorf("%s = %s/%s %q, want %s/%s containing %q", name, c.State, c.Level, c.Detail, state, level, substr)
	}
}

func TestCheckHealthy(t *testing.T) {
	for _, mode := range []string{ModeEnvOnly, ModeApps, ModeFull} {
		t.Run(mode, func(t *testing.T) {
			w := newTestWorld(t, mode)
			r := w.check()
			if r.Overall != OverallHealthy {
				for _, c := range r.Components {
					t.Logf("%-20s %-13s %-7s %s", c.Name, c.State, c.Level, c.Detail)
				}
				t.Fatalf("overall %s: %s", r.Overall, r.Headline)
			}
			if r.Version != "0.6.3" || r.VersionSource != "/health" {
				t.Errorf("version %q from %q", r.Version, r.VersionSource)
			}
			if r.SystemProxy.Source != SourcePreferences || r.Ports.Source != PortsFromEffective {
				t.Errorf("sources: proxy %q, ports %q", r.SystemProxy.Source, r.Ports.Source)
			}
			// One launchctl, no networksetup: preferences.plist is readable.
			if r.Sweep.Spawned != 1 {
				t.Errorf("spawned %d processes, want 1", r.Sweep.Spawned)
			}
			if r.Daemon.PID == nil || *r.Daemon.PID != 4002 || r.Userenv.PID != nil {
				t.Errorf("pids: daemon %v userenv %v", r.Daemon.PID, r.Userenv.PID)
			}
		})
	}
}

func TestCheckNotInstalled(t *testing.T) {
	w := newTestWorld(t, ModeApps)
	if err := os.RemoveAll(w.cfg.MeterHome); err != nil {
		t.Fatal(err)
	}
	r := w.check()
	if r.Overall != OverallNotInstalled || r.Sweep.Spawned != 0 {
		t.Fatalf("overall %s, spawned %d", r.Overall, r.Sweep.Spawned)
	}
	// Uninstalled without --purge: the folder stays, install-mode and plists go.
	w = newTestWorld(t, ModeApps)
	os.Remove(filepath.Join(w.cfg.MeterHome, "install-mode"))
	os.RemoveAll(w.cfg.LaunchAgentsDir)
	if r := w.check(); r.Overall != OverallNotInstalled {
		t.Fatalf("uninstalled: overall %s", r.Overall)
	}
}

func TestCheckInstallModeBadInput(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(w *testWorld, path string)
		detail string
	}{
		{"empty", func(w *testWorld, p string) { os.WriteFile(p, nil, 0o644) }, "install-mode: empty"},
		{"binary", func(w *testWorld, p string) { os.WriteFile(p, []byte{0, 1, 2, 0xff}, 0o644) }, "binary content"},
		{"50 MB", func(w *testWorld, p string) {
			f, _ := os.Create(p)
			f.Truncate(50 << 20)
			f.Close()
		}, "too large: 50.0 MB"},
		{"unknown mode word", func(w *testWorld, p string) { os.WriteFile(p, []byte("turbo\n"), 0o644) }, `unrecognised mode (not env-only, apps or full)`},
		{"symlink to /dev/zero", func(w *testWorld, p string) { os.Remove(p); os.Symlink("/dev/zero", p) }, "not a regular file (a character device)"},
		{"a directory", func(w *testWorld, p string) { os.Remove(p); os.Mkdir(p, 0o755) }, "not a regular file (a directory)"},
		{"a named pipe", func(w *testWorld, p string) {
			os.Remove(p)
			if err := exec.Command("mkfifo", p).Run(); err != nil {
				w.t.Skip("mkfifo:", err)
			}
		}, "not a regular file (a named pipe)"},
		{"missing with plists present", func(w *testWorld, p string) { os.Remove(p) }, "install-mode: missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTestWorld(t, ModeApps)
			tt.setup(w, filepath.Join(w.cfg.MeterHome, "install-mode"))
			r := w.check()
			if r.Overall != OverallUnknown {
				t.Errorf("overall %s, want unknown", r.Overall)
			}
			expectRow(t, r, CompInstallMode, StateUnknown, LevelUnknown, tt.detail)
			expectRow(t, r, CompDaemon, StateHealthy, LevelOK, "")
		})
	}
}

func TestCheckPortsBadInput(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(w *testWorld)
		source  string
		problem string
	}{
		{"garbage", func(w *testWorld) { w.Write(".halton-meter/effective-ports.json", "}{ not json") }, PortsFromDefaults, "not a JSON object"},
		{"strings", func(w *testWorld) {
			w.Write(".halton-meter/effective-ports.json", `{"edge":"8081","internal":"8090","api":"8765"}`)
		}, PortsFromDefaults, "not a number"},
		{"negative", func(w *testWorld) {
			w.Write(".halton-meter/effective-ports.json", `{"edge":-1,"internal":8090,"api":8765}`)
		}, PortsFromDefaults, "out of range"},
		{"too big", func(w *testWorld) {
			w.Write(".halton-meter/effective-ports.json", `{"edge":8081,"internal":70000,"api":8765}`)
		}, PortsFromDefaults, "out of range"},
		{"a directory", func(w *testWorld) {
			p := filepath.Join(w.cfg.MeterHome, "effective-ports.json")
			os.Remove(p)
			os.Mkdir(p, 0o755)
		}, PortsFromDefaults, "not a regular file (a directory)"},
		{"config.toml does not parse", func(w *testWorld) {
			os.Remove(filepath.Join(w.cfg.MeterHome, "effective-ports.json"))
			w.Write(".halton-meter/config.toml", "[daemon\nedge_port = ")
		}, PortsFromDefaults, "config.toml: does not parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTestWorld(t, ModeApps)
			tt.setup(w)
			r := w.check()
			if r.Ports.Source != tt.source || !strings.Contains(r.Ports.Problem, tt.problem) {
				t.Errorf("ports %+v, want source %s and problem %q", r.Ports, tt.source, tt.problem)
			}
			expectRow(t, r, CompInstallMode, ModeApps, LevelWarn, tt.problem)
			if r.Overall == OverallHealthy || len(r.Warnings) == 0 {
				t.Errorf("overall %s, warnings %v", r.Overall, r.Warnings)
			}
		})
	}
}

func TestCheckPortsFromConfig(t *testing.T) {
	w := newTestWorld(t, ModeApps)
	os.Remove(filepath.Join(w.cfg.MeterHome, "effective-ports.json"))
	w.Write(".halton-meter/config.toml", fmt.Sprintf("[daemon]\nedge_port = %d\ninternal_port = %d\napi_port = %d\n", w.Edge, w.Internal, w.API))
	r := w.check()
	if r.Overall != OverallHealthy || r.Ports.Source != PortsFromConfig || r.Ports.API != w.API {
		t.Fatalf("overall %s, ports %+v", r.Overall, r.Ports)
	}
}

func TestCheckLaunchctlBadInput(t *testing.T) {
	tests := []struct {
		name    string
		script  string
		overall Overall
		detail  string
	}{
		{"missing", "", OverallUnknown, "launchctl not found at"},
		{"exit 113", `echo 'Could not find service "x" in domain for port' >&2; exit 113`, OverallUnknown, "launchctl list exited 113: Could not find service"},
		{"hanging", "exec sleep 30", OverallUnknown, "launchctl timed out after 750ms"},
		{"garbage, and the per-label form too", `echo "%%% garbage %%%"`, OverallUnknown, "launchctl list output unreadable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTestWorld(t, ModeApps)
			w.cfg.Timeout = time.Second
			if tt.script == "" {
				os.Remove(w.cfg.Launchctl)
			} else {
				w.Tool("launchctl", tt.script)
			}
			r := w.check()
			if r.Overall != tt.overall {
				t.Errorf("overall %s, want %s", r.Overall, tt.overall)
			}
			expectRow(t, r, CompDaemon, StateUnknown, LevelUnknown, tt.detail)
			expectRow(t, r, CompEdge, StateUnknown, LevelUnknown, "accepting")
			if !strings.HasPrefix(r.Headline, "Cannot ask launchd") {
				t.Errorf("headline %q", r.Headline)
			}
		})
	}
}

func TestCheckLaunchctlCRLF(t *testing.T) {
	w := newTestWorld(t, ModeApps)
	w.LaunchctlTable(strings.ReplaceAll(fmt.Sprintf("PID\tStatus\tLabel\n%d\t0\t%s\n%d\t0\t%s\n%d\t0\t%s\n-\t0\t%s\n",
		11, LabelEdge, 12, LabelDaemon, 13, LabelWatchdog, LabelUserenv), "\n", "\r\n"))
	if r := w.check(); r.Overall != OverallHealthy {
		t.Fatalf("overall %s: %s", r.Overall, r.Headline)
	}
}

func TestCheckLaunchctlPerLabelFallback(t *testing.T) {
	// A table we cannot read, but a per-label form we can: one answer per label.
	w := newTestWorld(t, ModeApps)
	label := func(pid string) string {
		return fmt.Sprintf("{\n\t\"Label\" = \"x\";\n\t\"LastExitStatus\" = 0;\n%s\t\"ProgramArguments\" = (\n\t\t\"/x\";\n\t\t\"daemon\";\n\t);\n};\n", pid)
	}
	w.Tool("launchctl", fmt.Sprintf(`[ "$1" = print-disabled ] && { printf 'disabled services = {\n}\n'; exit 0; }
[ -z "$2" ] && { echo "new table format"; exit 0; }
case "$2" in
%s) echo 'Could not find service "%s" in domain for port' >&2; exit 113;;
%s) printf '%%s' '%s';;
*) printf '%%s' '%s';;
esac`, LabelWatchdog, LabelWatchdog, LabelUserenv, label(""), label("\t\"PID\" = 77;\n")))
	r := w.check()
	expectRow(t, r, CompDaemon, StateHealthy, LevelOK, "PID 77")
	expectRow(t, r, CompWatchdog, StateStopped, LevelWarn, "not loaded")
	expectRow(t, r, CompUserenv, StateApplied, LevelOK, "")
	// The watchdog's plist is there but it is not loaded: is it switched off?
	if r.Sweep.Spawned != 6 {
		t.Errorf("spawned %d, want 1 table call, 4 label calls and print-disabled", r.Sweep.Spawned)
	}
}

func TestCheckNetworksetupFallback(t *testing.T) {
	listing := "An asterisk (*) denotes that a network service is disabled.\nWi-Fi\nEthernet\n*Thunderbolt Bridge\n"
	tests := []struct {
		name   string
		prefs  func(w *testWorld)
		script string
		state  State
		level  Level
		detail string
	}{
		{"prefs missing, proxy off", func(w *testWorld) { os.Remove(w.cfg.Preferences) },
			fmt.Sprintf(`[ "$1" = -listallnetworkservices ] && { printf '%s'; exit 0; }
printf 'Enabled: No\nServer: \nPort: 0\nAuthenticated Proxy Enabled: 0\n'`, listing), StateOff, LevelOK, "(apps mode)"},
		{"prefs truncated, proxy on", func(w *testWorld) {
			b, _ := os.ReadFile(w.cfg.Preferences)
			os.WriteFile(w.cfg.Preferences, b[:len(b)/3], 0o644)
		}, fmt.Sprintf(`[ "$1" = -listallnetworkservices ] && { printf '%s'; exit 0; }
printf 'Enabled: Yes\nServer: 127.0.0.1\nPort: %%s\nAuthenticated Proxy Enabled: 0\n' "$EDGE"`, listing), StateInconsistent, LevelWarn, "Wi-Fi, Ethernet →"},
		{"prefs of the wrong shape, a service vanishes", func(w *testWorld) {
			os.WriteFile(w.cfg.Preferences, []byte(`<?xml version="1.0"?><plist version="1.0"><array/></plist>`), 0o644)
		}, fmt.Sprintf(`[ "$1" = -listallnetworkservices ] && { printf '%s'; exit 0; }
[ "$2" = Ethernet ] && { printf 'Ethernet is not a recognized network service.\n** Error: The parameters were not valid.\n'; exit 4; }
printf 'Enabled: No\nServer: \nPort: 0\nAuthenticated Proxy Enabled: 0\n'`, listing), StateOff, LevelOK, "(apps mode)"},
		{"networksetup missing too", func(w *testWorld) { os.Remove(w.cfg.Preferences) }, "", StateUnknown, LevelUnknown, "networksetup not found at"},
		{"networksetup hanging", func(w *testWorld) { os.Remove(w.cfg.Preferences) }, "exec sleep 30", StateUnknown, LevelUnknown, "networksetup timed out after"},
		{"networksetup garbage", func(w *testWorld) { os.Remove(w.cfg.Preferences) }, "echo hello", StateUnknown, LevelUnknown, "output unreadable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTestWorld(t, ModeApps)
			t.Setenv("EDGE", fmt.Sprint(w.Edge))
			tt.prefs(w)
			if tt.script == "" {
				os.Remove(w.cfg.Networksetup)
			} else {
				w.Tool("networksetup", tt.script)
			}
			r := w.check()
			expectRow(t, r, CompSystemProxy, tt.state, tt.level, tt.detail)
			if r.SystemProxy.Source != SourceNetworksetup || !strings.Contains(r.SystemProxy.SourceNote, "preferences.plist unusable") {
				t.Errorf("source %q, note %q", r.SystemProxy.Source, r.SystemProxy.SourceNote)
			}
		})
	}
}

func TestCheckForeignProxy(t *testing.T) {
	w := newTestWorld(t, ModeApps)
	w.Prefs(false, "proxy.corp.example:3128")
	r := w.check()
	expectRow(t, r, CompSystemProxy, StateOff, LevelOK, "Wi-Fi → proxy.corp.example:3128 (not Halton's)")
	if r.SystemProxy.Services[0].Owner != OwnerForeign {
		t.Errorf("services %+v", r.SystemProxy.Services)
	}
}

func TestCheckHealthBadInput(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		state   State
		level   Level
		detail  string
	}{
		{"hangs after accept", func(rw http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, StateUnknown, LevelUnknown, "accepts but /health timed out after 1s"},
		{"500", func(rw http.ResponseWriter, r *http.Request) { rw.WriteHeader(500) }, StateUnbound, LevelWarn, "/health answered 500"},
		{"200 with a 100 MB body", func(rw http.ResponseWriter, r *http.Request) {
			chunk := bytes.Repeat([]byte("x"), 1<<20)
			for i := 0; i < 100; i++ {
				if _, err := rw.Write(chunk); err != nil {
					return
				}
			}
		}, StateBound, LevelWarn, "body over 64.0 KB"},
		{"redirects elsewhere", func(rw http.ResponseWriter, r *http.Request) {
			http.Redirect(rw, r, "http://203.0.113.9/health", http.StatusFound)
		}, StateUnbound, LevelWarn, "/health redirects (302) to http://203.0.113.9/health"},
		{"a foreign process answering 404", http.NotFound, StateUnbound, LevelWarn, "/health answered 404"},
		{"200 with no version", func(rw http.ResponseWriter, r *http.Request) { fmt.Fprint(rw, `{"status":"ok"}`) }, StateBound, LevelOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTestWorld(t, ModeApps)
			w.API = w.Serve(tt.handler)
			w.Ports(w.Edge, w.Internal, w.API)
			r := w.check()
			expectRow(t, r, CompFastAPI, tt.state, tt.level, tt.detail)
			if r.Overall == OverallDown || r.Overall == OverallUnknown {
				t.Errorf("overall %s", r.Overall)
			}
		})
	}
}

func TestCheckVersionFromDistInfo(t *testing.T) {
	w := newTestWorld(t, ModeApps)
	w.API = w.Serve(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { fmt.Fprint(rw, `{"status":"ok"}`) }))
	w.Ports(w.Edge, w.Internal, w.API)
	// pipx layout: ~/.local/bin/halton-meter → venv/bin/halton-meter.
	venv := filepath.Join(w.Dir, "pipx", "venvs", "halton-meter")
	for _, v := range []string{"0.1.22.21", "0.6.3", "0.1.24"} {
		os.MkdirAll(filepath.Join(venv, "lib", "python3.12", "site-packages", "halton_meter-"+v+".dist-info"), 0o755)
	}
	os.MkdirAll(filepath.Join(venv, "bin"), 0o755)
	os.WriteFile(filepath.Join(venv, "bin", "halton-meter"), []byte("#!python\n"), 0o755)
	link := filepath.Join(w.cfg.Home, ".local", "bin", "halton-meter")
	os.MkdirAll(filepath.Dir(link), 0o755)
	if err := os.Symlink(filepath.Join(venv, "bin", "halton-meter"), link); err != nil {
		t.Fatal(err)
	}
	w.WritePlist(LabelDaemon, link)
	r := w.check()
	if r.Version != "0.6.3" || r.VersionSource != "dist-info" {
		t.Fatalf("version %q from %q", r.Version, r.VersionSource)
	}
}

func TestCheckForeignPortHolders(t *testing.T) {
	// The daemon crashed at start because something else took its ports.
	w := newTestWorld(t, ModeApps)
	w.API = w.Serve(http.NotFoundHandler())
	w.Ports(w.Edge, w.Internal, w.API)
	w.LaunchctlTable(fmt.Sprintf("PID\tStatus\tLabel\n%d\t0\t%s\n-\t1\t%s\n%d\t0\t%s\n-\t0\t%s\n", 4001, LabelEdge, LabelDaemon, 4003, LabelWatchdog, LabelUserenv))
	r := w.check()
	if r.Overall != OverallDegraded {
		t.Errorf("overall %s", r.Overall)
	}
	expectRow(t, r, CompDaemon, StateStopped, LevelWarn, "exited with status 1")
	expectRow(t, r, CompMitmproxy, StateUnbound, LevelWarn, "held by another process")
	expectRow(t, r, CompFastAPI, StateUnbound, LevelWarn, "/health answered 404")
}

func TestCheckDeadEdge(t *testing.T) {
	w := newTestWorld(t, ModeFull)
	dead := w.FreePort()
	w.Edge = dead
	w.Ports(dead, w.Internal, w.API)
	w.Prefs(true, "")
	r := w.check()
	if r.Overall != OverallDown || r.ExitCode() != 2 {
		t.Fatalf("overall %s", r.Overall)
	}
	expectRow(t, r, CompEdge, StateUnbound, LevelCrit, "not accepting")
	expectRow(t, r, CompSystemProxy, StateOn, LevelCrit, "where nothing listens")
}

func TestCheckSentinelsNeverRead(t *testing.T) {
	// proxy-managed pointing at /dev/zero is present, and is not read.
	w := newTestWorld(t, ModeFull)
	p := filepath.Join(w.cfg.MeterHome, "proxy-managed")
	os.Remove(p)
	os.Symlink("/dev/zero", p)
	r := w.check()
	expectRow(t, r, CompSentinels, StateConsistent, LevelOK, "proxy-managed: ✓")
}

func TestCheckDeadline(t *testing.T) {
	// Everything slow at once still gives a complete Report by the deadline.
	w := newTestWorld(t, ModeApps)
	w.cfg.Timeout = 500 * time.Millisecond
	w.Tool("launchctl", "exec sleep 30")
	os.Remove(w.cfg.Preferences)
	w.Tool("networksetup", "exec sleep 30")
	w.API = w.Serve(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	w.Ports(w.Edge, w.Internal, w.API)
	r := w.check()
	if len(r.Components) != len(ComponentOrder) || r.Overall != OverallUnknown {
		t.Fatalf("overall %s, %d rows", r.Overall, len(r.Components))
	}
	for _, name := range []ComponentName{CompDaemon, CompFastAPI, CompSystemProxy} {
		if c := row(t, r, name); c.State != StateUnknown || !strings.Contains(c.Detail, "timed out") {
			t.Errorf("%s: %s %q", name, c.State, c.Detail)
		}
	}
}

// TestCheckPermissionDenied reads an install whose files the user may not
// read. Root reads everything, so as root the sweep runs in a child process
// as nobody (checkAsNobody).
func TestCheckPermissionDenied(t *testing.T) {
	w := newTestWorld(t, ModeApps)
	for _, name := range []string{"install-mode", "effective-ports.json"} {
		if err := os.Chmod(filepath.Join(w.cfg.MeterHome, name), 0); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(w.cfg.Preferences, 0)
	r := checkAsNobody(t, w)
	expectRow(t, r, CompInstallMode, StateUnknown, LevelUnknown, "permission denied")
	if !strings.Contains(r.Ports.Problem, "effective-ports.json: permission denied") {
		t.Errorf("ports problem %q", r.Ports.Problem)
	}
	if !strings.Contains(r.SystemProxy.SourceNote, "permission denied") {
		t.Errorf("proxy note %q", r.SystemProxy.SourceNote)
	}
}

func TestFmtDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{1500 * time.Millisecond: "1.5s", 2 * time.Second: "2s", 750 * time.Millisecond: "750ms", 10 * time.Second: "10s", 1250 * time.Millisecond: "1.25s"} {
		if got := fmtDuration(d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}

func TestProbePortRefused(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	if f := probePort(context.Background(), port, time.Second); f.Accepting || f.Problem != "" {
		t.Errorf("closed port: %+v", f)
	}
}

// dropToNobody makes cmd run as uid/gid 65534 from a copy of the test
// binary that nobody can execute, with dir's parents made traversable.
func dropToNobody(t *testing.T, cmd *exec.Cmd, dir string) {
	t.Helper()
	for d := dir; d != "/" && d != "."; d = filepath.Dir(d) {
		if st, err := os.Stat(d); err == nil && st.Mode().Perm()&0o005 != 0o005 {
			os.Chmod(d, st.Mode().Perm()|0o755)
		}
	}
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "status.test")
	if err := os.WriteFile(bin, self, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd.Path, cmd.Args[0] = bin, bin
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
}

func TestConfigFromEnviron(t *testing.T) {
	cfg := ConfigFromEnviron([]string{"HOME=/a", "HALTON_BAR_LAUNCHCTL=/x/launchctl", "HOME=/b", "JUNK"})
	if cfg.Home != "/b" || cfg.MeterHome != "/b/.halton-meter" || cfg.Launchctl != "/x/launchctl" || cfg.Networksetup != DefaultNetworksetup {
		t.Errorf("%+v", cfg)
	}
}
