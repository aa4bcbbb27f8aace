package fleet

import (
	"bytes"
	"encoding/json"
	"io"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"howett.net/plist"

	"github.com/haltonlabs/halton-meter-bar/status"
)

var t0 = time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC)

// parse reads Prometheus text as Prometheus itself does.
func parse(r io.Reader) (map[string]*dto.MetricFamily, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(r)
}

func newLogger(w io.Writer) *log.Logger { return log.New(w, "", 0) }

// report is a report of the given verdict; the daemon stopped when it is
// not healthy.
func report(overall status.Overall) status.Report {
	r := status.Report{Schema: status.Schema, Overall: overall, Level: status.LevelOK, Version: "0.6.3", InstallMode: status.ModeApps,
		BarVersion: "1.2.0", CheckedAt: t0, Sweep: status.Sweep{DurationMS: 14.5}}
	for _, name := range status.ComponentOrder {
		c := status.Component{Name: name, State: "healthy", Level: status.LevelOK}
		if overall != status.OverallHealthy && name == status.CompDaemon {
			c.State, c.Level = status.StateStopped, status.LevelWarn
		}
		r.Components = append(r.Components, c)
	}
	last, hour := t0.Add(-40*time.Second), 12
	r.Metering = status.Metering{State: status.MeteringLive, LastRequestAt: &last, RequestsLastHour: &hour,
		Today: &status.Today{Requests: 312, CostUSD: 421000, InputTokens: 1204310, OutputTokens: 98211}}
	return r
}

func TestJamf(t *testing.T) {
	for _, v := range status.Verdicts {
		var b bytes.Buffer
		if err := Jamf(&b, report(v)); err != nil || b.String() != "<result>"+string(v)+"</result>\n" {
			t.Errorf("%s: %q %v", v, b.String(), err)
		}
	}
}

