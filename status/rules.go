package status

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/haltonlabs/halton-meter-bar/internal/text"
)

// Next steps. The vendor's table: stopped → start; unbound, unknown →
// doctor; inconsistent → init with the mode's flag.
const (
	StepStart   = "halton-meter start"
	StepDoctor  = "halton-meter doctor"
	StepInstall = "install Halton Meter: " + InstallDocsURL
)

// InstallDocsURL is where a user without an install is sent.
const InstallDocsURL = "https://haltonmeter.com/docs/getting-started/install/"

// InitStep is the `halton-meter init` command that reconciles an install to
// mode; an unknown mode gets the recommended apps mode.
func InitStep(mode string) string {
	switch mode {
	case ModeEnvOnly:
		return "halton-meter init"
	case ModeFull:
		return "halton-meter init --full"
	}
	return "halton-meter init --apps"
}

// Facts is everything the probes found in one sweep. Evaluate turns it
// into a Report; it holds no I/O handles, so rules are testable as tables.
type Facts struct {
	Home      string // for display of paths as ~/…
	MeterHome string

	Install   InstallFacts
	Launchd   LaunchdFacts
	Ports     Ports
	Edge      PortFacts
	Internal  PortFacts
	API       PortFacts
	Health    HealthFacts
	Metering  MeteringFacts
	Proxy     ProxyFacts
	Sentinels SentinelFacts

	// DistVersion is the version found in the daemon's venv, when /health
	// gave none.
	DistVersion string

	CheckedAt  time.Time
	Duration   time.Duration
	Deadline   time.Duration
	Spawned    int
	BarVersion string

	// UID and User are whose install this is (User "" for this process's
	// own); Problem why there is none to look at (HOME unset, nobody
	// logged in).
	UID     int
	User    string
	Problem string
	// Shortage is the sweeping process's own shortage, when a probe met
	// one (ShortageOf): what the sweep saw proves nothing.
	Shortage string
}

// evaluation carries what the rows share while they are built.
type evaluation struct {
	f         Facts
	cfg       Config
	mode      string
	launchdOK bool
	daemon    JobInfo
	daemonUp  bool // launchd has a PID for the daemon
	daemonOK  bool // and its internal port accepts
	services  []ProxyService
}

// Evaluate applies the rules of DESIGN.md §2 to the facts of one sweep.
func Evaluate(f Facts) Report {
	cfg := Config{Home: f.Home, MeterHome: f.MeterHome, LaunchAgentsDir: filepath.Join(f.Home, "Library", "LaunchAgents")}
	r := Report{
		Schema:        Schema,
		Version:       "unknown",
		VersionSource: "unknown",
		CheckedAt:     f.CheckedAt,
		BarVersion:    f.BarVersion,
		HaltonHome:    f.MeterHome,
		Ports:         f.Ports,
		Warnings:      []string{},
		Sweep: Sweep{
			DurationMS: float64(f.Duration.Microseconds()) / 1000,
			DeadlineMS: float64(f.Deadline.Milliseconds()),
			Spawned:    f.Spawned,
		},
	}
	if f.User != "" {
		r.User = &User{Name: f.User, UID: f.UID}
	}
	if f.Problem != "" {
		return cannotLook(r, f.Problem)
	}
	if !f.Install.Installed {
		return notInstalled(r, cfg)
	}
	e := newEvaluation(f, cfg)
	rows := e.rows()
	r.Components = ordered(rows)
	e.seedKeys(&r, rows)
	r.Metering = e.metering(rows[CompMetering].State)
	r.Launchd = LaunchdInfo{Source: f.Launchd.Source, Domain: GUIDomain(f.UID)}
	for _, label := range Labels {
		if f.Launchd.Disabled[label] {
			r.Launchd.Disabled = append(r.Launchd.Disabled, label)
		}
	}
	r.Warnings = append(r.Warnings, e.warnings()...)
	r.Overall = e.overall(r.Components)
	r.Level = overallLevel(r.Overall)
	r.Headline = headline(r.Overall, r.Components, f)
	if f.Shortage != "" {
		// Not a fact of the install: the next sweep that can check decides.
		r.Sweep.Shortage = f.Shortage
		r.Overall, r.Level, r.Headline = OverallUnknown, LevelUnknown, f.Shortage
	}
	return r
}

