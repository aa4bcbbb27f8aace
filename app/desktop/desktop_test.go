package desktop

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/internal/testwait"

	"howett.net/plist"

	"github.com/haltonlabs/halton-meter-bar/status"
	"github.com/haltonlabs/halton-meter-bar/status/statustest"
)

// loginWorld is a statustest world whose launchctl records its arguments
// and fails bootout when FAIL_BOOTOUT is set.
func loginWorld(t *testing.T) (LoginItem, string) {
	w := statustest.New(t, "apps")
	log := filepath.Join(w.Dir, "launchctl.log")
	w.Tool("launchctl", `echo "$*" >> `+log+`
[ "$1" = bootout ] && [ "$FAIL_BOOTOUT" = 1 ] && { echo "Boot-out failed: 5: Input/output error" >&2; exit 5; }
exit 0`)
	cfg := status.ConfigFromEnviron(w.Env())
	return LoginItem{Cfg: cfg, Launchctl: status.Launchctl{Path: cfg.Launchctl}, UID: 501,
		Executable: "/Applications/Halton Meter Bar.app/Contents/MacOS/halton-meter-bar"}, log
}

func readLog(path string) string {
	b, _ := os.ReadFile(path)
	return strings.TrimSpace(string(b))
}

func TestLoginItem(t *testing.T) {
	l, log := loginWorld(t)
	ctx := context.Background()
	if l.State() == LoginOn {
		t.Fatal("enabled from the start")
	}
	if err := l.Enable(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(l.Path())
	if err != nil {
		t.Fatal(err)
	}
	var agent map[string]any
	if _, err := plist.Unmarshal(b, &agent); err != nil {
		t.Fatal(err)
	}
	if agent["Label"] != LoginLabel || agent["RunAtLoad"] != true || agent["LimitLoadToSessionType"] != "Aqua" {
		t.Errorf("agent %v", agent)
	}
	if args, _ := agent["ProgramArguments"].([]any); len(args) != 1 || args[0] != l.Executable {
		t.Errorf("ProgramArguments %v", agent["ProgramArguments"])
	}
	if _, present := agent["KeepAlive"]; present {
		t.Error("a login item must not be kept alive: the user may quit it")
	}
	if _, present := agent["AssociatedBundleIdentifiers"]; present {
		t.Error("a bare binary's agent names an app")
	}
	if err := l.Disable(ctx); err != nil {
		t.Fatal(err)
	}
	if l.State() == LoginOn {
		t.Error("still enabled")
	}
	want := "bootstrap gui/501 " + l.Path() + "\nbootout gui/501/" + LoginLabel
	if got := readLog(log); got != want {
		t.Errorf("launchctl ran\n%s\nwant\n%s", got, want)
	}

	// launchctl refuses the bootout: the error says so, and the plist stays.
	l.Enable(ctx)
	t.Setenv("FAIL_BOOTOUT", "1")
	err = l.Disable(ctx)
	var le *status.LaunchctlError
	if !errors.As(err, &le) || le.ExitCode != 5 || !strings.Contains(err.Error(), "unload the login agent: launchctl bootout exited 5: Boot-out failed") {
		t.Errorf("disable with a failing bootout: %v", err)
	}
	if l.State() != LoginOn {
		t.Error("the plist went although launchd still has the job")
	}
	t.Setenv("FAIL_BOOTOUT", "")

	// Started by that very agent: unchecking must not boot this process out.
	os.Remove(log)
	t.Setenv("XPC_SERVICE_NAME", LoginLabel)
	if err := l.Disable(ctx); err != nil || l.State() == LoginOn {
		t.Fatalf("disable: %v", err)
	}
	if got := readLog(log); got != "" {
		t.Errorf("launchctl ran %q", got)
	}
}

// TestLoginItemFollowsNoLink: a link planted where the login agent's plist
// goes (to a file the one running the app may write) is replaced, its
// target untouched; one planted as its folder is refused; and a link is
// never taken for the agent being installed.
func TestLoginItemFollowsNoLink(t *testing.T) {
	l, _ := loginWorld(t)
	victim := filepath.Join(t.TempDir(), "root-only")
	os.WriteFile(victim, []byte("keep"), 0o600)
	os.Symlink(victim, l.Path())
	if l.State() == LoginOn {
		t.Error("a link counts as the agent")
	}
	if err := l.Enable(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("the link's target was overwritten: %q", b)
	}
	if st, err := os.Lstat(l.Path()); err != nil || !st.Mode().IsRegular() || l.State() != LoginOn {
		t.Errorf("the agent: %v %v", st.Mode(), err)
	}
	agents := filepath.Dir(l.Path())
	os.RemoveAll(agents)
	elsewhere := t.TempDir()
	os.Symlink(elsewhere, agents)
	if err := l.Enable(context.Background()); err == nil || !strings.Contains(err.Error(), "a link is not followed") {
		t.Errorf("through a linked folder: %v", err)
	}
	if entries, _ := os.ReadDir(elsewhere); len(entries) != 0 {
		t.Errorf("written through the link: %v", entries)
	}
}

// TestLoginItemBootstrapFails: launchctl refuses the agent; the plist goes
// again, so Start at Login stays unchecked.
func TestLoginItemBootstrapFails(t *testing.T) {
	l, _ := loginWorld(t)
	w := filepath.Dir(l.Cfg.Launchctl)
	os.WriteFile(filepath.Join(w, "launchctl"), []byte("#!/bin/sh\necho 'Bootstrap failed: 125: Domain does not support specified action' >&2\nexit 125\n"), 0o755)
	err := l.Enable(context.Background())
	if err == nil || !strings.Contains(err.Error(), "exited 125") || l.State() == LoginOn {
		t.Errorf("enable: %v, enabled %v", err, l.State() == LoginOn)
	}
	// Already loaded (exit 5) is success.
	os.WriteFile(filepath.Join(w, "launchctl"), []byte("#!/bin/sh\necho 'Bootstrap failed: 5: Input/output error' >&2\nexit 5\n"), 0o755)
	if err := l.Enable(context.Background()); err != nil || l.State() != LoginOn {
		t.Errorf("enable of a loaded agent: %v", err)
	}
}

// TestLoginItemOfTheApp: from the bundle, the agent names the app, so
// System Settings lists it under the app rather than as an unidentified
// developer's.
func TestLoginItemOfTheApp(t *testing.T) {
	b, err := AgentPlist("/Applications/Halton Meter Bar.app/Contents/MacOS/halton-meter-bar", "com.haltonlabs.meter.bar")
	if err != nil {
		t.Fatal(err)
	}
	var agent struct {
		IDs []string `plist:"AssociatedBundleIdentifiers"`
	}
	if _, err := plist.Unmarshal(b, &agent); err != nil || len(agent.IDs) != 1 || agent.IDs[0] != "com.haltonlabs.meter.bar" {
		t.Errorf("AssociatedBundleIdentifiers %v (%v)", agent.IDs, err)
	}
}

// service is an AppService that counts its calls.
type service struct {
	state                 LoginState
	registers, unregister int
	fail                  error
}

func (s *service) Status() LoginState { return s.state }
func (s *service) Register() error {
	s.registers++
	if s.fail != nil {
		return s.fail
	}
	s.state = LoginOn
	return nil
}
func (s *service) Unregister() error { s.unregister++; s.state = LoginOff; return nil }

// TestAppLoginMigrates: a LaunchAgent from an earlier version moves to the
// app's own login item once, only when registering worked; launchd's job
// that started this very process is not booted out; without an agent,
// nothing is registered.
func TestAppLoginMigrates(t *testing.T) {
	ctx := context.Background()
	legacy, log := loginWorld(t)

	// No LaunchAgent: nothing to move, nothing registered.
	svc := &service{}
	app := AppLogin{Service: svc, Legacy: legacy}
	if moved, err := app.Migrate(ctx); moved || err != nil || svc.registers != 0 {
		t.Fatalf("migrate with no agent: %v %v, %d registrations", moved, err, svc.registers)
	}

	legacy.Enable(ctx)
	os.Remove(log)
	// Registering fails: the LaunchAgent stays, and says why.
	svc.fail = errors.New("Operation not permitted")
	if moved, err := app.Migrate(ctx); moved || err == nil || !strings.Contains(err.Error(), "the LaunchAgent stays") || legacy.State() != LoginOn {
		t.Fatalf("migrate, registration refused: %v %v, legacy %v", moved, err, legacy.State())
	}
	// Registered: the plist goes; launchd started this process through it,
	// so it is left loaded.
	svc.fail = nil
	t.Setenv("XPC_SERVICE_NAME", LoginLabel)
	if moved, err := app.Migrate(ctx); !moved || err != nil {
		t.Fatalf("migrate: %v %v", moved, err)
	}
	if legacy.State() != LoginOff || app.State() != LoginOn || svc.registers != 2 {
		t.Errorf("after: legacy %v, app %v, %d registrations", legacy.State(), app.State(), svc.registers)
	}
	if got := readLog(log); got != "" {
		t.Errorf("launchctl ran %q while launchd's job was this process", got)
	}
	// Moved: a second launch registers nothing.
	if moved, _ := app.Migrate(ctx); moved || svc.registers != 2 {
		t.Errorf("a second migration: moved %v, %d registrations", moved, svc.registers)
	}
	// Flipped by the user: unregister, and register again.
	app.Disable(ctx)
	app.Enable(ctx)
	if svc.unregister != 1 || svc.registers != 3 || app.State() != LoginOn {
		t.Errorf("flips: %d unregistrations, %d registrations", svc.unregister, svc.registers)
	}
}

func TestLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "bar.lock")
	l, err := AcquireLock(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = AcquireLock(path)
	var running AlreadyRunningError
	if !errors.As(err, &running) || running.PID != os.Getpid() {
		t.Fatalf("second lock: %v", err)
	}
	if !strings.Contains(err.Error(), "already running (PID ") {
		t.Errorf("message %q", err)
	}
	l.Release()
	l2, err := AcquireLock(path)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	l2.Release()
}

func TestSettingsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "settings.json")
	if s, err := LoadSettings(path); err != nil || !s.Notifications {
		t.Errorf("missing file: %+v %v", s, err)
	}
	os.WriteFile(path, []byte("{garbage"), 0o644)
	if s, err := LoadSettings(path); err == nil || !s.Notifications {
		t.Errorf("garbage: %+v %v", s, err)
	}
	if err := (Settings{Notifications: false}).Save(path); err != nil {
		t.Fatal(err)
	}
	if s, err := LoadSettings(path); err != nil || s.Notifications {
		t.Errorf("saved: %+v %v", s, err)
	}
}

func TestShellQuote(t *testing.T) {
	got := shellQuote([]string{"/Users/j d/.local/bin/halton-meter", "doctor", "it's"})
	if got != `'/Users/j d/.local/bin/halton-meter' 'doctor' 'it'\''s'` {
		t.Errorf("%s", got)
	}
	if s := AppleScriptString(`a "b" \c`); s != `"a \"b\" \\c"` {
		t.Errorf("%s", s)
	}
}

func TestOSDescription(t *testing.T) {
	if !strings.Contains(OSDescription(), " kernel ") {
		t.Errorf("OS description %q", OSDescription())
	}
}

func TestFromEnv(t *testing.T) {
	if _, ok := FromEnv(func(string) (string, bool) { return "", false }).(System); !ok {
		t.Error("no seam: not the system's tools")
	}
	o := FromEnv(func(k string) (string, bool) { return "/bin/true", k == EnvOpener })
	if c, ok := o.(CommandOpener); !ok || c.Path != "/bin/true" {
		t.Errorf("seam: %#v", o)
	}
}

