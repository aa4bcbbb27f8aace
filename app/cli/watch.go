package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/fleet"
	"github.com/haltonlabs/halton-meter-bar/app/monitor/watch"
	"github.com/haltonlabs/halton-meter-bar/app/scheduler"
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
// It polls as the tray does (--poll-healthy, --poll-unhealthy). It returns
// 0 when stopped so; 1 when it cannot write.
func Watch(ctx context.Context, cfg status.Config, o Options, stdout, stderr io.Writer) int {
	textfile := o.Textfile
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
	watcher, healthy, stopEvents := Events(cfg, o.Tray.Healthy, watch.Options{})
	defer stopEvents()
	sweeper := &status.Sweeper{Cfg: cfg}
	defer sweeper.Wait()
	exporter := &fleet.Exporter{Textfile: textfile, Log: logger}

	var last, unencoded string
	var failed error
	sched := scheduler.New(scheduler.Options{
		Full: sweeper.Full, Light: sweeper.Light, Watcher: watcher,
		HealthyInterval: healthy, UnhealthyInterval: o.Tray.Unhealthy,
	})
	if textfile != "" {
		sched.Subscribe(exporter.Report)
	}
	// Reports come one at a time, on the scheduler's goroutine.
	sched.Subscribe(func(r status.Report) {
		key := fleet.Key(r)
		if key == last || failed != nil {
			return
		}
		err := status.WriteJSONLine(stdout, r)
		switch {
		case errors.Is(err, status.ErrEncode):
			// This report is skipped, said once; the next is tried.
			if err.Error() != unencoded {
				unencoded = err.Error()
				fmt.Fprintf(stderr, "halton-meter-bar: --watch: %v\n", err)
			}
		case err != nil:
			failed = err
			cancel()
		default:
			last = key
		}
	})
	sched.Run(ctx)
	if failed != nil && !errors.Is(failed, syscall.EPIPE) {
		fmt.Fprintf(stderr, "halton-meter-bar: --watch: %v\n", failed)
		return 1
	}
	return 0
}
