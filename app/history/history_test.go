package history

import (
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/status"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// at is a report s seconds after t0, the daemon stopped or not.
func at(s int, daemonStopped bool) status.Report {
	r := status.Report{CheckedAt: t0.Add(time.Duration(s) * time.Second)}
	for _, name := range status.ComponentOrder {
		c := status.Component{Name: name, State: status.StateHealthy, Level: status.LevelOK}
		if daemonStopped && name == status.CompDaemon {
			c.State, c.Level = status.StateStopped, status.LevelWarn
		}
		r.Components = append(r.Components, c)
	}
	return r
}

func TestHistory(t *testing.T) {
	h := New(time.Hour)
	h.Add(at(0, false))
	h.Add(at(5, false))
	h.Add(at(10, true))
	h.Add(at(15, true))
	h.Add(at(20, false))
	pts := h.Snapshot()[status.CompDaemon]
	if len(pts) != 3 || pts[1].State != "stopped" || !pts[1].At.Equal(t0.Add(10*time.Second)) || pts[2].State != "healthy" {
		t.Fatalf("daemon points %+v", pts)
	}
	// Two hours on: only the point in force at the span's start remains.
	h.Add(at(7200, false))
	if pts := h.Snapshot()[status.CompDaemon]; len(pts) != 1 || pts[0].State != "healthy" {
		t.Errorf("after the span: %+v", pts)
	}
	// Endless flapping stays bounded.
	for i := 0; i < 5000; i++ {
		h.Add(at(7200+i, i%2 == 0))
	}
	if n := len(h.Snapshot()[status.CompDaemon]); n > maxPoints {
		t.Errorf("%d points kept", n)
	}
	// A snapshot is a copy.
	s := h.Snapshot()
	s[status.CompDaemon][0].State = "changed"
	if h.Snapshot()[status.CompDaemon][0].State == "changed" {
		t.Error("a snapshot shares the history's points")
	}
}
