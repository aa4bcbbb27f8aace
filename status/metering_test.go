package status

import (
	"encoding/json"
	"fmt"
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
	stats    string // the body of /v1/stats; "" is 404
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
	return w
}

func TestMeteringStates(t *testing.T) {
	recent := time.Now().Add(-40 * time.Second)
	old := time.Now().Add(-3 * time.Hour)
	tests := []struct {
		name   string
		api    *apiServer
		state  string
		level  Level
		detail string
		today  bool
	}{
		{"live", &apiServer{lastSeen: &recent, lastHour: 12, stats: statsBody}, MeteringLive, LevelOK, "$4.21 today, 312 requests · last request 40 s ago", true},
		{"idle", &apiServer{lastSeen: &old, lastHour: 0, stats: statsBody}, MeteringIdle, LevelOK, "last request 3 h ago", true},
		{"idle, never a request", &apiServer{lastHour: 0, stats: `{"summary":{"total_requests":0},"by_day":[],"by_model":[]}`}, MeteringIdle, LevelOK, "$0.00 today, 0 requests · no request metered yet", true},
		{"an older daemon: 404", &apiServer{lastHour: -1}, StateUnknown, LevelOK, "this daemon has no /v1/daemon/status", false},
		{"/v1/daemon/status hangs", &apiServer{hang: "/v1/daemon/status", stats: statsBody}, StateUnknown, LevelOK, "/v1/daemon/status timed out", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := meteringWorld(t, tt.api)
			r := w.check()
			expectRow(t, r, CompMetering, tt.state, tt.level, tt.detail)
			if r.Overall != OverallHealthy {
				t.Errorf("overall %s: metering never weighs on the verdict here", r.Overall)
			}
			if (r.Metering.Today != nil) != tt.today {
				t.Errorf("today %+v", r.Metering.Today)
			}
			if r.Metering.State != tt.state {
				t.Errorf("metering.state %s", r.Metering.State)
			}
		})
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

func TestStatsAreAskedAtMostOnceAMinute(t *testing.T) {
	recent := time.Now().Add(-10 * time.Second)
	api := &apiServer{lastSeen: &recent, lastHour: 1, stats: statsBody, queries: make(chan string, 64)}
	w := meteringWorld(t, api)
	sw := &Sweeper{Cfg: w.cfg}
	count := func() (stats int) {
		for len(api.queries) > 0 {
			if strings.HasPrefix(<-api.queries, "/v1/stats") {
				stats++
			}
		}
		return stats
	}
	sw.Full(t.Context())
	if n := count(); n != 2 {
		t.Fatalf("first sweep asked /v1/stats %d times, want 2 (today and the week)", n)
	}
	r := sw.Full(t.Context())
	if n := count(); n != 0 || r.Metering.Today == nil || r.Metering.StatsAt == nil {
		t.Errorf("second sweep: %d stats asks, today %v, stats_at %v", n, r.Metering.Today, r.Metering.StatsAt)
	}
	sw.Invalidate() // Refresh Now
	sw.Full(t.Context())
	if n := count(); n != 2 {
		t.Errorf("after Invalidate: %d stats asks", n)
	}
}

func TestUSD(t *testing.T) {
	for minor, want := range map[USD]struct{ decimal, shown string }{
		421000:       {"4.21", "$4.21"},
		1234:         {"0.01234", "$0.0123"},
		1:            {"0.00001", "$0.0000"},
		0:            {"0", "$0.00"},
		99995:        {"0.99995", "$1.00"},
		100000:       {"1", "$1.00"},
		12345678:     {"123.45678", "$123.46"},
		-50:          {"-0.0005", "-$0.0005"},
		123456789000: {"1234567.89", "$1,234,567.89"},
	} {
		if got := minor.Decimal(); got != want.decimal {
			t.Errorf("%d: decimal %q, want %q", minor, got, want.decimal)
		}
		if got := minor.String(); got != want.shown {
			t.Errorf("%d: shown %q, want %q", minor, got, want.shown)
		}
		b, _ := json.Marshal(minor)
		var back USD
		if err := json.Unmarshal(b, &back); err != nil || back != minor {
			t.Errorf("%d: JSON %s reads back as %d (%v)", minor, b, back, err)
		}
	}
}

func FuzzParseStats(f *testing.F) {
	f.Add([]byte(statsBody))
	f.Add([]byte(`{"summary":{"total_requests":1},"by_day":[{"date":"x"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		today, days, _, err := ParseStats(b)
		if err != nil {
			return
		}
		for _, d := range days {
			if _, err := time.Parse(time.DateOnly, d.Date); err != nil {
				t.Fatalf("accepted the date %q", d.Date)
			}
		}
		_ = today.CostUSD.String()
	})
}

func FuzzParseDaemonStatus(f *testing.F) {
	f.Add([]byte(`{"last_seen_at":"2026-11-25T11:59:20Z","request_count_last_hour":12}`))
	f.Add([]byte(`{"last_seen_at":null,"request_count_last_hour":0}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseDaemonStatus(b)
		if err == nil && s.LastHour < 0 {
			t.Fatalf("accepted %+v", s)
		}
	})
}

func TestParseDollars(t *testing.T) {
	for in, want := range map[string]USD{"": 0, "0": 0, "5": 500000, "4.50": 450000, "$0.25": 25000, "1,000": 100000000, " .5 ": 50000, "0.00001": 1} {
		if got, err := ParseDollars(in); err != nil || got != want {
			t.Errorf("%q: %d %v, want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"five", "-5", "+5", "1.000001", "2000000", "1e3", "$", "4.5.0"} {
		if _, err := ParseDollars(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
