package monitor

import (
	"strings"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/app/present"
	"github.com/haltonlabs/halton-meter-bar/assets/draw"
	"github.com/haltonlabs/halton-meter-bar/internal/text"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// ActionOrder is the order of the action items; the tray puts a separator
// before each group's first item. Start Edge, the fix for a red icon,
// leads while it is shown; the items of a submenu follow their parent.
var ActionOrder = []action.ID{
	action.StartEdge, action.OpenDetails, action.OpenDashboard, action.StartDaemon, action.RunDoctor, action.Install,
	action.CopyJSON, action.OpenLogs, action.Refresh,
	action.Notifications, action.PauseMenu, action.PauseHour, action.PauseTomorrow, action.Resume, action.StartAtLogin,
	action.Quit,
}

// GroupStarts are the actions that open a group in the menu.
var GroupStarts = map[action.ID]bool{action.StartEdge: true, action.CopyJSON: true, action.Notifications: true, action.Quit: true}

// Parents are the submenus: an item's parent.
var Parents = map[action.ID]action.ID{action.PauseHour: action.PauseMenu, action.PauseTomorrow: action.PauseMenu, action.Resume: action.PauseMenu}

// Item is one action of the menu.
type Item struct {
	ID        action.ID
	Parent    action.ID // a submenu's item: its parent; "" at the top
	Title     string
	Tooltip   string
	Enabled   bool
	Visible   bool
	Checkable bool
	Checked   bool
}

// Row is a component's line in the menu.
type Row struct {
	Component string
	Title     string
	Tooltip   string
	Level     status.Level
	Dot       draw.State
	Visible   bool
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
	Items []Item
}

// Item returns the item with id.
func (m Menu) Item(id action.ID) Item {
	for _, it := range m.Items {
		if it.ID == id {
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
	StartAtLogin  bool
	// DetailsMissing is set when the details window's binary is not there.
	DetailsMissing bool
	// PausedUntil is when a pause of the notifications ends; zero if none.
	PausedUntil time.Time
	// Busy are the actions running now.
	Busy map[action.ID]bool
	// LastSpend is the last of today's figures the daemon gave, for when it
	// gives none now.
	LastSpend *wire.Spend
}

// rowDetailMax keeps menu lines short; the tooltip has the whole detail.
const rowDetailMax = 48

// BuildMenu builds the menu model: the icon, the headline, how long ago it
// was checked, a row per component, and the actions with whether each
// makes sense now.
func BuildMenu(in MenuInput) Menu {
	r := in.Report
	m := Menu{Icon: draw.Unknown, Headline: "Checking Halton Meter…", Checked: present.Checked(r, in.Now)}
	installed := action.Installed(r)
	if r != nil {
		m.Icon = present.Icon(r.Overall)
		m.Headline = r.Headline
		m.Spend = spendLine(r, in.LastSpend, in.Now)
		for _, c := range r.Components {
			m.Rows = append(m.Rows, Row{
				Component: c.Name,
				Title:     rowTitle(c),
				Tooltip:   rowTooltip(c),
				Level:     c.Level,
				Dot:       present.Dot(c.Level),
				Visible:   installed,
			})
		}
	}
	m.Tooltip = Accessible(r)

	fastapi := status.Component{}
	if r != nil {
		fastapi, _ = r.Row(status.CompFastAPI)
	}
	startTitle, startEnabled := action.StartDaemonTitle(r)
	edgeTitle, edgeShown := action.StartEdgeTitle(r)
	paused := !in.PausedUntil.IsZero()
	detailsTitle := "Open Details…"
	if in.DetailsMissing {
		detailsTitle = "Open Details… (not installed)"
	}
	for _, id := range ActionOrder {
		it := Item{ID: id, Enabled: true, Visible: true}
		switch id {
		case action.StartEdge:
			it.Title = edgeTitle
			it.Visible = edgeShown
			it.Tooltip = "launchctl kickstart -k gui/<uid>/" + status.LabelEdge
		case action.OpenDetails:
			it.Title = detailsTitle
		case action.OpenDashboard:
			it.Title = "Open Dashboard"
			it.Visible = installed
			it.Enabled = fastapi.State == status.StateBound
			if r != nil {
				it.Tooltip = "http://" + r.Listeners.FastAPI.Address + "/"
			}
		case action.StartDaemon:
			it.Title = startTitle
			it.Visible = installed
			it.Enabled = startEnabled
			it.Tooltip = "launchctl kickstart -k gui/<uid>/" + status.LabelDaemon
		case action.RunDoctor:
			it.Title = "Run Doctor in Terminal"
			it.Visible = installed
		case action.Install:
			it.Title = "Install Halton Meter…"
			it.Visible = r != nil && !installed
			it.Tooltip = status.InstallDocsURL
		case action.CopyJSON:
			it.Title = "Copy Status JSON"
			it.Enabled = r != nil
		case action.OpenLogs:
			it.Title = "Open Logs Folder"
			it.Visible = installed
		case action.Refresh:
			it.Title = "Refresh Now"
		case action.Notifications:
			it.Title, it.Checkable, it.Checked = "Notifications", true, in.Notifications
		case action.PauseMenu:
			it.Title, it.Enabled = "Pause Notifications", in.Notifications
			if paused {
				it.Title = "Notifications paused " + until(in.PausedUntil, in.Now)
			}
		case action.PauseHour:
			it.Title = "For 1 Hour"
		case action.PauseTomorrow:
			it.Title = "Until Tomorrow, 08:00"
		case action.Resume:
			it.Title, it.Visible = "Resume Notifications", paused
		case action.StartAtLogin:
			it.Title, it.Checkable, it.Checked = "Start at Login", true, in.StartAtLogin
		case action.Quit:
			it.Title = "Quit Halton Meter Bar"
		}
		if busy := action.Busy(id); busy != "" && in.Busy[id] {
			it.Title, it.Enabled = busy, false
		}
		it.Parent = Parents[id]
		m.Items = append(m.Items, it)
	}
	return m
}

// spendLine is "Today $4.21 · 312 requests · last 40 s ago", "Idle ·
// last request 3 h ago", or "Not metering — daemon stopped"; when the
// daemon gives no figures now, the last ones with their time ("$4.21 as of
// 10:42"). Empty when there is nothing to say.
func spendLine(r *status.Report, last *wire.Spend, now time.Time) string {
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
		parts = append(parts, "Not metering — daemon "+daemon.State)
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
		return c.Name + " — " + c.State + " (caused by " + c.CausedBy + ")"
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
	title := c.Name + " — " + c.State
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
