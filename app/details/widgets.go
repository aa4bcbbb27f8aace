package details

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/haltonlabs/halton-meter-bar/app/details/model"
	"github.com/haltonlabs/halton-meter-bar/assets/draw"
)

// Column widths of the table; the detail column takes what is left.
const (
	colName  = 190
	colState = 200
	colNext  = 230
)

var tableColumns = []float32{colName, colState, 0, colNext}

// gap is the space between cells and rows of the dense table. It is fixed:
// under a theme override, fyne measures and lays out stock layouts with
// different paddings, and rows would overlap.
const gap = 6

// rows stacks objects with a fixed gap, skipping hidden ones.
type rows struct{}

func (rows) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	y := float32(0)
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		h := o.MinSize().Height
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h + gap/2
	}
}

func (rows) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var w, h float32
	n := 0
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		ms := o.MinSize()
		w, h = max(w, ms.Width), h+ms.Height
		n++
	}
	if n > 1 {
		h += float32(n-1) * gap / 2
	}
	return fyne.NewSize(w, h)
}

// columns lays objects side by side: fixed widths, a 0 width shares what
// is left; every object gets the row's height, the tallest visible one's.
type columns struct{ widths []float32 }

func (c *columns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	const pad = gap
	fixed, flex := float32(0), 0
	for i := range objs {
		if w := c.width(i); w > 0 {
			fixed += w
		} else {
			flex++
		}
	}
	rest := size.Width - fixed - pad*float32(len(objs)-1)
	x := float32(0)
	for i, o := range objs {
		w := c.width(i)
		if w == 0 && flex > 0 {
			w = max(rest/float32(flex), 0)
		}
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(w, size.Height))
		x += w + pad
	}
}

func (c *columns) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var w, h float32
	for i, o := range objs {
		ms := o.MinSize()
		if cw := c.width(i); cw > 0 {
			w += cw
		} else {
			w += min(ms.Width, 200)
		}
		if o.Visible() { // a hidden column keeps its width, not its height
			h = max(h, ms.Height)
		}
	}
	return fyne.NewSize(w+gap*float32(len(objs)-1), h)
}

func (c *columns) width(i int) float32 {
	if i < len(c.widths) {
		return c.widths[i]
	}
	return 0
}

// span places an object over a fraction of a width: a bar from..to, or a
// label centred at from (kept inside the edges).
type span struct {
	from, to float64
	label    bool
}

// fractions lays objects out by their spans, bars as slim as height and
// centred vertically.
type fractions struct {
	spans  []span
	height float32
}

func (f *fractions) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for i, o := range objs {
		if i >= len(f.spans) {
			break
		}
		s := f.spans[i]
		if s.label {
			ms := o.MinSize()
			x := min(max(float32(s.from)*size.Width-ms.Width/2, 0), size.Width-ms.Width)
			o.Move(fyne.NewPos(x, 0))
			o.Resize(ms)
			continue
		}
		h := size.Height
		if f.height > 0 {
			h = min(f.height, size.Height)
		}
		x0, x1 := float32(s.from)*size.Width, float32(s.to)*size.Width
		o.Move(fyne.NewPos(x0, (size.Height-h)/2))
		o.Resize(fyne.NewSize(max(x1-x0, 1), h))
	}
}

func (f *fractions) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := f.height
	for i, o := range objs {
		if i < len(f.spans) && f.spans[i].label {
			h = max(h, o.MinSize().Height)
		}
	}
	return fyne.NewSize(120, h)
}

func sectionTitle(s string) fyne.CanvasObject {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// caption is a small label for the timelines' names.
func caption(s string) fyne.CanvasObject {
	t := canvas.NewText(s, theme.Color(theme.ColorNameForeground))
	t.TextSize = theme.CaptionTextSize()
	return container.NewPadded(t)
}

// layoutSpacer is empty room of a height.
func layoutSpacer(h float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(1, h))
	return r
}

func tableHeader() fyne.CanvasObject {
	var cells []fyne.CanvasObject
	for _, title := range []string{"Component", "State", "Detail", "Next step"} {
		l := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		l.SizeName = theme.SizeNameCaptionText
		cells = append(cells, l)
	}
	return container.New(&columns{widths: tableColumns}, cells...)
}

// rowView is one component's line of the table.
type rowView struct {
	box       *fyne.Container
	highlight *canvas.Rectangle
	badgeBg   *canvas.Rectangle
	badgeDot  *canvas.Circle
	state     *widget.Label
	detail    *widget.Label
	since     *widget.Label
	next      *widget.Label
	name      *widget.Label
	mute      *widget.Button // mutes the row's alerts, or unmutes them
	note      *widget.Label  // "alerts muted"
	shown     model.Row
	focused   bool
	drawn     bool
}

