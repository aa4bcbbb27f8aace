package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/internal/testwait"
	"github.com/haltonlabs/halton-meter-bar/status"
	simworld "github.com/haltonlabs/halton-meter-bar/status/sim"
)

// TestBenchReport measures what docs/performance.md reports, on the
// simulator, and writes that file. It runs only from `make bench`
// (HALTON_BENCH=1); BENCH_IDLE sets the idle run (default 10m).
func TestBenchReport(t *testing.T) {
	if os.Getenv("HALTON_BENCH") == "" {
		t.Skip("run by make bench")
	}
	idle := 10 * time.Minute
	if v := os.Getenv("BENCH_IDLE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		idle = d
	}
	var r benchReport
	r.engine(t)
	r.spawnsPerSweep(t)
	r.versusByHand(t, 31)
	r.startup(t, 31)
	r.hungProbes(t, 5)
	r.detection(t, 20)
	r.idleCost(t, idle)
	r.windowAtRest(t, 3, 15*time.Second, 30*time.Second)
	if err := os.WriteFile("../docs/performance.md", []byte(r.markdown()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Log(r.markdown())
}

type benchReport struct {
	benchLines  []string
	fullSpawns  int
	lightSpawns int
	jsonMedian  time.Duration
	handMedian  time.Duration
	handSpawns  int
	runs        int
	hung        []hungResult
	latencies   []time.Duration
	idleFor     time.Duration
	idleCPU     float64
	idleRSS     int // kB
	idleHWM     int // kB
	idleAnon    int // kB
	idleFile    int // kB
	idleSpawns  int
	deadline    time.Duration
	window      []windowRun  // the details window at rest
	floor       []windowRun  // fyne's empty window
	startups    []startupRun // this tree, beforeFleet, startupBaseline
	startupRuns int
	windowSpan  time.Duration
}

type hungResult struct {
	fault      string
	engineMax  float64 // ms, as the report says
	wallMedian time.Duration
	wallMax    time.Duration
	row, state string
}

// engine runs the engine's Go benchmarks.
func (r *benchReport) engine(t *testing.T) {
	out, err := exec.Command("go", "test", "../status", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", "2s").CombinedOutput()
	if err != nil {
		t.Fatalf("go test -bench: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "Benchmark") {
			r.benchLines = append(r.benchLines, strings.Join(strings.Fields(line), " "))
		}
	}
}

func callCount(dir string) int {
	b, _ := os.ReadFile(simworld.CallsLog(dir))
	return bytes.Count(b, []byte("\n"))
}

// spawnsPerSweep counts, from the simulator's side, the processes a full
// and a light sweep start.
func (r *benchReport) spawnsPerSweep(t *testing.T) {
	w := up(t, "apps")
	before := callCount(w.dir)
	if _, code := w.check(); code != 0 {
		t.Fatal("the world is not healthy")
	}
	r.fullSpawns = callCount(w.dir) - before
	cfg := status.ConfigFromEnviron(w.env)
	sw := &status.Sweeper{Cfg: cfg}
	sw.Full(t.Context())
	before = callCount(w.dir)
	if _, ok := sw.Light(t.Context()); !ok {
		t.Fatal("no light sweep")
	}
	r.lightSpawns = callCount(w.dir) - before
}

// byHand is what the vendor's status page calls reading the underlying
// state by hand, for every row of the table.
const byHand = `#!/usr/bin/env bash
hm=$HALTON_METER_HOME
for label in com.haltonlabs.meter com.haltonlabs.meter.watchdog com.haltonlabs.meter.edge com.haltonlabs.meter.userenv; do
	"$HALTON_BAR_LAUNCHCTL" list "$label"
done
cat "$hm/effective-ports.json" "$hm/install-mode"
ls "$hm/proxy-managed" "$hm/apps-managed"
for port in $(grep -o '[0-9][0-9]*' "$hm/effective-ports.json"); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") && echo "$port open"
done
curl -s "http://127.0.0.1:$(grep -o '"api": [0-9]*' "$hm/effective-ports.json" | grep -o '[0-9]*$')/health"
"$HALTON_BAR_NETWORKSETUP" -listallnetworkservices | tail -n +2 | grep -v '^\*' | while read -r svc; do
	"$HALTON_BAR_NETWORKSETUP" -getsecurewebproxy "$svc"
done
`

func timeRun(t *testing.T, env []string, name string, args ...string) time.Duration {
	cmd := exec.Command(name, args...)
	cmd.Env = env
	start := time.Now()
	cmd.Run()
	return time.Since(start)
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// versusByHand times `halton-meter-bar --json` and the by-hand script,
// interleaved, against the same world.
func (r *benchReport) versusByHand(t *testing.T, runs int) {
	w := up(t, "apps")
	script := filepath.Join(t.TempDir(), "by-hand.sh")
	os.WriteFile(script, []byte(byHand), 0o755)
	env := append(os.Environ(), w.env...)
	var js, hand []time.Duration
	before := callCount(w.dir)
	cmd := exec.Command(script)
	cmd.Env = env
	cmd.Run()
	r.handSpawns = callCount(w.dir) - before
	for i := 0; i < runs; i++ {
		js = append(js, timeRun(t, env, bin("halton-meter-bar"), "--json"))
		hand = append(hand, timeRun(t, env, script))
	}
	r.jsonMedian, r.handMedian, r.runs = median(js), median(hand), runs
}

// hungProbes times a sweep with /health and with launchctl hung.
func (r *benchReport) hungProbes(t *testing.T, runs int) {
	r.deadline = status.DefaultTimeout
	for _, tc := range []struct{ fault, row string }{{"health-hang", "fastapi listener"}, {"launchctl-hang", "daemon"}} {
		w := up(t, "apps")
		w.fault(tc.fault)
		res := hungResult{fault: tc.fault, row: tc.row}
		var walls []time.Duration
		for i := 0; i < runs; i++ {
			start := time.Now()
			rep, _ := w.check()
			walls = append(walls, time.Since(start))
			res.engineMax = max(res.engineMax, rep.Sweep.DurationMS)
			c, _ := rep.Row(status.ComponentName(tc.row))
			res.state = string(c.State) + ": " + c.Detail
		}
		res.wallMedian = median(walls)
		sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
		res.wallMax = walls[len(walls)-1]
		r.hung = append(r.hung, res)
	}
}

// daemonPID is the simulated daemon's PID, from the world's state.
func daemonPID(t *testing.T, dir string) int {
	s, err := simworld.LoadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s.Job(status.LabelDaemon).PID
}

// detection times, from `halton-meter-sim fault daemon-crash` to the
// tray's menu showing the daemon stopped.
func (r *benchReport) detection(t *testing.T, runs int) {
	d := startDesktop(t)
	w := up(t, "apps")
	p := startTray(t, d, w.env, "--poll-healthy", "30s", "--poll-unhealthy", "5s")
	for i := 0; i < runs; i++ {
		pid := daemonPID(t, w.dir)
		p.waitMenu("the tray on the current daemon", func(by map[string]menuEntry, _ []menuEntry) bool {
			return by["daemon"].label == fmt.Sprintf("daemon — healthy · PID %d", pid)
		})
		// The tray says which processes it watches; a crash before the watch
		// on this daemon is armed would measure the poll instead.
		testwait.For(t, "the watch on the daemon", func() bool {
			return regexp.MustCompile(`watching processes [0-9, ]*\b` + strconv.Itoa(pid) + `\b`).MatchString(p.stderr.String())
		})
		start := time.Now()
		w.fault("daemon-crash")
		for {
			entries, err := d.menu(p.it)
			if err == nil {
				by, _ := index(entries)
				if strings.HasPrefix(by["daemon"].label, "daemon — stopped") {
					break
				}
			}
			if time.Since(start) > 60*time.Second {
				t.Fatal("the crash was never seen")
			}
			time.Sleep(5 * time.Millisecond)
		}
		r.latencies = append(r.latencies, time.Since(start))
		if _, err := sim(t, "heal", "--dir", w.dir); err != nil {
			t.Fatal(err)
		}
	}
}

var procStat = regexp.MustCompile(`\) \S+ (?:\S+ ){10}(\d+) (\d+)`)

// cpuTicks is a process's user and system time in clock ticks.
func cpuTicks(t *testing.T, pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	m := procStat.FindSubmatch(b)
	if m == nil {
		t.Fatalf("stat: %s", b)
	}
	u, _ := strconv.Atoi(string(m[1]))
	s, _ := strconv.Atoi(string(m[2]))
	return u + s
}

func statusKB(t *testing.T, pid int, key string) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, key+":") {
			n, _ := strconv.Atoi(strings.Fields(line)[1])
			return n
		}
	}
	return 0
}

// idleCost runs the tray against a healthy world and measures it.
func (r *benchReport) idleCost(t *testing.T, idle time.Duration) {
	d := startDesktop(t)
	w := up(t, "apps")
	// The tray as shipped: the test harness's fast polling undone.
	p := startTray(t, d, w.env, "--poll-healthy", "0", "--poll-unhealthy", "5s", "--grace", "10s")
	pid := p.cmd.Process.Pid
	p.waitMenu("healthy", func(by map[string]menuEntry, _ []menuEntry) bool { return by["All healthy"].label != "" })
	time.Sleep(20 * time.Second) // past start-up
	ticks, calls, start := cpuTicks(t, pid), callCount(w.dir), time.Now()
	time.Sleep(idle)
	r.idleFor = time.Since(start)
	const clkTck = 100 // USER_HZ on Linux
	r.idleCPU = float64(cpuTicks(t, pid)-ticks) / clkTck / r.idleFor.Seconds() * 100
	r.idleRSS, r.idleHWM = statusKB(t, pid, "VmRSS"), statusKB(t, pid, "VmHWM")
	r.idleAnon, r.idleFile = statusKB(t, pid, "RssAnon"), statusKB(t, pid, "RssFile")
	r.idleSpawns = callCount(w.dir) - calls
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func mark(ok bool) string {
	if ok {
		return "met"
	}
	return "**not met**"
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "model name") {
			_, v, _ := strings.Cut(line, ":")
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func (r *benchReport) markdown() string {
	var b strings.Builder
	lat := append([]time.Duration(nil), r.latencies...)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	latMedian, latWorst := median(lat), lat[len(lat)-1]
	perMinute := float64(r.idleSpawns) / r.idleFor.Minutes()
	ratio := float64(r.handMedian) / float64(r.jsonMedian)
	goVersion, _ := exec.Command("go", "env", "GOVERSION").Output()

	fmt.Fprintf(&b, "# Performance\n\nMeasured by `make bench` on %s: %s, %d cores, Linux, %s. Every figure comes from one run of `e2e/bench_test.go` against the simulator (`status/sim`): real processes on loopback, and fake `launchctl` and `networksetup` that are the simulator's own Go binary, each call a real process. On a Mac the real `launchctl` and `networksetup` are slower than these fakes, which favours the by-hand script below, not us.\n\n",
		time.Now().UTC().Format("2006-01-02"), cpuModel(), runtime.NumCPU(), strings.TrimSpace(string(goVersion)))

	b.WriteString("## Targets\n\n| target | measured | |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| at most 1 process per full sweep | %d per full sweep, %d per light sweep | %s |\n", r.fullSpawns, r.lightSpawns, mark(r.fullSpawns <= 1))
	fmt.Fprintf(&b, "| at most 2 processes a minute while healthy | %.2f a minute (%d in %s of the tray idle) | %s |\n", perMinute, r.idleSpawns, r.idleFor.Round(time.Second), mark(perMinute <= 2))
	fmt.Fprintf(&b, "| `--json` at least 5× faster than by hand | %.1f× (%s against %s, medians) | %s |\n", ratio, ms(r.jsonMedian), ms(r.handMedian), mark(ratio >= 5))
	hungOK := true
	for _, h := range r.hung {
		hungOK = hungOK && h.engineMax <= float64(r.deadline.Milliseconds())
	}
	fmt.Fprintf(&b, "| a hung probe never delays the report past the %s deadline | engine at most %.0f ms; process at most %s | %s |\n", r.deadline, maxEngine(r.hung), ms(maxWall(r.hung)), mark(hungOK))
	fmt.Fprintf(&b, "| median detection under 1 s | median %s, worst %s over %d crashes | %s |\n", ms(latMedian), ms(latWorst), len(lat), mark(latMedian < time.Second))
	fmt.Fprintf(&b, "| tray idle RSS under 30 MB | %.1f MB (peak %.1f MB) | %s |\n", float64(r.idleRSS)/1024, float64(r.idleHWM)/1024, mark(r.idleRSS < 30*1024))
	fmt.Fprintf(&b, "| tray idle CPU under 0.2 %% of one core | %.3f %% | %s |\n", r.idleCPU, mark(r.idleCPU < 0.2))
	if len(r.window) > 0 {
		ours, floor := medianRun(r.window), medianRun(r.floor)
		fmt.Fprintf(&b, "| details window at rest under 2 %% of one core | %.2f %% (fyne's empty window: %.2f %%) | %s |\n", ours.cpu, floor.cpu, mark(ours.cpu < 2))
	}
	b.WriteString(r.startupTargets())
	b.WriteString("\n")

	b.WriteString("## 1. The engine's sweep\n\n`go test ./status -bench . -benchmem -benchtime 2s`: a full sweep of a healthy apps-mode install (`BenchmarkSweep`: `launchctl` is a real process, a shell script; the listeners and `/health` are real loopback servers), the engine alone (`BenchmarkSweepInstantProbes`: `launchctl` answered from memory), and the rules alone (`BenchmarkEvaluate`).\n\n```\n")
	for _, l := range r.benchLines {
		b.WriteString(l + "\n")
	}
	fmt.Fprintf(&b, "```\n\nProcesses started per sweep, counted by the simulator's fake tools: **%d** for a full sweep (one `launchctl list`; the proxies come from `preferences.plist` with none), **%d** for a light sweep (launchd's last answer reused; the tray's timed sweeps while healthy, with a full one every minute). The vendor's documented way needs four `launchctl` calls and a `networksetup` call per service.\n\n", r.fullSpawns, r.lightSpawns)

	fmt.Fprintf(&b, "## 2. `halton-meter-bar --json` against reading the state by hand\n\nThe same healthy world, %d runs each, interleaved; wall time of the whole process, medians. The script does what the vendor's status page calls reading the underlying state by hand, for every row: `launchctl list` for each of the four labels, `cat` of `effective-ports.json` and `install-mode`, the sentinels, a connect to each port, `curl /health`, `networksetup -listallnetworkservices` and `-getsecurewebproxy` for each enabled service: %d `launchctl` and `networksetup` processes, plus `curl`, `cat`, `ls`, `grep` and `tail`.\n\n| | median |\n|---|---|\n| `halton-meter-bar --json` | %s |\n| by hand | %s |\n| ratio | **%.1f×** |\n\n```sh\n%s```\n\n",
		r.runs, r.handSpawns, ms(r.jsonMedian), ms(r.handMedian), ratio, byHand)

	fmt.Fprintf(&b, "## 3. A hung probe\n\n`halton-meter-bar --json` with one probe that never answers, %d runs each. The sweep's deadline is %s; each probe has a shorter one of its own.\n\n| fault | engine, longest (`sweep.duration_ms`) | process, median | process, longest | the row |\n|---|---|---|---|---|\n", 5, r.deadline)
	for _, h := range r.hung {
		fmt.Fprintf(&b, "| `%s` | %.0f ms | %s | %s | %s |\n", h.fault, h.engineMax, ms(h.wallMedian), ms(h.wallMax), h.row+" "+h.state)
	}
	b.WriteString("\n")

	fmt.Fprintf(&b, "## 4. Detection\n\nThe real tray under Xvfb with a private D-Bus, against the simulator; %d times: `halton-meter-sim fault daemon-crash` (a SIGKILL to the daemon, and the simulator's launchd reaping it), then the tray's exported menu (`com.canonical.dbusmenu`, read every 5 ms) showing `daemon — stopped`; then `heal`. The tray learns of the exit from a pidfd (kqueue on macOS), waits %s for the burst to settle, and sweeps.\n\n| median | worst | all (ms) |\n|---|---|---|\n| %s | %s | %s |\n\nWithout events the crash would wait for the next poll: up to 15 s when healthy, as the tray polled before, and the vendor's watchdog needs 7.5 s.\n\n",
		len(lat), "100 ms", ms(latMedian), ms(latWorst), joinMS(r.latencies))

	fmt.Fprintf(&b, "## 5. The tray at rest\n\nThe real tray (`halton-meter-tray`, which `halton-meter-bar` becomes; menu and icon through GTK and the Ayatana appindicator under Xvfb) against a healthy simulated install, after 20 s of start-up, for %s. CPU is the tray's user and system time over that wall time; RSS from `/proc/<pid>/status`; processes are the fake tools' calls, counted by the simulator.\n\n| | |\n|---|---|\n| CPU | %.3f %% of one core |\n| RSS at the end | %.1f MB: %.1f MB the process's own (anonymous), %.1f MB mapped files |\n| peak RSS | %.1f MB |\n| processes started | %d (%.2f a minute) |\n\nWhile healthy the tray sweeps every 30 s; a timed sweep reuses launchd's last answer and asks `launchctl` once a minute; process exits and state-file changes trigger a full sweep at once.\n\nThe mapped files are shared pages of the libraries the tray runs on: GTK, GLib, the Ayatana appindicator and libdbusmenu on Linux (the tray draws no OpenGL, so it tells GDK not to load a GL driver, which alone took 55 MB under Xvfb), and the tray's own binary. They are what keeps the measured RSS above 30 MB here; the tray's own memory is the anonymous part. On a Mac the tray runs on Cocoa instead, whose frameworks are shared across every app: `packaging/README.md` asks the first person with a Mac to measure it there.\n",
		r.idleFor.Round(time.Second), r.idleCPU, float64(r.idleRSS)/1024, float64(r.idleAnon)/1024, float64(r.idleFile)/1024, float64(r.idleHWM)/1024, r.idleSpawns, perMinute)
	b.WriteString("\n" + r.windowMarkdown())
	b.WriteString(soakMarkdown())
	b.WriteString(r.startupMarkdown())
	return b.String()
}

func joinMS(ds []time.Duration) string {
	var parts []string
	for _, d := range ds {
		parts = append(parts, strconv.Itoa(int(d.Milliseconds())))
	}
	return strings.Join(parts, ", ")
}

func maxEngine(h []hungResult) float64 {
	m := 0.0
	for _, x := range h {
		m = max(m, x.engineMax)
	}
	return m
}

func maxWall(h []hungResult) time.Duration {
	var m time.Duration
	for _, x := range h {
		m = max(m, x.wallMax)
	}
	return m
}
