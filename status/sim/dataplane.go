package sim

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// The world's data plane, as Halton Meter's: apps send their LLM calls to
// the edge (an HTTP proxy, plain requests and CONNECT); while the daemon
// is up the edge chains to its internal port, where the daemon forwards
// each call and meters what it sees; while it is down the edge goes
// straight to the destination (fail-open) and nothing is metered. A fake
// LLM API on loopback answers with token usage, and keeps its own tally of
// what it charged, to check the daemon's against.

// price is what a million tokens cost, in the daemon's minor units
// (1 USD = 100,000).
type price struct{ in, out int64 }

var prices = map[string]price{
	"claude-sonnet-4": {300000, 1500000},
	"claude-haiku-4":  {80000, 400000},
	"gpt-4o":          {250000, 1000000},
}

var defaultPrice = price{100000, 200000}

// costOf is a call's cost in minor units, rounded to the nearest.
func costOf(model string, in, out int) int64 {
	p, ok := prices[model]
	if !ok {
		p = defaultPrice
	}
	return (int64(in)*p.in + int64(out)*p.out + 500000) / 1000000
}

func providerOf(model string) string {
	switch {
	case strings.HasPrefix(model, "claude"):
		return "anthropic"
	case strings.HasPrefix(model, "gpt"), strings.HasPrefix(model, "o1"):
		return "openai"
	}
	return "other"
}

// llmCall is the body an app sends to the fake API's /v1/messages.
type llmCall struct {
	Model     string `json:"model"`
	MaxTokens int    `json:"max_tokens"`
	Messages  []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
}

// tokenUsage is what the API answers of the tokens a call took.
type tokenUsage struct {
	InputTokens  int `json:"input_tokens"`
	OutputTokens int `json:"output_tokens"`
}

type completion struct {
	ID    string     `json:"id"`
	Model string     `json:"model"`
	Usage tokenUsage `json:"usage"`
}

// tally is what the fake API charged.
type tally struct {
	Requests     int   `json:"requests"`
	InputTokens  int   `json:"input_tokens"`
	OutputTokens int   `json:"output_tokens"`
	CostMinor    int64 `json:"cost_usd_minor_units"`
}

// maxBody bounds the bodies the data plane reads.
const maxBody = 1 << 20

// runLLM serves the fake LLM API on port: POST /v1/messages answers with
// usage; GET /_sim/charged says what it charged in all.
func runLLM(port int) int {
	watchParent()
	ln, err := loopbackListen(port)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var mu sync.Mutex
	var t tally
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/messages", func(w http.ResponseWriter, r *http.Request) {
		var c llmCall
		if err := json.NewDecoder(io.LimitReader(r.Body, maxBody)).Decode(&c); err != nil || c.Model == "" {
			http.Error(w, `{"error":"a model and messages, please"}`, http.StatusBadRequest)
			return
		}
		prompt := 0
		for _, m := range c.Messages {
			prompt += len(m.Content)
		}
		u := tokenUsage{InputTokens: 12 + prompt/4, OutputTokens: 40 + prompt%60}
		if c.MaxTokens > 0 {
			u.OutputTokens = min(u.OutputTokens, c.MaxTokens)
		}
		mu.Lock()
		t.Requests++
		t.InputTokens += u.InputTokens
		t.OutputTokens += u.OutputTokens
		t.CostMinor += costOf(c.Model, u.InputTokens, u.OutputTokens)
		id := t.Requests
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(completion{ID: "msg_sim_" + strconv.Itoa(id), Model: c.Model, Usage: u})
	})
	mux.HandleFunc("GET /_sim/charged", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		json.NewEncoder(w).Encode(t)
	})
	http.Serve(ln, mux)
	return 0
}

// record is one call the daemon metered.
type record struct {
	At        time.Time `json:"at"`
	Provider  string    `json:"provider"`
	Model     string    `json:"model"`
	In        int       `json:"input_tokens"`
	Out       int       `json:"output_tokens"`
	CostMinor int64     `json:"cost_usd_minor_units"`
}

// meteredLog is where the daemon keeps what it metered: its database,
// which outlives the daemon's process.
func meteredLog(dir string) string { return filepath.Join(PathsFor(dir).Run, "metered.jsonl") }

// meter is the daemon's internal port: a forward proxy that meters each
// call it can read.
type meter struct {
	dir string
	mu  sync.Mutex
}

// direct reaches destinations with no proxy in between.
var direct = &http.Transport{Proxy: nil, DisableKeepAlives: true}

