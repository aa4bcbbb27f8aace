package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The revisions start-up is measured against: startupBaseline is the one
// the instruction target names, before the metering and the fleet
// outputs; beforeFleet is the last before the fleet outputs (and their
// libraries) came, whose sweep asks the daemon what this tree's does, so
// that --json's wall time compares like with like.
// beforeUserReads is the last before a run's files were read as their
// user could (internal/userfs) and config.toml decoded by go-toml: --json
// must be no slower for it.
const (
	startupBaseline = "1c1b680"
	beforeFleet     = "5913453"
	beforeUserReads = "0deb7f1"
)

// startupRun is one binary's start-up figures.
type startupRun struct {
	rev          string
	size         int64 // bytes, stripped
	instructions int64 // --version, counted by callgrind
	jsonMedian   time.Duration
}

// startup builds halton-meter-bar as shipped (static, stripped) from this
// tree and from the revisions above, then counts the instructions
// `--version` executes under callgrind (all of it start-up: the package
// initialisers and the runtime) and times `--json` against one world, all
// runs interleaved.
func (r *benchReport) startup(t *testing.T, runs int) {
	if _, err := exec.LookPath("valgrind"); err != nil {
		t.Fatal("valgrind is needed (scripts/deps.sh bench installs it)")
	}
	dir := t.TempDir()
	build := func(workdir, out string) {
		cmd := exec.Command("go", "build", "-ldflags", "-s -w", "-o", out, "./cmd/halton-meter-bar")
		cmd.Dir = workdir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("build in %s: %v", workdir, err)
		}
	}
	revs := []string{"this tree", beforeFleet, startupBaseline, beforeUserReads}
	exes := make([]string, len(revs))
	for i, rev := range revs {
		exes[i] = filepath.Join(dir, fmt.Sprintf("bar-%d", i))
		if i == 0 {
			build("..", exes[i])
			continue
		}
		src := filepath.Join(dir, rev)
		os.MkdirAll(src, 0o755)
		archive := exec.Command("sh", "-c", "git -C .. archive "+rev+" | tar -x -C "+src)
		archive.Stderr = os.Stderr
		if err := archive.Run(); err != nil {
			t.Fatalf("git archive %s: %v", rev, err)
		}
		build(src, exes[i])
	}
	// The runtime's threads make the count move by a percent or two from
	// run to run: the median of five, interleaved.
	counts := make([][]int64, len(revs))
	for range 5 {
		for i, exe := range exes {
			counts[i] = append(counts[i], instructions(t, exe))
		}
	}
	w := up(t, "apps")
	env := append(os.Environ(), w.env...)
	walls := make([][]time.Duration, len(revs))
	for range runs {
		for i, exe := range exes {
			walls[i] = append(walls[i], timeRun(t, env, exe, "--json"))
		}
	}
	r.startupRuns = runs
	for i, rev := range revs {
		slices.Sort(counts[i])
		r.startups = append(r.startups, startupRun{rev: rev, size: fileSize(t, exes[i]), instructions: counts[i][len(counts[i])/2], jsonMedian: median(walls[i])})
	}
}

var collected = regexp.MustCompile(`Collected : (\d+)`)

// instructions is what callgrind counts for `exe --version`. Go's
// asynchronous preemption is off: its signals trip an assertion in
// callgrind, and a program this short never needs them.
func instructions(t *testing.T, exe string) int64 {
	var stderr bytes.Buffer
	cmd := exec.Command("valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", exe, "--version")
	cmd.Env = append(os.Environ(), "GODEBUG=asyncpreemptoff=1")
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("callgrind %s: %v\n%s", exe, err, stderr.String())
	}
	m := collected.FindSubmatch(stderr.Bytes())
	if m == nil {
		t.Fatalf("callgrind said no count:\n%s", stderr.String())
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return n
}

func fileSize(t *testing.T, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// startupTargets are the start-up rows of the targets table.
func (r *benchReport) startupTargets() string {
	now, fleet, base, reads := r.startups[0], r.startups[1], r.startups[2], r.startups[3]
	ratio := float64(now.instructions) / float64(base.instructions)
	wall := float64(now.jsonMedian) / float64(fleet.jsonMedian)
	readsWall := float64(now.jsonMedian) / float64(reads.jsonMedian)
	return fmt.Sprintf("| `--version` at most 1.10× the instructions of %s | %.2f× (%s against %s) | %s |\n", base.rev, ratio, thousands(now.instructions), thousands(base.instructions), mark(ratio <= 1.10)) +
		fmt.Sprintf("| `--json` no slower than before the fleet outputs (%s; medians, within 5 %%) | %.2f× (%s against %s) | %s |\n", fleet.rev, wall, ms(now.jsonMedian), ms(fleet.jsonMedian), mark(wall <= 1.05)) +
		fmt.Sprintf("| `--json` no slower than before the files were read as their user could (%s; medians, within 5 %%) | %.2f× (%s against %s) | %s |\n", reads.rev, readsWall, ms(now.jsonMedian), ms(reads.jsonMedian), mark(readsWall <= 1.05))
}

func (r *benchReport) startupMarkdown() string {
	var b strings.Builder
	mb := func(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
	fmt.Fprintf(&b, "## 8. Start-up of the headless binary\n\n`halton-meter-bar` as shipped (`CGO_ENABLED=0`, `-ldflags '-s -w'`), built from this tree, from %s (the last commit before the fleet outputs), from %s (before the metering too) and from %s (before every file of the install was read as its user could, one name at a time, and config.toml decoded by go-toml). Instructions are callgrind's count for `--version` (the median of five runs), which does nothing but start: the runtime and every package initialiser linked in. `--json` is timed against one healthy simulated world, %d runs each, interleaved; medians.\n\n", beforeFleet, startupBaseline, beforeUserReads, r.startupRuns)
	b.WriteString("| |")
	for _, s := range r.startups {
		b.WriteString(" " + s.rev + " |")
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(r.startups)) + "\n")
	row := func(name string, cell func(startupRun) string) {
		b.WriteString("| " + name + " |")
		for _, s := range r.startups {
			b.WriteString(" " + cell(s) + " |")
		}
		b.WriteString("\n")
	}
	row("`--version`, instructions", func(s startupRun) string { return thousands(s.instructions) })
	row("`--json`, wall time", func(s startupRun) string { return ms(s.jsonMedian) })
	row("binary size", func(s startupRun) string { return mb(s.size) })
	fmt.Fprintf(&b, "\n%s's sweep makes three requests fewer than the others (it predates the metering row: /v1/stats for today and the week, /v1/daemon/status), so its `--json` is the quicker by their time; the start-up itself, `--version`, is within a few percent of it. The Prometheus text is written by `app/fleet`'s own small encoder (held to Prometheus's parser, promtool and node_exporter in the tests). With client_golang linked, its initialisers (the default registry, the Go and process collectors, protobuf's registry) took `--version` from 0.9 to 2.7 million instructions; VictoriaMetrics/metrics's (a regular expression compiled, the runtime's metric list, cgroup files read) would add 0.65 million, for a format of a dozen lines.\n\n", startupBaseline)
	return b.String()
}

// thousands writes n with thin separators: 1,001,234.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