// seedKeys fills in the keys of the vendor's `halton-meter status --json`
// (version, install_mode, daemon, watchdog, edge, the listeners, the
// system proxy, the sentinels) from the rows.
func (e *evaluation) seedKeys(r *Report, rows map[ComponentName]Component) {
	f := e.f
	r.InstallMode = e.mode
	if e.mode == "" {
		r.InstallMode = string(StateUnknown)
	}
	// The version is the daemon's own word only when launchd says the
	// daemon runs: anything else answering on its port is an impostor.
	if f.Health.Version != "" && e.daemonUp {
		r.Version, r.VersionSource = f.Health.Version, "/health"
	} else if f.DistVersion != "" {
		r.Version, r.VersionSource = f.DistVersion, "dist-info"
	}
	r.Daemon = e.job(LabelDaemon, rows[CompDaemon].State)
	r.Watchdog = e.job(LabelWatchdog, rows[CompWatchdog].State)
	r.Edge = EdgeJob{Job: e.job(LabelEdge, rows[CompEdge].State), Port: f.Ports.Edge}
	r.Userenv = e.job(LabelUserenv, rows[CompUserenv].State)
	r.Listeners.Mitmproxy = Listener{State: rows[CompMitmproxy].State, Address: f.Internal.Address()}
	r.Listeners.FastAPI = APIListener{Listener: Listener{State: rows[CompFastAPI].State, Address: f.API.Address()}}
	if f.Health.Status != 0 {
		st := f.Health.Status
		r.Listeners.FastAPI.HealthStatus = &st
	}
	r.SystemProxy = SystemProxy{State: rows[CompSystemProxy].State, Source: f.Proxy.Source, SourceNote: f.Proxy.SourceNote, Services: e.services}
	if r.SystemProxy.Services == nil {
		r.SystemProxy.Services = []ProxyService{}
	}
	r.Sentinels = Sentinels{ProxyManaged: f.Sentinels.ProxyManaged, AppsManaged: f.Sentinels.AppsManaged, State: rows[CompSentinels].State}
}

// warnings are what is off without being a row's state: files the ports
// could not be read from, jobs that cannot be told switched off, a proxy
// read the slow way, the daemon's API answers missing or out of range.
func (e *evaluation) warnings() []string {
	f := e.f
	var w []string
	if f.Ports.Problem != "" {
		w = append(w, f.Ports.Problem)
	}
	if f.Launchd.DisabledProblem != "" {
		w = append(w, "cannot tell whether a job is switched off: "+f.Launchd.DisabledProblem)
	}
	if f.Proxy.SourceNote != "" && f.Proxy.Problem == "" {
		w = append(w, f.Proxy.SourceNote+"; read with networksetup")
	}
	return append(w, e.meteringWarnings()...)
}

func newEvaluation(f Facts, cfg Config) *evaluation {
	e := &evaluation{f: f, cfg: cfg, mode: f.Install.Mode, launchdOK: f.Launchd.Problem == ""}
	e.daemon = f.Launchd.Job(LabelDaemon)
	e.daemonUp = e.launchdOK && e.daemon.Running()
	e.daemonOK = e.daemonUp && f.Internal.Accepting
	e.services = classify(f.Proxy.Services, f.Ports.Edge)
	return e
}

// rows builds every row. Rows are built and read by name, so the table's
// order is decided in one place (ComponentOrder) and a row can never land
// under another's name.
func (e *evaluation) rows() map[ComponentName]Component {
	build := map[ComponentName]func() Component{
		CompInstallMode: e.installRow,
		CompDaemon:      e.daemonRow,
		CompWatchdog:    e.watchdogRow,
		CompEdge:        e.edgeRow,
		CompUserenv:     e.userenvRow,
		CompMitmproxy:   e.mitmproxyRow,
		CompFastAPI:     e.fastapiRow,
		CompMetering:    e.meteringRow,
		CompSystemProxy: e.systemProxyRow,
		CompSentinels:   e.sentinelsRow,
	}
	rows := make(map[ComponentName]Component, len(build))
	for _, name := range ComponentOrder {
		rows[name] = build[name]()
	}
	if e.f.Ports.Guess {
		e.distrustPorts(rows)
	}
	return rows
}

