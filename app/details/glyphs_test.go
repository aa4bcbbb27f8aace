package details

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"github.com/go-text/typesetting/font"

	"github.com/haltonlabs/halton-meter-bar/app/details/model"
	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// windowFonts are the faces the window draws with: fyne's bundled Noto
// Sans, regular and bold.
func windowFonts(t *testing.T) []*font.Face {
	t.Helper()
	var faces []*font.Face
	for _, res := range []fyne.Resource{theme.DefaultTextFont(), theme.DefaultTextBoldFont()} {
		f, err := font.ParseTTF(bytes.NewReader(res.Content()))
		if err != nil {
			t.Fatalf("%s: %v", res.Name(), err)
		}
		faces = append(faces, f)
	}
	return faces
}

// missing lists the runes of s the faces lack.
func missing(faces []*font.Face, s string) []rune {
	var out []rune
	for _, r := range s {
		if r < 0x20 || r == utf8.RuneError {
			continue // not drawn; escaped before the window sees it
		}
		for _, f := range faces {
			if _, ok := f.NominalGlyph(r); !ok {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// TestWindowDrawsWithItsOwnFont: every text the window can show is drawn
// with its own font, never with a system font (which differs from one Mac
// to another): the words of every package whose text reaches the window
// (as written in the source, then as the window writes them), and every
// text drawn in windows of every golden report.
func TestWindowDrawsWithItsOwnFont(t *testing.T) {
	faces := windowFonts(t)

	// The source's strings: the engine's details, states and marks, the
	// shared words, the model's and the view's own.
	notDrawn := map[string]bool{
		"output.go":      true, // --table and --json
		"diagnostics.go": true, // Copy Diagnostics: text for the clipboard
	}
	for _, dir := range []string{"../../status", "../present", "../../internal/text", "model", "."} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") || notDrawn[filepath.Base(path)] {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, _ := strconv.Unquote(lit.Value)
				if m := missing(faces, model.Screen(s)); len(m) > 0 {
					t.Errorf("%s: %q draws %q with a system font", path, s, string(m))
				}
				return true
			})
		}
	}

	// What windows of every golden report draw, light and dark.
	golden, _ := filepath.Glob("../../status/testdata/golden/*.json")
	if len(golden) < 5 {
		t.Fatalf("%d golden reports", len(golden))
	}
	var msgs []wire.Message
	for _, path := range golden {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var r status.Report
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		history := map[status.ComponentName][]wire.Point{}
		for _, c := range r.Components {
			history[c.Name] = []wire.Point{{At: r.CheckedAt.Add(-30 * time.Minute), State: "healthy", Level: status.LevelOK}, {At: r.CheckedAt.Add(-10 * time.Minute), State: c.State, Level: c.Level}}
		}
		msgs = append(msgs, wire.Message{Type: wire.MsgSnapshot, Report: &r, History: history, PollIntervalMS: 5000, Budget: 500000})
	}
	stale := snapshot("healthy", "All healthy", healthyRows)
	stale.Report.CheckedAt = now.Add(-time.Hour)
	unstat := snapshot("healthy", "All healthy", healthyRows)
	unstat.Report.Metering = status.Metering{State: status.MeteringLive, TodayProblem: "/v1/stats answered 500"}
	msgs = append(msgs, stale, unstat, notInstalled())
	for _, th := range []fyne.Theme{theme.LightTheme(), theme.DarkTheme()} {
		for i, msg := range msgs {
			clock := msg.Report.CheckedAt.Add(3 * time.Second)
			a := test.NewTempApp(t)
			a.Settings().SetTheme(th)
			v := NewView(a, &recorder{}, func() time.Time { return clock }, "darwin arm64")
			v.Update(msg)
			v.Focus("daemon")
			drawn := 0
			for _, o := range test.LaidOutObjects(v.Window().Content()) {
				if txt, ok := o.(*canvas.Text); ok {
					drawn++
					if m := missing(faces, txt.Text); len(m) > 0 {
						t.Errorf("message %d: %q draws %q with a system font", i, txt.Text, string(m))
					}
				}
			}
			if drawn < 20 {
				t.Fatalf("message %d: only %d texts drawn", i, drawn)
			}
		}
	}
}
