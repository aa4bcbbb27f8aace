// Command halton-meter-details is the details window of Halton Meter Bar.
// The tray starts it and talks to it over stdin and stdout, in the line
// protocol of app/details/wire; started on its own, it sweeps the engine
// itself (app/details/standalone). It never imports getlantern/systray
// (DESIGN.md §1).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/desktop"
	"github.com/haltonlabs/halton-meter-bar/app/details"
	alone "github.com/haltonlabs/halton-meter-bar/app/details/standalone"
	"github.com/haltonlabs/halton-meter-bar/app/scheduler"
	"github.com/haltonlabs/halton-meter-bar/assets/draw"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	fs := flag.NewFlagSet("halton-meter-details", flag.ContinueOnError)
	focus := fs.String("focus", "", "highlight this component's row")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if err == flag.ErrHelp {
			os.Exit(0)
		}
		os.Exit(64)
	}
	if *showVersion {
		fmt.Println("halton-meter-details", version)
		return
	}
	logger := log.New(os.Stderr, "halton-meter-details: ", log.LstdFlags)

	a := app.NewWithID("com.haltonlabs.meter.bar.details")
	a.SetIcon(fyne.NewStaticResource("halton-meter.png", draw.PNG(draw.AppIcon(256))))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var v *details.View
	done := make(chan struct{})
	if fromTray() {
		v = details.NewView(a, details.NewChildSink(os.Stdout), time.Now, desktop.OSDescription())
		go details.ReadMessages(os.Stdin, v, a, logger, done)
	} else {
		v = standalone(ctx, a, logger)
	}
	if *focus != "" {
		v.Focus(status.ComponentName(*focus))
	}
	go details.Tick(ctx, v)
	v.Window().ShowAndRun()
	if details.Headless() {
		<-done // the test driver's run loop does not wait
	}
}

// standalone is the window on its own: a scheduler of its own sweeps the
// engine (light sweeps between full ones, as the tray's: no launchctl
// process every 15 s for a window left open), and its buttons act here.
func standalone(ctx context.Context, a fyne.App, logger *log.Logger) *details.View {
	cfg := status.ConfigFromEnv()
	cfg.BarVersion = version
	sweeper := &status.Sweeper{Cfg: cfg}
	sweeps := scheduler.New(scheduler.Options{Full: sweeper.Full, Light: sweeper.Light, Invalidate: sweeper.Invalidate, Log: logger})
	src := alone.New(ctx, sweeps, action.Deps{Cfg: cfg, Launchctl: status.Launchctl{Path: cfg.Launchctl}, UID: os.Getuid(),
		Opener: desktop.FromEnv(os.LookupEnv)})
	v := details.NewView(a, src, time.Now, desktop.OSDescription())
	details.Follow(v, src)
	sweeps.Subscribe(src.Record)
	go sweeps.Run(ctx)
	return v
}

// fromTray reports whether stdin is a pipe, as when the tray starts us.
func fromTray() bool {
	st, err := os.Stdin.Stat()
	return err == nil && st.Mode()&os.ModeNamedPipe != 0
}
