package sim

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// Exit statuses of the real tools.
const (
	exitNotFound  = 113 // launchctl: no such service
	exitNoDomain  = 112 // launchctl: no such domain
	exitBootstrap = 5   // launchctl bootstrap of a loaded job
	exitNoService = 4   // networksetup: not a recognized network service
	exitUsage     = 64
)

// hang blocks until the process is killed, as a hung tool does.
func hang() {
	for {
		time.Sleep(time.Hour)
	}
}

// CallsLog is where each fake tool call is counted, one line per process:
// how a benchmark sees what another program spawned.
func CallsLog(dir string) string { return filepath.Join(PathsFor(dir).Run, "tool-calls.log") }

// toolState loads the world for a fake tool, and hangs there while the
// tool's hang fault is active.
func toolState(dir, tool, hangFault string, stderr io.Writer) (*State, bool) {
	if f, err := os.OpenFile(CallsLog(dir), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err == nil {
		fmt.Fprintln(f, tool)
		f.Close()
	}
	s, err := LoadState(dir)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", tool, err)
		return nil, false
	}
	if s.HasFault(hangFault) {
		hang()
	}
	return s, true
}

// forward has the supervisor carry out a tool's command, and prints what
// the tool would.
func forward(dir, tool, op string, args []string, stdout, stderr io.Writer) int {
	resp, err := call(dir, op, args, 30*time.Second)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", tool, err)
		return 1
	}
	io.WriteString(stdout, resp.Stdout)
	io.WriteString(stderr, resp.Stderr)
	return resp.Exit
}

// launchctlMain answers as launchctl from the world's state. Reads come
// from world.json; kickstart, bootstrap and bootout go to the supervisor.
func launchctlMain(dir string, args []string, stdout, stderr io.Writer) int {
	s, ok := toolState(dir, "launchctl", FaultLaunchctlHang, stderr)
	if !ok {
		return 1
	}
	if len(args) == 0 {
		fmt.Fprintln(stderr, "Usage: launchctl <subcommand> ... | help [subcommand]")
		return exitUsage
	}
	switch args[0] {
	case "print":
		if len(args) == 2 {
			return launchctlPrint(PathsFor(dir), s, args[1], stdout, stderr)
		}
	case "print-disabled":
		if len(args) == 2 {
			if args[1] != status.GUIDomain(s.UID) {
				fmt.Fprintf(stderr, "Could not find domain for %s\n", strings.Replace(args[1], "/", " ", 1))
				return exitNoDomain
			}
			io.WriteString(stdout, printDisabled(s))
			return 0
		}
	case "list":
		switch len(args) {
		case 1:
			io.WriteString(stdout, listTable(s))
			return 0
		case 2:
			j := s.Job(args[1])
			if !j.Loaded {
				fmt.Fprintf(stderr, "Could not find service %q in domain for port\n", args[1])
				return exitNotFound
			}
			io.WriteString(stdout, listLabel(PathsFor(dir), j))
			return 0
		}
	case "kickstart", "bootstrap", "bootout", "enable", "disable":
		return forward(dir, "launchctl", opLaunchctl, args, stdout, stderr)
	}
	fmt.Fprintf(stderr, "Unrecognized subcommand: %s\nUsage: launchctl <subcommand> ... | help [subcommand]\n", args[0])
	return exitUsage
}

// listTable is `launchctl list`: a few of macOS's own jobs, then the
// world's loaded jobs; from a Background session (SSH), the user's GUI
// agents are not in it.
func listTable(s *State) string {
	var b strings.Builder
	b.WriteString("PID\tStatus\tLabel\n-\t0\tcom.apple.SafariHistoryServiceAgent\n612\t0\tcom.apple.Finder\n-\t-9\tcom.apple.progressd\n")
	labels := make([]string, 0, len(s.Jobs))
	for label, j := range s.Jobs {
		if j.Loaded && !s.HasFault(FaultBackgroundSession) {
			labels = append(labels, label)
		}
	}
	sort.Strings(labels)
	for _, label := range labels {
		j := s.Jobs[label]
		pid := "-"
		if j.PID > 0 {
			pid = strconv.Itoa(j.PID)
		}
		fmt.Fprintf(&b, "%s\t%d\t%s\n", pid, j.Status, label)
	}
	b.WriteString("-\t0\tcom.apple.quicklook\n")
	return b.String()
}

