package sim

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// Fault names.
const (
	FaultDaemonCrash       = "daemon-crash"
	FaultDaemonStop        = "daemon-stop"
	FaultWatchdogCrash     = "watchdog-crash"
	FaultEdgeCrash         = "edge-crash"
	FaultEdgeStop          = "edge-stop"
	FaultEdgeUnbound       = "edge-unbound"
	FaultPortSteal         = "port-steal"
	FaultHealthHang        = "health-hang"
	FaultHealth500         = "health-500"
	FaultStats500          = "stats-500"
	FaultStatsHostile      = "stats-hostile"
	FaultSentinelFlip      = "sentinel-flip"
	FaultModeMismatch      = "mode-mismatch"
	FaultProxyOn           = "proxy-on"
	FaultProxyOff          = "proxy-off"
	FaultProxyForeign      = "proxy-foreign"
	FaultLaunchctlHang     = "launchctl-hang"
	FaultNetworksetupHang  = "networksetup-hang"
	FaultPrefsUnreadable   = "prefs-unreadable"
	FaultPortsGarbage      = "ports-garbage"
	FaultUserenvFail       = "userenv-fail"
	FaultDaemonDisabled    = "daemon-disabled"
	FaultBackgroundSession = "background-session"
	ForeignProxyServer     = "proxy.corp.example"
	ForeignProxyPort       = 3128
	foreignProxyServiceIdx = 0
)

// Faults describes every fault, for `halton-meter-sim fault --help`.
var Faults = map[string]string{
	FaultDaemonCrash:       "SIGKILL the daemon; launchd shows it with no PID and status -9",
	FaultDaemonStop:        "as `halton-meter stop`: boot out the daemon and the watchdog",
	FaultWatchdogCrash:     "SIGKILL the watchdog",
	FaultEdgeCrash:         "SIGKILL the edge",
	FaultEdgeStop:          "boot out the edge (what a default uninstall does)",
	FaultEdgeUnbound:       "the edge process stays alive but closes its port",
	FaultPortSteal:         "another process takes the internal port; the daemon, restarted, exits 1",
	FaultHealthHang:        "the daemon's /health accepts and never answers",
	FaultHealth500:         "the daemon's /health answers 500",
	FaultStats500:          "the daemon's /v1/stats answers 500 (its database locked)",
	FaultStatsHostile:      "the daemon's /v1/stats answers figures no day can have: a cost of -2^63, negative counts",
	FaultSentinelFlip:      "flip the sentinel the mode depends on (apps-managed, or proxy-managed in full mode)",
	FaultModeMismatch:      "install-mode names another mode than the sentinels and the system proxy",
	FaultProxyOn:           "point every enabled service's proxies at the edge",
	FaultProxyOff:          "switch every service's proxies off",
	FaultProxyForeign:      "a corporate proxy (proxy.corp.example:3128) on Wi-Fi",
	FaultLaunchctlHang:     "launchctl hangs until killed",
	FaultNetworksetupHang:  "networksetup hangs until killed",
	FaultPrefsUnreadable:   "preferences.plist cannot be read (networksetup still answers)",
	FaultPortsGarbage:      "effective-ports.json is garbage",
	FaultUserenvFail:       "the login agent's last run exited 1",
	FaultDaemonDisabled:    "the daemon switched off in Login Items: disabled, and with the watchdog not loaded",
	FaultBackgroundSession: "launchctl answers as from an SSH session: `list` shows none of the user's agents",
}

