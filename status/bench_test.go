package status

import (
	"context"
	"testing"

	"github.com/haltonlabs/halton-meter-bar/status/statustest"
)

// instantRunner answers launchctl and networksetup from memory, so a
// benchmark measures the engine itself, not process start-up.
type instantRunner struct {
	table   []byte
	spawned int
}

func (r *instantRunner) Run(ctx context.Context, path string, args ...string) (Result, error) {
	r.spawned++
	return Result{Stdout: r.table}, nil
}

func (r *instantRunner) Spawned() int { return r.spawned }

func benchWorld(b *testing.B) *testWorld {
	w := statustest.New(b, ModeApps)
	return &testWorld{World: w, cfg: Config{
		Home: w.Home, MeterHome: w.MeterHome, LaunchAgentsDir: w.LaunchAgents,
		Launchctl: w.Launchctl, Networksetup: w.Networksetup, Preferences: w.Preferences,
		Timeout: DefaultTimeout,
	}}
}

// BenchmarkSweep is one full sweep of a healthy apps-mode install, with a
// real launchctl process (a shell script) and real loopback listeners and
// /health server. It reports the processes spawned per sweep.
func BenchmarkSweep(b *testing.B) { benchSweep(b, &ExecRunner{}) }

// BenchmarkSweepInstantProbes is the engine's own time: every probe answers
// at once (launchctl from memory; the listeners and /health are real).
func BenchmarkSweepInstantProbes(b *testing.B) {
	benchSweep(b, &instantRunner{table: []byte(statustest.HealthyTable())})
}

func benchSweep(b *testing.B, runner interface {
	Runner
	spawnCounter
}) {
	w := benchWorld(b)
	w.cfg.Runner = runner
	b.ReportAllocs()
	var r Report
	for b.Loop() {
		r = Check(context.Background(), w.cfg)
	}
	if r.Overall != OverallHealthy {
		b.Fatalf("overall %s: %s", r.Overall, r.Headline)
	}
	b.ReportMetric(float64(runner.Spawned())/float64(b.N), "spawns/op")
}

// BenchmarkEvaluate is the rules alone.
func BenchmarkEvaluate(b *testing.B) {
	f := healthyFacts(ModeFull)
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(f)
	}
}
