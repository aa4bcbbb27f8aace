// Command halton-meter-bar shows whether the local Halton Meter install is
// healthy: in the menu bar by default, or headless with --json or --table
// for scripts and terminals (those never start the GUI toolkit, so they
// work over SSH with no display).
//
// Exit status of --json and --table: 0 healthy, 1 degraded, 2 down,
// 3 unknown or not installed, 64 usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// exitUsage is the exit status of a usage error (EX_USAGE).
const exitUsage = 64

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the parsed command line.
type options struct {
	json, table bool
	timeout     time.Duration
	tray        trayOptions
}

func parseArgs(args []string, stderr io.Writer) (options, int, bool) {
	var o options
	fs := flag.NewFlagSet("halton-meter-bar", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.json, "json", false, "print the status as one JSON object and exit")
	fs.BoolVar(&o.table, "table", false, "print the status table and exit")
	timeout := fs.String("timeout", status.DefaultTimeout.String(), "deadline of one sweep (e.g. 2s, 500ms)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	o.tray.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, `Usage: halton-meter-bar [--json | --table] [--timeout D]

Shows whether the local Halton Meter install is healthy. With no flag it
runs in the menu bar; --json and --table print one sweep and exit.

Exit status of --json and --table: 0 healthy, 1 degraded, 2 down,
3 unknown or not installed, 64 usage error.

Flags:
`)
		fs.PrintDefaults()
		fmt.Fprintf(stderr, `
Environment (where Halton Meter is looked for):
  HOME, HALTON_METER_HOME, HALTON_BAR_LAUNCHCTL, HALTON_BAR_NETWORKSETUP,
  HALTON_BAR_PREFERENCES; NO_COLOR turns colour off in --table.
`)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, 0, true
		}
		return o, exitUsage, true
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "halton-meter-bar: unexpected argument %q (see --help)\n", fs.Arg(0))
		return o, exitUsage, true
	}
	if *showVersion {
		fmt.Fprintf(stderr, "halton-meter-bar %s\n", version)
		return o, 0, true
	}
	d, err := parseTimeout(*timeout)
	if err != nil {
		fmt.Fprintf(stderr, "halton-meter-bar: --timeout: %v\n", err)
		return o, exitUsage, true
	}
	o.timeout = d
	if o.json && o.table {
		fmt.Fprintln(stderr, "halton-meter-bar: --json and --table exclude each other")
		return o, exitUsage, true
	}
	if err := o.tray.validate(); err != nil {
		fmt.Fprintf(stderr, "halton-meter-bar: %v\n", err)
		return o, exitUsage, true
	}
	return o, 0, false
}

// parseTimeout accepts a Go duration ("1.5s") or plain seconds ("2").
func parseTimeout(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		secs, ferr := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if ferr != nil {
			return 0, fmt.Errorf("%q is not a duration (e.g. 2s, 500ms)", s)
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d < 50*time.Millisecond || d > time.Minute {
		return 0, fmt.Errorf("%s is out of range (50ms to 1m)", d)
	}
	return d, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	o, code, done := parseArgs(args, stderr)
	if done {
		return code
	}
	cfg := status.ConfigFromEnv()
	cfg.Timeout = o.timeout
	cfg.BarVersion = version
	if o.json || o.table {
		return headless(cfg, o.json, stdout, stderr)
	}
	return runTray(cfg, o, stderr)
}

// headless prints one sweep and returns the exit status of its verdict.
func headless(cfg status.Config, asJSON bool, stdout, stderr io.Writer) int {
	r := status.Check(context.Background(), cfg)
	var err error
	if asJSON {
		err = status.WriteJSON(stdout, r)
	} else {
		err = status.WriteTable(stdout, r, colourWanted(stdout))
	}
	if err != nil {
		fmt.Fprintf(stderr, "halton-meter-bar: %v\n", err)
		return 3
	}
	return r.ExitCode()
}

// colourWanted: colour on a terminal unless NO_COLOR is set or TERM is dumb.
func colourWanted(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
