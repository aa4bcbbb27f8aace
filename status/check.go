package status

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/haltonlabs/halton-meter-bar/internal/userfs"
)

// spawnCounter is a Runner that can say how many processes it started.
type spawnCounter interface{ Spawned() int }

// Per-probe timeouts as fractions of the sweep deadline, so that a probe
// that times out still reports before the sweep's own deadline.
func toolTimeout(deadline time.Duration) time.Duration { return deadline * 3 / 4 }
func healthTimeout(deadline time.Duration) time.Duration {
	return min(deadline/2, 1500*time.Millisecond)
}
func connectTimeout(deadline time.Duration) time.Duration {
	return min(deadline/4, 500*time.Millisecond)
}

// Check probes the install described by cfg and returns its Report. All
// probes run concurrently; Check returns by cfg.Timeout (default 2 s)
// whatever has not answered, marking it unknown.
func Check(ctx context.Context, cfg Config) Report {
	return Evaluate(probe(ctx, cfg, cache{}, nil))
}

// cache is what a sweep may reuse of an earlier one's.
type cache struct {
	launchd *LaunchdFacts
	stats   *StatsFacts
}

// StatsEvery is how often a long-running monitor asks /v1/stats: the spend
// moves slowly, and the daemon computes it from its database.
const StatsEvery = time.Minute

// Sweeper runs the sweeps of a long-running monitor. A full sweep asks
// launchd; a light one reuses launchd's last answer and probes the rest,
// which spawns no process when preferences.plist is readable. A monitor
// that learns of process exits by events needs launchd only now and then.
type Sweeper struct {
	Cfg Config

	mu      sync.Mutex
	launchd *LaunchdFacts
	// stats are the last /v1/stats answer, good or not; staleStats asks
	// again at the next sweep whatever its age (Refresh Now).
	stats      *StatsFacts
	staleStats bool
	// probes are the probes still running: a sweep returns at its
	// deadline, the probe (and its process) a moment later.
	probes sync.WaitGroup
}

// Wait waits for every probe of past sweeps to end, so that no tool a
// sweep started outlives the monitor that asked for it.
func (s *Sweeper) Wait() { s.probes.Wait() }

// Invalidate makes the next sweep ask for every figure afresh.
func (s *Sweeper) Invalidate() {
	s.mu.Lock()
	s.staleStats = true
	s.mu.Unlock()
}

// statsCache is what a sweep may reuse of /v1/stats: an answer younger
// than StatsEvery, unless invalidated.
func (s *Sweeper) statsCache() *StatsFacts {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stats == nil || s.staleStats || s.Cfg.now().Sub(s.stats.At) >= StatsEvery {
		s.staleStats = false
		return nil
	}
	return s.stats
}

// keep remembers what the next sweeps may reuse: /v1/stats's answer,
// whatever it was. A failure is asked again no sooner than a good answer
// (Refresh Now aside), so a daemon whose /v1/stats hangs or fails costs
// its timeout once a minute, not at every sweep.
func (s *Sweeper) keep(f Facts) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := f.Metering.Stats; st != nil && !f.Metering.StatsCached {
		s.stats = st
	}
}

// Full is a sweep that asks launchd.
func (s *Sweeper) Full(ctx context.Context) Report {
	f := probe(ctx, s.Cfg, cache{stats: s.statsCache()}, &s.probes)
	s.keep(f)
	s.mu.Lock()
	if f.Install.Installed && f.Launchd.Problem == "" {
		l := f.Launchd
		s.launchd = &l
	} else {
		s.launchd = nil
	}
	s.mu.Unlock()
	return Evaluate(f)
}

// Light is a sweep with launchd's last answer; false when there is none
// to reuse, and a full sweep is needed.
func (s *Sweeper) Light(ctx context.Context) (Report, bool) {
	s.mu.Lock()
	cached := s.launchd
	s.mu.Unlock()
	if cached == nil {
		return Report{}, false
	}
	f := probe(ctx, s.Cfg, cache{launchd: cached, stats: s.statsCache()}, &s.probes)
	s.keep(f)
	r := Evaluate(f)
	r.Sweep.LaunchdCached = true
	return r, true
}

