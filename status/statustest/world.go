// Package statustest builds throwaway Halton Meter installs for tests: a
// temp home with the install's files and LaunchAgent plists, fake
// launchctl and networksetup scripts, a preferences.plist, and real
// loopback listeners and HTTP servers. It does not import the engine, so
// the engine's own tests can use it.
package statustest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"howett.net/plist"
)

// Launchd labels of the four jobs.
const (
	LabelDaemon   = "com.haltonlabs.meter"
	LabelWatchdog = "com.haltonlabs.meter.watchdog"
	LabelEdge     = "com.haltonlabs.meter.edge"
	LabelUserenv  = "com.haltonlabs.meter.userenv"
)

var labels = []string{LabelDaemon, LabelWatchdog, LabelEdge, LabelUserenv}

// World is a temp home with a Halton Meter install, fake launchctl and
// networksetup scripts, and real loopback listeners.
type World struct {
	T    testing.TB
	Dir  string
	Mode string
	// Paths, as the engine's seams name them.
	Home, MeterHome, LaunchAgents, Launchctl, Networksetup, Preferences string
	// Ports of the real listeners.
	Edge, Internal, API int
}

// Env is the world's seams as KEY=VALUE pairs.
func (w *World) Env() []string {
	return []string{
		"HOME=" + w.Home,
		"HALTON_METER_HOME=" + w.MeterHome,
		"HALTON_BAR_LAUNCHCTL=" + w.Launchctl,
		"HALTON_BAR_NETWORKSETUP=" + w.Networksetup,
		"HALTON_BAR_PREFERENCES=" + w.Preferences,
	}
}

// Setenv points the test process's seams at the world.
func (w *World) Setenv(t *testing.T) {
	for _, kv := range w.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// GiveTo makes the install uid's, as a user's own install is: everything
// under the home theirs where the test may chown (as root), and the
// folders above it searchable by anyone, so that a run for uid (root
// reading as that user) can reach it.
func (w *World) GiveTo(uid, gid int) {
	w.T.Helper()
	for d := w.Dir; d != filepath.Dir(d); d = filepath.Dir(d) {
		if st, err := os.Stat(d); err == nil && st.Mode().Perm()&0o005 != 0o005 {
			if err := os.Chmod(d, st.Mode().Perm()|0o755); err != nil {
				w.T.Fatal(err)
			}
		}
	}
	if os.Geteuid() != 0 {
		return
	}
	filepath.WalkDir(w.Home, func(p string, _ os.DirEntry, err error) error {
		if err == nil {
			err = os.Lchown(p, uid, gid)
		}
		return err
	})
}

// PlistPath is a label's LaunchAgent plist.
func (w *World) PlistPath(label string) string {
	return filepath.Join(w.LaunchAgents, label+".plist")
}

// HealthyTable is `launchctl list` with all four jobs up.
func HealthyTable() string {
	return fmt.Sprintf("PID\tStatus\tLabel\n612\t0\tcom.apple.Finder\n%d\t-15\t%s\n%d\t0\t%s\n%d\t0\t%s\n-\t0\t%s\n",
		4001, LabelEdge, 4002, LabelDaemon, 4003, LabelWatchdog, LabelUserenv)
}

// New builds a healthy install in mode: real listeners on free
// ports for the edge, the daemon's internal port and its API (/health 200),
// a launchctl that lists all four jobs, and proxies per the mode.
func New(t testing.TB, mode string) *World {
	t.Helper()
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	w := &World{T: t, Dir: dir, Mode: mode, Home: home,
		MeterHome:    filepath.Join(home, ".halton-meter"),
		LaunchAgents: filepath.Join(home, "Library", "LaunchAgents"),
		Launchctl:    filepath.Join(dir, "bin", "launchctl"),
		Networksetup: filepath.Join(dir, "bin", "networksetup"),
		Preferences:  filepath.Join(dir, "preferences.plist"),
	}
	for _, d := range []string{w.MeterHome, w.LaunchAgents, filepath.Join(dir, "bin")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	w.Write(".halton-meter/install-mode", mode+"\n")
	if mode == "apps" || mode == "full" {
		w.Write(".halton-meter/apps-managed", "")
	}
	if mode == "full" {
		w.Write(".halton-meter/proxy-managed", "")
	}
	for _, label := range labels {
		w.WritePlist(label, "/opt/halton/bin/halton-meter")
	}
	w.Edge = w.Listen()
	w.Internal = w.Listen()
	w.API = w.Serve(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health" {
			http.NotFound(rw, r)
			return
		}
		fmt.Fprint(rw, `{"status":"ok","version":"0.6.3"}`)
	}))
	w.Ports(w.Edge, w.Internal, w.API)
	w.LaunchctlTable(HealthyTable())
	w.Prefs(mode == "full", "")
	w.Tool("networksetup", "echo networksetup must not run while preferences.plist is readable >&2; exit 99")
	return w
}

