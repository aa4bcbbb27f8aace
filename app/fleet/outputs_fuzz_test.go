package fleet

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"howett.net/plist"

	"github.com/haltonlabs/halton-meter-bar/app/details/model"
	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/app/monitor"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// FuzzOutputs: a report with any metering figures at all (past what the
// engine lets in) goes through every output without an error: the
// Prometheus text, the Jamf answer, status.json and status.plist, the
// details window's snapshot and model, Copy Diagnostics, and the menu.
func FuzzOutputs(f *testing.F) {
	for _, n := range []int64{0, 1, -1, 421000, 1 << 62, -1 << 63, 1<<63 - 1} {
		f.Add(n, n, n, int64(t0.Unix()-40))
	}
	f.Add(int64(-9223372036854775808), int64(-1), int64(5), int64(-62135596800)) // year 1
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, cost, count, budget, seenUnix int64) {
		r := report(status.OverallHealthy)
		// Any time JSON can write (years 0 to 9999).
		seen := time.Unix(-62167219200+mod(seenUnix, 315537897600), 0).UTC()
		hour := int(count)
		r.Metering = status.Metering{State: status.MeteringLive, LastRequestAt: &seen, RequestsLastHour: &hour,
			Today:     &status.Today{Requests: int(count), CostUSD: status.USD(cost), InputTokens: int(count), OutputTokens: int(count)},
			Week:      []status.DayCost{{Date: "2026-11-25", Requests: int(count), CostUSD: status.USD(cost)}},
			TopModels: []status.ModelCost{{Provider: "p", Model: "m", Requests: int(count), CostUSD: status.USD(cost)}},
			StatsAt:   &seen}

		var prom bytes.Buffer
		if err := Prometheus(&prom, r); err != nil {
			t.Fatalf("prometheus: %v", err)
		}
		if _, err := parse(bytes.NewReader(prom.Bytes())); err != nil {
			t.Fatalf("prometheus text does not parse: %v\n%s", err, prom.String())
		}
		if err := Jamf(&bytes.Buffer{}, r); err != nil {
			t.Fatal(err)
		}
		if err := WriteStatus(dir, r); err != nil {
			t.Fatalf("status files: %v", err)
		}
		b, _ := os.ReadFile(filepath.Join(dir, StatusJSON))
		var back status.Report
		if err := json.Unmarshal(b, &back); err != nil || back.Metering.Today.CostUSD != status.USD(cost) {
			t.Fatalf("status.json reads back as %+v: %v", back.Metering.Today, err)
		}
		p, _ := os.ReadFile(filepath.Join(dir, StatusPlist))
		var s map[string]string
		if _, err := plist.Unmarshal(p, &s); err != nil || s["today_cost_usd"] != status.USD(cost).Decimal() {
			t.Fatalf("status.plist: %v %q", err, s["today_cost_usd"])
		}

		msg := wire.Message{Type: wire.MsgSnapshot, Report: &r, Budget: status.USD(budget),
			LastSpend: &wire.Spend{Today: *r.Metering.Today, At: seen}}
		line, err := json.Marshal(msg)
		if err != nil {
			t.Fatalf("snapshot: %v", err)
		}
		got, err := wire.ParseMessage(line)
		if err != nil {
			t.Fatalf("snapshot does not parse: %v", err)
		}
		now := t0
		m := model.Build(got, now, time.Hour)
		if m.Spend.Cost != status.USD(cost).String() {
			t.Fatalf("the window shows %q for %d", m.Spend.Cost, cost)
		}
		model.Diagnostics(got, now, "test")
		monitor.BuildMenu(monitor.MenuInput{Report: &r, Now: now, Notifications: true})
	})
}

// mod is n mod m, never negative.
func mod(n, m int64) int64 { return (n%m + m) % m }
