//go:build !darwin

package notify

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/haltonlabs/halton-meter-bar/app/alert"
	"github.com/haltonlabs/halton-meter-bar/app/desktop/notify/notifytest"
	"github.com/haltonlabs/halton-meter-bar/assets"
	"github.com/haltonlabs/halton-meter-bar/assets/draw"
	"github.com/haltonlabs/halton-meter-bar/internal/testwait"
)

// serve starts a private bus with a notification server on it, and points
// the session bus of this process at it.
func serve(t *testing.T, actions bool) *notifytest.Server {
	t.Helper()
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		t.Fatal("dbus-daemon is missing: run make deps (scripts/deps.sh)")
	}
	bus := exec.Command("dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1")
	out, _ := bus.StdoutPipe()
	if err := bus.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bus.Process.Kill(); bus.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimSpace(line)
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	srv := notifytest.New(t, conn)
	srv.SetButtons(actions)
	if err := conn.Export(srv, notifytest.Path, notifytest.Interface); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName(notifytest.Name, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own the name: %v %v", reply, err)
	}
	// The center's bus is the session bus of the environment.
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	return srv
}

// busClient is another client of the test's session bus: a program that
// is not the notification server.
func busClient(t *testing.T) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Connect(os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// flush returns once the bus has handled everything conn sent before: a
// call's reply comes after the signals sent ahead of it were routed.
func flush(t *testing.T, conn *dbus.Conn) {
	t.Helper()
	var id string
	if err := conn.BusObject().Call("org.freedesktop.DBus.GetId", 0).Store(&id); err != nil {
		t.Fatal(err)
	}
}

// TestOnlyTheServerSpeaks: another client of the bus emits ActionInvoked
// and NotificationClosed for every id the server could have given, with
// every button: none reaches the handler, and the notifications are still
// withdrawn (the forged close made nothing forgotten); the server's own
// press still works. A server that restarts is heard, its predecessor's
// signals no more.
func TestOnlyTheServerSpeaks(t *testing.T) {
	srv := serve(t, true)
	c := New("Halton Meter Bar", nil, nil)
	answers := make(chan alert.Response, 64)
	c.Handle(func(r alert.Response) { answers <- r })
	ctx := context.Background()
	c.SetCategories(ctx, []alert.Category{{ID: "fix", Buttons: []alert.Button{{ID: "start-daemon", Title: "Start Daemon"}}}})
	for _, id := range []string{"outage.daemon", "outage.edge"} {
		if err := c.Post(ctx, alert.Alert{ID: id, Category: "fix", Title: id}); err != nil {
			t.Fatal(err)
		}
	}
	forger := busClient(t)
	center := c.(*bus).conn.Names()[0]
	// Broadcast, which the match rule keeps away, and sent to the center's
	// connection itself, which no match rule does: the sender decides.
	directed := func(path dbus.ObjectPath, iface, member string, body ...any) {
		msg := &dbus.Message{Type: dbus.TypeSignal, Headers: map[dbus.HeaderField]dbus.Variant{
			dbus.FieldPath: dbus.MakeVariant(path), dbus.FieldInterface: dbus.MakeVariant(iface),
			dbus.FieldMember: dbus.MakeVariant(member), dbus.FieldDestination: dbus.MakeVariant(center),
			dbus.FieldSignature: dbus.MakeVariant(dbus.SignatureOf(body...))}, Body: body}
		forger.Send(msg, nil)
	}
	// The forger claims the service's name has passed to it.
	directed("/org/freedesktop/DBus", "org.freedesktop.DBus", "NameOwnerChanged", notifytest.Name, "", forger.Names()[0])
	for id := uint32(0); id <= 8; id++ {
		for _, key := range []string{"default", "start-daemon", "start-edge", "open-details"} {
			forger.Emit(notifytest.Path, notifytest.Interface+".ActionInvoked", id, key)
			directed(notifytest.Path, notifytest.Interface, "ActionInvoked", id, key)
		}
		forger.Emit(notifytest.Path, notifytest.Interface+".NotificationClosed", id, uint32(2))
		directed(notifytest.Path, notifytest.Interface, "NotificationClosed", id, uint32(2))
	}
	flush(t, forger)
	daemon := srv.Received()[0]
	srv.Press(daemon.ID, "start-daemon")
	select {
	case r := <-answers:
		if r.AlertID != "outage.daemon" || r.Button != "start-daemon" {
			t.Fatalf("the first answer heard is %+v: a forged one", r)
		}
	case <-time.After(testwait.Bound):
		t.Fatal("the server's own press was not heard")
	}
	if len(answers) != 0 {
		t.Errorf("a forged answer: %+v", <-answers)
	}
	if err := c.Withdraw(ctx, []string{"outage.daemon", "outage.edge"}); err != nil {
		t.Fatal(err)
	}
	if closed := srv.ClosedIDs(); len(closed) != 2 {
		t.Errorf("withdrawn %v: a forged close made a notification forgotten", closed)
	}

	// The server restarts: another connection takes the name.
	old := srv.Conn()
	if _, err := old.ReleaseName(notifytest.Name); err != nil {
		t.Fatal(err)
	}
	next := busClient(t)
	srv2 := notifytest.New(t, next)
	srv2.SetButtons(true)
	next.Export(srv2, notifytest.Path, notifytest.Interface)
	if reply, err := next.RequestName(notifytest.Name, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("the new server owns the name: %v %v", reply, err)
	}
	testwait.For(t, "the new server followed", func() bool {
		b := c.(*bus)
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.owner == next.Names()[0]
	})
	if err := c.Post(ctx, alert.Alert{ID: "outage.watchdog", Category: "fix", Title: "w"}); err != nil {
		t.Fatal(err)
	}
	w := srv2.Received()[0]
	old.Emit(notifytest.Path, notifytest.Interface+".ActionInvoked", w.ID, "start-daemon") // the old server, no more its owner
	flush(t, old)
	srv2.Press(w.ID, "default")
	select {
	case r := <-answers:
		if r.AlertID != "outage.watchdog" || r.Button != "" {
			t.Fatalf("after the restart, the first answer is %+v", r)
		}
	case <-time.After(testwait.Bound):
		t.Fatal("the new server's press was not heard")
	}
}

func TestNotifyIsBounded(t *testing.T) {
	srv := serve(t, false)
	c := New("Halton Meter Bar", assets.Icon(draw.Healthy, 32, false), nil)
	if p := alert.PosterOf(c); p.Kind != alert.PosterDesktop || !strings.Contains(p.Via, "D-Bus") {
		t.Errorf("posts through %+v", p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := c.Post(ctx, alert.Alert{ID: "x", Title: notifytest.Hang, Body: "a service that never answers"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a hung service: %v", err)
	}
	if err := c.Post(context.Background(), alert.Alert{ID: "outage.daemon", Title: "Daemon stopped — not metering", Body: "Next: halton-meter start", Sound: true}); err != nil {
		t.Fatal(err)
	}
	got := srv.Received()
	if len(got) != 1 || got[0].App != "Halton Meter Bar" || got[0].Summary != "Daemon stopped — not metering" || !got[0].Image ||
		got[0].Urgency != 2 || len(got[0].Actions) != 0 {
		t.Errorf("received %+v", got)
	}
	if p, err := c.Permission(context.Background()); p != alert.PermissionUnknown || err != nil {
		t.Errorf("permission %v %v", p, err)
	}
}

// TestNotifyActsReplacesWithdraws: where the server has buttons, an alert
// carries its category's and a click on it ("default"); an answer comes
// back to the handler with the alert and its row; an alert posted again
// replaces its notification; a withdrawal closes it.
func TestNotifyActsReplacesWithdraws(t *testing.T) {
	srv := serve(t, true)
	c := New("Halton Meter Bar", nil, nil)
	answers := make(chan alert.Response, 4)
	c.Handle(func(r alert.Response) { answers <- r })
	ctx := context.Background()
	c.SetCategories(ctx, []alert.Category{{ID: "fix", Buttons: []alert.Button{{ID: "start-daemon", Title: "Start Daemon"}, {ID: "open-details", Title: "Open Details", Foreground: true}}}})
	a := alert.Alert{ID: "outage.daemon", Thread: "daemon", Category: "fix", Title: "Daemon stopped — not metering"}
	if err := c.Post(ctx, a); err != nil {
		t.Fatal(err)
	}
	first := srv.Received()[0]
	if want := []string{"default", "Open", "start-daemon", "Start Daemon", "open-details", "Open Details"}; !slices.Equal(first.Actions, want) || first.Urgency != 1 {
		t.Errorf("actions %q, urgency %d", first.Actions, first.Urgency)
	}
	srv.Press(first.ID, "start-daemon")
	srv.Press(first.ID, "default")
	srv.Press(first.ID+100, "default") // another app's
	var got []alert.Response
	for range 2 {
		select {
		case r := <-answers:
			got = append(got, r)
		case <-time.After(10 * time.Second):
			t.Fatalf("answers %+v, and no more", got)
		}
	}
	slices.SortFunc(got, func(a, b alert.Response) int { return strings.Compare(a.Button, b.Button) })
	if want := []alert.Response{{AlertID: "outage.daemon", Thread: "daemon"}, {AlertID: "outage.daemon", Thread: "daemon", Button: "start-daemon"}}; !slices.Equal(got, want) {
		t.Errorf("answers %+v, want %+v", got, want)
	}
	// A reminder replaces it.
	a.Title = "Still broken: Daemon stopped — not metering"
	c.Post(ctx, a)
	if again := srv.Received()[1]; again.Replaces != first.ID {
		t.Errorf("posted again with replaces_id %d, want %d", again.Replaces, first.ID)
	}
	c.Post(ctx, alert.Alert{ID: "recovered", Title: "Halton Meter recovered"})
	if err := c.Withdraw(ctx, []string{"outage.daemon", "never.posted"}); err != nil {
		t.Fatal(err)
	}
	if closed := srv.ClosedIDs(); len(closed) != 1 || closed[0] != first.ID {
		t.Errorf("closed %v, want [%d]", closed, first.ID)
	}
	// Closed by the server (expired, dismissed): forgotten, so the next
	// of that ID is a new notification.
	third := srv.Received()[2]
	srv.Dismiss(third.ID)
	testwait.For(t, "the closed notification forgotten", func() bool {
		b := c.(*bus)
		b.mu.Lock()
		defer b.mu.Unlock()
		_, known := b.ids["recovered"]
		return !known
	})
	c.Post(ctx, alert.Alert{ID: "recovered", Title: "Halton Meter recovered"})
	if last := srv.Received()[3]; last.Replaces != 0 {
		t.Errorf("a closed notification replaced: %+v", last)
	}
	if len(answers) != 0 {
		t.Errorf("another app's notification answered: %+v", <-answers)
	}
}
