package status

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"
)

// apiServer is a daemon API on loopback: /health, and /v1/daemon/status
// and /v1/stats answering what the test says, or 404, or hanging.
type apiServer struct {
	lastSeen *time.Time
	lastHour int
	status   string // the body of /v1/daemon/status, when set
	stats    string // the body of /v1/stats; "" is 404
	code     int    // /v1/stats's status, when set
	hang     string // a path that never answers
	queries  chan string
}

func (a *apiServer) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if a.queries != nil {
		select {
		case a.queries <- r.URL.RequestURI():
		default:
		}
	}
	if r.URL.Path == a.hang {
		<-r.Context().Done()
		return
	}
	switch r.URL.Path {
	case "/health":
		fmt.Fprint(rw, `{"status":"ok","version":"0.6.3"}`)
	case "/v1/daemon/status":
		if a.status != "" {
			fmt.Fprint(rw, a.status)
			return
		}
		if a.lastHour < 0 {
			http.NotFound(rw, r)
			return
		}
		var seen any
		if a.lastSeen != nil {
			seen = a.lastSeen.Format(time.RFC3339)
		}
		json.NewEncoder(rw).Encode(map[string]any{"last_seen_at": seen, "request_count_last_hour": a.lastHour})
	case "/v1/stats":
		if a.stats == "" {
			http.NotFound(rw, r)
			return
		}
		if a.code != 0 {
			rw.WriteHeader(a.code)
		}
		fmt.Fprint(rw, a.stats)
	default:
		http.NotFound(rw, r)
	}
}

const statsBody = `{"summary":{"total_requests":312,"total_input_tokens":1204310,"total_output_tokens":98211,"total_thinking_tokens":0,
"total_cache_read_tokens":0,"total_cache_write_tokens":0,"total_cost_usd_minor_units":421000,"cache_hit_rate":0},
"by_day":[{"date":"2026-11-25","requests":312,"cost_usd_minor_units":421000}],"by_day_by_provider":[],"by_provider":[],
"by_model":[{"provider":"openai","model":"gpt-4o","requests":100,"input_tokens":3,"output_tokens":2,"cost_usd_minor_units":45000},
{"provider":"anthropic","model":"claude-sonnet-4","requests":200,"input_tokens":5,"output_tokens":6,"cost_usd_minor_units":375000},
{"provider":"anthropic","model":"claude-haiku-4","requests":10,"input_tokens":1,"output_tokens":1,"cost_usd_minor_units":1000},
{"provider":"x","model":"cheap","requests":2,"input_tokens":1,"output_tokens":1,"cost_usd_minor_units":0}]}`

func meteringWorld(t *testing.T, api *apiServer) *testWorld {
	w := newTestWorld(t, ModeApps)
	w.API = w.Serve(api)
	w.Ports(w.Edge, w.Internal, w.API)
	// A hanging endpoint costs its own timeout (1.5 s at most) and no
	// other probe's: launchctl has the rest, even on a loaded machine.
	w.cfg.Timeout = 10 * time.Second
	return w
}