// distrustPorts is for ports that are only a guess, after the files that
// name them could not be read: a closed guessed port proves nothing, so
// what rests on it is unknown, and no row is crit.
func (e *evaluation) distrustPorts(rows map[ComponentName]Component) {
	why := " · the ports are only a guess (" + e.f.Ports.Problem + ")"
	for name, c := range rows {
		switch {
		case c.Level == LevelCrit:
			c.Level = LevelUnknown
		case c.State == StateUnbound && c.CausedBy == "" && (name == CompEdge || name == CompMitmproxy || name == CompFastAPI):
			c.State, c.Level = StateUnknown, LevelUnknown
		default:
			continue
		}
		c.Detail += why
		c.NextStep = StepDoctor
		rows[name] = c
	}
}

// cannotLook is the report when there is no install to look at: HOME
// unset, nobody logged in.
func cannotLook(r Report, problem string) Report {
	r.InstallMode, r.Overall, r.Level, r.Headline = string(StateUnknown), OverallUnknown, LevelUnknown, capitalize(problem)
	for _, name := range ComponentOrder {
		c := Component{Name: name, State: StateUnknown, Level: LevelUnknown, Detail: "not checked"}
		if name == CompInstallMode {
			c.Detail = problem
		}
		r.Components = append(r.Components, c)
	}
	unknown := Job{State: StateUnknown}
	r.Daemon, r.Watchdog, r.Userenv = unknown, unknown, unknown
	r.Daemon.Label, r.Watchdog.Label, r.Userenv.Label = LabelDaemon, LabelWatchdog, LabelUserenv
	r.Edge = EdgeJob{Job: Job{State: StateUnknown, Label: LabelEdge}}
	r.SystemProxy = SystemProxy{State: StateUnknown, Services: []ProxyService{}}
	r.Sentinels.State = StateUnknown
	r.Listeners.Mitmproxy.State, r.Listeners.FastAPI.State = StateUnknown, StateUnknown
	r.Metering = Metering{State: StateUnknown}
	return r
}

// ordered lists rows in the table's order.
func ordered(rows map[ComponentName]Component) []Component {
	out := make([]Component, 0, len(ComponentOrder))
	for _, name := range ComponentOrder {
		out = append(out, rows[name])
	}
	return out
}

func notInstalled(r Report, cfg Config) Report {
	r.Metering = Metering{State: StateUnknown}
	r.InstallMode = string(StateNotInstalled)
	r.Overall, r.Level = OverallNotInstalled, LevelUnknown
	r.Headline = "Halton Meter is not installed"
	for _, name := range ComponentOrder {
		c := Component{Name: name, State: StateUnknown, Level: LevelUnknown, Detail: "not installed"}
		if name == CompInstallMode {
			c.State, c.NextStep = StateNotInstalled, StepInstall
			c.Detail = "no install found at " + cfg.Display(cfg.MeterHome)
		}
		r.Components = append(r.Components, c)
	}
	unknown := Job{State: StateUnknown}
	r.Daemon, r.Watchdog, r.Userenv = unknown, unknown, unknown
	r.Daemon.Label, r.Watchdog.Label, r.Userenv.Label = LabelDaemon, LabelWatchdog, LabelUserenv
	r.Edge = EdgeJob{Job: Job{State: StateUnknown, Label: LabelEdge}, Port: r.Ports.Edge}
	r.SystemProxy = SystemProxy{State: StateUnknown, Services: []ProxyService{}}
	r.Sentinels.State = StateUnknown
	r.Listeners.Mitmproxy = Listener{State: StateUnknown, Address: loopbackAddr(r.Ports.Internal)}
	r.Listeners.FastAPI = APIListener{Listener: Listener{State: StateUnknown, Address: loopbackAddr(r.Ports.API)}}
	return r
}

// overall is the worst row, except that launchd not answering or an
// unreadable install makes it unknown. A known fire wins over a broken
// sensor: a crit row still makes it down.
func (e *evaluation) overall(rows []Component) Overall {
	worst := LevelOK
	for _, c := range rows {
		switch c.Level {
		case LevelCrit:
			return OverallDown
		case LevelWarn, LevelUnknown:
			worst = LevelWarn
		}
	}
	if !e.launchdOK || e.f.Install.Problem != "" {
		return OverallUnknown
	}
	if worst == LevelWarn {
		return OverallDegraded
	}
	return OverallHealthy
}

