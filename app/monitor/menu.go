package monitor

import (
	"fmt"
	"strings"
	"time"

	"github.com/haltonlabs/halton-meter-bar/assets/draw"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// ActionID names a menu action.
type ActionID string

// The menu's actions, in menu order.
const (
	ActOpenDetails   ActionID = "open-details"
	ActOpenDashboard ActionID = "open-dashboard"
	ActStartDaemon   ActionID = "start-daemon"
	ActRunDoctor     ActionID = "run-doctor"
	ActCopyJSON      ActionID = "copy-json"
	ActOpenLogs      ActionID = "open-logs"
	ActRefresh       ActionID = "refresh"
	ActNotifications ActionID = "notifications"
	ActStartAtLogin  ActionID = "start-at-login"
	ActInstall       ActionID = "install"
	ActQuit          ActionID = "quit"
)

// ActionOrder is the order of the action items; the tray puts a separator
// before each group's first item.
var ActionOrder = []ActionID{
	ActOpenDetails, ActOpenDashboard, ActStartDaemon, ActRunDoctor, ActInstall,
	ActCopyJSON, ActOpenLogs, ActRefresh,
	ActNotifications, ActStartAtLogin,
	ActQuit,
}

// GroupStarts are the actions that open a group in the menu.
var GroupStarts = map[ActionID]bool{ActOpenDetails: true, ActCopyJSON: true, ActNotifications: true, ActQuit: true}

// Item is one action of the menu.
type Item struct {
	ID        ActionID
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
	Rows     []Row
	Items    []Item
}

// Item returns the item with id.
func (m Menu) Item(id ActionID) Item {
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
}

// IconFor is the icon of an overall verdict.
func IconFor(overall string) draw.State {
	switch overall {
	case status.OverallHealthy:
		return draw.Healthy
	case status.OverallDegraded:
		return draw.Degraded
	case status.OverallDown:
		return draw.Down
	}
	return draw.Unknown
}

// DotFor is the dot of a row's level.
func DotFor(l status.Level) draw.State {
	switch l {
	case status.LevelOK:
		return draw.Healthy
	case status.LevelWarn:
		return draw.Degraded
	case status.LevelCrit:
		return draw.Down
	}
	return draw.Unknown
}

// CheckedText says how long ago the report was made.
func CheckedText(r *status.Report, now time.Time) string {
	if r == nil {
		return "Checking…"
	}
	age := now.Sub(r.CheckedAt)
	switch {
	case age < 2*time.Second:
		return "Checked just now"
	case age < time.Minute:
		return fmt.Sprintf("Checked %d s ago", int(age.Seconds()))
	case age < time.Hour:
		return fmt.Sprintf("Checked %d min ago", int(age.Minutes()))
	}
	return "Checked at " + r.CheckedAt.Local().Format("15:04")
}

// rowDetailMax keeps menu lines short; the tooltip has the whole detail.
const rowDetailMax = 48

// BuildMenu builds the menu model: the icon, the headline, how long ago it
// was checked, a row per component, and the actions with whether each
// makes sense now.
func BuildMenu(in MenuInput) Menu {
	r := in.Report
	m := Menu{Icon: draw.Unknown, Headline: "Checking Halton Meter…", Checked: CheckedText(r, in.Now)}
	installed := false
	var daemon status.Component
	if r != nil {
		m.Icon = IconFor(r.Overall)
		m.Headline = r.Headline
		installed = r.Overall != status.OverallNotInstalled
		daemon, _ = r.Row(status.CompDaemon)
		for _, c := range r.Components {
			m.Rows = append(m.Rows, Row{
				Component: c.Component,
				Title:     rowTitle(c),
				Tooltip:   rowTooltip(c),
				Level:     c.Level,
				Dot:       DotFor(c.Level),
				Visible:   installed,
			})
		}
	}
	m.Tooltip = "Halton Meter — " + m.Headline

	fastapi := status.Component{}
	if r != nil {
		fastapi, _ = r.Row(status.CompFastAPI)
	}
	running := daemon.State == status.StateHealthy || daemon.State == status.StateUnbound
	startTitle := "Start Daemon"
	if running {
		startTitle = "Restart Daemon"
	}
	detailsTitle := "Open Details…"
	if in.DetailsMissing {
		detailsTitle = "Open Details… (not installed)"
	}
	for _, id := range ActionOrder {
		it := Item{ID: id, Enabled: true, Visible: true}
		switch id {
		case ActOpenDetails:
			it.Title = detailsTitle
		case ActOpenDashboard:
			it.Title = "Open Dashboard"
			it.Visible = installed
			it.Enabled = fastapi.State == status.StateBound
			if r != nil {
				it.Tooltip = "http://" + r.Listeners.FastAPI.Address + "/"
			}
		case ActStartDaemon:
			it.Title = startTitle
			it.Visible = installed
			it.Enabled = daemon.State != "" && daemon.State != status.StateUnknown
			it.Tooltip = "launchctl kickstart -k gui/<uid>/" + status.LabelDaemon
		case ActRunDoctor:
			it.Title = "Run Doctor in Terminal"
			it.Visible = installed
		case ActInstall:
			it.Title = "Install Halton Meter…"
			it.Visible = r != nil && !installed
			it.Tooltip = status.InstallDocsURL
		case ActCopyJSON:
			it.Title = "Copy Status JSON"
			it.Enabled = r != nil
		case ActOpenLogs:
			it.Title = "Open Logs Folder"
			it.Visible = installed
		case ActRefresh:
			it.Title = "Refresh Now"
		case ActNotifications:
			it.Title, it.Checkable, it.Checked = "Notifications", true, in.Notifications
		case ActStartAtLogin:
			it.Title, it.Checkable, it.Checked = "Start at Login", true, in.StartAtLogin
		case ActQuit:
			it.Title = "Quit Halton Meter Bar"
		}
		m.Items = append(m.Items, it)
	}
	return m
}

// rowTitle is "daemon — stopped · killed by signal 9 (SIGKILL)": the
// launchd label is left to the tooltip, a healthy row shows only its
// detail's first part ("PID 80214"), and a row another explains says so
// ("fastapi listener — unbound (caused by daemon)").
func rowTitle(c status.Component) string {
	if c.CausedBy != "" {
		return c.Component + " — " + c.State + " (caused by " + c.CausedBy + ")"
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
	title := c.Component + " — " + c.State
	if detail = clip(detail, rowDetailMax); detail != "" {
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

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