func TestInstance(t *testing.T) {
	dir := t.TempDir()
	inst, err := Claim(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	opened := make(chan string, 4)
	inst.Serve(func(cmd string) error {
		if cmd == "fail" {
			return errors.New("no window\nhere")
		}
		opened <- cmd
		return nil
	})
	st, err := os.Stat(SocketPath(dir))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("socket %v %v", st, err)
	}
	// A second claim finds the first.
	if _, err := Claim(dir, nil); !errors.As(err, new(AlreadyRunningError)) {
		t.Fatalf("second claim: %v", err)
	}
	pid, err := Ask(dir, CmdOpen)
	if err != nil || pid != os.Getpid() || <-opened != CmdOpen {
		t.Errorf("ask: %d %v", pid, err)
	}
	if _, err := Ask(dir, "fail"); err == nil || err.Error() != "no window here" {
		t.Errorf("a failing command: %v", err)
	}
}

// TestInstanceFlood: hundreds of connections that say nothing hold at
// most maxConversations descriptors of the app's, each for readTimeout;
// the rest are closed at once, the socket keeps accepting, and a command
// is answered once the flood has said nothing long enough.
func TestInstanceFlood(t *testing.T) {
	dir := t.TempDir()
	inst, err := Claim(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	inst.Serve(func(string) error { return nil })
	// The process's descriptors, sampled all along: the flood's own ends
	// (one each), and what the app holds of them.
	fds := func() int {
		entries, _ := os.ReadDir("/proc/self/fd")
		return len(entries)
	}
	if fds() == 0 {
		t.Skip("no /proc/self/fd to count descriptors")
	}
	before := fds()
	stop, peak := make(chan struct{}), make(chan int, 1)
	go func() {
		most := 0
		for {
			select {
			case <-stop:
				peak <- most
				return
			default:
				most = max(most, fds())
			}
		}
	}()
	var flood []net.Conn
	defer func() {
		for _, c := range flood {
			c.Close()
		}
	}()
	closedAtOnce := 0
	for range 300 {
		c, err := net.Dial("unix", SocketPath(dir))
		if err != nil {
			continue
		}
		io.WriteString(c, "op") // a line never finished
		flood = append(flood, c)
	}
	// Each is closed, at once over the cap or at its read deadline within
	// it: its read ends (EOF, or a reset for the line left unread), never
	// at the test's own bound.
	for _, c := range flood {
		c.SetReadDeadline(time.Now().Add(testwait.Bound))
		if _, err := c.Read(make([]byte, 1)); errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
			closedAtOnce++
		}
	}
	close(stop)
	if closedAtOnce != len(flood) || len(flood) < 100 {
		t.Errorf("%d of %d connections closed", closedAtOnce, len(flood))
	}
	// At most a few of the app's at once (each closed one is gone at
	// once; a few more for the sampling itself).
	if held := <-peak - before - len(flood); held > maxConversations+8 {
		t.Errorf("the app held %d descriptors of the flood's at once, want %d at most", held, maxConversations)
	}
	testwait.For(t, "a command answered after the flood", func() bool {
		pid, err := Ask(dir, CmdOpen)
		return err == nil && pid == os.Getpid()
	})
}

