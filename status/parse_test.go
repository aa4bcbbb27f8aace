package status

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fixtures", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseListTableFixtures(t *testing.T) {
	jobs, err := ParseListTable(fixture(t, "launchctl-list-table.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]JobInfo{
		LabelEdge:     {Label: LabelEdge, Loaded: true, PID: 80213, HasStatus: true, Status: -15},
		LabelDaemon:   {Label: LabelDaemon, Loaded: true, PID: 80214, HasStatus: true, Status: 0},
		LabelWatchdog: {Label: LabelWatchdog, Loaded: true, PID: 80215, HasStatus: true, Status: 0},
		LabelUserenv:  {Label: LabelUserenv, Loaded: true, HasStatus: true, Status: 0},
	}
	for label, w := range want {
		if got := jobs[label]; !reflect.DeepEqual(got, w) {
			t.Errorf("%s: got %+v, want %+v", label, got, w)
		}
	}
	if got := jobs["com.example.misconfigured"]; got.Status != 78 || got.PID != 0 {
		t.Errorf("misconfigured: %+v", got)
	}

	crashed, err := ParseListTable(fixture(t, "launchctl-list-table-daemon-crashed.txt"))
	if err != nil {
		t.Fatal(err)
	}
	d := crashed[LabelDaemon]
	if d.Running() || d.ExitText() != "exited with status 1" {
		t.Errorf("crashed daemon: %+v %q", d, d.ExitText())
	}
}