func overallLevel(overall Overall) Level {
	switch overall {
	case OverallHealthy:
		return LevelOK
	case OverallDegraded:
		return LevelWarn
	case OverallDown:
		return LevelCrit
	}
	return LevelUnknown
}

func (e *evaluation) job(label string, state State) Job {
	j := Job{State: state, Label: label}
	if !e.launchdOK {
		return j
	}
	info := e.f.Launchd.Job(label)
	j.Loaded = info.Loaded
	if info.PID > 0 {
		pid := info.PID
		j.PID = &pid
	}
	if info.HasStatus {
		st := info.Status
		j.LastExit = &st
	}
	return j
}

// row builds a component whose next step follows its state.
func (e *evaluation) row(name ComponentName, state State, level Level, detail string) Component {
	c := Component{Name: name, State: state, Level: level, Detail: detail}
	switch state {
	case StateStopped:
		c.NextStep = StepStart
	case StateUnbound, StateUnknown:
		c.NextStep = StepDoctor
	case StateInconsistent:
		c.NextStep = InitStep(e.mode)
	default:
		if level != LevelOK {
			c.NextStep = StepDoctor
		}
	}
	return c
}

// causedBy marks c as explained by another row and gives it that row's step.
func causedBy(c Component, cause ComponentName, step string) Component {
	c.CausedBy, c.NextStep = cause, step
	return c
}

func (e *evaluation) installRow() Component {
	path := e.cfg.Display(e.f.Install.ModePath)
	if e.f.Install.Problem != "" {
		return e.row(CompInstallMode, StateUnknown, LevelUnknown, path+": "+e.f.Install.Problem)
	}
	if e.f.Ports.Problem != "" {
		c := e.row(CompInstallMode, State(e.mode), LevelWarn, fmt.Sprintf("%s · %s (using %s)", path, e.f.Ports.Problem, e.f.Ports.Source))
		return c
	}
	return e.row(CompInstallMode, State(e.mode), LevelOK, path)
}

// launchdUnknown is the row of a job when launchd could not be asked.
func (e *evaluation) launchdUnknown(name ComponentName) Component {
	return e.row(name, StateUnknown, LevelUnknown, e.f.Launchd.Problem)
}

// notLoaded describes a job launchd does not know, and why: its plist is
// missing (init, not start, brings it back), or the user switched it off
// (Login Items, `launchctl disable`: it must be enabled first); step is
// what brings it back otherwise.
func (e *evaluation) notLoaded(name ComponentName, label string, level Level, step string) Component {
	c := e.row(name, StateStopped, level, "not loaded")
	c.NextStep = step
	switch {
	case !e.f.Install.Agents[label]:
		c.Detail = "not loaded · " + e.cfg.Display(e.cfg.PlistPath(label)) + " missing"
		c.NextStep = InitStep(e.mode)
	case e.f.Launchd.Disabled[label]:
		c.Detail = "not loaded · disabled (System Settings → General → Login Items, or launchctl disable)"
		c.NextStep = "launchctl enable " + ServiceTarget(e.f.UID, label) + ", then " + step
	}
	return c
}

// notRunning describes a loaded job with no PID by how it last ended.
func notRunning(j JobInfo, suffix string) string {
	why := j.ExitText()
	if why == "" {
		why = "not running"
	}
	if suffix != "" {
		why += " · " + suffix
	}
	return why
}

func (e *evaluation) daemonRow() Component {
	if !e.launchdOK {
		return e.launchdUnknown(CompDaemon)
	}
	j := e.daemon
	switch {
	case !j.Loaded:
		return e.notLoaded(CompDaemon, LabelDaemon, LevelWarn, StepStart)
	case !j.Running():
		return e.row(CompDaemon, StateStopped, LevelWarn, notRunning(j, LabelDaemon))
	case e.f.Internal.Problem != "":
		return e.row(CompDaemon, StateUnknown, LevelUnknown, fmt.Sprintf("PID %d · %s %s", j.PID, e.f.Internal.Address(), e.f.Internal.Problem))
	case !e.f.Internal.Accepting:
		return e.row(CompDaemon, StateUnbound, LevelWarn, fmt.Sprintf("PID %d · %s not accepting", j.PID, e.f.Internal.Address()))
	}
	return e.row(CompDaemon, StateHealthy, LevelOK, fmt.Sprintf("PID %d · %s", j.PID, LabelDaemon))
}

