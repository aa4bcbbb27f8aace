package monitor

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/status"
	"github.com/haltonlabs/halton-meter-bar/status/statustest"
)

// watched runs a monitor whose reports name pid as the daemon, with an
// EventWatcher on a statustest world, and no polling to speak of.
func watched(t *testing.T, pid int) (*Monitor, *statustest.World) {
	w := statustest.New(t, "apps")
	ew, err := NewEventWatcher(status.ConfigFromEnviron(w.Env()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ew.Close)
	s := &scripted{t: t}
	r := report(healthy)
	r.Daemon.PID = &pid
	s.reports = []status.Report{r}
	m := startMonitor(t, s, &fakes{}, Options{HealthyInterval: time.Hour, UnhealthyInterval: time.Hour, Watcher: ew})
	eventually(t, "the first sweep", func() bool { return m.Sweeps() == 1 })
	return m, w
}

// quietly checks that, well after a change, exactly want sweeps ran.
func quietly(t *testing.T, m *Monitor, want int) {
	t.Helper()
	eventually(t, fmt.Sprintf("sweep %d", want), func() bool { return m.Sweeps() >= want })
	time.Sleep(4 * settle)
	if got := m.Sweeps(); got != want {
		t.Errorf("%d sweeps, want %d", got, want)
	}
}

func TestWatcherProcessExit(t *testing.T) {
	child := exec.Command("sleep", "60")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	m, _ := watched(t, child.Process.Pid)
	time.Sleep(2 * settle) // the watch is set after the first sweep
	child.Process.Kill()
	child.Wait()
	quietly(t, m, 2)
}

func TestWatcherSentinelRewritten(t *testing.T) {
	m, w := watched(t, os.Getpid())
	w.Write(".halton-meter/apps-managed", "again")
	quietly(t, m, 2)
	// A log line is no change.
	for i := 0; i < 20; i++ {
		w.Write(".halton-meter/daemon.err.log", fmt.Sprintf("line %d\n", i))
	}
	time.Sleep(4 * settle)
	if got := m.Sweeps(); got != 2 {
		t.Errorf("log writes made %d sweeps", got-2)
	}
}

func TestWatcherBurst(t *testing.T) {
	m, w := watched(t, os.Getpid())
	for i := 0; i < 100; i++ {
		w.Write(".halton-meter/effective-ports.json", fmt.Sprintf(`{"edge": %d, "internal": 2, "api": 3}`, 1000+i))
	}
	quietly(t, m, 2)
}

func TestWatcherInstall(t *testing.T) {
	// No install yet: its creation is a change.
	home := t.TempDir()
	cfg := status.ConfigFromEnviron([]string{"HOME=" + home})
	ew, err := NewEventWatcher(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ew.Close()
	os.Mkdir(filepath.Join(home, ".halton-meter"), 0o755)
	select {
	case <-ew.Events():
	case <-time.After(10 * time.Second):
		t.Fatal("no event for the install")
	}
	// Then its files are watched, and the home no longer is.
	time.Sleep(2 * settle)
	if list := ew.fsw.WatchList(); slices.Contains(list, home) || !slices.Contains(list, filepath.Join(home, ".halton-meter")) {
		t.Errorf("watching %v", list)
	}
	os.WriteFile(filepath.Join(home, ".halton-meter", "install-mode"), []byte("apps\n"), 0o644)
	select {
	case <-ew.Events():
	case <-time.After(10 * time.Second):
		t.Fatal("no event for install-mode")
	}
}

// TestLightSweeps: while all is healthy, timed sweeps reuse launchd's
// answer and launchctl runs about once per FullEvery; a light sweep that
// sees a change is redone in full at once.
func TestLightSweeps(t *testing.T) {
	w, cfg, log := actionWorld(t)
	sw := &status.Sweeper{Cfg: cfg}
	m := New(Options{
		Sweep: sw.Full, Light: sw.Light,
		HealthyInterval: 20 * time.Millisecond, UnhealthyInterval: 20 * time.Millisecond,
		FullEvery: 400 * time.Millisecond,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	eventually(t, "many sweeps", func() bool { return m.Sweeps() >= 40 })
	r, _ := m.Report()
	if r.Overall != status.OverallHealthy {
		t.Fatalf("world is %s", r.Overall)
	}
	calls := strings.Count(readFile(log), "list")
	if full := m.FullSweeps(); calls != full || full*4 > m.Sweeps() {
		t.Errorf("%d sweeps, %d full, %d launchctl calls", m.Sweeps(), full, calls)
	}
	// The edge's port dies: the light sweep sees it and a full one follows.
	before := m.FullSweeps()
	w.Ports(w.FreePort(), w.Internal, w.API)
	eventually(t, "the edge seen down", func() bool { r, _ := m.Report(); return r.Overall == status.OverallDown })
	if r, _ := m.Report(); r.Sweep.LaunchdCached || m.FullSweeps() == before {
		t.Error("the change was not confirmed by a full sweep")
	}
}
