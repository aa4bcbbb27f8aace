// Package sim is a simulated Halton Meter install on loopback: a home with
// the install's files and LaunchAgent plists, a preferences.plist with a few
// network services, real processes that own the ports (a daemon serving
// /health, a watchdog, an edge), and fake launchctl and networksetup tools
// that answer in the real formats from the world's state. Faults break it
// on purpose: a crash is a real signal to a real process.
//
// A world lives in one folder:
//
//	DIR/world.json                 the state (written by the supervisor only)
//	DIR/bin/launchctl              → the sim binary, answering as launchctl
//	DIR/bin/networksetup           → the sim binary, answering as networksetup
//	DIR/home/.halton-meter/        install-mode, sentinels, ports, logs
//	DIR/home/Library/LaunchAgents/ the four plists
//	DIR/home/.local/bin/halton-meter → DIR/venv/bin/halton-meter → the sim binary
//	DIR/venv/lib/python3.12/site-packages/halton_meter-<v>.dist-info
//	DIR/prefs/preferences.plist
//	DIR/run/                       the supervisor's log
//
// The supervisor is a small launchd: it starts the jobs from their plists'
// ProgramArguments with their log paths, reaps them and records how they
// ended, and carries out launchctl's kickstart, bootstrap and bootout. It
// does not restart KeepAlive jobs, so a fault stays until heal. Processes
// never outlive their world: the jobs get a parent-death signal (Linux) and
// also watch their parent; the supervisor stays in the caller's process
// group and ends when its owner (by default the process that ran `up`)
// does, or on `down`.
package sim

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/haltonlabs/halton-meter-bar/internal/atomicfile"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// HaltonVersion is the Halton Meter version the simulated daemon reports.
const HaltonVersion = "0.6.3"

// Paths are the places of a world.
type Paths struct {
	Dir, Bin, Home, MeterHome, Agents, Prefs, Venv, VenvBin, LocalBin, Run, State string
}

// PathsFor lays out a world in dir.
func PathsFor(dir string) Paths {
	home := filepath.Join(dir, "home")
	return Paths{
		Dir:       dir,
		Bin:       filepath.Join(dir, "bin"),
		Home:      home,
		MeterHome: filepath.Join(home, ".halton-meter"),
		Agents:    filepath.Join(home, "Library", "LaunchAgents"),
		Prefs:     filepath.Join(dir, "prefs", "preferences.plist"),
		Venv:      filepath.Join(dir, "venv"),
		VenvBin:   filepath.Join(dir, "venv", "bin", "halton-meter"),
		LocalBin:  filepath.Join(home, ".local", "bin", "halton-meter"),
		Run:       filepath.Join(dir, "run"),
		State:     filepath.Join(dir, "world.json"),
	}
}

// Env is what points halton-meter-bar at the world, as KEY=VALUE lines.
func (p Paths) Env() []string {
	return []string{
		"HOME=" + p.Home,
		status.EnvMeterHome + "=" + p.MeterHome,
		status.EnvLaunchctl + "=" + filepath.Join(p.Bin, "launchctl"),
		status.EnvNetworksetup + "=" + filepath.Join(p.Bin, "networksetup"),
		status.EnvPreferences + "=" + p.Prefs,
	}
}

// PlistPath is a label's LaunchAgent plist in the world.
func (p Paths) PlistPath(label string) string { return filepath.Join(p.Agents, label+".plist") }

// Ports are the world's three loopback ports.
type Ports struct {
	Edge     int `json:"edge"`
	Internal int `json:"internal"`
	API      int `json:"api"`
	// LLM is the fake LLM API's port.
	LLM int `json:"llm,omitempty"`
}

// Job is one launchd job as the fake launchd knows it.
type Job struct {
	Label  string `json:"label"`
	Loaded bool   `json:"loaded"`
	PID    int    `json:"pid"`
	// HasStatus is set once the job has exited; Status is in the table's
	// convention (negative: the signal that killed it).
	HasStatus bool `json:"has_status"`
	Status    int  `json:"status"`
	// Stamp is when its process started (procStamp): down signals PID only
	// while it still names that process.
	Stamp string `json:"stamp,omitempty"`
	// Disabled: switched off (Login Items, `launchctl disable`); it cannot
	// be loaded until enabled.
	Disabled bool `json:"disabled,omitempty"`
}

// Service is one network service and its proxies.
type Service struct {
	Name    string              `json:"name"`
	Enabled bool                `json:"enabled"`
	Secure  status.ProxySetting `json:"secure_web_proxy"`
	Web     status.ProxySetting `json:"web_proxy"`
}

// Supervisor is where the world's supervisor is and who owns it.
type Supervisor struct {
	PID     int    `json:"pid"`
	Stamp   string `json:"stamp,omitempty"`
	Control string `json:"control"`
	Owner   int    `json:"owner"`
	Ready   bool   `json:"ready"`
}

// State is the world, persisted in world.json.
type State struct {
	Mode          string          `json:"mode"`
	Ports         Ports           `json:"ports"`
	HaltonVersion string          `json:"halton_version"`
	UID           int             `json:"uid"`
	Token         string          `json:"token"`
	Supervisor    Supervisor      `json:"supervisor"`
	Jobs          map[string]*Job `json:"jobs"`
	Services      []Service       `json:"services"`
	Faults        []string        `json:"faults"`
	ThiefPID      int             `json:"thief_pid,omitempty"`
	ThiefStamp    string          `json:"thief_stamp,omitempty"`
	LLMPID        int             `json:"llm_pid,omitempty"`
	LLMStamp      string          `json:"llm_stamp,omitempty"`
	// WorldID is the id up wrote in the folder's marker.
	WorldID string `json:"world_id,omitempty"`
}

// HasFault reports whether fault name is active.
func (s *State) HasFault(name string) bool { return slices.Contains(s.Faults, name) }

// Job returns the job of label, or a job that is not loaded.
func (s *State) Job(label string) Job {
	if j, ok := s.Jobs[label]; ok && j != nil {
		return *j
	}
	return Job{Label: label}
}

// errNotWorld marks a folder without a world.json.
var errNotWorld = errors.New("not a halton-meter-sim world")

// maxState bounds world.json: a few jobs and services.
const maxState = 1 << 20

// LoadState reads a world's state.
func LoadState(dir string) (*State, error) {
	b, err := status.ReadBounded(PathsFor(dir).State, maxState)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s is %w (no world.json)", dir, errNotWorld)
	}
	if err != nil {
		return nil, fmt.Errorf("read world state: %w", err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("read world state: %w", err)
	}
	if s.Jobs == nil {
		s.Jobs = make(map[string]*Job)
	}
	return &s, nil
}

// Save writes the state atomically, so a reader never sees half a file.
func (s *State) Save(dir string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode world state: %w", err)
	}
	if err := atomicfile.Write(PathsFor(dir).State, b, 0o600); err != nil {
		return fmt.Errorf("save world state: %w", err)
	}
	return nil
}

func newToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// ours reports whether pid still names the process stamped stamp: a
// recorded PID may have been reused by anything since.
func ours(pid int, stamp string) bool {
	return pid > 0 && stamp != "" && processAlive(pid) && procStamp(pid) == stamp
}

// processAlive reports whether pid names a live process. A zombie (dead,
// waiting for its parent to reap it) is not alive.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
		// The state follows the command name, which is in parentheses.
		fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		return len(fields) > 0 && fields[0] != "Z" && fields[0] != "X"
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
