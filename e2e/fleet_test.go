package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode"

	"howett.net/plist"

	"github.com/haltonlabs/halton-meter-bar/internal/testwait"
	"github.com/haltonlabs/halton-meter-bar/status"
	simworld "github.com/haltonlabs/halton-meter-bar/status/sim"
)

// recipe is a file of docs/fleet, as docs/fleet.md shows it.
func recipe(name string) string { return filepath.Join("..", "docs", "fleet", name) }

// runRecipe runs a docs/fleet script against the world, with
// halton-meter-bar from this build.
func (w *world) runRecipe(name string, extraEnv ...string) (stdout string, code int) {
	w.t.Helper()
	cmd := exec.Command(recipe(name))
	cmd.Env = append(append(append(os.Environ(), w.env...), "HALTON_BAR="+bin("halton-meter-bar")), extraEnv...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if code = exitCode(err); code < 0 {
		w.t.Fatalf("%s: %v %s", name, err, errb.String())
	}
	if errb.Len() > 0 {
		w.t.Errorf("%s wrote to stderr: %s", name, errb.String())
	}
	return out.String(), code
}

// TestFleetVerdicts: the Jamf, Kandji and Munki recipes for every verdict.
// Jamf's extension attribute says it in <result> and exits 0; Kandji's
// audit exits with the monitoring-plugin code; Munki's condition writes it
// with defaults (a stand-in here: there is no defaults on Linux).
func TestFleetVerdicts(t *testing.T) {
	w := up(t, "apps")
	fakeBin := t.TempDir()
	defaultsLog := filepath.Join(fakeBin, "defaults.log")
	os.WriteFile(filepath.Join(fakeBin, "defaults"), []byte("#!/bin/sh\n[ \"$1\" = read ] && exit 1\necho \"$*\" >> "+defaultsLog+"\n"), 0o755)
	steps := []struct {
		do      func()
		verdict string
		code    int
	}{
		{func() {}, "healthy", 0},
		{func() { w.fault("daemon-crash") }, "degraded", 1},
		{func() { w.heal(); w.fault("edge-crash") }, "down", 2},
		{func() { w.heal(); w.fault("launchctl-hang") }, "unknown", 3},
	}
	for _, s := range steps {
		s.do()
		if out, code := w.runRecipe("jamf-extension-attribute.sh"); out != "<result>"+s.verdict+"</result>\n" || code != 0 {
			t.Errorf("jamf: %q exit %d, want %s", out, code, s.verdict)
		}
		if out, code := w.runRecipe("kandji-audit.sh"); code != s.code || !strings.Contains(out, "overall") || strings.Contains(out, "\x1b[") {
			t.Errorf("kandji: exit %d, want %d:\n%s", code, s.code, out)
		}
		os.Remove(defaultsLog)
		w.runRecipe("munki-condition.sh", "PATH="+fakeBin+":"+os.Getenv("PATH"))
		if b, _ := os.ReadFile(defaultsLog); string(b) != "write /Library/Managed Installs/ConditionalItems halton_meter_overall -string "+s.verdict+"\n" {
			t.Errorf("munki: defaults %q, want %s", b, s.verdict)
		}
	}
	w.heal()

	// No install at all.
	home := t.TempDir()
	nobody := &world{t: t, env: []string{"HOME=" + home, "HALTON_METER_HOME=" + filepath.Join(home, ".halton-meter")}}
	if out, code := nobody.runRecipe("jamf-extension-attribute.sh"); out != "<result>not-installed</result>\n" || code != 0 {
		t.Errorf("jamf, not installed: %q exit %d", out, code)
	}
	// No halton-meter-bar.
	if out, code := nobody.runRecipe("jamf-extension-attribute.sh", "HALTON_BAR=/nonexistent/halton-meter-bar"); out != "<result>halton-meter-bar missing</result>\n" || code != 0 {
		t.Errorf("jamf, no app: %q exit %d", out, code)
	}
}

func (w *world) heal() {
	w.t.Helper()
	if _, err := sim(w.t, "heal", "--dir", w.dir); err != nil {
		w.t.Fatal(err)
	}
}

// TestPrometheusTextfile: the LaunchDaemon recipe's command writes the
// textfile; the real node_exporter serves it; promtool finds the text
// clean.
func TestPrometheusTextfile(t *testing.T) {
	for _, tool := range []string{"prometheus-node-exporter", "promtool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run make deps (scripts/deps.sh)", tool)
		}
	}
	w := up(t, "apps")
	w.traffic("--requests", "5")
	_, cost := w.charged()

	// The recipe's command, as launchd would run it, with this build and a
	// folder of the test's.
	b, err := os.ReadFile(recipe("com.haltonlabs.meter.bar.textfile.plist"))
	if err != nil {
		t.Fatal(err)
	}
	var job struct {
		Label            string
		ProgramArguments []string
		StartInterval    int
	}
	if _, err := plist.Unmarshal(b, &job); err != nil {
		t.Fatal(err)
	}
	if len(job.ProgramArguments) != 3 || job.ProgramArguments[1] != "--textfile" || job.StartInterval != 60 {
		t.Fatalf("the recipe's job: %+v", job)
	}
	dir := t.TempDir()
	cmd := exec.Command(bin("halton-meter-bar"), append(job.ProgramArguments[1:2], dir)...)
	cmd.Env = append(os.Environ(), w.env...)
	if out, err := cmd.CombinedOutput(); err != nil || len(out) != 0 {
		t.Fatalf("%v: %v %q", cmd.Args, err, out)
	}

	port := freePort(t)
	exporter := exec.Command("prometheus-node-exporter", "--web.listen-address=127.0.0.1:"+strconv.Itoa(port),
		"--collector.disable-defaults", "--collector.textfile", "--collector.textfile.directory="+dir)
	var exporterLog syncBuffer
	exporter.Stderr = &exporterLog
	if err := exporter.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { exporter.Process.Kill(); exporter.Wait() })
	var scraped string
	testwait.For(t, "node_exporter to serve the textfile", func() bool {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		scraped = string(body)
		return strings.Contains(scraped, "halton_meter_up")
	})
	for _, want := range []string{
		`halton_meter_up{component="daemon"} 1`,
		`halton_meter_up{component="mitmproxy listener"} 1`,
		`halton_meter_overall{verdict="healthy"} 1`,
		`halton_meter_overall{verdict="down"} 0`,
		`halton_meter_component_level{component="edge",level="ok"} 1`,
		`halton_meter_metering{state="live"} 1`,
		`halton_meter_today_requests 5`,
		fmt.Sprintf(`halton_meter_today_cost_usd %s`, strconv.FormatFloat(float64(cost)/status.MinorPerDollar, 'g', -1, 64)),
		`halton_meter_info{bar_version=`,
		// node_exporter's own word that it read the file without error,
		// and when it was written: what the fleet rules' "not reporting"
		// alert reads.
		`node_textfile_scrape_error 0`,
		fmt.Sprintf(`node_textfile_mtime_seconds{file=%q}`, filepath.Join(dir, "halton_meter.prom")),
	} {
		if !strings.Contains(scraped, want) {
			t.Errorf("node_exporter does not serve %s", want)
		}
	}
	if t.Failed() {
		t.Logf("scraped:\n%s\nnode_exporter:\n%s", scraped, exporterLog.String())
	}

	// promtool's lint, on what --prometheus prints.
	prom := exec.Command(bin("halton-meter-bar"), "--prometheus")
	prom.Env = append(os.Environ(), w.env...)
	text, err := prom.Output()
	if err != nil {
		t.Fatal(err)
	}
	check := exec.Command("promtool", "check", "metrics")
	check.Stdin = bytes.NewReader(text)
	if out, err := check.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) != 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}

	// A crash reaches the file at the next run.
	w.fault("daemon-crash")
	cmd = exec.Command(bin("halton-meter-bar"), "--textfile", dir)
	cmd.Env = append(os.Environ(), w.env...)
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "halton_meter.prom"))
	if !strings.Contains(string(got), `halton_meter_up{component="daemon"} 0`) || !strings.Contains(string(got), `halton_meter_metering{state="not-metering"} 1`) {
		t.Errorf("after a crash:\n%s", got)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".*")); len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ports, err := simworld.FreeLoopbackPorts(1)
	if err != nil {
		t.Fatal(err)
	}
	return ports[0]
}

