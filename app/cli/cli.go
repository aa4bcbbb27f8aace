// Package cli is the command line shared by halton-meter-bar (the headless
// entry point) and halton-meter-tray (the menu-bar app): the flags, their
// checks, and the headless --json and --table. It imports no GUI package,
// so the program that runs --json never loads a GUI library.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/haltonlabs/halton-meter-bar/app/desktop"
	"github.com/haltonlabs/halton-meter-bar/app/fleet"
	"github.com/haltonlabs/halton-meter-bar/internal/atomicfile"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// ExitUsage is the exit status of a usage error (EX_USAGE).
const ExitUsage = 64

// Output formats of a headless run.
const (
	FormatJSON       = "json"
	FormatTable      = "table"
	FormatJamf       = "jamf"
	FormatPrometheus = "prometheus"
)

// Options are the parsed command line.
type Options struct {
	// Format is how a headless run prints its sweep ("" for none).
	Format string
	// Watch prints a JSON line at once and at each change, until stopped.
	Watch bool
	// Textfile names a folder to write halton_meter.prom into (for
	// node_exporter's textfile collector).
	Textfile string
	// Quit asks the running menu-bar app to quit.
	Quit bool
	// User names whose install to check (--user NAME|UID).
	User    string
	Timeout time.Duration
	Tray    TrayOptions
}

// Headless reports whether a sweep is printed or written rather than the
// tray run.
func (o Options) Headless() bool { return o.Format != "" || o.Watch || o.Textfile != "" }

// TrayOptions are the flags of the menu-bar mode.
type TrayOptions struct {
	// Healthy is 0 until chosen: 30 s with events, 15 s without.
	Healthy, Unhealthy, Grace, Settle time.Duration
	Monochrome                        bool
}

// Defaults of the tray's flags. The notification policy's own defaults
// (app/monitor.DefaultPolicy) are the same; a test holds them to it.
const (
	DefaultUnhealthy = 5 * time.Second
	DefaultGrace     = 10 * time.Second
	DefaultSettle    = time.Minute
)

func (t *TrayOptions) register(fs *flag.FlagSet) {
	fs.DurationVar(&t.Healthy, "poll-healthy", 0, "tray and --watch: time between sweeps while all is healthy (default 30s with events, 15s without)")
	fs.DurationVar(&t.Unhealthy, "poll-unhealthy", DefaultUnhealthy, "tray and --watch: time between sweeps while anything is not healthy")
	fs.DurationVar(&t.Grace, "grace", DefaultGrace, "tray: how long a row stays out of healthy before a notification (the longer waits of a row that cannot be checked, 30 times it, and of one failing again soon after it came back, 12 times it, scale with it)")
	fs.DurationVar(&t.Settle, "settle", DefaultSettle, "tray: how long after launch or a wake things may still be starting (lengthens the grace)")
	fs.BoolVar(&t.Monochrome, "monochrome", false, "tray: monochrome (template) icons that follow the menu bar's appearance")
}

func (t *TrayOptions) validate() error {
	for name, d := range map[string]time.Duration{"--poll-healthy": t.Healthy, "--poll-unhealthy": t.Unhealthy} {
		if d == 0 && name == "--poll-healthy" {
			continue // chosen once we know whether events work
		}
		if d < 100*time.Millisecond || d > time.Hour {
			return fmt.Errorf("%s %s is out of range (100ms to 1h)", name, d)
		}
	}
	if t.Grace < 0 || t.Grace > time.Hour {
		return fmt.Errorf("--grace %s is out of range (0 to 1h)", t.Grace)
	}
	if t.Settle < 0 || t.Settle > time.Hour {
		return fmt.Errorf("--settle %s is out of range (0 to 1h)", t.Settle)
	}
	return nil
}

