package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"howett.net/plist"

	"github.com/haltonlabs/halton-meter-bar/internal/testwait"
)

// TestBundledTray assembles the .app around this machine's binaries and
// runs the tray from inside it: it finds the details window beside itself,
// and Start at Login writes a LaunchAgent with the bundle's executable.
func TestBundledTray(t *testing.T) {
	out := t.TempDir()
	cmd := exec.Command("go", "run", "../packaging", "assemble", "--out", out, "--describe", "v0.9.0", "--commits", "1",
		"--bar", bin("halton-meter-bar"), "--tray", bin("halton-meter-tray"), "--details", bin("halton-meter-details"))
	app, err := cmd.Output()
	if err != nil {
		t.Fatalf("assemble: %v", err)
	}
	exe := filepath.Join(strings.TrimSpace(string(app)), "Contents", "MacOS", "halton-meter-bar")

	d := startDesktop(t)
	w := up(t, "apps")
	p := startTrayFrom(t, d, exe, w.env)
	p.waitMenu("a healthy install", func(by map[string]menuEntry, rows []menuEntry) bool {
		return by["Open Details…"].label != "" && by["Start at Login"].toggle == 0 && len(rows) == len(rowOrder)
	})
	p.click("Open Details…")
	testwait.For(t, "the bundled details window", func() bool { return strings.Contains(p.stderr.String(), "details: started") })

	path := filepath.Join(w.home(), "Library", "LaunchAgents", "com.haltonlabs.meter.bar.plist")
	launchctl := filepath.Join(w.dir, "bin", "launchctl")
	loaded := func() bool { return exec.Command(launchctl, "list", "com.haltonlabs.meter.bar").Run() == nil }

	// GTK flips the check item on click by itself: wait for the effects.
	p.click("Start at Login")
	testwait.For(t, "the login agent loaded", loaded)
	p.waitMenu("Start at Login checked", func(by map[string]menuEntry, _ []menuEntry) bool { return by["Start at Login"].toggle == 1 })
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var agent struct {
		Label                  string
		ProgramArguments       []string
		RunAtLoad              bool
		LimitLoadToSessionType string
	}
	if _, err := plist.Unmarshal(b, &agent); err != nil {
		t.Fatal(err)
	}
	if agent.Label != "com.haltonlabs.meter.bar" || len(agent.ProgramArguments) != 1 || agent.ProgramArguments[0] != exe ||
		!agent.RunAtLoad || agent.LimitLoadToSessionType != "Aqua" {
		t.Errorf("login agent %+v, want the bundle's %s", agent, exe)
	}
	p.click("Start at Login")
	testwait.For(t, "the login agent unloaded and removed", func() bool {
		_, err := os.Stat(path)
		return !loaded() && os.IsNotExist(err)
	})
	p.waitMenu("Start at Login unchecked", func(by map[string]menuEntry, _ []menuEntry) bool { return by["Start at Login"].toggle == 0 })
}