func TestParseListTableVariants(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string
		check   func(map[string]JobInfo) bool
	}{
		{"crlf", "PID\tStatus\tLabel\r\n80214\t0\tcom.haltonlabs.meter\r\n", "", func(m map[string]JobInfo) bool { return m[LabelDaemon].PID == 80214 }},
		{"spaces instead of tabs", "PID   Status   Label\n-   -9   com.haltonlabs.meter\n", "", func(m map[string]JobInfo) bool {
			return m[LabelDaemon].ExitText() == "killed by signal 9 (SIGKILL)"
		}},
		{"blank lines", "\nPID\tStatus\tLabel\n\n", "", func(m map[string]JobInfo) bool { return len(m) == 0 }},
		{"empty", "", "empty output", nil},
		{"garbage", "hello world\n", "unexpected first line", nil},
		{"bad pid", "PID\tStatus\tLabel\nabc\t0\tx\n", "bad PID", nil},
		{"zero pid", "PID\tStatus\tLabel\n0\t0\tx\n", "bad PID", nil},
		{"bad status", "PID\tStatus\tLabel\n-\tzz\tx\n", "bad status", nil},
		{"short line", "PID\tStatus\tLabel\n-\t0\n", "want PID, Status and Label", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseListTable([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !tt.check(got) {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
}

func TestParseListLabelFixtures(t *testing.T) {
	tests := []struct {
		file    string
		pid     int
		status  int
		hasStat bool
		args    []string
	}{
		{"launchctl-list-label-running.txt", 80214, 0, true, []string{"/Users/jdoe/.local/bin/halton-meter", "daemon"}},
		{"launchctl-list-label-edge-running.txt", 80213, -15, true, []string{"/Users/jdoe/.local/bin/halton-meter", "edge"}},
		{"launchctl-list-label-stopped.txt", 0, 1, true, []string{"/Users/jdoe/.local/bin/halton-meter", "daemon"}},
		{"launchctl-list-label-userenv.txt", 0, 0, true, []string{"/Users/jdoe/.local/bin/halton-meter", "userenv"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			j, err := ParseListLabel(fixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if j.PID != tt.pid || j.Status != tt.status || j.HasStatus != tt.hasStat || !reflect.DeepEqual(j.ProgramArguments, tt.args) {
				t.Errorf("got %+v", j)
			}
		})
	}
}

func TestParseListLabelForms(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		pid     int
		status  int
		wantErr bool
	}{
		{"unquoted keys", "{\n\tLabel = com.apple.syslogd;\n\tPID = 555;\n\tLastExitStatus = 9;\n\tProgramArguments = ( /usr/sbin/syslogd;);\n};\n", 555, -9, false},
		{"eight-space indent, no PID", "{\n        \"Label\" = \"x\";\n        \"LastExitStatus\" = 3840;\n        \"ProgramArguments\" = (\n                \"argument\";\n        );\n};\n", 0, 15, false},
		{"quoted semicolon inside array", "{\n\t\"Label\" = \"x\";\n\t\"ProgramArguments\" = ( \"a;b\"; \"c\\\"d\"; );\n};\n", 0, 0, false},
		{"nested dict", "{\n\t\"MachServices\" = {\n\t\t\"x\" = mach-port-object;\n\t};\n\t\"Label\" = \"x\";\n\t\"PID\" = 7;\n};\n", 7, 0, false},
		{"not loaded stderr text", "Could not find service \"com.haltonlabs.meter.watchdog\" in domain for port\n", 0, 0, true},
		{"empty", "", 0, 0, true},
		{"negative pid", "{\n\t\"PID\" = -4;\n};\n", 0, 0, true},
		{"truncated", "{\n\t\"Label\" = \"x\";\n\t\"ProgramArguments\" = (\n", 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := ParseListLabel([]byte(tt.in))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("want an error, got %+v", j)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if j.PID != tt.pid || j.Status != tt.status {
				t.Errorf("got %+v", j)
			}
		})
	}
	j, err := ParseListLabel([]byte("{\n\t\"Label\" = \"x\";\n\t\"ProgramArguments\" = ( \"a;b\"; \"c\\\"d\"; );\n};\n"))
	if err != nil || !reflect.DeepEqual(j.ProgramArguments, []string{"a;b", `c"d`}) {
		t.Errorf("quoted arguments: %q, %v", j.ProgramArguments, err)
	}
}

func TestFromWaitStatus(t *testing.T) {
	for ws, want := range map[int]int{0: 0, 256: 1, 9: -9, 15: -15, 3840: 15, 78 << 8: 78, -9: -9} {
		if got := fromWaitStatus(ws); got != want {
			t.Errorf("fromWaitStatus(%d) = %d, want %d", ws, got, want)
		}
	}
}

func TestParseServiceListFixture(t *testing.T) {
	got, err := ParseServiceList(fixture(t, "networksetup-listallnetworkservices.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := []ProxyService{
		{Name: "Wi-Fi", Enabled: true},
		{Name: "USB 10/100/1000 LAN", Enabled: true},
		{Name: "Thunderbolt Bridge", Enabled: false},
		{Name: "iPhone USB", Enabled: true},
		{Name: "Tailscale", Enabled: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
	for _, bad := range []string{"", "Wi-Fi\n", "An asterisk (*) denotes that a network service is disabled.\n** Error: something\n"} {
		if _, err := ParseServiceList([]byte(bad)); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestParseProxyOutputFixtures(t *testing.T) {
	tests := []struct {
		file string
		want ProxySetting
		err  bool
	}{
		{"networksetup-getsecurewebproxy-on.txt", ProxySetting{Enabled: true, Server: "127.0.0.1", Port: 8081}, false},
		{"networksetup-getsecurewebproxy-off.txt", ProxySetting{}, false},
		{"networksetup-getsecurewebproxy-off-retained.txt", ProxySetting{Server: "127.0.0.1", Port: 8081}, false},
		{"networksetup-getwebproxy-on.txt", ProxySetting{Enabled: true, Server: "127.0.0.1", Port: 8081}, false},
		{"networksetup-getsecurewebproxy-unknown-service.txt", ProxySetting{}, true},
	}
	for _, tt := range tests {
		got, err := ParseProxyOutput(fixture(t, tt.file))
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("%s: got %+v, %v", tt.file, got, err)
		}
	}
	if _, err := ParseProxyOutput(fixture(t, "networksetup-getsecurewebproxy-unknown-service.txt")); err != errNoService {
		t.Errorf("unknown service: err = %v", err)
	}
	for _, bad := range []string{"", "Enabled: Maybe\n", "Enabled: Yes\nPort: 99999\n", "Enabled: Yes\nPort: x\n"} {
		if _, err := ParseProxyOutput([]byte(bad)); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestParsePreferencesFixture(t *testing.T) {
	got, err := ParsePreferences(fixture(t, "preferences-proxies.plist"))
	if err != nil {
		t.Fatal(err)
	}
	on := ProxySetting{Enabled: true, Server: "127.0.0.1", Port: 8081}
	want := []ProxyService{
		{Name: "Wi-Fi", Enabled: true, Secure: on, Web: &on},
		{Name: "USB 10/100/1000 LAN", Enabled: true, Secure: ProxySetting{Server: "127.0.0.1", Port: 8081}, Web: &ProxySetting{}},
		{Name: "Thunderbolt Bridge", Enabled: false, Web: &ProxySetting{}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
	classified := classify(got, 8081)
	if classified[0].Owner != OwnerHalton || classified[1].Owner != OwnerNone || classified[2].Owner != OwnerNone {
		t.Errorf("owners: %+v", classified)
	}
	if classify(got, 9999)[0].Owner != OwnerForeign {
		t.Error("a proxy on another port is not Halton's")
	}
}

func TestParsePreferencesBad(t *testing.T) {
	full := fixture(t, "preferences-proxies.plist")
	for name, in := range map[string][]byte{
		"truncated":      full[:len(full)/2],
		"empty":          nil,
		"array":          []byte(`<?xml version="1.0"?><plist version="1.0"><array><string>x</string></array></plist>`),
		"no services":    []byte(`<?xml version="1.0"?><plist version="1.0"><dict><key>Model</key><string>x</string></dict></plist>`),
		"services array": []byte(`<?xml version="1.0"?><plist version="1.0"><dict><key>NetworkServices</key><array/></dict></plist>`),
		"binary garbage": []byte("bplist00\xff\xff\xff\xff"),
	} {
		if _, err := ParsePreferences(in); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

func TestParseLaunchAgentFixtures(t *testing.T) {
	for file, want := range map[string]struct {
		label     string
		keepAlive bool
		runAtLoad bool
	}{
		"launchagent.plist":                {LabelDaemon, false, false},
		"launchagent-edge.plist":           {LabelEdge, true, true},
		"launchagent-keepalive-dict.plist": {LabelWatchdog, true, true},
	} {
		a, err := ParseLaunchAgent(fixture(t, file))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if a.Label != want.label || a.KeepsAlive() != want.keepAlive || a.RunAtLoad != want.runAtLoad || a.Executable() != "/Users/jdoe/.local/bin/halton-meter" {
			t.Errorf("%s: %+v", file, a)
		}
	}
	if _, err := ParseLaunchAgent([]byte("<plist><dict><key>Label</key><string>x</string></dict></plist>")); err == nil {
		t.Error("an agent with no program must be refused")
	}
}

func TestParseInstallMode(t *testing.T) {
	for in, want := range map[string]string{"apps\n": "apps", " full ": "full", "env-only": "env-only"} {
		if got, err := ParseInstallMode([]byte(in)); err != nil || got != want {
			t.Errorf("%q: %q, %v", in, got, err)
		}
	}
	for in, wantErr := range map[string]string{"": "empty", "\n\n": "empty", "turbo\n": `unrecognised mode (not env-only, apps or full)`, "\x00\x01": "binary", "\xff\xfe": "binary", "APPS": "unrecognised"} {
		if _, err := ParseInstallMode([]byte(in)); err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("%q: err = %v, want %q", in, err, wantErr)
		}
	}
}

func TestParseEffectivePorts(t *testing.T) {
	good := map[string]Ports{
		`{"edge": 8181, "internal": 8190, "api": 8865}`:                   {Edge: 8181, Internal: 8190, API: 8865, Source: PortsFromEffective},
		`{"edge_port": 8181, "internal_port": 8190, "api_port": 8865}`:    {Edge: 8181, Internal: 8190, API: 8865, Source: PortsFromEffective},
		`{"edge": 1, "internal": 65535, "api": 8765.0, "pid": 4, "x": 1}`: {Edge: 1, Internal: 65535, API: 8765, Source: PortsFromEffective},
	}
	for in, want := range good {
		if got, err := ParseEffectivePorts([]byte(in)); err != nil || got != want {
			t.Errorf("%s: %+v, %v", in, got, err)
		}
	}
	for in, wantErr := range map[string]string{
		`garbage`: "not a JSON object",
		`[]`:      "not a JSON object",
		`{"edge": "8081", "internal": 8090, "api": 8765}`: "not a number",
		`{"edge": -1, "internal": 8090, "api": 8765}`:     "out of range",
		`{"edge": 70000, "internal": 8090, "api": 8765}`:  "out of range",
		`{"edge": 80.5, "internal": 8090, "api": 8765}`:   "not an integer",
		`{"edge": 8081, "internal": 8090}`:                "no api port",
		`{"edge": null, "internal": 8090, "api": 8765}`:   "no edge port",
	} {
		if _, err := ParseEffectivePorts([]byte(in)); err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("%s: err = %v, want %q", in, err, wantErr)
		}
	}
}

func TestParseConfigPorts(t *testing.T) {
	got, err := ParseConfigPorts([]byte("[daemon]\nedge_port = 8181\ninternal_port = 8190\napi_port = 8865\n\n[cors]\nallow_origins = [\"http://localhost:3000\"]\n"))
	if err != nil || got != (Ports{Edge: 8181, Internal: 8190, API: 8865, Source: PortsFromConfig}) {
		t.Errorf("got %+v, %v", got, err)
	}
	got, err = ParseConfigPorts([]byte("[daemon]\napi_port = 8766\n"))
	if err != nil || got != (Ports{Edge: 8081, Internal: 8090, API: 8766, Source: PortsFromConfig}) {
		t.Errorf("partial: %+v, %v", got, err)
	}
	got, err = ParseConfigPorts([]byte("[cors]\nallow_origins = []\n"))
	if err != nil || got.Source != PortsFromDefaults {
		t.Errorf("no daemon table: %+v, %v", got, err)
	}
	for in, wantErr := range map[string]string{
		"[daemon\nedge_port = 1":       "does not parse",
		"[daemon]\nedge_port = \"x\"":  "not a number",
		"[daemon]\napi_port = 0":       "out of range",
		"[daemon]\napi_port = 1.5":     "not an integer",
		"daemon = 3\n":                 "not a [daemon] table",
		"[daemon]\nedge_port = 700000": "out of range",
	} {
		if _, err := ParseConfigPorts([]byte(in)); err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("%q: err = %v, want %q", in, err, wantErr)
		}
	}
}

func TestParseHealthBody(t *testing.T) {
	st, v, err := ParseHealthBody([]byte(`{"status":"ok","version":"0.6.3"}`))
	if err != nil || st != "ok" || v != "0.6.3" {
		t.Errorf("got %q %q %v", st, v, err)
	}
	st, v, err = ParseHealthBody([]byte(`{"status":"ok","version":"<script>"}`))
	if err != nil || st != "ok" || v != "" {
		t.Errorf("a version that is not a version must be dropped: %q %q %v", st, v, err)
	}
	if _, _, err := ParseHealthBody([]byte(`not json`)); err == nil {
		t.Error("want an error")
	}
}
