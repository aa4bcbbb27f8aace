package model

import "strings"

// The window draws its text with fyne's bundled font (Noto Sans) and
// nothing else: a rune that font lacks would be drawn from whatever font
// the system has, so the window would look, and lay out, differently from
// one Mac to another. The few marks the engine and the model write that
// the font lacks are drawn with words or marks it has; the engine's
// --table and --json keep their own.
var onScreen = strings.NewReplacer(
	// The sentinels' marks (the vendor's table writes ✓ and -).
	"proxy-managed: ✓", "proxy-managed: yes", "proxy-managed: -", "proxy-managed: no",
	"apps-managed: ✓", "apps-managed: yes", "apps-managed: -", "apps-managed: no",
	"✓", "yes",
	"→", "›", // "Wi-Fi › 127.0.0.1:8081", "System Settings › General › Login Items"
	"−", "–", // a minus sign: an en dash
)

// Screen writes s with the runes the window's font has.
func Screen(s string) string { return onScreen.Replace(s) }
