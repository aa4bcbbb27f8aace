package present

import (
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/assets/draw"
	"github.com/haltonlabs/halton-meter-bar/status"
)

func TestChecked(t *testing.T) {
	now := time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC)
	for age, want := range map[time.Duration]string{
		time.Second: "Checked just now", 9 * time.Second: "Checked just now", 10 * time.Second: "Checked 10 s ago",
		59 * time.Second: "Checked 50 s ago", 3 * time.Minute: "Checked 3 min ago", 59 * time.Minute: "Checked 59 min ago",
		-time.Minute: "Checked just now", // a clock set back
	} {
		if got := Checked(&status.Report{CheckedAt: now.Add(-age)}, now); got != want {
			t.Errorf("%v: %q, want %q", age, got, want)
		}
	}
	if got := Checked(&status.Report{CheckedAt: time.Date(2026, 11, 25, 9, 5, 0, 0, time.Local)}, now); got != "Checked at 09:05" {
		t.Errorf("hours ago: %q", got)
	}
	if got := Checked(nil, now); got != "Checking…" {
		t.Errorf("no report: %q", got)
	}
}

func TestIconsAndWords(t *testing.T) {
	for overall, want := range map[status.Overall]draw.State{
		status.OverallHealthy: draw.Healthy, status.OverallDegraded: draw.Degraded, status.OverallDown: draw.Down,
		status.OverallUnknown: draw.Unknown, status.OverallNotInstalled: draw.Unknown,
	} {
		if got := Icon(overall); got != want {
			t.Errorf("icon of %s: %s", overall, got)
		}
	}
	for level, want := range map[status.Level]draw.State{
		status.LevelOK: draw.Healthy, status.LevelWarn: draw.Degraded, status.LevelCrit: draw.Down, status.LevelUnknown: draw.Unknown,
	} {
		if got := Dot(level); got != want {
			t.Errorf("dot of %s: %s", level, got)
		}
	}
	if Verdict(status.OverallNotInstalled) != "Not installed" || Verdict("odd") != "odd" {
		t.Error("verdict words")
	}
}
