package main

import (
	"flag"
	"io"
	"os"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// trayOptions are the flags of the menu-bar mode.
type trayOptions struct{}

func (t *trayOptions) register(fs *flag.FlagSet) {}

func (t *trayOptions) validate() error { return nil }

// runTray prints the table until the menu-bar tray exists.
func runTray(cfg status.Config, o options, stderr io.Writer) int {
	return headless(cfg, false, os.Stdout, stderr)
}