// Main is the command line both programs share: it parses the flags and
// carries out what needs no menu bar (--help, --version, --quit, the
// headless outputs). For the menu-bar app it calls tray, which
// halton-meter-bar answers by becoming halton-meter-tray, and
// halton-meter-tray by running it: the two programs take the same flags
// and mean the same by them.
func Main(args []string, version string, stdout, stderr io.Writer, tray func(Options, status.Config) int) int {
	o, code, done := Parse(WithoutLaunchArgs(args), version, stderr)
	if done {
		return code
	}
	if o.Quit {
		return Quit(stdout, stderr)
	}
	cfg, err := o.Config(version)
	if err != nil {
		fmt.Fprintf(stderr, "halton-meter-bar: %v\n", err)
		return ExitUsage
	}
	if o.Headless() {
		return Headless(o, cfg, stdout, stderr)
	}
	if os.Geteuid() == 0 {
		// The menu-bar app acts for no one else: following another user
		// is the headless outputs' job.
		if o.User != "" {
			fmt.Fprintln(stderr, "halton-meter-bar: --user goes with --json, --table, --prometheus, --format, --textfile or --watch: the menu-bar app run as root checks root's own install")
			return ExitUsage
		}
		cfg = o.ownConfig(version)
	}
	return tray(o, cfg)
}

// WithoutLaunchArgs drops what macOS's Launch Services adds to an app's
// command line, which no user typed: the process serial number
// ("-psn_0_1234567") it may pass an app opened from the Finder, notably
// at its first launch after Gatekeeper approved it.
func WithoutLaunchArgs(args []string) []string {
	out := make([]string, 0, len(args))
	for _, a := range args {
		if !strings.HasPrefix(a, "-psn_") {
			out = append(out, a)
		}
	}
	return out
}

// usageHead is the help's text before the flags.
const usageHead = `Usage: halton-meter-bar [--json | --table | --prometheus | --format F] [--textfile DIR] [--user U] [--timeout D]
       halton-meter-bar --watch [--textfile DIR] [--user U]
       halton-meter-bar [--quit]

Shows whether the local Halton Meter install is healthy. With no flag it
runs in the menu bar (launched again, it brings the running one's details
window forward); --json, --table, --prometheus and --format print one sweep
and exit; --watch prints one JSON line at once and one at each change until
interrupted (SIGINT, SIGTERM, or its reader gone); --quit asks the running
menu-bar app to quit.

Exit status of a printed sweep: 0 healthy, 1 degraded, 2 down, 3 unknown or
not installed, 64 usage error; --format jamf exits 0 (the verdict is in
<result>), --textfile alone exits 0 when written, --watch 0 when stopped.

Flags:
`

// usageTail is the help's text after the flags.
const usageTail = `
Environment (where Halton Meter is looked for):
  HOME, HALTON_METER_HOME, HALTON_BAR_LAUNCHCTL, HALTON_BAR_NETWORKSETUP,
  HALTON_BAR_PREFERENCES, HALTON_BAR_CONSOLE (whose owner is the logged-in
  user, for a run as root); NO_COLOR turns colour off in --table;
  HALTON_BAR_OPENER takes the tray's open, terminal and copy requests.
`

// flags are the parsed flags before they are checked into Options.
type flags struct {
	o                      Options
	json, table, prom, ver bool
	format, timeout        string
}

// newFlagSet declares every flag. Go's flag package takes -json and
// --json alike: scripts written either way keep working.
func newFlagSet(f *flags) *flag.FlagSet {
	fs := flag.NewFlagSet("halton-meter-bar", flag.ContinueOnError)
	fs.BoolVar(&f.json, "json", false, "print the status as one JSON object and exit (--format json)")
	fs.BoolVar(&f.table, "table", false, "print the status table and exit (--format table)")
	fs.BoolVar(&f.prom, "prometheus", false, "print the status in the Prometheus text format and exit (--format prometheus)")
	fs.StringVar(&f.format, "format", "", "print the status as `F`: json, table, jamf (a Jamf Pro extension attribute) or prometheus, and exit")
	fs.BoolVar(&f.o.Watch, "watch", false, "print the status as one JSON line at once and again at each change, until interrupted")
	fs.StringVar(&f.o.Textfile, "textfile", "", "write the Prometheus text to `DIR`/halton_meter.prom, atomically (with --watch: at each change)")
	fs.BoolVar(&f.o.Quit, "quit", false, "ask the running menu-bar app to quit")
	fs.StringVar(&f.o.User, "user", "", "check the install of `U`, a name or a uid; as root on macOS the default is the logged-in user")
	fs.StringVar(&f.timeout, "timeout", status.DefaultTimeout.String(), "deadline of one sweep, `D` (e.g. 2s, 500ms)")
	fs.BoolVar(&f.ver, "version", false, "print the version and exit")
	f.o.Tray.register(fs)
	return fs
}

