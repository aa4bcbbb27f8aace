package wire_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/details/model"
	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/status"
)

func fullReport() status.Report {
	r := status.Report{Overall: status.OverallHealthy, Headline: "All healthy"}
	for _, name := range status.ComponentOrder {
		r.Components = append(r.Components, status.Component{Name: name, State: "healthy", Level: status.LevelOK})
	}
	return r
}

func snapshotLine(t testing.TB, r status.Report) []byte {
	b, err := json.Marshal(wire.Message{Type: wire.MsgSnapshot, Report: &r, PollIntervalMS: 5000})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseMessage(t *testing.T) {
	m, err := wire.ParseMessage(snapshotLine(t, fullReport()))
	if err != nil || m.Type != wire.MsgSnapshot || m.PollInterval() != 5*time.Second || len(m.Report.Components) != len(status.ComponentOrder) {
		t.Fatalf("%+v %v", m, err)
	}
	// The budget and the last figures travel exactly.
	r := fullReport()
	at := time.Date(2026, 11, 25, 10, 42, 0, 0, time.UTC)
	b, _ := json.Marshal(wire.Message{Type: wire.MsgSnapshot, Report: &r, Budget: 450000,
		LastSpend: &wire.Spend{Today: status.Today{Requests: 3, CostUSD: 1234}, At: at}})
	if m, err := wire.ParseMessage(b); err != nil || m.Budget != 450000 || m.LastSpend == nil || m.LastSpend.Today.CostUSD != 1234 || !m.LastSpend.At.Equal(at) {
		t.Errorf("budget and last figures: %+v %v", m, err)
	}
	if m, err := wire.ParseMessage([]byte(`{"type":"focus","component":"daemon"}`)); err != nil || m.Component != "daemon" {
		t.Errorf("focus: %+v %v", m, err)
	}
	for _, bad := range []string{``, `garbage`, `{}`, `{"type":"snapshot"}`, `{"type":"snapshot","report":{"components":[]}}`, `{"type":"focus","poll_interval_ms":-1}`, `[1,2]`} {
		if _, err := wire.ParseMessage([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSpendCurrent(t *testing.T) {
	now := time.Date(2026, 11, 25, 14, 30, 0, 0, time.Local)
	for at, want := range map[time.Time]bool{
		now.Add(-time.Hour): true, time.Date(2026, 11, 25, 0, 0, 1, 0, time.Local): true,
		time.Date(2026, 11, 24, 23, 59, 0, 0, time.Local): false, now.AddDate(0, 0, 1): false,
	} {
		if got := (&wire.Spend{At: at}).Current(now); got != want {
			t.Errorf("%v: %v", at, got)
		}
	}
	if (*wire.Spend)(nil).Current(now) {
		t.Error("no figures are current")
	}
}

func TestParseRequest(t *testing.T) {
	for _, ok := range []string{"refresh", "start-daemon", "start-edge", "run-doctor", "open-logs", "open-dashboard"} {
		if r, err := wire.ParseRequest([]byte(`{"request":"` + ok + `"}`)); err != nil || string(r.Request) != ok {
			t.Errorf("%s: %v", ok, err)
		}
	}
	if r, err := wire.ParseRequest([]byte(`{"request":"set-budget","value":"4.50"}`)); err != nil || r.Value != "4.50" {
		t.Errorf("set-budget: %+v %v", r, err)
	}
	if r, err := wire.ParseRequest([]byte(`{"request":"mute-row","value":"mitmproxy listener"}`)); err != nil || r.Value != "mitmproxy listener" {
		t.Errorf("mute-row: %+v %v", r, err)
	}
	for _, bad := range []string{`{"request":"quit"}`, `{"request":"start-at-login"}`, `{}`, `nope`, `{"request":5}`,
		`{"request":"set-budget","value":"lots"}`, `{"request":"refresh","value":"5"}`, `{"request":"mute-row"}`,
		`{"request":"mute-row","value":"the kitchen sink"}`, `{"request":"alert-settings","value":"x"}`} {
		if _, err := wire.ParseRequest([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseMessage(f *testing.F) {
	f.Add(snapshotLine(f, fullReport()))
	f.Add([]byte(`{"type":"focus","component":"daemon"}`))
	f.Add([]byte(`{"type":"snapshot","report":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := wire.ParseMessage(b)
		if err != nil {
			return
		}
		if m.Type == wire.MsgSnapshot && (m.Report == nil || len(m.Report.Components) != len(status.ComponentOrder)) {
			t.Fatalf("accepted %+v", m)
		}
		// Whatever is accepted can be drawn and described.
		model.Build(m, time.Now(), time.Hour)
		model.Diagnostics(m, time.Now(), "test")
	})
}

func FuzzParseRequest(f *testing.F) {
	f.Add([]byte(`{"request":"refresh"}`))
	f.Add([]byte(`{"request":"quit"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := wire.ParseRequest(b); err == nil && !wire.Requests[r.Request] {
			t.Fatalf("accepted %q", r.Request)
		}
	})
}
