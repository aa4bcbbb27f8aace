package monitor

import (
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// History keeps each row's transitions over a window (an hour by default),
// plus the last point before it, so a timeline knows the state at its start.
type History struct {
	Window time.Duration
	rows   map[string][]wire.Point
}

// maxPoints bounds a row's history whatever flaps.
const maxPoints = 512

// NewHistory keeps transitions for window.
func NewHistory(window time.Duration) *History {
	return &History{Window: window, rows: make(map[string][]wire.Point)}
}

// Add records the rows of a report whose state or level changed.
func (h *History) Add(r status.Report) {
	for _, c := range r.Components {
		pts := h.rows[c.Name]
		if n := len(pts); n == 0 || pts[n-1].State != c.State || pts[n-1].Level != c.Level {
			pts = append(pts, wire.Point{At: r.CheckedAt, State: c.State, Level: c.Level, Detail: c.Detail})
		}
		h.rows[c.Name] = h.trim(pts, r.CheckedAt)
	}
}

// trim drops points older than the window, keeping the one in force at its start.
func (h *History) trim(pts []wire.Point, now time.Time) []wire.Point {
	start := now.Add(-h.Window)
	drop := 0
	for drop+1 < len(pts) && !pts[drop+1].At.After(start) {
		drop++
	}
	if n := len(pts) - drop; n > maxPoints {
		drop = len(pts) - maxPoints
	}
	return append([]wire.Point(nil), pts[drop:]...)
}

// Snapshot copies every row's points.
func (h *History) Snapshot() map[string][]wire.Point {
	out := make(map[string][]wire.Point, len(h.rows))
	for k, v := range h.rows {
		out[k] = append([]wire.Point(nil), v...)
	}
	return out
}
