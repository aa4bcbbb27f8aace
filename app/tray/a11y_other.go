//go:build !darwin

package tray

// setAccessibilityLabel: elsewhere the tooltip, which the
// StatusNotifierItem exports, is what assistive technology reads.
func setAccessibilityLabel(string) {}
