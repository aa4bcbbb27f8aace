// Package draw draws the app's icons: a meter glyph (a dial open at the
// bottom, with a needle) and a badge that tells the state by shape as well
// as colour: none for healthy, `!` degraded, `×` down, `?` unknown. It also
// draws the small level dots of the menu rows and the app icon.
//
// All geometry is integer arithmetic on a supersampled grid, so the same
// call gives the same pixels on every machine and architecture, and the
// PNGs are written uncompressed (stored deflate blocks, no filter) so the
// same pixels give the same bytes with any Go version. The committed PNGs
// under assets/icons are checked against a fresh drawing by a test.
package draw

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math/bits"
	"strconv"
)

// State is what an icon shows.
type State string

// Icon states.
const (
	Healthy  State = "healthy"
	Degraded State = "degraded"
	Down     State = "down"
	Unknown  State = "unknown"
)

// States lists every icon state.
var States = []State{Healthy, Degraded, Down, Unknown}

// Colours of the states (and of the levels ok, warn, crit, unknown).
var Colours = map[State]color.NRGBA{
	Healthy:  {0x2E, 0xA0, 0x43, 0xFF},
	Degraded: {0xE0, 0x9A, 0x00, 0xFF},
	Down:     {0xD1, 0x24, 0x2F, 0xFF},
	Unknown:  {0x8C, 0x95, 0x9F, 0xFF},
}

var (
	white       = color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
	black       = color.NRGBA{0x00, 0x00, 0x00, 0xFF}
	transparent = color.NRGBA{}
)

// design is the side of the canvas in design units; all shapes below are
// given in these units.
const design = 4096

// shape reports whether a point (in design units, scaled by m) is inside.
type shape func(x, y, m int64) bool

func disc(cx, cy, r int64) shape {
	return func(x, y, m int64) bool {
		dx, dy := x-cx*m, y-cy*m
		return dx*dx+dy*dy <= r*r*m*m
	}
}

// ring is an annulus; open, if set, removes the wedge within 45° of
// straight down, which makes the dial of a gauge.
func ring(cx, cy, rOut, rIn int64, open bool) shape {
	return func(x, y, m int64) bool {
		dx, dy := x-cx*m, y-cy*m
		d2 := dx*dx + dy*dy
		if d2 > rOut*rOut*m*m || d2 < rIn*rIn*m*m {
			return false
		}
		return !open || !(dy > 0 && abs(dx) < dy)
	}
}

// hook is the curve of a question mark: the ring's upper half and its
// right side down to 60° below the horizontal.
func hook(cx, cy, rOut, rIn int64) shape {
	r := ring(cx, cy, rOut, rIn, false)
	return func(x, y, m int64) bool {
		dx, dy := x-cx*m, y-cy*m
		return r(x, y, m) && (dy <= 0 || (dx > 0 && dy*10 < dx*17))
	}
}

// capsule is a segment with round ends, of the given width.
func capsule(x1, y1, x2, y2, width int64) shape {
	return func(x, y, m int64) bool {
		ax, ay := x1*m, y1*m
		vx, vy := (x2-x1)*m, (y2-y1)*m
		wx, wy := x-ax, y-ay
		r := width * m / 2
		t := wx*vx + wy*vy
		l2 := vx*vx + vy*vy
		switch {
		case t <= 0:
			return wx*wx+wy*wy <= r*r
		case t >= l2:
			ex, ey := x-x2*m, y-y2*m
			return ex*ex+ey*ey <= r*r
		}
		cross := uint64(abs(wx*vy - wy*vx))
		// cross² ≤ r²·l2, in 128 bits: the products overflow 64 at large sizes.
		ch, cl := bits.Mul64(cross, cross)
		rh, rl := bits.Mul64(uint64(r*r), uint64(l2))
		return ch < rh || (ch == rh && cl <= rl)
	}
}