func TestMeteringStates(t *testing.T) {
	recent := time.Now().Add(-40 * time.Second)
	old := time.Now().Add(-3 * time.Hour)
	big := `{"summary":{"total_requests":1},"pad":"` + strings.Repeat("x", maxStatsBody) + `"}`
	tests := []struct {
		name    string
		api     *apiServer
		state   State
		detail  string
		today   bool
		warning string
	}{
		{"live", &apiServer{lastSeen: &recent, lastHour: 12, stats: statsBody}, MeteringLive, "$4.21 today, 312 requests · last request 40 s ago", true, ""},
		{"idle", &apiServer{lastSeen: &old, lastHour: 0, stats: statsBody}, MeteringIdle, "last request 3 h ago", true, ""},
		{"idle, never a request", &apiServer{lastHour: 0, stats: `{"summary":{"total_requests":0},"by_day":[],"by_model":[]}`}, MeteringIdle, "$0.00 today, 0 requests · no request metered yet", true, ""},
		{"an older daemon: 404", &apiServer{lastHour: -1}, StateUnknown, "this daemon has no /v1/daemon/status", false, ""},
		{"/v1/daemon/status hangs", &apiServer{hang: "/v1/daemon/status", stats: statsBody}, StateUnknown, "/v1/daemon/status timed out", true, "/v1/daemon/status timed out"},
		// /v1/stats failing: the row keeps what /v1/daemon/status proves,
		// and says why today's figures are missing.
		{"/v1/stats answers 500", &apiServer{lastSeen: &recent, lastHour: 1, stats: `{"detail":"database is locked"}`, code: 500}, MeteringLive, " ago · today's figures unknown: /v1/stats answered 500", false, "/v1/stats answered 500"},
		{"/v1/stats hangs", &apiServer{lastSeen: &recent, lastHour: 1, stats: statsBody, hang: "/v1/stats"}, MeteringLive, "today's figures unknown: /v1/stats timed out", false, "/v1/stats timed out"},
		{"/v1/stats too big", &apiServer{lastSeen: &old, stats: big}, MeteringIdle, "today's figures unknown: /v1/stats body over 1.0 MB", false, "/v1/stats body over 1.0 MB"},
		{"/v1/stats not JSON", &apiServer{lastSeen: &old, stats: "<html>"}, MeteringIdle, "today's figures unknown: /v1/stats body is not the JSON expected", false, "/v1/stats body is not the JSON expected"},
		{"a negative cost", &apiServer{lastSeen: &recent, lastHour: 1, stats: `{"summary":{"total_requests":1,"total_cost_usd_minor_units":-9223372036854775808}}`}, MeteringLive, "today's figures unknown: /v1/stats: a negative cost", false, "/v1/stats: a negative cost"},
		{"a cost past any day's", &apiServer{lastSeen: &recent, lastHour: 1, stats: `{"summary":{"total_requests":1,"total_cost_usd_minor_units":9223372036854775807}}`}, MeteringLive, "today's figures unknown: /v1/stats: a day's cost over $1,000,000.00", false, "a day's cost over"},
		{"a negative count", &apiServer{lastSeen: &recent, lastHour: 1, stats: `{"summary":{"total_requests":-1}}`}, MeteringLive, "today's figures unknown: /v1/stats: a negative request count", false, "a negative request count"},
		{"a model's figures out of range", &apiServer{lastSeen: &recent, lastHour: 1, stats: `{"summary":{"total_requests":1},"by_model":[{"model":"m","requests":1000000000001}]}`}, MeteringLive, "the costliest models unknown: /v1/stats: by_model has a request count over 10^12", true, "by_model has a request count over 10^12"},
		// /v1/daemon/status out of range: live or idle cannot be told.
		{"last_seen_at in 2099", &apiServer{status: `{"last_seen_at":"2099-01-01T00:00:00Z","request_count_last_hour":1}`, stats: statsBody}, StateUnknown, "/v1/daemon/status: last_seen_at is in the future", true, "last_seen_at is in the future"},
		{"last_seen_at in year 1", &apiServer{status: `{"last_seen_at":"0001-01-01T00:00:00Z","request_count_last_hour":1}`, stats: statsBody}, StateUnknown, "/v1/daemon/status: last_seen_at is before 2024", true, "before 2024"},
		{"a negative last hour", &apiServer{status: `{"last_seen_at":null,"request_count_last_hour":-1}`, stats: statsBody}, StateUnknown, "/v1/daemon/status: a negative last hour's request count", true, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := meteringWorld(t, tt.api)
			r := w.check()
			expectRow(t, r, CompMetering, tt.state, LevelOK, tt.detail)
			if r.Overall != OverallHealthy {
				t.Errorf("overall %s: metering never weighs on the verdict here", r.Overall)
			}
			if (r.Metering.Today != nil) != tt.today {
				t.Errorf("today %+v", r.Metering.Today)
			}
			if r.Metering.State != tt.state {
				t.Errorf("metering.state %s", r.Metering.State)
			}
			if got := strings.Join(r.Warnings, "\n"); tt.warning == "" && got != "" || !strings.Contains(got, tt.warning) {
				t.Errorf("warnings %q, want one with %q", r.Warnings, tt.warning)
			}
			// Every output takes the report.
			var js, table strings.Builder
			if err := WriteJSON(&js, r); err != nil || !json.Valid([]byte(js.String())) {
				t.Errorf("JSON: %v", err)
			}
			if err := WriteTable(&table, r, false); err != nil {
				t.Errorf("table: %v", err)
			}
		})
	}
}

// checkInRange fails unless every figure of s is within its bounds.
func checkInRange(t *testing.T, s StatsFacts) {
	t.Helper()
	counts := []int{s.Today.Requests, s.Today.InputTokens, s.Today.OutputTokens}
	costs := []USD{s.Today.CostUSD}
	for _, m := range s.TopModels {
		counts = append(counts, m.Requests, m.InputTokens, m.OutputTokens)
		costs = append(costs, m.CostUSD)
	}
	for _, d := range s.Week {
		counts = append(counts, d.Requests)
		costs = append(costs, d.CostUSD)
		if _, err := time.Parse(time.DateOnly, d.Date); err != nil {
			t.Fatalf("accepted the date %q", d.Date)
		}
	}
	for _, n := range counts {
		if n < 0 || n > MaxCount {
			t.Fatalf("accepted the count %d: %+v", n, s)
		}
	}
	for _, c := range costs {
		if c < 0 || c > MaxDayCost {
			t.Fatalf("accepted the cost %d: %+v", c, s)
		}
	}
}

