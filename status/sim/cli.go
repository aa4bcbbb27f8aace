package sim

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/haltonlabs/halton-meter-bar/status"
)

const usage = `Usage: halton-meter-sim <command> --dir DIR [arguments]

A simulated Halton Meter install on loopback, with faults to inject.

Commands:
  up --dir DIR [--mode env-only|apps|full] [--ports EDGE,INTERNAL,API] [--owner PID]
        build a world in DIR, start it, and print the environment that
        points halton-meter-bar at it (KEY=VALUE lines). Ports default to
        free ones. The world ends when its owner does (default: the
        process that ran up; --owner 0 keeps it until down).
  fault --dir DIR NAME   inject a fault (fault --list names them)
  heal --dir DIR         undo every fault
  status --dir DIR       what is running
  env --dir DIR          print the environment again
  traffic --dir DIR [--requests N] [--model M] [--via edge|direct] [--days-ago D] [--prompt-tokens T]
                         call the world's fake LLM API, through the edge as
                         apps do (metered while the daemon is up, passed
                         through unmetered while it is down), or directly;
                         --days-ago dates them back, for a week of history;
                         --prompt-tokens pads each prompt, as real calls are
  down --dir DIR         stop everything; no process or listener is left
  host --dir DIR --home HOME [--mode apps|env-only]
                         build a world in DIR but start nothing: copy its
                         ~/.halton-meter into HOME and write its four
                         LaunchAgents, under the real labels, into
                         HOME/Library/LaunchAgents for the host's own launchd
                         (scripts/mac-e2e.sh); refuses a HOME with an install
  unhost --dir DIR --home HOME
                         remove what host wrote into HOME (boot the jobs out
                         first)

Run as launchctl or networksetup (the links in DIR/bin) it answers as
those tools, from the world's state.
`

// Main runs the sim binary under the name it was started as: launchctl,
// networksetup, halton-meter (a simulated job), or the command line.
func Main(args []string, stdout, stderr io.Writer) int {
	switch filepath.Base(args[0]) {
	case "launchctl", "networksetup":
		dir, err := toolDir(args[0])
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", filepath.Base(args[0]), err)
			return 1
		}
		if filepath.Base(args[0]) == "launchctl" {
			return launchctlMain(dir, args[1:], stdout, stderr)
		}
		return networksetupMain(dir, args[1:], stdout, stderr)
	case "halton-meter":
		return roleMain(args[1:])
	}
	return cli(args[1:], stdout, stderr)
}

