package details

import (
	"reflect"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/haltonlabs/halton-meter-bar/app/details/model"
	"github.com/haltonlabs/halton-meter-bar/app/present"
	"github.com/haltonlabs/halton-meter-bar/assets/draw"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// spendView is the "Today" section: whether traffic is metered, today's
// figures and costliest models, the last seven days as bars, and the
// daily budget. It is drawn only when a snapshot changes it.
type spendView struct {
	box     *fyne.Container
	state   *widget.Label
	note    *widget.Label
	figures map[string]*widget.Label // requests, input, output, cost
	models  *fyne.Container
	chart   *barChart
	grid    *fyne.Container // today's figures and models
	week    *fyne.Container
	budget  *widget.Entry
	setBtn  *widget.Button
	used    *widget.Label
	shown   model.Spend
	drawn   bool
	// typing tells whether the budget entry has the keyboard focus: a
	// snapshot never overwrites what the user is typing.
	typing func() bool
}

// figureNames are today's figures, in the order shown.
var figureNames = []struct{ key, title string }{
	{"cost", "Cost"}, {"requests", "Requests"}, {"input", "Input tokens"}, {"output", "Output tokens"},
}

func newSpendView(onBudget func(value string), typing func() bool) *spendView {
	sv := &spendView{figures: make(map[string]*widget.Label), typing: typing}
	sv.state = widget.NewLabel("")
	sv.state.Wrapping = fyne.TextWrapWord
	sv.note = widget.NewLabel("")
	sv.note.SizeName = theme.SizeNameCaptionText
	figures := container.New(rows{})
	for _, f := range figureNames {
		value := widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{Bold: f.key == "cost"})
		sv.figures[f.key] = value
		figures.Add(container.New(&columns{widths: []float32{130, 120}}, caption(f.title), value))
	}
	sv.models = container.New(rows{})
	sv.grid = container.New(&columns{widths: []float32{270, 0}}, figures,
		container.NewVBox(captionBold("Costliest models today"), sv.models))

	sv.chart = newBarChart()
	sv.budget = widget.NewEntry()
	sv.budget.SetPlaceHolder("none")
	sv.setBtn = widget.NewButton("Set Budget", func() { onBudget(sv.budget.Text) })
	sv.budget.OnSubmitted = func(s string) { onBudget(s) }
	sv.used = widget.NewLabel("")
	budgetRow := container.NewHBox(widget.NewLabel("Daily budget $"), container.NewGridWrap(fyne.NewSize(110, 36), sv.budget), sv.setBtn, sv.used)

	left := container.NewVBox(sv.state, sv.note, sv.grid, budgetRow)
	sv.week = container.NewVBox(captionBold("Last 7 days"), sv.chart.box)
	sv.box = container.New(&columns{widths: []float32{0, 330}}, left, sv.week)
	return sv
}

// captionBold is a small bold title.
func captionBold(s string) fyne.CanvasObject {
	l := widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameCaptionText
	return l
}

// set shows s, touching only what changed, and tells whether anything
// did: the window at rest redraws nothing, and the state line ("last
// request 3 min ago") alone moves with the clock.
func (sv *spendView) set(s model.Spend) bool {
	moved := sv.state.Text != s.State
	if moved {
		sv.state.Importance = widget.MediumImportance
		if s.Level != status.LevelOK {
			sv.state.Importance = importance[present.Dot(s.Level)]
		}
		sv.state.SetText(s.State)
	}
	if sv.drawn && spendEqual(sv.shown, s) {
		sv.shown = s
		return moved
	}
	old, first := sv.shown, !sv.drawn
	sv.shown, sv.drawn = s, true
	show(sv.grid, s.Known) // nothing known: the state line says why
	show(sv.week, s.Known && len(s.Days) > 0)
	sv.note.SetText(s.Note)
	show(sv.note, s.Note != "")
	values := map[string]string{"cost": s.Cost, "requests": s.Requests, "input": s.Input, "output": s.Output}
	for key, l := range sv.figures {
		l.SetText(values[key])
	}
	sv.figures["cost"].Importance = widget.MediumImportance
	if s.Over {
		sv.figures["cost"].Importance = widget.WarningImportance
	}
	sv.figures["cost"].Refresh()
	sv.models.Objects = nil
	for _, m := range s.Models {
		sv.models.Add(container.New(&columns{widths: []float32{0, 70, 80}}, caption(m.Name),
			captionRight(m.Requests), captionRight(m.Cost)))
	}
	if len(s.Models) == 0 {
		sv.models.Add(caption(s.ModelsNote))
	}
	sv.models.Refresh()
	if first || old.Budget != s.Budget && !sv.typing() {
		sv.budget.SetText(s.Budget) // never under the user's typing
	}
	sv.used.SetText(s.BudgetText)
	sv.chart.set(s.Days, s.BudgetAt)
	sv.box.Refresh()
	return true
}