// TestFigureBounds: every figure at its edges.
func TestFigureBounds(t *testing.T) {
	for _, c := range []struct {
		n           int64
		count, cost string // the problems, "" for none
	}{
		{-1, "a negative request count", "a negative cost"},
		{0, "", ""},
		{int64(MaxDayCost), "", ""},
		{int64(MaxDayCost) + 1, "", "a day's cost over $1,000,000.00"},
		{MaxCount, "", "a day's cost over $1,000,000.00"},
		{MaxCount + 1, "a request count over 10^12", "a day's cost over $1,000,000.00"},
		{math.MaxInt64, "a request count over 10^12", "a day's cost over $1,000,000.00"},
		{math.MinInt64, "a negative request count", "a negative cost"},
	} {
		if got := countProblem("request", c.n); got != c.count {
			t.Errorf("count %d: %q, want %q", c.n, got, c.count)
		}
		if got := costProblem(c.n); got != c.cost {
			t.Errorf("cost %d: %q, want %q", c.n, got, c.cost)
		}
	}
}

// TestTimeWindow: a time the daemon gives is believed from
// EarliestMetered to FutureSlack past the sweep.
func TestTimeWindow(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{now, ""},
		{now.Add(FutureSlack), ""},
		{now.Add(FutureSlack + time.Second), "last_seen_at is in the future"},
		{time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), "last_seen_at is in the future"},
		{EarliestMetered, ""},
		{EarliestMetered.Add(-time.Nanosecond), "last_seen_at is before 2024"},
		{time.Time{}, "last_seen_at is before 2024"},
	} {
		if got := timeProblem("last_seen_at", c.at, now); got != c.want {
			t.Errorf("%s: %q, want %q", c.at, got, c.want)
		}
	}
	// Through the parser, with an offset that moves the year.
	if _, err := ParseDaemonStatus([]byte(`{"last_seen_at":"9999-12-31T23:59:59-23:59","request_count_last_hour":0}`), now); err == nil {
		t.Error("a time past year 9999 in UTC was accepted")
	}
}

func TestMeteringFigures(t *testing.T) {
	recent := time.Now().Add(-10 * time.Second)
	api := &apiServer{lastSeen: &recent, lastHour: 7, stats: statsBody, queries: make(chan string, 16)}
	w := meteringWorld(t, api)
	r := w.check()
	m := r.Metering
	if m.State != MeteringLive || m.RequestsLastHour == nil || *m.RequestsLastHour != 7 || m.LastRequestAt == nil || m.Source != "/v1/daemon/status, /v1/stats" {
		t.Fatalf("metering %+v", m)
	}
	if *m.Today != (Today{Requests: 312, CostUSD: 421000, InputTokens: 1204310, OutputTokens: 98211}) {
		t.Errorf("today %+v", *m.Today)
	}
	if len(m.TopModels) != 3 || m.TopModels[0].Model != "claude-sonnet-4" || m.TopModels[2].Model != "claude-haiku-4" {
		t.Errorf("top models %+v", m.TopModels)
	}
	if len(m.Week) != 7 || m.Week[6].Date != time.Now().Format(time.DateOnly) {
		t.Errorf("week %+v", m.Week)
	}
	// Asked: today since local midnight, and the week since six days ago.
	var asked []string
	for len(api.queries) > 0 {
		asked = append(asked, <-api.queries)
	}
	today := "/v1/stats?since=" + time.Now().Format(time.DateOnly)
	week := "/v1/stats?since=" + time.Now().AddDate(0, 0, -6).Format(time.DateOnly)
	if got := strings.Join(asked, " "); !strings.Contains(got, today) || !strings.Contains(got, week) {
		t.Errorf("asked %s", got)
	}
	var js strings.Builder
	WriteJSON(&js, r)
	if !strings.Contains(js.String(), `"cost_usd": 4.21,`) {
		t.Errorf("JSON: %s", js.String())
	}
}

