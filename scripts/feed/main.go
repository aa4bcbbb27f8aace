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
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/app/monitor"
	"github.com/haltonlabs/halton-meter-bar/status"
	"github.com/haltonlabs/halton-meter-bar/status/sim"
)

// step is what to do at a moment of the hour (minutes before now).
type step struct {
	at     int
	action string // a fault, "heal", or "" to sweep only
}

var scenarios = map[string][]step{
	// A restart forty minutes ago, healthy since.
	"healthy": {{60, ""}, {38, "daemon-stop"}, {31, "heal"}, {20, ""}, {0, ""}},
	// The same, then the daemon killed twelve minutes ago.
	"crash": {{60, ""}, {38, "daemon-stop"}, {31, "heal"}, {12, "daemon-crash"}, {0, ""}},
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
	history := monitor.NewHistory(time.Hour)
	now := time.Now()
	var last status.Report
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
		last = status.Check(context.Background(), cfg)
		if s.at > 0 {
			last.CheckedAt = now.Add(-time.Duration(s.at) * time.Minute)
		}
		history.Add(last)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.Encode(wire.Message{Type: wire.MsgSnapshot, Report: &last, History: history.Snapshot(), PollIntervalMS: 5000})
	if *scenario == "crash" {
		enc.Encode(wire.Message{Type: wire.MsgFocus, Component: status.CompDaemon})
	}
	// Keep the pipe open: the window closes when it ends.
	select {}
}
