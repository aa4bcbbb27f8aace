// Package details is the details window, drawn with fyne in its own
// process (cmd/halton-meter-details): fyne and getlantern/systray cannot
// link into one macOS process (DESIGN.md §1). It never imports
// getlantern/systray, and links no file or process watcher.
//
// Started by the tray, the window speaks the line protocol of
// app/details/wire on stdin and stdout (ReadMessages, ChildSink); started
// on its own (from a terminal), it follows its own scheduler's sweeps and
// carries its buttons out itself (app/details/standalone; Follow). Copy
// Diagnostics is the window's own: it puts app/details/model.Diagnostics
// on the clipboard.
//
// What the window shows comes from app/details/model.Build; this package
// only draws it and forwards the buttons.
package details

import (
	"cmp"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/details/model"
	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/assets/draw"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// Sink carries the buttons' requests out: to the tray, or to the window's
// own standalone.Source when it runs alone.
type Sink interface {
	Send(req wire.Request)
}

// Lookback is how far back the timelines go.
const Lookback = time.Hour

// View is the window and its widgets.
type View struct {
	win     fyne.Window
	sink    Sink
	now     func() time.Time
	osDesc  string
	msg     wire.Message
	model   model.Model
	focused status.ComponentName

	verdictDot *canvas.Circle
	verdict    *widget.Label
	headline   *widget.Label
	summary    *widget.Label
	checked    *widget.Label
	stale      *widget.Label
	alertsOff  *widget.Label
	alertsLine *fyne.Container
	frame      *fyne.Container // the whole window: laid out again when the header's height changes
	notice     *widget.Label
	missing    *widget.Label
	absent     *fyne.Container
	header     *fyne.Container
	content    *fyne.Container
	body       *fyne.Container
	scroll     *container.Scroll
	rows       map[status.ComponentName]*rowView
	lines      map[status.ComponentName]*timeline
	axis       *fyne.Container
	spend      *spendView
	spendBox   *fyne.Container
	linesAt    time.Time // when the timelines were last laid
	drawn      bool      // model is on screen
	changes    int       // snapshots and ticks that changed what is drawn
	buttons    map[action.ID]*widget.Button
	bar        *fyne.Container
	footer     *fyne.Container
}

// NewView builds the window on app a. now is the clock (tests fix it).
func NewView(a fyne.App, sink Sink, now func() time.Time, osDesc string) *View {
	v := &View{
		win: a.NewWindow("Halton Meter"), sink: sink, now: now, osDesc: osDesc,
		rows: make(map[status.ComponentName]*rowView), lines: make(map[status.ComponentName]*timeline), buttons: make(map[action.ID]*widget.Button),
	}
	v.win.SetContent(v.build())
	v.win.Resize(fyne.NewSize(1040, 820))
	v.Update(wire.Message{})
	return v
}

// Window is the fyne window.
func (v *View) Window() fyne.Window { return v.win }

func (v *View) build() fyne.CanvasObject {
	v.verdictDot = canvas.NewCircle(colourOf(draw.Unknown))
	v.verdict = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.verdict.SizeName = theme.SizeNameHeadingText
	v.headline = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.summary = widget.NewLabel("")
	v.summary.SizeName = theme.SizeNameCaptionText
	v.summary.Selectable = true
	v.checked = widget.NewLabel("")
	v.checked.Alignment = fyne.TextAlignTrailing
	v.stale = widget.NewLabel("")
	v.stale.Importance = widget.WarningImportance
	v.stale.TextStyle = fyne.TextStyle{Bold: true}
	v.stale.Alignment = fyne.TextAlignTrailing
	dot := container.NewCenter(container.NewGridWrap(fyne.NewSize(18, 18), v.verdictDot))
	v.alertsOff = widget.NewLabel("")
	v.alertsOff.Importance = widget.WarningImportance
	v.alertsOff.TextStyle = fyne.TextStyle{Bold: true}
	openSettings := widget.NewButtonWithIcon("Open Settings…", theme.SettingsIcon(), func() { v.press(action.AlertSettings) })
	v.buttons[action.AlertSettings] = openSettings
	v.alertsLine = container.NewHBox(widget.NewIcon(theme.NewWarningThemedResource(theme.WarningIcon())), v.alertsOff, openSettings)
	v.alertsLine.Hide()
	v.header = container.NewBorder(nil, nil, nil,
		container.NewVBox(v.checked, v.stale),
		container.NewVBox(container.NewHBox(dot, v.verdict, container.NewCenter(v.headline)), v.summary, v.alertsLine))

	table := container.New(rows{}, tableHeader())
	for _, name := range status.ComponentOrder {
		rv := newRowView(func() { v.sink.Send(wire.Request{Request: action.Mute, Value: string(name)}) })
		v.rows[name] = rv
		table.Add(rv.box)
	}
	lines := container.New(rows{})
	for _, name := range status.ComponentOrder {
		tl := newTimeline()
		v.lines[name] = tl
		lines.Add(container.New(&columns{widths: []float32{colName}}, caption(string(name)), tl.box))
	}
	v.axis = container.New(&fractions{})
	lines.Add(container.New(&columns{widths: []float32{colName}}, caption(""), v.axis))
	v.spend = newSpendView(v.setBudget, func() bool { return v.win.Canvas().Focused() == v.spend.budget })
	v.spendBox = container.NewVBox(widget.NewSeparator(), sectionTitle("Today"), container.NewThemeOverride(v.spend.box, compact{}))
	v.body = container.NewVBox(
		container.NewThemeOverride(table, compact{}),
		v.spendBox,
		widget.NewSeparator(), sectionTitle("Last hour"),
		container.NewThemeOverride(lines, compact{}))

	v.missing = widget.NewLabel("")
	v.missing.Wrapping = fyne.TextWrapWord
	v.missing.Alignment = fyne.TextAlignCenter
	install := widget.NewHyperlink("Install Halton Meter…", nil)
	install.SetURLFromString(status.InstallDocsURL)
	title := widget.NewLabelWithStyle("Halton Meter is not installed", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	v.absent = container.NewVBox(layoutSpacer(80), title, v.missing,
		widget.NewLabelWithStyle("Halton Meter Bar watches a local Halton Meter install. Once one is there, this window fills in by itself.", fyne.TextAlignCenter, fyne.TextStyle{}),
		container.NewCenter(install))

	v.content = container.NewVBox(v.body, v.absent)
	v.scroll = container.NewVScroll(container.NewPadded(v.content))

	v.bar = container.NewHBox()
	bar := v.bar
	for _, b := range model.Buttons(nil, nil) {
		btn := widget.NewButtonWithIcon(b.Title, buttonIcons[b.ID], func() { v.press(b.ID) })
		if b.ID == action.Refresh {
			btn.Importance = widget.HighImportance
		}
		v.buttons[b.ID] = btn
		bar.Add(btn)
	}
	v.notice = widget.NewLabel("")
	v.notice.Importance = widget.SuccessImportance
	v.footer = container.NewBorder(nil, nil, bar, v.notice)
	footer := v.footer
	v.frame = container.NewBorder(
		container.NewVBox(container.NewPadded(v.header), widget.NewSeparator()),
		container.NewVBox(widget.NewSeparator(), container.NewPadded(footer)),
		nil, nil, v.scroll)
	return v.frame
}

// buttonIcons are the icons of the window's buttons, one for each action
// of the table with a button (a test holds them to it).
var buttonIcons = map[action.ID]fyne.Resource{
	action.Refresh: theme.ViewRefreshIcon(), action.StartDaemon: theme.MediaPlayIcon(), action.StartEdge: theme.MediaPlayIcon(),
	action.RunDoctor: theme.ComputerIcon(), action.CopyDiagnostics: theme.ContentCopyIcon(),
	action.OpenLogs: theme.FolderOpenIcon(),
}

// press forwards a button; Copy Diagnostics is done here.
func (v *View) press(id action.ID) {
	if id == action.CopyDiagnostics {
		fyne.CurrentApp().Clipboard().SetContent(model.Diagnostics(v.msg, v.now(), v.osDesc))
		v.Say("Diagnostics copied to the clipboard", false)
		return
	}
	v.Say("", false)
	v.sink.Send(wire.Request{Request: id})
}

// Say shows a line beside the buttons: what a button did, or why it failed.
func (v *View) Say(text string, failed bool) {
	v.notice.Importance = widget.SuccessImportance
	if failed {
		v.notice.Importance = widget.DangerImportance
	}
	v.notice.SetText(model.Screen(text))
}

// setBudget forwards the budget entry: the tray checks the value, keeps
// it and sends it back in the next message.
func (v *View) setBudget(value string) {
	v.notice.SetText("")
	v.sink.Send(wire.Request{Request: action.SetBudget, Value: value})
}

// Update shows a new snapshot.
func (v *View) Update(msg wire.Message) {
	v.msg = msg
	if v.redraw() {
		v.changes++
	}
}

// timelineStep is how long the timelines may wait to slide on between
// snapshots: a pixel of an hour-wide line is several seconds. They slide
// sooner when another change repaints the window anyway.
const timelineStep = time.Minute

// Tick moves the clock on between snapshots: a late sweep, the stale
// warning, the last request's age, and now and then the timelines. It
// touches only labels whose text changed: each change repaints the whole
// window, so the window at rest changes once or twice a minute.
func (v *View) Tick() {
	now := v.now()
	repaint := v.setClock(model.BuildClock(v.msg, now), false)
	if v.msg.Report != nil && v.model.Spend.Shown {
		if st := model.SpendState(v.msg.Report, now); st != v.model.Spend.State {
			v.model.Spend.State = st
			v.spend.set(v.model.Spend)
			repaint = true
		}
	}
	if v.slide(model.Timelines(v.msg, now, Lookback), now, repaint) || repaint {
		v.changes++
	}
}

// slide lays the timelines again when their shape changed, when the window
// is repainted anyway (repaint), or when they have waited a timelineStep;
// it tells whether any moved. Left alone, their ends drift by a fraction of
// a pixel each second, and each redraw would repaint the whole window.
func (v *View) slide(tls []model.Timeline, now time.Time, repaint bool) bool {
	due := repaint || now.Sub(v.linesAt) >= timelineStep
	for _, tl := range tls {
		if line, ok := v.lines[tl.Component]; ok && line.reshaped(tl.Segments) {
			due = true
		}
	}
	if !due {
		return false
	}
	v.linesAt = now
	moved := false
	for _, tl := range tls {
		if line, ok := v.lines[tl.Component]; ok {
			moved = line.set(tl.Segments) || moved
		}
	}
	return moved
}

// Focus highlights a row and brings the window to the front.
func (v *View) Focus(component status.ComponentName) {
	v.focused = component
	v.redraw()
	if rv, ok := v.rows[component]; ok {
		v.scroll.Offset = fyne.NewPos(0, max(0, rv.box.Position().Y-60))
		v.scroll.Refresh()
	}
	v.win.RequestFocus()
	if onFocus != nil {
		onFocus(component)
	}
}

// redraw shows the model of the current snapshot, touching only what
// changed: fyne re-rasterizes every text below a refreshed container, so
// containers are refreshed only when something was shown, hidden or
// resized in them. It tells whether anything changed.
func (v *View) redraw() bool {
	now := v.now()
	m := model.Build(v.msg, now, Lookback)
	old, first := v.model, !v.drawn
	v.model, v.drawn = m, true

	header := first
	if first || m.Icon != old.Icon {
		v.verdictDot.FillColor = colourOf(m.Icon)
		v.verdictDot.Refresh()
	}
	header = setLabel(v.verdict, m.Verdict, importance[m.Icon]) || header
	header = setLabel(v.headline, m.Headline, v.headline.Importance) || header
	header = show(v.headline, m.Headline != "") || header
	header = setLabel(v.summary, m.Summary, v.summary.Importance) || header
	// One warning line: alerts off (with the way to turn them on), or a
	// weaker poster standing in.
	header = setLabel(v.alertsOff, cmp.Or(m.AlertsOff, m.StandIn), v.alertsOff.Importance) || header
	header = show(v.buttons[action.AlertSettings], m.AlertsOff != "") || header
	if show(v.alertsLine, m.AlertsOff != "" || m.StandIn != "") && !first {
		v.frame.Refresh() // a line more or less: the header's height changed
	}
	changed := v.setClock(model.Clock{Checked: m.Checked, Stale: m.Stale, StaleText: m.StaleText}, header) || header
	if header {
		v.header.Refresh()
	}

	content := show(v.body, m.Missing == "")
	changed = setLabel(v.missing, m.Missing, v.missing.Importance) || changed
	content = show(v.absent, m.Missing != "") || content
	content = show(v.spendBox, m.Spend.Shown) || content
	for _, row := range m.Rows {
		changed = v.rows[row.Component].set(row, row.Component == v.focused) || changed
	}
	changed = v.setAxis(m.Axis) || changed
	if m.Spend.Shown {
		changed = v.spend.set(m.Spend) || changed
	}
	changed = v.slide(m.Timelines, now, first || changed || content) || changed
	if first || content {
		v.content.Refresh()
		v.scroll.Refresh() // the content's height changed: size the scroll bar again
	}

	bar := first
	for _, b := range m.Buttons {
		btn := v.buttons[b.ID]
		if btn.Text != b.Title {
			btn.SetText(b.Title)
			bar = true
		}
		if b.Enabled && btn.Disabled() {
			btn.Enable()
			changed = true
		} else if !b.Enabled && !btn.Disabled() {
			btn.Disable()
			changed = true
		}
		bar = show(btn, b.Visible) || bar
	}
	if bar { // a button's width changed, or one was shown or hidden
		v.bar.Refresh()
		v.footer.Refresh()
	}
	return changed || content || bar
}

// setClock shows what moves with the clock, and tells whether that
// changed anything; laidOut tells whether the header is about to be laid
// out anyway.
func (v *View) setClock(c model.Clock, laidOut bool) bool {
	resized := len(c.Checked) != len(v.checked.Text)
	changed := setLabel(v.checked, c.Checked, v.checked.Importance)
	changed = setLabel(v.stale, c.StaleText, v.stale.Importance) || changed
	resized = show(v.stale, c.Stale) || resized
	v.model.Checked, v.model.Stale, v.model.StaleText = c.Checked, c.Stale, c.StaleText
	if changed && resized && !laidOut {
		v.header.Refresh()
	}
	return changed || resized
}

func (v *View) setAxis(labels []model.AxisLabel) bool {
	if len(v.axis.Objects) == len(labels) {
		return false
	}
	l := v.axis.Layout.(*fractions)
	l.spans = nil
	v.axis.Objects = nil
	for i, a := range labels {
		t := canvas.NewText(a.Text, theme.Color(theme.ColorNamePlaceHolder))
		t.TextSize = theme.CaptionTextSize()
		switch i {
		case 0:
			t.Alignment = fyne.TextAlignLeading
		case len(labels) - 1:
			t.Alignment = fyne.TextAlignTrailing
		default:
			t.Alignment = fyne.TextAlignCenter
		}
		v.axis.Objects = append(v.axis.Objects, t)
		l.spans = append(l.spans, span{from: a.At, to: a.At, label: true})
	}
	v.axis.Refresh()
	return true
}

// Button returns the button of an action, for the tests' taps.
func (v *View) Button(id action.ID) *widget.Button { return v.buttons[id] }

// show shows or hides o, and tells whether that changed anything.
func show(o fyne.CanvasObject, visible bool) bool {
	if o.Visible() == visible {
		return false
	}
	if visible {
		o.Show()
	} else {
		o.Hide()
	}
	return true
}

// setLabel sets a label's text and importance, refreshing it only when
// either changed, and tells whether it did.
func setLabel(l *widget.Label, text string, imp widget.Importance) bool {
	if l.Text == text && l.Importance == imp {
		return false
	}
	l.Text, l.Importance = text, imp
	l.Refresh()
	return true
}

// importance colours the verdict with the theme's own status colours, so
// it suits light and dark appearance.
var importance = map[draw.State]widget.Importance{
	draw.Healthy: widget.SuccessImportance, draw.Degraded: widget.WarningImportance,
	draw.Down: widget.DangerImportance, draw.Unknown: widget.MediumImportance,
}

// colourOf is a level's colour; the same in light and dark appearance,
// since text never sits on it alone.
func colourOf(s draw.State) color.Color { return draw.Colours[s] }

// tint is a level's colour, faint, for a badge's background.
func tint(s draw.State) color.Color {
	c := draw.Colours[s]
	c.A = 0x38
	return c
}
