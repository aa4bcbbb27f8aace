package sim

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
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
  init --dir DIR MODE    as "halton-meter init --mode MODE" (env-only, apps,
                         full): the install rewritten for MODE, the proxies
                         set or cleared, the jobs started again; ends every
                         fault, as init does
  upgrade --dir DIR      an upgrade: the next version in the venv, the four
                         LaunchAgent plists rewritten, every job started again
  network --dir DIR NAME make Wi-Fi or Ethernet the service in use (the
                         other switched off, each keeping its proxies)
  status --dir DIR       what is running
  env --dir DIR          print the environment again
  traffic --dir DIR [--requests N] [--model M] [--via edge|direct] [--days-ago D] [--at TIME] [--prompt-tokens T]
                         call the world's fake LLM API, through the edge as
                         apps do (metered while the daemon is up, passed
                         through unmetered while it is down), or directly;
                         --days-ago dates them back, for a week of history;
                         --at dates them at a simulated week's time;
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
	c := &command{name: args[0], stdout: stdout, stderr: stderr}
	switch c.name {
	case "up":
		return c.up(args[1:])
	case "fault":
		return c.fault(args[1:])
	case "heal":
		return c.onWorld(args[1:], func(dir string) error { return worldOp(dir, opHeal, nil) })
	case "upgrade":
		return c.onWorld(args[1:], func(dir string) error { return worldOp(dir, opUpgrade, nil) })
	case "init", "network":
		return c.oneArg(args[1:])
	case "down":
		return c.onWorld(args[1:], Down)
	case "host", "unhost":
		return c.host(args[1:])
	case "traffic":
		return c.traffic(args[1:])
	case "env":
		return c.env(args[1:])
	case "status":
		return c.status(args[1:])
	case "_supervise":
		return c.supervise(args[1:])
	case "_thief", "_llm":
		return c.helper(args[1:])
	}
	fmt.Fprintf(stderr, "halton-meter-sim: unknown command %q\n\n%s", c.name, usage)
	return exitUsage
}

// command is one run of a subcommand, each with a flag set of its own.
type command struct {
	name           string
	stdout, stderr io.Writer
	fs             *flag.FlagSet
	dir            *string
}

// flags starts the subcommand's flag set, with the --dir every world's
// subcommand takes.
func (c *command) flags() *flag.FlagSet {
	c.fs = flag.NewFlagSet("halton-meter-sim "+c.name, flag.ContinueOnError)
	c.fs.SetOutput(c.stderr)
	c.dir = c.fs.String("dir", "", "the world's folder")
	return c.fs
}

// parse reads the arguments (flags anywhere among them), checks that
// there are want positional ones and a --dir, and returns the folder,
// made absolute, and the positional arguments; code is set on a failure.
func (c *command) parse(args []string, want int) (dir string, positional []string, code int, ok bool) {
	positional, err := parseInterspersed(c.fs, args)
	switch {
	case err != nil:
		return "", nil, exitUsage, false
	case *c.dir == "":
		fmt.Fprintf(c.stderr, "halton-meter-sim %s: --dir is required\n", c.name)
		return "", nil, exitUsage, false
	case len(positional) != want:
		fmt.Fprintf(c.stderr, "halton-meter-sim %s: want %d argument(s), got %q\n", c.name, want, positional)
		return "", nil, exitUsage, false
	}
	abs, err := filepath.Abs(*c.dir)
	if err != nil {
		return "", nil, c.fail(err), false
	}
	return abs, positional, 0, true
}

func (c *command) fail(err error) int { return result(c.stderr, c.name, err) }

func (c *command) usage(format string, a ...any) int {
	fmt.Fprintf(c.stderr, "halton-meter-sim %s: "+format+"\n", append([]any{c.name}, a...)...)
	return exitUsage
}

// onWorld runs fn on the world of --dir.
func (c *command) onWorld(args []string, fn func(dir string) error) int {
	c.flags()
	dir, _, code, ok := c.parse(args, 0)
	if !ok {
		return code
	}
	return c.fail(fn(dir))
}

func (c *command) up(args []string) int {
	fs := c.flags()
	mode := fs.String("mode", status.ModeApps, "install mode: env-only, apps or full")
	ports := fs.String("ports", "", "EDGE,INTERNAL,API (default: free ports)")
	owner := fs.Int("owner", os.Getppid(), "PID whose end ends the world (0: none)")
	dir, _, code, ok := c.parse(args, 0)
	if !ok {
		return code
	}
	p, err := parsePorts(*ports)
	if err != nil {
		return c.usage("--ports: %v", err)
	}
	if err := Up(dir, *mode, p, *owner); err != nil {
		return c.fail(err)
	}
	printEnv(c.stdout, dir)
	return 0
}

func (c *command) fault(args []string) int {
	fs := c.flags()
	list := fs.Bool("list", false, "list the faults")
	if _, err := parseInterspersed(fs, args); err == nil && *list {
		for _, n := range FaultNames() {
			fmt.Fprintf(c.stdout, "%-18s %s\n", n, Faults[n])
		}
		return 0
	}
	c.flags() // parsed again, from the start
	dir, positional, code, ok := c.parse(args, 1)
	if !ok {
		return code
	}
	if _, ok := Faults[positional[0]]; !ok {
		return c.fail(fmt.Errorf("unknown fault %q; one of: %s", positional[0], strings.Join(FaultNames(), ", ")))
	}
	return c.fail(worldOp(dir, opFault, positional))
}