// toolDir finds the world of a fake tool: HALTON_SIM_DIR, else the folder
// above the link it was started through (DIR/bin/launchctl).
func toolDir(argv0 string) (string, error) {
	if d := os.Getenv(envDir); d != "" {
		return d, nil
	}
	path := argv0
	if !strings.Contains(path, "/") {
		p, err := exec.LookPath(path)
		if err != nil {
			return "", fmt.Errorf("cannot find my world: %w", err)
		}
		path = p
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return filepath.Dir(filepath.Dir(abs)), nil
}

func cli(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return exitUsage
		}
		return 0
	}
	cmd, rest := args[0], args[1:]
	known := map[string]bool{"up": true, "fault": true, "heal": true, "status": true, "env": true, "down": true, "traffic": true, "host": true, "unhost": true, "_supervise": true, "_thief": true, "_llm": true}
	if !known[cmd] {
		fmt.Fprintf(stderr, "halton-meter-sim: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
	fs := flag.NewFlagSet("halton-meter-sim "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "the world's folder")
	mode := fs.String("mode", status.ModeApps, "install mode: env-only, apps or full")
	ports := fs.String("ports", "", "EDGE,INTERNAL,API (default: free ports)")
	owner := fs.Int("owner", os.Getppid(), "PID whose end ends the world (0: none)")
	home := fs.String("home", "", "host, unhost: the home to install the world's agents into")
	list := fs.Bool("list", false, "fault: list the faults")
	port := fs.Int("port", 0, "")
	requests := fs.Int("requests", 5, "traffic: how many calls")
	model := fs.String("model", "claude-sonnet-4", "traffic: the model called")
	via := fs.String("via", "edge", "traffic: edge (through the edge proxy, as apps do) or direct")
	daysAgo := fs.Int("days-ago", 0, "traffic: date the calls this many days back (0 to 7), for a week of history")
	promptTokens := fs.Int("prompt-tokens", 0, "traffic: pad each prompt with about this many tokens of context")
	positional, err := parseInterspersed(fs, rest)
	if err != nil {
		return exitUsage
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "halton-meter-sim %s: %v\n", cmd, err)
		return 1
	}
	switch cmd {
	case "_thief":
		return thiefMain(*port)
	case "_llm":
		return runLLM(*port)
	}
	if cmd == "fault" && *list {
		for _, n := range FaultNames() {
			fmt.Fprintf(stdout, "%-18s %s\n", n, Faults[n])
		}
		return 0
	}
	if *dir == "" {
		fmt.Fprintf(stderr, "halton-meter-sim %s: --dir is required\n", cmd)
		return exitUsage
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		return fail(err)
	}
	wantArgs := map[string]int{"fault": 1}[cmd]
	if len(positional) != wantArgs {
		fmt.Fprintf(stderr, "halton-meter-sim %s: want %d argument(s), got %q\n", cmd, wantArgs, positional)
		return exitUsage
	}
	switch cmd {
	case "up":
		p, err := parsePorts(*ports)
		if err != nil {
			fmt.Fprintf(stderr, "halton-meter-sim up: --ports: %v\n", err)
			return exitUsage
		}
		if err := Up(abs, *mode, p, *owner); err != nil {
			return fail(err)
		}
		printEnv(stdout, abs)
		return 0
	case "_supervise":
		if err := runSupervisor(abs, *owner); err != nil {
			return fail(err)
		}
		return 0
	case "fault":
		if _, ok := Faults[positional[0]]; !ok {
			return fail(fmt.Errorf("unknown fault %q; one of: %s", positional[0], strings.Join(FaultNames(), ", ")))
		}
		return result(stderr, cmd, worldOp(abs, opFault, positional))
	case "heal":
		return result(stderr, cmd, worldOp(abs, opHeal, nil))
	case "down":
		return result(stderr, cmd, Down(abs))
	case "host", "unhost":
		if *home == "" {
			fmt.Fprintf(stderr, "halton-meter-sim %s: --home is required\n", cmd)
			return exitUsage
		}
		h, err := filepath.Abs(*home)
		if err != nil {
			return fail(err)
		}
		if cmd == "unhost" {
			return result(stderr, cmd, Unhost(abs, h))
		}
		return result(stderr, cmd, Host(abs, h, *mode, stdout))
	case "traffic":
		if *requests < 1 || *requests > 100000 || (*via != "edge" && *via != "direct") || *daysAgo < 0 || *daysAgo > 7 ||
			*promptTokens < 0 || *promptTokens > MaxPromptTokens {
			fmt.Fprintf(stderr, "halton-meter-sim traffic: --requests 1 to 100000, --via edge or direct, --days-ago 0 to 7, --prompt-tokens 0 to %d\n", MaxPromptTokens)
			return exitUsage
		}
		return result(stderr, cmd, Traffic(abs, TrafficOptions{Requests: *requests, Model: *model, Direct: *via == "direct", DaysAgo: *daysAgo, PromptTokens: *promptTokens}, stdout))
	case "env":
		if _, err := LoadState(abs); err != nil {
			return fail(err)
		}
		printEnv(stdout, abs)
		return 0
	case "status":
		s, err := LoadState(abs)
		if err != nil {
			return fail(err)
		}
		writeStatus(stdout, abs, s)
		if !ours(s.Supervisor.PID, s.Supervisor.Stamp) {
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "halton-meter-sim: unknown command %q\n\n%s", cmd, usage)
	return exitUsage
}

func result(stderr io.Writer, cmd string, err error) int {
	if err != nil {
		fmt.Fprintf(stderr, "halton-meter-sim %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

// parseInterspersed parses flags wherever they stand among the arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func parsePorts(s string) (Ports, error) {
	if s == "" {
		return Ports{}, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return Ports{}, fmt.Errorf("want EDGE,INTERNAL,API, got %q", s)
	}
	var n [3]int
	for i, part := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || v < 1 || v > 65535 {
			return Ports{}, fmt.Errorf("%q is not a port", part)
		}
		n[i] = v
	}
	if n[0] == n[1] || n[1] == n[2] || n[0] == n[2] {
		return Ports{}, errors.New("the three ports must differ")
	}
	return Ports{Edge: n[0], Internal: n[1], API: n[2]}, nil
}

func printEnv(w io.Writer, dir string) {
	for _, kv := range PathsFor(dir).Env() {
		fmt.Fprintln(w, kv)
	}
}

// worldOp sends an operation to a world that must be up.
func worldOp(dir, op string, args []string) error {
	resp, err := call(dir, op, args, 60*time.Second)
	if err != nil {
		return err
	}
	if resp.Error != "" {
		return errors.New(resp.Error)
	}
	return nil
}

// worldEntries are what up creates in DIR, and all it may remove.
var worldEntries = []string{"world.json", "bin", "home", "venv", "prefs", "run"}

// worldMarker is the file up writes first in a world's folder, holding
// the world's id (State.WorldID): only a folder whose marker and
// world.json agree is a world up may clear.
const worldMarker = ".halton-meter-sim-world"

// Up builds a world in dir and starts it. It takes a new or empty folder,
// or one holding a world it made (down, or left by a crash); it refuses
// anything else, a world that is already up too, and touches nothing in
// what it refuses. Should anything fail, it stops what it started and
// removes what it wrote.
func Up(dir, mode string, ports Ports, owner int) (err error) {
	switch mode {
	case status.ModeEnvOnly, status.ModeApps, status.ModeFull:
	default:
		return fmt.Errorf("unknown mode %q (env-only, apps or full)", mode)
	}
	id, created, err := claimFolder(dir)
	if err != nil {
		return err
	}
	removeWorld(dir)

	var sup *os.Process
	defer func() {
		if err == nil {
			return
		}
		if sup != nil {
			sup.Signal(syscall.SIGTERM)
			waitGone(sup.Pid, 10*time.Second)
			sup.Kill()
		}
		removeWorld(dir)
		if created {
			os.Remove(filepath.Join(dir, worldMarker))
			os.Remove(dir)
		}
	}()

	if ports == (Ports{}) {
		if ports, err = freePorts(); err != nil {
			return err
		}
	} else {
		for _, port := range []int{ports.Edge, ports.Internal, ports.API} {
			if accepting(port) {
				return fmt.Errorf("port %d is in use", port)
			}
		}
		free, err := freePorts()
		if err != nil {
			return err
		}
		ports.LLM = free.LLM
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the sim binary: %w", err)
	}
	if self, err = filepath.EvalSymlinks(self); err != nil {
		return fmt.Errorf("find the sim binary: %w", err)
	}
	s := &State{Mode: mode, Ports: ports, HaltonVersion: HaltonVersion, UID: os.Getuid(), Token: newToken(),
		Jobs: make(map[string]*Job), Services: defaultServices(), WorldID: id}
	if mode == status.ModeFull {
		for i := range s.Services {
			if s.Services[i].Enabled {
				edge := status.ProxySetting{Enabled: true, Server: "127.0.0.1", Port: ports.Edge}
				s.Services[i].Secure, s.Services[i].Web = edge, edge
			}
		}
	}
	p := PathsFor(dir)
	if err := buildFiles(p, s, self); err != nil {
		return err
	}
	if err := s.Save(dir); err != nil {
		return err
	}
	out, err := os.OpenFile(filepath.Join(p.Run, "supervisor.out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open supervisor output: %w", err)
	}
	defer out.Close()
	cmd := exec.Command(self, "_supervise", "--dir", dir, "--owner", strconv.Itoa(owner))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the supervisor: %w", err)
	}
	sup = cmd.Process
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case <-exited:
			return fmt.Errorf("the supervisor exited during start-up: %s", tail(filepath.Join(p.Run, "supervisor.log")))
		case <-deadline:
			return errors.New("the world did not come up within 60s: " + tail(filepath.Join(p.Run, "supervisor.log")))
		case <-time.After(20 * time.Millisecond):
		}
		if cur, err := LoadState(dir); err == nil && cur.Supervisor.Ready {
			return nil
		}
	}
}

