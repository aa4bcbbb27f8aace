// Package present holds the words and marks the menu and the details
// window share: the icon of a verdict, the dot of a level, the verdict in
// a word, "checked N s ago" and durations. Both the tray's menu model
// (app/monitor) and the window's model (app/details/model) build on it, so
// the two say the same thing the same way. No GUI, no I/O.
package present

import (
	"fmt"
	"time"

	"github.com/haltonlabs/halton-meter-bar/assets/draw"
	"github.com/haltonlabs/halton-meter-bar/internal/text"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// Icon is the icon of an overall verdict.
func Icon(overall status.Overall) draw.State {
	switch overall {
	case status.OverallHealthy:
		return draw.Healthy
	case status.OverallDegraded:
		return draw.Degraded
	case status.OverallDown:
		return draw.Down
	}
	return draw.Unknown
}

// Dot is the dot of a row's level.
func Dot(l status.Level) draw.State {
	switch l {
	case status.LevelOK:
		return draw.Healthy
	case status.LevelWarn:
		return draw.Degraded
	case status.LevelCrit:
		return draw.Down
	}
	return draw.Unknown
}

var verdicts = map[status.Overall]string{
	status.OverallHealthy:      "Healthy",
	status.OverallDegraded:     "Degraded",
	status.OverallDown:         "Down",
	status.OverallUnknown:      "Unknown",
	status.OverallNotInstalled: "Not installed",
}

// Verdict is an overall verdict as a capitalised word ("Degraded").
func Verdict(overall status.Overall) string {
	if v, ok := verdicts[overall]; ok {
		return v
	}
	return string(overall)
}

// Checked says how long before now the report was made.
func Checked(r *status.Report, now time.Time) string {
	if r == nil {
		return "Checking…"
	}
	if age := now.Sub(r.CheckedAt); age < time.Hour {
		return "Checked " + Ago(age)
	}
	return "Checked at " + r.CheckedAt.Local().Format("15:04")
}

// Ago says how long ago, coarsely: "just now" under 10 s, then in steps
// of 10 s, minutes, hours. A line that tells time changes a few times a
// minute, not every second: each change repaints a whole window.
func Ago(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%d s ago", int(d.Seconds())/10*10)
	}
	return text.Duration(d) + " ago"
}

// SameDay tells whether at is on now's day, in local time: figures of
// yesterday are not today's.
func SameDay(at, now time.Time) bool {
	y, m, d := at.Local().Date()
	ny, nm, nd := now.Local().Date()
	return y == ny && m == nm && d == nd
}
