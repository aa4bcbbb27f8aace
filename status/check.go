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
func probe(ctx context.Context, cfg Config, reuse cache, probes *sync.WaitGroup) Facts {
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
	spawnedBefore := 0
	if c, ok := runner.(spawnCounter); ok {
		spawnedBefore = c.Spawned()
	}

	f := Facts{Home: cfg.Home, MeterHome: cfg.MeterHome, Deadline: deadline, BarVersion: cfg.BarVersion,
		UID: cfg.UID, User: cfg.User, Problem: cfg.Problem}
	if f.Problem != "" {
		f.CheckedAt = cfg.now()
		f.Duration = time.Since(start)
		return f
	}
	f.Install = probeInstall(cfg)
	f.Ports = probePorts(cfg)
	f.CheckedAt = cfg.now()
	if !f.Install.Installed {
		f.Duration = time.Since(start)
		return f
	}

	// The slow probes start first; the file reads below overlap with them.
	tools := toolTimeout(deadline)
	launchdCh := goProbe(probes, func() LaunchdFacts {
		if reuse.launchd != nil {
			return *reuse.launchd
		}
		return probeLaunchd(ctx, runner, cfg, tools, f.Install.Agents)
	})
	proxyCh := goProbe(probes, func() ProxyFacts { return probeProxy(ctx, cfg, runner, tools) })
	connect := connectTimeout(deadline)
	edgeCh := goProbe(probes, func() PortFacts { return probePort(ctx, f.Ports.Edge, connect) })
	internalCh := goProbe(probes, func() PortFacts { return probePort(ctx, f.Ports.Internal, connect) })
	apiCh := goProbe(probes, func() PortFacts { return probePort(ctx, f.Ports.API, connect) })
	healthCh := goProbe(probes, func() HealthFacts { return probeHealth(ctx, f.Ports.API, healthTimeout(deadline)) })
	statusCh := goProbe(probes, func() StatusFacts { return probeDaemonStatus(ctx, f.Ports.API, healthTimeout(deadline), f.CheckedAt) })
	statsCh := goProbe(probes, func() *StatsFacts {
		if reuse.stats != nil {
			return reuse.stats
		}
		return probeStats(ctx, f.Ports.API, healthTimeout(deadline), f.CheckedAt)
	})

	f.Sentinels = probeSentinels(cfg)

	late := func(what string) string {
		return fmt.Sprintf("%s did not answer within the %s deadline", what, fmtDuration(deadline))
	}
	f.Launchd = await(ctx, launchdCh, func() LaunchdFacts { return LaunchdFacts{Problem: late("launchctl")} })
	f.Proxy = await(ctx, proxyCh, func() ProxyFacts { return ProxyFacts{Problem: late("system proxy probe")} })
	f.Edge = await(ctx, edgeCh, func() PortFacts { return PortFacts{Port: f.Ports.Edge, Problem: late("connect")} })
	f.Internal = await(ctx, internalCh, func() PortFacts { return PortFacts{Port: f.Ports.Internal, Problem: late("connect")} })
	f.API = await(ctx, apiCh, func() PortFacts { return PortFacts{Port: f.Ports.API, Problem: late("connect")} })
	f.Health = await(ctx, healthCh, func() HealthFacts { return HealthFacts{Problem: late("/health"), TimedOut: true} })
	f.Metering.Status = await(ctx, statusCh, func() StatusFacts { return StatusFacts{Problem: late(pathDaemonStatus)} })
	f.Metering.Stats = await(ctx, statsCh, func() *StatsFacts { return &StatsFacts{At: f.CheckedAt, Problem: late(pathStats)} })
	f.Metering.StatsCached = reuse.stats != nil

	// The version comes from the daemon's own /health; when it gives none,
	// or the process answering is not the daemon launchd runs (an
	// impostor on its port), from the install's venv, within the deadline.
	if f.Health.Version == "" || !f.Launchd.Job(LabelDaemon).Running() {
		distCh := goProbe(probes, func() string { return daemonVersion(cfg) })
		f.DistVersion = await(ctx, distCh, func() string { return "" })
	}
	if c, ok := runner.(spawnCounter); ok {
		f.Spawned = c.Spawned() - spawnedBefore
	}
	f.Duration = time.Since(start)
	return f
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
