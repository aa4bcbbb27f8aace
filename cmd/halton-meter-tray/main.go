// Command halton-meter-tray is Halton Meter Bar's menu-bar app. Users run
// halton-meter-bar, which becomes this program when asked for the menu bar;
// it takes the same flags. It never imports fyne (DESIGN.md §1): the
// details window is halton-meter-details, beside it.
package main

import (
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

	"github.com/haltonlabs/halton-meter-bar/app/cli"
	"github.com/haltonlabs/halton-meter-bar/app/desktop"
	"github.com/haltonlabs/halton-meter-bar/app/details/child"
	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/app/fleet"
	"github.com/haltonlabs/halton-meter-bar/app/monitor"
	"github.com/haltonlabs/halton-meter-bar/app/monitor/watch"
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
// it asks the running one to open its window, and leaves.
func runTray(cfg status.Config, o cli.Options, stderr io.Writer) int {
	dir, err := desktop.ConfigDir()
	if err != nil {
		fmt.Fprintf(stderr, "halton-meter-bar: %v\n", err)
		return 1
	}
	logger := log.New(stderr, "halton-meter-bar: ", log.LstdFlags)
	inst, err := desktop.Claim(dir, logger)
	var running desktop.AlreadyRunningError
	if errors.As(err, &running) {
		if os.Getenv("XPC_SERVICE_NAME") == desktop.LoginLabel {
			return 0 // Start at Login loaded us while the user's instance runs.
		}
		return bringForward(dir, running, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "halton-meter-bar: %v\n", err)
		return 1
	}
	defer inst.Close()

	exe, err := cli.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "halton-meter-bar: %v\n", err)
		return 1
	}
	// Start at Login runs the bundle's executable, halton-meter-bar, which
	// becomes this program.
	login := exe
	if bar := filepath.Join(filepath.Dir(exe), "halton-meter-bar"); isFile(bar) {
		login = bar
	}
	launchctl := status.Launchctl{Path: cfg.Launchctl}

	// Events (a process exit, a state file change) see a crash at once, so
	// the healthy poll may relax, but only when both are watched.
	watcher, healthy, stopEvents := cli.Events(cfg, o.Tray.Healthy, watch.Options{Log: logger, OnArmed: func(pids []int) {
		logger.Printf("watching processes %s", pidList(pids))
	}})
	defer stopEvents()
	// The status files, for fleet tools: status.json and status.plist
	// beside the settings, and halton_meter.prom where the settings say
	// (known once the monitor has read them, before its first report).
	exporter := &fleet.Exporter{Dir: dir, Log: logger}
	sweeper := &status.Sweeper{Cfg: cfg}
	defer sweeper.Wait() // no tool a sweep started outlives the app
	policy := monitor.DefaultPolicy
	policy.Grace, policy.Settle = o.Tray.Grace, o.Tray.Settle
	m := monitor.New(monitor.Options{
		Sweep:             sweeper.Full,
		Light:             sweeper.Light,
		Invalidate:        sweeper.Invalidate,
		Watcher:           watcher,
		OnReport:          exporter.Report,
		HealthyInterval:   healthy,
		UnhealthyInterval: o.Tray.Unhealthy,
		Policy:            policy,
		Notifier:          tray.Notifier(),
		SettingsPath:      filepath.Join(dir, "settings.json"),
		Log:               logger,
		Deps: monitor.Deps{
			Cfg: cfg, Launchctl: launchctl, UID: os.Getuid(),
			Opener: desktop.FromEnv(os.LookupEnv),
			Login:  desktop.LoginItem{Cfg: cfg, Launchctl: launchctl, UID: os.Getuid(), Executable: login},
		},
		NewWindow: func(snapshot func() wire.Message, request func(wire.Request)) monitor.Window {
			return child.New(child.Options{Path: child.Beside(exe), Env: cfg.Environ(), Snapshot: snapshot, OnRequest: request, Log: logger})
		},
	})
	exporter.Textfile = m.Settings().TextfileDir
	inst.Serve(func(cmd string) error {
		switch cmd {
		case desktop.CmdOpen:
			return m.OpenRow("")
		case desktop.CmdQuit:
			tray.Quit()
			return nil
		}
		return fmt.Errorf("unknown command %q", cmd)
	})
	reportStats(m, logger)
	if err := tray.Run(m, o.Tray.Monochrome); err != nil {
		fmt.Fprintf(stderr, "halton-meter-bar: %v\n", err)
		return 1
	}
	return 0
}

// reportStats logs the tray's own figures on SIGUSR1: what a soak test
// (make soak) reads to see that nothing grows, and how many sweeps were
// made, which the end-to-end tests wait on rather than on time.
func reportStats(m *monitor.Monitor, logger *log.Logger) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	go func() {
		for range sig {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			logger.Printf("stats: goroutines %d, heap %d KB, notifications not delivered %d, sweeps %d",
				runtime.NumGoroutine(), ms.HeapAlloc>>10, m.Dropped(), m.Sweeps())
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
