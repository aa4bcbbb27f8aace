// Command halton-meter-sim runs a simulated Halton Meter install on
// loopback, for demos and tests: see `halton-meter-sim --help` and the
// package doc of status/sim.
package main

import (
	"os"

	"github.com/haltonlabs/halton-meter-bar/status/sim"
)

func main() {
	os.Exit(sim.Main(os.Args, os.Stdout, os.Stderr))
}
