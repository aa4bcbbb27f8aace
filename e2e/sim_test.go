package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/internal/testwait"
	"github.com/haltonlabs/halton-meter-bar/status"
	simworld "github.com/haltonlabs/halton-meter-bar/status/sim"
)

// worldPIDs reads the supervisor's and every job's PID, and the ports.
func worldPIDs(t *testing.T, dir string) (pids []int, ports []int) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "world.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Supervisor struct{ PID int }
		Jobs       map[string]struct{ PID int }
		Ports      struct{ Edge, Internal, API int }
		ThiefPID   int `json:"thief_pid"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	pids = append(pids, s.Supervisor.PID, s.ThiefPID)
	for _, j := range s.Jobs {
		pids = append(pids, j.PID)
	}
	return pids, []int{s.Ports.Edge, s.Ports.Internal, s.Ports.API}
}

// running reports whether pid is a live, non-zombie process.
func running(pid int) bool {
	if pid <= 0 {
		return false
	}
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
		// Field 3 is the state; Z is a zombie waiting for its reaper.
		fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		return len(fields) > 0 && fields[0] != "Z"
	}
	return syscall.Kill(pid, 0) == nil
}

func accepting(port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 200*time.Millisecond)
	if err == nil {
		c.Close()
	}
	return err == nil
}

func TestDownLeavesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "w")
	if _, err := sim(t, "up", "--dir", dir, "--mode", "full"); err != nil {
		t.Fatal(err)
	}
	if _, err := sim(t, "fault", "--dir", dir, "port-steal"); err != nil {
		t.Fatal(err)
	}
	pids, ports := worldPIDs(t, dir)
	if _, err := sim(t, "down", "--dir", dir); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if running(pid) {
			t.Errorf("PID %d outlived down", pid)
		}
	}
	for _, port := range ports {
		if accepting(port) {
			t.Errorf("port %d still accepts after down", port)
		}
	}
	out, err := sim(t, "status", "--dir", dir)
	if err == nil || !strings.Contains(out, ": down") {
		t.Errorf("status after down: %v %q", err, out)
	}
}

// TestWorldDiesWithItsOwner: the world ends when the process that ran up
// does, and its jobs die with a killed supervisor.
func TestWorldDiesWithItsOwner(t *testing.T) {
	owner := exec.Command("sleep", "60")
	if err := owner.Start(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "w")
	if _, err := sim(t, "up", "--dir", dir, "--owner", strconv.Itoa(owner.Process.Pid)); err != nil {
		t.Fatal(err)
	}
	pids, ports := worldPIDs(t, dir)
	owner.Process.Kill()
	owner.Wait()
	for _, pid := range pids {
		testwait.For(t, "PID "+strconv.Itoa(pid)+" ends", func() bool { return !running(pid) })
	}
	for _, port := range ports {
		testwait.For(t, "port "+strconv.Itoa(port)+" closes", func() bool { return !accepting(port) })
	}

	// A supervisor killed outright takes its jobs with it.
	dir2 := filepath.Join(t.TempDir(), "w2")
	if _, err := sim(t, "up", "--dir", dir2, "--owner", "0"); err != nil {
		t.Fatal(err)
	}
	pids, _ = worldPIDs(t, dir2)
	syscall.Kill(pids[0], syscall.SIGKILL)
	for _, pid := range pids[1:] {
		testwait.For(t, "job "+strconv.Itoa(pid)+" dies with its supervisor", func() bool { return !running(pid) })
	}
	if _, err := sim(t, "down", "--dir", dir2); err != nil {
		t.Errorf("down of a world whose supervisor was killed: %v", err)
	}
}

func TestSimBadInput(t *testing.T) {
	notWorld := t.TempDir()
	os.WriteFile(filepath.Join(notWorld, "notes.txt"), []byte("mine"), 0o644)
	dir := filepath.Join(t.TempDir(), "w")
	if _, err := sim(t, "up", "--dir", dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim(t, "down", "--dir", dir) })

	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"fault", "--dir", dir, "meteor-strike"}, `unknown fault "meteor-strike"`},
		{[]string{"fault", "--dir", dir}, "want 1 argument"},
		{[]string{"fault", "--dir", notWorld, "daemon-crash"}, "not a halton-meter-sim world"},
		{[]string{"heal", "--dir", notWorld}, "not a halton-meter-sim world"},
		{[]string{"down", "--dir", notWorld}, "not a halton-meter-sim world"},
		{[]string{"up", "--dir", notWorld}, "refusing to touch it"},
		{[]string{"up", "--dir", dir}, "already up"},
		{[]string{"up", "--dir", filepath.Join(t.TempDir(), "x"), "--mode", "turbo"}, `unknown mode "turbo"`},
		{[]string{"up", "--dir", filepath.Join(t.TempDir(), "x"), "--ports", "1,2"}, "want EDGE,INTERNAL,API"},
		{[]string{"up", "--dir", filepath.Join(t.TempDir(), "x"), "--ports", "8081,8081,8082"}, "must differ"},
		{[]string{"traffic", "--dir", dir, "--days-ago", "9"}, "--days-ago 0 to 7"},
		{[]string{"traffic", "--dir", dir, "--requests", "0"}, "--requests 1 to 100000"},
		{[]string{"traffic", "--dir", dir, "--via", "pigeon"}, "--via edge or direct"},
		{[]string{"traffic", "--dir", dir, "--prompt-tokens", "999999"}, "--prompt-tokens 0 to 200000"},
		{[]string{"status"}, "--dir is required"},
		{[]string{"launch"}, `unknown command "launch"`},
	}
	for _, tt := range tests {
		_, err := sim(t, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%v: %v, want an error with %q", tt.args, err, tt.msg)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(notWorld, "notes.txt")); string(b) != "mine" {
		t.Error("up touched a folder that is not a world")
	}
	if entries, _ := os.ReadDir(notWorld); len(entries) != 1 {
		t.Errorf("up left %d entries in a folder that is not a world", len(entries))
	}
	// Still up and healthy after all that.
	if out, err := sim(t, "status", "--dir", dir); err != nil || !strings.Contains(out, "faults: none") {
		t.Errorf("status: %v %q", err, out)
	}
}

// TestUpWithABusyPortLeavesNoHalfBuiltWorld pins a port that is taken.
func TestUpWithABusyPortLeavesNoHalfBuiltWorld(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	busy := l.Addr().(*net.TCPAddr).Port
	parent := t.TempDir()
	dir := filepath.Join(parent, "w")
	_, err = sim(t, "up", "--dir", dir, "--ports", strconv.Itoa(freePort(t))+","+strconv.Itoa(busy)+","+strconv.Itoa(freePort(t)))
	if err == nil || !strings.Contains(err.Error(), "port "+strconv.Itoa(busy)+" is in use") {
		t.Fatalf("up on a busy port: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("a failed up left %s behind (%v)", dir, err)
	}
}

// TestDownSparesAReusedPID: a world whose supervisor died and whose job's
// PID now belongs to another process: down must not signal that process.
func TestDownSparesAReusedPID(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "w")
	if _, err := sim(t, "up", "--dir", dir, "--owner", "0"); err != nil {
		t.Fatal(err)
	}
	pids, _ := worldPIDs(t, dir)
	syscall.Kill(pids[0], syscall.SIGKILL) // the supervisor, and its jobs with it
	for _, pid := range pids[1:] {
		testwait.For(t, "the jobs to die", func() bool { return !running(pid) })
	}
	// An innocent process, recorded as the daemon (its PID reused).
	innocent := exec.Command("sleep", "60")
	if err := innocent.Start(); err != nil {
		t.Fatal(err)
	}
	defer innocent.Process.Kill()
	b, _ := os.ReadFile(filepath.Join(dir, "world.json"))
	var state map[string]any
	json.Unmarshal(b, &state)
	jobs := state["jobs"].(map[string]any)
	jobs["com.haltonlabs.meter"].(map[string]any)["pid"] = innocent.Process.Pid
	state["thief_pid"] = innocent.Process.Pid
	b, _ = json.Marshal(state)
	os.WriteFile(filepath.Join(dir, "world.json"), b, 0o644)
	if _, err := sim(t, "down", "--dir", dir); err != nil {
		t.Fatalf("down: %v", err)
	}
	if !running(innocent.Process.Pid) {
		t.Error("down killed a process that was not the world's")
	}
}

// TestFaultsAreIdempotent: a fault applied twice is applied once; heal
// undoes it.
func TestFaultsAreIdempotent(t *testing.T) {
	w := up(t, "apps")
	w.fault("port-steal")
	w.fault("port-steal")
	pids, _ := worldPIDs(t, w.dir)
	if _, err := sim(t, "heal", "--dir", w.dir); err != nil {
		t.Fatal(err)
	}
	if r, code := w.check(); r.Overall != "healthy" || code != 0 {
		t.Fatalf("after heal: %s %s", r.Overall, r.Headline)
	}
	if thief := pids[1]; thief > 0 {
		testwait.For(t, "the thief gone", func() bool { return !running(thief) })
	}
}

// TestHostForRealLaunchd: host writes a world's agents for the host's own
// launchd (scripts/mac-e2e.sh): the real labels, programs that run from
// the plists alone (as launchd would start them) and hold the ports; it
// refuses a home with an install; unhost removes what it wrote and nothing
// else.
func TestHostForRealLaunchd(t *testing.T) {
	dir, home := filepath.Join(t.TempDir(), "world"), t.TempDir()
	out, err := sim(t, "host", "--dir", dir, "--home", home)
	if err != nil {
		t.Fatal(err)
	}
	paths := strings.Fields(out)
	if len(paths) != 4 {
		t.Fatalf("host printed %q", out)
	}
	st, err := simworld.LoadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	var jobs []*exec.Cmd
	t.Cleanup(func() {
		for _, j := range jobs {
			j.Process.Kill()
			j.Wait()
		}
	})
	for i, label := range status.Labels {
		if paths[i] != filepath.Join(home, "Library", "LaunchAgents", label+".plist") {
			t.Errorf("plist %d: %s", i, paths[i])
		}
		a, err := status.ReadLaunchAgent(paths[i])
		if err != nil {
			t.Fatal(err)
		}
		if a.Label != label || a.EnvironmentVariables["HALTON_SIM_DIR"] != dir || !strings.HasPrefix(a.StandardErrorPath, filepath.Join(home, ".halton-meter")) {
			t.Errorf("%s: %+v", label, a)
		}
		if label == status.LabelUserenv {
			continue
		}
		// As launchd starts a job: its arguments and its environment only.
		j := exec.Command(a.ProgramArguments[0], a.ProgramArguments[1:]...)
		j.Env = []string{"HALTON_SIM_DIR=" + a.EnvironmentVariables["HALTON_SIM_DIR"]}
		if err := j.Start(); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, j)
	}
	for _, port := range []int{st.Ports.Edge, st.Ports.Internal, st.Ports.API} {
		testwait.For(t, fmt.Sprintf("port %d held", port), func() bool { return accepting(port) })
	}
	if b, err := os.ReadFile(filepath.Join(home, ".halton-meter", "install-mode")); err != nil || string(b) != "apps\n" {
		t.Errorf("install-mode: %q %v", b, err)
	}

	// A second host into the same home is refused; full mode is refused.
	if _, err := sim(t, "host", "--dir", filepath.Join(t.TempDir(), "w2"), "--home", home); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Errorf("a second host: %v", err)
	}
	if _, err := sim(t, "host", "--dir", filepath.Join(t.TempDir(), "w3"), "--home", t.TempDir(), "--mode", "full"); err == nil {
		t.Error("full mode accepted: it would set this machine's proxy")
	}

	// Unhost takes what host wrote, and leaves a neighbour's agent alone.
	mine := filepath.Join(home, "Library", "LaunchAgents", "com.example.other.plist")
	os.WriteFile(mine, []byte("mine"), 0o644)
	if _, err := sim(t, "unhost", "--dir", dir, "--home", home); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(home, ".halton-meter")); !os.IsNotExist(err) {
		t.Error(".halton-meter left behind")
	}
	if left, _ := filepath.Glob(filepath.Join(home, "Library", "LaunchAgents", "com.haltonlabs.*")); len(left) != 0 {
		t.Errorf("agents left: %v", left)
	}
	if b, _ := os.ReadFile(mine); string(b) != "mine" {
		t.Error("unhost touched another agent")
	}
}

// TestMacE2EElsewhere: the macos workflow's scripts (mac-e2e.sh against
// the real launchd, mac-bundle.sh, mac-collect.sh) say they are for macOS
// and succeed elsewhere.
func TestMacE2EElsewhere(t *testing.T) {
	if runtime.GOOS == "darwin" {
		t.Skip("on a Mac the macos workflow runs them for real")
	}
	for _, script := range []string{"mac-e2e.sh", "mac-bundle.sh", "mac-collect.sh"} {
		out, err := exec.Command("../scripts/"+script, "app", t.TempDir()).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "macOS only") {
			t.Errorf("%s: %v %q", script, err, out)
		}
	}
}
