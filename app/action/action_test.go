package action

import (
	"testing"

	"github.com/haltonlabs/halton-meter-bar/status"
)

func reportWithDaemon(overall, state string) *status.Report {
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
