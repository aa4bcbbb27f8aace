package sim

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// The fakes must speak the real formats: what they print goes through the
// engine's parsers, which are tested on fixtures from real Macs.

func testState() *State {
	return &State{
		Mode: status.ModeFull, Ports: Ports{Edge: 8081, Internal: 8090, API: 8765}, HaltonVersion: HaltonVersion, UID: 501,
		Jobs: map[string]*Job{
			status.LabelDaemon:   {Label: status.LabelDaemon, Loaded: true, HasStatus: true, Status: -9},
			status.LabelWatchdog: {Label: status.LabelWatchdog, Loaded: true, PID: 80215},
			status.LabelEdge:     {Label: status.LabelEdge, Loaded: true, PID: 80213, HasStatus: true, Status: -15},
			status.LabelUserenv:  {Label: status.LabelUserenv, Loaded: true, HasStatus: true, Status: 1},
			"com.example.gone":   {Label: "com.example.gone"},
		},
		Services: []Service{
			{Name: "Wi-Fi", Enabled: true, Secure: status.ProxySetting{Enabled: true, Server: "127.0.0.1", Port: 8081}, Web: status.ProxySetting{Enabled: true, Server: "127.0.0.1", Port: 8081}},
			{Name: "USB 10/100/1000 LAN", Enabled: true, Secure: status.ProxySetting{Server: "127.0.0.1", Port: 8081}},
			{Name: "Thunderbolt Bridge", Enabled: false},
		},
	}
}

func TestListTableParses(t *testing.T) {
	jobs, err := status.ParseListTable([]byte(listTable(testState())))
	if err != nil {
		t.Fatal(err)
	}
	if d := jobs[status.LabelDaemon]; d.Running() || d.Status != -9 {
		t.Errorf("daemon %+v", d)
	}
	if e := jobs[status.LabelEdge]; e.PID != 80213 || e.Status != -15 {
		t.Errorf("edge %+v", e)
	}
	if _, listed := jobs["com.example.gone"]; listed {
		t.Error("a job that is not loaded is listed")
	}
}