func union(shapes ...shape) shape {
	return func(x, y, m int64) bool {
		for _, s := range shapes {
			if s(x, y, m) {
				return true
			}
		}
		return false
	}
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// layer is a shape and what it paints; the first layer that holds a sample
// decides its colour.
type layer struct {
	s shape
	c color.NRGBA
}

// Geometry of the glyph, in design units.
var (
	dial   = ring(2048, 2240, 1780, 1330, true)
	needle = capsule(2048, 2240, 3050, 1240, 420)
	hub    = disc(2048, 2240, 400)

	badgeX, badgeY, badgeR int64 = 3080, 3080, 1016
	badge                        = disc(badgeX, badgeY, badgeR)
	badgeClear                   = disc(badgeX, badgeY, badgeR+300)
)

// symbol is the badge's mark for a state.
func symbol(s State) shape {
	x, y := badgeX, badgeY
	switch s {
	case Degraded: // !
		return union(capsule(x, y-560, x, y+140, 300), disc(x, y+500, 175))
	case Down: // ×
		return union(capsule(x-430, y-430, x+430, y+430, 300), capsule(x-430, y+430, x+430, y-430, 300))
	case Unknown: // ?
		return union(hook(x, y-250, 470, 190), capsule(x+165, y+20, x, y+200, 270), disc(x, y+560, 175))
	}
	return nil
}

// layers is the glyph for a state: the badge (if any) over a cleared ring
// over the dial, needle and hub.
func layers(s State, template bool) []layer {
	fg, badgeFill, mark := Colours[s], Colours[s], white
	if template {
		fg, badgeFill, mark = black, black, transparent
	}
	glyph := union(dial, needle, hub)
	sym := symbol(s)
	if sym == nil {
		return []layer{{glyph, fg}}
	}
	return []layer{{sym, mark}, {badge, badgeFill}, {badgeClear, transparent}, {glyph, fg}}
}

// render samples layers on an n×n grid, s×s samples per pixel, and
// averages the colours (premultiplied, in integers).
func render(ls []layer, n, s int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	// A sample at fine index k sits at (2k+1)/(2·s·n) of the canvas; in
	// design units scaled by m = 2·s·n that is (2k+1)·design.
	m := int64(2 * s * n)
	for py := 0; py < n; py++ {
		for px := 0; px < n; px++ {
			var r, g, b, a int64
			for sy := 0; sy < s; sy++ {
				for sx := 0; sx < s; sx++ {
					x := int64(2*(px*s+sx)+1) * design
					y := int64(2*(py*s+sy)+1) * design
					for _, l := range ls {
						if l.s(x, y, m) {
							ca := int64(l.c.A)
							r += int64(l.c.R) * ca
							g += int64(l.c.G) * ca
							b += int64(l.c.B) * ca
							a += ca
							break
						}
					}
				}
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{
				R: uint8((r + a/2) / a),
				G: uint8((g + a/2) / a),
				B: uint8((b + a/2) / a),
				A: uint8((a + int64(s*s)/2) / int64(s*s)),
			})
		}
	}
	return img
}

// supersample picks the samples per pixel: many at menu-bar sizes, where
// edges matter most, fewer for large images.
func supersample(n int) int {
	if n <= 64 {
		return 8
	}
	return 2
}

// Icon draws the menu-bar icon for a state at n×n pixels; template draws
// the monochrome variant, black on transparent with the mark cut out,
// which macOS tints to suit the menu bar.
func Icon(s State, n int, template bool) *image.NRGBA {
	return render(layers(s, template), n, supersample(n))
}

// Dot draws a menu row's level dot: a disc of the colour, inset.
func Dot(s State, n int) *image.NRGBA {
	return render([]layer{{disc(2048, 2048, 1300), Colours[s]}}, n, supersample(n))
}

// AppIcon draws the application icon: the healthy glyph in white on a
// rounded square of the healthy colour.
func AppIcon(n int) *image.NRGBA {
	bg := Colours[Healthy]
	tile := roundedSquare(400, 3696, 760)
	inner := func(sh shape) shape { // the glyph, shrunk to 70% about the centre
		return func(x, y, m int64) bool {
			c := 2048 * m
			return sh(c+(x-c)*10/7, c+(y-c)*10/7, m)
		}
	}
	return render([]layer{{inner(union(dial, needle, hub)), white}, {tile, bg}}, n, supersample(n))
}

// roundedSquare spans lo..hi on both axes with corner radius r.
func roundedSquare(lo, hi, r int64) shape {
	return func(x, y, m int64) bool {
		if x < lo*m || x > hi*m || y < lo*m || y > hi*m {
			return false
		}
		cx := clamp(x, (lo+r)*m, (hi-r)*m)
		cy := clamp(y, (lo+r)*m, (hi-r)*m)
		dx, dy := x-cx, y-cy
		return dx*dx+dy*dy <= r*r*m*m
	}
}

func clamp(v, lo, hi int64) int64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// PNG encodes an image uncompressed, so its bytes depend only on its pixels.
func PNG(img image.Image) []byte {
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.NoCompression}
	if err := enc.Encode(&b, img); err != nil {
		panic(err) // encoding to memory cannot fail
	}
	return b.Bytes()
}

// Files is every PNG the app embeds, by file name. The app icon is not
// among them: packaging draws it at the sizes it needs.
func Files() map[string][]byte {
	files := make(map[string][]byte)
	for _, s := range States {
		for _, n := range []int{16, 32} {
			files[IconName(s, n, false)] = PNG(Icon(s, n, false))
			files[IconName(s, n, true)] = PNG(Icon(s, n, true))
			files[DotName(s, n)] = PNG(Dot(s, n))
		}
	}
	return files
}

// IconName is the file of a menu-bar icon.
func IconName(s State, n int, template bool) string {
	if template {
		return "icon-" + string(s) + "-template-" + strconv.Itoa(n) + ".png"
	}
	return "icon-" + string(s) + "-" + strconv.Itoa(n) + ".png"
}

// DotName is the file of a level dot.
func DotName(s State, n int) string { return "dot-" + string(s) + "-" + strconv.Itoa(n) + ".png" }
