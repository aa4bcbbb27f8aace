// Command halton-meter-bar shows whether the local Halton Meter install is
// healthy: in the menu bar by default, or headless with --json or --table
// for scripts and terminals.
//
// This program links no GUI library: --json and --table run here and work
// over SSH with no display (and on Linux with no GTK installed), without
// paying for loading one. The menu-bar app is halton-meter-tray, beside
// this binary, which this program becomes (exec, same PID) when run with
// no --json or --table.
//
// Exit status of --json and --table: 0 healthy, 1 degraded, 2 down,
// 3 unknown or not installed, 64 usage error.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/haltonlabs/halton-meter-bar/app/cli"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	return cli.Main(args, version, stdout, stderr, func(cli.Options, status.Config) int {
		return execTray(args, stderr)
	})
}

// execTray becomes halton-meter-tray, found beside this binary (in the
// .app's Contents/MacOS, or in the build folder).
func execTray(args []string, stderr io.Writer) int {
	exe, err := cli.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "halton-meter-bar: %v\n", err)
		return 1
	}
	tray := filepath.Join(filepath.Dir(exe), "halton-meter-tray")
	err = syscall.Exec(tray, append([]string{tray}, args...), os.Environ())
	fmt.Fprintf(stderr, "halton-meter-bar: start the menu-bar app %s: %v\n", tray, err)
	return 1
}
