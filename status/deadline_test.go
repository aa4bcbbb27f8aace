package status

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// stall makes every read of the file named name wait until the test ends.
func stall(t *testing.T, name string) {
	release := make(chan struct{})
	hook := func(path string) {
		if filepath.Base(path) == name {
			<-release
		}
	}
	readHook.Store(&hook)
	t.Cleanup(func() { readHook.Store(nil); close(release) })
}

// TestFileReadsUnderTheDeadline: a file of the install that cannot be read
// in time (config.toml here) makes what rests on it unknown, naming it;
// launchd, which answered, is not blamed, and the sweep returns by its
// deadline. A stalled install-mode leaves launchd unasked, and says so.
func TestFileReadsUnderTheDeadline(t *testing.T) {
	w := newTestWorld(t, ModeApps)
	os.Remove(filepath.Join(w.cfg.MeterHome, "effective-ports.json"))
	w.Write(".halton-meter/config.toml", "[daemon]\nedge_port = 8181\n")
	w.cfg.Timeout = 300 * time.Millisecond
	stall(t, "config.toml")
	r := w.check()
	if !strings.Contains(r.Ports.Problem, "~/.halton-meter/config.toml could not be read in time") || !r.Ports.Guess {
		t.Errorf("ports %+v", r.Ports)
	}
	if r.Launchd.Source != LaunchdFromList {
		t.Errorf("launchd %+v", r.Launchd)
	}
	// launchd's answer stands; what needs the ports says why it is unknown.
	expectRow(t, r, CompDaemon, StateUnknown, LevelUnknown, "PID 4002 · 127.0.0.1:8090 not checked: ~/.halton-meter/config.toml could not be read in time")
	for _, c := range r.Components {
		if strings.Contains(c.Detail, "did not answer") {
			t.Errorf("%s: %s", c.Name, c.Detail)
		}
	}

	w2 := newTestWorld(t, ModeApps)
	w2.cfg.Timeout = 300 * time.Millisecond
	stall(t, "install-mode")
	r = w2.check()
	if r.Overall != OverallUnknown || !strings.Contains(r.Headline, "install-mode could not be read in time") {
		t.Errorf("overall %s: %q", r.Overall, r.Headline)
	}
	expectRow(t, r, CompDaemon, StateUnknown, LevelUnknown, "launchd was not asked: ~/.halton-meter/install-mode could not be read in time")
	if r.Sweep.Spawned != 0 {
		t.Errorf("spawned %d before the install was known", r.Sweep.Spawned)
	}
}
