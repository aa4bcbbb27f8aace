// Command packaging assembles Halton Meter Bar.app and the release's
// Homebrew cask; packaging/release.sh runs it for `make app` and
// `make cask` (see packaging/README.md).
//
//	go run ./packaging assemble --out dist --describe D --commits N --bar BIN --tray BIN --details BIN
//	go run ./packaging cask --describe D --commits N [--zip dist/HaltonMeterBar-1.2.3.zip]
//	go run ./packaging artifact --describe D --commits N --ext .zip
//	go run ./packaging agent --exe PATH   (the login agent Start at Login writes)
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/haltonlabs/halton-meter-bar/app/desktop"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "packaging:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("want assemble, cask or artifact")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	describe := fs.String("describe", "", "git describe --tags --always --dirty")
	commits := fs.String("commits", "0", "git rev-list --count HEAD")
	out := fs.String("out", "dist", "where the bundle goes")
	bar := fs.String("bar", "", "the halton-meter-bar binary")
	tray := fs.String("tray", "", "the halton-meter-tray binary")
	details := fs.String("details", "", "the halton-meter-details binary")
	zip := fs.String("zip", "", "the release zip, for the cask's SHA-256")
	ext := fs.String("ext", ".zip", "the artifact's extension")
	exe := fs.String("exe", "", "agent: the executable Start at Login runs")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if args[0] == "agent" {
		// The login agent Start at Login writes, for plutil -lint on a Mac.
		if *exe == "" {
			return fmt.Errorf("agent needs --exe")
		}
		b, err := desktop.AgentPlist(*exe, BundleID)
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(b)
		return err
	}
	v, err := ParseVersion(*describe, *commits)
	if err != nil {
		return err
	}
	switch args[0] {
	case "assemble":
		if *bar == "" || *tray == "" || *details == "" {
			return fmt.Errorf("assemble needs --bar, --tray and --details")
		}
		app, err := Assemble(*out, v, *bar, *tray, *details)
		if err != nil {
			return err
		}
		abs, _ := filepath.Abs(app)
		fmt.Println(abs)
	case "cask":
		sha, err := fileSHA256(*zip)
		if err != nil {
			return err
		}
		fmt.Print(Cask(v, sha))
	case "artifact":
		fmt.Println(v.Artifact(*ext))

	default:
		return fmt.Errorf("unknown command %q", args[0])
	}
	return nil
}
