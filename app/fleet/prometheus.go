package fleet

import (
	"fmt"
	"io"
	"slices"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// Prometheus writes r in the Prometheus text exposition format: every row
// up or not and at which level, the verdict, the sweep, what is installed,
// and the metering figures when the daemon gave them.
func Prometheus(w io.Writer, r status.Report) error {
	e := newExposition()
	const p = "halton_meter_"
	one := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	for _, c := range r.Components {
		e.gauge(p+"up", "1 when the component is as it should be (level ok), else 0.", one(c.Level == status.LevelOK), "component", string(c.Name))
		for _, l := range status.Levels {
			e.gauge(p+"component_level", "1 for the component's level (ok, warn, crit, unknown), 0 for the others.", one(c.Level == l),
				"component", string(c.Name), "level", string(l))
		}
	}
	for _, v := range status.Verdicts {
		e.gauge(p+"overall", "1 for the overall verdict (healthy, degraded, down, unknown, not-installed), 0 for the others.", one(r.Overall == v), "verdict", string(v))
	}
	e.gauge(p+"info", "What is installed and checked: always 1.", 1,
		"version", r.Version, "install_mode", r.InstallMode, "schema", r.Schema, "bar_version", r.BarVersion)
	e.gauge(p+"sweep_duration_seconds", "How long the sweep took.", r.Sweep.DurationMS/1000)
	if !r.CheckedAt.IsZero() {
		e.gauge(p+"checked_timestamp_seconds", "When the sweep ran, in seconds since the epoch.", float64(r.CheckedAt.UnixMilli())/1000)
	}
	m := r.Metering
	states := []status.State{status.MeteringLive, status.MeteringIdle, status.MeteringNot, status.StateUnknown}
	for _, s := range states {
		e.gauge(p+"metering", "1 for the metering state (live, idle, not-metering, unknown), 0 for the others.",
			one(m.State == s || (s == status.StateUnknown && !slices.Contains(states, m.State))), "state", string(s))
	}
	if m.LastRequestAt != nil {
		e.gauge(p+"last_request_timestamp_seconds", "When the daemon last metered a request, in seconds since the epoch.", float64(m.LastRequestAt.UnixMilli())/1000)
	}
	if m.RequestsLastHour != nil {
		e.gauge(p+"requests_last_hour", "Requests the daemon metered in the last hour.", float64(*m.RequestsLastHour))
	}
	if t := m.Today; t != nil {
		e.gauge(p+"today_requests", "Requests metered today (local day).", float64(t.Requests))
		e.gauge(p+"today_cost_usd", "What today's metered requests cost, in US dollars.", t.CostUSD.Dollars())
		e.gauge(p+"today_input_tokens", "Input tokens metered today.", float64(t.InputTokens))
		e.gauge(p+"today_output_tokens", "Output tokens metered today.", float64(t.OutputTokens))
	}
	if err := e.writeTo(w); err != nil {
		return fmt.Errorf("write metrics: %w", err)
	}
	return nil
}
