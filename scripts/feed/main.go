// Command feed plays the tray's part for the screenshots: it drives a
// simulated world through a scenario with real faults, sweeps it with the
// real engine after each step, and writes the window's protocol on stdout.
// The scenario takes seconds; the sweeps are stamped as if spread over the
// last hour, so the window's timelines have an hour to show. Only those
// timestamps are invented: every report comes from a real sweep.
//
//	go run ./scripts/feed --world DIR --scenario crash | bin/halton-meter-details
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/app/history"
	"github.com/haltonlabs/halton-meter-bar/status"
	"github.com/haltonlabs/halton-meter-bar/status/sim"
)

// step is what to do at a moment of the hour (minutes before now).
type step struct {
	at     int
	action string // a fault, "heal", or "" to sweep only
	// traffic is a halton-meter-sim traffic command line sent before the
	// sweep: real calls through the edge, metered by the world's daemon.
	traffic [][]string
}

// calls is a traffic command line: n calls to model dated days back, each
// with a coding assistant's few thousand tokens of context.
func calls(n int, model string, days int) []string {
	return []string{"--requests", strconv.Itoa(n), "--model", model, "--days-ago", strconv.Itoa(days), "--prompt-tokens", "6000"}
}

// week is the calls of the six days before today, dated back by the
// simulated daemon, and those of this morning.
var week = [][]string{
	calls(40, "claude-sonnet-4", 6), calls(95, "claude-sonnet-4", 5), calls(12, "claude-haiku-4", 4),
	calls(8, "gpt-4o", 3), calls(70, "claude-sonnet-4", 2), calls(55, "claude-sonnet-4", 1),
	calls(48, "claude-sonnet-4", 0), calls(30, "gpt-4o", 0), calls(25, "claude-haiku-4", 0),
}

var scenarios = map[string][]step{
	// A restart forty minutes ago, healthy since; calls all along.
	"healthy": {{60, "", week}, {38, "daemon-stop", nil}, {31, "heal", nil}, {20, "", nil}, {0, "", [][]string{calls(6, "claude-sonnet-4", 0)}}},
	// The same, then the daemon killed twelve minutes ago: the calls since
	// went through unmetered.
	"crash": {{60, "", week}, {38, "daemon-stop", nil}, {31, "heal", nil}, {12, "daemon-crash", nil}, {0, "", [][]string{calls(6, "claude-sonnet-4", 0)}}},
}

func main() {
	world := flag.String("world", "", "the simulated world's folder")
	scenario := flag.String("scenario", "healthy", "healthy or crash")
	simBin := flag.String("sim", "bin/halton-meter-sim", "halton-meter-sim")
	flag.Parse()
	steps, ok := scenarios[*scenario]
	if !ok || *world == "" {
		fmt.Fprintln(os.Stderr, "usage: feed --world DIR --scenario healthy|crash")
		os.Exit(64)
	}
	cfg := status.ConfigFromEnviron(sim.PathsFor(*world).Env())
	cfg.BarVersion = "1.0.0"
	hist := history.New(time.Hour)
	now := time.Now()
	// A world is given its week of calls once: the screenshots take
	// several windows of one world.
	fresh := status.Check(context.Background(), cfg).Metering.Today
	sendTraffic := fresh == nil || fresh.Requests == 0
	var last status.Report
	var lastSpend *wire.Spend
	for _, s := range steps {
		if s.action != "" {
			verb := []string{"fault", "--dir", *world, s.action}
			if s.action == "heal" {
				verb = []string{"heal", "--dir", *world}
			}
			if out, err := exec.Command(*simBin, verb...).CombinedOutput(); err != nil {
				fmt.Fprintf(os.Stderr, "feed: %s: %v %s\n", s.action, err, out)
				os.Exit(1)
			}
		}
		for _, args := range s.traffic {
			if !sendTraffic {
				break
			}
			if out, err := exec.Command(*simBin, append([]string{"traffic", "--dir", *world}, args...)...).CombinedOutput(); err != nil {
				fmt.Fprintf(os.Stderr, "feed: traffic %v: %v %s\n", args, err, out)
				os.Exit(1)
			}
		}
		last = status.Check(context.Background(), cfg)
		if s.at > 0 {
			last.CheckedAt = now.Add(-time.Duration(s.at) * time.Minute)
		}
		hist.Add(last)
		if t := last.Metering.Today; t != nil {
			lastSpend = &wire.Spend{Today: *t, At: last.CheckedAt}
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.Encode(wire.Message{Type: wire.MsgSnapshot, Report: &last, History: wire.FromHistory(hist.Snapshot()), PollIntervalMS: 5000, Budget: 150000, LastSpend: lastSpend})
	if *scenario == "crash" {
		enc.Encode(wire.Message{Type: wire.MsgFocus, Component: status.CompDaemon})
	}
	// Keep the pipe open: the window closes when it ends.
	select {}
}