// TestPrometheus: the text parses as Prometheus's own parser reads it, and
// says what the report says.
func TestPrometheus(t *testing.T) {
	var b bytes.Buffer
	if err := Prometheus(&b, report(status.OverallDegraded)); err != nil {
		t.Fatal(err)
	}
	families, err := parse(strings.NewReader(b.String()))
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	value := func(name string, labels map[string]string) (float64, bool) {
		f, ok := families[name]
		if !ok {
			return 0, false
		}
	metrics:
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if want, ok := labels[l.GetName()]; ok && want != l.GetValue() {
					continue metrics
				}
			}
			return m.GetGauge().GetValue(), true
		}
		return 0, false
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"halton_meter_up", map[string]string{"component": "daemon"}, 0},
		{"halton_meter_up", map[string]string{"component": "edge"}, 1},
		{"halton_meter_up", map[string]string{"component": "mitmproxy listener"}, 1},
		{"halton_meter_component_level", map[string]string{"component": "daemon", "level": "warn"}, 1},
		{"halton_meter_component_level", map[string]string{"component": "daemon", "level": "ok"}, 0},
		{"halton_meter_overall", map[string]string{"verdict": "degraded"}, 1},
		{"halton_meter_overall", map[string]string{"verdict": "healthy"}, 0},
		{"halton_meter_info", map[string]string{"version": "0.6.3", "install_mode": "apps", "schema": status.Schema}, 1},
		{"halton_meter_sweep_duration_seconds", nil, 0.0145},
		{"halton_meter_checked_timestamp_seconds", nil, float64(t0.Unix())},
		{"halton_meter_metering", map[string]string{"state": "live"}, 1},
		{"halton_meter_metering", map[string]string{"state": "not-metering"}, 0},
		{"halton_meter_today_requests", nil, 312},
		{"halton_meter_today_cost_usd", nil, 4.21},
		{"halton_meter_today_input_tokens", nil, 1204310},
		{"halton_meter_requests_last_hour", nil, 12},
		{"halton_meter_last_request_timestamp_seconds", nil, float64(t0.Unix() - 40)},
	} {
		if got, ok := value(c.name, c.labels); !ok || got != c.want {
			t.Errorf("%s%v = %v (found %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	if n := len(families["halton_meter_component_level"].GetMetric()); n != len(status.ComponentOrder)*len(status.Levels) {
		t.Errorf("%d component_level series", n)
	}

	// No figures from the daemon: no figure series, never a made-up zero.
	r := report(status.OverallHealthy)
	r.Metering = status.Metering{State: status.StateUnknown}
	b.Reset()
	Prometheus(&b, r)
	if strings.Contains(b.String(), "halton_meter_today_") || strings.Contains(b.String(), "last_request") {
		t.Errorf("figures without a daemon:\n%s", b.String())
	}
	if !strings.Contains(b.String(), `halton_meter_metering{state="unknown"} 1`) {
		t.Errorf("metering unknown not said:\n%s", b.String())
	}
}

// TestPrometheusHostileLabels: label values from files are escaped by the
// encoder, never breaking a line.
func TestPrometheusHostileLabels(t *testing.T) {
	r := report(status.OverallHealthy)
	r.Version = "0.6\"3\n} evil 1"
	var b bytes.Buffer
	if err := Prometheus(&b, r); err != nil {
		t.Fatal(err)
	}
	if _, err := parse(strings.NewReader(b.String())); err != nil {
		t.Fatalf("hostile label broke the text: %v\n%s", err, b.String())
	}
	if strings.Contains(b.String(), "\n} evil") {
		t.Error("a newline in a label value went out raw")
	}
	families, _ := parse(strings.NewReader(b.String()))
	for _, l := range families["halton_meter_info"].GetMetric()[0].GetLabel() {
		if l.GetName() == "version" && l.GetValue() != r.Version {
			t.Errorf("version read back as %q, want %q", l.GetValue(), r.Version)
		}
	}
}

// TestPrometheusOrder: families by name, label names sorted within a
// sample, samples by their label values: the order Prometheus's own
// encoder writes, so the text of one state is the same at every run.
func TestPrometheusOrder(t *testing.T) {
	var b bytes.Buffer
	if err := Prometheus(&b, report(status.OverallDegraded)); err != nil {
		t.Fatal(err)
	}
	var names, samples []string
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if name, ok := strings.CutPrefix(line, "# TYPE "); ok {
			names = append(names, strings.Fields(name)[0])
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		samples = append(samples, line)
		if open := strings.IndexByte(line, '{'); open >= 0 {
			var keys []string
			for _, pair := range strings.Split(line[open+1:strings.LastIndexByte(line, '}')], ",") {
				keys = append(keys, pair[:strings.IndexByte(pair, '=')])
			}
			if !slices.IsSorted(keys) {
				t.Errorf("labels not sorted: %s", line)
			}
		}
	}
	if !slices.IsSorted(names) || len(names) < 10 {
		t.Errorf("families not sorted: %v", names)
	}
	want := []string{`halton_meter_component_level{component="daemon",level="crit"} 0`, `halton_meter_component_level{component="daemon",level="ok"} 0`}
	if i := slices.Index(samples, want[0]); i < 0 || i+1 >= len(samples) || samples[i+1] != want[1] {
		t.Errorf("samples not in label order:\n%s", b.String())
	}
}

func TestSummary(t *testing.T) {
	r := report(status.OverallDegraded)
	r.User = &status.User{Name: "jdoe", UID: 501}
	s := Summary(r)
	for k, want := range map[string]string{
		"schema": status.Schema, "overall": "degraded", "checked_at": "2026-11-25T14:30:00Z", "component.daemon": "stopped",
		"component.fastapi listener": "healthy", "metering_state": "live", "today_requests": "312", "today_cost_usd": "4.21",
		"last_request_at": "2026-11-25T14:29:20Z", "user": "jdoe", "version": "0.6.3",
	} {
		if s[k] != want {
			t.Errorf("%s = %q, want %q", k, s[k], want)
		}
	}
}

// TestWriteStatusAtomic: while status.json is rewritten again and again,
// a reader never sees half of it; the files are readable by everyone.
func TestWriteStatusAtomic(t *testing.T) {
	dir := t.TempDir()
	if err := WriteStatus(dir, report(status.OverallHealthy)); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{StatusJSON, StatusPlist} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || st.Mode().Perm() != 0o644 {
			t.Errorf("%s: %v %v", name, st.Mode(), err)
		}
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			r := report([]status.Overall{status.OverallHealthy, status.OverallDegraded}[i%2])
			r.Headline = strings.Repeat("x", i%5000) // files of changing length
			if err := WriteStatus(dir, r); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	deadline := time.Now().Add(500 * time.Millisecond)
	reads := 0
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(filepath.Join(dir, StatusJSON))
		if err != nil {
			t.Fatal(err)
		}
		var r status.Report
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("read %d bytes of a half-written status.json: %v", len(b), err)
		}
		p, _ := os.ReadFile(filepath.Join(dir, StatusPlist))
		var s map[string]string
		if _, err := plist.Unmarshal(p, &s); err != nil || s["overall"] == "" {
			t.Fatalf("a half-written status.plist: %v", err)
		}
		reads++
	}
	stop.Store(true)
	wg.Wait()
	if reads < 10 {
		t.Errorf("only %d reads", reads)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".*")); len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