// newRowView makes a row; toggleMute asks the tray to mute its alerts, or
// to unmute them.
func newRowView(toggleMute func()) *rowView {
	rv := &rowView{
		mute:      widget.NewButtonWithIcon("", theme.VolumeUpIcon(), toggleMute),
		note:      widget.NewLabel(""),
		highlight: canvas.NewRectangle(theme.Color(theme.ColorNameSelection)),
		badgeBg:   canvas.NewRectangle(tint(draw.Unknown)),
		badgeDot:  canvas.NewCircle(colourOf(draw.Unknown)),
		state:     widget.NewLabel(""),
		detail:    widget.NewLabel(""),
		since:     widget.NewLabel(""),
		next:      widget.NewLabel(""),
		name:      widget.NewLabel(""),
	}
	rv.highlight.CornerRadius = theme.InputRadiusSize()
	rv.highlight.Hide()
	rv.badgeBg.CornerRadius = 11
	rv.name.TextStyle = fyne.TextStyle{Bold: true}
	rv.detail.Selectable = true
	rv.detail.Truncation = fyne.TextTruncateEllipsis
	rv.since.SizeName = theme.SizeNameCaptionText
	rv.next.Selectable = true
	rv.next.TextStyle = fyne.TextStyle{Monospace: true}
	rv.next.Truncation = fyne.TextTruncateEllipsis
	rv.mute.Importance = widget.LowImportance
	rv.mute.Hide()
	rv.note.SizeName = theme.SizeNameCaptionText
	rv.note.Importance = widget.WarningImportance
	rv.note.Hide()
	badge := container.NewStack(rv.badgeBg, container.NewHBox(layoutSpacer(0),
		container.NewCenter(container.NewGridWrap(fyne.NewSize(10, 10), rv.badgeDot)), rv.state, layoutSpacer(0)))
	cells := container.New(&columns{widths: tableColumns},
		container.NewBorder(nil, nil, nil, container.NewVBox(rv.mute), container.NewVBox(rv.name)),
		container.NewVBox(container.NewHBox(badge, rv.since), rv.note),
		rv.detail,
		rv.next)
	rv.box = container.NewStack(rv.highlight, cells)
	return rv
}

// set shows row, touching only what changed, and tells whether anything
// did; a new state resizes its badge, so the row is laid out again.
func (rv *rowView) set(row model.Row, focused bool) bool {
	if rv.drawn && row == rv.shown && focused == rv.focused {
		return false
	}
	old, first := rv.shown, !rv.drawn
	rv.shown, rv.focused, rv.drawn = row, focused, true
	if first || row.Dot != old.Dot {
		rv.badgeBg.FillColor = tint(row.Dot)
		rv.badgeBg.Refresh()
		rv.badgeDot.FillColor = colourOf(row.Dot)
		rv.badgeDot.Refresh()
	}
	setLabel(rv.name, string(row.Component), rv.name.Importance)
	setLabel(rv.detail, row.Detail, rv.detail.Importance)
	setLabel(rv.next, row.NextStep, rv.next.Importance)
	if first || row.Muted != old.Muted {
		rv.mute.SetIcon(muteIcon(row.Muted))
	}
	resized := show(rv.mute, row.CanMute)
	resized = setLabel(rv.note, row.Note, rv.note.Importance) || resized
	resized = show(rv.note, row.Note != "") || resized
	resized = setLabel(rv.state, row.State, rv.state.Importance) || resized
	resized = setLabel(rv.since, row.Since, rv.since.Importance) || resized
	if show(rv.highlight, focused) {
		rv.highlight.Refresh() // a rectangle shown or hidden is not repainted by itself
	}
	if resized && !first {
		rv.box.Refresh()
	}
	return true
}

// muteIcon is the mute button's icon: a speaker that sounds while the
// row's alerts do, a muted one once they are muted.
func muteIcon(muted bool) fyne.Resource {
	if muted {
		return theme.VolumeMuteIcon()
	}
	return theme.VolumeUpIcon()
}

// timeline draws a row's last hour as coloured segments over a track.
type timeline struct {
	box    *fyne.Container
	layout *fractions
	track  *canvas.Rectangle
	last   []model.Segment
}

func newTimeline() *timeline {
	tl := &timeline{layout: &fractions{height: 12}}
	tl.track = canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	tl.track.CornerRadius = 3
	tl.box = container.New(tl.layout, tl.track)
	tl.layout.spans = []span{{from: 0, to: 1}}
	return tl
}

// set lays segs on the track, and tells whether they moved.
func (tl *timeline) set(segs []model.Segment) bool {
	if segmentsEqual(segs, tl.last) {
		return false
	}
	tl.last = segs
	objs := []fyne.CanvasObject{tl.track}
	spans := []span{{from: 0, to: 1}}
	for _, s := range segs {
		if s.Level == "" {
			continue // no data: the track shows through
		}
		r := canvas.NewRectangle(colourOf(s.Dot))
		objs = append(objs, r)
		spans = append(spans, span{from: s.From, to: s.To})
	}
	tl.layout.spans = spans
	tl.box.Objects = objs
	tl.box.Refresh()
	return true
}

// reshaped tells whether segs differ from what is drawn in more than
// where their ends fall: a segment came or went, or changed colour.
func (tl *timeline) reshaped(segs []model.Segment) bool {
	if len(segs) != len(tl.last) {
		return true
	}
	for i := range segs {
		if segs[i].Level != tl.last[i].Level || segs[i].Dot != tl.last[i].Dot {
			return true
		}
	}
	return false
}

func segmentsEqual(a, b []model.Segment) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// compact is the current theme with less padding, for the dense table.
type compact struct{}

func (compact) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	return fyne.CurrentApp().Settings().Theme().Color(n, v)
}

func (compact) Font(s fyne.TextStyle) fyne.Resource {
	return fyne.CurrentApp().Settings().Theme().Font(s)
}

func (compact) Icon(n fyne.ThemeIconName) fyne.Resource {
	return fyne.CurrentApp().Settings().Theme().Icon(n)
}

func (compact) Size(n fyne.ThemeSizeName) float32 {
	s := fyne.CurrentApp().Settings().Theme().Size(n)
	switch n {
	case theme.SizeNamePadding:
		return s / 2
	case theme.SizeNameInnerPadding:
		return s * 3 / 4
	}
	return s
}