// oneArg runs init or network, each with its one argument.
func (c *command) oneArg(args []string) int {
	c.flags()
	dir, positional, code, ok := c.parse(args, 1)
	if !ok {
		return code
	}
	op, valid := opInit, Modes
	if c.name == "network" {
		op, valid = opNetwork, Networks
	}
	if !slices.Contains(valid, positional[0]) {
		return c.fail(fmt.Errorf("unknown %s %q; one of: %s", c.name, positional[0], strings.Join(valid, ", ")))
	}
	return c.fail(worldOp(dir, op, positional))
}

func (c *command) host(args []string) int {
	fs := c.flags()
	home := fs.String("home", "", "the home to install the world's agents into")
	mode := fs.String("mode", status.ModeApps, "install mode: apps or env-only")
	dir, _, code, ok := c.parse(args, 0)
	if !ok {
		return code
	}
	if *home == "" {
		return c.usage("--home is required")
	}
	h, err := filepath.Abs(*home)
	if err != nil {
		return c.fail(err)
	}
	if c.name == "unhost" {
		return c.fail(Unhost(dir, h))
	}
	return c.fail(Host(dir, h, *mode, c.stdout))
}

func (c *command) traffic(args []string) int {
	fs := c.flags()
	requests := fs.Int("requests", 5, "how many calls")
	model := fs.String("model", "claude-sonnet-4", "the model called")
	via := fs.String("via", "edge", "edge (through the edge proxy, as apps do) or direct")
	daysAgo := fs.Int("days-ago", 0, "date the calls this many days back (0 to 7), for a week of history")
	promptTokens := fs.Int("prompt-tokens", 0, "pad each prompt with about this many tokens of context")
	atText := fs.String("at", "", "date the calls at this time (RFC 3339, a week back to 400 days on): a simulated week's")
	dir, _, code, ok := c.parse(args, 0)
	if !ok {
		return code
	}
	var at time.Time
	if *atText != "" {
		var err error
		if at, err = time.Parse(time.RFC3339Nano, *atText); err != nil || !inWindow(at, time.Now()) {
			return c.usage("--at is a time in RFC 3339, from a week back to 400 days on")
		}
	}
	if *requests < 1 || *requests > 100000 || (*via != "edge" && *via != "direct") || *daysAgo < 0 || *daysAgo > 7 ||
		*promptTokens < 0 || *promptTokens > MaxPromptTokens {
		return c.usage("--requests 1 to 100000, --via edge or direct, --days-ago 0 to 7, --prompt-tokens 0 to %d", MaxPromptTokens)
	}
	return c.fail(Traffic(dir, TrafficOptions{Requests: *requests, Model: *model, Direct: *via == "direct", DaysAgo: *daysAgo, PromptTokens: *promptTokens, At: at}, c.stdout))
}

func (c *command) env(args []string) int {
	c.flags()
	dir, _, code, ok := c.parse(args, 0)
	if !ok {
		return code
	}
	if _, err := LoadState(dir); err != nil {
		return c.fail(err)
	}
	printEnv(c.stdout, dir)
	return 0
}

func (c *command) status(args []string) int {
	c.flags()
	dir, _, code, ok := c.parse(args, 0)
	if !ok {
		return code
	}
	s, err := LoadState(dir)
	if err != nil {
		return c.fail(err)
	}
	writeStatus(c.stdout, dir, s)
	if !ours(s.Supervisor.PID, s.Supervisor.Stamp) {
		return 1
	}
	return 0
}

// supervise is the world's launchd, started by up.
func (c *command) supervise(args []string) int {
	fs := c.flags()
	owner := fs.Int("owner", 0, "PID whose end ends the world (0: none)")
	dir, _, code, ok := c.parse(args, 0)
	if !ok {
		return code
	}
	return c.fail(runSupervisor(dir, *owner))
}

// helper is a process the supervisor starts beside the jobs: the port
// thief, or the fake LLM API.
func (c *command) helper(args []string) int {
	fs := flag.NewFlagSet("halton-meter-sim "+c.name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	port := fs.Int("port", 0, "the port to hold")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if c.name == "_thief" {
		return thiefMain(*port)
	}
	return runLLM(*port)
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

// freePorts finds four free loopback ports: the edge's, the daemon's two
// and the fake LLM API's.
func freePorts() (Ports, error) {
	n, err := FreeLoopbackPorts(4)
	if err != nil {
		return Ports{}, err
	}
	return Ports{Edge: n[0], Internal: n[1], API: n[2], LLM: n[3]}, nil
}

// FreeLoopbackPorts finds n free loopback ports for servers a test starts
// later. They are drawn from below the ports the kernel hands out to
// outgoing connections (32768 and up on Linux, 49152 and up on macOS): a
// port the kernel picked for a listener is free only until the next
// connection takes it as its source port, and on a busy machine one did
// before a world's edge could bind it. Each is checked by binding it.
func FreeLoopbackPorts(n int) ([]int, error) {
	const lo, hi = 20000, 32768
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for tries := 0; len(ports) < n; tries++ {
		if tries > 200 {
			return nil, fmt.Errorf("find a free port: none free in %d-%d after %d tries", lo, hi-1, tries)
		}
		port := lo + rand.IntN(hi-lo)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue // taken: another
		}
		ls = append(ls, l)
		ports = append(ports, port)
	}
	return ports, nil
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
