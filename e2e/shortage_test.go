//go:build linux

package e2e

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	appdesktop "github.com/haltonlabs/halton-meter-bar/app/desktop"
)

// shortageLine is what the menu's state line says while the tray has no
// descriptor to spare.
const shortageLine = "Cannot check: this app is out of file descriptors"

// TestTrayOwnShortageIsNoFire: the real tray on a healthy install, its
// descriptors cut to those it holds, then flooded with hundreds of
// connections to its socket that say nothing: no notification at all
// (no failure, no recovery), the menu's state line names the shortage
// while it lasts, and once descriptors are there again the menu is
// healthy and the socket answers "open".
func TestTrayOwnShortageIsNoFire(t *testing.T) {
	d := startDesktop(t)
	w := up(t, "apps")
	p := startTray(t, d, w.env)
	p.waitMenu("a healthy install", func(by map[string]menuEntry, _ []menuEntry) bool { return by["All healthy"].label != "" })
	pid := p.cmd.Process.Pid
	var was unix.Rlimit
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, nil, &was); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		t.Fatal(err)
	}
	// Not one descriptor more than it holds now.
	cut := unix.Rlimit{Cur: uint64(len(entries)), Max: was.Max}
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &cut, nil); err != nil {
		t.Fatal(err)
	}
	restored := false
	restore := func() {
		if !restored {
			unix.Prlimit(pid, unix.RLIMIT_NOFILE, &was, nil)
			restored = true
		}
	}
	defer restore()

	sock := appdesktop.SocketPath(filepath.Join(p.config, "halton-meter-bar"))
	var flood []net.Conn
	defer func() {
		for _, c := range flood {
			c.Close()
		}
	}()
	for range 300 {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Write([]byte("op")) // a line never finished
			flood = append(flood, c)
		}
	}
	p.waitMenu("the shortage named", func(by map[string]menuEntry, _ []menuEntry) bool { return by[shortageLine].label != "" })
	p.waitSweeps(6) // well past the grace of any outage it might have seen
	if notes := d.notes.Received(); len(notes) != 0 {
		t.Fatalf("notifications during the shortage: %+v", notes)
	}

	restore()
	for _, c := range flood {
		c.Close()
	}
	p.waitMenu("healthy again", func(by map[string]menuEntry, _ []menuEntry) bool { return by["All healthy"].label != "" })
	p.waitSweeps(6)
	if notes := d.notes.Received(); len(notes) != 0 {
		t.Fatalf("notifications after the shortage: %+v", notes)
	}
	// A second launch asks the running one to open its window.
	again := exec.Command(bin("halton-meter-bar"))
	again.Env = p.env
	out, err := again.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "already running (PID "+strconv.Itoa(pid)+"): opened its window") {
		t.Errorf("a second launch: %v\n%s", err, out)
	}
}
