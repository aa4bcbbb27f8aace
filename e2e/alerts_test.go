package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"

	"github.com/haltonlabs/halton-meter-bar/app/desktop/notify/notifytest"
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

// TestTrayHearsOnlyTheServer: another program on the tray's session bus
// emits ActionInvoked with every button and NotificationClosed for every
// id the server could have given, broadcast and sent to each connection:
// no action runs (the healthy edge keeps its process, the stopped daemon
// stays stopped), no window opens, and the notification is still
// withdrawn when the daemon comes back.
func TestTrayHearsOnlyTheServer(t *testing.T) {
	d := startDesktop(t)
	d.notes.SetButtons(true)
	w := up(t, "apps")
	p := startTray(t, d, w.env)
	by, _ := p.waitMenu("a healthy install", func(by map[string]menuEntry, _ []menuEntry) bool { return by["All healthy"].label != "" })
	edge := by["edge"].label
	w.fault("daemon-crash")
	testwait.For(t, "the notification", func() bool { return len(d.notes.Received()) >= 1 })
	first := d.notes.Received()[0]

	forger, err := dbus.Connect(d.busAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer forger.Close()
	var names []string
	if err := forger.BusObject().Call("org.freedesktop.DBus.ListNames", 0).Store(&names); err != nil {
		t.Fatal(err)
	}
	send := func(dest, member string, body ...any) {
		msg := &dbus.Message{Type: dbus.TypeSignal, Headers: map[dbus.HeaderField]dbus.Variant{
			dbus.FieldPath: dbus.MakeVariant(notifytest.Path), dbus.FieldInterface: dbus.MakeVariant(notifytest.Interface),
			dbus.FieldMember: dbus.MakeVariant(member), dbus.FieldSignature: dbus.MakeVariant(dbus.SignatureOf(body...))}, Body: body}
		if dest != "" {
			msg.Headers[dbus.FieldDestination] = dbus.MakeVariant(dest)
		}
		forger.Send(msg, nil)
	}
	for _, dest := range append([]string{""}, names...) {
		if !strings.HasPrefix(dest, ":") && dest != "" {
			continue
		}
		for id := uint32(0); id <= first.ID+4; id++ {
			for _, key := range []string{"default", "start-daemon", "start-edge", "open-details"} {
				send(dest, "ActionInvoked", id, key)
			}
			send(dest, "NotificationClosed", id, uint32(2))
		}
	}
	var id string
	forger.BusObject().Call("org.freedesktop.DBus.GetId", 0).Store(&id) // the bus has routed all of it
	p.waitSweeps(6)
	by, _ = p.waitMenu("the daemon still stopped", func(by map[string]menuEntry, _ []menuEntry) bool {
		return strings.HasPrefix(by["daemon"].label, "daemon — stopped")
	})
	if by["edge"].label != edge {
		t.Errorf("the edge was restarted: %q, was %q", by["edge"].label, edge)
	}
	if strings.Contains(p.stderr.String(), "details: focused") {
		t.Error("a forged click opened the window")
	}
	// Healed: the notification is still the app's to withdraw.
	if _, err := sim(t, "heal", "--dir", w.dir); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, "the notification closed", func() bool { return slices.Contains(d.notes.ClosedIDs(), first.ID) })
}
