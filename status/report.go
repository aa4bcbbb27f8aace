package status

import (
	"slices"
	"strings"
	"time"
)

// ComponentName names a row: the row names of the vendor's `halton-meter
// status` table, part of the JSON contract ("component").
type ComponentName string

// Component names, in table order.
const (
	CompInstallMode ComponentName = "install-mode"
	CompDaemon      ComponentName = "daemon"
	CompWatchdog    ComponentName = "watchdog"
	CompEdge        ComponentName = "edge"
	CompUserenv     ComponentName = "userenv"
	CompMitmproxy   ComponentName = "mitmproxy listener"
	CompFastAPI     ComponentName = "fastapi listener"
	CompMetering    ComponentName = "metering"
	CompSystemProxy ComponentName = "system-proxy"
	CompSentinels   ComponentName = "sentinels"
)

// ComponentOrder is the table order of the rows: the vendor's nine, and
// metering after the daemon's API, which answers for it.
var ComponentOrder = []ComponentName{
	CompInstallMode, CompDaemon, CompWatchdog, CompEdge, CompUserenv,
	CompMitmproxy, CompFastAPI, CompMetering, CompSystemProxy, CompSentinels,
}

// State is a row's state word (and a job's, a listener's, the system
// proxy's, the sentinels', the metering's), as the vendor's table writes it.
type State string

// State words. The first group is the vendor's; the second the positive
// words of single rows; the mode names are states of the install-mode row.
const (
	StateHealthy      State = "healthy"
	StateStopped      State = "stopped"
	StateUnbound      State = "unbound"
	StateInconsistent State = "inconsistent"
	StateUnknown      State = "unknown"

	StateApplied    State = "applied"
	StateBound      State = "bound"
	StateOff        State = "off"
	StateOn         State = "on"
	StateConsistent State = "consistent"

	// StateNotInstalled is the install-mode row's state when no install is
	// found; every other row is then unknown.
	StateNotInstalled State = "not-installed"
)

// Install modes, as written in ~/.halton-meter/install-mode.
const (
	ModeEnvOnly = "env-only"
	ModeApps    = "apps"
	ModeFull    = "full"
)

// Level is how bad a row is. The overall level is the worst row's.
type Level string

// Levels, from best to worst for the overall verdict (unknown weighs like
// warn, see Evaluate).
const (
	LevelOK      Level = "ok"
	LevelWarn    Level = "warn"
	LevelCrit    Level = "crit"
	LevelUnknown Level = "unknown"
)

// Overall is a report's verdict.
type Overall string

// Overall verdicts.
const (
	OverallHealthy      Overall = "healthy"
	OverallDegraded     Overall = "degraded"
	OverallDown         Overall = "down"
	OverallUnknown      Overall = "unknown"
	OverallNotInstalled Overall = "not-installed"
)

// Verdicts are every overall verdict, best first.
var Verdicts = []Overall{OverallHealthy, OverallDegraded, OverallDown, OverallUnknown, OverallNotInstalled}

// Levels are every level, in the order of Verdicts' colours.
var Levels = []Level{LevelOK, LevelWarn, LevelCrit, LevelUnknown}

// RowStates are every state a row can be in: the vendor's words, the
// positive words of single rows, the install modes and the metering states.
var RowStates = []State{
	StateHealthy, StateStopped, StateUnbound, StateInconsistent, StateUnknown,
	StateApplied, StateBound, StateOff, StateOn, StateConsistent, StateNotInstalled,
	ModeEnvOnly, ModeApps, ModeFull,
	MeteringLive, MeteringIdle, MeteringNot,
}

// Launchd labels of the four Halton Meter jobs.
const (
	LabelDaemon   = "com.haltonlabs.meter"
	LabelWatchdog = "com.haltonlabs.meter.watchdog"
	LabelEdge     = "com.haltonlabs.meter.edge"
	LabelUserenv  = "com.haltonlabs.meter.userenv"
)

// Labels lists the four jobs in table order.
var Labels = []string{LabelDaemon, LabelWatchdog, LabelEdge, LabelUserenv}

// Default ports, used when neither effective-ports.json nor config.toml names them.
const (
	DefaultEdgePort     = 8081
	DefaultInternalPort = 8090
	DefaultAPIPort      = 8765
)

// Component is one row of the report.
type Component struct {
	Name     ComponentName `json:"component"`
	State    State         `json:"state"`
	Level    Level         `json:"level"`
	Detail   string        `json:"detail"`
	NextStep string        `json:"next_step"`
	// CausedBy names the row whose failure explains this one (the daemon
	// for its two listeners), so that a notifier can group them.
	CausedBy ComponentName `json:"caused_by,omitempty"`
}

// Healthy reports whether the row is in its expected state.
func (c Component) Healthy() bool { return c.Level == LevelOK }

// Job is the launchd part of the JSON: the seed's {state, pid, label}.
type Job struct {
	State State  `json:"state"`
	PID   *int   `json:"pid"`
	Label string `json:"label"`
	// LastExit is launchd's last exit status in the table's convention:
	// a negative number is the signal that killed the job.
	LastExit *int `json:"last_exit_status"`
	Loaded   bool `json:"loaded"`
}

// EdgeJob adds the edge's port to Job.
type EdgeJob struct {
	Job
	Port int `json:"port"`
}

// Ports are the three loopback ports and where they came from.
type Ports struct {
	Edge     int    `json:"edge"`
	Internal int    `json:"internal"`
	API      int    `json:"api"`
	Source   string `json:"source"`
	Problem  string `json:"problem,omitempty"`
	// Guess is set when a file that names the ports could not be used and
	// the ports in use are only the fallback: a closed port proves nothing.
	Guess bool `json:"guess,omitempty"`
}

