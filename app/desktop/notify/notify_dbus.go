//go:build !darwin

package notify

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"log"
	"slices"
	"sync"

	"github.com/godbus/dbus/v5"

	"github.com/haltonlabs/halton-meter-bar/app/alert"
)

const (
	service = "org.freedesktop.Notifications"
	path    = dbus.ObjectPath("/org/freedesktop/Notifications")
	// busName is the bus itself: it alone says who owns a name.
	busName = "org.freedesktop.DBus"
	busPath = dbus.ObjectPath("/org/freedesktop/DBus")
	// defaultAction is the spec's key of a click on the notification itself.
	defaultAction = "default"
	// maxPosted bounds what is remembered of posted notifications should a
	// server never say they closed.
	maxPosted = 256
)

// New is the app's alert center: the session bus's notification server.
func New(appName string, icon []byte, _ *log.Logger) alert.Center {
	return &bus{appName: appName, icon: icon, ids: make(map[string]uint32), posted: make(map[uint32]alert.Alert)}
}

// Poster implements alert.Describer.
func (b *bus) Poster() alert.Poster {
	return alert.Poster{Kind: alert.PosterDesktop, Via: "org.freedesktop.Notifications over D-Bus"}
}

// bus is org.freedesktop.Notifications as an alert.Center: buttons where
// the server lists the "actions" capability, replaces_id for an alert
// posted again, CloseNotification to withdraw one, and ActionInvoked for
// the user's answer.
//
// Only the server speaks for a notification: any client of the session
// bus may emit a signal named ActionInvoked or NotificationClosed, so the
// match rule names the server as the sender, and each signal's sender is
// compared with the unique name that owns org.freedesktop.Notifications
// now (asked at connection and after a post, followed through the bus's
// NameOwnerChanged: a server that restarts is heard again, and what the
// old one showed is forgotten). The rest is dropped.
type bus struct {
	appName string
	icon    []byte

	// posting is held while a notification is posted, until its ID is
	// known: the server may send an answer to it before its reply to
	// Notify reaches us, and the answer waits for the ID.
	posting sync.RWMutex

	mu         sync.Mutex
	conn       *dbus.Conn
	actions    *bool // the server shows buttons; nil until asked
	categories map[string][]alert.Button
	ids        map[string]uint32      // an alert's ID → the server's
	posted     map[uint32]alert.Alert // the server's ID → the alert
	handle     func(alert.Response)
	owner      string // the server's unique name on the bus; "" until known
}

func (b *bus) Authorize(context.Context) error { return nil }

// Permission: a notification server does not say.
func (b *bus) Permission(context.Context) (alert.Permission, error) {
	return alert.PermissionUnknown, nil
}

func (b *bus) SetCategories(_ context.Context, categories []alert.Category) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.categories = make(map[string][]alert.Button, len(categories))
	for _, c := range categories {
		b.categories[c.ID] = c.Buttons
	}
	return nil
}

func (b *bus) Handle(fn func(alert.Response)) {
	b.mu.Lock()
	b.handle = fn
	b.mu.Unlock()
}

// connect is a connection of its own to the session bus, listening for
// the server's signals, from the first call on.
func (b *bus) connect(ctx context.Context) (*dbus.Conn, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.conn != nil {
		return b.conn, nil
	}
	conn, err := dial(ctx)
	if err != nil {
		return nil, fmt.Errorf("notify: the session bus: %w", err)
	}
	if err := conn.AddMatchSignalContext(ctx, dbus.WithMatchSender(service), dbus.WithMatchInterface(service), dbus.WithMatchObjectPath(path)); err != nil {
		conn.Close()
		return nil, fmt.Errorf("notify: listen to the notification server: %w", err)
	}
	if err := conn.AddMatchSignalContext(ctx, dbus.WithMatchSender(busName), dbus.WithMatchInterface(busName),
		dbus.WithMatchMember("NameOwnerChanged"), dbus.WithMatchArg(0, service)); err != nil {
		conn.Close()
		return nil, fmt.Errorf("notify: follow the notification server: %w", err)
	}
	signals := make(chan *dbus.Signal, 16)
	conn.Signal(signals)
	b.conn = conn
	b.owner = nameOwner(ctx, conn)
	go b.listen(signals)
	return conn, nil
}

// nameOwner is the unique name that owns the notification service now;
// "" for none (a server activated by the first call).
func nameOwner(ctx context.Context, conn *dbus.Conn) string {
	var owner string
	if conn.BusObject().CallWithContext(ctx, busName+".GetNameOwner", 0, service).Store(&owner) != nil {
		return ""
	}
	return owner
}

// fromServer reports whether s comes from the notification server that
// owns the name now.
func (b *bus) fromServer(s *dbus.Signal) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.owner != "" && s.Sender == b.owner && s.Path == path
}