// TestInstanceStaleSocket: an instance that crashed leaves its socket; the
// next one replaces it, and answers.
func TestInstanceStaleSocket(t *testing.T) {
	dir := t.TempDir()
	// What a killed instance leaves: a socket nobody listens on.
	l, err := net.Listen("unix", SocketPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	if _, err := Ask(dir, CmdOpen); err == nil {
		t.Fatal("a stale socket answered")
	}
	var logged strings.Builder
	inst, err := Claim(dir, log.New(&logged, "", 0))
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	inst.Serve(func(string) error { return nil })
	if _, err := Ask(dir, CmdOpen); err != nil {
		t.Errorf("after the replacement: %v", err)
	}
	if !strings.Contains(logged.String(), "replacing the stale socket") {
		t.Errorf("log %q", logged.String())
	}
	inst.Close()
	if _, err := os.Stat(SocketPath(dir)); !os.IsNotExist(err) {
		t.Errorf("socket left after Close: %v", err)
	}
}

func TestSocketPathFitsAnywhere(t *testing.T) {
	long := "/" + strings.Repeat("a-long-folder-name/", 10)
	if p := SocketPath(long); len(p) >= 104 || !strings.HasPrefix(p, os.TempDir()) || p != SocketPath(long) {
		t.Errorf("long folder: %q", p)
	}
	if p := SocketPath("/Users/j/Library/Application Support/Halton Meter Bar"); p != "/Users/j/Library/Application Support/Halton Meter Bar/bar.sock" {
		t.Errorf("usual folder: %q", p)
	}
}

// TestOpenerDoesNotWaitForWhatItStarted: a launcher that leaves a child
// holding its output (a browser opened by xdg-open) returns at once, not
// when the child ends, and a launcher that hangs is cut off.
func TestOpenerDoesNotWaitForWhatItStarted(t *testing.T) {
	dir := t.TempDir()
	launcher := filepath.Join(dir, "opener")
	os.WriteFile(launcher, []byte("#!/bin/sh\nsleep 600 &\necho launched\nexit 0\n"), 0o755)
	done := make(chan error, 1)
	go func() { done <- CommandOpener{Path: launcher}.OpenURL("http://127.0.0.1:1/") }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("open: %v", err)
		}
	case <-time.After(status.ActionTimeout + 5*time.Second):
		t.Fatal("the action waited for the child the launcher left")
	}
	fail := filepath.Join(dir, "failing")
	os.WriteFile(fail, []byte("#!/bin/sh\necho 'no browser' >&2\nexit 3\n"), 0o755)
	if err := (CommandOpener{Path: fail}).OpenPath("/"); err == nil || !strings.Contains(err.Error(), "exited 3: no browser") {
		t.Errorf("failing opener: %v", err)
	}
	copied := filepath.Join(dir, "copied")
	copier := filepath.Join(dir, "copier")
	os.WriteFile(copier, []byte("#!/bin/sh\ncat > "+copied+"\n"), 0o755)
	if err := (CommandOpener{Path: copier}).Copy("the status"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(copied); string(b) != "the status" {
		t.Errorf("copied %q", b)
	}
}
