package sim

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// Modes are the install modes init takes.
var Modes = []string{status.ModeEnvOnly, status.ModeApps, status.ModeFull}

// Networks are the services network can make the one in use.
var Networks = []string{"Wi-Fi", "Ethernet"}

// initMode is `halton-meter init --mode mode`: the install rewritten for
// mode, the proxies set or cleared as it needs, and the jobs started
// again; as init, it also ends every fault.
func (sv *supervisor) initMode(mode string) error {
	if !slices.Contains(Modes, mode) {
		return fmt.Errorf("unknown mode %q (one of: %s)", mode, strings.Join(Modes, ", "))
	}
	sv.mu.Lock()
	sv.s.Mode = mode
	err := sv.s.Save(sv.dir)
	sv.mu.Unlock()
	if err != nil {
		return err
	}
	return sv.heal()
}

// upgrade is an upgrade of Halton Meter: the next patch version installed
// in the venv, the four LaunchAgent plists rewritten, and every job
// started again from them.
func (sv *supervisor) upgrade() error {
	sv.mu.Lock()
	old := sv.s.HaltonVersion
	next, err := nextPatch(old)
	if err == nil {
		sv.s.HaltonVersion = next
		err = sv.s.Save(sv.dir)
	}
	sv.mu.Unlock()
	if err != nil {
		return err
	}
	os.RemoveAll(distInfo(sv.p, old))
	if err := writeDistInfo(sv.p, next); err != nil {
		return fmt.Errorf("upgrade: %w", err)
	}
	for _, label := range status.Labels {
		if err := writePlist(sv.p, label); err != nil {
			return err
		}
	}
	return sv.heal()
}

// nextPatch is the version after v: 0.6.3 → 0.6.4.
func nextPatch(v string) (string, error) {
	i := strings.LastIndexByte(v, '.')
	n, err := strconv.Atoi(v[i+1:])
	if err != nil || n < 0 {
		return "", fmt.Errorf("version %q has no patch number", v)
	}
	return v[:i+1] + strconv.Itoa(n+1), nil
}

// network makes name the service in use, the other of Wi-Fi and Ethernet
// switched off, as a laptop docked or undocked: each keeps the proxies
// it had.
func (sv *supervisor) network(name string) error {
	if !slices.Contains(Networks, name) {
		return fmt.Errorf("unknown network %q (one of: %s)", name, strings.Join(Networks, ", "))
	}
	return sv.setProxies(func(_ int, svc *Service) {
		if slices.Contains(Networks, svc.Name) {
			svc.Enabled = svc.Name == name
		}
	})
}
