package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/status"
	simworld "github.com/haltonlabs/halton-meter-bar/status/sim"
)

// charged is what the world's fake LLM API says it charged in all.
func (w *world) charged() (requests int, costMinor int64) {
	w.t.Helper()
	s, err := simworld.LoadState(w.dir)
	if err != nil {
		w.t.Fatal(err)
	}
	resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(s.Ports.LLM) + "/_sim/charged")
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var t struct {
		Requests  int   `json:"requests"`
		CostMinor int64 `json:"cost_usd_minor_units"`
	}
	json.NewDecoder(resp.Body).Decode(&t)
	return t.Requests, t.CostMinor
}

func (w *world) traffic(args ...string) string {
	w.t.Helper()
	out, err := sim(w.t, append([]string{"traffic", "--dir", w.dir}, args...)...)
	if err != nil {
		w.t.Fatalf("traffic: %v", err)
	}
	return out
}

// TestDataPlane: calls through the edge are metered while the daemon is
// up, and what it metered is what the API charged; with the daemon killed
// they still go through (fail-open) and are not metered; healed, metered
// again.
func TestDataPlane(t *testing.T) {
	w := up(t, "apps")
	if r, _ := w.check(); r.Metering.State != status.MeteringIdle || r.Metering.Today == nil || r.Metering.Today.Requests != 0 {
		t.Fatalf("a fresh world: %+v", r.Metering)
	}
	out := w.traffic("--requests", "5")
	if !strings.HasPrefix(out, "traffic: 5 of 5 calls to claude-sonnet-4 answered, through the edge") {
		t.Errorf("traffic said %q", out)
	}
	w.traffic("--requests", "3", "--model", "gpt-4o")
	requests, cost := w.charged()
	r, code := w.check()
	m := r.Metering
	if code != 0 || m.State != status.MeteringLive || m.Today == nil || m.Today.Requests != 8 || requests != 8 ||
		int64(m.Today.CostUSD) != cost || m.RequestsLastHour == nil || *m.RequestsLastHour != 8 {
		t.Fatalf("metering %+v today %+v; the API charged %d requests, %d", m, m.Today, requests, cost)
	}
	if len(m.TopModels) != 2 || m.TopModels[0].Model != "claude-sonnet-4" || m.TopModels[0].Requests != 5 {
		t.Errorf("top models %+v", m.TopModels)
	}
	if len(m.Week) != 7 || m.Week[6].Requests != 8 {
		t.Errorf("week %+v", m.Week)
	}

	// The daemon killed: the calls still get through, unmetered.
	w.fault("daemon-crash")
	out = w.traffic("--requests", "4")
	if !strings.HasPrefix(out, "traffic: 4 of 4 calls") {
		t.Errorf("fail-open traffic said %q", out)
	}
	r, code = w.check()
	if code != 1 || r.Metering.State != status.MeteringNot {
		t.Errorf("daemon down: exit %d, metering %s", code, r.Metering.State)
	}
	if c, _ := r.Row(status.CompMetering); c.Level != status.LevelWarn || c.CausedBy != status.CompDaemon {
		t.Errorf("metering row %+v", c)
	}
	if requests, _ := w.charged(); requests != 12 {
		t.Errorf("the API saw %d calls, want 12", requests)
	}

	// Healed: metered again, and the four that passed through are not there.
	if _, err := sim(t, "heal", "--dir", w.dir); err != nil {
		t.Fatal(err)
	}
	w.traffic("--requests", "2")
	requests, cost = w.charged()
	r, _ = w.check()
	if r.Metering.Today == nil || r.Metering.Today.Requests != 10 || requests != 14 {
		t.Fatalf("after heal: metered %+v, the API saw %d", r.Metering.Today, requests)
	}
	unmetered := cost - int64(r.Metering.Today.CostUSD)
	if unmetered <= 0 {
		t.Errorf("the unmetered calls cost %d", unmetered)
	}

	// A padded prompt costs what its tokens do, metered as charged.
	w.traffic("--requests", "1", "--prompt-tokens", "4000")
	requests, after := w.charged()
	if after-cost < 4000*300000/1000000 { // claude-sonnet-4's input at $3 a million tokens
		t.Errorf("a 4,000-token prompt cost %d", after-cost)
	}
	r, _ = w.check()
	if r.Metering.Today.Requests != 11 || requests != 15 || int64(r.Metering.Today.CostUSD) != after-unmetered || r.Metering.Today.InputTokens < 4000 {
		t.Errorf("after a padded prompt: today %+v, the API charged %d", r.Metering.Today, after)
	}

	// Calls dated back fill the week, not today.
	if out := w.traffic("--requests", "3", "--days-ago", "2"); !strings.Contains(out, "dated 2 days ago") {
		t.Errorf("traffic said %q", out)
	}
	r, _ = w.check()
	if week := r.Metering.Week; len(week) != 7 || week[4].Requests != 3 || week[4].Date != time.Now().AddDate(0, 0, -2).Format(time.DateOnly) ||
		week[6].Requests != 11 || r.Metering.Today.Requests != 11 {
		t.Errorf("week %+v today %+v", week, r.Metering.Today)
	}
}

// TestEdgeTunnels: a CONNECT through the edge reaches its destination,
// through the daemon or, with the daemon down, straight (fail-open).
func TestEdgeTunnels(t *testing.T) {
	w := up(t, "apps")
	s, _ := simworld.LoadState(w.dir)
	try := func(what string) {
		t.Helper()
		conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Ports.Edge)), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		target := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Ports.LLM))
		fmt.Fprintf(conn, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target)
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: CONNECT: %v %v", what, resp, err)
		}
		fmt.Fprintf(conn, "GET /_sim/charged HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target)
		resp, err = http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: through the tunnel: %v %v", what, resp, err)
		}
		io.Copy(io.Discard, resp.Body)
	}
	try("daemon up")
	w.fault("daemon-crash")
	try("daemon down")
}
