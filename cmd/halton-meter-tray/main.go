// Command halton-meter-tray is Halton Meter Bar's menu-bar app. Users run
// halton-meter-bar, which becomes this program when asked for the menu bar;
// it takes the same flags. It never imports fyne (DESIGN.md §1): the
// details window is halton-meter-details, beside it.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/alert"
	"github.com/haltonlabs/halton-meter-bar/app/cli"
	"github.com/haltonlabs/halton-meter-bar/app/desktop"
	"github.com/haltonlabs/halton-meter-bar/app/desktop/macos"
	"github.com/haltonlabs/halton-meter-bar/app/details/child"
	"github.com/haltonlabs/halton-meter-bar/app/fleet"
	"github.com/haltonlabs/halton-meter-bar/app/monitor"
	"github.com/haltonlabs/halton-meter-bar/app/monitor/watch"
	"github.com/haltonlabs/halton-meter-bar/app/present"
	"github.com/haltonlabs/halton-meter-bar/app/scheduler"
	"github.com/haltonlabs/halton-meter-bar/app/tray"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(cli.Main(os.Args[1:], version, os.Stdout, os.Stderr, func(o cli.Options, cfg status.Config) int {
		return runTray(cfg, o, os.Stderr)
	}))
}

// runTray runs the menu-bar app: one instance at a time. Launched again,
// it asks the running one to open its window, and leaves. It owns the
// app's context and every part's lifetime: the scheduler, the monitor, the
// watchers, the sweeps' tools.
func runTray(cfg status.Config, o cli.Options, stderr io.Writer) int {
	dir, err := desktop.ConfigDir()
	if err != nil {
		fmt.Fprintf(stderr, "halton-meter-bar: %v\n", err)
		return 1
	}
	if err := cli.TrustedOutput(dir); err != nil {
		fmt.Fprintf(stderr, "halton-meter-bar: the settings folder %s: %v\n", dir, err)
		return cli.ExitUsage
	}
	logger := log.New(stderr, "halton-meter-bar: ", log.LstdFlags)
	inst, code, ok := claim(dir, logger, stderr)
	if !ok {
		return code
	}
	defer inst.Close()
	exe, err := cli.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "halton-meter-bar: %v\n", err)
		return 1
	}
	a := assemble(cfg, o, dir, exe, logger)
	defer a.close()
	if tf := a.monitor.Settings().TextfileDir; tf != "" {
		if err := cli.TrustedOutput(tf); err != nil {
			fmt.Fprintf(stderr, "halton-meter-bar: prometheus_textfile_dir %s: %v\n", tf, err)
			return cli.ExitUsage
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	monitorDone := make(chan struct{})
	go func() { a.monitor.Run(ctx); close(monitorDone) }()
	go a.sweeps.Run(ctx)
	inst.Serve(func(cmd string) error {
		switch cmd {
		case desktop.CmdOpen:
			return a.monitor.OpenRow("")
		case desktop.CmdQuit:
			cancel()
			return nil
		}
		return fmt.Errorf("unknown command %q", cmd)
	})
	reportStats(a, logger)
	err = tray.Run(ctx, a.monitor, o.Tray.Monochrome)
	cancel()
	// The monitor closes the details window as it stops.
	select {
	case <-monitorDone:
	case <-time.After(10 * time.Second):
	}
	if err != nil {
		fmt.Fprintf(stderr, "halton-meter-bar: %v\n", err)
		return 1
	}
	return 0
}

// claim makes this process the running instance; ok is false when it
// should leave with code: another runs (it was asked to open its window),
// or the lock cannot be had.
func claim(dir string, logger *log.Logger, stderr io.Writer) (inst *desktop.Instance, code int, ok bool) {
	inst, err := desktop.Claim(dir, logger)
	var running desktop.AlreadyRunningError
	switch {
	case errors.As(err, &running) && os.Getenv("XPC_SERVICE_NAME") == desktop.LoginLabel:
		return nil, 0, false // Start at Login loaded us while the user's instance runs.
	case errors.As(err, &running):
		return nil, bringForward(dir, running, stderr), false
	case err != nil:
		fmt.Fprintf(stderr, "halton-meter-bar: %v\n", err)
		return nil, 1, false
	}
	return inst, 0, true
}

// app is the tray's parts, wired together.
type app struct {
	sweeper    *status.Sweeper
	sweeps     *scheduler.Scheduler
	monitor    *monitor.Monitor
	exporter   *fleet.Exporter
	stopEvents func()
}

// assemble wires the parts: the engine's sweeper, the watchers, the
// scheduler, and its subscribers, the monitor and the status files.
func assemble(cfg status.Config, o cli.Options, dir, exe string, logger *log.Logger) *app {
	// Events (a process exit, a state file change) see a crash at once, so
	// the healthy poll may relax, but only when both are watched.
	watcher, healthy, stopEvents := cli.Events(cfg, o.Tray.Healthy, watch.Options{Log: logger, OnArmed: func(pids []int) {
		logger.Printf("watching processes %s", pidList(pids))
	}})
	a := &app{sweeper: &status.Sweeper{Cfg: cfg}, stopEvents: stopEvents}
	a.sweeps = scheduler.New(scheduler.Options{
		Full: a.sweeper.Full, Light: a.sweeper.Light, Invalidate: a.sweeper.Invalidate,
		Watcher: watcher, HealthyInterval: healthy, UnhealthyInterval: o.Tray.Unhealthy, Log: logger,
	})
	policy := monitor.DefaultPolicy
	policy = policy.WithGrace(o.Tray.Grace)
	policy.Settle = o.Tray.Settle
	launchctl := status.Launchctl{Path: cfg.Launchctl}
	center := tray.Alerts(logger)
	poster := alert.PosterOf(center)
	logger.Printf("alerts: posted through %s: %s", poster.Via, present.PosterName(poster))
	bundleID := macos.BundleID()
	a.monitor = monitor.New(monitor.Options{
		Sweeps:       a.sweeps,
		Policy:       policy,
		Center:       center,
		SettingsPath: filepath.Join(dir, "settings.json"),
		Log:          logger,
		Deps: action.Deps{
			Cfg: cfg, Launchctl: launchctl, UID: os.Getuid(),
			Opener:   desktop.FromEnv(os.LookupEnv),
			Login:    loginItem(desktop.LoginItem{Cfg: cfg, Launchctl: launchctl, UID: os.Getuid(), Executable: loginExecutable(exe), BundleID: bundleID}, logger),
			BundleID: bundleID,
		},
		NewWindow: child.ForMonitor(child.Beside(exe), cfg.Environ(), logger),
	})
	a.sweeps.Subscribe(a.monitor.Record)
	a.sweeps.OnWake(a.monitor.Woke)
	// The status files, for fleet tools: status.json and status.plist
	// beside the settings, and halton_meter.prom where the settings say.
	a.exporter = &fleet.Exporter{Dir: dir, Textfile: a.monitor.Settings().TextfileDir, Log: logger}
	a.sweeps.Subscribe(a.exporter.Report)
	return a
}

// close ends what outlives the loops: the watchers, then the sweeps'
// tools (no process a sweep started outlives the app).
func (a *app) close() {
	a.stopEvents()
	a.sweeper.Wait()
	a.exporter.Close()
}

// loginItem is Start at Login: the app itself on macOS 13 and later, run
// from its bundle, where a LaunchAgent an earlier version wrote is moved
// once; else that LaunchAgent.
func loginItem(agent desktop.LoginItem, logger *log.Logger) action.LoginItem {
	svc, err := macos.NewMainApp()
	if err != nil {
		logger.Printf("start at login: a LaunchAgent (%v)", err)
		return agent
	}
	app := desktop.AppLogin{Service: svc, Legacy: agent}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	switch moved, err := app.Migrate(ctx); {
	case err != nil:
		logger.Print(err)
	case moved:
		logger.Print("start at login: moved from the LaunchAgent to the app's own login item")
	}
	logger.Printf("start at login: the app's own login item, %s", app.State())
	return app
}

// loginExecutable is what Start at Login runs: the bundle's executable,
// halton-meter-bar, which becomes this program.
func loginExecutable(exe string) string {
	if bar := filepath.Join(filepath.Dir(exe), "halton-meter-bar"); isFile(bar) {
		return bar
	}
	return exe
}

// reportStats logs the tray's own figures on SIGUSR1: what a soak test
// (make soak) reads to see that nothing grows, and how many sweeps were
// made, which the end-to-end tests wait on rather than on time.
func reportStats(a *app, logger *log.Logger) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	go func() {
		for range sig {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			logger.Printf("stats: goroutines %d, heap %d KB, notifications not delivered %d, sweeps %d",
				runtime.NumGoroutine(), ms.HeapAlloc>>10, a.monitor.Dropped(), a.sweeps.Sweeps())
		}
	}()
}

// bringForward asks the running instance to open its details window: how
// a user gets back to an icon hidden behind the notch or a crowded menu bar.
func bringForward(dir string, running desktop.AlreadyRunningError, stderr io.Writer) int {
	pid, err := desktop.Ask(dir, desktop.CmdOpen)
	if err != nil {
		fmt.Fprintf(stderr, "halton-meter-bar: %v, and it did not answer: %v\n", running, err)
		return 1
	}
	fmt.Fprintf(stderr, "halton-meter-bar: already running (PID %d): opened its window\n", pid)
	return 0
}

func pidList(pids []int) string {
	if len(pids) == 0 {
		return "(none)"
	}
	s := make([]string, len(pids))
	for i, p := range pids {
		s[i] = fmt.Sprint(p)
	}
	return strings.Join(s, ", ")
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}
