// Package model is the details window's view model: everything the window
// shows, derived from one wire.Message at one instant (Build), and the
// plain-text report of Copy Diagnostics (Diagnostics). It has no fyne, so
// every rule of what the window says is tested without a display;
// app/details only draws a Model and forwards its buttons.
package model

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/app/present"
	"github.com/haltonlabs/halton-meter-bar/assets/draw"
	"github.com/haltonlabs/halton-meter-bar/internal/text"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// Model is everything the details window shows.
type Model struct {
	Verdict   string // "Degraded"
	Icon      draw.State
	Headline  string // empty when the verdict says it all
	Summary   string // "Halton Meter 0.6.3 · apps mode · ports 8081 / 8090 / 8765"
	Checked   string
	Stale     bool
	StaleText string
	Installed bool
	Missing   string // what to say when not installed
	Rows      []Row
	Timelines []Timeline
	Axis      []AxisLabel
	Buttons   []Button
	Spend     Spend
	// AlertsOff says, when the system does not show the app's alerts, what
	// that means; "" when it does (or cannot say).
	AlertsOff string
	// StandIn says, when a weaker poster stands in for the native center
	// that could not start, what that means; "" otherwise.
	StandIn string
}

// Clock is what moves with the clock alone, between snapshots: the window
// redraws only these each second.
type Clock struct {
	Checked   string
	Stale     bool
	StaleText string
}

// Spend is the window's "Today" section: is the traffic metered, what it
// cost today, on which models, the last seven days, and the budget.
type Spend struct {
	Shown bool         // a report of an install
	State string       // "Live · last request 40 s ago", "Not metering: the daemon is not running"
	Level status.Level // the metering row's: colours State
	Known bool         // today's figures are there
	// Note is "as of 10:42" when the figures are not this sweep's, or why
	// they are missing ("Today's figures unknown: /v1/stats answered 500").
	Note     string
	Requests string // "312"; "—" when not known
	Input    string // "1,204,310"; "—" when not known
	Output   string // "98,211"; "—" when not known
	Cost     string // "$4.21"; "—" when not known
	Models   []ModelLine
	// ModelsNote stands for Models when there are none: "none yet", or
	// "not known" for figures the daemon gave without them.
	ModelsNote string
	Days       []Bar
	// Budget is the daily budget as the entry shows it ("5.00", "" for
	// none); BudgetText says how much of it today used; BudgetAt is where
	// the budget falls on the bars' scale (0: none).
	Budget     string
	BudgetText string
	BudgetAt   float64
	Over       bool
}

// ModelLine is one of today's costliest models.
type ModelLine struct {
	Name     string // "claude-sonnet-4 (anthropic)"
	Requests string
	Cost     string
}

// Bar is one day of the week's chart.
type Bar struct {
	Label    string  // "Mon"
	Height   float64 // of the chart's height, 0 to 1
	Cost     string
	Requests int
	Today    bool
}

// Row is one component's line of the table.
type Row struct {
	Component status.ComponentName
	State     string
	Level     status.Level
	Dot       draw.State
	Detail    string
	NextStep  string
	Since     string // "since 10:42"
	// CanMute: the tray posts alerts, so this row's can be muted; Muted:
	// they are, and Note says so.
	CanMute bool
	Muted   bool
	Note    string
}

// Segment is a stretch of a timeline, as fractions of its width; a zero
// Level means no data.
type Segment struct {
	From, To float64
	Level    status.Level
	Dot      draw.State
	Label    string
}

// Timeline is one row's last hour.
type Timeline struct {
	Component status.ComponentName
	Segments  []Segment
}

// AxisLabel is a tick of the timeline's time axis.
type AxisLabel struct {
	At   float64
	Text string
}

// Button is one of the window's actions; Copy Diagnostics is the window's
// own, the others go to the tray.
type Button struct {
	ID      action.ID
	Title   string
	Enabled bool
	Visible bool
}

// maxModelName clips a model's or a provider's name from the daemon: the
// column is a few words wide.
const maxModelName = 40

// defaultPoll is assumed when a message does not say how often the tray polls.
const defaultPoll = 15 * time.Second

