package status

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/haltonlabs/halton-meter-bar/status/statustest"
)

// The install of whoever is asked about, from wherever it is asked: over
// SSH (a Background session, where `launchctl list` sees none of the
// user's agents), as root for the logged-in user, for another user, with
// jobs switched off.

// printTool is a launchctl for worlds seen from outside the GUI session:
// `list` shows none of the user's agents (a Background session), `print
// gui/<uid>/<label>` answers from DIR/print/<label> (exit 113 when it is
// not there), and print-disabled prints DIR/print-disabled.
func printTool(w *testWorld, uid int) string {
	dir := filepath.Join(w.Dir, "print")
	os.MkdirAll(dir, 0o755)
	log := filepath.Join(w.Dir, "launchctl.log")
	w.Tool("launchctl", fmt.Sprintf(`echo "$*" >> %[1]s
case "$1" in
list) printf 'PID\tStatus\tLabel\n-\t0\tcom.apple.SafariHistoryServiceAgent\n612\t0\tcom.apple.Finder\n'; exit 0;;
print-disabled) cat %[2]s/../print-disabled 2>/dev/null || printf 'disabled services = {\n}\n'; exit 0;;
print)
  case "$2" in gui/%[3]d/*) ;; *) echo "Could not find domain for user gui: ${2#gui/}" >&2; exit 112;; esac
  f=%[2]s/"${2##*/}"
  [ -f "$f" ] && exec cat "$f"
  printf 'Bad request.\nCould not find service "%%s" in domain for user gui: %[3]d\n' "${2##*/}" >&2; exit 113;;
esac
exit 64`, log, dir, uid))
	return log
}

// printBlock is `launchctl print` of a job: running with pid, or not.
func printBlock(uid int, label string, pid int, last string) string {
	state := "not running"
	if pid > 0 {
		state = "running"
	}
	b := fmt.Sprintf("gui/%d/%s = {\n\tactive count = 1\n\tpath = /x/%s.plist\n\ttype = LaunchAgent\n\tstate = %s\n\n\tresource coalition = {\n\t\tstate = active\n\t\tpid = 1\n\t}\n\n", uid, label, label, state)
	if pid > 0 {
		b += fmt.Sprintf("\tpid = %d\n", pid)
	}
	return b + "\t" + last + "\n}\n"
}

func (w *testWorld) printAnswers(uid int, jobs map[string]int) {
	for label, pid := range jobs {
		last := "last exit code = (never exited)"
		if label == LabelEdge {
			last = "last terminating signal = Terminated: 15"
		}
		os.WriteFile(filepath.Join(w.Dir, "print", label), []byte(printBlock(uid, label, pid, last)), 0o644)
	}
}

func healthyJobs() map[string]int {
	return map[string]int{LabelDaemon: 4002, LabelWatchdog: 4003, LabelEdge: 4001, LabelUserenv: 0}
}

func TestCheckOverSSH(t *testing.T) {
	// `launchctl list` from an SSH login lists none of the GUI agents, yet
	// they run: the engine asks `launchctl print gui/<uid>/<label>`.
	w := newTestWorld(t, ModeApps)
	w.cfg.UID = 501
	log := printTool(w, 501)
	w.printAnswers(501, healthyJobs())
	r := w.check()
	if r.Overall != OverallHealthy || r.Launchd.Source != LaunchdFromPrint || r.Launchd.Domain != "gui/501" {
		t.Fatalf("overall %s (%s), launchd %+v", r.Overall, r.Headline, r.Launchd)
	}
	if r.Daemon.PID == nil || *r.Daemon.PID != 4002 || r.Sweep.Spawned != 5 {
		t.Errorf("daemon PID %v, spawned %d (1 list + 4 print)", r.Daemon.PID, r.Sweep.Spawned)
	}
	if calls, _ := os.ReadFile(log); !strings.Contains(string(calls), "print gui/501/com.haltonlabs.meter.edge") {
		t.Errorf("calls:\n%s", calls)
	}

	// One not loaded: 113; and it is not disabled (print-disabled says so).
	os.Remove(filepath.Join(w.Dir, "print", LabelWatchdog))
	r = w.check()
	expectRow(t, r, CompWatchdog, StateStopped, LevelWarn, "not loaded")
	if r.Sweep.Spawned != 6 {
		t.Errorf("spawned %d, want 1 list + 4 print + print-disabled", r.Sweep.Spawned)
	}

	// No GUI session for that uid at all: launchd cannot tell; unknown.
	w.cfg.UID = 502
	r = w.check()
	if r.Overall != OverallUnknown {
		t.Errorf("overall %s", r.Overall)
	}
	expectRow(t, r, CompDaemon, StateUnknown, LevelUnknown, "launchd has no GUI session for uid 502")
}

