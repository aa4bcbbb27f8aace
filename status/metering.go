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
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/haltonlabs/halton-meter-bar/internal/text"
)

// Metering states: is the user's LLM traffic being metered right now?
const (
	// MeteringLive: the daemon saw a request in the last LiveWindow.
	MeteringLive = "live"
	// MeteringIdle: it meters, and has seen nothing lately; a user not
	// calling an LLM is no fault.
	MeteringIdle = "idle"
	// MeteringNot: the daemon is down: traffic passes the edge unmetered.
	MeteringNot = "not-metering"
)

// LiveWindow is how recent the last request must be for "live", as the
// vendor's dashboard counts it.
const LiveWindow = 2 * time.Minute

// USD is an amount of money in the daemon's minor units (1 USD = 100,000).
// It writes itself in JSON as dollars, exactly: 421000 is 4.21.
type USD int64

// MinorPerDollar is the daemon's money unit.
const MinorPerDollar = 100000

// MarshalJSON writes the exact decimal number of dollars.
func (u USD) MarshalJSON() ([]byte, error) { return []byte(u.Decimal()), nil }

// UnmarshalJSON reads a number of dollars, to five decimals.
func (u *USD) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("an amount of dollars: %w", err)
	}
	*u = USD(f*MinorPerDollar + copysign(0.5, f))
	return nil
}

func copysign(x, sign float64) float64 {
	if sign < 0 {
		return -x
	}
	return x
}

// Decimal is the amount in dollars, with no trailing zeros: "4.21",
// "0.01234", "12".
func (u USD) Decimal() string {
	sign := ""
	n := int64(u)
	if n < 0 {
		sign, n = "-", -n
	}
	s := fmt.Sprintf("%s%d.%05d", sign, n/MinorPerDollar, n%MinorPerDollar)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// String is the amount as the app shows it: US dollars with two decimals,
// four below one dollar ($4.21, $0.0123, $1,234.50).
func (u USD) String() string {
	n, sign := int64(u), ""
	if n == 0 {
		return "$0.00"
	}
	if n < 0 {
		n, sign = -n, "-"
	}
	if tenths := (n + 5) / 10; tenths < 10000 { // in 1/10,000 of a dollar
		return fmt.Sprintf("%s$0.%04d", sign, tenths)
	}
	cents := (n + 500) / 1000
	return fmt.Sprintf("%s$%s.%02d", sign, text.Count(int(cents/100)), cents%100)
}

// Dollars is the amount as a float, for arithmetic that needs no exactness.
func (u USD) Dollars() float64 { return float64(u) / MinorPerDollar }

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
	State            string     `json:"state"`
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
	// Problem says why there was no usable answer.
	Problem string
}

// StatsFacts is what GET /v1/stats answered, for today and the week.
type StatsFacts struct {
	Today     Today
	Week      []DayCost
	TopModels []ModelCost
	At        time.Time // when it was read
	Missing   bool
	Problem   string
}

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