// Write writes a file under the home.
func (w *World) Write(rel, content string) string {
	w.T.Helper()
	p := filepath.Join(w.Home, rel)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		w.T.Fatal(err)
	}
	return p
}

// WritePlist writes a LaunchAgent plist whose program is exe.
func (w *World) WritePlist(label, exe string) {
	w.T.Helper()
	b, err := plist.MarshalIndent(map[string]any{"Label": label, "ProgramArguments": []string{exe, "daemon"}}, plist.XMLFormat, "\t")
	if err != nil {
		w.T.Fatal(err)
	}
	if err := os.WriteFile(w.PlistPath(label), b, 0o644); err != nil {
		w.T.Fatal(err)
	}
}

// Ports writes effective-ports.json.
func (w *World) Ports(edge, internal, api int) {
	w.Write(".halton-meter/effective-ports.json", fmt.Sprintf(`{"edge": %d, "internal": %d, "api": %d}`, edge, internal, api))
}

// Listen opens a real loopback listener that accepts and closes.
func (w *World) Listen() int {
	w.T.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		w.T.Fatal(err)
	}
	w.T.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// Serve runs a real HTTP server on loopback.
func (w *World) Serve(h http.Handler) int {
	w.T.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		w.T.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(l)
	w.T.Cleanup(func() { srv.Close() })
	return l.Addr().(*net.TCPAddr).Port
}

// FreePort is a loopback port nothing listens on.
func (w *World) FreePort() int {
	w.T.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		w.T.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Tool writes a fake executable: a shell script with the given body.
func (w *World) Tool(name, body string) {
	w.T.Helper()
	p := filepath.Join(w.Dir, "bin", name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		w.T.Fatal(err)
	}
}

// LaunchctlTable makes `launchctl list` print table.
func (w *World) LaunchctlTable(table string) {
	w.T.Helper()
	p := filepath.Join(w.Dir, "launchctl-table.txt")
	if err := os.WriteFile(p, []byte(table), 0o644); err != nil {
		w.T.Fatal(err)
	}
	w.Tool("launchctl", fmt.Sprintf(`[ "$1" = list ] && [ -z "$2" ] && exec cat %q
echo "Could not find service \"$2\" in domain for port" >&2
exit 113`, p))
}

// Prefs writes preferences.plist with Wi-Fi, Ethernet and a disabled
// Thunderbolt Bridge; on points their secure web proxy at the edge, and
// foreign points Wi-Fi at a corporate proxy.
func (w *World) Prefs(on bool, foreign string) {
	w.T.Helper()
	svc := func(name string, inactive bool, host string, port int, enable int) map[string]any {
		s := map[string]any{
			"UserDefinedName": name,
			"Interface":       map[string]any{"UserDefinedName": name},
			"Proxies":         map[string]any{"HTTPSEnable": enable, "HTTPSProxy": host, "HTTPSPort": port, "HTTPEnable": enable, "HTTPProxy": host, "HTTPPort": port},
		}
		if inactive {
			s["__INACTIVE__"] = true
		}
		return s
	}
	enable := 0
	if on {
		enable = 1
	}
	wifi := svc("Wi-Fi", false, "127.0.0.1", w.Edge, enable)
	if foreign != "" {
		host, port, _ := strings.Cut(foreign, ":")
		var n int
		fmt.Sscan(port, &n)
		wifi = svc("Wi-Fi", false, host, n, 1)
	}
	doc := map[string]any{
		"CurrentSet": "/Sets/SET",
		"NetworkServices": map[string]any{
			"A": wifi,
			"B": svc("Ethernet", false, "127.0.0.1", w.Edge, enable),
			"C": svc("Thunderbolt Bridge", true, "", 0, 0),
		},
		"Sets": map[string]any{"SET": map[string]any{"Network": map[string]any{
			"Global":  map[string]any{"IPv4": map[string]any{"ServiceOrder": []string{"A", "B", "C"}}},
			"Service": map[string]any{"A": map[string]any{"__LINK__": "/NetworkServices/A"}, "B": map[string]any{"__LINK__": "/NetworkServices/B"}, "C": map[string]any{"__LINK__": "/NetworkServices/C"}},
		}}},
	}
	b, err := plist.MarshalIndent(doc, plist.XMLFormat, "\t")
	if err != nil {
		w.T.Fatal(err)
	}
	if err := os.WriteFile(w.Preferences, b, 0o644); err != nil {
		w.T.Fatal(err)
	}
}