func TestCheckAnotherUser(t *testing.T) {
	// Root (an MDM script) checking a user: never `list`, always print.
	w := newTestWorld(t, ModeApps)
	w.cfg.UID, w.cfg.OtherUser, w.cfg.User, w.cfg.GIDs = 501, true, "jdoe", []int{20}
	w.GiveTo(501, 20)
	log := printTool(w, 501)
	w.printAnswers(501, healthyJobs())
	r := w.check()
	if r.Overall != OverallHealthy || r.Launchd.Source != LaunchdFromPrint || r.Sweep.Spawned != 4 {
		t.Fatalf("overall %s, source %s, spawned %d", r.Overall, r.Launchd.Source, r.Sweep.Spawned)
	}
	if calls, _ := os.ReadFile(log); strings.Contains(string(calls), "list") {
		t.Errorf("asked list for another user:\n%s", calls)
	}
	if r.User == nil || r.User.Name != "jdoe" || r.User.UID != 501 {
		t.Errorf("user %+v", r.User)
	}
}

func TestCheckDisabledJobs(t *testing.T) {
	w := newTestWorld(t, ModeApps)
	w.cfg.UID = 501
	// The daemon and watchdog switched off in Login Items: not loaded.
	w.LaunchctlTable("PID\tStatus\tLabel\n4001\t-15\tcom.haltonlabs.meter.edge\n-\t0\tcom.haltonlabs.meter.userenv\n")
	table := filepath.Join(w.Dir, "launchctl-table.txt")
	w.Tool("launchctl", fmt.Sprintf(`[ "$1" = list ] && exec cat %q
[ "$1" = print-disabled ] && [ "$2" = gui/501 ] && exec cat %q
exit 64`, table, filepath.Join("testdata", "fixtures", "launchctl-print-disabled.txt")))
	abs, _ := filepath.Abs(filepath.Join("testdata", "fixtures", "launchctl-print-disabled.txt"))
	w.Tool("launchctl", fmt.Sprintf(`[ "$1" = list ] && exec cat %q
[ "$1" = print-disabled ] && [ "$2" = gui/501 ] && exec cat %q
exit 64`, table, abs))
	r := w.check()
	expectRow(t, r, CompDaemon, StateStopped, LevelWarn, "not loaded · disabled (System Settings → General → Login Items, or launchctl disable)")
	if c := row(t, r, CompDaemon); c.NextStep != "launchctl enable gui/501/com.haltonlabs.meter, then halton-meter start" {
		t.Errorf("next step %q", c.NextStep)
	}
	// The watchdog is enabled (the fixture says so): stopped with the daemon.
	if c := row(t, r, CompWatchdog); strings.Contains(c.Detail, "disabled") || c.CausedBy != CompDaemon {
		t.Errorf("watchdog %+v", c)
	}
	if len(r.Launchd.Disabled) != 1 || r.Launchd.Disabled[0] != LabelDaemon || r.Sweep.Spawned != 2 {
		t.Errorf("disabled %v, spawned %d", r.Launchd.Disabled, r.Sweep.Spawned)
	}
	// Everything loaded: print-disabled is not asked.
	w.LaunchctlTable(statustest.HealthyTable())
	if r := w.check(); r.Sweep.Spawned != 1 || len(r.Launchd.Disabled) != 0 {
		t.Errorf("healthy: spawned %d, disabled %v", r.Sweep.Spawned, r.Launchd.Disabled)
	}
}

