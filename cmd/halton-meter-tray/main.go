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
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/cli"
	"github.com/haltonlabs/halton-meter-bar/app/monitor"
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
	dir, err := monitor.ConfigDir()
	if err != nil {
		fmt.Fprintf(stderr, "halton-meter-bar: %v\n", err)
		return 1
	}
	lock, err := monitor.AcquireLock(filepath.Join(dir, "bar.lock"))
	var running monitor.ErrRunning
	if errors.As(err, &running) && os.Getenv("XPC_SERVICE_NAME") == monitor.LoginLabel {
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
	runner := &status.ExecRunner{}
	opener, clipboard := monitor.SystemEnv(os.LookupEnv)
	logger := log.New(stderr, "halton-meter-bar: ", log.LstdFlags)

	// Events (a process exit, a state file change) see a crash at once, so
	// the healthy poll can relax; without them, poll more often.
	var watcher monitor.Watcher
	healthy := o.Tray.Healthy
	if ew, err := monitor.NewEventWatcher(cfg); err == nil {
		defer ew.Close()
		watcher = ew
		if healthy == 0 {
			healthy = 30 * time.Second
		}
	} else {
		logger.Printf("polling only: %v", err)
		if healthy == 0 {
			healthy = 15 * time.Second
		}
	}
	sweeper := &status.Sweeper{Cfg: cfg}
	policy := monitor.DefaultPolicy
	policy.Grace = o.Tray.Grace
	details := &monitor.DetailsProcess{Path: monitor.DetailsBeside(exe), Env: cfg.Environ()}
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
		Env: monitor.Env{
			Cfg: cfg, Runner: runner, UID: os.Getuid(),
			Opener: opener, Clipboard: clipboard, Details: details,
			Login: monitor.LoginItem{Cfg: cfg, Runner: runner, UID: os.Getuid(), Executable: login},
		},
	})
	details.Monitor = m
	details.Log = logger
	defer details.Close()
	if err := tray.Run(m, o.Tray.Monochrome); err != nil {
		fmt.Fprintf(stderr, "halton-meter-bar: %v\n", err)
		return 1
	}
	return 0
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}