// claimFolder makes dir a world's folder and returns the world's id: a
// new or empty folder gets a marker with a fresh id; a folder holding a
// world up made (its marker and its world.json agree, and nothing else is
// there) keeps its id. Anything else is refused, untouched.
func claimFolder(dir string) (id string, created bool, err error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", false, fmt.Errorf("create %s: %w", dir, err)
		}
		created = true
	case err != nil:
		return "", false, fmt.Errorf("read %s: %w", dir, err)
	}
	if len(entries) == 0 {
		id, err = markFolder(dir)
		return id, created, err
	}
	for _, e := range entries {
		if e.Name() != worldMarker && !slices.Contains(worldEntries, e.Name()) {
			return "", false, fmt.Errorf("%s holds %s, which no halton-meter-sim world has: refusing to touch it", dir, e.Name())
		}
	}
	old, err := loadMarked(dir)
	switch {
	case err != nil:
		return "", false, err
	case ours(old.Supervisor.PID, old.Supervisor.Stamp):
		return "", false, fmt.Errorf("the world in %s is already up (supervisor PID %d); run down first", dir, old.Supervisor.PID)
	}
	return old.WorldID, false, nil
}

// markFolder writes a new world's marker into the empty folder dir.
func markFolder(dir string) (id string, err error) {
	id = newToken()
	if err := os.WriteFile(filepath.Join(dir, worldMarker), []byte(id+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("mark %s as a world: %w", dir, err)
	}
	return id, nil
}

// loadMarked reads the state of a world this tool made: one whose marker
// names the id its world.json holds. A world.json anyone could have
// written names processes to signal and folders to clear: without the
// marker it is not believed.
func loadMarked(dir string) (*State, error) {
	marker, merr := status.ReadBounded(filepath.Join(dir, worldMarker), 128)
	s, err := LoadState(dir)
	switch {
	case err != nil:
		return nil, err
	case merr != nil || s.WorldID == "" || strings.TrimSpace(string(marker)) != s.WorldID:
		return nil, fmt.Errorf("%s is not a world halton-meter-sim made (no marker, or one its world.json does not name): refusing to touch it", dir)
	}
	return s, nil
}

// removeWorld deletes what up creates, and nothing else.
func removeWorld(dir string) {
	for _, e := range worldEntries {
		os.RemoveAll(filepath.Join(dir, e))
	}
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	return strings.Join(lines, "; ")
}

// freePorts asks the kernel for three free loopback ports.
func freePorts() (Ports, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var n [4]int
	for i := range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return Ports{}, fmt.Errorf("find a free port: %w", err)
		}
		ls = append(ls, l)
		n[i] = l.Addr().(*net.TCPAddr).Port
	}
	return Ports{Edge: n[0], Internal: n[1], API: n[2], LLM: n[3]}, nil
}