// printUsage writes the help: the flags as the usage line and the docs
// write them, --long.
func printUsage(w io.Writer, fs *flag.FlagSet) {
	io.WriteString(w, usageHead)
	fs.VisitAll(func(fl *flag.Flag) {
		name, usage := flag.UnquoteUsage(fl)
		line := "  --" + fl.Name
		if name != "" {
			line += " " + name
		}
		if def := fl.DefValue; def != "" && def != "false" && def != "0s" {
			usage += " (default " + def + ")"
		}
		fmt.Fprintf(w, "%s\n    \t%s\n", line, usage)
	})
	io.WriteString(w, usageTail)
}

// Parse reads the command line. done is set when the program should exit
// with code (help, version, a usage error). A usage error is said in one
// line and one more pointing to --help, as git, go and kubectl do.
func Parse(args []string, version string, stderr io.Writer) (o Options, code int, done bool) {
	var f flags
	fs := newFlagSet(&f)
	fs.SetOutput(io.Discard) // errors are said below, in our words
	usageError := func(format string, a ...any) (Options, int, bool) {
		fmt.Fprintf(stderr, "halton-meter-bar: "+format+"\n", a...)
		fmt.Fprintln(stderr, "Run 'halton-meter-bar --help' for usage.")
		return f.o, ExitUsage, true
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stderr, fs)
			return f.o, 0, true
		}
		return usageError("%s", strings.Replace(err.Error(), "flag provided but not defined: -", "unknown flag --", 1))
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q", fs.Arg(0))
	}
	if f.ver {
		fmt.Fprintf(stderr, "halton-meter-bar %s\n", version)
		return f.o, 0, true
	}
	if err := f.check(); err != nil {
		return usageError("%v", err)
	}
	return f.o, 0, false
}

// check makes the Options of the flags, and refuses what does not go
// together.
func (f *flags) check() error {
	o := &f.o
	var chosen []string
	for _, c := range []struct {
		set  bool
		name string
	}{{f.json, FormatJSON}, {f.table, FormatTable}, {f.prom, FormatPrometheus}, {f.format != "", f.format}} {
		if c.set {
			chosen = append(chosen, c.name)
		}
	}
	if len(chosen) == 1 {
		o.Format = chosen[0]
	}
	switch {
	case len(chosen) > 1:
		return errors.New("--json, --table, --prometheus and --format exclude each other")
	case o.Format != "" && !slices.Contains([]string{FormatJSON, FormatTable, FormatJamf, FormatPrometheus}, o.Format):
		return fmt.Errorf("--format %q: one of json, table, jamf, prometheus", o.Format)
	case o.Watch && o.Format != "" && o.Format != FormatJSON:
		return errors.New("--watch prints JSON lines; it takes no other format")
	}
	if o.Watch {
		o.Format = FormatJSON
	}
	d, err := ParseTimeout(f.timeout)
	if err != nil {
		return fmt.Errorf("--timeout: %w", err)
	}
	o.Timeout = d
	if o.Textfile != "" {
		if st, err := os.Stat(o.Textfile); err != nil || !st.IsDir() {
			return fmt.Errorf("--textfile %s: not a folder", o.Textfile)
		}
		if err := TrustedOutput(o.Textfile); err != nil {
			return fmt.Errorf("--textfile %s: %w", o.Textfile, err)
		}
	}
	if o.Quit && o.Headless() {
		return errors.New("--quit goes alone")
	}
	return o.Tray.validate()
}

// TrustedOutput says why a run as root must not write into the folder at
// path: root writes only where no other user can change where the write
// lands (the folder and every one above it root's and writable by root
// alone, docs/fleet.md). Any other user writes where they like.
func TrustedOutput(path string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if err := atomicfile.Trusted(abs); err != nil {
		return fmt.Errorf("as root, only a folder root alone can write to, and every folder above it root's alone too: %w", err)
	}
	return nil
}