func TestMeteringWhileTheDaemonIsDown(t *testing.T) {
	recent := time.Now().Add(-10 * time.Second)
	w := meteringWorld(t, &apiServer{lastSeen: &recent, lastHour: 3, stats: statsBody})
	w.LaunchctlTable("PID\tStatus\tLabel\n-\t-9\tcom.haltonlabs.meter\n4003\t0\tcom.haltonlabs.meter.watchdog\n4001\t0\tcom.haltonlabs.meter.edge\n-\t0\tcom.haltonlabs.meter.userenv\n")
	r := w.check()
	c := row(t, r, CompMetering)
	if c.State != MeteringNot || c.Level != LevelWarn || c.CausedBy != CompDaemon || c.NextStep != StepStart {
		t.Errorf("metering %+v", c)
	}
	if r.Metering.State != MeteringNot || r.Metering.RequestsLastHour != nil {
		t.Errorf("metering %+v", r.Metering)
	}
}

// TestStatsAreAskedAtMostOnceAMinute: a long-running monitor asks
// /v1/stats once a minute (two requests: today and the week), whatever it
// answered: a failing or hanging endpoint is not hammered, nor costs its
// timeout at every sweep. Refresh Now asks at once.
func TestStatsAreAskedAtMostOnceAMinute(t *testing.T) {
	recent := time.Now().Add(-10 * time.Second)
	for name, api := range map[string]*apiServer{
		"answering": {lastSeen: &recent, lastHour: 1, stats: statsBody},
		"failing":   {lastSeen: &recent, lastHour: 1, stats: `{}`, code: http.StatusInternalServerError},
		"hanging":   {lastSeen: &recent, lastHour: 1, stats: statsBody, hang: "/v1/stats"},
	} {
		t.Run(name, func(t *testing.T) {
			api.queries = make(chan string, 64)
			w := meteringWorld(t, api)
			clock := time.Now()
			w.cfg.Now = func() time.Time { return clock }
			sw := &Sweeper{Cfg: w.cfg}
			count := func() (stats int) {
				for len(api.queries) > 0 {
					if strings.HasPrefix(<-api.queries, "/v1/stats") {
						stats++
					}
				}
				return stats
			}
			var r Report
			for range 12 { // a sweep a second
				r = sw.Full(t.Context())
				clock = clock.Add(time.Second)
			}
			if n := count(); n != 2 {
				t.Fatalf("12 sweeps in 12 s asked /v1/stats %d times, want 2 (today and the week, once)", n)
			}
			if name == "answering" && (r.Metering.Today == nil || r.Metering.StatsAt == nil) {
				t.Errorf("a later sweep: today %v, stats_at %v", r.Metering.Today, r.Metering.StatsAt)
			}
			if name != "answering" && (r.Metering.Today != nil || len(r.Warnings) == 0) {
				t.Errorf("a later sweep forgot the failure: today %v, warnings %q", r.Metering.Today, r.Warnings)
			}
			clock = clock.Add(StatsEvery)
			sw.Full(t.Context())
			if n := count(); n != 2 {
				t.Errorf("a minute on: %d stats asks", n)
			}
			sw.Invalidate() // Refresh Now
			sw.Full(t.Context())
			if n := count(); n != 2 {
				t.Errorf("after Invalidate: %d stats asks", n)
			}
		})
	}
}

func FuzzParseStats(f *testing.F) {
	f.Add([]byte(statsBody))
	f.Add([]byte(`{"summary":{"total_requests":1},"by_day":[{"date":"x"}]}`))
	f.Add([]byte(`{"summary":{"total_requests":-1,"total_cost_usd_minor_units":-9223372036854775808}}`))
	f.Add([]byte(`{"summary":{"total_requests":1},"by_model":[{"model":"m","requests":1000000000001}]}`))
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, b []byte) {
		s := ParseStats(b, now)
		if !s.Known() {
			if s.Problem == "" && !s.Missing {
				t.Fatal("unknown without a reason")
			}
			return
		}
		checkInRange(t, s)
	})
}

func FuzzParseDaemonStatus(f *testing.F) {
	f.Add([]byte(`{"last_seen_at":"2026-11-25T11:59:20Z","request_count_last_hour":12}`))
	f.Add([]byte(`{"last_seen_at":null,"request_count_last_hour":0}`))
	f.Add([]byte(`{"last_seen_at":"2099-01-01T00:00:00Z","request_count_last_hour":-1}`))
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseDaemonStatus(b, now)
		if err != nil {
			return
		}
		if s.LastHour < 0 || s.LastHour > MaxCount {
			t.Fatalf("accepted %+v", s)
		}
		if s.LastSeen != nil && (s.LastSeen.After(now.Add(FutureSlack)) || s.LastSeen.Before(EarliestMetered)) {
			t.Fatalf("accepted the time %s", s.LastSeen)
		}
	})
}
