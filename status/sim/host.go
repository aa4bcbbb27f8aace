package sim

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"howett.net/plist"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// hostMarker, in a home's .halton-meter, names the world Host put there:
// Unhost removes only what it finds marked so.
const hostMarker = ".halton-meter-sim-world"

// Host hands a world to the host's own launchd, for a real-launchd run on a
// Mac (scripts/mac-e2e.sh): it builds the world's files in dir as up does
// but starts nothing, copies the world's .halton-meter into home, and
// writes the four LaunchAgents into home/Library/LaunchAgents under the
// real labels, running the world's programs (HALTON_SIM_DIR names the
// world). Loading them (launchctl bootstrap) is the caller's. It refuses a
// home that holds a Halton Meter install or any of the four plists, and
// prints the plists' paths.
func Host(dir, home, mode string, w io.Writer) (err error) {
	switch mode {
	case status.ModeApps, status.ModeEnvOnly:
	default:
		// full mode would switch the host's own system proxy.
		return fmt.Errorf("mode %q: host takes apps or env-only (full would set this machine's proxy)", mode)
	}
	meterHome := filepath.Join(home, ".halton-meter")
	agents := filepath.Join(home, "Library", "LaunchAgents")
	if _, err := os.Lstat(meterHome); !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s exists: a Halton Meter install is here (or was); refusing", meterHome)
	}
	for _, label := range status.Labels {
		if _, err := os.Lstat(filepath.Join(agents, label+".plist")); !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s exists: a Halton Meter install is here; refusing", filepath.Join(agents, label+".plist"))
		}
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	id, err := markFolder(dir)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			Unhost(dir, home)
			removeWorld(dir)
			os.Remove(filepath.Join(dir, worldMarker))
		}
	}()
	ports, err := freePorts()
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err == nil {
		self, err = filepath.EvalSymlinks(self)
	}
	if err != nil {
		return fmt.Errorf("find the sim binary: %w", err)
	}
	s := &State{Mode: mode, Ports: ports, HaltonVersion: HaltonVersion, UID: os.Getuid(), Token: newToken(),
		Jobs: make(map[string]*Job), Services: defaultServices(), WorldID: id}
	p := PathsFor(dir)
	if err := buildFiles(p, s, self); err != nil {
		return err
	}
	if err := s.Save(dir); err != nil {
		return err
	}
	if err := copyTree(p.MeterHome, meterHome); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(meterHome, hostMarker), []byte(dir+"\n"), 0o644); err != nil {
		return fmt.Errorf("mark %s: %w", meterHome, err)
	}
	if err := os.MkdirAll(agents, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", agents, err)
	}
	for _, label := range status.Labels {
		a, err := status.ReadLaunchAgent(p.PlistPath(label))
		if err != nil {
			return err
		}
		// The world's programs, its logs in the real home, and the world
		// named for them: launchd gives a job no environment of ours.
		sub := a.ProgramArguments[1]
		a.StandardOutPath = filepath.Join(meterHome, sub+".out.log")
		a.StandardErrorPath = filepath.Join(meterHome, sub+".err.log")
		a.EnvironmentVariables = map[string]string{envDir: dir}
		b, err := plist.MarshalIndent(a, plist.XMLFormat, "\t")
		if err != nil {
			return fmt.Errorf("encode %s plist: %w", label, err)
		}
		path := filepath.Join(agents, label+".plist")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		fmt.Fprintln(w, path)
	}
	return nil
}

// Unhost removes what Host wrote into home for the world in dir: the four
// plists that run it and the .halton-meter it marked. Unloading the jobs
// (launchctl bootout) is the caller's, first.
func Unhost(dir, home string) error {
	var errs []error
	for _, label := range status.Labels {
		path := filepath.Join(home, "Library", "LaunchAgents", label+".plist")
		a, err := status.ReadLaunchAgent(path)
		if err != nil || a.EnvironmentVariables[envDir] != dir {
			continue // not ours
		}
		if err := os.Remove(path); err != nil {
			errs = append(errs, err)
		}
	}
	meterHome := filepath.Join(home, ".halton-meter")
	if b, err := os.ReadFile(filepath.Join(meterHome, hostMarker)); err == nil && strings.TrimSpace(string(b)) == dir {
		if err := os.RemoveAll(meterHome); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// copyTree copies a folder of regular files and folders.
func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("copy %s: %w", rel, err)
		}
		return os.WriteFile(dst, b, 0o644)
	})
}