// ParseTimeout accepts a Go duration ("1.5s") or plain seconds ("2").
func ParseTimeout(s string) (time.Duration, error) {
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

// ownConfig is the engine's Config for this process's own install.
func (o Options) ownConfig(version string) status.Config {
	cfg := status.ConfigFromEnv()
	cfg.Timeout, cfg.BarVersion = o.Timeout, version
	return cfg
}

// Config is the engine's Config for these options: the install of --user,
// or as root on macOS the logged-in user's, or this process's own. A
// --user that names nobody is an error (a usage error); nobody to check
// is the Config's Problem, an unknown report.
func (o Options) Config(version string) (status.Config, error) {
	cfg := status.ConfigFromEnv()
	cfg.Timeout = o.Timeout
	cfg.BarVersion = version
	u, problem, err := status.Whose(o.User, runtime.GOOS, os.Geteuid(), status.Console(), status.SystemUsers{})
	switch {
	case err != nil:
		return cfg, err
	case problem != "":
		cfg.Problem = problem
	case u != nil:
		if cfg, err = cfg.ForUser(u, os.LookupEnv); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// Headless carries out a headless run: --watch until stopped, or one
// sweep printed in o.Format and written to o.Textfile. It returns the exit
// status: the verdict's, but for jamf (0: the answer is in <result>), a
// textfile alone (0 when written) and --watch (0 when stopped). The two
// outputs are apart: one that fails does not keep the other from being
// made, and the failure is the exit status (3, or 1 where the verdict is
// not the status).
func Headless(o Options, cfg status.Config, stdout, stderr io.Writer) int {
	if o.Watch {
		return Watch(context.Background(), cfg, o, stdout, stderr)
	}
	failed := false
	fail := func(err error) {
		fmt.Fprintf(stderr, "halton-meter-bar: %v\n", err)
		failed = true
	}
	// The textfile's folder is opened before the sweep, and written
	// through after it: never into another put at its path meanwhile.
	var textfile *atomicfile.Dir
	if o.Textfile != "" {
		d, err := atomicfile.OpenDir(o.Textfile)
		if err != nil {
			fail(fmt.Errorf("--textfile: %w", err))
		} else {
			textfile = d
			defer d.Close()
		}
	}
	r := status.Check(context.Background(), cfg)
	if o.Format != "" {
		if err := WriteFormat(stdout, o.Format, r); err != nil {
			fail(err)
		}
	}
	if textfile != nil {
		if err := fleet.WriteTextfileIn(textfile, r); err != nil {
			fail(err)
		}
	}
	verdictless := o.Format == "" || o.Format == FormatJamf
	switch {
	case failed && verdictless:
		return 1
	case failed:
		return 3
	case verdictless:
		return 0
	}
	return r.ExitCode()
}

// WriteFormat prints r in one of the output formats.
func WriteFormat(w io.Writer, format string, r status.Report) error {
	switch format {
	case FormatJSON:
		return status.WriteJSON(w, r)
	case FormatTable:
		return status.WriteTable(w, r, ColourWanted(w))
	case FormatPrometheus:
		return fleet.Prometheus(w, r)
	case FormatJamf:
		return fleet.Jamf(w, r)
	}
	return fmt.Errorf("unknown format %q", format)
}

// ColourWanted: colour on a terminal unless NO_COLOR is set or TERM is dumb.
func ColourWanted(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Executable is this program's real path, links resolved: inside the .app
// bundle, its Contents/MacOS.
func Executable() (string, error) {
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		return "", fmt.Errorf("find my executable: %w", err)
	}
	return exe, nil
}

// Quit asks the running menu-bar app to quit: 0 when it answered, 1 when
// none runs or it could not be asked.
func Quit(stdout, stderr io.Writer) int {
	dir, err := desktop.ConfigDir()
	if err != nil {
		fmt.Fprintf(stderr, "halton-meter-bar: %v\n", err)
		return 1
	}
	pid, err := desktop.Ask(dir, desktop.CmdQuit)
	if err != nil {
		fmt.Fprintf(stderr, "halton-meter-bar: no running menu-bar app answered: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "halton-meter-bar: asked the running menu-bar app (PID %d) to quit\n", pid)
	return 0
}