func (m *meter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		// A tunnel: what passes through it cannot be read here.
		tunnel(w, r.Host, nil)
		return
	}
	in, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	resp, body, err := relay(r, in, direct)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if resp.StatusCode == http.StatusOK && strings.HasSuffix(r.URL.Path, "/v1/messages") {
		var c llmCall
		var done completion
		if json.Unmarshal(in, &c) == nil && json.Unmarshal(body, &done) == nil && c.Model != "" {
			m.record(record{At: stampOf(r, time.Now().UTC()), Provider: providerOf(c.Model), Model: c.Model,
				In: done.Usage.InputTokens, Out: done.Usage.OutputTokens, CostMinor: costOf(c.Model, done.Usage.InputTokens, done.Usage.OutputTokens)})
		}
	}
	reply(w, resp, body)
}

// daysAgoHeader asks the simulated daemon to date a call some days back,
// so that a fresh world can show a week (traffic --days-ago). No real
// daemon reads it.
const daysAgoHeader = "X-Halton-Sim-Days-Ago"

// atHeader asks the simulated daemon to date a call at a time of its
// sender's (traffic --at): the time of a simulated week, whose clock is
// not this machine's.
const atHeader = "X-Halton-Sim-At"

// MaxAhead bounds how far ahead of now traffic --at may date a call.
const MaxAhead = 400 * 24 * time.Hour

// stampOf is when a call is recorded: now, the days back it asks for (at
// most a week), or the time it names (a week back to MaxAhead on).
func stampOf(r *http.Request, now time.Time) time.Time {
	if at, err := time.Parse(time.RFC3339Nano, r.Header.Get(atHeader)); err == nil && inWindow(at, now) {
		return at.UTC()
	}
	if n, err := strconv.Atoi(r.Header.Get(daysAgoHeader)); err == nil && n > 0 && n <= 7 {
		return now.AddDate(0, 0, -n)
	}
	return now
}

// inWindow reports whether at is a time traffic --at may name, seen at now.
func inWindow(at, now time.Time) bool {
	return !at.Before(now.AddDate(0, 0, -7)) && !at.After(now.Add(MaxAhead))
}

func (m *meter) record(rec record) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, err := os.OpenFile(meteredLog(m.dir), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		logEvent(os.Stderr, "intercept.record_failed", "error", strconv.Quote(err.Error()))
		return
	}
	defer f.Close()
	json.NewEncoder(f).Encode(rec)
	logEvent(os.Stderr, "intercept.complete", "model", rec.Model, "cost_usd_minor_units", rec.CostMinor)
}