// FaultNames lists the faults in order.
func FaultNames() []string {
	names := make([]string, 0, len(Faults))
	for n := range Faults {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// fault applies one fault. Flags (hangs, /health answers) take effect
// through the state, which the jobs and the fake tools read; the rest are
// real signals, processes and files.
func (sv *supervisor) fault(name string) error {
	if _, ok := Faults[name]; !ok {
		return fmt.Errorf("unknown fault %q (one of: %s)", name, strings.Join(FaultNames(), ", "))
	}
	sv.mu.Lock()
	if slices.Contains(sv.s.Faults, name) {
		sv.mu.Unlock()
		return nil // already so: a fault is applied once
	}
	sv.s.Faults = append(sv.s.Faults, name)
	err := sv.s.Save(sv.dir)
	sv.mu.Unlock()
	if err != nil {
		return err
	}
	switch name {
	case FaultDaemonCrash:
		sv.stopJob(status.LabelDaemon, syscall.SIGKILL)
	case FaultWatchdogCrash:
		sv.stopJob(status.LabelWatchdog, syscall.SIGKILL)
	case FaultEdgeCrash:
		sv.stopJob(status.LabelEdge, syscall.SIGKILL)
	case FaultDaemonStop:
		for _, label := range []string{status.LabelDaemon, status.LabelWatchdog} {
			if err := sv.bootout(label); err != nil {
				return err
			}
		}
	case FaultEdgeStop:
		return sv.bootout(status.LabelEdge)
	case FaultDaemonDisabled:
		for _, label := range []string{status.LabelDaemon, status.LabelWatchdog} {
			if err := sv.bootout(label); err != nil {
				return err
			}
		}
		return sv.setDisabled(status.LabelDaemon, true)
	case FaultEdgeUnbound:
		sv.mu.Lock()
		pr := sv.procs[status.LabelEdge]
		sv.mu.Unlock()
		if pr != nil {
			pr.cmd.Process.Signal(syscall.SIGUSR1)
			waitClosed(sv.s.Ports.Edge)
		}
	case FaultPortSteal:
		sv.stopJob(status.LabelDaemon, syscall.SIGTERM)
		if err := sv.startThief(sv.s.Ports.Internal); err != nil {
			return err
		}
		return sv.startJob(status.LabelDaemon)
	case FaultUserenvFail:
		return sv.startJob(status.LabelUserenv)
	case FaultSentinelFlip:
		return sv.flipSentinel()
	case FaultModeMismatch:
		other := map[string]string{status.ModeApps: status.ModeFull, status.ModeFull: status.ModeApps, status.ModeEnvOnly: status.ModeApps}[sv.s.Mode]
		return writeFile(filepath.Join(sv.p.MeterHome, "install-mode"), other+"\n")
	case FaultProxyOn:
		return sv.proxiesOnEdge()
	case FaultProxyOff:
		return sv.setProxies(func(i int, svc *Service) { svc.Secure.Enabled, svc.Web.Enabled = false, false })
	case FaultProxyForeign:
		return sv.setProxies(func(i int, svc *Service) {
			if i == foreignProxyServiceIdx {
				corp := status.ProxySetting{Enabled: true, Server: ForeignProxyServer, Port: ForeignProxyPort}
				svc.Secure, svc.Web = corp, corp
			}
		})
	case FaultPrefsUnreadable:
		os.Remove(sv.p.Prefs)
		if err := os.Mkdir(sv.p.Prefs, 0o755); err != nil {
			return fmt.Errorf("make preferences.plist unreadable: %w", err)
		}
	case FaultPortsGarbage:
		return writeFile(filepath.Join(sv.p.MeterHome, "effective-ports.json"), "{\"edge\": \"eighty\", \n")
	}
	return nil
}

// flipSentinel removes the sentinel the mode needs, or adds one it must
// not have.
func (sv *supervisor) flipSentinel() error {
	name := "apps-managed"
	if sv.s.Mode == status.ModeFull {
		name = "proxy-managed"
	}
	path := filepath.Join(sv.p.MeterHome, name)
	if _, err := os.Stat(path); err == nil {
		return os.Remove(path)
	}
	return writeFile(path, "")
}

func writeFile(path, content string) error {
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}

// heal undoes every fault: it stops everything, rewrites the install's
// files and proxies as init would for the mode, and brings the world up.
func (sv *supervisor) heal() error {
	sv.mu.Lock()
	sv.s.Faults = nil
	for _, j := range sv.s.Jobs {
		j.Disabled = false
	}
	services := defaultServices()
	for i := range services {
		if i < len(sv.s.Services) {
			services[i].Enabled = sv.s.Services[i].Enabled
		}
	}
	sv.s.Services = services
	err := sv.s.Save(sv.dir)
	labels := make([]string, 0, len(sv.procs))
	for label := range sv.procs {
		labels = append(labels, label)
	}
	sv.mu.Unlock()
	if err != nil {
		return err
	}
	sv.stopSidecar(sv.thiefSidecar())
	for _, label := range labels {
		sv.stopJob(label, syscall.SIGTERM)
	}
	if err := writeInstall(sv.p, sv.s); err != nil {
		return err
	}
	if sv.s.Mode == status.ModeFull {
		if err := sv.proxiesOnEdge(); err != nil {
			return err
		}
	} else if err := sv.setProxies(func(int, *Service) {}); err != nil {
		return err
	}
	return sv.bringUp()
}
