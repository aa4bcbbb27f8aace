package desktop

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/haltonlabs/halton-meter-bar/status"
)

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
	tool := "xdg-open"
	if runtime.GOOS == "darwin" {
		tool = "/usr/bin/open"
	}
	return runQuick(tool, target)
}

// RunInTerminal implements Opener.
func (System) RunInTerminal(argv []string) error {
	line := shellQuote(argv)
	if runtime.GOOS == "darwin" {
		script := fmt.Sprintf("tell application \"Terminal\"\n  do script %s\n  activate\nend tell", appleScriptString(line))
		return runQuick("/usr/bin/osascript", "-e", script)
	}
	cmd := exec.Command("x-terminal-emulator", "-e", "sh", "-c", line+`; exec "${SHELL:-sh}"`)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("open a terminal: %w", err)
	}
	go cmd.Wait()
	return nil
}

// runQuick runs a tool that should return at once, with a timeout.
func runQuick(name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), status.LaunchctlTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		if msg := strings.TrimSpace(string(out)); msg != "" {
			return fmt.Errorf("%s: %v: %s", name, err, msg)
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// shellQuote joins argv for a POSIX shell.
func shellQuote(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

func appleScriptString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// Copy implements Opener.
func (System) Copy(text string) error {
	tools := [][]string{{"wl-copy"}, {"xclip", "-selection", "clipboard"}, {"xsel", "--clipboard", "--input"}}
	if runtime.GOOS == "darwin" {
		tools = [][]string{{"/usr/bin/pbcopy"}}
	}
	for _, t := range tools {
		path, err := exec.LookPath(t[0])
		if err != nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), status.LaunchctlTimeout)
		cmd := exec.CommandContext(ctx, path, t[1:]...)
		cmd.Stdin = strings.NewReader(text)
		err = cmd.Run()
		cancel()
		if err != nil {
			return fmt.Errorf("%s: %w", t[0], err)
		}
		return nil
	}
	return errors.New("no clipboard tool found (pbcopy, wl-copy, xclip or xsel)")
}

// EnvOpener names a program that takes every open, terminal and copy
// request in place of the OS's tools: `PROGRAM url URL`, `PROGRAM path
// PATH`, `PROGRAM terminal ARGV…`, and `PROGRAM copy` with the text on
// stdin. Tests and scripts use it; so can a user with their own tools.
const EnvOpener = "HALTON_BAR_OPENER"

// CommandOpener hands requests to the program of HALTON_BAR_OPENER.
type CommandOpener struct{ Path string }

// OpenURL implements Opener.
func (c CommandOpener) OpenURL(url string) error { return c.run("", "url", url) }

// OpenPath implements Opener.
func (c CommandOpener) OpenPath(path string) error { return c.run("", "path", path) }

// RunInTerminal implements Opener.
func (c CommandOpener) RunInTerminal(argv []string) error {
	return c.run("", append([]string{"terminal"}, argv...)...)
}

// Copy implements Opener.
func (c CommandOpener) Copy(text string) error { return c.run(text, "copy") }

func (c CommandOpener) run(stdin string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), status.LaunchctlTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Path, args...)
	cmd.Stdin = strings.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %v %s", c.Path, args[0], err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Opener opens URLs, folders and Terminal, and takes text for the
// clipboard: the OS's tools, or HALTON_BAR_OPENER's program.
type Opener interface {
	OpenURL(url string) error
	OpenPath(path string) error
	RunInTerminal(argv []string) error
	Copy(text string) error
}

// FromEnv picks the opener: HALTON_BAR_OPENER's program when it is set,
// the OS's tools otherwise.
func FromEnv(lookup func(string) (string, bool)) Opener {
	if p, ok := lookup(EnvOpener); ok && p != "" {
		return CommandOpener{Path: p}
	}
	return System{}
}