func (e *evaluation) watchdogRow() Component {
	if !e.launchdOK {
		return e.launchdUnknown(CompWatchdog)
	}
	j := e.f.Launchd.Job(LabelWatchdog)
	switch {
	case !j.Loaded:
		c := e.notLoaded(CompWatchdog, LabelWatchdog, LevelWarn, StepStart)
		if !e.daemon.Loaded && c.NextStep == StepStart {
			// `halton-meter stop` boots both out: one cause, one step.
			c = causedBy(c, CompDaemon, e.daemonStep())
		}
		return c
	case !j.Running():
		return e.row(CompWatchdog, StateStopped, LevelWarn, notRunning(j, LabelWatchdog))
	}
	return e.row(CompWatchdog, StateHealthy, LevelOK, fmt.Sprintf("PID %d · %s", j.PID, LabelWatchdog))
}

// trafficOnEdge reports whether something points at the edge, which makes
// a dead edge cut the user's network: apps and full modes set HTTPS_PROXY,
// and the system proxy may point there. An unreadable mode counts as yes.
func (e *evaluation) trafficOnEdge() bool {
	if e.mode != ModeEnvOnly {
		return true
	}
	for _, s := range e.services {
		if s.Owner == OwnerHalton {
			return true
		}
	}
	return false
}

func (e *evaluation) edgeRow() Component {
	level := LevelWarn
	if e.trafficOnEdge() {
		level = LevelCrit
	}
	p := e.f.Edge
	addr := p.Address()
	if p.Problem != "" {
		return e.row(CompEdge, StateUnknown, LevelUnknown, addr+" "+p.Problem)
	}
	if !e.launchdOK {
		if !p.Accepting {
			return e.row(CompEdge, StateUnbound, level, addr+" not accepting · "+e.f.Launchd.Problem)
		}
		return e.row(CompEdge, StateUnknown, LevelUnknown, e.f.Launchd.Problem+" · "+addr+" accepting")
	}
	j := e.f.Launchd.Job(LabelEdge)
	held := ""
	if p.Accepting {
		held = addr + " held by another process"
	}
	switch {
	case !j.Loaded:
		c := e.notLoaded(CompEdge, LabelEdge, level, InitStep(e.mode)) // init loads the edge; start never touches it
		if held != "" {
			c.Detail += " · " + held
		}
		return c
	case !j.Running():
		c := e.row(CompEdge, StateStopped, level, notRunning(j, held))
		c.NextStep = StepDoctor // loaded with KeepAlive, yet not running
		return c
	case !p.Accepting:
		return e.row(CompEdge, StateUnbound, level, fmt.Sprintf("PID %d · %s not accepting", j.PID, addr))
	}
	return e.row(CompEdge, StateHealthy, LevelOK, fmt.Sprintf("PID %d · %s", j.PID, addr))
}

func (e *evaluation) userenvRow() Component {
	if !e.launchdOK {
		return e.launchdUnknown(CompUserenv)
	}
	j := e.f.Launchd.Job(LabelUserenv)
	switch {
	case !j.Loaded:
		return e.notLoaded(CompUserenv, LabelUserenv, LevelWarn, InitStep(e.mode)) // start does not touch the login agent
	case j.Running():
		return e.row(CompUserenv, StateApplied, LevelOK, fmt.Sprintf("running now (PID %d)", j.PID))
	case j.HasStatus && j.Status != 0:
		c := e.row(CompUserenv, StateStopped, LevelWarn, "last run "+j.ExitText())
		c.NextStep = StepDoctor
		return c
	}
	return e.row(CompUserenv, StateApplied, LevelOK, "last applied at login")
}

// daemonDown reports whether launchd says the daemon is not running, which
// explains both listeners being unbound.
func (e *evaluation) daemonDown() bool { return e.launchdOK && !e.daemonUp }

func (e *evaluation) daemonStep() string {
	if c := e.daemonRow(); c.NextStep != "" {
		return c.NextStep
	}
	return StepStart
}

