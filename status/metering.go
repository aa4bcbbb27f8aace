package status

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"syscall"
	"time"
)

// Metering states: is the user's LLM traffic being metered right now?
const (
	// MeteringLive: the daemon saw a request in the last LiveWindow.
	MeteringLive State = "live"
	// MeteringIdle: it meters, and has seen nothing lately; a user not
	// calling an LLM is no fault.
	MeteringIdle State = "idle"
	// MeteringNot: the daemon is down: traffic passes the edge unmetered.
	MeteringNot State = "not-metering"
)

// LiveWindow is how recent the last request must be for "live", as the
// vendor's dashboard counts it.
const LiveWindow = 2 * time.Minute

// Today is what the daemon metered since local midnight.
type Today struct {
	Requests     int `json:"requests"`
	CostUSD      USD `json:"cost_usd"`
	InputTokens  int `json:"input_tokens"`
	OutputTokens int `json:"output_tokens"`
}

// DayCost is one day of the last week.
type DayCost struct {
	Date     string `json:"date"` // YYYY-MM-DD
	Requests int    `json:"requests"`
	CostUSD  USD    `json:"cost_usd"`
}

// ModelCost is one model's share of today.
type ModelCost struct {
	Provider     string `json:"provider"`
	Model        string `json:"model"`
	Requests     int    `json:"requests"`
	InputTokens  int    `json:"input_tokens"`
	OutputTokens int    `json:"output_tokens"`
	CostUSD      USD    `json:"cost_usd"`
}

// Metering is the metering part of the JSON: is traffic metered, and what
// has it cost today.
type Metering struct {
	State            State      `json:"state"`
	LastRequestAt    *time.Time `json:"last_request_at"`
	RequestsLastHour *int       `json:"requests_last_hour"`
	Today            *Today     `json:"today"`
	// Source says which daemon endpoints answered, and how old the
	// figures of /v1/stats are when they are not this sweep's.
	Source string `json:"source"`
	// Week is the cost of each of the last seven days, oldest first;
	// TopModels today's three costliest models.
	Week      []DayCost   `json:"week,omitempty"`
	TopModels []ModelCost `json:"top_models,omitempty"`
	// StatsAt is when Today was read, when not in this sweep.
	StatsAt *time.Time `json:"stats_at,omitempty"`
	// TodayProblem says why Today is null while the daemon runs: what
	// /v1/stats answered, or which of its figures was out of range.
	TodayProblem string `json:"today_problem,omitempty"`
}

// The daemon's API, as its dashboard reads it.
const (
	pathDaemonStatus = "/v1/daemon/status"
	pathStats        = "/v1/stats"
)

// maxStatsBody bounds a /v1/stats answer: a summary and a few lists.
const maxStatsBody = 1 << 20

// StatusFacts is what GET /v1/daemon/status answered.
type StatusFacts struct {
	LastSeen *time.Time
	LastHour int
	// Missing: 404, an older daemon without the API.
	Missing bool
	// Problem says why there was no usable answer: none came, or a figure
	// in it is out of range.
	Problem string
}

// StatsFacts is what GET /v1/stats answered, for today and the week.
type StatsFacts struct {
	Today     Today
	Week      []DayCost
	TopModels []ModelCost
	At        time.Time // when it was asked
	Missing   bool
	// Problem says why Today is not known: no usable answer, or a figure
	// of today's out of range.
	Problem string
	// Notes say why the week or the models are missing while Today is known.
	Notes []string
}

// Known reports whether s holds today's figures.
func (s *StatsFacts) Known() bool { return s != nil && s.Problem == "" && !s.Missing }

// MeteringFacts is what the daemon's API says of the metering.
type MeteringFacts struct {
	Status StatusFacts
	Stats  *StatsFacts // nil when not asked
	// StatsCached is set when Stats are an earlier sweep's.
	StatsCached bool
}

