package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/fleet"
	"github.com/haltonlabs/halton-meter-bar/app/monitor/watch"
	"github.com/haltonlabs/halton-meter-bar/app/scheduler"
	"github.com/haltonlabs/halton-meter-bar/internal/text"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// Events watches cfg's install as the tray does: process exits and state
// changes. It also returns the poll while all is healthy: healthy when
// asked for, else 30 s when events cover both, 15 s when not. With no
// events at all the watcher is nil; stop ends it.
func Events(cfg status.Config, healthy time.Duration, opts watch.Options) (w scheduler.Watcher, poll time.Duration, stop func()) {
	poll, stop = healthy, func() {}
	ew, err := watch.New(cfg, opts)
	switch {
	case err != nil && opts.Log != nil:
		opts.Log.Printf("polling only: %v", err)
	case err == nil && !ew.Covers() && opts.Log != nil:
		opts.Log.Printf("some changes are not watched: polling as often as without events")
	}
	if err == nil {
		w, stop = ew, ew.Close
	}
	if poll == 0 {
		poll = 15 * time.Second
		if err == nil && ew.Covers() {
			poll = 30 * time.Second
		}
	}
	return w, poll, stop
}

// Watch prints the install's status as one JSON line at once, then one
// each time it changes (fleet.Key), driven by the tray's own events and
// polls, until ctx ends, SIGINT or SIGTERM comes, or stdout's reader goes
// away. With textfile set it keeps DIR/halton_meter.prom up to date too.
// It polls as the tray does (--poll-healthy, --poll-unhealthy). Run as root
// on macOS without --user, it follows the logged-in user: when the owner of
// the console changes, the next line is about the new user's install (its
// "user" says whose), or unknown while nobody is logged in. It returns 0
// when stopped so; 1 when it cannot write.
func Watch(ctx context.Context, cfg status.Config, o Options, stdout, stderr io.Writer) int {
	var follow *follower
	if o.User == "" && runtime.GOOS == "darwin" && os.Geteuid() == 0 {
		follow = consoleFollower(o, cfg.BarVersion)
	}
	return watchUsers(ctx, cfg, o, follow, stdout, stderr)
}

// follower tells who is logged in, and the install to watch for them.
type follower struct {
	// who names the logged-in user: the console's owner.
	who func() string
	// config is the Config for whoever is logged in now.
	config func() (status.Config, error)
	// every is how often who is asked.
	every time.Duration
}

// consoleFollower follows the owner of the console (HALTON_BAR_CONSOLE, or
// /dev/console), as a one-shot run as root chooses whose install to check.
func consoleFollower(o Options, version string) *follower {
	console := status.Console()
	return &follower{
		who: func() string {
			uid, err := status.ConsoleOwner(console)
			if err != nil {
				return "unknown: " + err.Error()
			}
			return strconv.FormatUint(uint64(uid), 10)
		},
		config: func() (status.Config, error) { return o.Config(version) },
		every:  2 * time.Second,
	}
}

// watchUsers is Watch, following the logged-in user when follow is set: each
// user's install is watched by a run of its own (its sweeps, its events),
// ended when the console changes hands.
func watchUsers(ctx context.Context, cfg status.Config, o Options, follow *follower, stdout, stderr io.Writer) int {
	ctx, stopSignals := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stopSignals()
	// A closed pipe is an error from write, not a silent death.
	signal.Ignore(syscall.SIGPIPE)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if f, ok := stdout.(*os.File); ok {
		if gone := readerGone(f); gone != nil {
			go func() {
				select {
				case <-gone:
					cancel()
				case <-ctx.Done():
				}
			}()
		}
	}
	logger := log.New(stderr, "halton-meter-bar: ", 0)
	out := &lines{w: stdout, stderr: stderr, stop: cancel}
	for first := true; ; first = false {
		run, endRun := context.WithCancel(ctx)
		if follow != nil {
			// Who is asked before whose install is: a change in between
			// ends this run at once rather than going unseen.
			who := follow.who()
			var err error
			if cfg, err = follow.config(); err != nil {
				cfg.Problem = err.Error()
			}
			if !first {
				// The console changed hands: the next user's first line
				// goes out whatever it says.
				out.last = ""
				logger.Printf("--watch: the logged-in user changed; watching %s", whose(cfg))
			}
			go follow.until(run, endRun, who)
		}
		watchOne(run, cfg, o, out, logger)
		endRun()
		if ctx.Err() != nil || out.failed != nil || follow == nil {
			break
		}
	}
	if out.failed != nil && !errors.Is(out.failed, syscall.EPIPE) {
		fmt.Fprintf(stderr, "halton-meter-bar: --watch: %v\n", out.failed)
		return 1
	}
	return 0
}

// until ends the run (end) once who says someone other than was, or ctx
// ends.
func (f *follower) until(ctx context.Context, end context.CancelFunc, was string) {
	tick := time.NewTicker(f.every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if f.who() != was {
				end()
				return
			}
		}
	}
}

// whose names the user a Config's install is of, for the log.
func whose(cfg status.Config) string {
	switch {
	case cfg.Problem != "":
		return "nobody (" + cfg.Problem + ")"
	case cfg.User != "":
		return text.Safe(cfg.User) + "'s install"
	}
	return "this user's install"
}

// watchOne watches one install until ctx ends: its events, its sweeps,
// its lines and its textfile.
func watchOne(ctx context.Context, cfg status.Config, o Options, out *lines, logger *log.Logger) {
	watcher, healthy, stopEvents := Events(cfg, o.Tray.Healthy, watch.Options{})
	defer stopEvents()
	sweeper := &status.Sweeper{Cfg: cfg}
	defer sweeper.Wait()
	sched := scheduler.New(scheduler.Options{
		Full: sweeper.Full, Light: sweeper.Light, Watcher: watcher,
		HealthyInterval: healthy, UnhealthyInterval: o.Tray.Unhealthy,
	})
	if o.Textfile != "" {
		exporter := &fleet.Exporter{Textfile: o.Textfile, Log: logger}
		defer exporter.Close()
		sched.Subscribe(exporter.Report)
	}
	sched.Subscribe(out.report)
	sched.Run(ctx)
}

// lines writes a JSON line for each report that differs from the last
// written (fleet.Key). Reports come one at a time, on the scheduler's
// goroutine.
type lines struct {
	w, stderr io.Writer
	stop      context.CancelFunc // a write failed: the watch ends
	last      string
	unencoded string
	failed    error
}

func (l *lines) report(r status.Report) {
	key := fleet.Key(r)
	if key == l.last || l.failed != nil {
		return
	}
	err := status.WriteJSONLine(l.w, r)
	switch {
	case errors.Is(err, status.ErrEncode):
		// This report is skipped, said once; the next is tried.
		if err.Error() != l.unencoded {
			l.unencoded = err.Error()
			fmt.Fprintf(l.stderr, "halton-meter-bar: --watch: %v\n", err)
		}
	case err != nil:
		l.failed = err
		l.stop()
	default:
		l.last = key
	}
}
