package sim

import (
	"bufio"
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// Environment of the jobs the supervisor starts.
const envDir = "HALTON_SIM_DIR"

// readyTimeout bounds how long a started job may take to bind its ports.
const readyTimeout = 10 * time.Second

// supervisor is the world's launchd.
type supervisor struct {
	dir  string
	p    Paths
	self string
	log  *log.Logger

	opMu sync.Mutex // one launchctl, fault or heal at a time
	mu   sync.Mutex // guards s, procs and thief
	s    *State
	// procs are the running jobs by label.
	procs map[string]*proc
	thief *proc
	llm   *proc
}

type proc struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

// runSupervisor is the body of `halton-meter-sim _supervise`.
func runSupervisor(dir string, owner int) error {
	p := PathsFor(dir)
	logf, err := os.OpenFile(filepath.Join(p.Run, "supervisor.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open supervisor log: %w", err)
	}
	defer logf.Close()
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the sim binary: %w", err)
	}
	s, err := LoadState(dir)
	if err != nil {
		return err
	}
	sv := &supervisor{dir: dir, p: p, self: self, s: s, procs: make(map[string]*proc),
		log: log.New(logf, "", log.LstdFlags|log.Lmicroseconds)}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for control: %w", err)
	}
	sv.mu.Lock()
	s.Supervisor = Supervisor{PID: os.Getpid(), Stamp: procStamp(os.Getpid()), Control: ln.Addr().String(), Owner: owner}
	err = s.Save(dir)
	sv.mu.Unlock()
	if err != nil {
		return err
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	go func() {
		sig := <-sigs
		sv.log.Printf("signal %v: tearing down", sig)
		sv.teardown()
	}()
	if owner > 1 {
		go sv.watchOwner(owner)
	}
	go sv.serve(ln)

	if err := sv.startLLM(); err != nil {
		sv.log.Printf("the fake LLM API: %v", err)
	}
	if err := sv.bringUp(); err != nil {
		sv.log.Printf("bring-up failed: %v", err)
		sv.teardown()
	}
	sv.mu.Lock()
	sv.s.Supervisor.Ready = true
	err = sv.s.Save(dir)
	sv.mu.Unlock()
	if err != nil {
		sv.teardown()
	}
	sv.log.Printf("world up: mode %s, ports %+v", sv.s.Mode, sv.s.Ports)
	select {}
}

// watchOwner tears the world down once its owner is gone.
func (sv *supervisor) watchOwner(owner int) {
	for range time.Tick(300 * time.Millisecond) {
		if !processAlive(owner) {
			sv.log.Printf("owner %d is gone: tearing down", owner)
			sv.teardown()
		}
	}
}

// bringUp does what init and start do: loads the four jobs, then starts
// the edge, the daemon with its watchdog, and the login agent.
func (sv *supervisor) bringUp() error {
	sv.mu.Lock()
	for _, label := range status.Labels {
		j := sv.s.Jobs[label]
		if j == nil {
			j = &Job{Label: label}
			sv.s.Jobs[label] = j
		}
		j.Loaded = true
	}
	err := sv.s.Save(sv.dir)
	sv.mu.Unlock()
	if err != nil {
		return err
	}
	for _, label := range []string{status.LabelEdge, status.LabelDaemon, status.LabelWatchdog, status.LabelUserenv} {
		if err := sv.startJob(label); err != nil {
			return err
		}
	}
	return nil
}

