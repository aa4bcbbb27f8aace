package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/monitor"
	"github.com/haltonlabs/halton-meter-bar/app/tray"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// trayOptions are the flags of the menu-bar mode.
type trayOptions struct {
	healthy, unhealthy, grace time.Duration
	monochrome                bool
}

func (t *trayOptions) register(fs *flag.FlagSet) {
	fs.DurationVar(&t.healthy, "poll-healthy", 15*time.Second, "tray: time between sweeps while all is healthy")
	fs.DurationVar(&t.unhealthy, "poll-unhealthy", 5*time.Second, "tray: time between sweeps while anything is not healthy")
	fs.DurationVar(&t.grace, "grace", monitor.DefaultPolicy.Grace, "tray: how long a row stays out of healthy before a notification")
	fs.BoolVar(&t.monochrome, "monochrome", false, "tray: monochrome (template) icons that follow the menu bar's appearance")
}

func (t *trayOptions) validate() error {
	for name, d := range map[string]time.Duration{"--poll-healthy": t.healthy, "--poll-unhealthy": t.unhealthy} {
		if d < 100*time.Millisecond || d > time.Hour {
			return fmt.Errorf("%s %s is out of range (100ms to 1h)", name, d)
		}
	}
	if t.grace < 0 || t.grace > time.Hour {
		return fmt.Errorf("--grace %s is out of range (0 to 1h)", t.grace)
	}
	return nil
}

// runTray runs the menu-bar app: one instance at a time.
func runTray(cfg status.Config, o options, stderr io.Writer) int {
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

	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		fmt.Fprintf(stderr, "halton-meter-bar: find my executable: %v\n", err)
		return 1
	}
	runner := &status.ExecRunner{}
	opener, clipboard := monitor.SystemEnv(os.LookupEnv)
	policy := monitor.DefaultPolicy
	policy.Grace = o.tray.grace
	details := &monitor.DetailsProcess{Path: monitor.DetailsBeside(exe), Env: cfg.Environ()}
	m := monitor.New(monitor.Options{
		Sweep:             func(ctx context.Context) status.Report { return status.Check(ctx, cfg) },
		HealthyInterval:   o.tray.healthy,
		UnhealthyInterval: o.tray.unhealthy,
		Policy:            policy,
		Notifier:          tray.Notifier{},
		SettingsPath:      filepath.Join(dir, "settings.json"),
		Env: monitor.Env{
			Cfg: cfg, Runner: runner, UID: os.Getuid(),
			Opener: opener, Clipboard: clipboard, Details: details,
			Login: monitor.LoginItem{Cfg: cfg, Runner: runner, UID: os.Getuid(), Executable: exe},
		},
	})
	details.Monitor = m
	details.Log = log.New(stderr, "halton-meter-bar: ", log.LstdFlags)
	defer details.Close()
	if err := tray.Run(m, o.tray.monochrome); err != nil {
		fmt.Fprintf(stderr, "halton-meter-bar: %v\n", err)
		return 1
	}
	return 0
}
