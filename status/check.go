package status

import (
	"context"
	"fmt"
	"sync"
	"time"
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

// probe gathers the facts of one sweep. Its probes run concurrently and
// are counted in probes, when given.
func probe(ctx context.Context, cfg Config, reuse cache, probes *sync.WaitGroup) (f Facts) {
	if probes == nil {
		probes = &sync.WaitGroup{}
	}
	start := time.Now()
	deadline := cfg.timeout()
	ctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
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
	}()
	if f.Problem != "" {
		f.CheckedAt = cfg.now()
		return f
	}
	f.Install = probeInstall(cfg)
	f.Ports = probePorts(cfg)
	f.CheckedAt = cfg.now()
	if !f.Install.Installed {
		return f
	}
	// The slow probes start first; the file reads below overlap with them.
	running := startProbes(ctx, cfg, runner, f, reuse, probes)
	f.Sentinels = probeSentinels(cfg)
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
}

// startProbes starts the probes that wait on a process or a listener, each
// with its own timeout within the sweep's: launchd (unless reuse has its
// answer), the system proxy, the three ports, /health and the daemon's API.
func startProbes(ctx context.Context, cfg Config, runner Runner, f Facts, reuse cache, probes *sync.WaitGroup) *running {
	deadline := cfg.timeout()
	tools, connect, api := toolTimeout(deadline), connectTimeout(deadline), healthTimeout(deadline)
	ports := f.Ports
	return &running{
		deadline: deadline, ports: ports,
		launchd: goProbe(probes, func() LaunchdFacts {
			if reuse.launchd != nil {
				return *reuse.launchd
			}
			return probeLaunchd(ctx, runner, cfg, tools, f.Install.Agents)
		}),
		proxy:    goProbe(probes, func() ProxyFacts { return probeProxy(ctx, cfg, runner, tools) }),
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
	f.Launchd = await(ctx, p.launchd, func() LaunchdFacts { return LaunchdFacts{Problem: late("launchctl")} })
	f.Proxy = await(ctx, p.proxy, func() ProxyFacts { return ProxyFacts{Problem: late("system proxy probe")} })
	f.Edge = await(ctx, p.edge, func() PortFacts { return PortFacts{Port: p.ports.Edge, Problem: late("connect")} })
	f.Internal = await(ctx, p.internal, func() PortFacts { return PortFacts{Port: p.ports.Internal, Problem: late("connect")} })
	f.API = await(ctx, p.api, func() PortFacts { return PortFacts{Port: p.ports.API, Problem: late("connect")} })
	f.Health = await(ctx, p.health, func() HealthFacts { return HealthFacts{Problem: late("/health"), TimedOut: true} })
	f.Metering.Status = await(ctx, p.status, func() StatusFacts { return StatusFacts{Problem: late(pathDaemonStatus)} })
	f.Metering.Stats = await(ctx, p.stats, func() *StatsFacts { return &StatsFacts{At: f.CheckedAt, Problem: late(pathStats)} })
}

// daemonVersion reads the version from the daemon plist's venv, or "".
func daemonVersion(cfg Config) string {
	a, err := ReadLaunchAgent(cfg.PlistPath(LabelDaemon))
	if err != nil {
		return ""
	}
	v, err := DistInfoVersion(a.Executable())
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