// relay sends a proxied request on with transport and reads the answer.
func relay(r *http.Request, body []byte, transport http.RoundTripper) (*http.Response, []byte, error) {
	out, err := http.NewRequestWithContext(r.Context(), r.Method, r.URL.String(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	for k, vs := range r.Header {
		if k == "Proxy-Connection" || k == "Connection" || k == "Proxy-Authorization" {
			continue
		}
		out.Header[k] = vs
	}
	resp, err := transport.RoundTrip(out)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	return resp, b, err
}

func reply(w http.ResponseWriter, resp *http.Response, body []byte) {
	for k, vs := range resp.Header {
		if k == "Content-Length" || k == "Connection" {
			continue
		}
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(body)
}

// tunnel answers a CONNECT: it reaches target, through the proxy at via
// when given, and shuttles bytes both ways.
func tunnel(w http.ResponseWriter, target string, via *url.URL) {
	var upstream net.Conn
	var err error
	if via == nil {
		upstream, err = net.DialTimeout("tcp", target, 5*time.Second)
	} else {
		upstream, err = connectVia(via.Host, target)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		upstream.Close()
		http.Error(w, "no tunnel here", http.StatusInternalServerError)
		return
	}
	client, buf, err := hj.Hijack()
	if err != nil {
		upstream.Close()
		return
	}
	io.WriteString(client, "HTTP/1.1 200 Connection Established\r\n\r\n")
	if n := buf.Reader.Buffered(); n > 0 {
		pending, _ := buf.Reader.Peek(n)
		upstream.Write(pending)
	}
	go func() { io.Copy(upstream, client); upstream.Close() }()
	io.Copy(client, upstream)
	client.Close()
}

// connectVia opens a tunnel to target through the proxy at proxyAddr.
func connectVia(proxyAddr, target string) (net.Conn, error) {
	conn, err := net.DialTimeout("tcp", proxyAddr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(conn, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil || resp.StatusCode != http.StatusOK {
		conn.Close()
		if err == nil {
			err = fmt.Errorf("the proxy answered %s", resp.Status)
		}
		return nil, err
	}
	if br.Buffered() > 0 { // nothing is expected before the client speaks
		conn.Close()
		return nil, errors.New("the proxy spoke first")
	}
	return conn, nil
}

// edgeProxy is the edge: it chains to the daemon while the daemon's
// internal port accepts, and goes direct when it does not (fail-open).
type edgeProxy struct{ internal int }

func (e edgeProxy) daemon() *url.URL {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(e.internal))
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return nil // the daemon is down: pass through
	}
	c.Close()
	return &url.URL{Scheme: "http", Host: addr}
}

func (e edgeProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	via := e.daemon()
	if r.Method == http.MethodConnect {
		tunnel(w, r.Host, via)
		return
	}
	if !r.URL.IsAbs() {
		http.Error(w, "this is a proxy: ask for an absolute URL", http.StatusBadRequest)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	transport := http.RoundTripper(direct)
	if via != nil {
		transport = &http.Transport{Proxy: http.ProxyURL(via), DisableKeepAlives: true}
	}
	resp, out, err := relay(r, body, transport)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	reply(w, resp, out)
}

// readRecords reads what the daemon metered.
func readRecords(dir string) []record {
	f, err := os.Open(meteredLog(dir))
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []record
	dec := json.NewDecoder(io.LimitReader(f, 64<<20))
	for {
		var rec record
		if dec.Decode(&rec) != nil {
			return out
		}
		out = append(out, rec)
	}
}

// daemonStatus is /v1/daemon/status from the records: the last request is
// the latest one, whatever order back-dated calls were metered in.
func daemonStatus(records []record, now time.Time) map[string]any {
	var latest time.Time
	hour := 0
	for _, r := range records {
		if now.Sub(r.At) < time.Hour {
			hour++
		}
		if r.At.After(latest) {
			latest = r.At
		}
	}
	var last *string
	if !latest.IsZero() {
		at := latest.Format(time.RFC3339)
		last = &at
	}
	return map[string]any{"last_seen_at": last, "request_count_last_hour": hour}
}

// stats is /v1/stats?since=DATE from the records: the shapes the vendor's
// dashboard reads (summary, by_day, by_day_by_provider, by_provider,
// by_model), dates local.
func stats(records []record, since string) map[string]any {
	type day struct {
		Date      string `json:"date"`
		Requests  int    `json:"requests"`
		CostMinor int64  `json:"cost_usd_minor_units"`
	}
	type dayProvider struct {
		Date      string `json:"date"`
		Provider  string `json:"provider"`
		Requests  int    `json:"requests"`
		CostMinor int64  `json:"cost_usd_minor_units"`
	}
	type provider struct {
		Provider  string `json:"provider"`
		Requests  int    `json:"requests"`
		CostMinor int64  `json:"cost_usd_minor_units"`
	}
	type model struct {
		Provider     string `json:"provider"`
		Model        string `json:"model"`
		Requests     int    `json:"requests"`
		InputTokens  int    `json:"input_tokens"`
		OutputTokens int    `json:"output_tokens"`
		CostMinor    int64  `json:"cost_usd_minor_units"`
	}
	days := map[string]*day{}
	dayProviders := map[[2]string]*dayProvider{}
	providers := map[string]*provider{}
	models := map[[2]string]*model{}
	var total, in, out int
	var cost int64
	var last *string
	for _, r := range records {
		date := r.At.Local().Format(time.DateOnly)
		if date < since {
			continue
		}
		total, in, out, cost = total+1, in+r.In, out+r.Out, cost+r.CostMinor
		at := r.At.Format(time.RFC3339)
		last = &at
		if days[date] == nil {
			days[date] = &day{Date: date}
		}
		days[date].Requests++
		days[date].CostMinor += r.CostMinor
		dp := [2]string{date, r.Provider}
		if dayProviders[dp] == nil {
			dayProviders[dp] = &dayProvider{Date: date, Provider: r.Provider}
		}
		dayProviders[dp].Requests++
		dayProviders[dp].CostMinor += r.CostMinor
		if providers[r.Provider] == nil {
			providers[r.Provider] = &provider{Provider: r.Provider}
		}
		providers[r.Provider].Requests++
		providers[r.Provider].CostMinor += r.CostMinor
		pm := [2]string{r.Provider, r.Model}
		if models[pm] == nil {
			models[pm] = &model{Provider: r.Provider, Model: r.Model}
		}
		m := models[pm]
		m.Requests, m.InputTokens, m.OutputTokens, m.CostMinor = m.Requests+1, m.InputTokens+r.In, m.OutputTokens+r.Out, m.CostMinor+r.CostMinor
	}
	byDay := sortedValues(days, func(a, b day) int { return cmp.Compare(a.Date, b.Date) })
	byDayProvider := sortedValues(dayProviders, func(a, b dayProvider) int {
		return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.Provider, b.Provider))
	})
	byProvider := sortedValues(providers, func(a, b provider) int { return cmp.Compare(a.Provider, b.Provider) })
	byModel := sortedValues(models, func(a, b model) int {
		return cmp.Or(cmp.Compare(b.CostMinor, a.CostMinor), cmp.Compare(a.Model, b.Model))
	})
	summary := map[string]any{
		"total_requests": total, "total_input_tokens": in, "total_output_tokens": out,
		"total_thinking_tokens": 0, "total_cache_read_tokens": 0, "total_cache_write_tokens": 0,
		"total_cost_usd_minor_units": cost, "cache_hit_rate": 0, "last_request_at": last,
	}
	return map[string]any{"summary": summary, "by_day": byDay, "by_day_by_provider": byDayProvider,
		"by_provider": byProvider, "by_model": byModel}
}

// sortedValues are m's values in order, never nil: an empty list stays
// a list in JSON.
func sortedValues[K comparable, V any](m map[K]*V, order func(a, b V) int) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, *v)
	}
	slices.SortFunc(out, order)
	return out
}