// probe gathers the facts of one sweep, every one of them under the
// sweep's deadline, the file reads and decodes too: launchd's process
// (the critical path) is started as soon as the install is known to be
// there, the ports' files are read beside it, and whatever has not
// answered by the deadline is unknown with the real reason ("config.toml
// could not be read in time"), never blamed on another probe. The probes
// that start processes are counted in probes, when given.
func probe(ctx context.Context, cfg Config, reuse cache, probes *sync.WaitGroup) (f Facts) {
	if probes == nil {
		probes = &sync.WaitGroup{}
	}
	start := time.Now()
	deadline := cfg.timeout()
	ctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	short := &shortage{}
	ctx = context.WithValue(ctx, shortageKey{}, short)
	runner := cfg.Runner
	if runner == nil {
		runner = &ExecRunner{}
	}
	spawnedBefore := spawned(runner)
	f = Facts{Home: cfg.Home, MeterHome: cfg.MeterHome, Deadline: deadline, BarVersion: cfg.BarVersion,
		UID: cfg.UID, User: cfg.User, Problem: cfg.Problem}
	defer func() {
		f.Spawned = spawned(runner) - spawnedBefore
		f.Duration = time.Since(start)
		f.Shortage = short.String()
	}()
	if f.Problem != "" {
		f.CheckedAt = cfg.now()
		return f
	}
	files := readFiles(cfg, short)
	tools := toolTimeout(deadline)
	var asked atomic.Bool // launchctl was started: a late answer is its own
	launchd := goProbe(probes, func() LaunchdFacts {
		if reuse.launchd != nil {
			return *reuse.launchd
		}
		select {
		case install := <-files.installSeen:
			if !install.Installed {
				return LaunchdFacts{}
			}
			asked.Store(true)
			return probeLaunchd(ctx, runner, cfg, tools, install.Agents)
		case <-ctx.Done():
			return LaunchdFacts{Problem: "launchd was not asked: " + files.late()}
		}
	})
	proxy := goProbe(probes, func() ProxyFacts { return probeProxy(ctx, cfg, runner, tools) })
	f.Install = await(ctx, files.install, func() InstallFacts {
		return InstallFacts{Installed: true, Problem: files.late(), ModePath: filepath.Join(cfg.MeterHome, "install-mode")}
	})
	f.CheckedAt = cfg.now()
	if !f.Install.Installed {
		f.Ports = await(ctx, files.ports, func() Ports { return guessedPorts(files.late()) })
		return f
	}
	portsLate := ""
	f.Ports = await(ctx, files.ports, func() Ports { portsLate = files.late(); return guessedPorts(portsLate) })
	running := &running{deadline: deadline, ports: f.Ports, unchecked: portsLate}
	if portsLate == "" { // the listeners are probed on the ports the files give
		running = startProbes(ctx, cfg, f, reuse, probes)
	}
	running.launchd, running.proxy = launchd, proxy
	running.launchdLate = func() string {
		if reuse.launchd != nil || asked.Load() {
			return ""
		}
		return "launchd was not asked: " + files.late()
	}
	f.Sentinels = await(ctx, files.sentinels, func() SentinelFacts { return SentinelFacts{Problem: files.late()} })
	running.collect(ctx, &f)
	f.Metering.StatsCached = reuse.stats != nil

	// The version comes from the daemon's own /health; when it gives none,
	// or the process answering is not the daemon launchd runs (an
	// impostor on its port), from the install's venv, within the deadline.
	if f.Health.Version == "" || !f.Launchd.Job(LabelDaemon).Running() {
		distCh := goProbe(probes, func() string { return daemonVersion(cfg) })
		f.DistVersion = await(ctx, distCh, func() string { return "" })
	}
	return f
}

// fileReads are the install's files being read, off the sweep's path:
// each result on its channel as it comes, and the file being read now,
// for the reason of a sweep that could not wait for it.
type fileReads struct {
	short       *shortage
	install     chan InstallFacts
	installSeen chan InstallFacts // the same, for launchd's probe
	ports       chan Ports
	sentinels   chan SentinelFacts
	reading     atomic.Value // string: the file being read
}

// readFiles reads the install's files in order, on a goroutine of its
// own: it starts no process, so nothing waits for it past the deadline.
func readFiles(cfg Config, short *shortage) *fileReads {
	r := &fileReads{short: short, install: make(chan InstallFacts, 1), installSeen: make(chan InstallFacts, 1),
		ports: make(chan Ports, 1), sentinels: make(chan SentinelFacts, 1)}
	r.reading.Store(cfg.Display(cfg.MeterHome))
	go func() {
		// One sweep's reads share the folders they walk to.
		a := cfg.Files().Reuse()
		defer a.Close()
		install := probeInstall(cfg, a, r)
		r.install <- install
		r.installSeen <- install
		r.ports <- probePorts(cfg, a, r)
		r.at(filepath.Join(cfg.MeterHome, "proxy-managed"), cfg)
		r.sentinels <- probeSentinels(cfg, a, r)
	}()
	return r
}

// at notes the file being read now.
func (r *fileReads) at(path string, cfg Config) { r.reading.Store(cfg.Display(path)) }

// read reads a file of the install, noting a shortage of the process's.
func (r *fileReads) read(a userfs.As, path string, max int) ([]byte, error) {
	b, err := readAs(a, path, max)
	r.note(err)
	return b, err
}

// note records err when it is the process's own shortage.
func (r *fileReads) note(err error) {
	if r != nil {
		r.short.note(err)
	}
}

// late is why the files' facts are missing at the deadline.
func (r *fileReads) late() string {
	return r.reading.Load().(string) + " could not be read in time"
}