// watcher is a running halton-meter-bar --watch and its lines.
type watcher struct {
	cmd   *exec.Cmd
	lines chan string
}

func startWatch(t *testing.T, env []string, args ...string) *watcher {
	t.Helper()
	cmd := exec.Command(bin("halton-meter-bar"), append([]string{"--watch"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &watcher{cmd: cmd, lines: make(chan string, 100)}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			w.lines <- sc.Text()
		}
		close(w.lines)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if s := stderr.String(); s != "" {
			t.Logf("--watch stderr: %s", s)
		}
	})
	return w
}

// next is the next line's report, within timeout.
func (w *watcher) next(t *testing.T, timeout time.Duration) status.Report {
	t.Helper()
	select {
	case line, ok := <-w.lines:
		if !ok {
			t.Fatal("--watch ended")
		}
		if err := statusSchema(t).Validate([]byte(line)); err != nil {
			t.Errorf("a --watch line does not fit the schema: %v", err)
		}
		var r status.Report
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("a --watch line: %v\n%s", err, line)
		}
		return r
	case <-time.After(timeout):
		t.Fatalf("no --watch line within %s", timeout)
	}
	return status.Report{}
}

// TestWatch: a line at once; a crash and a heal each bring one within a
// second or two (the exit is an event); sweeps that change nothing but the
// clock bring none; SIGTERM ends it with 0.
func TestWatch(t *testing.T) {
	w := up(t, "apps")
	w.traffic("--requests", "2") // the last request's age moves at every sweep
	wt := startWatch(t, w.env, "--poll-healthy", "200ms", "--poll-unhealthy", "200ms")
	if r := wt.next(t, 5*time.Second); r.Overall != status.OverallHealthy || r.Schema != status.Schema {
		t.Fatalf("first line: %s", r.Overall)
	}
	start := time.Now()
	w.fault("daemon-crash")
	if r := wt.next(t, 5*time.Second); r.Overall != status.OverallDegraded {
		t.Errorf("after the crash: %s", r.Overall)
	}
	t.Logf("the crash came out %s after it", time.Since(start).Round(time.Millisecond))
	w.heal()
	r := wt.next(t, 10*time.Second)
	for r.Overall != status.OverallHealthy { // the daemon comes back in steps
		r = wt.next(t, 10*time.Second)
	}
	// Sweeps go on every 200 ms, and only the clock moves: no line.
	select {
	case line := <-wt.lines:
		t.Errorf("a line with nothing changed: %.200s", line)
	case <-time.After(3 * time.Second):
	}
	wt.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- wt.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("--watch did not end on SIGTERM")
	}
}

