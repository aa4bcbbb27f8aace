package monitor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// Opener opens what actions point at. Tests replace it, so no test ever
// starts a browser or a terminal.
type Opener interface {
	OpenURL(url string) error
	OpenPath(path string) error
	RunInTerminal(argv []string) error
}

// Clipboard takes text for the user to paste.
type Clipboard interface {
	Copy(text string) error
}

// Notifier shows a native notification.
type Notifier interface {
	Notify(title, body string) error
}

// Details opens the details window, focused on a row ("" for none).
type Details interface {
	Open(component string) error
	// Available reports whether the window can be opened at all.
	Available() bool
}

// Env is what actions touch outside the process.
type Env struct {
	Cfg       status.Config
	Runner    status.Runner
	UID       int
	Opener    Opener
	Clipboard Clipboard
	Details   Details
	Login     LoginItem
}

// actionTimeout bounds a launchctl call made by an action.
const actionTimeout = 10 * time.Second

// Do carries out a menu action. A failure is announced in a notification
// (whatever the notifications setting: the user asked for this) and
// returned; it never takes the app down.
func (m *Monitor) Do(ctx context.Context, id ActionID) error {
	err := m.do(ctx, id)
	if err != nil {
		m.notify(Notification{Title: failureTitle[id], Body: err.Error()}, true)
	}
	return err
}

var failureTitle = map[ActionID]string{
	ActOpenDetails:   "Couldn't open the details window",
	ActOpenDashboard: "Couldn't open the dashboard",
	ActStartDaemon:   "Couldn't start the daemon",
	ActRunDoctor:     "Couldn't run halton-meter doctor",
	ActCopyJSON:      "Couldn't copy the status",
	ActOpenLogs:      "Couldn't open the logs folder",
	ActNotifications: "Couldn't save the setting",
	ActStartAtLogin:  "Couldn't change Start at Login",
	ActInstall:       "Couldn't open the install guide",
}

func (m *Monitor) do(ctx context.Context, id ActionID) error {
	env := m.env
	r, ok := m.Report()
	switch id {
	case ActRefresh:
		m.Refresh()
	case ActOpenDetails:
		return m.OpenDetails("")
	case ActOpenDashboard:
		if !ok {
			return errors.New("no status yet")
		}
		return env.Opener.OpenURL("http://" + r.Listeners.FastAPI.Address + "/")
	case ActStartDaemon:
		err := m.startDaemon(ctx, r)
		m.Refresh()
		return err
	case ActRunDoctor:
		return env.Opener.RunInTerminal([]string{haltonMeter(env.Cfg), "doctor"})
	case ActCopyJSON:
		if !ok {
			return errors.New("no status yet")
		}
		var b bytes.Buffer
		if err := status.WriteJSON(&b, r); err != nil {
			return err
		}
		return env.Clipboard.Copy(b.String())
	case ActOpenLogs:
		return env.Opener.OpenPath(env.Cfg.LogsDir())
	case ActInstall:
		return env.Opener.OpenURL(status.InstallDocsURL)
	case ActNotifications:
		return m.setNotifications(!m.Settings().Notifications)
	case ActStartAtLogin:
		var err error
		if env.Login.Enabled() {
			err = env.Login.Disable(ctx)
		} else {
			err = env.Login.Enable(ctx)
		}
		m.republish()
		return err
	case ActQuit:
	default:
		return fmt.Errorf("unknown action %q", id)
	}
	return nil
}

// OpenRow opens the details window focused on a row, announcing a failure
// as Do does.
func (m *Monitor) OpenRow(component string) error {
	err := m.OpenDetails(component)
	if err != nil {
		m.notify(Notification{Title: failureTitle[ActOpenDetails], Body: err.Error()}, true)
	}
	return err
}

// OpenDetails opens the details window on a row.
func (m *Monitor) OpenDetails(component string) error {
	if m.env.Details == nil || !m.env.Details.Available() {
		return errors.New("halton-meter-details is not installed next to halton-meter-bar")
	}
	return m.env.Details.Open(component)
}

// startDaemon does what `halton-meter start` does for launchd: loads the
// daemon and the watchdog if `halton-meter stop` booted them out, then
// `launchctl kickstart -k`, which starts the daemon or restarts it.
func (m *Monitor) startDaemon(ctx context.Context, r status.Report) error {
	env := m.env
	domain := fmt.Sprintf("gui/%d", env.UID)
	run := func(args ...string) error {
		res, err := status.RunTool(ctx, env.Runner, "launchctl", env.Cfg.Launchctl, actionTimeout, args...)
		if err != nil {
			return err
		}
		if res.ExitCode != 0 && !(args[0] == "bootstrap" && res.ExitCode == 5) { // 5: already loaded
			return errors.New(status.ExitReason("launchctl "+args[0], res))
		}
		return nil
	}
	for _, j := range []status.Job{r.Daemon, r.Watchdog} {
		if !j.Loaded {
			if err := run("bootstrap", domain, env.Cfg.PlistPath(j.Label)); err != nil {
				return err
			}
		}
	}
	if err := run("kickstart", "-k", domain+"/"+status.LabelDaemon); err != nil {
		return err
	}
	if r.Watchdog.PID == nil {
		return run("kickstart", domain+"/"+status.LabelWatchdog)
	}
	return nil
}

// haltonMeter is the halton-meter the daemon's plist runs, so doctor runs
// the same install whatever the Terminal's PATH says.
func haltonMeter(cfg status.Config) string {
	if a, err := status.ReadLaunchAgent(cfg.PlistPath(status.LabelDaemon)); err == nil && a.Executable() != "" {
		return a.Executable()
	}
	return "halton-meter"
}

// SystemOpener opens URLs, folders and Terminal with the OS's own tools:
// open and osascript on macOS, xdg-open and x-terminal-emulator elsewhere.
type SystemOpener struct{}

// OpenURL implements Opener.
func (SystemOpener) OpenURL(url string) error { return openWith(url) }

// OpenPath implements Opener.
func (SystemOpener) OpenPath(path string) error {
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
func (SystemOpener) RunInTerminal(argv []string) error {
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
	ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
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

// SystemClipboard copies with pbcopy on macOS, and wl-copy, xclip or xsel
// elsewhere.
type SystemClipboard struct{}

// Copy implements Clipboard.
func (SystemClipboard) Copy(text string) error {
	tools := [][]string{{"wl-copy"}, {"xclip", "-selection", "clipboard"}, {"xsel", "--clipboard", "--input"}}
	if runtime.GOOS == "darwin" {
		tools = [][]string{{"/usr/bin/pbcopy"}}
	}
	for _, t := range tools {
		path, err := exec.LookPath(t[0])
		if err != nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
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

// Copy implements Clipboard.
func (c CommandOpener) Copy(text string) error { return c.run(text, "copy") }

func (c CommandOpener) run(stdin string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Path, args...)
	cmd.Stdin = strings.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %v %s", c.Path, args[0], err, strings.TrimSpace(string(out)))
	}
	return nil
}

// SystemEnv picks the opener and clipboard: HALTON_BAR_OPENER's program
// when it is set, the OS's tools otherwise.
func SystemEnv(lookup func(string) (string, bool)) (Opener, Clipboard) {
	if p, ok := lookup(EnvOpener); ok && p != "" {
		c := CommandOpener{Path: p}
		return c, c
	}
	return SystemOpener{}, SystemClipboard{}
}