// ProxySetting is one proxy (web or secure web) of a network service.
type ProxySetting struct {
	Enabled bool   `json:"enabled"`
	Server  string `json:"server"`
	Port    int    `json:"port"`
}

// Proxy owners of a network service's secure web proxy.
const (
	OwnerNone    = "none"
	OwnerHalton  = "halton"
	OwnerForeign = "foreign"
)

// ProxyService is one network service's proxy configuration.
type ProxyService struct {
	Name    string        `json:"name"`
	Enabled bool          `json:"enabled"`
	Secure  ProxySetting  `json:"secure_web_proxy"`
	Web     *ProxySetting `json:"web_proxy,omitempty"`
	Owner   string        `json:"owner"`
}

// Proxy sources.
const (
	SourcePreferences  = "preferences.plist"
	SourceNetworksetup = "networksetup"
)

// SystemProxy is the system-proxy part of the JSON.
type SystemProxy struct {
	State      State          `json:"state"`
	Source     string         `json:"source"`
	SourceNote string         `json:"source_note,omitempty"`
	Services   []ProxyService `json:"services"`
}

// Sentinels is the sentinels part of the JSON.
type Sentinels struct {
	ProxyManaged bool  `json:"proxy_managed"`
	AppsManaged  bool  `json:"apps_managed"`
	State        State `json:"state"`
}

// Listener is one loopback listener.
type Listener struct {
	State   State  `json:"state"`
	Address string `json:"address"`
}

// APIListener adds what /health answered.
type APIListener struct {
	Listener
	HealthStatus *int `json:"health_status"`
}

// Listeners is the listeners part of the JSON.
type Listeners struct {
	Mitmproxy Listener    `json:"mitmproxy"`
	FastAPI   APIListener `json:"fastapi"`
}

// Sweep describes the sweep itself.
type Sweep struct {
	DurationMS float64 `json:"duration_ms"`
	DeadlineMS float64 `json:"deadline_ms"`
	Spawned    int     `json:"processes_spawned"`
	// LaunchdCached is set on a light sweep, which reused launchd's last answer.
	LaunchdCached bool `json:"launchd_cached,omitempty"`
	// Shortage is set when a probe failed for this process's own
	// resources ("Cannot check: this app is out of file descriptors"): the
	// verdict is unknown, whatever the rows say.
	Shortage string `json:"shortage,omitempty"`
}

// LaunchdInfo says how launchd was asked: with `launchctl list`
// (Source "list": the caller's own session) or `launchctl print` per
// label ("print": from SSH, as root, for another user), in which domain,
// and which of the jobs the user switched off.
type LaunchdInfo struct {
	Source   string   `json:"source"`
	Domain   string   `json:"domain"`
	Disabled []string `json:"disabled,omitempty"`
}

// User is whose install a report is of, when not the caller's own.
type User struct {
	Name string `json:"name"`
	UID  int    `json:"uid"`
}

// Schema names the shape of the JSON: docs/status.schema.json describes
// it. Within v1 fields are only ever added; a removal or a rename is v2.
const Schema = "halton-meter-bar/status/v1"

// Report is the result of one sweep. Its JSON keeps every key and type of
// the vendor's `halton-meter status --json` and only adds fields.
type Report struct {
	Schema      string      `json:"schema"`
	Version     string      `json:"version"`
	InstallMode string      `json:"install_mode"`
	Daemon      Job         `json:"daemon"`
	Watchdog    Job         `json:"watchdog"`
	Edge        EdgeJob     `json:"edge"`
	Userenv     Job         `json:"userenv"`
	Ports       Ports       `json:"ports"`
	SystemProxy SystemProxy `json:"system_proxy"`
	Sentinels   Sentinels   `json:"sentinels"`
	Listeners   Listeners   `json:"listeners"`

	Overall       Overall     `json:"overall"`
	Level         Level       `json:"level"`
	Headline      string      `json:"headline"`
	CheckedAt     time.Time   `json:"checked_at"`
	VersionSource string      `json:"version_source"`
	BarVersion    string      `json:"bar_version"`
	HaltonHome    string      `json:"halton_meter_home"`
	Components    []Component `json:"components"`
	Warnings      []string    `json:"warnings"`
	Sweep         Sweep       `json:"sweep"`
	Launchd       LaunchdInfo `json:"launchd"`
	User          *User       `json:"user,omitempty"`
	Metering      Metering    `json:"metering"`
}

// Row returns the component with the given name, or false.
func (r *Report) Row(name ComponentName) (Component, bool) {
	for _, c := range r.Components {
		if c.Name == name {
			return c, true
		}
	}
	return Component{}, false
}

// Fingerprint is what a reader of the report sees change: the verdict,
// the headline, the version and every row but those named in skip. The
// time of the sweep and its figures are not in it.
func (r *Report) Fingerprint(skip ...ComponentName) string {
	var b strings.Builder
	b.WriteString(string(r.Overall) + "|" + r.Headline + "|" + r.Version)
	for _, c := range r.Components {
		if slices.Contains(skip, c.Name) {
			continue
		}
		b.WriteString("|" + string(c.Name) + "=" + string(c.State) + "/" + string(c.Level) + "/" + c.Detail + "/" + c.NextStep)
	}
	return b.String()
}

// ExitCode maps the overall verdict to the monitoring-plugin convention:
// 0 healthy, 1 degraded, 2 down, 3 unknown or not installed.
func (r *Report) ExitCode() int {
	switch r.Overall {
	case OverallHealthy:
		return 0
	case OverallDegraded:
		return 1
	case OverallDown:
		return 2
	default:
		return 3
	}
}
