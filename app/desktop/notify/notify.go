// Package notify posts the app's native notifications, each bounded by its
// context. It is apart from app/desktop so that halton-meter-bar, which
// runs --json, links no D-Bus client.
package notify

// Notifier posts native notifications, each bounded by its context: on
// macOS through terminal-notifier when it is installed, else osascript
// (so they show as coming from Script Editor until the bundle posts its
// own), run as killable processes; elsewhere over D-Bus to
// org.freedesktop.Notifications, a call that gives up with its context. A
// notification service that hangs costs one timeout, never the next
// notification.
type Notifier struct {
	// AppName is the notification's sender.
	AppName string
	// Icon is a PNG shown with the notification where the system allows.
	Icon []byte
}
