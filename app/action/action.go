// Package action is everything the app knows of what a user can ask of it:
// one table (Table) of every action, with its titles, its place in the
// menu and in the details window, who may ask for it and what it fixes;
// the titles that depend on the install (Start or Restart); and the Runner
// that carries out those that act on the install or the desktop. The menu
// (app/monitor), the window's model and view (app/details) and the line
// between them (app/details/wire) all read the table, so adding an action
// is one entry here, and a test checks that each of them covers it.
// It has no GUI.
package action

import (
	"strings"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// ID names an action.
type ID string

// The actions.
const (
	OpenDetails     ID = "open-details"
	OpenDashboard   ID = "open-dashboard"
	StartDaemon     ID = "start-daemon"
	StartEdge       ID = "start-edge"
	RunDoctor       ID = "run-doctor"
	CopyJSON        ID = "copy-json"
	OpenLogs        ID = "open-logs"
	Refresh         ID = "refresh"
	Notifications   ID = "notifications"
	StartAtLogin    ID = "start-at-login"
	Install         ID = "install"
	Quit            ID = "quit"
	CopyDiagnostics ID = "copy-diagnostics" // the window's own
	SetBudget       ID = "set-budget"       // from the window, with an amount
	AlertSettings   ID = "alert-settings"   // the system's notification settings, when alerts are off
	AlertPoster     ID = "alert-poster"     // who posts the alerts ("Alerts: macOS notifications"); opens the settings when off

	// Pause Notifications: a submenu of three.
	PauseMenu     ID = "pause"
	PauseHour     ID = "pause-hour"
	PauseTomorrow ID = "pause-tomorrow"
	Resume        ID = "resume"

	// Mute Alerts For: a submenu of one item per row; a request names the
	// row in its value.
	MuteMenu ID = "mute"
	Mute     ID = "mute-row"
)

// Spec is one action's facts.
type Spec struct {
	ID ID
	// Menu is its item's title in the menu ("" for none); StartDaemonTitle
	// and StartEdgeTitle make the titles that depend on the install.
	Menu string
	// Tooltip is the menu item's tooltip, when it never changes.
	Tooltip string
	// Group: it opens a group of the menu (a separator before it).
	Group bool
	// Parent is the submenu the item is in ("" at the top).
	Parent ID
	// Checkable: a check item.
	Checkable bool
	// Button is its button's title in the details window ("" for none),
	// and Bar its place in the window's button bar, from 1.
	Button string
	Bar    int
	// Window: the details window may ask the tray for it.
	Window bool
	// Busy is how its title reads while it runs ("" when it is over at
	// once).
	Busy string
	// Failure is the title of the notification that says it failed.
	Failure string
	// Fixes is the component it is the fix for: the transition it causes
	// is the user's own, not an alarm.
	Fixes status.ComponentName
	// Repeats: asked for again while it runs, it folds into the run (a
	// refresh, quitting) rather than being refused.
	Repeats bool
	// Top: its item is in the menu's first section, under the headline.
	Top bool
	// PerRow: one item for each row of the table, the row its value.
	PerRow bool
	// Alert: a button on alerts: on those of the row it Fixes, or on every
	// alert of an outage when it fixes none.
	Alert bool
}

const failedSetting = "Couldn't save the setting"

// Table is every action, in the menu's order: Start Edge, the fix for a
// red icon, leads while it is shown; a submenu's items follow their parent.
var Table = []Spec{
	{ID: AlertSettings, Menu: "Alerts are off in System Settings — Open…", Top: true, Window: true, Failure: "Couldn't open System Settings"},
	{ID: StartEdge, Menu: "Start Edge", Group: true, Tooltip: "launchctl kickstart -k gui/<uid>/" + status.LabelEdge,
		Button: "Start Edge", Bar: 2, Window: true, Busy: "Starting Edge…", Failure: "Couldn't start the edge", Fixes: status.CompEdge, Alert: true},
	{ID: OpenDetails, Menu: "Open Details…", Failure: "Couldn't open the details window", Alert: true},
	{ID: OpenDashboard, Menu: "Open Dashboard", Window: true, Failure: "Couldn't open the dashboard"},
	{ID: StartDaemon, Menu: "Start Daemon", Tooltip: "launchctl kickstart -k gui/<uid>/" + status.LabelDaemon,
		Button: "Start Daemon", Bar: 3, Window: true, Busy: "Starting Daemon…", Failure: "Couldn't start the daemon", Fixes: status.CompDaemon, Alert: true},
	{ID: RunDoctor, Menu: "Run Doctor in Terminal", Button: "Run Doctor", Bar: 4, Window: true, Failure: "Couldn't run halton-meter doctor"},
	{ID: Install, Menu: "Install Halton Meter…", Tooltip: status.InstallDocsURL, Failure: "Couldn't open the install guide"},
	{ID: CopyJSON, Menu: "Copy Status JSON", Group: true, Failure: "Couldn't copy the status"},
	{ID: OpenLogs, Menu: "Open Logs Folder", Button: "Open Logs", Bar: 6, Window: true, Failure: "Couldn't open the logs folder"},
	{ID: Refresh, Menu: "Refresh Now", Button: "Refresh", Bar: 1, Window: true, Repeats: true},
	{ID: AlertPoster, Menu: "Alerts", Group: true, Failure: "Couldn't open System Settings"},
	{ID: Notifications, Menu: "Notifications", Checkable: true, Failure: failedSetting},
	{ID: PauseMenu, Menu: "Pause Notifications"},
	{ID: PauseHour, Menu: "For 1 Hour", Parent: PauseMenu, Failure: failedSetting},
	{ID: PauseTomorrow, Menu: "Until Tomorrow, 08:00", Parent: PauseMenu, Failure: failedSetting},
	{ID: Resume, Menu: "Resume Notifications", Parent: PauseMenu, Failure: failedSetting},
	{ID: MuteMenu, Menu: "Mute Alerts For"},
	{ID: Mute, Parent: MuteMenu, PerRow: true, Checkable: true, Window: true, Failure: failedSetting},
	{ID: StartAtLogin, Menu: "Start at Login", Checkable: true, Busy: "Changing Start at Login…", Failure: "Couldn't change Start at Login"},
	{ID: Quit, Menu: "Quit Halton Meter Bar", Group: true, Repeats: true},
	{ID: CopyDiagnostics, Button: "Copy Diagnostics", Bar: 5},
	{ID: SetBudget, Window: true, Failure: "Couldn't set the budget"},
}

// Lookup is the table's entry for id; ok is false for an id it lacks.
func Lookup(id ID) (Spec, bool) {
	for _, s := range Table {
		if s.ID == id {
			return s, true
		}
	}
	return Spec{}, false
}

// Of is the table's entry for id, the zero Spec for one it lacks.
func Of(id ID) Spec {
	s, _ := Lookup(id)
	return s
}

// InMenu reports whether the action has items in the menu.
func (s Spec) InMenu() bool { return s.Menu != "" || s.PerRow }

// Name names an action in a sentence: its menu title, or its button's.
func (s Spec) Name() string {
	if s.Menu != "" {
		return s.Menu
	}
	if s.Button != "" {
		return s.Button
	}
	return string(s.ID)
}

// AlertTitle is the title of id's button on an alert, given report r,
// and whether it applies now: Start or Restart as the menu says it, shown
// only when the menu would offer it.
func AlertTitle(id ID, r *status.Report) (title string, ok bool) {
	switch id {
	case StartDaemon:
		return StartDaemonTitle(r)
	case StartEdge:
		return StartEdgeTitle(r)
	}
	s := Of(id)
	return strings.TrimSuffix(s.Name(), "…"), s.Alert
}

// Requests are the actions a details window may ask the tray for.
func Requests() map[ID]bool {
	out := make(map[ID]bool)
	for _, s := range Table {
		if s.Window {
			out[s.ID] = true
		}
	}
	return out
}

// Installed reports whether r found an install: before the first sweep,
// or with none, the install's actions do not apply.
func Installed(r *status.Report) bool {
	return r != nil && r.Overall != status.OverallNotInstalled
}

// StartDaemonTitle is "Restart Daemon" while the daemon runs (healthy, or
// up without its port) and "Start Daemon" otherwise; enabled says whether
// it applies: an install whose daemon state is known.
func StartDaemonTitle(r *status.Report) (title string, enabled bool) {
	title = "Start Daemon"
	if r == nil {
		return title, false
	}
	daemon, _ := r.Row(status.CompDaemon)
	if daemon.State == status.StateHealthy || daemon.State == status.StateUnbound {
		title = "Restart Daemon"
	}
	return title, Installed(r) && daemon.State != "" && daemon.State != status.StateUnknown
}

// StartEdgeTitle is "Restart Edge" while the edge process runs without its
// port, and "Start Edge" otherwise; shown says whether the action is
// offered at all: only while the edge row is not healthy, and known.
func StartEdgeTitle(r *status.Report) (title string, shown bool) {
	title = "Start Edge"
	if !Installed(r) {
		return title, false
	}
	edge, _ := r.Row(status.CompEdge)
	if edge.State == status.StateUnbound {
		title = "Restart Edge"
	}
	return title, edge.State != "" && !edge.Healthy() && edge.State != status.StateUnknown
}