// TestWatchHeadOne: `--watch | head -1` ends at once, quietly and with 0,
// though nothing changes for a long while.
func TestWatchHeadOne(t *testing.T) {
	w := up(t, "apps")
	cmd := exec.Command("bash", "-o", "pipefail", "-c", `"$BAR" --watch | head -1`)
	cmd.Env = append(append(os.Environ(), w.env...), "BAR="+bin("halton-meter-bar"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil || stderr.Len() != 0 {
			t.Errorf("--watch | head -1: %v %q", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		t.Fatal("--watch | head -1 did not end")
	}
	var r status.Report
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil || r.Overall != status.OverallHealthy {
		t.Errorf("the line: %v %q", err, stdout.String())
	}
}

// TestSwiftBarRecipe: the SwiftBar plugin draws the verdict and the rows,
// and redraws at a crash.
func TestSwiftBarRecipe(t *testing.T) {
	if _, err := exec.LookPath("jq"); err != nil {
		t.Fatal("jq is missing: run make deps (scripts/deps.sh)")
	}
	w := up(t, "apps")
	cmd := exec.Command(recipe("halton-meter.swiftbar.sh"))
	cmd.Env = append(append(os.Environ(), w.env...), "HALTON_BAR="+bin("halton-meter-bar"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, _ := cmd.StdoutPipe()
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// block reads one redraw: from a ~~~ to the rows.
	block := func() []string {
		var got []string
		deadline := time.After(10 * time.Second)
		for len(got) < 3+len(status.ComponentOrder) {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("the plugin ended: %s", stderr.String())
				}
				if l == "~~~" {
					got = nil
					continue
				}
				got = append(got, l)
			case <-deadline:
				t.Fatalf("no whole redraw; got %q, stderr %s", got, stderr.String())
			}
		}
		return got
	}
	b := block()
	if b[0] != "HM healthy | color=#2ea043" || b[1] != "---" || b[2] != "All healthy" || b[4] != "daemon: healthy | color=#2ea043" {
		t.Errorf("healthy redraw: %q", b)
	}
	w.fault("daemon-crash")
	b = block()
	if b[0] != "HM degraded | color=#d29922" || b[4] != "daemon: stopped | color=#d29922" {
		t.Errorf("crash redraw: %q", b)
	}
}

// waitStatusFile waits for the tray's status.json and status.plist to say
// overall (the two are written one after the other), and checks them: the
// schema, readable by all, a summary that agrees.
func waitStatusFile(t *testing.T, dir string, overall status.Overall) {
	t.Helper()
	verdict := string(overall)
	path := filepath.Join(dir, "status.json")
	var b []byte
	testwait.For(t, "status.json and status.plist to say "+verdict, func() bool {
		b, _ = os.ReadFile(path)
		var r status.Report
		p, _ := os.ReadFile(filepath.Join(dir, "status.plist"))
		var summary map[string]string
		_, err := plist.Unmarshal(p, &summary)
		return json.Unmarshal(b, &r) == nil && string(r.Overall) == verdict && err == nil && summary["overall"] == verdict
	})
	if err := statusSchema(t).Validate(b); err != nil {
		t.Errorf("status.json does not fit the schema: %v", err)
	}
	for _, name := range []string{"status.json", "status.plist"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Mode().Perm() != 0o644 {
			t.Errorf("%s: %v %v", name, st, err)
		}
	}
	p, _ := os.ReadFile(filepath.Join(dir, "status.plist"))
	var summary map[string]string
	if _, err := plist.Unmarshal(p, &summary); err != nil || summary["overall"] != verdict || summary["schema"] != status.Schema {
		t.Errorf("status.plist: %v %v", err, summary)
	}
}

// checkFleetQueries runs the osquery and Kolide recipes' SQL with sqlite3
// over tables shaped as theirs, filled from the tray's real files: osquery's
// plist (path, key, value) from status.plist, Kolide's kolide_json (path,
// fullkey, value) from status.json, flattened as Kolide flattens.
func checkFleetQueries(t *testing.T, dir string, overall status.Overall) {
	t.Helper()
	verdict := string(overall)
	if _, err := exec.LookPath("sqlite3"); err != nil {
		t.Fatal("sqlite3 is missing: run make deps (scripts/deps.sh)")
	}
	const home = "/Users/jdoe"
	appDir := home + "/Library/Application Support/Halton Meter Bar/"
	p, _ := os.ReadFile(filepath.Join(dir, "status.plist"))
	var summary map[string]string
	plist.Unmarshal(p, &summary)
	j, _ := os.ReadFile(filepath.Join(dir, "status.json"))
	var doc any
	json.Unmarshal(j, &doc)
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	var sql strings.Builder
	sql.WriteString("CREATE TABLE users (username TEXT, directory TEXT);\n")
	sql.WriteString("INSERT INTO users VALUES ('jdoe', '" + home + "'), ('root', '/var/root');\n")
	sql.WriteString("CREATE TABLE plist (path TEXT, key TEXT, value TEXT);\n")
	for k, v := range summary {
		fmt.Fprintf(&sql, "INSERT INTO plist VALUES (%s, %s, %s);\n", quote(appDir+"status.plist"), quote(k), quote(v))
	}
	sql.WriteString("CREATE TABLE kolide_json (path TEXT, fullkey TEXT, parent TEXT, key TEXT, value TEXT);\n")
	var flatten func(prefix string, v any)
	flatten = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				flatten(strings.TrimPrefix(prefix+"/"+k, "/"), c)
			}
		case []any:
			for i, c := range x {
				flatten(prefix+"/"+strconv.Itoa(i), c)
			}
		default:
			fmt.Fprintf(&sql, "INSERT INTO kolide_json (path, fullkey, value) VALUES (%s, %s, %s);\n", quote(appDir+"status.json"), quote(prefix), quote(fmt.Sprint(x)))
		}
	}
	flatten("", doc)
	for _, q := range []struct{ file, want string }{
		{"osquery.sql", "jdoe|overall|" + verdict},
		{"kolide.sql", appDir + "status.json|overall|" + verdict},
	} {
		query, err := os.ReadFile(recipe(q.file))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("sqlite3", ":memory:")
		cmd.Stdin = strings.NewReader(sql.String() + string(query))
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), q.want+"\n") {
			t.Errorf("%s: %v\n%s", q.file, err, out)
		}
		if n := strings.Count(string(out), "\n"); n < 4 {
			t.Errorf("%s: %d rows:\n%s", q.file, n, out)
		}
	}
}

