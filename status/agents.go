package status

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/haltonlabs/halton-meter-bar/internal/userfs"
)

// Read limits of the plists: a LaunchAgent is a few hundred bytes, and
// preferences.plist tens of kilobytes.
const (
	maxAgentPlist = 256 << 10
	maxPrefsPlist = 2 << 20
)

// LaunchAgent is the part of a LaunchAgent plist the monitor needs.
type LaunchAgent struct {
	Label                  string            `plist:"Label"`
	Program                string            `plist:"Program,omitempty"`
	ProgramArguments       []string          `plist:"ProgramArguments"`
	RunAtLoad              bool              `plist:"RunAtLoad"`
	KeepAlive              *KeepAlive        `plist:"KeepAlive,omitempty"`
	LimitLoadToSessionType string            `plist:"LimitLoadToSessionType,omitempty"`
	ProcessType            string            `plist:"ProcessType,omitempty"`
	StandardOutPath        string            `plist:"StandardOutPath,omitempty"`
	StandardErrorPath      string            `plist:"StandardErrorPath,omitempty"`
	EnvironmentVariables   map[string]string `plist:"EnvironmentVariables,omitempty"`
	// AssociatedBundleIdentifiers name the app a login item belongs to:
	// System Settings shows it under the app's name and icon.
	AssociatedBundleIdentifiers []string `plist:"AssociatedBundleIdentifiers,omitempty"`
}

// Executable is the program launchd runs: Program, else ProgramArguments[0].
func (a LaunchAgent) Executable() string {
	if a.Program != "" {
		return a.Program
	}
	if len(a.ProgramArguments) > 0 {
		return a.ProgramArguments[0]
	}
	return ""
}

// KeepsAlive reports whether KeepAlive is set in any form (true, or a dict
// of conditions).
func (a LaunchAgent) KeepsAlive() bool { return a.KeepAlive != nil && bool(*a.KeepAlive) }

// ParseLaunchAgent decodes a LaunchAgent plist (XML or binary) and checks
// that it names a program.
func ParseLaunchAgent(b []byte) (LaunchAgent, error) {
	var a LaunchAgent
	if err := decodePlist(b, &a); err != nil {
		return LaunchAgent{}, err
	}
	if a.Label == "" {
		return LaunchAgent{}, errors.New("no Label")
	}
	if a.Executable() == "" {
		return LaunchAgent{}, errors.New("no Program or ProgramArguments")
	}
	return a, nil
}

// ReadLaunchAgent reads and decodes a LaunchAgent plist.
func ReadLaunchAgent(path string) (LaunchAgent, error) { return readLaunchAgent(userfs.Self(), path) }

// readLaunchAgent reads and decodes a LaunchAgent plist as a could.
func readLaunchAgent(as userfs.As, path string) (LaunchAgent, error) {
	b, err := readAs(as, path, maxAgentPlist)
	if err != nil {
		return LaunchAgent{}, fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	a, err := ParseLaunchAgent(b)
	if err != nil {
		return LaunchAgent{}, fmt.Errorf("decode %s: %w", filepath.Base(path), err)
	}
	return a, nil
}

// DistInfoVersion finds the installed Halton Meter version from the
// halton_meter-<version>.dist-info folder of the venv that exe lives in,
// without starting Python. exe is usually a pipx or uv link
// (~/.local/bin/halton-meter → …/venvs/halton-meter/bin/halton-meter), so
// the link chain is followed one step at a time, looking for a venv at
// each step. Everything is read, and every folder listed, as a could.
func DistInfoVersion(exe string) (string, error) { return distInfoVersion(userfs.Self(), exe) }

func distInfoVersion(a userfs.As, exe string) (string, error) {
	if exe == "" || !filepath.IsAbs(exe) {
		return "", errors.New("no absolute program path")
	}
	p := exe
	for hop := 0; hop < 8; hop++ {
		if v, ok := venvVersion(a, filepath.Dir(filepath.Dir(p))); ok {
			return v, nil
		}
		target, err := a.Readlink(p)
		if err != nil {
			break
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(p), target)
		}
		p = target
	}
	return "", fmt.Errorf("no halton_meter-*.dist-info in the venv of %s", exe)
}

// Bounds of the venv's listings: a venv holds a python folder or two,
// and a site-packages of a few hundred packages.
const (
	maxPythons  = 16
	maxPackages = 16 << 10
)

// venvVersion looks for lib/python*/site-packages/halton_meter-*.dist-info
// under a venv and returns the highest version found.
func venvVersion(a userfs.As, venv string) (string, bool) {
	lib := filepath.Join(venv, "lib")
	pythons, _ := a.ReadDirNames(lib, maxPythons*4)
	var versions []string
	n := 0
	for _, py := range pythons {
		if !strings.HasPrefix(py, "python") || n == maxPythons {
			continue
		}
		n++
		names, _ := a.ReadDirNames(filepath.Join(lib, py, "site-packages"), maxPackages)
		for _, name := range names {
			v, ok := strings.CutPrefix(name, "halton_meter-")
			if v, found := strings.CutSuffix(v, ".dist-info"); ok && found && validVersion(v) {
				versions = append(versions, v)
			}
		}
	}
	if len(versions) == 0 {
		return "", false
	}
	sort.Slice(versions, func(i, j int) bool { return versionLess(versions[i], versions[j]) })
	return versions[len(versions)-1], true
}

func validVersion(v string) bool {
	if v == "" || len(v) > 40 {
		return false
	}
	for _, r := range v {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '.' || r == '+' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// versionLess compares dotted versions numerically where both parts are
// numbers (0.1.22.21 < 0.1.24), else as strings.
func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, ea := strconv.Atoi(pa[i])
		nb, eb := strconv.Atoi(pb[i])
		if ea == nil && eb == nil {
			if na != nb {
				return na < nb
			}
			continue
		}
		if pa[i] != pb[i] {
			return pa[i] < pb[i]
		}
	}
	return len(pa) < len(pb)
}