// withPlists is a world's paths with the four LaunchAgent plists written.
func withPlists(t *testing.T) Paths {
	t.Helper()
	p := PathsFor(t.TempDir())
	os.MkdirAll(p.Agents, 0o755)
	os.MkdirAll(p.MeterHome, 0o755)
	for _, label := range status.Labels {
		if err := writePlist(p, label); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func TestListLabelParses(t *testing.T) {
	p := withPlists(t)
	s := testState()
	for label, want := range map[string]status.JobInfo{
		status.LabelDaemon:  {PID: 0, Status: -9},
		status.LabelEdge:    {PID: 80213, Status: -15},
		status.LabelUserenv: {PID: 0, Status: 1},
	} {
		out := listLabel(p, s.Job(label))
		j, err := status.ParseListLabel([]byte(out))
		if err != nil {
			t.Fatalf("%s: %v\n%s", label, err, out)
		}
		if j.PID != want.PID || j.Status != want.Status || len(j.ProgramArguments) != 2 || j.ProgramArguments[0] != p.LocalBin {
			t.Errorf("%s: %+v\n%s", label, j, out)
		}
	}
	if !strings.HasSuffix(listLabel(p, s.Job(status.LabelDaemon)), "\t);\n};\n") {
		t.Error("the label form must end as launchctl's does")
	}
}

func TestNetworksetupOutputsParse(t *testing.T) {
	dir := t.TempDir()
	s := testState()
	if err := s.Save(dir); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, int) {
		var out, errb bytes.Buffer
		code := networksetupMain(dir, args, &out, &errb)
		return out.String() + errb.String(), code
	}
	out, code := run("-listallnetworkservices")
	services, err := status.ParseServiceList([]byte(out))
	if code != 0 || err != nil || len(services) != 3 || services[2].Enabled || services[1].Name != "USB 10/100/1000 LAN" {
		t.Errorf("list: %d %v %+v", code, err, services)
	}
	out, _ = run("-getsecurewebproxy", "Wi-Fi")
	if ps, err := status.ParseProxyOutput([]byte(out)); err != nil || ps != s.Services[0].Secure {
		t.Errorf("Wi-Fi: %+v %v", ps, err)
	}
	out, _ = run("-getsecurewebproxy", "USB 10/100/1000 LAN")
	if ps, err := status.ParseProxyOutput([]byte(out)); err != nil || ps.Enabled || ps.Port != 8081 {
		t.Errorf("a proxy switched off keeps its server and port: %+v %v", ps, err)
	}
	out, code = run("-getsecurewebproxy", "Ethernet")
	if _, err := status.ParseProxyOutput([]byte(out)); code != exitNoService || err == nil {
		t.Errorf("unknown service: exit %d, %q", code, out)
	}
	if out, _ := run("-listnetworkserviceorder"); !strings.Contains(out, "(*) Thunderbolt Bridge") {
		t.Errorf("service order:\n%s", out)
	}
}

func TestPreferencesParse(t *testing.T) {
	dir := t.TempDir()
	p := PathsFor(dir)
	os.MkdirAll(filepath.Dir(p.Prefs), 0o755)
	s := testState()
	if err := writePreferences(p, s); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p.Prefs)
	services, err := status.ParsePreferences(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(services) != 3 {
		t.Fatalf("%+v", services)
	}
	for i, svc := range services {
		want := s.Services[i]
		if svc.Name != want.Name || svc.Enabled != want.Enabled || svc.Secure != want.Secure || *svc.Web != want.Web {
			t.Errorf("service %d: %+v, want %+v", i, svc, want)
		}
	}
}

func TestLaunchctlReadsWithoutTheSupervisor(t *testing.T) {
	dir := t.TempDir()
	s := testState()
	s.Save(dir)
	var out, errb bytes.Buffer
	if code := launchctlMain(dir, []string{"list", "com.haltonlabs.meter.nothing"}, &out, &errb); code != exitNotFound ||
		errb.String() != "Could not find service \"com.haltonlabs.meter.nothing\" in domain for port\n" {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
	if code := launchctlMain(dir, []string{"frobnicate"}, &out, &errb); code != exitUsage {
		t.Errorf("unknown subcommand: exit %d", code)
	}
	errb.Reset()
	if code := launchctlMain(dir, []string{"kickstart", "gui/501/" + status.LabelDaemon}, &out, &errb); code == 0 || !strings.Contains(errb.String(), "is down") {
		t.Errorf("kickstart with no supervisor: exit %d %q", code, errb.String())
	}
}

func TestWaitStatusRoundTrip(t *testing.T) {
	for _, st := range []int{0, 1, 78, -9, -15} {
		if got := toWaitStatus(st); (st < 0 && got != -st) || (st >= 0 && got != st<<8) {
			t.Errorf("toWaitStatus(%d) = %d", st, got)
		}
	}
}

func TestParsePorts(t *testing.T) {
	if p, err := parsePorts("8181, 8190,8865"); err != nil || p != (Ports{Edge: 8181, Internal: 8190, API: 8865}) {
		t.Errorf("%+v %v", p, err)
	}
	for _, bad := range []string{"1,2", "a,b,c", "0,1,2", "1,1,2", "70000,1,2"} {
		if _, err := parsePorts(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestPrintParses(t *testing.T) {
	p := withPlists(t)
	s := testState()
	for label, want := range map[string]status.JobInfo{
		status.LabelDaemon:   {Loaded: true, HasStatus: true, Status: -9},
		status.LabelWatchdog: {Loaded: true, PID: 80215},
		status.LabelEdge:     {Loaded: true, PID: 80213, HasStatus: true, Status: -15},
		status.LabelUserenv:  {Loaded: true, HasStatus: true, Status: 1},
	} {
		var out, errOut bytes.Buffer
		if code := launchctlPrint(p, s, "gui/501/"+label, &out, &errOut); code != 0 {
			t.Fatalf("%s: exit %d %s", label, code, errOut.String())
		}
		got, err := status.ParsePrint(out.Bytes())
		if err != nil || got.Loaded != want.Loaded || got.PID != want.PID || got.HasStatus != want.HasStatus || got.Status != want.Status {
			t.Errorf("%s: %+v %v, want %+v", label, got, err, want)
		}
	}
	var out, errOut bytes.Buffer
	if code := launchctlPrint(p, s, "gui/501/com.example.gone", &out, &errOut); code != exitNotFound || !strings.Contains(errOut.String(), "Could not find service") {
		t.Errorf("not loaded: exit %d %q", code, errOut.String())
	}
	if code := launchctlPrint(p, s, "gui/502/"+status.LabelDaemon, &out, &errOut); code != exitNoDomain {
		t.Errorf("another user's domain: exit %d", code)
	}
	s.Jobs[status.LabelDaemon].Disabled = true
	disabled, err := status.ParsePrintDisabled([]byte(printDisabled(s)))
	if err != nil || !disabled[status.LabelDaemon] || len(disabled) != 2 {
		t.Errorf("print-disabled: %v %v", disabled, err)
	}
}
