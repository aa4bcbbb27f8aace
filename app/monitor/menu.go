package monitor

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/alert"
	"github.com/haltonlabs/halton-meter-bar/app/desktop"
	"github.com/haltonlabs/halton-meter-bar/app/present"
	"github.com/haltonlabs/halton-meter-bar/assets/draw"
	"github.com/haltonlabs/halton-meter-bar/internal/text"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// Item is one action of the menu: the table's entry (app/action) as it
// reads now.
type Item struct {
	ID        action.ID
	Row       status.ComponentName // the row of an item per row
	Parent    action.ID            // a submenu's item: its parent; "" at the top
	Group     bool                 // a separator before it
	Title     string
	Tooltip   string
	Enabled   bool
	Visible   bool
	Checkable bool
	Checked   bool
}

// Row is a component's line in the menu.
type Row struct {
	Component status.ComponentName
	Title     string
	Tooltip   string
	Level     status.Level
	Dot       draw.State
	Visible   bool
	Muted     bool // its alerts are muted
}

// Menu is everything the tray draws.
type Menu struct {
	Icon     draw.State
	Tooltip  string
	Headline string
	Checked  string
	// Spend is the metering line under the headline: today's cost and
	// requests and the last request's age, or that nothing is metered.
	Spend string
	Rows  []Row
	// Items are the menu's actions, in the table's order.
	Items []Item
}

// Item returns the item with id (the first, of an item per row).
func (m Menu) Item(id action.ID) Item {
	for _, it := range m.Items {
		if it.ID == id {
			return it
		}
	}
	return Item{}
}

// ItemFor returns the item with id for row.
func (m Menu) ItemFor(id action.ID, row status.ComponentName) Item {
	for _, it := range m.Items {
		if it.ID == id && it.Row == row {
			return it
		}
	}
	return Item{}
}

// MenuInput is what the menu is built from.
type MenuInput struct {
	Report        *status.Report // nil before the first sweep
	Now           time.Time
	Notifications bool
	Login         desktop.LoginState
	// Muted are the rows whose alerts are muted; AlertsOff says the system
	// does not show the app's alerts; Poster is who posts them (nil where
	// nothing does).
	Muted     []status.ComponentName
	AlertsOff bool
	Poster    *alert.Poster
	// DetailsMissing is set when the details window's binary is not there.
	DetailsMissing bool
	// PausedUntil is when a pause of the notifications ends; zero if none.
	PausedUntil time.Time
	// Busy are the actions running now.
	Busy map[action.ID]bool
	// LastSpend is the last of today's figures the daemon gave, for when it
	// gives none now.
	LastSpend *Spend
}

// rowDetailMax keeps menu lines short; the tooltip has the whole detail.
const rowDetailMax = 48

// BuildMenu builds the menu model: the icon, the headline, how long ago it
// was checked, a row per component, and every action of the table that has
// a menu item, with whether each makes sense now.
func BuildMenu(in MenuInput) Menu {
	r := in.Report
	m := Menu{Icon: draw.Unknown, Headline: "Checking Halton Meter…", Checked: present.Checked(r, in.Now), Tooltip: Accessible(r)}
	if r != nil {
		m.Icon, m.Headline = present.Icon(r.Overall), r.Headline
		m.Spend = spendLine(r, in.LastSpend, in.Now)
		m.Rows = menuRows(r, in.Muted)
	}
	for _, spec := range action.Table {
		switch {
		case spec.PerRow:
			for _, row := range status.ComponentOrder {
				m.Items = append(m.Items, Item{ID: spec.ID, Row: row, Parent: spec.Parent, Title: string(row),
					Enabled: true, Visible: true, Checkable: spec.Checkable, Checked: slices.Contains(in.Muted, row)})
			}
		case spec.Menu != "":
			m.Items = append(m.Items, menuItem(spec, in))
		}
	}
	return m
}

// menuRows are the components' lines, shown once an install is found.
func menuRows(r *status.Report, muted []status.ComponentName) []Row {
	installed := action.Installed(r)
	rows := make([]Row, 0, len(r.Components))
	for _, c := range r.Components {
		row := Row{Component: c.Name, Title: rowTitle(c), Tooltip: rowTooltip(c), Level: c.Level, Dot: present.Dot(c.Level), Visible: installed}
		if slices.Contains(muted, c.Name) {
			row.Muted = true
			row.Title += " · alerts muted"
			row.Tooltip += "\nIts alerts are muted (Mute Alerts For)."
		}
		rows = append(rows, row)
	}
	return rows
}