// waitGone waits for a process to end.
func waitGone(pid int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if !processAlive(pid) {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return !processAlive(pid)
}

// Down stops a world: every job, the thief and the supervisor. It checks
// that no process of the world is left and that its ports are free.
func Down(dir string) error {
	s, err := loadMarked(dir)
	if err != nil {
		return err
	}
	if ours(s.Supervisor.PID, s.Supervisor.Stamp) {
		// A supervisor that cannot be asked is killed; its jobs die with it.
		if _, err := call(dir, opDown, nil, 30*time.Second); err != nil || !waitGone(s.Supervisor.PID, 15*time.Second) {
			if ours(s.Supervisor.PID, s.Supervisor.Stamp) {
				syscall.Kill(s.Supervisor.PID, syscall.SIGKILL)
				waitGone(s.Supervisor.PID, 5*time.Second)
			}
		}
	}
	// Whatever a dead supervisor left behind: only processes that are still
	// the ones it started (a PID may have been reused since).
	type proc struct {
		pid   int
		stamp string
	}
	procs := []proc{{s.ThiefPID, s.ThiefStamp}, {s.LLMPID, s.LLMStamp}}
	for _, j := range s.Jobs {
		procs = append(procs, proc{j.PID, j.Stamp})
	}
	for _, p := range procs {
		if ours(p.pid, p.stamp) {
			syscall.Kill(p.pid, syscall.SIGKILL)
			waitGone(p.pid, 5*time.Second)
		}
	}
	var busy []string
	for _, port := range []int{s.Ports.Edge, s.Ports.Internal, s.Ports.API} {
		deadline := time.Now().Add(5 * time.Second)
		for accepting(port) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if accepting(port) {
			busy = append(busy, strconv.Itoa(port))
		}
	}
	if len(busy) > 0 {
		return fmt.Errorf("the world is down, but port %s is still in use by another process", strings.Join(busy, ", "))
	}
	return nil
}

// writeStatus prints what is running in a world.
func writeStatus(w io.Writer, dir string, s *State) {
	state := "down"
	if ours(s.Supervisor.PID, s.Supervisor.Stamp) {
		state = fmt.Sprintf("up (supervisor PID %d", s.Supervisor.PID)
		if s.Supervisor.Owner > 0 {
			state += fmt.Sprintf(", owner PID %d", s.Supervisor.Owner)
		}
		state += ")"
	}
	fmt.Fprintf(w, "world %s: %s\n", dir, state)
	fmt.Fprintf(w, "mode %s · ports edge %d, internal %d, api %d · Halton Meter %s\n", s.Mode, s.Ports.Edge, s.Ports.Internal, s.Ports.API, s.HaltonVersion)
	labels := make([]string, 0, len(s.Jobs))
	for l := range s.Jobs {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	for _, l := range labels {
		j := s.Jobs[l]
		what := "not loaded"
		switch {
		case j.Loaded && j.PID > 0:
			what = fmt.Sprintf("running, PID %d", j.PID)
		case j.Loaded:
			what = fmt.Sprintf("loaded, not running (last status %d)", j.Status)
		}
		fmt.Fprintf(w, "  %-32s %s\n", l, what)
	}
	if s.ThiefPID > 0 {
		fmt.Fprintf(w, "  %-32s PID %d holds port %d\n", "(another process)", s.ThiefPID, s.Ports.Internal)
	}
	for _, svc := range s.Services {
		proxy := "off"
		if svc.Secure.Enabled {
			proxy = fmt.Sprintf("%s:%d", svc.Secure.Server, svc.Secure.Port)
		}
		if !svc.Enabled {
			proxy += " (service disabled)"
		}
		fmt.Fprintf(w, "  service %-24s secure web proxy %s\n", svc.Name, proxy)
	}
	faults := "none"
	if len(s.Faults) > 0 {
		faults = strings.Join(s.Faults, ", ")
	}
	fmt.Fprintf(w, "faults: %s\n", faults)
}