// spendEqual tells whether a and b draw the same, but for the state line.
func spendEqual(a, b model.Spend) bool {
	a.State, b.State = "", ""
	return reflect.DeepEqual(a, b)
}

// captionRight is a small label aligned right, for figures.
func captionRight(s string) fyne.CanvasObject {
	t := canvas.NewText(s, theme.Color(theme.ColorNameForeground))
	t.TextSize = theme.CaptionTextSize()
	t.Alignment = fyne.TextAlignTrailing
	return container.NewPadded(t)
}

// barChart draws the week's cost as bars, drawn with fyne's canvas, the
// budget as a line across them.
type barChart struct {
	box    *fyne.Container
	layout *barsLayout
}

const chartHeight = 110

func newBarChart() *barChart {
	bc := &barChart{layout: &barsLayout{}}
	bc.box = container.New(bc.layout)
	return bc
}

// set draws days and the budget line: the bars first, the line over them,
// the days and costs over the line so that it never hides a figure.
func (bc *barChart) set(days []model.Bar, budgetAt float64) {
	bc.layout.days, bc.layout.budgetAt = days, budgetAt
	n := len(days)
	objs := make([]fyne.CanvasObject, 3*n+1)
	for i, d := range days {
		fill := tint(draw.Healthy)
		if d.Today {
			fill = colourOf(draw.Healthy)
		}
		bar := canvas.NewRectangle(fill)
		bar.CornerRadius = 2
		label := canvas.NewText(d.Label, theme.Color(theme.ColorNamePlaceHolder))
		label.TextSize = theme.CaptionTextSize()
		label.Alignment = fyne.TextAlignCenter
		cost := canvas.NewText(d.Cost, theme.Color(theme.ColorNameForeground))
		cost.TextSize = theme.CaptionTextSize() * 0.85
		cost.Alignment = fyne.TextAlignCenter
		objs[i], objs[n+1+i], objs[2*n+1+i] = bar, label, cost
	}
	line := canvas.NewLine(colourOf(draw.Degraded))
	line.StrokeWidth = 1.5
	line.Hidden = budgetAt <= 0
	objs[n] = line
	bc.box.Objects = objs
	bc.box.Refresh()
}

// barsLayout places a bar, its day and its cost per day, and the budget
// line: objects are the n bars, the line, the n days, the n costs.
type barsLayout struct {
	days     []model.Bar
	budgetAt float64
}

func (l *barsLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	n := len(l.days)
	if n == 0 || len(objs) < 3*n+1 {
		return
	}
	const labelH, costH = 16, 14
	plot := size.Height - labelH - costH
	slot := size.Width / float32(n)
	barW := slot * 0.6
	for i, d := range l.days {
		bar, label, cost := objs[i], objs[n+1+i], objs[2*n+1+i]
		h := max(float32(d.Height)*plot, 1)
		x := float32(i)*slot + (slot-barW)/2
		bar.Move(fyne.NewPos(x, costH+plot-h))
		bar.Resize(fyne.NewSize(barW, h))
		cost.Move(fyne.NewPos(float32(i)*slot, costH+plot-h-costH))
		cost.Resize(fyne.NewSize(slot, costH))
		label.Move(fyne.NewPos(float32(i)*slot, costH+plot+2))
		label.Resize(fyne.NewSize(slot, labelH))
	}
	line := objs[n].(*canvas.Line)
	y := costH + plot - float32(l.budgetAt)*plot
	line.Position1, line.Position2 = fyne.NewPos(0, y), fyne.NewPos(size.Width, y)
}

func (l *barsLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(280, chartHeight) }