// getJSON does a bounded GET of a loopback API path into v, with the
// health probe's client: no proxy, no redirect.
func getJSON(ctx context.Context, port int, path string, limit int64, v any) (status int, problem string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+loopbackAddr(port)+path, nil)
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Accept", "application/json")
	resp, err := healthClient.Do(req)
	if err != nil {
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			return 0, "connection refused"
		case ctx.Err() != nil:
			return 0, "timed out"
		}
		noteShortage(ctx, err)
		return 0, fmt.Sprintf("failed: %v", unwrapAll(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, fmt.Sprintf("answered %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	switch {
	case ctx.Err() != nil:
		return resp.StatusCode, "timed out"
	case err != nil:
		return resp.StatusCode, fmt.Sprintf("body unreadable: %v", unwrapAll(err))
	case int64(len(body)) > limit:
		return resp.StatusCode, "body over " + byteSize(limit)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return resp.StatusCode, "body is not the JSON expected"
	}
	return resp.StatusCode, ""
}

// Bounds of the daemon's figures, checked where they enter: past them a
// figure is not believed, and what rests on it is unknown, with the reason.
const (
	// MaxCount bounds a count of requests or of tokens.
	MaxCount = 1_000_000_000_000
	// FutureSlack is how far ahead of the sweep a time the daemon gives may
	// be: its clock is this machine's.
	FutureSlack = 5 * time.Minute
)

// EarliestMetered is before any request Halton Meter could have metered.
var EarliestMetered = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

// countProblem says what is wrong with a count of what ("request",
// "input token"), or "".
func countProblem(what string, n int64) string {
	switch {
	case n < 0:
		return "a negative " + what + " count"
	case n > MaxCount:
		return "a " + what + " count over 10^12"
	}
	return ""
}

// costProblem says what is wrong with a day's cost, or "".
func costProblem(minor int64) string {
	switch {
	case minor < 0:
		return "a negative cost"
	case USD(minor) > MaxDayCost:
		return "a day's cost over " + MaxDayCost.String()
	}
	return ""
}

// timeProblem says what is wrong with a time the daemon gives, seen at
// now, or "".
func timeProblem(what string, t, now time.Time) string {
	switch {
	case t.After(now.Add(FutureSlack)):
		return what + " is in the future"
	case t.Before(EarliestMetered):
		return what + " is before " + EarliestMetered.Format("2006")
	}
	return ""
}

// figuresProblem says what is wrong with a count of requests, of input
// and output tokens and a cost, or "": the first problem found.
func figuresProblem(requests, input, output, costMinor int64) string {
	return cmp.Or(countProblem("request", requests), countProblem("input token", input),
		countProblem("output token", output), costProblem(costMinor))
}

// statusAnswer is GET /v1/daemon/status.
type statusAnswer struct {
	LastSeen *string `json:"last_seen_at"`
	LastHour *int64  `json:"request_count_last_hour"`
}

// ParseDaemonStatus reads /v1/daemon/status, seen at now: {last_seen_at,
// request_count_last_hour}, each in range.
func ParseDaemonStatus(b []byte, now time.Time) (StatusFacts, error) {
	var raw statusAnswer
	if err := json.Unmarshal(b, &raw); err != nil {
		return StatusFacts{}, errors.New("not the JSON expected")
	}
	return statusFrom(raw, now)
}

func statusFrom(raw statusAnswer, now time.Time) (StatusFacts, error) {
	var f StatusFacts
	if raw.LastHour == nil {
		return f, errors.New("no request_count_last_hour")
	}
	if p := countProblem("last hour's request", *raw.LastHour); p != "" {
		return f, errors.New(p)
	}
	f.LastHour = int(*raw.LastHour)
	if raw.LastSeen != nil && *raw.LastSeen != "" {
		t, err := time.Parse(time.RFC3339Nano, *raw.LastSeen)
		if err != nil {
			return f, errors.New("last_seen_at is not a time")
		}
		if p := timeProblem("last_seen_at", t, now); p != "" {
			return f, errors.New(p)
		}
		f.LastSeen = &t
	}
	return f, nil
}

// probeDaemonStatus asks /v1/daemon/status.
func probeDaemonStatus(ctx context.Context, port int, timeout time.Duration, now time.Time) StatusFacts {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var raw statusAnswer
	code, problem := getJSON(ctx, port, pathDaemonStatus, maxHealthBody, &raw)
	switch {
	case code == http.StatusNotFound:
		return StatusFacts{Missing: true}
	case problem != "":
		return StatusFacts{Problem: pathDaemonStatus + " " + problem}
	}
	f, err := statusFrom(raw, now)
	if err != nil {
		return StatusFacts{Problem: pathDaemonStatus + ": " + err.Error()}
	}
	return f
}

// statsAnswer is the part of /v1/stats the monitor reads. Figures are
// int64, so that any a daemon may send is read, then checked.
type statsAnswer struct {
	Summary struct {
		Requests     *int64 `json:"total_requests"`
		InputTokens  int64  `json:"total_input_tokens"`
		OutputTokens int64  `json:"total_output_tokens"`
		CostMinor    int64  `json:"total_cost_usd_minor_units"`
	} `json:"summary"`
	ByDay []struct {
		Date      string `json:"date"`
		Requests  int64  `json:"requests"`
		CostMinor int64  `json:"cost_usd_minor_units"`
	} `json:"by_day"`
	ByModel []struct {
		Provider     string `json:"provider"`
		Model        string `json:"model"`
		Requests     int64  `json:"requests"`
		InputTokens  int64  `json:"input_tokens"`
		OutputTokens int64  `json:"output_tokens"`
		CostMinor    int64  `json:"cost_usd_minor_units"`
	} `json:"by_model"`
}

// today is the summary, every figure in range, or why not.
func (a *statsAnswer) today() (Today, string) {
	s := a.Summary
	if s.Requests == nil {
		return Today{}, "no summary"
	}
	if p := figuresProblem(*s.Requests, s.InputTokens, s.OutputTokens, s.CostMinor); p != "" {
		return Today{}, p
	}
	return Today{Requests: int(*s.Requests), CostUSD: USD(s.CostMinor), InputTokens: int(s.InputTokens), OutputTokens: int(s.OutputTokens)}, ""
}

// days are by_day, every figure in range, or why not.
func (a *statsAnswer) days() ([]DayCost, string) {
	var days []DayCost
	for _, d := range a.ByDay {
		if _, err := time.Parse(time.DateOnly, d.Date); err != nil {
			return nil, "by_day has a date that is not YYYY-MM-DD"
		}
		if p := cmp.Or(countProblem("request", d.Requests), costProblem(d.CostMinor)); p != "" {
			return nil, "by_day has " + p
		}
		days = append(days, DayCost{Date: d.Date, Requests: int(d.Requests), CostUSD: USD(d.CostMinor)})
	}
	return days, ""
}

// models are by_model, every figure in range, or why not.
func (a *statsAnswer) models() ([]ModelCost, string) {
	var models []ModelCost
	for _, m := range a.ByModel {
		if p := figuresProblem(m.Requests, m.InputTokens, m.OutputTokens, m.CostMinor); p != "" {
			return nil, "by_model has " + p
		}
		models = append(models, ModelCost{Provider: m.Provider, Model: m.Model, Requests: int(m.Requests),
			InputTokens: int(m.InputTokens), OutputTokens: int(m.OutputTokens), CostUSD: USD(m.CostMinor)})
	}
	return models, ""
}

// ParseStats reads one /v1/stats answer asked at now: today's summary and
// costliest models, and the days it lists as the week. A figure out of
// range makes its part unknown, with the reason (Problem for today, Notes
// for the rest); an answer that does not parse leaves all unknown.
func ParseStats(b []byte, now time.Time) StatsFacts {
	var a statsAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		return StatsFacts{At: now, Problem: pathStats + ": not the JSON expected"}
	}
	return statsFacts(&a, &a, now)
}