// TrafficOptions say what Traffic sends.
type TrafficOptions struct {
	Requests int
	Model    string
	Direct   bool // straight to the API, not through the edge as apps do
	DaysAgo  int  // date the calls back, for a week to show (0 to 7)
	// At, if set, dates the calls then: a simulated week's time.
	At time.Time
	// PromptTokens pads each prompt with about this much context, as a
	// coding assistant's calls carry (0 to 200,000).
	PromptTokens int
}

// MaxPromptTokens bounds TrafficOptions.PromptTokens: a prompt stays under
// the data plane's body limit.
const MaxPromptTokens = 200000

// Traffic calls the world's fake LLM API as o says, and prints what
// happened and what the API charged.
func Traffic(dir string, o TrafficOptions, w io.Writer) error {
	n, model, via := o.Requests, o.Model, !o.Direct
	s, err := LoadState(dir)
	if err != nil {
		return err
	}
	if s.Ports.LLM == 0 {
		return errors.New("this world has no LLM API (made by an older halton-meter-sim)")
	}
	transport := &http.Transport{Proxy: nil, DisableKeepAlives: true}
	route := "directly"
	if via {
		edge := &url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Ports.Edge))}
		transport.Proxy = http.ProxyURL(edge)
		route = "through the edge"
	}
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	api := "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Ports.LLM))
	before, err := charged(api)
	if err != nil {
		return err
	}
	ok := 0
	var failures []string
	for i := 1; i <= n; i++ {
		padding := strings.Repeat("context ", o.PromptTokens/2) // about 4 characters a token
		body := fmt.Sprintf(`{"model":%q,"max_tokens":256,"messages":[{"role":"user","content":"%sSay hello, number %d, in a few words."}]}`, model, padding, i)
		req, err := http.NewRequest(http.MethodPost, api+"/v1/messages", strings.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		if o.DaysAgo > 0 {
			req.Header.Set(daysAgoHeader, strconv.Itoa(o.DaysAgo))
		}
		if !o.At.IsZero() {
			req.Header.Set(atHeader, o.At.Format(time.RFC3339Nano))
		}
		resp, err := client.Do(req)
		if err != nil {
			failures = append(failures, err.Error())
			continue
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			failures = append(failures, resp.Status)
			continue
		}
		ok++
	}
	after, err := charged(api)
	if err != nil {
		return err
	}
	cost := after.CostMinor - before.CostMinor
	if o.DaysAgo > 0 {
		route += fmt.Sprintf(", dated %d days ago", o.DaysAgo)
	}
	fmt.Fprintf(w, "traffic: %d of %d calls to %s answered, %s; the API charged %d input and %d output tokens, $%s\n",
		ok, n, model, route, after.InputTokens-before.InputTokens, after.OutputTokens-before.OutputTokens, status.USD(cost).Decimal())
	if len(failures) > 0 {
		return fmt.Errorf("%d calls failed: %s", len(failures), failures[0])
	}
	return nil
}

func charged(api string) (tally, error) {
	var t tally
	resp, err := (&http.Client{Transport: direct, Timeout: 5 * time.Second}).Get(api + "/_sim/charged")
	if err != nil {
		return t, fmt.Errorf("reach the fake LLM API: %w", err)
	}
	defer resp.Body.Close()
	err = json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(&t)
	return t, err
}
