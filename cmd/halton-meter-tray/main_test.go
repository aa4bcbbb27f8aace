package main

import (
	"testing"

	"github.com/haltonlabs/halton-meter-bar/app/cli"
	"github.com/haltonlabs/halton-meter-bar/app/monitor"
)

// TestDefaultsAgree: the tray's flags default to the notification
// policy's own defaults (the flags are parsed by halton-meter-bar too,
// which links no policy, hence two places).
func TestDefaultsAgree(t *testing.T) {
	if cli.DefaultGrace != monitor.DefaultPolicy.Grace || cli.DefaultSettle != monitor.DefaultPolicy.Settle {
		t.Errorf("flags: grace %s, settle %s; the policy's: %s, %s", cli.DefaultGrace, cli.DefaultSettle, monitor.DefaultPolicy.Grace, monitor.DefaultPolicy.Settle)
	}
}
