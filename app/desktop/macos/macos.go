// Package macos is the app's native macOS services, called from Go through
// purego's Objective-C runtime (no Objective-C file, so it builds and vets
// here with cgo off): notifications posted as the app through
// UNUserNotificationCenter, and the app as its own login item through
// SMAppService. Every class, selector and raw value it uses is listed in
// surface.go and checked against Apple's documentation in its tests.
//
// For a bare binary (no bundle identifier) its constructors fail and the
// caller keeps its fallback; elsewhere than macOS, BundleID is "" and
// NewMainApp fails (NewCenter is macOS's only: app/desktop/notify calls it
// there alone).
package macos

import "errors"

// Why a native service is not there.
var (
	ErrNoBundle    = errors.New("not running from an app bundle")
	ErrUnavailable = errors.New("not available on this macOS")
	ErrUnsupported = errors.New("not macOS")
)
