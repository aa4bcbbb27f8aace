package status

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Fuzz targets: each parser must return a value or an error for any input,
// never panic, and what it returns must satisfy its own invariants. The seed
// corpus (the fixtures and the shapes in the unit tests) runs in the normal
// test run; `make fuzz` runs each target for a while.

func addFixtures(f *testing.F, glob string) {
	matches, _ := filepath.Glob(filepath.Join("testdata", "fixtures", glob))
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzParseListTable(f *testing.F) {
	addFixtures(f, "launchctl-list-table*.txt")
	f.Add([]byte("PID\tStatus\tLabel\r\n-\t-9\tx\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		jobs, err := ParseListTable(b)
		if err != nil {
			return
		}
		for label, j := range jobs {
			if j.PID < 0 || label == "" || strings.ContainsAny(label, " \t\n") || !j.Loaded {
				t.Fatalf("bad job %q: %+v", label, j)
			}
		}
	})
}

func FuzzParseListLabel(f *testing.F) {
	addFixtures(f, "launchctl-list-label-*.txt")
	f.Add([]byte("{\n\tLabel = x;\n\tPID = 5;\n\tProgramArguments = ( a; \"b;\"; );\n};\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		j, err := ParseListLabel(b)
		if err == nil && j.PID < 0 {
			t.Fatalf("negative PID: %+v", j)
		}
	})
}

func FuzzParseServiceList(f *testing.F) {
	addFixtures(f, "networksetup-list*.txt")
	f.Fuzz(func(t *testing.T, b []byte) {
		services, err := ParseServiceList(b)
		if err != nil {
			return
		}
		for _, s := range services {
			if strings.ContainsAny(s.Name, "\n") {
				t.Fatalf("name with a newline: %q", s.Name)
			}
		}
	})
}

func FuzzParseProxyOutput(f *testing.F) {
	addFixtures(f, "networksetup-get*.txt")
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseProxyOutput(b)
		if err == nil && (s.Port < 0 || s.Port > 65535) {
			t.Fatalf("port out of range: %+v", s)
		}
	})
}

func FuzzParsePreferences(f *testing.F) {
	addFixtures(f, "preferences-*.plist")
	f.Add([]byte("bplist00"))
	f.Add(prefsBomb(40))
	f.Fuzz(func(t *testing.T, b []byte) {
		var services []ProxyService
		var err error
		if n := allocated(func() { services, err = ParsePreferences(b) }); n > memoryBound+uint64(len(b))*64 {
			t.Fatalf("%d bytes of plist allocated %d", len(b), n)
		}
		if err != nil {
			return
		}
		for _, s := range services {
			if s.Secure.Port < -1<<31 || s.Web == nil {
				t.Fatalf("bad service %+v", s)
			}
		}
	})
}

func FuzzParseLaunchAgent(f *testing.F) {
	addFixtures(f, "launchagent*.plist")
	f.Add(agentBomb(40))
	f.Fuzz(func(t *testing.T, b []byte) {
		var a LaunchAgent
		var err error
		if n := allocated(func() { a, err = ParseLaunchAgent(b) }); n > memoryBound+uint64(len(b))*64 {
			t.Fatalf("%d bytes of plist allocated %d", len(b), n)
		}
		if err == nil && (a.Label == "" || a.Executable() == "") {
			t.Fatalf("accepted an agent with no label or program: %+v", a)
		}
	})
}

func FuzzParseInstallMode(f *testing.F) {
	for _, s := range []string{"apps\n", "full", "env-only", "", "turbo", "\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		mode, err := ParseInstallMode(b)
		if err == nil && mode != ModeApps && mode != ModeFull && mode != ModeEnvOnly {
			t.Fatalf("accepted mode %q", mode)
		}
	})
}

func FuzzParseEffectivePorts(f *testing.F) {
	for _, s := range []string{`{"edge":8081,"internal":8090,"api":8765}`, `{"edge_port":1,"internal_port":2,"api_port":3}`, `{"edge":-1}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseEffectivePorts(b)
		if err != nil {
			return
		}
		for _, n := range []int{p.Edge, p.Internal, p.API} {
			if n < 1 || n > 65535 {
				t.Fatalf("accepted port %d", n)
			}
		}
	})
}

func FuzzParseConfigPorts(f *testing.F) {
	for _, s := range []string{"[daemon]\nedge_port = 8181\n", "[daemon]\napi_port = -3\n", "[cors]\nallow_origins = []\n", "[daemon"} {
		f.Add([]byte(s))
	}
	for _, b := range worstConfigs() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > maxSmallFile {
			return // never read
		}
		var p Ports
		var err error
		if n := allocated(func() { p, err = ParseConfigPorts(b) }); n > maxConfigAlloc {
			t.Fatalf("%d bytes allocated %d MB", len(b), n>>20)
		}
		if err != nil {
			return
		}
		for _, n := range []int{p.Edge, p.Internal, p.API} {
			if n < 1 || n > 65535 {
				t.Fatalf("accepted port %d", n)
			}
		}
	})
}

func FuzzParseHealthBody(f *testing.F) {
	for _, s := range []string{`{"status":"ok"}`, `{"status":"ok","version":"0.6.3"}`, `{"version":5}`, `[`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, v, err := ParseHealthBody(b)
		if err == nil && v != "" && !validVersion(v) {
			t.Fatalf("accepted version %q", v)
		}
	})
}

func FuzzParsePrint(f *testing.F) {
	addFixtures(f, "launchctl-print-gui-*.txt")
	f.Add([]byte("gui/501/x = {\n\tstate = running\n\tpid = 12\n\tlast terminating signal = Killed: 9\n}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		j, err := ParsePrint(b)
		if err == nil && (!j.Loaded || j.PID < 0) {
			t.Fatalf("accepted %+v", j)
		}
	})
}

func FuzzParsePrintDisabled(f *testing.F) {
	addFixtures(f, "launchctl-print-disabled.txt")
	f.Add([]byte("disabled services = {\n\t\"a\" => true\n\t\"b\" => false\n}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		disabled, err := ParsePrintDisabled(b)
		if err == nil {
			for label := range disabled {
				if label == "" {
					t.Fatal("an empty label")
				}
			}
		}
	})
}
