package status

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzEngineOutputs: whatever the daemon's API answers, the engine's
// report holds only figures in range (or none, with the reason), and
// --json and --table take it.
func FuzzEngineOutputs(f *testing.F) {
	f.Add([]byte(`{"last_seen_at":"2026-11-25T11:59:20Z","request_count_last_hour":12}`), []byte(statsBody))
	f.Add([]byte(`{"last_seen_at":"2099-01-01T00:00:00Z","request_count_last_hour":-1}`), []byte(`{"summary":{"total_requests":-1,"total_cost_usd_minor_units":-9223372036854775808}}`))
	f.Add([]byte(`{"last_seen_at":"0001-01-01T00:00:00Z","request_count_last_hour":9223372036854775807}`), []byte(`{"summary":{"total_requests":1,"total_cost_usd_minor_units":9223372036854775807},"by_day":[{"date":"2026-11-25","cost_usd_minor_units":-1}]}`))
	f.Add([]byte(`null`), []byte(`[]`))
	f.Fuzz(func(t *testing.T, statusBody, statsBody []byte) {
		facts := healthyFacts(ModeApps)
		now := facts.CheckedAt
		st, err := ParseDaemonStatus(statusBody, now)
		if err != nil {
			st = StatusFacts{Problem: pathDaemonStatus + ": " + err.Error()}
		}
		stats := ParseStats(statsBody, now)
		facts.Metering = MeteringFacts{Status: st, Stats: &stats}
		r := Evaluate(facts)

		m := r.Metering
		if m.Today == nil && m.TodayProblem == "" {
			t.Fatalf("today unknown without a reason: %+v", stats)
		}
		if m.Today != nil {
			checkInRange(t, StatsFacts{Today: *m.Today, Week: m.Week, TopModels: m.TopModels})
		}
		if m.LastRequestAt != nil && timeProblem("", *m.LastRequestAt, now) != "" {
			t.Fatalf("last request at %s", m.LastRequestAt)
		}
		if m.RequestsLastHour != nil && (*m.RequestsLastHour < 0 || *m.RequestsLastHour > MaxCount) {
			t.Fatalf("requests last hour %d", *m.RequestsLastHour)
		}
		var js, table strings.Builder
		if err := WriteJSON(&js, r); err != nil || !json.Valid([]byte(js.String())) {
			t.Fatalf("--json: %v", err)
		}
		if err := WriteTable(&table, r, false); err != nil {
			t.Fatalf("--table: %v", err)
		}
		if strings.Contains(table.String(), "-$") || strings.Contains(table.String(), "\x1b") {
			t.Fatalf("--table:\n%s", table.String())
		}
	})
}