func (e *evaluation) mitmproxyRow() Component {
	p := e.f.Internal
	addr := p.Address()
	switch {
	case p.Problem != "":
		return e.row(CompMitmproxy, StateUnknown, LevelUnknown, addr+" "+p.Problem)
	case p.Accepting && e.daemonDown():
		return e.row(CompMitmproxy, StateUnbound, LevelWarn, addr+" held by another process (the daemon is not running)")
	case p.Accepting:
		return e.row(CompMitmproxy, StateBound, LevelOK, addr)
	case e.daemonDown():
		return causedBy(e.row(CompMitmproxy, StateUnbound, LevelWarn, addr+" not accepting (daemon not running)"), CompDaemon, e.daemonStep())
	}
	return e.row(CompMitmproxy, StateUnbound, LevelWarn, addr+" not accepting")
}

func (e *evaluation) fastapiRow() Component {
	p, h := e.f.API, e.f.Health
	addr := p.Address()
	switch {
	case p.Problem != "":
		return e.row(CompFastAPI, StateUnknown, LevelUnknown, addr+" "+p.Problem)
	case !p.Accepting && e.daemonDown():
		return causedBy(e.row(CompFastAPI, StateUnbound, LevelWarn, addr+" not accepting (daemon not running)"), CompDaemon, e.daemonStep())
	case !p.Accepting:
		return e.row(CompFastAPI, StateUnbound, LevelWarn, addr+" not accepting")
	}
	answer := ""
	switch {
	case h.Problem != "":
		answer = h.Problem
	case h.Status != 200:
		answer = fmt.Sprintf("/health answered %d", h.Status)
	}
	switch {
	case e.daemonDown():
		detail := addr + " held by another process (the daemon is not running)"
		if answer != "" {
			detail += " · " + answer
		}
		return e.row(CompFastAPI, StateUnbound, LevelWarn, detail)
	case h.TimedOut:
		return e.row(CompFastAPI, StateUnknown, LevelUnknown, addr+" accepts but "+h.Problem)
	case answer != "":
		return e.row(CompFastAPI, StateUnbound, LevelWarn, addr+" · "+answer)
	case h.BodyProblem != "":
		return e.row(CompFastAPI, StateBound, LevelWarn, addr+" · /health 200 but "+h.BodyProblem)
	}
	return e.row(CompFastAPI, StateBound, LevelOK, addr)
}

// meteringRow says whether the user's LLM traffic is metered: live (a
// request in the last two minutes), idle (none lately: no fault), or not
// at all while the daemon is down (the edge passes traffic unmetered).
// What the API cannot say (an older daemon without it, a slow answer) is
// unknown, and never weighs on the verdict: the daemon's rows do.
func (e *evaluation) meteringRow() Component {
	st := e.f.Metering.Status
	if e.daemonDown() {
		return causedBy(e.row(CompMetering, MeteringNot, LevelWarn,
			"the daemon is not running: traffic through the edge passes unmetered"), CompDaemon, e.daemonStep())
	}
	switch {
	case st.Missing:
		c := e.row(CompMetering, StateUnknown, LevelOK, "this daemon has no "+pathDaemonStatus+" (it predates the API its dashboard reads)")
		return c
	case st.Problem != "":
		return e.row(CompMetering, StateUnknown, LevelOK, st.Problem)
	}
	spend, missing := "", e.statsGaps()
	if s := e.f.Metering.Stats; s.Known() {
		spend = fmt.Sprintf("%s today, %s requests · ", s.Today.CostUSD, text.Count(s.Today.Requests))
	}
	row := func(state State, last string) Component {
		if len(missing) > 0 {
			last += " · " + strings.Join(missing, " · ")
		}
		return e.row(CompMetering, state, LevelOK, spend+last)
	}
	if st.LastSeen == nil {
		return row(MeteringIdle, "no request metered yet")
	}
	ago := e.f.CheckedAt.Sub(*st.LastSeen)
	last := "last request just now"
	if ago >= 2*time.Second {
		last = "last request " + text.Duration(ago) + " ago"
	}
	if ago < LiveWindow {
		return row(MeteringLive, last)
	}
	return row(MeteringIdle, last)
}

// todayProblem says why today's figures are missing, or "".
func (e *evaluation) todayProblem() string {
	switch s := e.f.Metering.Stats; {
	case s == nil:
		return ""
	case s.Missing:
		return "this daemon has no " + pathStats
	default:
		return s.Problem
	}
}

// statsGaps say which of /v1/stats's figures are missing, and why: the
// metering row keeps what /v1/daemon/status proves (live or idle), and
// says why today's figures are not there.
func (e *evaluation) statsGaps() []string {
	if p := e.todayProblem(); p != "" {
		return []string{"today's figures unknown: " + p}
	}
	if s := e.f.Metering.Stats; s != nil {
		return s.Notes
	}
	return nil
}