// ParseDaemonStatus reads /v1/daemon/status: {last_seen_at, request_count_last_hour}.
func ParseDaemonStatus(b []byte) (StatusFacts, error) {
	var raw struct {
		LastSeen *string `json:"last_seen_at"`
		LastHour *int    `json:"request_count_last_hour"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return StatusFacts{}, errors.New("not the JSON expected")
	}
	return statusFrom(raw.LastSeen, raw.LastHour)
}

func statusFrom(lastSeen *string, lastHour *int) (StatusFacts, error) {
	var f StatusFacts
	if lastHour == nil || *lastHour < 0 {
		return f, errors.New("no request_count_last_hour")
	}
	f.LastHour = *lastHour
	if lastSeen != nil && *lastSeen != "" {
		t, err := time.Parse(time.RFC3339Nano, *lastSeen)
		if err != nil {
			return f, errors.New("last_seen_at is not a time")
		}
		f.LastSeen = &t
	}
	return f, nil
}

// probeDaemonStatus asks /v1/daemon/status.
func probeDaemonStatus(ctx context.Context, port int, timeout time.Duration) StatusFacts {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var raw struct {
		LastSeen *string `json:"last_seen_at"`
		LastHour *int    `json:"request_count_last_hour"`
	}
	code, problem := getJSON(ctx, port, pathDaemonStatus, maxHealthBody, &raw)
	switch {
	case code == http.StatusNotFound:
		return StatusFacts{Missing: true}
	case problem != "":
		return StatusFacts{Problem: pathDaemonStatus + " " + problem}
	}
	f, err := statusFrom(raw.LastSeen, raw.LastHour)
	if err != nil {
		return StatusFacts{Problem: pathDaemonStatus + ": " + err.Error()}
	}
	return f
}

// statsAnswer is the part of /v1/stats the monitor reads.
type statsAnswer struct {
	Summary struct {
		Requests     *int  `json:"total_requests"`
		InputTokens  int   `json:"total_input_tokens"`
		OutputTokens int   `json:"total_output_tokens"`
		CostMinor    int64 `json:"total_cost_usd_minor_units"`
	} `json:"summary"`
	ByDay []struct {
		Date      string `json:"date"`
		Requests  int    `json:"requests"`
		CostMinor int64  `json:"cost_usd_minor_units"`
	} `json:"by_day"`
	ByModel []struct {
		Provider     string `json:"provider"`
		Model        string `json:"model"`
		Requests     int    `json:"requests"`
		InputTokens  int    `json:"input_tokens"`
		OutputTokens int    `json:"output_tokens"`
		CostMinor    int64  `json:"cost_usd_minor_units"`
	} `json:"by_model"`
}

// ParseStats reads a /v1/stats answer: the summary and by_model of today,
// or by_day of the week.
func ParseStats(b []byte) (Today, []DayCost, []ModelCost, error) {
	var a statsAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		return Today{}, nil, nil, errors.New("not the JSON expected")
	}
	return statsFrom(a)
}

func statsFrom(a statsAnswer) (Today, []DayCost, []ModelCost, error) {
	if a.Summary.Requests == nil {
		return Today{}, nil, nil, errors.New("no summary")
	}
	t := Today{Requests: *a.Summary.Requests, CostUSD: USD(a.Summary.CostMinor), InputTokens: a.Summary.InputTokens, OutputTokens: a.Summary.OutputTokens}
	var days []DayCost
	for _, d := range a.ByDay {
		if _, err := time.Parse(time.DateOnly, d.Date); err != nil {
			return Today{}, nil, nil, errors.New("by_day has a date that is not YYYY-MM-DD")
		}
		days = append(days, DayCost{Date: d.Date, Requests: d.Requests, CostUSD: USD(d.CostMinor)})
	}
	var models []ModelCost
	for _, m := range a.ByModel {
		models = append(models, ModelCost{Provider: m.Provider, Model: m.Model, Requests: m.Requests,
			InputTokens: m.InputTokens, OutputTokens: m.OutputTokens, CostUSD: USD(m.CostMinor)})
	}
	return t, days, models, nil
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
	week := make(chan answer, 1)
	go func() {
		var x answer
		x.code, x.problem = getJSON(ctx, port, pathStats+"?since="+weekAgo, maxStatsBody, &x.a)
		week <- x
	}()
	var day answer
	day.code, day.problem = getJSON(ctx, port, pathStats+"?since="+today, maxStatsBody, &day.a)
	w := <-week
	f := &StatsFacts{At: now}
	switch {
	case day.code == http.StatusNotFound:
		f.Missing = true
		return f
	case day.problem != "":
		f.Problem = pathStats + " " + day.problem
		return f
	}
	var err error
	if f.Today, _, f.TopModels, err = statsFrom(day.a); err != nil {
		f.Problem = pathStats + ": " + err.Error()
		return f
	}
	slices.SortStableFunc(f.TopModels, func(a, b ModelCost) int { return cmp.Compare(b.CostUSD, a.CostUSD) })
	f.TopModels = f.TopModels[:min(3, len(f.TopModels))]
	if w.problem == "" {
		if _, days, _, err := statsFrom(w.a); err == nil {
			f.Week = lastWeek(days, now)
		}
	}
	return f
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

// MaxBudget bounds a daily budget: a million dollars a day is surely a typo.
const MaxBudget = USD(1_000_000 * MinorPerDollar)

// ParseDollars reads an amount of dollars as a person types it: "5",
// "4.50", "$0.25", "1,000"; "" and "0" are zero. At most five decimals.
func ParseDollars(s string) (USD, error) {
	if s = strings.TrimSpace(s); s == "" {
		return 0, nil
	}
	s = strings.ReplaceAll(strings.TrimPrefix(s, "$"), ",", "")
	if s == "" || s == "." {
		return 0, errors.New("not an amount of dollars such as 5 or 4.50")
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	if len(frac) > 5 || strings.ContainsAny(whole+frac, "+-") {
		return 0, errors.New("not an amount of dollars such as 5 or 4.50")
	}
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac+strings.Repeat("0", 5-len(frac)), 10, 64)
	if err1 != nil || err2 != nil || w > int64(MaxBudget/MinorPerDollar) {
		return 0, errors.New("not an amount of dollars such as 5 or 4.50")
	}
	u := USD(w*MinorPerDollar + f)
	if u > MaxBudget {
		return 0, errors.New("more than $1,000,000")
	}
	return u, nil
}
