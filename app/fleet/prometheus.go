package fleet

import (
	"fmt"
	"io"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// Prometheus writes r in the Prometheus text exposition format: every row
// up or not and at which level, the verdict, the sweep, what is installed,
// and the metering figures when the daemon gave them.
func Prometheus(w io.Writer, r status.Report) error {
	reg := prometheus.NewRegistry()
	gauge := func(name, help string, labels ...string) *prometheus.GaugeVec {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "halton_meter_" + name, Help: help}, labels)
		reg.MustRegister(g)
		return g
	}
	one := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}

	up := gauge("up", "1 when the component is as it should be (level ok), else 0.", "component")
	level := gauge("component_level", "1 for the component's level (ok, warn, crit, unknown), 0 for the others.", "component", "level")
	for _, c := range r.Components {
		up.WithLabelValues(c.Name).Set(one(c.Level == status.LevelOK))
		for _, l := range status.Levels {
			level.WithLabelValues(c.Name, string(l)).Set(one(c.Level == l))
		}
	}
	overall := gauge("overall", "1 for the overall verdict (healthy, degraded, down, unknown, not-installed), 0 for the others.", "verdict")
	for _, v := range status.Verdicts {
		overall.WithLabelValues(v).Set(one(r.Overall == v))
	}
	gauge("info", "What is installed and checked: always 1.", "version", "install_mode", "schema", "bar_version").
		WithLabelValues(r.Version, r.InstallMode, r.Schema, r.BarVersion).Set(1)
	gauge("sweep_duration_seconds", "How long the sweep took.").WithLabelValues().Set(r.Sweep.DurationMS / 1000)
	if !r.CheckedAt.IsZero() {
		gauge("checked_timestamp_seconds", "When the sweep ran, in seconds since the epoch.").WithLabelValues().Set(float64(r.CheckedAt.UnixMilli()) / 1000)
	}

	m := r.Metering
	states := []string{status.MeteringLive, status.MeteringIdle, status.MeteringNot, status.StateUnknown}
	metering := gauge("metering", "1 for the metering state (live, idle, not-metering, unknown), 0 for the others.", "state")
	for _, s := range states {
		metering.WithLabelValues(s).Set(one(m.State == s || (s == status.StateUnknown && !slices.Contains(states, m.State))))
	}
	if m.LastRequestAt != nil {
		gauge("last_request_timestamp_seconds", "When the daemon last metered a request, in seconds since the epoch.").WithLabelValues().Set(float64(m.LastRequestAt.UnixMilli()) / 1000)
	}
	if m.RequestsLastHour != nil {
		gauge("requests_last_hour", "Requests the daemon metered in the last hour.").WithLabelValues().Set(float64(*m.RequestsLastHour))
	}
	if t := m.Today; t != nil {
		gauge("today_requests", "Requests metered today (local day).").WithLabelValues().Set(float64(t.Requests))
		gauge("today_cost_usd", "What today's metered requests cost, in US dollars.").WithLabelValues().Set(float64(t.CostUSD) / status.MinorPerDollar)
		gauge("today_input_tokens", "Input tokens metered today.").WithLabelValues().Set(float64(t.InputTokens))
		gauge("today_output_tokens", "Output tokens metered today.").WithLabelValues().Set(float64(t.OutputTokens))
	}

	families, err := reg.Gather()
	if err != nil {
		return fmt.Errorf("gather metrics: %w", err)
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			return fmt.Errorf("write metrics: %w", err)
		}
	}
	return nil
}
