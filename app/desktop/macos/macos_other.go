//go:build !darwin

package macos

import (
	"github.com/haltonlabs/halton-meter-bar/app/desktop"
)

// BundleID is "" off macOS.
func BundleID() string { return "" }

// NewMainApp fails off macOS.
func NewMainApp() (desktop.AppService, error) { return nil, ErrUnsupported }
