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
	if m, err := wire.ParseMessage([]byte(`{"type":"focus","component":"daemon"}`)); err != nil || m.Component != "daemon" {
		t.Errorf("focus: %+v %v", m, err)
	}
	for _, bad := range []string{``, `garbage`, `{}`, `{"type":"snapshot"}`, `{"type":"snapshot","report":{"components":[]}}`, `{"type":"focus","poll_interval_ms":-1}`, `[1,2]`} {
		if _, err := wire.ParseMessage([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseRequest(t *testing.T) {
	for _, ok := range []string{"refresh", "start-daemon", "start-edge", "run-doctor", "open-logs", "open-dashboard"} {
		if id, err := wire.ParseRequest([]byte(`{"request":"` + ok + `"}`)); err != nil || string(id) != ok {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{`{"request":"quit"}`, `{"request":"start-at-login"}`, `{}`, `nope`, `{"request":5}`} {
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
		if id, err := wire.ParseRequest(b); err == nil && !wire.Requests[id] {
			t.Fatalf("accepted %q", id)
		}
	})
}
