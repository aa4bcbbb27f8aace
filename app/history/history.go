// Package history keeps each row's recent transitions, for the details
// window's timelines and Copy Diagnostics: the tray's monitor keeps one,
// and so does the window when it runs on its own. Its Point is the app's
// own; the line to the window has its own shape (app/details/wire), and
// the tray's side of the window translates.
package history

import (
	"time"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// Point is a row's state from At until the next point.
type Point struct {
	At     time.Time
	State  status.State
	Level  status.Level
	Detail string
}

// History keeps each row's transitions over a span of time (Span, an hour
// by default), plus the last point before it, so a timeline knows the
// state at its start.
type History struct {
	Span time.Duration
	rows map[status.ComponentName][]Point
}

// maxPoints bounds a row's history whatever flaps.
const maxPoints = 512

// New keeps transitions over span.
func New(span time.Duration) *History {
	return &History{Span: span, rows: make(map[status.ComponentName][]Point)}
}

// Add records the rows of a report whose state or level changed.
func (h *History) Add(r status.Report) {
	for _, c := range r.Components {
		pts := h.rows[c.Name]
		if n := len(pts); n == 0 || pts[n-1].State != c.State || pts[n-1].Level != c.Level {
			pts = append(pts, Point{At: r.CheckedAt, State: c.State, Level: c.Level, Detail: c.Detail})
		}
		h.rows[c.Name] = h.trim(pts, r.CheckedAt)
	}
}

// trim drops points older than the span, keeping the one in force at its start.
func (h *History) trim(pts []Point, now time.Time) []Point {
	start := now.Add(-h.Span)
	drop := 0
	for drop+1 < len(pts) && !pts[drop+1].At.After(start) {
		drop++
	}
	if n := len(pts) - drop; n > maxPoints {
		drop = len(pts) - maxPoints
	}
	return append([]Point(nil), pts[drop:]...)
}

// Snapshot copies every row's points.
func (h *History) Snapshot() map[status.ComponentName][]Point {
	out := make(map[status.ComponentName][]Point, len(h.rows))
	for k, v := range h.rows {
		out[k] = append([]Point(nil), v...)
	}
	return out
}