// startJob starts a loaded job from its plist and waits until it is ready:
// its ports bound, or for the login agent, its run finished. A job that
// exits before it is ready is not an error: launchd records the status.
func (sv *supervisor) startJob(label string) error {
	agent, err := status.ReadLaunchAgent(sv.p.PlistPath(label))
	if err != nil {
		return err
	}
	sv.mu.Lock()
	if pr := sv.procs[label]; pr != nil {
		sv.mu.Unlock()
		return nil
	}
	cmd := exec.Command(agent.ProgramArguments[0], agent.ProgramArguments[1:]...)
	cmd.Env = append(os.Environ(), envDir+"="+sv.dir)
	cmd.Stdout = appendLog(agent.StandardOutPath)
	cmd.Stderr = appendLog(agent.StandardErrorPath)
	cmd.SysProcAttr = jobAttr()
	if err := cmd.Start(); err != nil {
		sv.mu.Unlock()
		return fmt.Errorf("start %s: %w", label, err)
	}
	pr := &proc{cmd: cmd, exited: make(chan struct{})}
	sv.procs[label] = pr
	j := sv.s.Jobs[label]
	j.PID, j.Stamp = cmd.Process.Pid, procStamp(cmd.Process.Pid)
	err = sv.s.Save(sv.dir)
	sv.mu.Unlock()
	sv.log.Printf("started %s as PID %d", label, cmd.Process.Pid)
	go sv.reap(label, pr)
	if err != nil {
		return err
	}

	var ports []int
	switch label {
	case status.LabelEdge:
		ports = []int{sv.s.Ports.Edge}
	case status.LabelDaemon:
		ports = []int{sv.s.Ports.Internal, sv.s.Ports.API}
	case status.LabelUserenv:
		select {
		case <-pr.exited:
		case <-time.After(readyTimeout):
		}
		return nil
	}
	waitReady(ports, pr.exited)
	return nil
}

// appendLog opens a job's log for appending, as launchd does with
// StandardOutPath; nil (discard) when there is none.
func appendLog(path string) *os.File {
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil
	}
	return f
}

// reap waits for a job to end and records how, as launchd does.
func (sv *supervisor) reap(label string, pr *proc) {
	err := pr.cmd.Wait()
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = -int(ws.Signal())
		} else {
			code = exitErr.ExitCode()
		}
	}
	for _, f := range []any{pr.cmd.Stdout, pr.cmd.Stderr} {
		if c, ok := f.(*os.File); ok && c != nil {
			c.Close()
		}
	}
	sv.mu.Lock()
	if sv.procs[label] == pr {
		delete(sv.procs, label)
		if j := sv.s.Jobs[label]; j != nil {
			j.PID, j.HasStatus, j.Status = 0, true, code
		}
		if err := sv.s.Save(sv.dir); err != nil {
			sv.log.Printf("save: %v", err)
		}
	}
	sv.mu.Unlock()
	sv.log.Printf("%s (PID %d) ended with status %d", label, pr.cmd.Process.Pid, code)
	close(pr.exited)
}

// stopJob signals a running job and waits for it to end; SIGKILL follows
// a SIGTERM that is not obeyed within 3 s.
func (sv *supervisor) stopJob(label string, sig syscall.Signal) {
	sv.mu.Lock()
	pr := sv.procs[label]
	sv.mu.Unlock()
	if pr == nil {
		return
	}
	pr.cmd.Process.Signal(sig)
	select {
	case <-pr.exited:
	case <-time.After(3 * time.Second):
		pr.cmd.Process.Kill()
		<-pr.exited
	}
}

// setLoaded marks a job loaded or booted out.
func (sv *supervisor) setLoaded(label string, loaded bool) error {
	return sv.changeJob(label, func(j *Job) { j.Loaded = loaded })
}

// setDisabled switches a job off or on; it stays loaded or not as it is.
func (sv *supervisor) setDisabled(label string, disabled bool) error {
	return sv.changeJob(label, func(j *Job) { j.Disabled = disabled })
}

// changeJob changes a job of the state, known or not yet, and saves it.
func (sv *supervisor) changeJob(label string, fn func(j *Job)) error {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	j := sv.s.Jobs[label]
	if j == nil {
		j = &Job{Label: label}
		sv.s.Jobs[label] = j
	}
	fn(j)
	return sv.s.Save(sv.dir)
}

