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
	"path/filepath"
	"strings"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/cli"
	"github.com/haltonlabs/halton-meter-bar/app/desktop"
	"github.com/haltonlabs/halton-meter-bar/app/details/child"
	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/app/monitor"
	"github.com/haltonlabs/halton-meter-bar/app/monitor/watch"
	"github.com/haltonlabs/halton-meter-bar/app/tray"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	o, code, done := cli.Parse(os.Args[1:], version, os.Stderr)
	if done {
		os.Exit(code)
	}
	cfg := o.Config(version)
	if o.Headless() {
		os.Exit(cli.Headless(cfg, o.JSON, os.Stdout, os.Stderr))
	}
	os.Exit(runTray(cfg, o, os.Stderr))
}

// runTray runs the menu-bar app: one instance at a time.
func runTray(cfg status.Config, o cli.Options, stderr io.Writer) int {
	dir, err := desktop.ConfigDir()
	if err != nil {
		fmt.Fprintf(stderr, "halton-meter-bar: %v\n", err)
		return 1
	}
	lock, err := desktop.AcquireLock(filepath.Join(dir, "bar.lock"))
	var running desktop.AlreadyRunningError
	if errors.As(err, &running) && os.Getenv("XPC_SERVICE_NAME") == desktop.LoginLabel {
		return 0 // Start at Login loaded us while the user's instance runs.
	}
	if err != nil {
		fmt.Fprintf(stderr, "halton-meter-bar: %v\n", err)
		return 1
	}
	defer lock.Release()

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
	logger := log.New(stderr, "halton-meter-bar: ", log.LstdFlags)
	launchctl := status.Launchctl{Path: cfg.Launchctl}

	// Events (a process exit, a state file change) see a crash at once, so
	// the healthy poll may relax, but only when both are watched.
	var watcher monitor.Watcher
	healthy := o.Tray.Healthy
	ew, err := watch.New(cfg, watch.Options{Log: logger, OnArmed: func(pids []int) {
		logger.Printf("watching processes %s", pidList(pids))
	}})
	switch {
	case err != nil:
		logger.Printf("polling only: %v", err)
	case !ew.Covers():
		logger.Printf("some changes are not watched: polling as often as without events")
	}
	if err == nil {
		defer ew.Close()
		watcher = ew
	}
	if healthy == 0 {
		healthy = 15 * time.Second
		if err == nil && ew.Covers() {
			healthy = 30 * time.Second
		}
	}
	sweeper := &status.Sweeper{Cfg: cfg}
	policy := monitor.DefaultPolicy
	policy.Grace = o.Tray.Grace
	m := monitor.New(monitor.Options{
		Sweep:             sweeper.Full,
		Light:             sweeper.Light,
		Watcher:           watcher,
		HealthyInterval:   healthy,
		UnhealthyInterval: o.Tray.Unhealthy,
		Policy:            policy,
		Notifier:          tray.Notifier{},
		SettingsPath:      filepath.Join(dir, "settings.json"),
		Log:               logger,
		Deps: monitor.Deps{
			Cfg: cfg, Launchctl: launchctl, UID: os.Getuid(),
			Opener: desktop.FromEnv(os.LookupEnv),
			Login:  desktop.LoginItem{Cfg: cfg, Launchctl: launchctl, UID: os.Getuid(), Executable: login},
		},
		NewWindow: func(snapshot func() wire.Message, request func(action.ID)) monitor.Window {
			return child.New(child.Options{Path: child.Beside(exe), Env: cfg.Environ(), Snapshot: snapshot, OnRequest: request, Log: logger})
		},
	})
	if err := tray.Run(m, o.Tray.Monochrome); err != nil {
		fmt.Fprintf(stderr, "halton-meter-bar: %v\n", err)
		return 1
	}
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
