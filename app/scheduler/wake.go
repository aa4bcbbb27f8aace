package scheduler

import "time"

// WakeDetector notices a wake from sleep: while the machine sleeps the
// monotonic clock stands still and the wall clock does not, so the wall
// clock jumps ahead of it.
type WakeDetector struct {
	Threshold time.Duration
	started   bool
	lastWall  time.Time
	lastMono  time.Duration
}

// Check takes the wall clock and a monotonic reading and reports whether
// the machine slept since the last check.
func (w *WakeDetector) Check(wall time.Time, mono time.Duration) bool {
	defer func() { w.lastWall, w.lastMono, w.started = wall, mono, true }()
	if !w.started {
		return false
	}
	return wall.Sub(w.lastWall)-(mono-w.lastMono) > w.Threshold
}
