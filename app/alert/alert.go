// Package alert is what the app's notifications are, whatever shows them:
// an Alert to post (with an ID that a later one replaces and a recovery
// withdraws, a thread that groups it, buttons), the user's Response to
// one, and the Center that posts them. The monitor speaks only this;
// app/desktop/notify and app/desktop/macos are the centers of each system.
// It has no GUI and no dependency.
package alert

import "context"

// Alert is one notification.
type Alert struct {
	// ID names it to the system: posting another with the same ID replaces
	// it, and Withdraw removes it.
	ID string
	// Thread groups it with the others of one component in Notification
	// Center ("" for none).
	Thread string
	// Category names its buttons (Categories); "" for none.
	Category string
	Title    string
	Body     string
	// Sound: it also plays a sound (something went red).
	Sound bool
}

// Button is one of an alert's buttons: its ID is what a Response says.
type Button struct {
	ID    string
	Title string
	// Foreground: pressing it brings the app forward (it opens a window).
	Foreground bool
}

// Category is a set of buttons alerts refer to by ID.
type Category struct {
	ID      string
	Buttons []Button
}

// Response is the user's answer to an alert: a click on it (Button ""),
// or one of its buttons.
type Response struct {
	AlertID string
	Thread  string
	Button  string
}

// Permission is whether the system shows the app's alerts.
type Permission int

// Permissions.
const (
	// PermissionUnknown: the system does not say (a notification daemon
	// over D-Bus, a script), or has not been asked yet.
	PermissionUnknown Permission = iota
	// PermissionOn: alerts show.
	PermissionOn
	// PermissionOff: the user turned them off, or denied them.
	PermissionOff
)

func (p Permission) String() string {
	switch p {
	case PermissionOn:
		return "on"
	case PermissionOff:
		return "off"
	}
	return "unknown"
}

// Center posts and withdraws alerts, and tells the user's answers. Every
// call gives up when its context ends; the handler is called on whatever
// goroutine the system answers on and must not block.
type Center interface {
	// Authorize asks the user, the first time only, to allow alerts; the
	// answer is the system's to keep.
	Authorize(ctx context.Context) error
	// Permission is whether alerts show now.
	Permission(ctx context.Context) (Permission, error)
	// SetCategories declares every category alerts may name.
	SetCategories(ctx context.Context, categories []Category) error
	Post(ctx context.Context, a Alert) error
	// Withdraw removes delivered alerts; an ID not shown is no error.
	Withdraw(ctx context.Context, ids []string) error
	// Handle sets the function told of each Response.
	Handle(fn func(Response))
}

// Poster is who puts the app's alerts on screen, as the menu and the
// window name it: a weaker poster standing in for the system's own must
// never go unsaid.
type Poster struct {
	Kind PosterKind
	// Name is what the user sees posting them: "Script Editor",
	// "terminal-notifier"; "" for the system's own center.
	Name string
	// Reason says why the system's own center does not post them ("the
	// app is not running from its bundle"); "" when it does.
	Reason string
	// Problem is why the native center could not start, when it could
	// not: a weaker poster stands in, and it is tried again.
	Problem string
	// Via names the mechanism, for the log ("UNUserNotificationCenter, as
	// com.haltonlabs.meter.bar", "osascript").
	Via string
}

// PosterKind says which kind of poster it is.
type PosterKind string

// Kinds of poster.
const (
	// PosterNative: the app's own notifications (UNUserNotificationCenter).
	PosterNative PosterKind = "native"
	// PosterScript: a program that posts for the app (osascript, shown as
	// Script Editor's, or terminal-notifier): no buttons, no click.
	PosterScript PosterKind = "script"
	// PosterDesktop: the desktop's notification server (D-Bus).
	PosterDesktop PosterKind = "desktop"
)

// Describer is a Center that says who posts its alerts.
type Describer interface {
	Poster() Poster
}

// PosterOf is c's poster; the zero Poster when c does not say.
func PosterOf(c Center) Poster {
	if d, ok := c.(Describer); ok {
		return d.Poster()
	}
	return Poster{}
}
