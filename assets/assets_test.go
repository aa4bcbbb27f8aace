package assets

import (
	"bytes"
	"image/png"
	"io/fs"
	"testing"

	"github.com/haltonlabs/halton-meter-bar/assets/draw"
)

// TestIconsAreReproducible redraws every icon and compares the bytes with
// the committed, embedded ones.
func TestIconsAreReproducible(t *testing.T) {
	files := draw.Files()
	embedded, _ := fs.Glob(icons, "icons/*.png")
	if len(embedded) != len(files) {
		t.Errorf("%d embedded PNGs, %d drawn (run go generate ./assets)", len(embedded), len(files))
	}
	for name, want := range files {
		got, err := icons.ReadFile("icons/" + name)
		if err != nil {
			t.Errorf("%s: %v (run go generate ./assets)", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from a fresh drawing (run go generate ./assets)", name)
		}
	}
}

func TestIconsDecode(t *testing.T) {
	for _, s := range draw.States {
		for _, px := range []int{16, 32} {
			for _, b := range [][]byte{Icon(s, px, false), Icon(s, px, true), Dot(s, px)} {
				img, err := png.Decode(bytes.NewReader(b))
				if err != nil || img.Bounds().Dx() != px || img.Bounds().Dy() != px {
					t.Errorf("%s %dpx: %v", s, px, err)
				}
			}
		}
	}
}

// TestStatesDifferByShape: the template icons carry no colour, so the
// states must differ in their alpha alone.
func TestStatesDifferByShape(t *testing.T) {
	seen := map[string]draw.State{}
	for _, s := range draw.States {
		img := draw.Icon(s, 32, true)
		var alpha []byte
		for i := 3; i < len(img.Pix); i += 4 {
			alpha = append(alpha, img.Pix[i])
		}
		if prev, dup := seen[string(alpha)]; dup {
			t.Errorf("%s and %s have the same shape", s, prev)
		}
		seen[string(alpha)] = s
	}
}
