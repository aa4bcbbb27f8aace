// Package notifytest is a notification server (org.freedesktop.Notifications)
// for tests, on a bus the test runs: it records each notification instead
// of showing it, lists the "actions" capability when told to show buttons,
// closes what it is asked to and says so (as the spec wants), answers as a
// user would (Press, Dismiss), and never answers a notification titled
// Hang before the test ends.
package notifytest

import (
	"slices"
	"sync"
	"testing"

	"github.com/godbus/dbus/v5"
)

// The service, as a client calls it.
const (
	Name      = "org.freedesktop.Notifications"
	Path      = dbus.ObjectPath("/org/freedesktop/Notifications")
	Interface = "org.freedesktop.Notifications"
)

// Hang is the title of a notification the server does not answer until
// the test ends: a service that hangs.
const Hang = "hang"

// Reasons a notification closed, as NotificationClosed gives them.
const (
	reasonDismissed = uint32(2) // by the user
	reasonClosed    = uint32(3) // by CloseNotification
)

// Sent is one notification the server received.
type Sent struct {
	App, Summary, Body string
	// ID is the server's; Replaces the one it replaced (0 for none).
	ID, Replaces uint32
	// Actions are the button keys and titles, in pairs.
	Actions []string
	// Image: it carried an image (the app's icon); Urgency its urgency hint.
	Image   bool
	Urgency byte
}

// Server is the notification server. Its exported methods that answer a
// *dbus.Error are the service's, for conn.Export; the others are the
// test's.
type Server struct {
	conn *dbus.Conn
	stop chan struct{}

	mu      sync.Mutex
	buttons bool
	sent    []Sent
	closed  []uint32
	next    uint32
}

// New is a server that answers on conn, for the test t; the caller exports
// it (conn.Export at Path, Interface) and owns Name.
func New(t testing.TB, conn *dbus.Conn) *Server {
	s := &Server{conn: conn, stop: make(chan struct{})}
	t.Cleanup(func() { close(s.stop) })
	return s
}

// Conn is the server's connection to the bus.
func (s *Server) Conn() *dbus.Conn { return s.conn }

// SetButtons makes the server one that shows buttons, or not.
func (s *Server) SetButtons(on bool) {
	s.mu.Lock()
	s.buttons = on
	s.mu.Unlock()
}

// Notify records a notification and answers its ID: a new one, or the one
// it replaces.
func (s *Server) Notify(app string, replaces uint32, icon, summary, body string, actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	if summary == Hang {
		<-s.stop
	}
	_, image := hints["image-data"]
	var urgency byte
	if v, ok := hints["urgency"]; ok {
		urgency, _ = v.Value().(byte)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := replaces
	if id == 0 {
		s.next++
		id = s.next
	}
	s.sent = append(s.sent, Sent{App: app, Summary: summary, Body: body, ID: id, Replaces: replaces, Actions: actions, Image: image, Urgency: urgency})
	return id, nil
}

// GetCapabilities lists "actions" while the server shows buttons.
func (s *Server) GetCapabilities() ([]string, *dbus.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buttons {
		return []string{"body", "actions"}, nil
	}
	return []string{"body"}, nil
}

// GetServerInformation names the server.
func (s *Server) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "notifytest", "halton", "1", "1.2", nil
}

// CloseNotification records the close, and says so as a server does.
func (s *Server) CloseNotification(id uint32) *dbus.Error {
	s.mu.Lock()
	s.closed = append(s.closed, id)
	s.mu.Unlock()
	s.conn.Emit(Path, Interface+".NotificationClosed", id, reasonClosed)
	return nil
}

// Press is the user answering notification id: "default" for a click on
// it, else one of its buttons' keys.
func (s *Server) Press(id uint32, key string) error {
	return s.conn.Emit(Path, Interface+".ActionInvoked", id, key)
}

// Dismiss is the user closing notification id.
func (s *Server) Dismiss(id uint32) error {
	return s.conn.Emit(Path, Interface+".NotificationClosed", id, reasonDismissed)
}

// Received are the notifications received so far, in order.
func (s *Server) Received() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
}

// ClosedIDs are the notifications the client closed.
func (s *Server) ClosedIDs() []uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.closed)
}