func TestParsePrintFixtures(t *testing.T) {
	j, err := ParsePrint(fixture(t, "launchctl-print-gui-running.txt"))
	if err != nil || !j.Running() || j.PID != 80213 || j.Status != -15 || !j.HasStatus {
		t.Errorf("running: %+v %v", j, err)
	}
	j, err = ParsePrint(fixture(t, "launchctl-print-gui-stopped.txt"))
	if err != nil || j.Running() || !j.Loaded || j.Status != 1 || j.ExitText() != "exited with status 1" {
		t.Errorf("stopped: %+v %v", j, err)
	}
	for in, want := range map[string]JobInfo{
		"gui/1/x = {\n\tstate = not running\n\tlast exit code = 78: EX_CONFIG\n}\n":         {Loaded: true, HasStatus: true, Status: 78},
		"gui/1/x = {\n\tstate = running\n\tpid = 9\n\tlast exit code = (never exited)\n}\n": {Loaded: true, PID: 9},
		"gui/1/x = {\n\tstate = not running\n\tlast terminating signal = Killed: 9\n}\n":    {Loaded: true, HasStatus: true, Status: -9},
		"gui/1/x = {\n\tstate = spawn scheduled\n\tpid = 9\n}\n":                            {Loaded: true},
	} {
		got, err := ParsePrint([]byte(in))
		if err != nil || got.PID != want.PID || got.HasStatus != want.HasStatus || got.Status != want.Status {
			t.Errorf("%q: %+v %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "Bad request.\n", "gui/1/x = {\n\tpid = 9\n}\n", "gui/1/x = {\n\tstate = running\n\tpid = x\n}\n"} {
		if _, err := ParsePrint([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	d, err := ParsePrintDisabled(fixture(t, "launchctl-print-disabled.txt"))
	if err != nil || !d[LabelDaemon] || d[LabelWatchdog] || !d["com.apple.ScreenReaderUIServer"] {
		t.Errorf("print-disabled: %v %v", d, err)
	}
	old := "disabled services = {\n    \"com.haltonlabs.meter\" => true\n    \"com.haltonlabs.meter.edge\" => false\n}\n"
	if d, err := ParsePrintDisabled([]byte(old)); err != nil || !d[LabelDaemon] || d[LabelEdge] {
		t.Errorf("older form: %v %v", d, err)
	}
}

// fakeUsers is a user database of two users, or one that fails.
type fakeUsers struct{ fail bool }

func (f fakeUsers) Lookup(name string) (*user.User, error) {
	if f.fail {
		return nil, errors.New("directory services are down")
	}
	if name == "jdoe" {
		return &user.User{Username: "jdoe", Uid: "501", HomeDir: "/Users/jdoe"}, nil
	}
	return nil, user.UnknownUserError(name)
}

func (f fakeUsers) LookupId(uid string) (*user.User, error) {
	if f.fail {
		return nil, errors.New("directory services are down")
	}
	if uid == "501" {
		return &user.User{Username: "jdoe", Uid: "501", HomeDir: "/Users/jdoe"}, nil
	}
	return nil, user.UnknownUserIdError(501)
}

func TestWhose(t *testing.T) {
	console := filepath.Join(t.TempDir(), "console")
	os.WriteFile(console, nil, 0o600)
	owned := func(uid int) {
		if err := os.Chown(console, uid, -1); err != nil {
			t.Skipf("chown the console stand-in: %v (needs root)", err)
		}
	}
	tests := []struct {
		name       string
		spec, goos string
		euid       int
		owner      int
		db         UserDB
		user       string
		problem    string
		err        string
	}{
		{name: "a user, by name", spec: "jdoe", goos: "darwin", euid: 0, db: fakeUsers{}, user: "jdoe"},
		{name: "a user, by uid", spec: "501", goos: "linux", euid: 1000, db: fakeUsers{}, user: "jdoe"},
		{name: "nobody by that name", spec: "mallory", goos: "darwin", euid: 0, db: fakeUsers{}, err: "--user mallory: no such user: not in the user database"},
		{name: "the lookup fails", spec: "jdoe", goos: "darwin", euid: 0, db: fakeUsers{fail: true}, err: "directory services are down"},
		{name: "root on macOS: the console user", goos: "darwin", euid: 0, owner: 501, db: fakeUsers{}, user: "jdoe"},
		{name: "root on macOS at the login window", goos: "darwin", euid: 0, owner: 0, db: fakeUsers{}, problem: "no user is logged in"},
		{name: "root on macOS, the console user unknown", goos: "darwin", euid: 0, owner: 502, db: fakeUsers{fail: true}, problem: "cannot look up the logged-in user (uid 502)"},
		{name: "root on Linux is an ordinary user", goos: "linux", euid: 0, owner: 501, db: fakeUsers{}},
		{name: "a user on macOS checks their own", goos: "darwin", euid: 501, owner: 501, db: fakeUsers{}},
	}
	for _, tt := range tests {
		owned(tt.owner)
		u, problem, err := Whose(tt.spec, tt.goos, tt.euid, console, tt.db)
		got := ""
		if u != nil {
			got = u.Username
		}
		if got != tt.user || !strings.Contains(problem, tt.problem) || (tt.problem == "") != (problem == "") ||
			(tt.err == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: user %q problem %q err %v", tt.name, got, problem, err)
		}
	}
	if _, problem, _ := Whose("", "darwin", 0, filepath.Join(t.TempDir(), "none"), fakeUsers{}); !strings.Contains(problem, "cannot tell who is logged in") {
		t.Errorf("no console: %q", problem)
	}
}

func TestConfigForUser(t *testing.T) {
	base := ConfigFromEnviron([]string{"HOME=/var/root"})
	cfg, err := base.ForUser(&user.User{Username: "jdoe", Uid: "501", HomeDir: "/Users/jdoe"}, func(string) (string, bool) { return "", false })
	if err != nil || cfg.Home != "/Users/jdoe" || cfg.MeterHome != "/Users/jdoe/.halton-meter" || cfg.LaunchAgentsDir != "/Users/jdoe/Library/LaunchAgents" || cfg.UID != 501 || cfg.User != "jdoe" {
		t.Errorf("%+v %v", cfg, err)
	}
	if _, err := base.ForUser(&user.User{Username: "x", Uid: "S-1-5", HomeDir: "/x"}, func(string) (string, bool) { return "", false }); err == nil {
		t.Error("a uid that is not a number")
	}
}

func TestCheckNobodyToCheck(t *testing.T) {
	for _, tt := range []struct {
		env  []string
		want string
	}{
		{[]string{"PATH=/bin"}, "HOME is not set: there is no home folder to look in"},
		{[]string{"HOME=relative/home"}, `HOME ("relative/home") is not an absolute path`},
		{[]string{"HOME=/h", "HALTON_METER_HOME=rel"}, `HALTON_METER_HOME ("rel") is not an absolute path`},
	} {
		cfg := ConfigFromEnviron(tt.env)
		r := Check(context.Background(), cfg)
		if r.Overall != OverallUnknown || r.ExitCode() != 3 || !strings.Contains(r.Headline, tt.want) || r.Sweep.Spawned != 0 {
			t.Errorf("%v: overall %s headline %q spawned %d", tt.env, r.Overall, r.Headline, r.Sweep.Spawned)
		}
		expectRow(t, r, CompInstallMode, StateUnknown, LevelUnknown, tt.want)
	}
	cfg := ConfigFromEnviron([]string{"HOME=/h"})
	cfg.Problem = "no user is logged in (the console belongs to root); use --user to check someone's install"
	if r := Check(context.Background(), cfg); r.Overall != OverallUnknown || r.Headline != "No user is logged in (the console belongs to root); use --user to check someone's install" {
		t.Errorf("nobody logged in: %s %q", r.Overall, r.Headline)
	}
}

// TestChildSweep is a sweep in a child process (run as nobody by
// checkAsNobody); it prints the report.
func TestChildSweep(t *testing.T) {
	if os.Getenv("HALTON_TEST_SWEEP_CHILD") == "" {
		t.Skip("run by checkAsNobody")
	}
	cfg := ConfigFromEnv()
	if os.Getenv("HALTON_TEST_SWEEP_EXHAUST") != "" {
		// Every descriptor taken: the sweep can open nothing.
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: 64, Max: 64})
		for {
			if _, err := os.Open(os.DevNull); err != nil {
				break
			}
		}
	}
	json.NewEncoder(os.Stdout).Encode(Check(context.Background(), cfg))
}

// TestShortageIsNotAFire: a sweep that can open nothing (this process out
// of file descriptors) says so and is unknown, whatever its rows say.
func TestShortageIsNotAFire(t *testing.T) {
	w := newTestWorld(t, ModeApps)
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildSweep$")
	cmd.Env = append(append(os.Environ(), "HALTON_TEST_SWEEP_CHILD=1", "HALTON_TEST_SWEEP_EXHAUST=1"), w.cfg.Environ()...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var r Report
	if err := json.NewDecoder(bytes.NewReader(out)).Decode(&r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	const want = "Cannot check: this app is out of file descriptors"
	if r.Overall != OverallUnknown || r.Headline != want || r.Sweep.Shortage != want || r.ExitCode() != 3 {
		t.Errorf("overall %s, headline %q, shortage %q", r.Overall, r.Headline, r.Sweep.Shortage)
	}
	for _, c := range r.Components {
		if strings.Contains(c.Detail, "did not answer") { // it gave up at once, waiting for nothing
			t.Errorf("%s: %s", c.Name, c.Detail)
		}
	}
	for _, err := range []error{syscall.EAGAIN, errors.New("x")} {
		if ShortageOf(err) != "" {
			t.Errorf("%v taken for a shortage", err)
		}
	}
	if ShortageOf(fmt.Errorf("launchctl %w", startError("/bin/launchctl", &os.PathError{Op: "fork/exec", Err: syscall.EAGAIN}))) == "" {
		t.Error("a process limit not taken for a shortage")
	}
}

func checkAsNobody(t *testing.T, w *testWorld) Report {
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildSweep$")
	cmd.Env = append(append(os.Environ(), "HALTON_TEST_SWEEP_CHILD=1"), w.cfg.Environ()...)
	if os.Geteuid() == 0 {
		dropToNobody(t, cmd, w.Dir)
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var r Report
	if err := json.NewDecoder(bytes.NewReader(out)).Decode(&r); err != nil {
		t.Fatalf("child output: %v\n%s", err, out)
	}
	return r
}