// TestExporter: written at once, at a change, and when due; not at every
// report; a failure is said once and tried again.
func TestExporter(t *testing.T) {
	dir := t.TempDir()
	var logged bytes.Buffer
	e := &Exporter{Dir: dir, Textfile: dir, Every: time.Minute, Log: newLogger(&logged)}
	mtime := func() time.Time {
		st, err := os.Stat(filepath.Join(dir, StatusJSON))
		if err != nil {
			return time.Time{}
		}
		return st.ModTime()
	}
	overall := func() status.Overall {
		b, _ := os.ReadFile(filepath.Join(dir, StatusJSON))
		var r status.Report
		json.Unmarshal(b, &r)
		return r.Overall
	}
	r := report(status.OverallHealthy)
	e.Report(r)
	if overall() != status.OverallHealthy {
		t.Fatal("not written at the first report")
	}
	if _, err := os.Stat(filepath.Join(dir, Textfile)); err != nil {
		t.Error("no textfile")
	}
	os.Remove(filepath.Join(dir, StatusJSON))
	r.CheckedAt = r.CheckedAt.Add(30 * time.Second)
	e.Report(r)
	if !mtime().IsZero() {
		t.Error("rewritten with nothing changed and not due")
	}
	r.CheckedAt = r.CheckedAt.Add(31 * time.Second)
	e.Report(r)
	if overall() != status.OverallHealthy {
		t.Error("not rewritten when due")
	}
	d := report(status.OverallDegraded)
	d.CheckedAt = r.CheckedAt.Add(time.Second)
	e.Report(d)
	if overall() != status.OverallDegraded {
		t.Error("not rewritten at a change")
	}

	// A folder that went away: said once a file, written again once it is back.
	os.RemoveAll(dir)
	for range 3 {
		r.CheckedAt = r.CheckedAt.Add(time.Second)
		e.Report(r)
	}
	if n := strings.Count(logged.String(), "status files:"); n != 3 {
		t.Errorf("%d log lines for one failure of three files, three times:\n%s", n, logged.String())
	}
	os.MkdirAll(dir, 0o755)
	r.CheckedAt = r.CheckedAt.Add(time.Second)
	e.Report(r)
	if overall() != status.OverallHealthy {
		t.Error("not written again once the folder was back")
	}
}

// TestExporterFilesApart: a file that cannot be written never keeps the
// others from being kept.
func TestExporterFilesApart(t *testing.T) {
	dir, textfile := t.TempDir(), t.TempDir()
	// status.json cannot be replaced: a folder with something in it.
	if err := os.MkdirAll(filepath.Join(dir, StatusJSON, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	e := &Exporter{Dir: dir, Textfile: textfile, Log: newLogger(&logged)}
	e.Report(report(status.OverallDegraded))
	if _, err := os.Stat(filepath.Join(dir, StatusPlist)); err != nil {
		t.Errorf("status.plist not written beside a status.json that cannot be: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(textfile, Textfile)); !strings.Contains(string(b), `halton_meter_overall{verdict="degraded"} 1`) {
		t.Errorf("textfile not written beside a status.json that cannot be:\n%s", b)
	}
	if !strings.Contains(logged.String(), "status.json") {
		t.Errorf("the failure was not said: %q", logged.String())
	}
}

func TestKey(t *testing.T) {
	a := report(status.OverallHealthy)
	b := a
	later := t0.Add(-10 * time.Second)
	b.Metering.LastRequestAt = &later
	b.CheckedAt = t0.Add(time.Minute)
	b.Sweep.DurationMS = 99
	if Key(a) != Key(b) {
		t.Error("the clock alone changed the key")
	}
	c := a
	c.Metering.Today = &status.Today{Requests: 313, CostUSD: 422000}
	if Key(a) == Key(c) {
		t.Error("a new request did not change the key")
	}
	if Key(a) == Key(report(status.OverallDegraded)) {
		t.Error("a stopped daemon did not change the key")
	}
}
