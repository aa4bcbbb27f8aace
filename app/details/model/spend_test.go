package model

import (
	"strings"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// meteredReport is an installed report whose metering row is in state.
func meteredReport(state status.State, level status.Level, m status.Metering) *status.Report {
	r := &status.Report{Overall: status.OverallHealthy, Metering: m}
	for _, name := range status.ComponentOrder {
		c := status.Component{Name: name, State: "healthy", Level: status.LevelOK}
		if name == status.CompMetering {
			c.State, c.Level, c.Detail = state, level, "the daemon's /v1/daemon/status did not answer"
		}
		r.Components = append(r.Components, c)
	}
	return r
}

func TestSpend(t *testing.T) {
	now := time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC) // a Wednesday
	last := now.Add(-90 * time.Second)
	statsAt := now.Add(-3 * time.Minute)
	week := func(costs ...status.USD) []status.DayCost {
		var out []status.DayCost
		for i, c := range costs {
			out = append(out, status.DayCost{Date: now.AddDate(0, 0, i-len(costs)+1).Format(time.DateOnly), Requests: 10, CostUSD: c})
		}
		return out
	}
	today := &status.Today{Requests: 1312, CostUSD: 421000, InputTokens: 1204310, OutputTokens: 98211}
	tests := []struct {
		name   string
		r      *status.Report
		budget status.USD
		last   *wire.Spend
		check  func(t *testing.T, s Spend)
	}{
		{"live with a budget", meteredReport("live", status.LevelOK, status.Metering{
			State: status.MeteringLive, LastRequestAt: &last, Today: today, Week: week(200000, 800000, 421000),
			TopModels: []status.ModelCost{{Provider: "anthropic", Model: "claude-sonnet-4", Requests: 1000, CostUSD: 300000}},
		}), 500000, nil, func(t *testing.T, s Spend) {
			if s.State != "Live: LLM traffic is being metered · last request 1 min ago" || !s.Known || s.Level != status.LevelOK {
				t.Errorf("state %q known %v level %q", s.State, s.Known, s.Level)
			}
			if s.Requests != "1,312" || s.Input != "1,204,310" || s.Output != "98,211" || s.Cost != "$4.21" || s.Note != "" {
				t.Errorf("figures %+v", s)
			}
			if len(s.Models) != 1 || s.Models[0] != (ModelLine{Name: "claude-sonnet-4 (anthropic)", Requests: "1,000", Cost: "$3.00"}) {
				t.Errorf("models %+v", s.Models)
			}
			if len(s.Days) != 3 || s.Days[1].Height != 1 || s.Days[2].Label != "Wed" || !s.Days[2].Today || s.Days[0].Today {
				t.Errorf("days %+v", s.Days)
			}
			if s.Budget != "5.00" || s.BudgetAt != 500000.0/800000 || s.Over || s.BudgetText != "84 % of the $5.00 daily budget" {
				t.Errorf("budget %q at %v over %v %q", s.Budget, s.BudgetAt, s.Over, s.BudgetText)
			}
		}},
		{"over the budget, the budget tops the scale", meteredReport("live", status.LevelOK, status.Metering{
			State: status.MeteringLive, Today: today, Week: week(100000, 421000),
		}), 400000, nil, func(t *testing.T, s Spend) {
			if !s.Over || s.BudgetText != "105 % of the $4.00 daily budget" || s.Days[1].Height != 1 {
				t.Errorf("over %v %q days %+v", s.Over, s.BudgetText, s.Days)
			}
		}},
		{"budget above the week", meteredReport("live", status.LevelOK, status.Metering{
			State: status.MeteringLive, Today: today, Week: week(100000, 421000),
		}), 842000, nil, func(t *testing.T, s Spend) {
			if s.BudgetAt != 1 || s.Days[1].Height != 0.5 {
				t.Errorf("at %v days %+v", s.BudgetAt, s.Days)
			}
		}},
		{"idle, figures of an earlier sweep", meteredReport("idle", status.LevelOK, status.Metering{
			State: status.MeteringIdle, Today: today, StatsAt: &statsAt,
		}), 0, nil, func(t *testing.T, s Spend) {
			if s.State != "Idle: nothing metered lately" || s.Note != "as of 14:27" || s.Budget != "" || s.BudgetText != "" || s.BudgetAt != 0 {
				t.Errorf("%+v", s)
			}
		}},
		{"an empty week draws flat", meteredReport("idle", status.LevelOK, status.Metering{
			State: status.MeteringIdle, Today: &status.Today{}, Week: week(0, 0),
		}), 0, nil, func(t *testing.T, s Spend) {
			if s.Cost != "$0.00" || s.Days[0].Height != 0 || s.Days[1].Height != 0 || s.ModelsNote != "none yet" {
				t.Errorf("%+v", s)
			}
		}},
		{"not metering", meteredReport("not-metering", status.LevelWarn, status.Metering{State: status.MeteringNot}), 500000, nil, func(t *testing.T, s Spend) {
			if s.State != "Not metering: the daemon is not running, so traffic passes unmetered" || s.Known || s.Level != status.LevelWarn || s.Budget != "5.00" {
				t.Errorf("%+v", s)
			}
		}},
		{"unknown says why", meteredReport("unknown", status.LevelUnknown, status.Metering{State: "unknown"}), 0, nil, func(t *testing.T, s Spend) {
			if s.State != "Metering cannot be told: the daemon's /v1/daemon/status did not answer" || s.Known {
				t.Errorf("%+v", s)
			}
		}},
		{"hostile names are made printable", meteredReport("live", status.LevelOK, status.Metering{
			State: status.MeteringLive, Today: today,
			TopModels: []status.ModelCost{{Provider: "x\x1b[2J", Model: "gpt\u202e\n4", Requests: 1, CostUSD: 1}},
		}), 0, nil, func(t *testing.T, s Spend) {
			for _, r := range s.Models[0].Name {
				if r < 0x20 || r == 0x7f || r == '\u202e' {
					t.Errorf("control character %U in %q", r, s.Models[0].Name)
				}
			}
		}},
		{"not metering: the last figures, as of when", meteredReport("not-metering", status.LevelWarn, status.Metering{State: status.MeteringNot}), 0,
			&wire.Spend{Today: status.Today{Requests: 40, CostUSD: 123400}, At: now.Add(-20 * time.Minute)}, func(t *testing.T, s Spend) {
				if !s.Known || s.Cost != "$1.23" || s.Requests != "40" || s.Note != "as of 14:10" || len(s.Days) != 0 || s.ModelsNote != "not known" {
					t.Errorf("%+v", s)
				}
			}},
		{"yesterday's figures are not today's", meteredReport("not-metering", status.LevelWarn, status.Metering{State: status.MeteringNot}), 0,
			&wire.Spend{Today: status.Today{Requests: 40, CostUSD: 123400}, At: now.Add(-15 * time.Hour)}, func(t *testing.T, s Spend) {
				if s.Known {
					t.Errorf("%+v", s)
				}
			}},
		{"today's figures missing say why", meteredReport("live", status.LevelOK, status.Metering{
			State: status.MeteringLive, LastRequestAt: &last, TodayProblem: "/v1/stats answered 500",
		}), 500000, nil, func(t *testing.T, s Spend) {
			if s.Known || s.Cost != "—" || s.Note != "Today's figures unknown: /v1/stats answered 500" || s.BudgetText != "" {
				t.Errorf("%+v", s)
			}
		}},
		{"a budget far below today: exact, never wrapped", meteredReport("live", status.LevelOK, status.Metering{
			State: status.MeteringLive, Today: &status.Today{Requests: 1, CostUSD: status.MaxDayCost},
		}), 1, nil, func(t *testing.T, s Spend) {
			if !s.Over || s.BudgetText != "10,000,000,000,000 % of the $0.0000 daily budget" {
				t.Errorf("over %v %q", s.Over, s.BudgetText)
			}
		}},
		{"a long model name is clipped", meteredReport("live", status.LevelOK, status.Metering{
			State: status.MeteringLive, Today: today,
			TopModels: []status.ModelCost{{Provider: "p", Model: strings.Repeat("m", 500), Requests: 1, CostUSD: 1}},
		}), 0, nil, func(t *testing.T, s Spend) {
			if n := len([]rune(s.Models[0].Name)); n > 2*maxModelName {
				t.Errorf("a name of %d runes: %q", n, s.Models[0].Name)
			}
		}},
		{"not installed: no section", &status.Report{Overall: status.OverallNotInstalled}, 0, nil, func(t *testing.T, s Spend) {
			if s.Shown {
				t.Error("shown without an install")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, spend(tt.r, tt.budget, tt.last, now))
		})
	}
}
