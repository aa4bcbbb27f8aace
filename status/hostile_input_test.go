package status

// Inputs a user met, as they came: an install that cannot be read, ports
// that are only a guess, files and tools that print secrets or control
// characters, output cut short, an impostor on the daemon's port.

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/status/statustest"
)

func TestCheckUnreadableInstallIsNotDown(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(w *testWorld)
		detail string
	}{
		{"HOME is a file", func(w *testWorld) {
			f := filepath.Join(w.Dir, "a-file")
			os.WriteFile(f, []byte("x"), 0o644)
			w.cfg.Home, w.cfg.MeterHome, w.cfg.LaunchAgentsDir = f, filepath.Join(f, ".halton-meter"), filepath.Join(f, "Library", "LaunchAgents")
		}, "not a directory"},
		{"HALTON_METER_HOME is /dev/null", func(w *testWorld) { w.cfg.MeterHome = "/dev/null" }, "/dev/null is not a directory"},
		{"HOME is /dev/null", func(w *testWorld) {
			w.cfg.Home, w.cfg.MeterHome, w.cfg.LaunchAgentsDir = "/dev/null", "/dev/null/.halton-meter", "/dev/null/Library/LaunchAgents"
		}, "not a directory"},
		{"a path too long", func(w *testWorld) {
			w.cfg.MeterHome = filepath.Join(w.Dir, strings.Repeat("x", 300))
		}, "file name too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTestWorld(t, ModeApps)
			tt.setup(w)
			// The default ports are closed here: were they trusted, the edge
			// would be dead, and the verdict down.
			r := w.check()
			if r.Overall != OverallUnknown || r.ExitCode() != 3 {
				t.Errorf("overall %s (%s)", r.Overall, r.Headline)
			}
			expectRow(t, r, CompInstallMode, StateUnknown, LevelUnknown, tt.detail)
			for _, c := range r.Components {
				if c.Level == LevelCrit {
					t.Errorf("%s is crit on a guessed port: %s", c.Name, c.Detail)
				}
			}
			if !r.Ports.Guess {
				t.Errorf("ports %+v not a guess", r.Ports)
			}
		})
	}
}

func TestCheckGuessedPortsNeverCrit(t *testing.T) {
	// effective-ports.json unreadable (a directory), no config.toml: the
	// defaults are a guess, and the edge's closed default port proves
	// nothing.
	w := newTestWorld(t, ModeApps)
	p := filepath.Join(w.cfg.MeterHome, "effective-ports.json")
	os.Remove(p)
	os.Mkdir(p, 0o755)
	r := w.check()
	if r.Overall == OverallDown {
		t.Fatalf("down on a guess: %s", r.Headline)
	}
	c := row(t, r, CompEdge)
	if c.Level != LevelUnknown || !strings.Contains(c.Detail, "the ports are only a guess (effective-ports.json: not a regular file (a directory))") {
		t.Errorf("edge %+v", c)
	}
}

func TestCheckNoFileContentsInAnyOutput(t *testing.T) {
	const secret = "correcthorsebatterystaple"
	w := newTestWorld(t, ModeApps)
	w.Write(".halton-meter/effective-ports.json", `{"edge": "`+secret+`", "internal": 1, "api": 2}`)
	w.Write(".halton-meter/config.toml", "[daemon]\nedge_port = 8081\ntoken = "+secret+"\n")
	for _, mode := range []string{secret + "\n", "apps\n"} {
		w.Write(".halton-meter/install-mode", mode)
		r := w.check()
		var js, table bytes.Buffer
		WriteJSON(&js, r)
		WriteTable(&table, r, true)
		for what, out := range map[string]string{"json": js.String(), "table": table.String()} {
			if strings.Contains(out, secret) || strings.Contains(out, "correcthorse") {
				t.Errorf("%s holds the secret:\n%s", what, out)
			}
		}
		if !strings.Contains(r.Ports.Problem, "config.toml: does not parse (line 3)") || !strings.Contains(r.Ports.Problem, "effective-ports.json: edge: not a number") {
			t.Errorf("ports problem %q", r.Ports.Problem)
		}
	}
}

func TestCheckControlCharactersInTheTable(t *testing.T) {
	// networksetup (preferences.plist unreadable) names a service and a
	// proxy host with escape sequences: to retitle the terminal, and to
	// clear it.
	w := newTestWorld(t, ModeApps)
	os.Remove(w.cfg.Preferences)
	w.Tool("networksetup", `case "$1" in
-listallnetworkservices) printf 'An asterisk (*) denotes that a network service is disabled.\nWi-Fi\033]0;owned\007\n';;
-getsecurewebproxy) printf 'Enabled: Yes\nServer: evil\033[2J.example\nPort: 3128\n';;
esac`)
	r := w.check()
	var table bytes.Buffer
	WriteTable(&table, r, false)
	out := table.String()
	for _, c := range []string{"\x1b", "\x07"} {
		if strings.Contains(out, c) {
			t.Fatalf("the table holds %q:\n%q", c, out)
		}
	}
	if !strings.Contains(out, `Wi-Fi\x1b]0;owned\x07 → evil\x1b[2J.example:3128 (not Halton's)`) {
		t.Errorf("the table:\n%s", out)
	}
	var js bytes.Buffer
	WriteJSON(&js, r)
	if !strings.Contains(js.String(), `"name": "Wi-Fi\u001b]0;owned\u0007"`) {
		t.Errorf("JSON does not keep its own escaping:\n%s", js.String())
	}
}

