package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/haltonlabs/halton-meter-bar/internal/testwait"
)

// TestTrayAlertsActed: the real tray against a notification server that
// shows buttons and presses them. The daemon killed: one notification,
// with Start Daemon and Open Details; a click on it opens the details
// window on the daemon's row; Start Daemon from it starts the daemon, the
// notification is closed, and no notification says it stopped again or
// recovered (the user's own fix). Killed again and healed: the new
// notification is closed and one recovery says what came back. Muted, the
// daemon killed once more: nothing, and the menu's row says so.
func TestTrayAlertsActed(t *testing.T) {
	d := startDesktop(t)
	d.notes.SetButtons(true)
	w := up(t, "apps")
	p := startTray(t, d, w.env)
	p.waitMenu("a healthy install", func(by map[string]menuEntry, _ []menuEntry) bool { return by["All healthy"].label != "" })

	w.fault("daemon-crash")
	testwait.For(t, "the notification", func() bool { return len(d.notes.Received()) >= 1 })
	first := d.notes.Received()[0]
	if first.Summary != "Daemon stopped — not metering" || !slices.Equal(first.Actions,
		[]string{"default", "Open", "start-daemon", "Start Daemon", "open-details", "Open Details"}) {
		t.Fatalf("notification %+v", first)
	}

	// A click on it: the window, on the daemon's row.
	if err := d.notes.Press(first.ID, "default"); err != nil {
		t.Fatal(err)
	}
	defer func() { t.Log(p.stderr.String()) }()
	testwait.For(t, "the window on the daemon", func() bool { return strings.Contains(p.stderr.String(), `details: focused "daemon"`) })

	// Start Daemon from it: the daemon is back, the notification closed,
	// and nothing announced.
	if err := d.notes.Press(first.ID, "start-daemon"); err != nil {
		t.Fatal(err)
	}
	p.waitMenu("the daemon started", func(by map[string]menuEntry, _ []menuEntry) bool {
		return by["All healthy"].label != "" && strings.HasPrefix(by["daemon"].label, "daemon — healthy")
	})
	testwait.For(t, "the notification closed", func() bool { return slices.Contains(d.notes.ClosedIDs(), first.ID) })
	p.waitSweeps(6)
	if notes := d.notes.Received(); len(notes) != 1 {
		t.Fatalf("after the user's own fix: %+v", notes[1:])
	}

	// Killed again, healed: closed, and one recovery that says what came
	// back.
	if _, err := sim(t, "heal", "--dir", w.dir); err != nil { // a fault is injected once until healed
		t.Fatal(err)
	}
	w.fault("daemon-crash")
	p.waitMenu("the second crash", func(by map[string]menuEntry, _ []menuEntry) bool {
		return strings.HasPrefix(by["daemon"].label, "daemon — stopped")
	})
	testwait.For(t, "the second notification", func() bool { return len(d.notes.Received()) >= 2 })
	second := d.notes.Received()[1]
	if second.Summary != "Daemon stopped — not metering" || second.Replaces != 0 {
		t.Errorf("second notification %+v", second)
	}
	if _, err := sim(t, "heal", "--dir", w.dir); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, "the recovery", func() bool { return len(d.notes.Received()) >= 3 })
	testwait.For(t, "the second notification closed", func() bool { return slices.Contains(d.notes.ClosedIDs(), second.ID) })
	p.waitSweeps(6)
	notes := d.notes.Received()
	if len(notes) != 3 || notes[2].Summary != "Halton Meter recovered" ||
		!strings.HasPrefix(notes[2].Body, "daemon, mitmproxy listener, fastapi listener, metering healthy again after ") ||
		!strings.HasSuffix(notes[2].Body, " All is healthy.") {
		t.Fatalf("after the recovery: %+v", notes[1:])
	}

	// Muted: killed once more, nothing; the row says so.
	if _, err := sim(t, "heal", "--dir", w.dir); err != nil {
		t.Fatal(err)
	}
	p.click("Mute Alerts For › daemon")
	p.waitMenu("the daemon muted", func(by map[string]menuEntry, _ []menuEntry) bool {
		return by["Mute Alerts For › daemon"].toggle == 1 && strings.HasSuffix(by["daemon"].label, " · alerts muted")
	})
	w.fault("daemon-crash")
	p.waitMenu("the muted daemon stopped", func(by map[string]menuEntry, _ []menuEntry) bool {
		return strings.HasPrefix(by["daemon"].label, "daemon — stopped") && strings.HasSuffix(by["daemon"].label, " · alerts muted")
	})
	p.waitSweeps(10) // well past the grace
	if notes := d.notes.Received(); len(notes) != 3 {
		t.Errorf("a muted row announced: %+v", notes[3:])
	}
}
