package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// logEvent writes one structlog-like line, as Halton Meter's logs look.
func logEvent(w io.Writer, event string, kv ...any) {
	line := fmt.Sprintf("%s [info     ] %s", time.Now().UTC().Format("2006-01-02T15:04:05.000000Z"), event)
	for i := 0; i+1 < len(kv); i += 2 {
		line += fmt.Sprintf(" %v=%v", kv[i], kv[i+1])
	}
	fmt.Fprintln(w, line)
}

// roleMain runs a simulated Halton Meter process: `halton-meter daemon`,
// `watchdog`, `edge` or `userenv`, as the plists start them.
func roleMain(args []string) int {
	dir := os.Getenv(envDir)
	if dir == "" || len(args) != 1 {
		fmt.Fprintln(os.Stderr, "halton-meter (simulated): run by halton-meter-sim's launchd only")
		return exitUsage
	}
	watchParent()
	s, err := LoadState(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	switch args[0] {
	case "daemon":
		return runDaemon(dir, s)
	case "watchdog":
		return runWatchdog(dir, s)
	case "edge":
		return runEdge(s)
	case "userenv":
		logEvent(os.Stderr, "userenv.applied", "mode", s.Mode)
		if s.HasFault(FaultUserenvFail) {
			logEvent(os.Stderr, "userenv.failed", "error", "launchctl setenv refused")
			return 1
		}
		return 0
	}
	fmt.Fprintf(os.Stderr, "halton-meter (simulated): unknown command %q\n", args[0])
	return exitUsage
}

func loopbackListen(port int) (net.Listener, error) {
	return net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
}

// runDaemon holds the internal port and serves the API: GET /health and
// GET /v1/daemon/status. A port it cannot bind makes it exit 1, as the
// real daemon's start-up does.
func runDaemon(dir string, s *State) int {
	internal, err := loopbackListen(s.Ports.Internal)
	if err != nil {
		logEvent(os.Stderr, "daemon.startup.failed", "error", strconv.Quote(err.Error()))
		return 1
	}
	api, err := loopbackListen(s.Ports.API)
	if err != nil {
		logEvent(os.Stderr, "daemon.startup.failed", "error", strconv.Quote(err.Error()))
		return 1
	}
	go http.Serve(internal, &meter{dir: dir})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		cur, err := LoadState(dir)
		if err == nil && cur.HasFault(FaultHealthHang) {
			<-r.Context().Done()
			return
		}
		if err == nil && cur.HasFault(FaultHealth500) {
			http.Error(w, `{"detail":"database is locked"}`, http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"status":"ok","version":%q}`, s.HaltonVersion)
	})
	mux.HandleFunc("GET /v1/daemon/status", func(w http.ResponseWriter, r *http.Request) {
		logEvent(os.Stderr, "daemon.status.request") // one per sweep of a monitor: the tests count them
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(daemonStatus(readRecords(dir), time.Now()))
	})
	mux.HandleFunc("GET /v1/stats", func(w http.ResponseWriter, r *http.Request) {
		// Each ask is logged: the tests count them.
		logEvent(os.Stderr, "daemon.stats.request", "query", strconv.Quote(r.URL.RawQuery))
		cur, err := LoadState(dir)
		if err == nil && cur.HasFault(FaultStats500) {
			http.Error(w, `{"detail":"database is locked"}`, http.StatusInternalServerError)
			return
		}
		if err == nil && cur.HasFault(FaultStatsHostile) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, hostileStats)
			return
		}
		since := r.URL.Query().Get("since")
		if since == "" {
			since = "0000-00-00"
		} else if _, err := time.Parse(time.DateOnly, since); err != nil {
			http.Error(w, `{"detail":"since is YYYY-MM-DD"}`, http.StatusUnprocessableEntity)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(stats(readRecords(dir), since))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(api)
	logEvent(os.Stderr, "daemon.startup.ready", "internal_port", s.Ports.Internal, "api_port", s.Ports.API)

	// The daemon re-enables the system proxy at start, gated on proxy-managed.
	if s.Mode == status.ModeFull {
		if _, err := os.Stat(filepath.Join(PathsFor(dir).MeterHome, "proxy-managed")); err == nil {
			go call(dir, opProxyOn, nil, 5*time.Second)
		}
	}
	waitTerm()
	logEvent(os.Stderr, "daemon.exit", "reason", "SIGTERM")
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	return 0
}

// hostileStats is a /v1/stats answer no day can have: what stats-hostile
// serves, for the tests that every output survives it.
const hostileStats = `{"summary":{"total_requests":-1,"total_input_tokens":-5,"total_output_tokens":9223372036854775807,` +
	`"total_cost_usd_minor_units":-9223372036854775808},` +
	`"by_day":[{"date":"2026-01-01","requests":-1,"cost_usd_minor_units":9223372036854775807}],` +
	`"by_model":[{"provider":"\u001b[31mevil","model":"m\u0007","requests":-3,"cost_usd_minor_units":-9223372036854775808}]}`

// Watchdog timing, as the vendor documents it.
const (
	watchdogPoll     = 1500 * time.Millisecond
	watchdogFailures = 5
)

// runWatchdog polls the daemon's /health and, after five failures in a
// row in full mode, switches the system proxy off on every service.
func runWatchdog(dir string, s *State) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	url := fmt.Sprintf("http://127.0.0.1:%d/health", s.Ports.API)
	failures, tripped := 0, false
	tick := time.NewTicker(watchdogPoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			logEvent(os.Stderr, "watchdog.exit")
			return 0
		case <-tick.C:
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := client.Do(req)
		ok := err == nil && resp.StatusCode == http.StatusOK
		if resp != nil {
			resp.Body.Close()
		}
		if ctx.Err() != nil {
			continue
		}
		if ok {
			failures, tripped = 0, false
			continue
		}
		failures++
		logEvent(os.Stderr, "watchdog.health_poll", "ok", false, "failures", failures)
		if failures >= watchdogFailures && !tripped && s.Mode == status.ModeFull {
			if _, err := call(dir, opFailsafe, nil, 5*time.Second); err == nil {
				tripped = true
				logEvent(os.Stderr, "watchdog.failsafe", "action", "system proxy disabled on every service")
			}
		}
	}
}

// runEdge serves the edge port, an HTTP proxy chained to the daemon while
// it is up and straight through while it is not. SIGUSR1 closes the port
// while the process lives on (the edge-unbound fault).
func runEdge(s *State) int {
	ln, err := loopbackListen(s.Ports.Edge)
	if err != nil {
		logEvent(os.Stderr, "edge.startup.failed", "error", strconv.Quote(err.Error()))
		return 1
	}
	go http.Serve(ln, edgeProxy{internal: s.Ports.Internal})
	logEvent(os.Stderr, "edge.startup.ready", "port", s.Ports.Edge)
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	go func() {
		<-usr1
		ln.Close()
		logEvent(os.Stderr, "edge.listener.closed")
	}()
	waitTerm()
	return 0
}

func waitTerm() {
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM, syscall.SIGINT)
	<-term
}

// thiefMain holds a port for another program and answers 404 to any HTTP
// request on it.
func thiefMain(port int) int {
	watchParent()
	ln, err := loopbackListen(port)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	http.Serve(ln, http.NotFoundHandler())
	return 0
}
