// Package desktop is the app's integration with the user's desktop, apart
// from the menu bar itself: opening URLs, folders and Terminal (and the
// HALTON_BAR_OPENER seam that replaces them in tests), the clipboard, the
// Start at Login item, the single-instance lock, the settings file and
// where it lives, and naming the system for diagnostics. Everything that
// touches the OS on the user's behalf is here, behind small types the
// monitor takes as dependencies; no GUI library.
package desktop

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// ConfigDir is where the app keeps its settings and lock:
// ~/Library/Application Support/Halton Meter Bar on macOS,
// $XDG_CONFIG_HOME/halton-meter-bar elsewhere.
func ConfigDir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the config folder: %w", err)
	}
	if runtime.GOOS == "darwin" {
		return filepath.Join(base, "Halton Meter Bar"), nil
	}
	return filepath.Join(base, "halton-meter-bar"), nil
}

// OSDescription names the system from the kernel, without reading files:
// "darwin arm64, kernel 23.5.0".
func OSDescription() string {
	desc := runtime.GOOS + " " + runtime.GOARCH
	var u unix.Utsname
	if err := unix.Uname(&u); err == nil {
		desc += ", kernel " + unix.ByteSliceToString(u.Release[:])
	}
	return desc
}