// TestFleetRules: the alerting and recording rules load in the real
// promtool, their unit tests pass (each alert on its series, silent on the
// near misses), and every runbook_url is a section of the README.
func TestFleetRules(t *testing.T) {
	if _, err := exec.LookPath("promtool"); err != nil {
		t.Fatal("promtool is missing: run make deps (scripts/deps.sh)")
	}
	for _, args := range [][]string{
		{"check", "rules", recipe("halton-meter.rules.yml")},
		{"test", "rules", recipe(filepath.Join("tests", "halton-meter.rules.test.yml"))},
	} {
		out, err := exec.Command("promtool", args...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "SUCCESS") || strings.Contains(string(out), "FAILED") {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	rules, err := os.ReadFile(recipe("halton-meter.rules.yml"))
	if err != nil {
		t.Fatal(err)
	}
	// A query answers its series in no fixed order: a template that
	// ranges over one without sorting writes a different annotation from
	// one evaluation to the next (and fails its unit test now and then).
	for _, r := range regexp.MustCompile(`\{\{ *range +query.*?\}\}`).FindAllString(string(rules), -1) {
		if !strings.Contains(r, "| sortByLabel") {
			t.Errorf("unsorted range over a query: %s", r)
		}
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "#") {
			anchors[slug(strings.TrimLeft(line, "# "))] = true
		}
	}
	urls := regexp.MustCompile(`runbook_url: "https://github.com/haltonlabs/halton-meter-bar/blob/main/README.md#([a-z0-9-]+)"`).FindAllStringSubmatch(string(rules), -1)
	if n := strings.Count(string(rules), "runbook_url:"); len(urls) != n || n < 5 {
		t.Fatalf("%d runbook URLs read of %d", len(urls), n)
	}
	for _, u := range urls {
		if !anchors[u[1]] {
			t.Errorf("runbook_url #%s is no section of the README", u[1])
		}
	}
}

// slug is the anchor GitHub gives a heading: lower case, spaces as
// hyphens, punctuation dropped.
func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestFleetDoc: docs/fleet.md shows every recipe as the tests run it.
func TestFleetDoc(t *testing.T) {
	doc, err := os.ReadFile("../docs/fleet.md")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(recipe("*"))
	if len(files) < 7 {
		t.Fatalf("%d recipes", len(files))
	}
	for _, f := range files {
		if st, err := os.Stat(f); err != nil || st.IsDir() {
			continue // the rules' unit tests, in tests/
		}
		b, _ := os.ReadFile(f)
		if !strings.Contains(string(doc), string(b)) {
			t.Errorf("docs/fleet.md does not show %s as it is", filepath.Base(f))
		}
	}
}
