package action

import (
	"testing"

	"github.com/haltonlabs/halton-meter-bar/status"
)

func reportWithDaemon(overall status.Overall, state status.State) *status.Report {
	return &status.Report{Overall: overall, Components: []status.Component{{Name: status.CompDaemon, State: state}}}
}

func TestStartDaemonTitle(t *testing.T) {
	tests := []struct {
		name    string
		r       *status.Report
		title   string
		enabled bool
	}{
		{"before the first sweep", nil, "Start Daemon", false},
		{"healthy", reportWithDaemon(status.OverallHealthy, status.StateHealthy), "Restart Daemon", true},
		{"up without its port", reportWithDaemon(status.OverallDegraded, status.StateUnbound), "Restart Daemon", true},
		{"stopped", reportWithDaemon(status.OverallDegraded, status.StateStopped), "Start Daemon", true},
		{"launchd cannot be asked", reportWithDaemon(status.OverallUnknown, status.StateUnknown), "Start Daemon", false},
		{"not installed", reportWithDaemon(status.OverallNotInstalled, status.StateUnknown), "Start Daemon", false},
		{"no daemon row", &status.Report{Overall: status.OverallHealthy}, "Start Daemon", false},
	}
	for _, tt := range tests {
		title, enabled := StartDaemonTitle(tt.r)
		if title != tt.title || enabled != tt.enabled {
			t.Errorf("%s: %q %v, want %q %v", tt.name, title, enabled, tt.title, tt.enabled)
		}
	}
}

// TestTable: the table is whole: each action once, each with what its
// kind needs.
func TestTable(t *testing.T) {
	seen := map[ID]bool{}
	bars := map[int]ID{}
	for i, s := range Table {
		if seen[s.ID] {
			t.Errorf("%s twice", s.ID)
		}
		seen[s.ID] = true
		if s.PerRow && (s.Parent == "" || !s.Checkable) {
			t.Errorf("%s: an item per row goes in a submenu, checked for each row", s.ID)
		}
		if s.Alert && s.Fixes == "" && s.ID != OpenDetails {
			t.Errorf("%s: a button on every alert", s.ID)
		}
		if !s.InMenu() && s.Button == "" && !s.Window {
			t.Errorf("%s: neither in the menu, nor the window, nor asked for by it", s.ID)
		}
		if s.Parent != "" {
			if i == 0 || !seen[s.Parent] || Of(s.Parent).Menu == "" {
				t.Errorf("%s: its parent %q is not a menu item before it", s.ID, s.Parent)
			}
		}
		if (s.Button == "") != (s.Bar == 0) {
			t.Errorf("%s: a button %q at %d", s.ID, s.Button, s.Bar)
		}
		if other, ok := bars[s.Bar]; ok && s.Bar > 0 {
			t.Errorf("%s and %s share the bar's place %d", s.ID, other, s.Bar)
		}
		bars[s.Bar] = s.ID
		// What can fail says how; only what folds in, or opens a
		// submenu, never fails.
		submenu := false
		for _, o := range Table {
			submenu = submenu || o.Parent == s.ID
		}
		if s.Failure == "" && !s.Repeats && !submenu && s.ID != CopyDiagnostics {
			t.Errorf("%s: no failure title", s.ID)
		}
		if _, ok := Lookup(s.ID); !ok {
			t.Errorf("%s: Lookup misses it", s.ID)
		}
	}
	for place := 1; place <= len(bars)-1; place++ {
		if _, ok := bars[place]; !ok {
			t.Errorf("no button at the bar's place %d", place)
		}
	}
	if _, ok := Lookup("no-such"); ok || Of("no-such").ID != "" {
		t.Error("Lookup of an unknown action")
	}
	if !Requests()[SetBudget] || Requests()[Quit] || Requests()[CopyDiagnostics] {
		t.Errorf("requests %v", Requests())
	}
}

// TestAlertTitle: an alert's button reads as the menu's item does, and is
// offered when the menu offers it.
func TestAlertTitle(t *testing.T) {
	stopped := &status.Report{Overall: status.OverallDegraded, Components: []status.Component{
		{Name: status.CompDaemon, State: status.StateStopped}, {Name: status.CompEdge, State: status.StateHealthy, Level: status.LevelOK}}}
	unbound := &status.Report{Overall: status.OverallDown, Components: []status.Component{
		{Name: status.CompDaemon, State: status.StateHealthy, Level: status.LevelOK}, {Name: status.CompEdge, State: status.StateUnbound, Level: status.LevelCrit}}}
	for _, c := range []struct {
		id    ID
		r     *status.Report
		title string
		ok    bool
	}{
		{StartDaemon, stopped, "Start Daemon", true},
		{StartDaemon, unbound, "Restart Daemon", true},
		{StartDaemon, nil, "Start Daemon", false},
		{StartEdge, unbound, "Restart Edge", true},
		{StartEdge, stopped, "Start Edge", false},
		{OpenDetails, stopped, "Open Details", true},
		{RunDoctor, stopped, "Run Doctor in Terminal", false},
	} {
		if title, ok := AlertTitle(c.id, c.r); title != c.title || ok != c.ok {
			t.Errorf("%s: %q %v, want %q %v", c.id, title, ok, c.title, c.ok)
		}
	}
}