// teardown stops every process of the world, marks it down and exits.
func (sv *supervisor) teardown() {
	sv.mu.Lock()
	labels := make([]string, 0, len(sv.procs))
	for label := range sv.procs {
		labels = append(labels, label)
	}
	sv.mu.Unlock()
	var wg sync.WaitGroup
	for _, label := range labels {
		wg.Add(1)
		go func() { defer wg.Done(); sv.stopJob(label, syscall.SIGTERM) }()
	}
	wg.Wait()
	sv.stopSidecar(sv.thiefSidecar())
	sv.stopSidecar(sv.llmSidecar())
	sv.mu.Lock()
	for _, j := range sv.s.Jobs {
		j.Loaded, j.PID = false, 0
	}
	sv.s.Supervisor = Supervisor{}
	sv.s.Save(sv.dir)
	sv.mu.Unlock()
	sv.log.Printf("world down")
	os.Exit(0)
}

// serve answers control requests, one connection per request.
func (sv *supervisor) serve(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go sv.handle(conn)
	}
}

// maxRequest bounds a control request once its sender is known: an
// operation and a few arguments.
const maxRequest = 64 << 10

// handle answers one control connection: the world's token on a line of
// its own, then the request. Nothing but the token's length is read from
// a sender who does not know it, and the request is bounded too, so no
// local user can grow the supervisor by sending it a line without end.
func (sv *supervisor) handle(conn net.Conn) {
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	refuse := func() { json.NewEncoder(conn).Encode(Response{Error: "refused", Exit: 1}) }
	token := []byte(sv.s.Token)
	got, err := boundedLine(conn, len(token)+1)
	if err != nil || subtle.ConstantTimeCompare(got, token) != 1 {
		refuse()
		return
	}
	line, err := boundedLine(conn, maxRequest)
	if err != nil {
		refuse()
		return
	}
	conn.SetReadDeadline(time.Time{})
	var req Request
	if err := json.Unmarshal(line, &req); err != nil {
		refuse()
		return
	}
	resp := sv.do(req)
	json.NewEncoder(conn).Encode(resp)
	if req.Op == opDown {
		sv.teardown()
	}
}

// boundedLine reads one line of at most limit bytes (its newline
// included) and returns it without the newline; a longer one is an error,
// and nothing past limit is read.
func boundedLine(r io.Reader, limit int) ([]byte, error) {
	line, err := bufio.NewReaderSize(io.LimitReader(r, int64(limit)), 16).ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("no line within %d bytes: %w", limit, err)
	}
	return bytes.TrimSuffix(line, []byte("\n")), nil
}

func (sv *supervisor) do(req Request) Response {
	switch req.Op {
	case opDown:
		return Response{}
	case opFailsafe:
		return errResponse(sv.setProxies(func(i int, svc *Service) {
			svc.Secure.Enabled, svc.Web.Enabled = false, false
		}))
	case opProxyOn:
		return errResponse(sv.proxiesOnEdge())
	}
	sv.opMu.Lock()
	defer sv.opMu.Unlock()
	sv.log.Printf("op %s %q", req.Op, req.Args)
	switch req.Op {
	case opFault:
		if len(req.Args) != 1 {
			return Response{Error: "fault needs one name", Exit: 2}
		}
		return errResponse(sv.fault(req.Args[0]))
	case opHeal:
		return errResponse(sv.heal())
	case opUpgrade:
		return errResponse(sv.upgrade())
	case opInit, opNetwork:
		if len(req.Args) != 1 {
			return Response{Error: req.Op + " needs one argument", Exit: 2}
		}
		if req.Op == opInit {
			return errResponse(sv.initMode(req.Args[0]))
		}
		return errResponse(sv.network(req.Args[0]))
	case opLaunchctl:
		return sv.launchctl(req.Args)
	case opNetworksetup:
		return sv.networksetup(req.Args)
	}
	return Response{Error: "unknown operation " + strconv.Quote(req.Op), Exit: 2}
}

func errResponse(err error) Response {
	if err != nil {
		return Response{Error: err.Error(), Exit: 1}
	}
	return Response{}
}

