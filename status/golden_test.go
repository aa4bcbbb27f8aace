package status

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenFacts is an apps-mode install as the fixtures describe it: launchd
// from a real-shaped `launchctl list`, default ports, /health 0.1.24.
func goldenFacts(t *testing.T, table string) Facts {
	jobs, err := ParseListTable(fixture(t, table))
	if err != nil {
		t.Fatal(err)
	}
	f := healthyFacts(ModeApps)
	f.Launchd = LaunchdFacts{Jobs: jobs, Source: LaunchdFromList}
	f.Health.Version = "0.1.24"
	f.BarVersion = "1.0.0"
	f.Duration, f.Deadline, f.Spawned = 3200*time.Microsecond, 2*time.Second, 1
	// Metering: a request 40 s ago, and today's spend.
	seen := f.CheckedAt.Add(-40 * time.Second)
	f.Metering = MeteringFacts{
		Status: StatusFacts{LastSeen: &seen, LastHour: 12},
		Stats: &StatsFacts{At: f.CheckedAt,
			Today: Today{Requests: 312, CostUSD: 421000, InputTokens: 1204310, OutputTokens: 98211},
			Week: lastWeek([]DayCost{
				{Date: "2026-11-20", Requests: 210, CostUSD: 305500}, {Date: "2026-11-23", Requests: 80, CostUSD: 99000},
				{Date: "2026-11-25", Requests: 312, CostUSD: 421000},
			}, f.CheckedAt),
			TopModels: []ModelCost{
				{Provider: "anthropic", Model: "claude-sonnet-4", Requests: 200, InputTokens: 900000, OutputTokens: 70000, CostUSD: 375000},
				{Provider: "openai", Model: "gpt-4o", Requests: 100, InputTokens: 300000, OutputTokens: 28000, CostUSD: 45000},
				{Provider: "anthropic", Model: "claude-haiku-4", Requests: 12, InputTokens: 4310, OutputTokens: 211, CostUSD: 1000},
			}},
	}
	return f
}

func TestGolden(t *testing.T) {
	degraded := goldenFacts(t, "launchctl-list-table-daemon-crashed.txt")
	degraded.Internal.Accepting, degraded.API.Accepting = false, false
	degraded.Health = HealthFacts{Problem: "connection refused"}
	degraded.DistVersion = "0.1.24"
	full := goldenFacts(t, "launchctl-list-table.txt")
	full.Install.Mode, full.Sentinels = ModeFull, SentinelFacts{AppsManaged: true, ProxyManaged: true}
	full.Proxy.Services = services(true)
	down := goldenFacts(t, "launchctl-list-table.txt")
	delete(down.Launchd.Jobs, LabelEdge) // booted out: what a default uninstall does
	down.Edge.Accepting = false
	unknown := goldenFacts(t, "launchctl-list-table.txt")
	unknown.Launchd = LaunchdFacts{Problem: "launchctl timed out after 1.5s"}
	notInstalled := goldenFacts(t, "launchctl-list-table.txt")
	notInstalled.Install = InstallFacts{ModePath: "/Users/jdoe/.halton-meter/install-mode"}
	notInstalled.Spawned = 0
	cases := map[string]Facts{
		"healthy-apps":  goldenFacts(t, "launchctl-list-table.txt"),
		"healthy-full":  full,
		"degraded-apps": degraded,
		"down-apps":     down,
		"unknown-apps":  unknown,
		"not-installed": notInstalled,
	}
	verdicts := map[Overall]bool{}
	for name, f := range cases {
		r := Evaluate(f)
		verdicts[r.Overall] = true
		if want := strings.SplitN(name, "-", 2)[0]; want != "not" && r.Overall != Overall(want) {
			t.Errorf("%s: overall %s", name, r.Overall)
		}
		var js, table, colour bytes.Buffer
		if err := WriteJSON(&js, r); err != nil {
			t.Fatal(err)
		}
		WriteTable(&table, r, false)
		WriteTable(&colour, r, true)
		compareGolden(t, name+".json", js.Bytes())
		compareGolden(t, name+".table.txt", table.Bytes())
		compareGolden(t, name+".table.ansi", colour.Bytes())
	}
	for _, v := range []Overall{OverallHealthy, OverallDegraded, OverallDown, OverallUnknown, OverallNotInstalled} {
		if !verdicts[v] {
			t.Errorf("no golden file for the verdict %s", v)
		}
	}
}

func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `make golden` to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run `make golden` if the change is intended)\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// TestJSONKeepsTheSeedShape checks every key and type of the vendor's
// `status --json` example against our JSON: we may add, never remove or
// retype.
func TestJSONKeepsTheSeedShape(t *testing.T) {
	seed := `{ "version": "0.1.22.21", "install_mode": "apps", "daemon": { "state": "healthy", "pid": 80214, "label": "com.haltonlabs.meter" }, "watchdog": { "state": "healthy", "pid": 80215 }, "edge": { "state": "healthy", "pid": 80213, "port": 8081 }, "ports": { "edge": 8081, "internal": 8090, "api": 8765 }, "system_proxy": { "state": "off" }, "sentinels": { "proxy_managed": false, "apps_managed": true } }`
	var want map[string]any
	if err := json.Unmarshal([]byte(seed), &want); err != nil {
		t.Fatal(err)
	}
	var js bytes.Buffer
	WriteJSON(&js, Evaluate(goldenFacts(t, "launchctl-list-table.txt")))
	var got map[string]any
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	sameShape(t, "", want, got)
	if got["overall"] != "healthy" || got["checked_at"] == nil {
		t.Errorf("overall %v, checked_at %v", got["overall"], got["checked_at"])
	}
	comps, _ := got["components"].([]any)
	if len(comps) != len(ComponentOrder) {
		t.Fatalf("components: %v", got["components"])
	}
	for i, c := range comps {
		m := c.(map[string]any)
		for _, k := range []string{"component", "state", "level", "detail", "next_step"} {
			if _, ok := m[k].(string); !ok {
				t.Errorf("component %d: %q is %T", i, k, m[k])
			}
		}
		if m["component"] != string(ComponentOrder[i]) {
			t.Errorf("component %d is %v", i, m["component"])
		}
	}
	// A missing PID is null, not absent and not 0.
	if userenv := got["userenv"].(map[string]any); userenv["pid"] != nil {
		t.Errorf("userenv pid %v", userenv["pid"])
	} else if _, present := userenv["pid"]; !present {
		t.Error("userenv pid is absent; want null")
	}
}

func sameShape(t *testing.T, path string, want, got any) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			t.Errorf("%s: %T, want an object", path, got)
			return
		}
		for k, wv := range w {
			gv, present := g[k]
			if !present {
				t.Errorf("%s.%s is missing", path, k)
				continue
			}
			sameShape(t, path+"."+k, wv, gv)
		}
	default:
		if reflect.TypeOf(want) != reflect.TypeOf(got) {
			t.Errorf("%s: %T, want %T", path, got, want)
		}
	}
}