// meteringWarnings say what the daemon's API did not answer, or answered
// out of range, while the daemon runs: the figures that are missing.
func (e *evaluation) meteringWarnings() []string {
	if e.daemonDown() {
		return nil
	}
	var w []string
	if p := e.f.Metering.Status.Problem; p != "" {
		w = append(w, p)
	}
	if s := e.f.Metering.Stats; s != nil && s.Problem != "" {
		w = append(w, s.Problem)
	} else if s != nil {
		w = append(w, s.Notes...)
	}
	return w
}

// metering is the metering part of the JSON.
func (e *evaluation) metering(state State) Metering {
	m := Metering{State: state}
	mf := e.f.Metering
	var from []string
	if st := mf.Status; st.Problem == "" && !st.Missing && !e.daemonDown() {
		m.LastRequestAt = st.LastSeen
		n := st.LastHour
		m.RequestsLastHour = &n
		from = append(from, pathDaemonStatus)
	}
	if s := mf.Stats; s.Known() {
		today := s.Today
		m.Today, m.Week, m.TopModels = &today, s.Week, s.TopModels
		from = append(from, pathStats)
		if mf.StatsCached {
			at := s.At
			m.StatsAt = &at
		}
	}
	m.Source = strings.Join(from, ", ")
	if m.Today == nil && !e.daemonDown() {
		m.TodayProblem = e.todayProblem()
	}
	return m
}

func (e *evaluation) systemProxyRow() Component {
	pf := e.f.Proxy
	if pf.Problem != "" {
		return e.row(CompSystemProxy, StateUnknown, LevelUnknown, pf.Problem)
	}
	var halton, foreign, enabled []ProxyService
	for _, s := range e.services {
		if !s.Enabled {
			continue
		}
		enabled = append(enabled, s)
		switch s.Owner {
		case OwnerHalton:
			halton = append(halton, s)
		case OwnerForeign:
			foreign = append(foreign, s)
		}
	}
	edgeAddr := loopbackAddr(e.f.Ports.Edge)
	notes := ""
	if len(foreign) > 0 {
		var parts []string
		for _, s := range foreign {
			parts = append(parts, fmt.Sprintf("%s → %s (not Halton's)", s.Name, hostPort(s.Secure.Server, s.Secure.Port)))
		}
		notes = " · " + strings.Join(parts, ", ")
	}
	modeNote := "(" + e.mode + " mode)"

	var c Component
	switch {
	case e.mode == "":
		state := StateOff
		if len(halton) > 0 {
			state = StateOn
			if len(halton) < len(enabled) {
				state = StateInconsistent
			}
		}
		c = e.row(CompSystemProxy, state, LevelUnknown, "(mode unknown)"+notes)
		c.NextStep = StepDoctor
	case e.mode == ModeEnvOnly || e.mode == ModeApps:
		if len(halton) == 0 {
			c = e.row(CompSystemProxy, StateOff, LevelOK, modeNote+notes)
		} else {
			c = e.row(CompSystemProxy, StateInconsistent, LevelWarn,
				fmt.Sprintf("%s → %s, but %s mode leaves it off%s", names(halton), edgeAddr, e.mode, notes))
		}
	case len(enabled) == 0:
		c = e.row(CompSystemProxy, StateOff, LevelWarn, "no enabled network service "+modeNote)
	case len(halton) == len(enabled):
		c = e.row(CompSystemProxy, StateOn, LevelOK, fmt.Sprintf("%s → %s %s", names(halton), edgeAddr, modeNote))
	case len(halton) == 0 && !e.daemonOK && e.launchdOK:
		c = causedBy(e.row(CompSystemProxy, StateOff, LevelWarn,
			"switched off by the watchdog while the daemon is down (fail-safe)"+notes), CompDaemon, e.daemonStep())
	case len(halton) == 0:
		c = e.row(CompSystemProxy, StateInconsistent, LevelWarn, fmt.Sprintf("off, but full mode points it at %s%s", edgeAddr, notes))
	default:
		var off []ProxyService
		for _, s := range enabled {
			if s.Owner != OwnerHalton {
				off = append(off, s)
			}
		}
		c = e.row(CompSystemProxy, StateInconsistent, LevelWarn,
			fmt.Sprintf("%s → %s; not %s%s", names(halton), edgeAddr, names(off), notes))
	}
	if len(halton) > 0 && !e.f.Edge.Accepting && e.f.Edge.Problem == "" {
		c.Level = LevelCrit
		c.Detail = fmt.Sprintf("%s → %s, where nothing listens", names(halton), edgeAddr)
		c = causedBy(c, CompEdge, e.edgeRow().NextStep)
	}
	return c
}