// setProxies changes every service with fn and rewrites preferences.plist.
func (sv *supervisor) setProxies(fn func(i int, svc *Service)) error {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	for i := range sv.s.Services {
		fn(i, &sv.s.Services[i])
	}
	if err := sv.s.Save(sv.dir); err != nil {
		return err
	}
	return writePreferences(sv.p, sv.s)
}

// proxiesOnEdge points every enabled service's web and secure web proxy at
// the edge, as full mode does.
func (sv *supervisor) proxiesOnEdge() error {
	edge := status.ProxySetting{Enabled: true, Server: "127.0.0.1", Port: sv.s.Ports.Edge}
	return sv.setProxies(func(i int, svc *Service) {
		if svc.Enabled {
			svc.Secure, svc.Web = edge, edge
		}
	})
}

// sidecar is where the supervisor keeps one of its own helper processes
// (the fake LLM API, a port thief): the running process, and its PID and
// stamp in the world's state, for down to find after a crash.
type sidecar struct {
	proc  **proc
	pid   *int
	stamp *string
}

func (sv *supervisor) llmSidecar() sidecar {
	return sidecar{proc: &sv.llm, pid: &sv.s.LLMPID, stamp: &sv.s.LLMStamp}
}

func (sv *supervisor) thiefSidecar() sidecar {
	return sidecar{proc: &sv.thief, pid: &sv.s.ThiefPID, stamp: &sv.s.ThiefStamp}
}

// startSidecar runs `halton-meter-sim role --port port` into sc, saves the
// state, and waits until the port accepts.
func (sv *supervisor) startSidecar(sc sidecar, role string, port int, what string) error {
	cmd := exec.Command(sv.self, role, "--port", strconv.Itoa(port))
	cmd.SysProcAttr = jobAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", what, err)
	}
	pr := &proc{cmd: cmd, exited: make(chan struct{})}
	go func() { cmd.Wait(); close(pr.exited) }()
	sv.mu.Lock()
	*sc.proc = pr
	*sc.pid, *sc.stamp = cmd.Process.Pid, procStamp(cmd.Process.Pid)
	err := sv.s.Save(sv.dir)
	sv.mu.Unlock()
	waitReady([]int{port}, pr.exited)
	return err
}

// stopSidecar kills sc's process, if any, and forgets it.
func (sv *supervisor) stopSidecar(sc sidecar) {
	sv.mu.Lock()
	pr := *sc.proc
	*sc.proc = nil
	*sc.pid, *sc.stamp = 0, ""
	sv.mu.Unlock()
	if pr != nil {
		pr.cmd.Process.Kill()
		<-pr.exited
	}
}

// startLLM starts the fake LLM API on the world's LLM port.
func (sv *supervisor) startLLM() error {
	if sv.s.Ports.LLM == 0 {
		return nil
	}
	return sv.startSidecar(sv.llmSidecar(), "_llm", sv.s.Ports.LLM, "the fake LLM API")
}

// startThief has another process take port, answering 404 to any request.
func (sv *supervisor) startThief(port int) error {
	return sv.startSidecar(sv.thiefSidecar(), "_thief", port, "the port thief")
}

// waitReady waits until every port accepts, the process exits, or the
// ready timeout passes.
func waitReady(ports []int, exited <-chan struct{}) {
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		all := true
		for _, port := range ports {
			if !accepting(port) {
				all = false
				break
			}
		}
		if all {
			return
		}
		select {
		case <-exited:
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func accepting(port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 200*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// waitClosed waits until port refuses connections.
func waitClosed(port int) {
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) && accepting(port) {
		time.Sleep(20 * time.Millisecond)
	}
}

// labelFromTarget reads the label of "gui/<uid>/<label>".
func labelFromTarget(target string) (string, bool) {
	parts := strings.SplitN(target, "/", 3)
	if len(parts) != 3 || parts[0] != "gui" || parts[2] == "" {
		return "", false
	}
	return parts[2], true
}