// Build derives the window's contents from msg at now; window is the
// timeline's span (an hour).
func Build(msg wire.Message, now time.Time, window time.Duration) Model {
	r := msg.Report
	m := Model{Verdict: "Checking…", Icon: draw.Unknown, Headline: "Waiting for the first sweep", Checked: present.Checked(r, now)}
	m.Axis = axis(window)
	m.Buttons = Buttons(r, msg.Busy)
	installed := action.Installed(r)
	if r == nil {
		return m
	}
	safe := status.Printable(*r) // the tray sends printable text; a window never trusts it
	r = &safe
	m.Verdict, m.Icon, m.Headline = present.Verdict(r.Overall), present.Icon(r.Overall), Screen(r.Headline)
	if r.Overall == status.OverallHealthy || r.Overall == status.OverallNotInstalled {
		m.Headline = "" // the verdict says it already
	}
	m.Installed = installed
	clock := BuildClock(msg, now)
	m.Checked, m.Stale, m.StaleText = clock.Checked, clock.Stale, clock.StaleText
	m.Spend = spend(r, msg.Budget, msg.LastSpend, now)
	if !m.Installed {
		m.Missing = Screen(fmt.Sprintf("No Halton Meter install was found at %s.", r.HaltonHome))
	}
	m.Summary = Screen(summary(r))
	if p := msg.Poster; p != nil && msg.Alerts {
		m.Summary += " · alerts: " + Screen(present.PosterName(p.Alert()))
		m.StandIn = Screen(present.StandIn(p.Alert()))
	}

	for _, c := range r.Components {
		row := Row{Component: c.Name, State: Screen(string(c.State)), Level: c.Level, Dot: present.Dot(c.Level), Detail: Screen(c.Detail), NextStep: Screen(c.NextStep)}
		if pts := msg.History[c.Name]; len(pts) > 0 {
			row.Since = "since " + pts[len(pts)-1].At.Local().Format("15:04")
		}
		row.CanMute, row.Muted = msg.Alerts, slices.Contains(msg.Muted, c.Name)
		if row.Muted {
			row.Note = "alerts muted"
		}
		m.Rows = append(m.Rows, row)
	}
	m.Timelines = Timelines(msg, now, window)
	if msg.AlertsOff {
		m.AlertsOff = "Alerts are off in System Settings: nothing will tell you when a row fails."
	}
	return m
}

// BarOrder are the actions of the window's button bar, in the bar's
// order: those of the action table with a button.
func BarOrder() []action.Spec {
	var specs []action.Spec
	for _, spec := range action.Table {
		if spec.Bar > 0 {
			specs = append(specs, spec)
		}
	}
	slices.SortFunc(specs, func(a, b action.Spec) int { return a.Bar - b.Bar })
	return specs
}

// Buttons are the window's buttons for report r (nil before the first
// sweep), with the actions in busy running.
func Buttons(r *status.Report, busy []action.ID) []Button {
	var out []Button
	for _, spec := range BarOrder() {
		b := Button{ID: spec.ID, Title: spec.Button, Enabled: true, Visible: true}
		switch spec.ID {
		case action.StartEdge:
			b.Title, b.Visible = action.StartEdgeTitle(r)
			b.Enabled = b.Visible
		case action.StartDaemon:
			b.Title, b.Enabled = action.StartDaemonTitle(r)
		case action.RunDoctor, action.OpenLogs:
			b.Enabled = action.Installed(r)
		case action.CopyDiagnostics:
			b.Enabled = r != nil
		}
		if spec.Busy != "" && slices.Contains(busy, spec.ID) {
			b.Title, b.Enabled = spec.Busy, false
		}
		out = append(out, b)
	}
	return out
}

// BuildClock is the part of the window that moves with the clock alone.
// The report reads "Checked just now" until the next sweep is overdue by
// half an interval, so that at rest the line stays still (each change
// repaints the whole window); a late sweep makes it count.
func BuildClock(msg wire.Message, now time.Time) Clock {
	c := Clock{Checked: present.Checked(msg.Report, now)}
	if msg.Report == nil {
		return c
	}
	poll := msg.PollInterval()
	if poll <= 0 {
		poll = defaultPoll
	}
	age := now.Sub(msg.Report.CheckedAt)
	if age >= 0 && age < poll*3/2 {
		c.Checked = "Checked " + present.Ago(0)
	}
	if age > 2*poll {
		c.Stale = true
		c.StaleText = fmt.Sprintf("Stale: no sweep for %s (sweeps come every %s)", text.Duration(age), text.Duration(poll))
	}
	return c
}

// Timelines lays every row's history over the last window (an hour).
func Timelines(msg wire.Message, now time.Time, window time.Duration) []Timeline {
	if msg.Report == nil {
		return nil
	}
	var out []Timeline
	for _, c := range msg.Report.Components {
		out = append(out, Timeline{Component: c.Name, Segments: segments(msg.History[c.Name], now.Add(-window), now)})
	}
	return out
}

// SpendState is the "Today" section's first line: whether traffic is
// metered, and how long ago the last request was. It moves with the clock.
func SpendState(r *status.Report, now time.Time) string {
	m := r.Metering
	switch m.State {
	case status.MeteringLive, status.MeteringIdle:
		st := "Idle: nothing metered lately"
		if m.State == status.MeteringLive {
			st = "Live: LLM traffic is being metered"
		}
		if m.LastRequestAt != nil {
			st += " · last request " + agoMinutes(now.Sub(*m.LastRequestAt))
		}
		return st
	case status.MeteringNot:
		return "Not metering: the daemon is not running, so traffic passes unmetered"
	}
	st := "Metering cannot be told"
	if c, ok := r.Row(status.CompMetering); ok && c.Detail != "" {
		st += ": " + Screen(text.Safe(c.Detail))
	}
	return st
}

