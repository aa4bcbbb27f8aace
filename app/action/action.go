// Package action names what a user can ask of the app, from the menu, the
// details window or the line between them, and decides from a report how
// an action that depends on the install reads and whether it applies now.
// The menu (app/monitor) and the window (app/details/model) both ask it,
// so they never disagree. It has no GUI and no I/O.
package action

import "github.com/haltonlabs/halton-meter-bar/status"

// ID names an action.
type ID string

// The actions. Requests a window may send are listed in app/details/wire.
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

	// Pause Notifications: a submenu of three.
	PauseMenu     ID = "pause"
	PauseHour     ID = "pause-hour"
	PauseTomorrow ID = "pause-tomorrow"
	Resume        ID = "resume"
)

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

// Busy is how an action's title reads while it runs.
func Busy(id ID) string {
	switch id {
	case StartDaemon:
		return "Starting Daemon…"
	case StartEdge:
		return "Starting Edge…"
	case StartAtLogin:
		return "Changing Start at Login…"
	}
	return ""
}