// dial connects to the session bus within ctx. The connection outlives
// ctx (it is the center's), so ctx bounds the wait rather than the dial:
// a connection that comes too late is closed.
func dial(ctx context.Context) (*dbus.Conn, error) {
	type dialed struct {
		conn *dbus.Conn
		err  error
	}
	ch := make(chan dialed, 1)
	go func() {
		c, err := dbus.ConnectSessionBus()
		ch <- dialed{c, err}
	}()
	select {
	case d := <-ch:
		return d.conn, d.err
	case <-ctx.Done():
		go func() {
			if d := <-ch; d.conn != nil {
				d.conn.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// listen hands each click and button to the handler, and forgets the
// notifications the server closed; it hears the server alone.
func (b *bus) listen(signals <-chan *dbus.Signal) {
	for s := range signals {
		if s.Name == busName+".NameOwnerChanged" {
			b.ownerChanged(s)
			continue
		}
		// Signals are read after the post that made their notification is
		// known, and so is its server.
		b.posting.RLock()
		b.posting.RUnlock()
		if !b.fromServer(s) {
			continue // from someone else on the bus: not the server's word
		}
		switch s.Name {
		case service + ".ActionInvoked":
			var id uint32
			var key string
			if dbus.Store(s.Body, &id, &key) != nil {
				continue
			}
			b.mu.Lock()
			a, ok := b.posted[id]
			fn := b.handle
			b.mu.Unlock()
			if !ok || fn == nil {
				continue // another app's, or one this process no longer knows
			}
			r := alert.Response{AlertID: a.ID, Thread: a.Thread}
			if key != defaultAction {
				r.Button = key
			}
			go fn(r)
		case service + ".NotificationClosed":
			var id, reason uint32
			if dbus.Store(s.Body, &id, &reason) != nil {
				continue
			}
			b.mu.Lock()
			if a, ok := b.posted[id]; ok {
				delete(b.posted, id)
				if b.ids[a.ID] == id {
					delete(b.ids, a.ID)
				}
			}
			b.mu.Unlock()
		}
	}
}

// ownerChanged follows the service to its new owner: the bus's word
// alone. A new server knows none of the old one's notifications.
func (b *bus) ownerChanged(s *dbus.Signal) {
	var name, old, owner string
	if s.Sender != busName || s.Path != busPath || dbus.Store(s.Body, &name, &old, &owner) != nil || name != service {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if owner != b.owner {
		b.owner = owner
		clear(b.posted)
		clear(b.ids)
	}
}

// hasActions asks the server once whether it shows buttons.
func (b *bus) hasActions(ctx context.Context, obj dbus.BusObject) bool {
	b.mu.Lock()
	known := b.actions
	b.mu.Unlock()
	if known != nil {
		return *known
	}
	var caps []string
	if err := obj.CallWithContext(ctx, service+".GetCapabilities", 0).Store(&caps); err != nil {
		return false // asked again next time
	}
	has := slices.Contains(caps, "actions")
	b.mu.Lock()
	b.actions = &has
	b.mu.Unlock()
	return has
}

func (b *bus) Post(ctx context.Context, a alert.Alert) error {
	conn, err := b.connect(ctx)
	if err != nil {
		return err
	}
	obj := conn.Object(service, path)
	actions := []string{}
	if b.hasActions(ctx, obj) {
		actions = append(actions, defaultAction, "Open")
		b.mu.Lock()
		for _, btn := range b.categories[a.Category] {
			actions = append(actions, btn.ID, btn.Title)
		}
		b.mu.Unlock()
	}
	urgency := byte(1)
	if a.Sound {
		urgency = 2 // critical: the server keeps it until it is seen
	}
	hints := map[string]dbus.Variant{"urgency": dbus.MakeVariant(urgency)}
	if img, ok := imageData(b.icon); ok {
		hints["image-data"] = dbus.MakeVariant(img)
	}
	b.posting.Lock()
	defer b.posting.Unlock()
	b.mu.Lock()
	replaces := b.ids[a.ID]
	b.mu.Unlock()
	var id uint32
	call := obj.CallWithContext(ctx, service+".Notify", 0, b.appName, replaces, "", a.Title, a.Body, actions, hints, int32(-1))
	if err := call.Store(&id); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	b.mu.Lock()
	known := b.owner != ""
	b.mu.Unlock()
	if !known { // the call started the server: who is it?
		owner := nameOwner(ctx, conn)
		b.mu.Lock()
		if b.owner == "" {
			b.owner = owner
		}
		b.mu.Unlock()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if replaces != 0 && replaces != id {
		delete(b.posted, replaces)
	}
	if len(b.posted) >= maxPosted {
		clear(b.posted)
		clear(b.ids)
	}
	b.ids[a.ID] = id
	b.posted[id] = a
	return nil
}

func (b *bus) Withdraw(ctx context.Context, ids []string) error {
	b.mu.Lock()
	var server []uint32
	for _, id := range ids {
		if n, ok := b.ids[id]; ok {
			server = append(server, n)
			delete(b.ids, id)
			delete(b.posted, n)
		}
	}
	conn := b.conn
	b.mu.Unlock()
	if conn == nil {
		return nil
	}
	obj := conn.Object(service, path)
	for _, n := range server {
		if call := obj.CallWithContext(ctx, service+".CloseNotification", 0, n); call.Err != nil {
			return fmt.Errorf("notify: close %d: %w", n, call.Err)
		}
	}
	return nil
}

// rawImage is the (iiibiiay) image of the notification spec.
type rawImage struct {
	Width, Height, RowStride int32
	HasAlpha                 bool
	BitsPerSample, Channels  int32
	Data                     []byte
}

func imageData(b []byte) (rawImage, bool) {
	if len(b) == 0 {
		return rawImage{}, false
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return rawImage{}, false
	}
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
	return rawImage{
		Width: int32(rgba.Bounds().Dx()), Height: int32(rgba.Bounds().Dy()), RowStride: int32(rgba.Stride),
		HasAlpha: true, BitsPerSample: 8, Channels: 4, Data: rgba.Pix,
	}, true
}
