package e2e

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/internal/testwait"
)

// TestSoak runs the real tray against a simulator whose daemon crashes and
// heals, cycle after cycle, and reports what grew: the tray's RSS, its
// goroutines and heap, and the notifications against the policy's count.
// It runs only from `make soak-crashes` (HALTON_SOAK=1; SOAK_CYCLES, default
// 500). Each crash after the first fails again soon after a recovery, so
// it is announced after the repeat grace (12 s at --grace 1s).
func TestSoak(t *testing.T) {
	if os.Getenv("HALTON_SOAK") == "" {
		t.Skip("run by make soak")
	}
	cycles := 500
	if v, err := strconv.Atoi(os.Getenv("SOAK_CYCLES")); err == nil && v > 0 {
		cycles = v
	}
	d := startDesktop(t)
	w := up(t, "apps")
	p := startTray(t, d, w.env, "--grace", "1s", "--settle", "1s")
	pid := p.cmd.Process.Pid
	testwait.For(t, "the first sweep", func() bool { return strings.Contains(p.stderr.String(), "first sweep: healthy") })

	stats := func() (goroutines, heapKB int) {
		before := strings.Count(p.stderr.String(), "stats: ")
		syscall.Kill(pid, syscall.SIGUSR1)
		testwait.For(t, "the stats", func() bool { return strings.Count(p.stderr.String(), "stats: ") > before })
		m := regexp.MustCompile(`stats: goroutines (\d+), heap (\d+) KB`).FindAllStringSubmatch(p.stderr.String(), -1)
		last := m[len(m)-1]
		g, _ := strconv.Atoi(last[1])
		h, _ := strconv.Atoi(last[2])
		return g, h
	}
	started := time.Now()
	base := min(10, max(1, cycles/5)) // past start-up: the baseline
	var rss0, g0, h0 int
	for i := 1; i <= cycles; i++ {
		want := len(d.notes.Received()) + 1
		w.fault("daemon-crash")
		// Down for longer than the grace: one notification.
		testwait.For(t, "the crash announced", func() bool { return len(d.notes.Received()) >= want })
		if _, err := sim(t, "heal", "--dir", w.dir); err != nil {
			t.Fatal(err)
		}
		testwait.For(t, "the recovery announced", func() bool { return len(d.notes.Received()) >= want+1 })
		if i == base {
			rss0 = statusKB(t, pid, "VmRSS")
			g0, h0 = stats()
		}
	}
	p.waitSweeps(10) // anything late would show now
	rss1 := statusKB(t, pid, "VmRSS")
	g1, h1 := stats()
	notes := d.notes.Received()
	problems, recoveries := 0, 0
	for _, n := range notes {
		switch n.Summary {
		case "Daemon stopped — not metering":
			problems++
		case "Halton Meter recovered":
			recoveries++
		}
	}
	report := fmt.Sprintf(`## The tray over %d crashes (make soak-crashes)

The real tray under Xvfb against the simulator, its daemon SIGKILLed and
healed %d times in %s (--grace 1s: each outage outlasts it). Measured from
cycle %d to the end:

| | at cycle %d | at the end |
|---|---|---|
| RSS | %.1f MB | %.1f MB |
| Go heap | %d KB | %d KB |
| goroutines | %d | %d |

Notifications: %d "Daemon stopped", %d "recovered", %d in all; the policy
calls for %d and %d (one of each per outage longer than the grace).
`, cycles, cycles, time.Since(started).Round(time.Second), base, base, float64(rss0)/1024, float64(rss1)/1024, h0, h1, g0, g1,
		problems, recoveries, len(notes), cycles, cycles)
	t.Log("\n" + report)
	if out := os.Getenv("SOAK_REPORT"); out != "" {
		os.WriteFile(out, []byte(report), 0o644)
	}
	if problems != cycles || recoveries != cycles || len(notes) != 2*cycles {
		t.Errorf("%d problems and %d recoveries for %d outages", problems, recoveries, cycles)
	}
	if g1 > g0+10 {
		t.Errorf("goroutines grew from %d to %d", g0, g1)
	}
}
