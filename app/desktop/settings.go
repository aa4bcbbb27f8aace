package desktop

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/haltonlabs/halton-meter-bar/internal/atomicfile"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// Settings are the user's choices, remembered between runs in
// settings.json. A missing key keeps its default.
type Settings struct {
	// Notifications turns the policy's notifications on or off.
	Notifications bool `json:"notifications"`
	// PausedUntil pauses them until then (Pause Notifications).
	PausedUntil time.Time `json:"paused_until,omitzero"`
	// Reminder is how often an outage still there is announced again;
	// "0s" turns reminders off.
	Reminder Duration `json:"reminder"`
	// DailyBudget, in dollars, is announced once a day when today's LLM
	// spend passes it; 0 (the default) is off.
	DailyBudget status.USD `json:"daily_budget_usd,omitempty"`
	// BudgetAnnounced is the local date (2006-01-02) the budget was last
	// announced as passed: once a day, whatever restarts come between.
	BudgetAnnounced string `json:"budget_announced_on,omitempty"`
	// TextfileDir, when set, is a folder the tray keeps halton_meter.prom
	// in for node_exporter's textfile collector (read at launch).
	TextfileDir string `json:"prometheus_textfile_dir,omitempty"`
	// Muted are the rows whose alerts the user muted (Mute Alerts For).
	Muted []status.ComponentName `json:"muted,omitempty"`
}

// IsMuted reports whether the alerts of row are muted.
func (s Settings) IsMuted(row status.ComponentName) bool { return slices.Contains(s.Muted, row) }

// ToggleMuted mutes row, or unmutes it; the list stays in the table's order.
func (s *Settings) ToggleMuted(row status.ComponentName) {
	if s.IsMuted(row) {
		s.Muted = slices.DeleteFunc(slices.Clone(s.Muted), func(r status.ComponentName) bool { return r == row })
		return
	}
	s.Muted = tableOrder(append(slices.Clone(s.Muted), row))
}

// tableOrder keeps the rows of the table, once each, in its order.
func tableOrder(rows []status.ComponentName) []status.ComponentName {
	var out []status.ComponentName
	for _, r := range status.ComponentOrder {
		if slices.Contains(rows, r) {
			out = append(out, r)
		}
	}
	return out
}

// DefaultSettings: notifications on, a reminder every four hours.
var DefaultSettings = Settings{Notifications: true, Reminder: Duration{4 * time.Hour}}

// Duration is a time.Duration written as "4h0m0s" in JSON.
type Duration struct{ time.Duration }

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads "4h", "90m" or "0"; a negative or unreadable value is
// an error.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a string such as \"4h\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return fmt.Errorf("%q is not a duration such as \"4h\"", s)
	}
	d.Duration = v
	return nil
}

// maxSettings bounds what is read of settings.json: it is a few lines.
const maxSettings = 64 << 10

// MinReminder is the shortest reminder interval: a reminder is never one
// per poll. "0s" turns reminders off.
const MinReminder = 15 * time.Minute

// LoadSettings reads settings.json; a missing file gives the defaults. A
// file that cannot be used gives the defaults too, and the reason: it is
// read without blocking and only when it is a regular file (a FIFO of that
// name would hang the app before it shows), and at most maxSettings.
func LoadSettings(path string) (Settings, error) {
	s := DefaultSettings
	b, err := status.ReadBounded(path, maxSettings)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return s, nil
	case err != nil:
		return s, fmt.Errorf("read settings %s: %w; using the defaults", path, err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return DefaultSettings, fmt.Errorf("read settings %s: %w; using the defaults", path, err)
	}
	if s.DailyBudget < 0 || s.DailyBudget > status.MaxBudget {
		s.DailyBudget = 0
		return s, fmt.Errorf("read settings %s: daily_budget_usd out of range; budget off", path)
	}
	return s, nil
}

// Bounded keeps s within what the app offers, at now: a reminder of
// MinReminder at least (or off), a pause that ends by longestPause (the
// longest the menu offers) at the latest. It says what it changed, and why.
func (s Settings) Bounded(now, longestPause time.Time) (Settings, []string) {
	var changed []string
	if r := s.Reminder.Duration; r > 0 && r < MinReminder {
		s.Reminder.Duration = MinReminder
		changed = append(changed, fmt.Sprintf("reminder %s is shorter than %s; using %s", r, MinReminder, MinReminder))
	}
	if muted := tableOrder(s.Muted); len(muted) != len(s.Muted) {
		changed = append(changed, fmt.Sprintf("muted names %d rows, %d of them the table's (once each); muting those", len(s.Muted), len(muted)))
		s.Muted = muted
	}
	if d := s.BudgetAnnounced; d != "" {
		if _, err := time.Parse(time.DateOnly, d); err != nil || len(d) != len(time.DateOnly) {
			changed = append(changed, "budget_announced_on is not a date (2006-01-02); forgotten")
			s.BudgetAnnounced = ""
		}
	}
	if s.PausedUntil.After(longestPause) {
		changed = append(changed, fmt.Sprintf("paused_until %s is past the longest pause the menu offers; pausing until %s",
			s.PausedUntil.Format(time.RFC3339), longestPause.Format(time.RFC3339)))
		s.PausedUntil = longestPause
	}
	return s, changed
}

// Save writes settings.json atomically.
func (s Settings) Save(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	b, _ := json.MarshalIndent(s, "", "  ")
	return atomicfile.Write(path, append(b, '\n'), 0o644)
}