func TestCheckCompleteOutputOrUnknown(t *testing.T) {
	w := newTestWorld(t, ModeApps)
	// A 100 KB table, the Halton lines last.
	var b strings.Builder
	b.WriteString("PID\tStatus\tLabel\n")
	for i := 0; b.Len() < 100<<10; i++ {
		fmt.Fprintf(&b, "%d\t0\tcom.example.agent.number-%06d\n", 10000+i, i)
	}
	table := b.String() + strings.TrimPrefix(statustest.HealthyTable(), "PID\tStatus\tLabel\n")
	w.LaunchctlTable(table)
	var wg sync.WaitGroup
	errs := make(chan string, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cfg := w.cfg
			cfg.Timeout = 20 * time.Second // fifty sweeps at once on two cores
			r := Check(context.Background(), cfg)
			// The whole table was read: every job is there, with its PID.
			if r.Daemon.PID == nil || *r.Daemon.PID != 4002 || r.Edge.PID == nil || !r.Userenv.Loaded {
				c, _ := r.Row(CompDaemon)
				errs <- fmt.Sprintf("%s: %s", c.State, c.Detail)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error("a sweep under load:", e)
	}

	// A launchctl that leaves a child holding its output: what was read may
	// be cut short, so launchd is unknown, never "not loaded".
	w.Tool("launchctl", fmt.Sprintf("cat %q\nsleep 30 &\nexit 0", filepath.Join(w.Dir, "launchctl-table.txt")))
	w.cfg.Timeout = 5 * time.Second
	r := w.check()
	expectRow(t, r, CompDaemon, StateUnknown, LevelUnknown, "output may be cut short")
}

func TestCheckImpostorVersion(t *testing.T) {
	// The daemon is not running; something else answers /health on its
	// port with a version. The version is the install's, not the impostor's.
	w := newTestWorld(t, ModeApps)
	w.LaunchctlTable("PID\tStatus\tLabel\n-\t-9\tcom.haltonlabs.meter\n4003\t0\tcom.haltonlabs.meter.watchdog\n4001\t0\tcom.haltonlabs.meter.edge\n-\t0\tcom.haltonlabs.meter.userenv\n")
	w.API = w.Serve(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { fmt.Fprint(rw, `{"status":"ok","version":"66.6"}`) }))
	w.Ports(w.Edge, w.Internal, w.API)
	r := w.check()
	expectRow(t, r, CompFastAPI, StateUnbound, LevelWarn, "held by another process")
	if r.Version == "66.6" {
		t.Errorf("the impostor's version: %s from %s", r.Version, r.VersionSource)
	}
	// With the real venv beside the plist, the version is the install's.
	venv := filepath.Join(w.Dir, "venv")
	os.MkdirAll(filepath.Join(venv, "lib", "python3.12", "site-packages", "halton_meter-0.6.3.dist-info"), 0o755)
	os.MkdirAll(filepath.Join(venv, "bin"), 0o755)
	w.WritePlist(LabelDaemon, filepath.Join(venv, "bin", "halton-meter"))
	if r := w.check(); r.Version != "0.6.3" || r.VersionSource != "dist-info" {
		t.Errorf("version %s from %s", r.Version, r.VersionSource)
	}
}

func TestCheckCollidingPorts(t *testing.T) {
	w := newTestWorld(t, ModeApps)
	w.Ports(w.Edge, w.Edge, w.API)
	r := w.check()
	expectRow(t, r, CompInstallMode, ModeApps, LevelWarn, "effective-ports.json: the edge and internal ports are both "+strconv.Itoa(w.Edge))
	if r.Overall != OverallDegraded {
		t.Errorf("overall %s", r.Overall)
	}
}

func TestCheckRelativeToolSeam(t *testing.T) {
	w := newTestWorld(t, ModeApps)
	w.cfg.Launchctl = "launchctl" // found in PATH it could be anything
	r := w.check()
	expectRow(t, r, CompDaemon, StateUnknown, LevelUnknown, `HALTON_BAR_LAUNCHCTL="launchctl" is not an absolute path; refused`)
	if r.Sweep.Spawned != 0 {
		t.Errorf("spawned %d", r.Sweep.Spawned)
	}
}

func TestCheckLabelWithSpaces(t *testing.T) {
	w := newTestWorld(t, ModeApps)
	w.LaunchctlTable("PID\tStatus\tLabel\n123\t0\tcom.example.My Agent (2)\n" + strings.TrimPrefix(statustest.HealthyTable(), "PID\tStatus\tLabel\n"))
	r := w.check()
	if r.Overall != OverallHealthy || r.Sweep.Spawned != 1 {
		t.Errorf("overall %s, spawned %d", r.Overall, r.Sweep.Spawned)
	}
	jobs, err := ParseListTable([]byte("PID Status Label\n- 0 com.example.spaced label\n"))
	if err != nil || !jobs["com.example.spaced label"].Loaded {
		t.Errorf("space-separated: %v %v", jobs, err)
	}
}

func TestCheckUnreadableHome(t *testing.T) {
	// ~/.halton-meter that its user may not read: unknown, not down.
	w := newTestWorld(t, ModeApps)
	if err := os.Chmod(w.cfg.MeterHome, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(w.cfg.MeterHome, 0o755) })
	r := checkAsNobody(t, w)
	if r.Overall != OverallUnknown || r.ExitCode() != 3 {
		t.Errorf("overall %s (%s)", r.Overall, r.Headline)
	}
	expectRow(t, r, CompInstallMode, StateUnknown, LevelUnknown, "permission denied")
	for _, c := range r.Components {
		if c.Level == LevelCrit {
			t.Errorf("%s crit: %s", c.Name, c.Detail)
		}
	}
}
