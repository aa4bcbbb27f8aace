package status

import (
	"strings"
	"testing"
	"time"
)

// healthyFacts is a healthy install in mode with the vendor's sample PIDs
// and default ports: the baseline each rule below changes one thing of.
func healthyFacts(mode string) Facts {
	f := Facts{
		Home:      "/Users/jdoe",
		MeterHome: "/Users/jdoe/.halton-meter",
		Install: InstallFacts{
			Installed: true, Mode: mode, ModePath: "/Users/jdoe/.halton-meter/install-mode",
			Agents: map[string]bool{LabelDaemon: true, LabelWatchdog: true, LabelEdge: true, LabelUserenv: true},
		},
		UID: 501,
		Launchd: LaunchdFacts{Source: LaunchdFromList, Jobs: map[string]JobInfo{
			LabelDaemon:   {Label: LabelDaemon, Loaded: true, PID: 80214, HasStatus: true},
			LabelWatchdog: {Label: LabelWatchdog, Loaded: true, PID: 80215, HasStatus: true},
			LabelEdge:     {Label: LabelEdge, Loaded: true, PID: 80213, HasStatus: true, Status: -15},
			LabelUserenv:  {Label: LabelUserenv, Loaded: true, HasStatus: true},
		}},
		Ports:     Ports{Edge: 8081, Internal: 8090, API: 8765, Source: PortsFromEffective},
		Edge:      PortFacts{Port: 8081, Accepting: true},
		Internal:  PortFacts{Port: 8090, Accepting: true},
		API:       PortFacts{Port: 8765, Accepting: true},
		Health:    HealthFacts{Status: 200, BodyStatus: "ok", Version: "0.6.3"},
		Proxy:     ProxyFacts{Source: SourcePreferences, Services: services(false)},
		CheckedAt: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
	}
	switch mode {
	case ModeApps:
		f.Sentinels.AppsManaged = true
	case ModeFull:
		f.Sentinels = SentinelFacts{AppsManaged: true, ProxyManaged: true}
		f.Proxy.Services = services(true)
	}
	return f
}

// services is Wi-Fi and Ethernet (enabled) and a disabled Thunderbolt
// Bridge, with the secure web proxy on the edge or off.
func services(on bool) []ProxyService {
	p := ProxySetting{}
	if on {
		p = ProxySetting{Enabled: true, Server: "127.0.0.1", Port: 8081}
	}
	return []ProxyService{
		{Name: "Wi-Fi", Enabled: true, Secure: p},
		{Name: "Ethernet", Enabled: true, Secure: p},
		{Name: "Thunderbolt Bridge", Enabled: false},
	}
}

// want is what a case expects of some rows; rows it does not name must be
// in their healthy state (level ok).
type want struct {
	overall Overall
	rows    map[ComponentName]rowWant
}

type rowWant struct {
	state        State
	detail, next string
	cause        ComponentName
	level        Level
}

func setJob(f *Facts, label string, j JobInfo) { j.Label = label; f.Launchd.Jobs[label] = j }

// unmetered is the metering row while the daemon is down.
func unmetered(next string) rowWant {
	return rowWant{state: MeteringNot, level: LevelWarn, detail: "the daemon is not running: traffic through the edge passes unmetered", next: next, cause: CompDaemon}
}

