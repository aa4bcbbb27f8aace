package watch

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/status"
	"github.com/haltonlabs/halton-meter-bar/status/statustest"
)

// watcher watches a statustest world and reports each arming on a channel.
func watcher(t *testing.T) (*EventWatcher, *statustest.World, chan []int) {
	w := statustest.New(t, "apps")
	armed := make(chan []int, 16)
	ew, err := New(status.ConfigFromEnviron(w.Env()), Options{OnArmed: func(p []int) { armed <- p }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ew.Close)
	return ew, w, armed
}

// one expects exactly one trigger for a change: one within a generous
// bound, then none while a burst could still be settling.
func one(t *testing.T, ew *EventWatcher, what string) {
	t.Helper()
	select {
	case <-ew.Events():
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: no trigger", what)
	}
	none(t, ew, what)
}

// none checks that no trigger comes for longer than a burst can last.
func none(t *testing.T, ew *EventWatcher, what string) {
	t.Helper()
	select {
	case <-ew.Events():
		t.Errorf("%s: a second trigger", what)
	case <-time.After(maxSettle + 2*settle):
	}
}

func TestProcessExit(t *testing.T) {
	ew, _, armed := watcher(t)
	if !ew.Covers() {
		t.Fatal("the watcher does not cover processes and files here")
	}
	child := exec.Command("sleep", "60")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	ew.WatchPIDs([]int{child.Process.Pid, os.Getpid()})
	want := []int{child.Process.Pid, os.Getpid()}
	slices.Sort(want)
	if got := <-armed; !slices.Equal(got, want) {
		t.Fatalf("armed %v, want %v", got, want)
	}
	child.Process.Kill()
	child.Wait()
	one(t, ew, "the exit")
	// Asked again for the dead process (a report taken before launchd
	// noticed): no news, and only the live one is watched.
	ew.WatchPIDs([]int{child.Process.Pid, os.Getpid()})
	none(t, ew, "the dead process again")
	if got := <-armed; !slices.Equal(got, []int{os.Getpid()}) {
		t.Errorf("armed %v after the exit", got)
	}
	// The same set again arms nothing new.
	ew.WatchPIDs([]int{child.Process.Pid, os.Getpid()})
	select {
	case got := <-armed:
		t.Errorf("armed again: %v", got)
	default:
	}
}

func TestAlreadyGone(t *testing.T) {
	ew, _, _ := watcher(t)
	child := exec.Command("true")
	if err := child.Run(); err != nil {
		t.Fatal(err)
	}
	ew.WatchPIDs([]int{child.Process.Pid})
	one(t, ew, "a process gone before it was watched")
}

func TestSentinelRewritten(t *testing.T) {
	ew, w, _ := watcher(t)
	w.Write(".halton-meter/apps-managed", "again")
	one(t, ew, "the sentinel")
	// A log line is no change.
	for i := 0; i < 20; i++ {
		w.Write(".halton-meter/daemon.err.log", fmt.Sprintf("line %d\n", i))
	}
	none(t, ew, "log writes")
}

func TestBurst(t *testing.T) {
	ew, w, _ := watcher(t)
	for i := 0; i < 100; i++ {
		w.Write(".halton-meter/effective-ports.json", fmt.Sprintf(`{"edge": %d, "internal": 2, "api": 3}`, 1000+i))
	}
	one(t, ew, "a burst of writes")
}

func TestInstall(t *testing.T) {
	// No install yet: its creation is a change.
	home := t.TempDir()
	cfg := status.ConfigFromEnviron([]string{"HOME=" + home})
	ew, err := New(cfg, Options{})
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
	list := ew.fsw.WatchList()
	if slices.Contains(list, home) || !slices.Contains(list, filepath.Join(home, ".halton-meter")) {
		t.Errorf("watching %v", list)
	}
	os.WriteFile(filepath.Join(home, ".halton-meter", "install-mode"), []byte("apps\n"), 0o644)
	select {
	case <-ew.Events():
	case <-time.After(10 * time.Second):
		t.Fatal("no event for install-mode")
	}
}

func TestCloseTwice(t *testing.T) {
	ew, _, _ := watcher(t)
	ew.Close()
	ew.Close()
}

// TestUserFoldersPolledAsRootOnMac: only a run on macOS for another user
// polls the user's folders rather than watch them.
func TestUserFoldersPolledAsRootOnMac(t *testing.T) {
	for _, c := range []struct {
		goos  string
		other bool
		want  bool
	}{{"darwin", true, false}, {"darwin", false, true}, {"linux", true, true}, {"linux", false, true}} {
		if got := WatchesUserFolders(c.goos, status.Config{OtherUser: c.other}); got != c.want {
			t.Errorf("%s, another user %v: watched %v", c.goos, c.other, got)
		}
	}
}