func names(services []ProxyService) string {
	var n []string
	for _, s := range services {
		n = append(n, s.Name)
	}
	return strings.Join(n, ", ")
}

// hostPort is host:port for a detail, with "?" for a missing host.
func hostPort(host string, port int) string {
	if host == "" {
		host = "?"
	}
	return host + ":" + strconv.Itoa(port)
}

func (e *evaluation) sentinelsRow() Component {
	s := e.f.Sentinels
	mark := func(b bool) string {
		if b {
			return "✓"
		}
		return "-"
	}
	flags := fmt.Sprintf("proxy-managed: %s  apps-managed: %s", mark(s.ProxyManaged), mark(s.AppsManaged))
	if s.Problem != "" {
		return e.row(CompSentinels, StateUnknown, LevelUnknown, s.Problem)
	}
	var wrong []string
	switch e.mode {
	case "":
		c := e.row(CompSentinels, StateUnknown, LevelUnknown, flags+" · no readable install-mode to compare with")
		return c
	case ModeEnvOnly:
		if s.AppsManaged {
			wrong = append(wrong, "apps-managed")
		}
		if s.ProxyManaged {
			wrong = append(wrong, "proxy-managed")
		}
	case ModeApps:
		if !s.AppsManaged {
			wrong = append(wrong, "apps-managed missing")
		}
		if s.ProxyManaged {
			wrong = append(wrong, "proxy-managed")
		}
	case ModeFull:
		if !s.ProxyManaged {
			wrong = append(wrong, "proxy-managed missing")
		}
	}
	if len(wrong) > 0 {
		return e.row(CompSentinels, StateInconsistent, LevelWarn,
			fmt.Sprintf("%s · %s in %s mode", flags, strings.Join(wrong, ", "), e.mode))
	}
	return e.row(CompSentinels, StateConsistent, LevelOK, flags)
}

// headline is the one line the menu and the notification lead with.
func headline(overall Overall, rows []Component, f Facts) string {
	switch overall {
	case OverallHealthy:
		return "All healthy"
	case OverallNotInstalled:
		return "Halton Meter is not installed"
	}
	var roots []Component
	for _, c := range rows {
		if c.Level != LevelOK && c.CausedBy == "" {
			roots = append(roots, c)
		}
	}
	if overall == OverallDown {
		// Lead with the fire.
		for i, c := range roots {
			if c.Level == LevelCrit {
				roots[0], roots[i] = roots[i], roots[0]
				break
			}
		}
	} else if overall == OverallUnknown {
		if f.Install.Problem != "" {
			return "Cannot read the install: " + f.Install.Problem
		}
		return "Cannot ask launchd: " + f.Launchd.Problem
	}
	if len(roots) == 0 {
		return string(overall)
	}
	h := RowHeadline(roots[0])
	if len(roots) > 1 {
		h += fmt.Sprintf(" (+%d more)", len(roots)-1)
	}
	return h
}

// RowHeadline says in a few words what a failing row means for the user.
func RowHeadline(c Component) string {
	switch c.Name {
	case CompDaemon:
		if c.State == StateStopped {
			return "Daemon stopped — not metering"
		}
		return "Daemon " + string(c.State) + " — not metering"
	case CompEdge:
		if c.Level == LevelCrit {
			return "Edge " + string(c.State) + " — proxied apps lose their network"
		}
		return "Edge " + string(c.State)
	case CompWatchdog:
		return "Watchdog " + string(c.State) + " — no fail-safe"
	case CompSystemProxy:
		if c.Level == LevelCrit {
			return "System proxy points at a dead edge"
		}
		return "System proxy " + string(c.State)
	case CompFastAPI:
		return "Daemon API not answering"
	case CompInstallMode:
		return "Install configuration problem"
	}
	return capitalize(string(c.Name)) + " " + string(c.State)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
