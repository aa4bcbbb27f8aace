// Package notify is the app's alert.Center on each system, every call
// bounded by its context: on macOS from the bundle, the app's own
// UNUserNotificationCenter (app/desktop/macos); on macOS without a bundle,
// terminal-notifier when it is installed, else osascript (shown as Script
// Editor's), run as killable processes; elsewhere org.freedesktop.Notifications
// over D-Bus, with buttons where the server has them. A notification
// service that hangs costs one timeout, never the next alert. It is apart
// from app/desktop so that halton-meter-bar, which runs --json, links no
// D-Bus client.
package notify
