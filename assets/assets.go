// Package assets holds the app's icons, drawn by assets/draw and committed
// under icons/ (regenerate with `go generate ./assets`), embedded here.
package assets

import (
	"embed"

	"github.com/haltonlabs/halton-meter-bar/assets/draw"
)

//go:generate go run ./gen icons

//go:embed icons/*.png
var icons embed.FS

// read returns an embedded file; the names come from draw, so a missing one
// is a build defect the tests catch.
func read(name string) []byte {
	b, err := icons.ReadFile("icons/" + name)
	if err != nil {
		panic("assets: " + err.Error())
	}
	return b
}

// Icon is the menu-bar icon for a state at 16 or 32 px; template is the
// monochrome variant.
func Icon(s draw.State, px int, template bool) []byte { return read(draw.IconName(s, px, template)) }

// Dot is a menu row's level dot at 16 or 32 px.
func Dot(s draw.State, px int) []byte { return read(draw.DotName(s, px)) }