// listLabel is `launchctl list <label>`: an OpenStep dictionary in
// launchd's key order, arrays with `;`, LastExitStatus as a raw wait status.
func listLabel(p Paths, j Job) string {
	a, err := status.ReadLaunchAgent(p.PlistPath(j.Label))
	if err != nil {
		a = status.LaunchAgent{Label: j.Label}
	}
	var b strings.Builder
	b.WriteString("{\n")
	if a.StandardOutPath != "" {
		fmt.Fprintf(&b, "\t\"StandardOutPath\" = %q;\n", a.StandardOutPath)
	}
	b.WriteString("\t\"LimitLoadToSessionType\" = \"Aqua\";\n")
	if a.StandardErrorPath != "" {
		fmt.Fprintf(&b, "\t\"StandardErrorPath\" = %q;\n", a.StandardErrorPath)
	}
	fmt.Fprintf(&b, "\t\"Label\" = %q;\n", j.Label)
	fmt.Fprintf(&b, "\t\"OnDemand\" = %t;\n", !a.KeepsAlive())
	if j.HasStatus {
		fmt.Fprintf(&b, "\t\"LastExitStatus\" = %d;\n", toWaitStatus(j.Status))
	}
	if j.PID > 0 {
		fmt.Fprintf(&b, "\t\"PID\" = %d;\n", j.PID)
	}
	if exe := a.Executable(); exe != "" {
		fmt.Fprintf(&b, "\t\"Program\" = %q;\n", exe)
		b.WriteString("\t\"ProgramArguments\" = (\n")
		for _, arg := range a.ProgramArguments {
			fmt.Fprintf(&b, "\t\t%q;\n", arg)
		}
		b.WriteString("\t);\n")
	}
	b.WriteString("};\n")
	return b.String()
}

// launchctlPrint is `launchctl print gui/<uid>/<label>`.
func launchctlPrint(p Paths, s *State, target string, stdout, stderr io.Writer) int {
	parts := strings.SplitN(target, "/", 3)
	if len(parts) != 3 || parts[0] != "gui" || parts[2] == "" {
		fmt.Fprintln(stderr, "Unrecognized target specifier.")
		return exitUsage
	}
	if parts[1] != strconv.Itoa(s.UID) {
		fmt.Fprintf(stderr, "Could not find domain for user gui: %s\n", parts[1])
		return exitNoDomain
	}
	j := s.Job(parts[2])
	if !j.Loaded {
		fmt.Fprintf(stderr, "Bad request.\nCould not find service %q in domain for user gui: %d\n", parts[2], s.UID)
		return exitNotFound
	}
	io.WriteString(stdout, printBlock(p, s.UID, j))
	return 0
}

// printBlock is a job as `launchctl print` shows it: tab-indented
// `key = value` lines, nested blocks one tab deeper.
func printBlock(p Paths, uid int, j Job) string {
	a, err := status.ReadLaunchAgent(p.PlistPath(j.Label))
	if err != nil {
		a = status.LaunchAgent{Label: j.Label}
	}
	var b strings.Builder
	active, state := 0, "not running"
	if j.PID > 0 {
		active, state = 1, "running"
	}
	fmt.Fprintf(&b, "gui/%d/%s = {\n\tactive count = %d\n\tpath = %s\n\ttype = LaunchAgent\n\tstate = %s\n\n", uid, j.Label, active, p.PlistPath(j.Label), state)
	if exe := a.Executable(); exe != "" {
		fmt.Fprintf(&b, "\tprogram = %s\n\targuments = {\n", exe)
		for _, arg := range a.ProgramArguments {
			fmt.Fprintf(&b, "\t\t%s\n", arg)
		}
		b.WriteString("\t}\n\n")
	}
	if a.StandardOutPath != "" {
		fmt.Fprintf(&b, "\tstdout path = %s\n\tstderr path = %s\n", a.StandardOutPath, a.StandardErrorPath)
	}
	b.WriteString("\tinherited environment = {\n\t\tSSH_AUTH_SOCK => /private/tmp/com.apple.launchd.sim/Listeners\n\t}\n\n")
	fmt.Fprintf(&b, "\tdomain = gui/%d [100041]\n\tasid = 100041\n\tminimum runtime = 10\n\texit timeout = 5\n", uid)
	if j.PID > 0 {
		fmt.Fprintf(&b, "\tpid = %d\n", j.PID)
	}
	switch {
	case !j.HasStatus:
		b.WriteString("\tlast exit code = (never exited)\n")
	case j.Status < 0:
		fmt.Fprintf(&b, "\tlast terminating signal = %s: %d\n", signalWord(-j.Status), -j.Status)
	default:
		fmt.Fprintf(&b, "\tlast exit code = %d\n", j.Status)
	}
	b.WriteString("\n\tresource coalition = {\n\t\tID = 33815\n\t\ttype = resource\n\t\tstate = active\n\t}\n\n")
	props := []string{}
	if a.KeepsAlive() {
		props = append(props, "keepalive")
	}
	if a.RunAtLoad {
		props = append(props, "runatload")
	}
	props = append(props, "inferred program")
	fmt.Fprintf(&b, "\tspawn type = daemon (3)\n\tproperties = %s\n}\n", strings.Join(props, " | "))
	return b.String()
}