// statsFacts reads today's answer and the week's, asked at now.
func statsFacts(day, week *statsAnswer, now time.Time) StatsFacts {
	f := StatsFacts{At: now}
	var p string
	if f.Today, p = day.today(); p != "" {
		f.Problem = pathStats + ": " + p
		return f
	}
	if f.TopModels, p = day.models(); p != "" {
		f.Notes = append(f.Notes, "the costliest models unknown: "+pathStats+": "+p)
	}
	slices.SortStableFunc(f.TopModels, func(a, b ModelCost) int { return cmp.Compare(b.CostUSD, a.CostUSD) })
	f.TopModels = f.TopModels[:min(3, len(f.TopModels))]
	if week != nil {
		days, p := week.days()
		if p != "" {
			f.Notes = append(f.Notes, "the week unknown: "+pathStats+": "+p)
		} else {
			f.Week = lastWeek(days, now)
		}
	}
	return f
}

// probeStats asks /v1/stats for today (since local midnight) and for the
// week (since six days before), at once.
func probeStats(ctx context.Context, port int, timeout time.Duration, now time.Time) *StatsFacts {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	today := now.Format(time.DateOnly)
	weekAgo := now.AddDate(0, 0, -6).Format(time.DateOnly)
	type answer struct {
		a       statsAnswer
		code    int
		problem string
	}
	weekCh := make(chan answer, 1)
	go func() {
		var x answer
		x.code, x.problem = getJSON(ctx, port, pathStats+"?since="+weekAgo, maxStatsBody, &x.a)
		weekCh <- x
	}()
	var day answer
	day.code, day.problem = getJSON(ctx, port, pathStats+"?since="+today, maxStatsBody, &day.a)
	week := <-weekCh
	switch {
	case day.code == http.StatusNotFound:
		return &StatsFacts{At: now, Missing: true}
	case day.problem != "":
		return &StatsFacts{At: now, Problem: pathStats + " " + day.problem}
	}
	var weekAnswer *statsAnswer
	if week.problem == "" {
		weekAnswer = &week.a
	}
	f := statsFacts(&day.a, weekAnswer, now)
	if week.problem != "" {
		f.Notes = append(f.Notes, "the week unknown: "+pathStats+" "+week.problem)
	}
	return &f
}

// lastWeek is the seven days up to today, oldest first, a day with no
// traffic at zero.
func lastWeek(days []DayCost, now time.Time) []DayCost {
	byDate := make(map[string]DayCost, len(days))
	for _, d := range days {
		byDate[d.Date] = d
	}
	out := make([]DayCost, 7)
	for i := range out {
		date := now.AddDate(0, 0, i-6).Format(time.DateOnly)
		out[i] = byDate[date]
		out[i].Date = date
	}
	return out
}