// menuItem is an action's item as it reads now: its title and whether it
// is shown and enabled depend on the install, the settings and whether it
// runs.
func menuItem(spec action.Spec, in MenuInput) Item {
	r := in.Report
	it := Item{ID: spec.ID, Parent: spec.Parent, Group: spec.Group, Title: spec.Menu, Tooltip: spec.Tooltip,
		Enabled: true, Visible: true, Checkable: spec.Checkable}
	installed := action.Installed(r)
	switch spec.ID {
	case action.AlertSettings:
		it.Visible = in.AlertsOff
	case action.AlertPoster:
		it.Visible, it.Enabled = in.Poster != nil && in.Poster.Kind != "", in.AlertsOff
		if it.Visible {
			it.Title, it.Tooltip = present.AlertsLine(*in.Poster, in.AlertsOff), present.StandIn(*in.Poster)
			if problem := present.StandInProblem(*in.Poster); problem != "" {
				it.Tooltip += "\n" + problem
			}
		}
	case action.MuteMenu:
		it.Visible = installed
		if n := len(in.Muted); n > 0 {
			it.Title += fmt.Sprintf(" (%d muted)", n)
		}
	case action.StartEdge:
		it.Title, it.Visible = action.StartEdgeTitle(r)
	case action.OpenDetails:
		if in.DetailsMissing {
			it.Title += " (not installed)"
		}
	case action.OpenDashboard:
		it.Visible = installed
		if r != nil {
			fastapi, _ := r.Row(status.CompFastAPI)
			it.Enabled = fastapi.State == status.StateBound
			it.Tooltip = "http://" + r.Listeners.FastAPI.Address + "/"
		}
	case action.StartDaemon:
		it.Visible = installed
		it.Title, it.Enabled = action.StartDaemonTitle(r)
	case action.RunDoctor, action.OpenLogs:
		it.Visible = installed
	case action.Install:
		it.Visible = r != nil && !installed
	case action.CopyJSON:
		it.Enabled = r != nil
	case action.Notifications:
		it.Checked = in.Notifications
	case action.PauseMenu:
		it.Enabled = in.Notifications
		if !in.PausedUntil.IsZero() {
			it.Title = "Notifications paused " + until(in.PausedUntil, in.Now)
		}
	case action.Resume:
		it.Visible = !in.PausedUntil.IsZero()
	case action.StartAtLogin:
		it.Checked = in.Login == desktop.LoginOn
		if in.Login == desktop.LoginNeedsApproval {
			it.Title = "Start at Login — allow in System Settings…"
		}
	}
	if spec.Busy != "" && in.Busy[spec.ID] {
		it.Title, it.Enabled = spec.Busy, false
	}
	return it
}

// spendLine is "Today $4.21 · 312 requests · last 40 s ago", "Idle ·
// last request 3 h ago", or "Not metering — daemon stopped"; when the
// daemon gives no figures now, the last ones with their time ("$4.21 as of
// 10:42"). Empty when there is nothing to say.
func spendLine(r *status.Report, last *Spend, now time.Time) string {
	m := r.Metering
	var parts []string
	switch m.State {
	case status.MeteringLive, status.MeteringIdle:
		live := m.State == status.MeteringLive
		if !live {
			parts = append(parts, "Idle")
		}
		switch {
		case m.Today != nil && (live || m.Today.Requests > 0):
			parts = append(parts, "Today "+m.Today.CostUSD.String(), plural(m.Today.Requests, "request"))
		case m.Today == nil && m.TodayProblem != "":
			parts = append(parts, "Today's figures unknown") // the metering row's tooltip says why
		}
		switch {
		case m.LastRequestAt != nil && live:
			parts = append(parts, "last "+present.Ago(now.Sub(*m.LastRequestAt)))
		case m.LastRequestAt != nil:
			parts = append(parts, "last request "+present.Ago(now.Sub(*m.LastRequestAt)))
		case !live:
			parts = append(parts, "no request metered yet")
		}
	case status.MeteringNot:
		daemon, _ := r.Row(status.CompDaemon)
		parts = append(parts, "Not metering — daemon "+string(daemon.State))
	}
	// Figures not shown as today's are shown as of when they were read.
	if last.Current(now) && (m.Today == nil || m.State == status.MeteringNot) && len(parts) > 0 {
		parts = append(parts, last.Today.CostUSD.String()+" as of "+last.At.Local().Format("15:04"))
	}
	return strings.Join(parts, " · ")
}

// until says when a pause ends: "until 14:05", or "until Thu 08:00" on
// another day.
func until(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return "until " + t.Format("15:04")
	}
	return "until " + t.Format("Mon 15:04")
}

// Accessible is the icon's tooltip and, on macOS, its accessibility
// label: the verdict in words, not only by colour and shape.
func Accessible(r *status.Report) string {
	if r == nil {
		return "Halton Meter: checking"
	}
	verdict := strings.ToLower(present.Verdict(r.Overall))
	if r.Overall == status.OverallHealthy || r.Overall == status.OverallNotInstalled || r.Headline == "" {
		return "Halton Meter: " + verdict
	}
	return "Halton Meter: " + verdict + " — " + lowerFirst(r.Headline)
}

// lowerFirst lowers a sentence's first letter, for use after a dash.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// rowTitle is "daemon — stopped · killed by signal 9 (SIGKILL)": the
// launchd label is left to the tooltip, a healthy row shows only its
// detail's first part ("PID 80214"), and a row another explains says so
// ("fastapi listener — unbound (caused by daemon)").
func rowTitle(c status.Component) string {
	if c.CausedBy != "" {
		return string(c.Name) + " — " + string(c.State) + " (caused by " + string(c.CausedBy) + ")"
	}
	var parts []string
	for _, p := range strings.Split(c.Detail, " · ") {
		if !strings.HasPrefix(p, "com.haltonlabs.") {
			parts = append(parts, p)
		}
	}
	if c.Healthy() && len(parts) > 1 {
		parts = parts[:1]
	}
	detail := strings.Join(parts, " · ")
	title := string(c.Name) + " — " + string(c.State)
	if detail = text.Clip(detail, rowDetailMax); detail != "" {
		title += " · " + detail
	}
	return title
}

func rowTooltip(c status.Component) string {
	t := c.Detail
	if c.NextStep != "" {
		t += "\nNext: " + c.NextStep
	}
	return t
}