func TestRules(t *testing.T) {
	tests := []struct {
		name   string
		mode   string
		change func(*Facts)
		want   want
	}{
		{"healthy apps", ModeApps, nil, want{OverallHealthy, map[ComponentName]rowWant{
			CompInstallMode: {state: "apps", detail: "~/.halton-meter/install-mode"},
			CompDaemon:      {state: StateHealthy, detail: "PID 80214 · com.haltonlabs.meter"},
			CompWatchdog:    {state: StateHealthy, detail: "PID 80215 · com.haltonlabs.meter.watchdog"},
			CompEdge:        {state: StateHealthy, detail: "PID 80213 · 127.0.0.1:8081"},
			CompUserenv:     {state: StateApplied, detail: "last applied at login"},
			CompMitmproxy:   {state: StateBound, detail: "127.0.0.1:8090"},
			CompFastAPI:     {state: StateBound, detail: "127.0.0.1:8765"},
			CompSystemProxy: {state: StateOff, detail: "(apps mode)"},
			CompSentinels:   {state: StateConsistent, detail: "proxy-managed: -  apps-managed: ✓"},
		}}},
		{"healthy env-only", ModeEnvOnly, nil, want{OverallHealthy, map[ComponentName]rowWant{
			CompSystemProxy: {state: StateOff, detail: "(env-only mode)"},
			CompSentinels:   {state: StateConsistent, detail: "proxy-managed: -  apps-managed: -"},
		}}},
		{"healthy full", ModeFull, nil, want{OverallHealthy, map[ComponentName]rowWant{
			CompSystemProxy: {state: StateOn, detail: "Wi-Fi, Ethernet → 127.0.0.1:8081 (full mode)"},
			CompSentinels:   {state: StateConsistent, detail: "proxy-managed: ✓  apps-managed: ✓"},
		}}},
		{"full mode without apps-managed is consistent", ModeFull, func(f *Facts) { f.Sentinels.AppsManaged = false }, want{OverallHealthy, nil}},

		// Fail-open: `halton-meter stop` boots out daemon and watchdog; the edge stays.
		{"daemon stopped with the edge up is degraded", ModeApps, func(f *Facts) {
			delete(f.Launchd.Jobs, LabelDaemon)
			delete(f.Launchd.Jobs, LabelWatchdog)
			f.Internal.Accepting, f.API.Accepting = false, false
			f.Health = HealthFacts{Problem: "connection refused"}
		}, want{OverallDegraded, map[ComponentName]rowWant{
			CompMetering:  unmetered(StepStart),
			CompDaemon:    {state: StateStopped, level: LevelWarn, detail: "not loaded", next: StepStart},
			CompWatchdog:  {state: StateStopped, level: LevelWarn, detail: "not loaded", next: StepStart, cause: CompDaemon},
			CompMitmproxy: {state: StateUnbound, level: LevelWarn, detail: "127.0.0.1:8090 not accepting (daemon not running)", next: StepStart, cause: CompDaemon},
			CompFastAPI:   {state: StateUnbound, level: LevelWarn, detail: "127.0.0.1:8765 not accepting (daemon not running)", next: StepStart, cause: CompDaemon},
		}}},
		{"daemon killed by a signal", ModeApps, func(f *Facts) {
			setJob(f, LabelDaemon, JobInfo{Loaded: true, HasStatus: true, Status: -9})
			f.Internal.Accepting, f.API.Accepting = false, false
		}, want{OverallDegraded, map[ComponentName]rowWant{
			CompMetering:  unmetered(StepStart),
			CompDaemon:    {state: StateStopped, level: LevelWarn, detail: "killed by signal 9 (SIGKILL) · com.haltonlabs.meter", next: StepStart},
			CompMitmproxy: {state: StateUnbound, level: LevelWarn, cause: CompDaemon, next: StepStart},
			CompFastAPI:   {state: StateUnbound, level: LevelWarn, cause: CompDaemon, next: StepStart},
		}}},
		{"daemon exited with a status", ModeApps, func(f *Facts) {
			setJob(f, LabelDaemon, JobInfo{Loaded: true, HasStatus: true, Status: 1})
			f.Internal.Accepting, f.API.Accepting = false, false
		}, want{OverallDegraded, map[ComponentName]rowWant{
			CompMetering:  unmetered(StepStart),
			CompDaemon:    {state: StateStopped, level: LevelWarn, detail: "exited with status 1 · com.haltonlabs.meter", next: StepStart},
			CompMitmproxy: {state: StateUnbound, level: LevelWarn, cause: CompDaemon, next: StepStart},
			CompFastAPI:   {state: StateUnbound, level: LevelWarn, cause: CompDaemon, next: StepStart},
		}}},
		{"daemon not loaded and its plist gone needs init", ModeApps, func(f *Facts) {
			delete(f.Launchd.Jobs, LabelDaemon)
			delete(f.Install.Agents, LabelDaemon)
			f.Internal.Accepting, f.API.Accepting = false, false
		}, want{OverallDegraded, map[ComponentName]rowWant{
			CompMetering:  unmetered("halton-meter init --apps"),
			CompDaemon:    {state: StateStopped, level: LevelWarn, detail: "not loaded · ~/Library/LaunchAgents/com.haltonlabs.meter.plist missing", next: "halton-meter init --apps"},
			CompMitmproxy: {state: StateUnbound, level: LevelWarn, cause: CompDaemon, next: "halton-meter init --apps"},
			CompFastAPI:   {state: StateUnbound, level: LevelWarn, cause: CompDaemon, next: "halton-meter init --apps"},
		}}},
		{"daemon running but its port not held is unbound", ModeApps, func(f *Facts) { f.Internal.Accepting = false }, want{OverallDegraded, map[ComponentName]rowWant{
			CompDaemon:    {state: StateUnbound, level: LevelWarn, detail: "PID 80214 · 127.0.0.1:8090 not accepting", next: StepDoctor},
			CompMitmproxy: {state: StateUnbound, level: LevelWarn, detail: "127.0.0.1:8090 not accepting", next: StepDoctor},
		}}},
		{"another process holds the internal port", ModeApps, func(f *Facts) {
			setJob(f, LabelDaemon, JobInfo{Loaded: true, HasStatus: true, Status: 1})
			f.API.Accepting = false
		}, want{OverallDegraded, map[ComponentName]rowWant{
			CompMetering:  unmetered(StepStart),
			CompDaemon:    {state: StateStopped, level: LevelWarn, next: StepStart},
			CompMitmproxy: {state: StateUnbound, level: LevelWarn, detail: "127.0.0.1:8090 held by another process (the daemon is not running)", next: StepDoctor},
			CompFastAPI:   {state: StateUnbound, level: LevelWarn, cause: CompDaemon},
		}}},
		{"watchdog crashed alone", ModeApps, func(f *Facts) {
			setJob(f, LabelWatchdog, JobInfo{Loaded: true, HasStatus: true, Status: -9})
		}, want{OverallDegraded, map[ComponentName]rowWant{
			CompWatchdog: {state: StateStopped, level: LevelWarn, detail: "killed by signal 9 (SIGKILL) · com.haltonlabs.meter.watchdog", next: StepStart},
		}}},

		// The edge: down while traffic points at it is red.
		{"edge crashed in apps mode is down", ModeApps, func(f *Facts) {
			setJob(f, LabelEdge, JobInfo{Loaded: true, HasStatus: true, Status: -9})
			f.Edge.Accepting = false
		}, want{OverallDown, map[ComponentName]rowWant{
			CompEdge: {state: StateStopped, level: LevelCrit, detail: "killed by signal 9 (SIGKILL)", next: StepDoctor},
		}}},
		{"edge crashed in env-only mode with the proxy off is degraded", ModeEnvOnly, func(f *Facts) {
			setJob(f, LabelEdge, JobInfo{Loaded: true, HasStatus: true, Status: -9})
			f.Edge.Accepting = false
		}, want{OverallDegraded, map[ComponentName]rowWant{
			CompEdge: {state: StateStopped, level: LevelWarn},
		}}},
		{"edge process alive, port closed", ModeFull, func(f *Facts) { f.Edge.Accepting = false }, want{OverallDown, map[ComponentName]rowWant{
			CompEdge:        {state: StateUnbound, level: LevelCrit, detail: "PID 80213 · 127.0.0.1:8081 not accepting", next: StepDoctor},
			CompSystemProxy: {state: StateOn, level: LevelCrit, detail: "Wi-Fi, Ethernet → 127.0.0.1:8081, where nothing listens", cause: CompEdge, next: StepDoctor},
		}}},
		{"edge not loaded while another process holds its port", ModeApps, func(f *Facts) {
			delete(f.Launchd.Jobs, LabelEdge)
		}, want{OverallDown, map[ComponentName]rowWant{
			CompEdge: {state: StateStopped, level: LevelCrit, detail: "not loaded · 127.0.0.1:8081 held by another process", next: "halton-meter init --apps"},
		}}},
		{"system proxy pointing at a dead edge in env-only mode is down", ModeEnvOnly, func(f *Facts) {
			f.Proxy.Services = services(true)
			setJob(f, LabelEdge, JobInfo{Loaded: true, HasStatus: true, Status: -9})
			f.Edge.Accepting = false
		}, want{OverallDown, map[ComponentName]rowWant{
			CompEdge:        {state: StateStopped, level: LevelCrit},
			CompSystemProxy: {state: StateInconsistent, level: LevelCrit, detail: "Wi-Fi, Ethernet → 127.0.0.1:8081, where nothing listens", cause: CompEdge},
		}}},

		// The system proxy against the mode.
		{"full mode, daemon down, proxy off: the watchdog's fail-safe", ModeFull, func(f *Facts) {
			setJob(f, LabelDaemon, JobInfo{Loaded: true, HasStatus: true, Status: -9})
			f.Internal.Accepting, f.API.Accepting = false, false
			f.Proxy.Services = services(false)
		}, want{OverallDegraded, map[ComponentName]rowWant{
			CompMetering:    unmetered(StepStart),
			CompDaemon:      {state: StateStopped, level: LevelWarn},
			CompMitmproxy:   {state: StateUnbound, level: LevelWarn, cause: CompDaemon},
			CompFastAPI:     {state: StateUnbound, level: LevelWarn, cause: CompDaemon},
			CompSystemProxy: {state: StateOff, level: LevelWarn, detail: "switched off by the watchdog while the daemon is down (fail-safe)", cause: CompDaemon, next: StepStart},
		}}},
		{"full mode, daemon down, proxy still on: traffic flows through the edge", ModeFull, func(f *Facts) {
			setJob(f, LabelDaemon, JobInfo{Loaded: true, HasStatus: true, Status: -9})
			f.Internal.Accepting, f.API.Accepting = false, false
		}, want{OverallDegraded, map[ComponentName]rowWant{
			CompMetering:    unmetered(StepStart),
			CompDaemon:      {state: StateStopped, level: LevelWarn},
			CompMitmproxy:   {state: StateUnbound, level: LevelWarn, cause: CompDaemon},
			CompFastAPI:     {state: StateUnbound, level: LevelWarn, cause: CompDaemon},
			CompSystemProxy: {state: StateOn, level: LevelOK},
		}}},
		{"full mode, daemon healthy, proxy off is inconsistent", ModeFull, func(f *Facts) { f.Proxy.Services = services(false) }, want{OverallDegraded, map[ComponentName]rowWant{
			CompSystemProxy: {state: StateInconsistent, level: LevelWarn, detail: "off, but full mode points it at 127.0.0.1:8081", next: "halton-meter init --full"},
		}}},
		{"full mode, proxy on one service only", ModeFull, func(f *Facts) { f.Proxy.Services[1].Secure = ProxySetting{} }, want{OverallDegraded, map[ComponentName]rowWant{
			CompSystemProxy: {state: StateInconsistent, level: LevelWarn, detail: "Wi-Fi → 127.0.0.1:8081; not Ethernet", next: "halton-meter init --full"},
		}}},
		{"apps mode with the system proxy on the edge", ModeApps, func(f *Facts) { f.Proxy.Services = services(true) }, want{OverallDegraded, map[ComponentName]rowWant{
			CompSystemProxy: {state: StateInconsistent, level: LevelWarn, detail: "Wi-Fi, Ethernet → 127.0.0.1:8081, but apps mode leaves it off", next: "halton-meter init --apps"},
		}}},
		{"a corporate proxy in apps mode is not Halton's", ModeApps, func(f *Facts) {
			f.Proxy.Services[0].Secure = ProxySetting{Enabled: true, Server: "proxy.corp.example", Port: 3128}
		}, want{OverallHealthy, map[ComponentName]rowWant{
			CompSystemProxy: {state: StateOff, detail: "(apps mode) · Wi-Fi → proxy.corp.example:3128 (not Halton's)"},
		}}},
		{"a loopback proxy on another port is not Halton's", ModeApps, func(f *Facts) {
			f.Proxy.Services[0].Secure = ProxySetting{Enabled: true, Server: "127.0.0.1", Port: 7890}
		}, want{OverallHealthy, map[ComponentName]rowWant{
			CompSystemProxy: {state: StateOff, detail: "(apps mode) · Wi-Fi → 127.0.0.1:7890 (not Halton's)"},
		}}},
		{"a corporate proxy in full mode replaces Halton's", ModeFull, func(f *Facts) {
			f.Proxy.Services[0].Secure = ProxySetting{Enabled: true, Server: "proxy.corp.example", Port: 3128}
		}, want{OverallDegraded, map[ComponentName]rowWant{
			CompSystemProxy: {state: StateInconsistent, level: LevelWarn, detail: "Ethernet → 127.0.0.1:8081; not Wi-Fi · Wi-Fi → proxy.corp.example:3128 (not Halton's)"},
		}}},
		{"a disabled service's proxy does not count", ModeApps, func(f *Facts) {
			f.Proxy.Services[2].Secure = ProxySetting{Enabled: true, Server: "127.0.0.1", Port: 8081}
		}, want{OverallHealthy, nil}},
		{"system proxy unreadable", ModeApps, func(f *Facts) {
			f.Proxy = ProxyFacts{Source: SourceNetworksetup, Problem: "preferences.plist unusable (permission denied); networksetup timed out after 1.5s"}
		}, want{OverallDegraded, map[ComponentName]rowWant{
			CompSystemProxy: {state: StateUnknown, level: LevelUnknown, next: StepDoctor},
		}}},

		// Sentinels against the mode.
		{"apps mode without apps-managed", ModeApps, func(f *Facts) { f.Sentinels.AppsManaged = false }, want{OverallDegraded, map[ComponentName]rowWant{
			CompSentinels: {state: StateInconsistent, level: LevelWarn, detail: "proxy-managed: -  apps-managed: - · apps-managed missing in apps mode", next: "halton-meter init --apps"},
		}}},
		{"apps mode with proxy-managed", ModeApps, func(f *Facts) { f.Sentinels.ProxyManaged = true }, want{OverallDegraded, map[ComponentName]rowWant{
			CompSentinels: {state: StateInconsistent, level: LevelWarn, detail: "proxy-managed: ✓  apps-managed: ✓ · proxy-managed in apps mode"},
		}}},
		{"env-only mode with apps-managed", ModeEnvOnly, func(f *Facts) { f.Sentinels.AppsManaged = true }, want{OverallDegraded, map[ComponentName]rowWant{
			CompSentinels: {state: StateInconsistent, level: LevelWarn, next: "halton-meter init"},
		}}},
		{"full mode without proxy-managed", ModeFull, func(f *Facts) { f.Sentinels.ProxyManaged = false }, want{OverallDegraded, map[ComponentName]rowWant{
			CompSentinels: {state: StateInconsistent, level: LevelWarn, next: "halton-meter init --full"},
		}}},

		// Launchd cannot be asked: grey, unless a known fire makes it red.
		{"launchctl failing makes the overall unknown", ModeApps, func(f *Facts) {
			f.Launchd = LaunchdFacts{Problem: "launchctl timed out after 1.5s"}
		}, want{OverallUnknown, map[ComponentName]rowWant{
			CompDaemon:   {state: StateUnknown, level: LevelUnknown, detail: "launchctl timed out after 1.5s", next: StepDoctor},
			CompWatchdog: {state: StateUnknown, level: LevelUnknown},
			CompEdge:     {state: StateUnknown, level: LevelUnknown, detail: "launchctl timed out after 1.5s · 127.0.0.1:8081 accepting"},
			CompUserenv:  {state: StateUnknown, level: LevelUnknown},
		}}},
		{"launchctl failing with the edge port closed is down", ModeApps, func(f *Facts) {
			f.Launchd = LaunchdFacts{Problem: "launchctl not found at /bin/launchctl"}
			f.Edge.Accepting = false
		}, want{OverallDown, map[ComponentName]rowWant{
			CompDaemon:   {state: StateUnknown, level: LevelUnknown},
			CompWatchdog: {state: StateUnknown, level: LevelUnknown},
			CompEdge:     {state: StateUnbound, level: LevelCrit, detail: "127.0.0.1:8081 not accepting · launchctl not found at /bin/launchctl"},
			CompUserenv:  {state: StateUnknown, level: LevelUnknown},
		}}},

		// The install itself.
		{"unreadable install-mode makes the overall unknown", ModeApps, func(f *Facts) {
			f.Install.Mode, f.Install.Problem = "", `unrecognised mode "turbo"`
		}, want{OverallUnknown, map[ComponentName]rowWant{
			CompInstallMode: {state: StateUnknown, level: LevelUnknown, detail: `~/.halton-meter/install-mode: unrecognised mode "turbo"`, next: StepDoctor},
			CompSystemProxy: {state: StateOff, level: LevelUnknown, detail: "(mode unknown)"},
			CompSentinels:   {state: StateUnknown, level: LevelUnknown},
		}}},
		{"a bad effective-ports.json is a warning on the install row", ModeApps, func(f *Facts) {
			f.Ports.Source, f.Ports.Problem = PortsFromDefaults, "effective-ports.json: edge: port -1 out of range 1-65535"
		}, want{OverallDegraded, map[ComponentName]rowWant{
			CompInstallMode: {state: "apps", level: LevelWarn, detail: "~/.halton-meter/install-mode · effective-ports.json: edge: port -1 out of range 1-65535 (using defaults)", next: StepDoctor},
		}}},

		// userenv, a one-shot.
		{"userenv running now is applied", ModeApps, func(f *Facts) { setJob(f, LabelUserenv, JobInfo{Loaded: true, PID: 4242}) }, want{OverallHealthy, map[ComponentName]rowWant{
			CompUserenv: {state: StateApplied, detail: "running now (PID 4242)"},
		}}},
		{"userenv that failed", ModeApps, func(f *Facts) { setJob(f, LabelUserenv, JobInfo{Loaded: true, HasStatus: true, Status: 1}) }, want{OverallDegraded, map[ComponentName]rowWant{
			CompUserenv: {state: StateStopped, level: LevelWarn, detail: "last run exited with status 1", next: StepDoctor},
		}}},
		{"userenv not loaded", ModeFull, func(f *Facts) { delete(f.Launchd.Jobs, LabelUserenv) }, want{OverallDegraded, map[ComponentName]rowWant{
			CompUserenv: {state: StateStopped, level: LevelWarn, detail: "not loaded", next: "halton-meter init --full"},
		}}},

		// The API listener and /health.
		{"/health hangs after accept", ModeApps, func(f *Facts) { f.Health = HealthFacts{Problem: "/health timed out after 1s", TimedOut: true} }, want{OverallDegraded, map[ComponentName]rowWant{
			CompFastAPI: {state: StateUnknown, level: LevelUnknown, detail: "127.0.0.1:8765 accepts but /health timed out after 1s", next: StepDoctor},
		}}},
		{"/health answers 500", ModeApps, func(f *Facts) { f.Health = HealthFacts{Status: 500} }, want{OverallDegraded, map[ComponentName]rowWant{
			CompFastAPI: {state: StateUnbound, level: LevelWarn, detail: "127.0.0.1:8765 · /health answered 500", next: StepDoctor},
		}}},
		{"/health redirects", ModeApps, func(f *Facts) {
			f.Health = HealthFacts{Status: 302, Problem: "/health redirects (302) to http://example.com/"}
		}, want{OverallDegraded, map[ComponentName]rowWant{
			CompFastAPI: {state: StateUnbound, level: LevelWarn, detail: "127.0.0.1:8765 · /health redirects (302) to http://example.com/"},
		}}},
		{"/health 200 with an oversized body", ModeApps, func(f *Facts) { f.Health = HealthFacts{Status: 200, BodyProblem: "body over 64.0 KB"} }, want{OverallDegraded, map[ComponentName]rowWant{
			CompFastAPI: {state: StateBound, level: LevelWarn, detail: "127.0.0.1:8765 · /health 200 but body over 64.0 KB", next: StepDoctor},
		}}},
		{"a foreign process on the API port while the daemon is down", ModeApps, func(f *Facts) {
			setJob(f, LabelDaemon, JobInfo{Loaded: true, HasStatus: true, Status: 1})
			f.Internal.Accepting = false
			f.Health = HealthFacts{Status: 404}
		}, want{OverallDegraded, map[ComponentName]rowWant{
			CompMetering:  unmetered(StepStart),
			CompDaemon:    {state: StateStopped, level: LevelWarn},
			CompMitmproxy: {state: StateUnbound, level: LevelWarn, cause: CompDaemon},
			CompFastAPI:   {state: StateUnbound, level: LevelWarn, detail: "127.0.0.1:8765 held by another process (the daemon is not running) · /health answered 404"},
		}}},
		{"a foreign process on the API port answering 404 while the daemon runs", ModeApps, func(f *Facts) { f.Health = HealthFacts{Status: 404} }, want{OverallDegraded, map[ComponentName]rowWant{
			CompFastAPI: {state: StateUnbound, level: LevelWarn, detail: "127.0.0.1:8765 · /health answered 404"},
		}}},
		{"a port probe that times out is unknown", ModeApps, func(f *Facts) { f.Internal = PortFacts{Port: 8090, Problem: "connect timed out after 500ms"} }, want{OverallDegraded, map[ComponentName]rowWant{
			CompDaemon:    {state: StateUnknown, level: LevelUnknown},
			CompMitmproxy: {state: StateUnknown, level: LevelUnknown, detail: "127.0.0.1:8090 connect timed out after 500ms"},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := healthyFacts(tt.mode)
			if tt.change != nil {
				tt.change(&f)
			}
			r := Evaluate(f)
			if r.Overall != tt.want.overall {
				t.Errorf("overall = %s, want %s (%s)", r.Overall, tt.want.overall, r.Headline)
			}
			if len(r.Components) != len(ComponentOrder) {
				t.Fatalf("%d rows", len(r.Components))
			}
			for i, c := range r.Components {
				if c.Name != ComponentOrder[i] {
					t.Errorf("row %d is %q, want %q", i, c.Name, ComponentOrder[i])
				}
				w, named := tt.want.rows[c.Name]
				if !named {
					if c.Level != LevelOK {
						t.Errorf("%s: %s/%s %q, want healthy", c.Name, c.State, c.Level, c.Detail)
					}
					continue
				}
				if w.level == "" {
					w.level = LevelOK
				}
				if c.State != w.state || c.Level != w.level {
					t.Errorf("%s: %s/%s, want %s/%s (%q)", c.Name, c.State, c.Level, w.state, w.level, c.Detail)
				}
				if w.detail != "" && c.Detail != w.detail {
					t.Errorf("%s: detail %q, want %q", c.Name, c.Detail, w.detail)
				}
				if w.next != "" && c.NextStep != w.next {
					t.Errorf("%s: next step %q, want %q", c.Name, c.NextStep, w.next)
				}
				if c.CausedBy != w.cause {
					t.Errorf("%s: caused by %q, want %q", c.Name, c.CausedBy, w.cause)
				}
				if c.Level == LevelOK && c.NextStep != "" {
					t.Errorf("%s: healthy row with next step %q", c.Name, c.NextStep)
				}
			}
		})
	}
}

func TestNotInstalled(t *testing.T) {
	r := Evaluate(Facts{Home: "/Users/jdoe", MeterHome: "/Users/jdoe/.halton-meter", Ports: Ports{Edge: 8081, Internal: 8090, API: 8765}})
	if r.Overall != OverallNotInstalled || r.ExitCode() != 3 || r.InstallMode != string(StateNotInstalled) {
		t.Fatalf("got %s / %s", r.Overall, r.InstallMode)
	}
	c, _ := r.Row(CompInstallMode)
	if c.State != StateNotInstalled || c.NextStep != StepInstall || c.Detail != "no install found at ~/.halton-meter" {
		t.Errorf("install row: %+v", c)
	}
	if r.Headline != "Halton Meter is not installed" {
		t.Errorf("headline %q", r.Headline)
	}
}

func TestVersionSources(t *testing.T) {
	f := healthyFacts(ModeApps)
	if r := Evaluate(f); r.Version != "0.6.3" || r.VersionSource != "/health" {
		t.Errorf("from /health: %s %s", r.Version, r.VersionSource)
	}
	f.Health.Version, f.DistVersion = "", "0.6.2"
	if r := Evaluate(f); r.Version != "0.6.2" || r.VersionSource != "dist-info" {
		t.Errorf("from dist-info: %s %s", r.Version, r.VersionSource)
	}
	f.DistVersion = ""
	if r := Evaluate(f); r.Version != "unknown" {
		t.Errorf("unknown: %s", r.Version)
	}
}

func TestHeadlines(t *testing.T) {
	tests := []struct {
		name   string
		mode   string
		change func(*Facts)
		want   string
	}{
		{"healthy", ModeApps, nil, "All healthy"},
		{"daemon stopped", ModeApps, func(f *Facts) {
			delete(f.Launchd.Jobs, LabelDaemon)
			delete(f.Launchd.Jobs, LabelWatchdog)
			f.Internal.Accepting, f.API.Accepting = false, false
		}, "Daemon stopped — not metering"},
		{"edge down leads even when listed later", ModeApps, func(f *Facts) {
			setJob(f, LabelDaemon, JobInfo{Loaded: true, HasStatus: true, Status: -9})
			f.Internal.Accepting, f.API.Accepting = false, false
			setJob(f, LabelEdge, JobInfo{Loaded: true, HasStatus: true, Status: -9})
			f.Edge.Accepting = false
		}, "Edge stopped — proxied apps lose their network (+1 more)"},
		{"launchd", ModeApps, func(f *Facts) { f.Launchd = LaunchdFacts{Problem: "launchctl timed out after 1.5s"} }, "Cannot ask launchd: launchctl timed out after 1.5s"},
		{"watchdog", ModeApps, func(f *Facts) { setJob(f, LabelWatchdog, JobInfo{Loaded: true, HasStatus: true, Status: -9}) }, "Watchdog stopped — no fail-safe"},
	}
	for _, tt := range tests {
		f := healthyFacts(tt.mode)
		if tt.change != nil {
			tt.change(&f)
		}
		if got := Evaluate(f).Headline; got != tt.want {
			t.Errorf("%s: headline %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestExitCodes(t *testing.T) {
	for overall, code := range map[Overall]int{OverallHealthy: 0, OverallDegraded: 1, OverallDown: 2, OverallUnknown: 3, OverallNotInstalled: 3} {
		r := Report{Overall: overall}
		if r.ExitCode() != code {
			t.Errorf("%s: %d, want %d", overall, r.ExitCode(), code)
		}
	}
}

func TestInitStep(t *testing.T) {
	for mode, want := range map[string]string{ModeEnvOnly: "halton-meter init", ModeApps: "halton-meter init --apps", ModeFull: "halton-meter init --full", "": "halton-meter init --apps"} {
		if got := InitStep(mode); got != want || !strings.HasPrefix(got, "halton-meter init") {
			t.Errorf("%q: %q", mode, got)
		}
	}
}
