package scheduler

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func TestWakeDetector(t *testing.T) {
	w := WakeDetector{Threshold: 10 * time.Second}
	steps := []struct {
		wall, mono time.Duration
		wake       bool
	}{
		{0, 0, false},
		{5 * time.Second, 5 * time.Second, false},
		{10 * time.Second, 10 * time.Second, false},
		{12 * time.Second, 11 * time.Second, false}, // NTP slew, no sleep
		{2 * time.Hour, 16 * time.Second, true},     // slept for two hours
		{2*time.Hour + 5*time.Second, 21 * time.Second, false},
		{2*time.Hour - time.Minute, 26 * time.Second, false}, // the clock set back is not a wake
	}
	for i, s := range steps {
		if got := w.Check(t0.Add(s.wall), s.mono); got != s.wake {
			t.Errorf("step %d: wake %v, want %v", i, got, s.wake)
		}
	}
}