// agoMinutes is present.Ago in steps of a minute: the window shows it
// beside figures that change once a minute at most.
func agoMinutes(d time.Duration) string {
	if d < time.Minute {
		return present.Ago(0)
	}
	return present.Ago(d)
}

// spend builds the "Today" section from the report's metering.
func spend(r *status.Report, budget status.USD, last *wire.Spend, now time.Time) Spend {
	s := Spend{Shown: r.Overall != status.OverallNotInstalled}
	if budget > 0 {
		s.Budget = strings.TrimPrefix(budget.String(), "$")
	}
	s.State = SpendState(r, now)
	if c, ok := r.Row(status.CompMetering); ok {
		s.Level = c.Level
	}
	m := r.Metering
	t, at := m.Today, m.StatsAt
	if t == nil && last.Current(now) { // the daemon gives none now: the last it gave
		t, at = &last.Today, &last.At
	}
	if t == nil {
		s.Requests, s.Input, s.Output, s.Cost = "—", "—", "—", "—"
		if m.TodayProblem != "" {
			s.Note = "Today's figures unknown: " + Screen(text.Safe(m.TodayProblem))
		}
		return s
	}
	s.Known = true
	s.Requests, s.Input, s.Output, s.Cost = text.Count(t.Requests), text.Count(t.InputTokens), text.Count(t.OutputTokens), t.CostUSD.String()
	if at != nil {
		s.Note = "as of " + at.Local().Format("15:04")
	}
	s.ModelsNote = "none yet"
	if t.Requests > 0 {
		s.ModelsNote = "not known"
	}
	for _, mc := range m.TopModels {
		name := text.Safe(text.Clip(mc.Model, maxModelName))
		if mc.Provider != "" {
			name += " (" + text.Safe(text.Clip(mc.Provider, maxModelName)) + ")"
		}
		s.Models = append(s.Models, ModelLine{Name: name, Requests: text.Count(mc.Requests), Cost: mc.CostUSD.String()})
	}
	top := budget
	for _, d := range m.Week {
		top = max(top, d.CostUSD)
	}
	today := now.Format(time.DateOnly)
	for _, d := range m.Week {
		label := d.Date
		if day, err := time.Parse(time.DateOnly, d.Date); err == nil {
			label = day.Format("Mon")
		}
		b := Bar{Label: label, Cost: d.CostUSD.String(), Requests: d.Requests, Today: d.Date == today}
		if top > 0 {
			b.Height = float64(d.CostUSD) / float64(top)
		}
		s.Days = append(s.Days, b)
	}
	if budget > 0 {
		s.BudgetAt = float64(budget) / float64(max(top, 1))
		s.Over = t.CostUSD >= budget
		if pct, ok := status.Percent(t.CostUSD, budget); ok {
			s.BudgetText = text.CountUint(pct) + " % of the " + budget.String() + " daily budget"
		}
	}
	return s
}

func summary(r *status.Report) string {
	var parts []string
	if r.Version != "" && r.Version != "unknown" {
		parts = append(parts, "Halton Meter "+r.Version)
	}
	if r.Overall != status.OverallNotInstalled {
		parts = append(parts, r.InstallMode+" mode")
		parts = append(parts, fmt.Sprintf("ports %d / %d / %d", r.Ports.Edge, r.Ports.Internal, r.Ports.API))
	}
	if r.BarVersion != "" {
		parts = append(parts, "halton-meter-bar "+r.BarVersion)
	}
	return strings.Join(parts, " · ")
}

// segments lays a row's points over [start, now]: each point holds until
// the next; the stretch before the first point has no data.
func segments(pts []wire.Point, start, now time.Time) []Segment {
	span := now.Sub(start).Seconds()
	if span <= 0 {
		return nil
	}
	frac := func(t time.Time) float64 {
		f := t.Sub(start).Seconds() / span
		return min(max(f, 0), 1)
	}
	var out []Segment
	if len(pts) == 0 {
		return []Segment{{From: 0, To: 1, Label: "no data"}}
	}
	if first := frac(pts[0].At); first > 0 {
		out = append(out, Segment{From: 0, To: first, Label: "no data"})
	}
	for i, p := range pts {
		end := now
		if i+1 < len(pts) {
			end = pts[i+1].At
		}
		from, to := frac(p.At), frac(end)
		if to <= from {
			continue
		}
		label := fmt.Sprintf("%s from %s", Screen(text.Safe(string(p.State))), p.At.Local().Format("15:04:05"))
		out = append(out, Segment{From: from, To: to, Level: p.Level, Dot: present.Dot(p.Level), Label: label})
	}
	return out
}

// axis ticks the window every quarter: "–60 min" … "now".
func axis(window time.Duration) []AxisLabel {
	var out []AxisLabel
	for i := 0; i <= 4; i++ {
		at := float64(i) / 4
		left := window - time.Duration(float64(window)*at)
		text := "now"
		if left > 0 {
			text = fmt.Sprintf("–%d min", int(left.Minutes()))
		}
		out = append(out, AxisLabel{At: at, Text: text})
	}
	return out
}