// guessedPorts are the defaults, only a guess, for a sweep whose ports'
// files could not be read (why).
func guessedPorts(why string) Ports {
	return Ports{Edge: DefaultEdgePort, Internal: DefaultInternalPort, API: DefaultAPIPort, Source: PortsFromDefaults, Guess: true, Problem: why}
}

// spawned is how many processes r has started, where it counts them.
func spawned(r Runner) int {
	if c, ok := r.(spawnCounter); ok {
		return c.Spawned()
	}
	return 0
}

// running are the probes of a sweep under way: each answers on its channel.
type running struct {
	deadline            time.Duration
	launchd             <-chan LaunchdFacts
	proxy               <-chan ProxyFacts
	edge, internal, api <-chan PortFacts
	health              <-chan HealthFacts
	status              <-chan StatusFacts
	stats               <-chan *StatsFacts
	ports               Ports
	// launchdLate says why launchd has no answer when it was never asked
	// (it waited for the install's files); "" when it was.
	launchdLate func() string
	// unchecked says why the listeners were not probed at all (their
	// ports could not be read in time); "" when they were.
	unchecked string
}

// startProbes starts the probes that wait on a listener, each with its
// own timeout within the sweep's: the three ports, /health and the
// daemon's API (launchd and the system proxy are started before).
func startProbes(ctx context.Context, cfg Config, f Facts, reuse cache, probes *sync.WaitGroup) *running {
	deadline := cfg.timeout()
	connect, api := connectTimeout(deadline), healthTimeout(deadline)
	ports := f.Ports
	return &running{
		deadline: deadline, ports: ports,
		edge:     goProbe(probes, func() PortFacts { return probePort(ctx, ports.Edge, connect) }),
		internal: goProbe(probes, func() PortFacts { return probePort(ctx, ports.Internal, connect) }),
		api:      goProbe(probes, func() PortFacts { return probePort(ctx, ports.API, connect) }),
		health:   goProbe(probes, func() HealthFacts { return probeHealth(ctx, ports.API, api) }),
		status:   goProbe(probes, func() StatusFacts { return probeDaemonStatus(ctx, ports.API, api, f.CheckedAt) }),
		stats: goProbe(probes, func() *StatsFacts {
			if reuse.stats != nil {
				return reuse.stats
			}
			return probeStats(ctx, ports.API, api, f.CheckedAt)
		}),
	}
}

// collect takes every probe's answer into f; one that has not answered by
// the sweep's deadline is unknown, saying so.
func (p *running) collect(ctx context.Context, f *Facts) {
	late := func(what string) string {
		return fmt.Sprintf("%s did not answer within the %s deadline", what, fmtDuration(p.deadline))
	}
	f.Launchd = await(ctx, p.launchd, func() LaunchdFacts {
		if p.launchdLate != nil {
			if why := p.launchdLate(); why != "" {
				return LaunchdFacts{Problem: why}
			}
		}
		return LaunchdFacts{Problem: late("launchctl")}
	})
	f.Proxy = await(ctx, p.proxy, func() ProxyFacts { return ProxyFacts{Problem: late("system proxy probe")} })
	if p.unchecked != "" {
		late = func(string) string { return "not checked: " + p.unchecked }
	}
	f.Edge = await(ctx, p.edge, func() PortFacts { return PortFacts{Port: p.ports.Edge, Problem: late("connect")} })
	f.Internal = await(ctx, p.internal, func() PortFacts { return PortFacts{Port: p.ports.Internal, Problem: late("connect")} })
	f.API = await(ctx, p.api, func() PortFacts { return PortFacts{Port: p.ports.API, Problem: late("connect")} })
	f.Health = await(ctx, p.health, func() HealthFacts { return HealthFacts{Problem: late("/health"), TimedOut: true} })
	f.Metering.Status = await(ctx, p.status, func() StatusFacts { return StatusFacts{Problem: late(pathDaemonStatus)} })
	f.Metering.Stats = await(ctx, p.stats, func() *StatsFacts { return &StatsFacts{At: f.CheckedAt, Problem: late(pathStats)} })
}

// daemonVersion reads the version from the daemon plist's venv, or "".
func daemonVersion(cfg Config) string {
	files := cfg.Files()
	a, err := readLaunchAgent(files, cfg.PlistPath(LabelDaemon))
	if err != nil {
		return ""
	}
	v, err := distInfoVersion(files, a.Executable())
	if err != nil {
		return ""
	}
	return v
}

func goProbe[T any](probes *sync.WaitGroup, fn func() T) <-chan T {
	ch := make(chan T, 1)
	probes.Add(1)
	go func() {
		defer probes.Done()
		ch <- fn()
	}()
	return ch
}

// await takes a probe's answer, or the fallback once the sweep's deadline
// has passed. A probe that answers in the same instant still wins.
func await[T any](ctx context.Context, ch <-chan T, fallback func() T) T {
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		select {
		case v := <-ch:
			return v
		default:
			return fallback()
		}
	}
}