// signalWord is how macOS names a signal in `last terminating signal`.
func signalWord(sig int) string {
	switch sig {
	case 1:
		return "Hangup"
	case 2:
		return "Interrupt"
	case 6:
		return "Abort trap"
	case 9:
		return "Killed"
	case 11:
		return "Segmentation fault"
	case 15:
		return "Terminated"
	}
	return "Signal"
}

// printDisabled is `launchctl print-disabled gui/<uid>`: a few of macOS's
// own overrides, then the world's jobs that have one.
func printDisabled(s *State) string {
	var b strings.Builder
	b.WriteString("disabled services = {\n\t\"com.apple.ScreenReaderUIServer\" => disabled\n")
	labels := make([]string, 0, len(s.Jobs))
	for label, j := range s.Jobs {
		if j.Disabled {
			labels = append(labels, label)
		}
	}
	sort.Strings(labels)
	for _, label := range labels {
		fmt.Fprintf(&b, "\t%q => disabled\n", label)
	}
	b.WriteString("\t\"com.apple.Siri.agent\" => enabled\n}\n")
	return b.String()
}

// toWaitStatus turns the table's convention back into a raw wait(2) status.
func toWaitStatus(st int) int {
	if st < 0 {
		return -st
	}
	return st << 8
}

// launchctl carries out the launchctl operations that change the world.
func (sv *supervisor) launchctl(args []string) Response {
	switch args[0] {
	case "kickstart":
		return sv.kickstart(args)
	case "bootstrap":
		return sv.bootstrapVerb(args)
	case "bootout":
		return sv.bootoutVerb(args)
	case "enable", "disable":
		if len(args) != 2 {
			return launchctlUsage(args[0])
		}
		label, ok := labelFromTarget(args[1])
		if !ok {
			return launchctlUsage(args[0])
		}
		return errResponse(sv.setDisabled(label, args[0] == "disable"))
	}
	return launchctlUsage(args[0])
}

func launchctlUsage(verb string) Response {
	return Response{Stderr: "Usage: launchctl " + verb + " <service-target>\n", Exit: exitUsage}
}

// job is the state of label's job.
func (sv *supervisor) job(label string) Job {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	return sv.s.Job(label)
}

// kickstart is `launchctl kickstart [-k] [-p] [-s] gui/<uid>/<label>`.
func (sv *supervisor) kickstart(args []string) Response {
	kill, printPID := false, false
	var target string
	for _, a := range args[1:] {
		switch a {
		case "-k":
			kill = true
		case "-p":
			printPID = true
		case "-s":
		default:
			target = a
		}
	}
	label, ok := labelFromTarget(target)
	if !ok {
		return launchctlUsage(args[0])
	}
	if !sv.job(label).Loaded {
		return Response{Stderr: fmt.Sprintf("Could not find service %q in domain for user gui: %d\n", label, sv.s.UID), Exit: exitNotFound}
	}
	if !isHalton(label) {
		return Response{}
	}
	if kill {
		sv.stopJob(label, syscall.SIGTERM)
	}
	if err := sv.startJob(label); err != nil {
		return Response{Stderr: err.Error() + "\n", Exit: 1}
	}
	if printPID {
		return Response{Stdout: fmt.Sprintf("%d\n", sv.job(label).PID)}
	}
	return Response{}
}

// bootstrapVerb is `launchctl bootstrap gui/<uid> <plist>`: loaded, and
// started when it runs at load.
func (sv *supervisor) bootstrapVerb(args []string) Response {
	if len(args) != 3 {
		return launchctlUsage(args[0])
	}
	a, err := status.ReadLaunchAgent(args[2])
	if err != nil {
		return Response{Stderr: fmt.Sprintf("Bootstrap failed: 5: Input/output error\n(%v)\n", err), Exit: exitBootstrap}
	}
	if j := sv.job(a.Label); j.Loaded || j.Disabled { // a job switched off cannot be loaded
		return Response{Stderr: "Bootstrap failed: 5: Input/output error\n", Exit: exitBootstrap}
	}
	if err := sv.setLoaded(a.Label, true); err != nil {
		return Response{Stderr: err.Error() + "\n", Exit: 1}
	}
	if a.RunAtLoad && isHalton(a.Label) {
		if err := sv.startJob(a.Label); err != nil {
			return Response{Stderr: err.Error() + "\n", Exit: 1}
		}
	}
	return Response{}
}

