package desktop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/haltonlabs/halton-meter-bar/internal/text"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// Opener opens URLs, folders and Terminal, and takes text for the
// clipboard: the OS's tools, or HALTON_BAR_OPENER's program.
type Opener interface {
	OpenURL(url string) error
	OpenPath(path string) error
	RunInTerminal(argv []string) error
	Copy(text string) error
}

// EnvOpener names a program that takes every open, terminal and copy
// request in place of the OS's tools: `PROGRAM url URL`, `PROGRAM path
// PATH`, `PROGRAM terminal ARGV…`, and `PROGRAM copy` with the text on
// stdin. Tests and scripts use it; so can a user with their own tools.
const EnvOpener = "HALTON_BAR_OPENER"

// FromEnv picks the opener: HALTON_BAR_OPENER's program when it is set,
// the OS's tools otherwise.
func FromEnv(lookup func(string) (string, bool)) Opener {
	if p, ok := lookup(EnvOpener); ok && p != "" {
		return CommandOpener{Path: p}
	}
	return System{}
}

// run runs one command of an action through the engine's runner: by
// absolute path, in its own process group, killed at status.ActionTimeout,
// and not waiting for children that keep its output open (a browser that
// xdg-open or open leaves running).
func run(in io.Reader, name string, args ...string) error {
	path, err := exec.LookPath(name)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), status.ActionTimeout)
	defer cancel()
	res, err := (&status.ExecRunner{WaitDelay: 100 * time.Millisecond}).RunInput(ctx, in, path, args...)
	if errors.Is(err, status.ErrTimeout) {
		return fmt.Errorf("%s timed out after %s", name, status.ActionTimeout)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if res.ExitCode != 0 {
		return errors.New(text.Clip(status.ExitReason(name, res), 200))
	}
	return nil
}

// System opens URLs, folders and Terminal with the OS's own tools: open
// and osascript on macOS, xdg-open and x-terminal-emulator elsewhere; it
// copies with pbcopy on macOS, and wl-copy, xclip or xsel elsewhere.
type System struct{}

// OpenURL implements Opener.
func (System) OpenURL(url string) error { return openWith(url) }

// OpenPath implements Opener.
func (System) OpenPath(path string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	return openWith(path)
}

func openWith(target string) error {
	if runtime.GOOS == "darwin" {
		return run(nil, "/usr/bin/open", target)
	}
	return run(nil, "xdg-open", target)
}

// RunInTerminal implements Opener. On macOS it has Terminal open a small
// .command file (`open -a Terminal FILE`), which asks for no permission:
// telling Terminal what to run (`osascript`, `do script`) is an Apple
// Event, which macOS lets an app send only once the user allowed it to
// control Terminal, and which waits out its timeout where nobody can.
func (System) RunInTerminal(argv []string) error {
	line := shellQuote(argv)
	if runtime.GOOS == "darwin" {
		path, err := WriteTerminalScript("", argv)
		if err != nil {
			return err
		}
		return run(nil, "/usr/bin/open", "-a", "Terminal", path)
	}
	// The terminal lives as long as the user keeps it: started, not waited
	// for, in a process group of its own, and reaped when it ends.
	path, err := exec.LookPath("x-terminal-emulator")
	if err != nil {
		return fmt.Errorf("open a terminal: %w", err)
	}
	cmd := exec.Command(path, "-e", "sh", "-c", line+`; exec "${SHELL:-sh}"`)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("open a terminal: %w", err)
	}
	go cmd.Wait()
	return nil
}

// TerminalScript is the .command file Terminal runs for argv: it removes
// itself and its folder first (it has been read by then), then runs argv.
func TerminalScript(argv []string) []byte {
	return []byte("#!/bin/sh\n# Halton Meter Bar: run in Terminal, then removed.\n" +
		"rm -f \"$0\"; rmdir \"$(dirname \"$0\")\" 2>/dev/null\n" + shellQuote(argv) + "\n")
}

// WriteTerminalScript writes argv's TerminalScript into a new folder of
// this user's alone (mode 0700) under dir ("" for the temporary folder),
// executable by the user alone, and returns its path.
func WriteTerminalScript(dir string, argv []string) (string, error) {
	folder, err := os.MkdirTemp(dir, "halton-meter-bar-")
	if err != nil {
		return "", fmt.Errorf("write the script for Terminal: %w", err)
	}
	path := filepath.Join(folder, "halton-meter.command")
	if err := os.WriteFile(path, TerminalScript(argv), 0o700); err != nil {
		os.RemoveAll(folder)
		return "", fmt.Errorf("write the script for Terminal: %w", err)
	}
	return path, nil
}

// shellQuote joins argv for a POSIX shell.
func shellQuote(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

// AppleScriptString quotes s as an AppleScript string literal.
func AppleScriptString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// Copy implements Opener.
func (System) Copy(s string) error {
	tools := [][]string{{"wl-copy"}, {"xclip", "-selection", "clipboard"}, {"xsel", "--clipboard", "--input"}}
	if runtime.GOOS == "darwin" {
		tools = [][]string{{"/usr/bin/pbcopy"}}
	}
	for _, t := range tools {
		if _, err := exec.LookPath(t[0]); err != nil {
			continue
		}
		return run(strings.NewReader(s), t[0], t[1:]...)
	}
	return errors.New("no clipboard tool found (pbcopy, wl-copy, xclip or xsel)")
}

// CommandOpener hands requests to the program of HALTON_BAR_OPENER.
type CommandOpener struct{ Path string }

// OpenURL implements Opener.
func (c CommandOpener) OpenURL(url string) error { return run(nil, c.Path, "url", url) }

// OpenPath implements Opener.
func (c CommandOpener) OpenPath(path string) error { return run(nil, c.Path, "path", path) }

// RunInTerminal implements Opener.
func (c CommandOpener) RunInTerminal(argv []string) error {
	return run(nil, c.Path, append([]string{"terminal"}, argv...)...)
}

// Copy implements Opener.
func (c CommandOpener) Copy(s string) error { return run(strings.NewReader(s), c.Path, "copy") }
