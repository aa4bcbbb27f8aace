package present

import (
	"strings"
	"testing"

	"github.com/haltonlabs/halton-meter-bar/app/alert"
)

// TestAlertsLine: the three posters of a Mac, Linux's, and alerts off.
func TestAlertsLine(t *testing.T) {
	script := alert.Poster{Kind: alert.PosterScript, Name: "Script Editor", Reason: "the app is not running from its bundle"}
	failed := alert.Poster{Kind: alert.PosterScript, Name: "Script Editor", Reason: "macOS notifications could not start", Problem: "no\x1bcenter"}
	for _, c := range []struct {
		p       alert.Poster
		off     bool
		want    string
		standIn bool
	}{
		{alert.Poster{Kind: alert.PosterNative}, false, "Alerts: macOS notifications", false},
		{alert.Poster{Kind: alert.PosterNative}, true, "Alerts: off in System Settings — Open…", false},
		{script, false, "Alerts: Script Editor (the app is not running from its bundle)", false},
		{alert.Poster{Kind: alert.PosterScript, Name: "terminal-notifier", Reason: "the app is not running from its bundle"}, false,
			"Alerts: terminal-notifier (the app is not running from its bundle)", false},
		{failed, false, "Alerts: Script Editor (macOS notifications could not start)", true},
		{alert.Poster{Kind: alert.PosterDesktop}, false, "Alerts: desktop notifications", false},
	} {
		if got := AlertsLine(c.p, c.off); got != c.want {
			t.Errorf("%+v off %v: %q, want %q", c.p, c.off, got, c.want)
		}
		if got := StandIn(c.p); (got != "") != c.standIn {
			t.Errorf("%+v: stand-in %q", c.p, got)
		}
	}
	if s := StandIn(failed); !strings.Contains(s, "Script Editor, without buttons") {
		t.Errorf("stand-in %q", s)
	}
	if p := StandInProblem(failed); strings.ContainsRune(p, 0x1b) || !strings.Contains(p, "center") {
		t.Errorf("problem %q", p)
	}
}