// bootoutVerb is `launchctl bootout gui/<uid>/<label>` or `launchctl
// bootout gui/<uid> <plist>`.
func (sv *supervisor) bootoutVerb(args []string) Response {
	var label string
	switch len(args) {
	case 2:
		var ok bool
		if label, ok = labelFromTarget(args[1]); !ok {
			return launchctlUsage(args[0])
		}
	case 3:
		a, err := status.ReadLaunchAgent(args[2])
		if err != nil {
			return Response{Stderr: "Boot-out failed: 5: Input/output error\n", Exit: 5}
		}
		label = a.Label
	default:
		return launchctlUsage(args[0])
	}
	if !sv.job(label).Loaded {
		return Response{Stderr: "Boot-out failed: 113: Could not find specified service\n", Exit: exitNotFound}
	}
	if err := sv.bootout(label); err != nil {
		return Response{Stderr: err.Error() + "\n", Exit: 1}
	}
	return Response{}
}

func isHalton(label string) bool {
	for _, l := range status.Labels {
		if l == label {
			return true
		}
	}
	return false
}

// bootout stops a job and unloads it.
func (sv *supervisor) bootout(label string) error {
	sv.stopJob(label, syscall.SIGTERM)
	return sv.setLoaded(label, false)
}

const serviceListHeader = "An asterisk (*) denotes that a network service is disabled.\n"

// networksetupMain answers as networksetup from the world's state; the
// -set… commands go to the supervisor.
func networksetupMain(dir string, args []string, stdout, stderr io.Writer) int {
	s, ok := toolState(dir, "networksetup", FaultNetworksetupHang, stderr)
	if !ok {
		return 1
	}
	if len(args) == 0 {
		fmt.Fprintln(stderr, "Usage: networksetup -<command> [arguments]")
		return 1
	}
	switch args[0] {
	case "-listallnetworkservices":
		io.WriteString(stdout, serviceListHeader)
		for _, svc := range s.Services {
			prefix := ""
			if !svc.Enabled {
				prefix = "*"
			}
			fmt.Fprintf(stdout, "%s%s\n", prefix, svc.Name)
		}
		return 0
	case "-listnetworkserviceorder":
		io.WriteString(stdout, serviceListHeader)
		n := 0
		for i, svc := range s.Services {
			num := "*"
			if svc.Enabled {
				n++
				num = strconv.Itoa(n)
			}
			fmt.Fprintf(stdout, "(%s) %s\n(Hardware Port: %s, Device: en%d)\n\n", num, svc.Name, svc.Name, i)
		}
		return 0
	case "-getsecurewebproxy", "-getwebproxy":
		if len(args) != 2 {
			fmt.Fprintf(stderr, "Usage: networksetup %s <networkservice>\n", args[0])
			return 1
		}
		svc, ok := findService(s.Services, args[1])
		if !ok {
			fmt.Fprint(stdout, notAService(args[1]))
			return exitNoService
		}
		ps := svc.Secure
		if args[0] == "-getwebproxy" {
			ps = svc.Web
		}
		enabled := "No"
		if ps.Enabled {
			enabled = "Yes"
		}
		fmt.Fprintf(stdout, "Enabled: %s\nServer: %s\nPort: %d\nAuthenticated Proxy Enabled: 0\n", enabled, ps.Server, ps.Port)
		return 0
	case "-setsecurewebproxystate", "-setwebproxystate", "-setsecurewebproxy", "-setwebproxy":
		return forward(dir, "networksetup", opNetworksetup, args, stdout, stderr)
	}
	fmt.Fprintf(stdout, "** Error: Unknown command %s\n", args[0])
	return 1
}

func notAService(name string) string {
	return name + " is not a recognized network service.\n** Error: The parameters were not valid.\n"
}

func findService(services []Service, name string) (Service, bool) {
	for _, s := range services {
		if s.Name == name {
			return s, true
		}
	}
	return Service{}, false
}

// networksetup carries out the -set… commands.
func (sv *supervisor) networksetup(args []string) Response {
	want := map[string]int{"-setsecurewebproxystate": 3, "-setwebproxystate": 3, "-setsecurewebproxy": 4, "-setwebproxy": 4}[args[0]]
	if len(args) != want {
		return Response{Stderr: "** Error: The parameters were not valid.\n", Exit: 1}
	}
	sv.mu.Lock()
	_, ok := findService(sv.s.Services, args[1])
	sv.mu.Unlock()
	if !ok {
		return Response{Stdout: notAService(args[1]), Exit: exitNoService}
	}
	var port int
	if want == 4 {
		var err error
		if port, err = strconv.Atoi(args[3]); err != nil || port < 0 || port > 65535 {
			return Response{Stdout: "** Error: The parameters were not valid.\n", Exit: 1}
		}
	}
	err := sv.setProxies(func(i int, svc *Service) {
		if svc.Name != args[1] {
			return
		}
		ps := &svc.Secure
		if strings.HasPrefix(args[0], "-setweb") {
			ps = &svc.Web
		}
		if want == 3 {
			ps.Enabled = args[2] == "on"
		} else {
			ps.Enabled, ps.Server, ps.Port = true, args[2], port
		}
	})
	return errResponse(err)
}
