package sim

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"howett.net/plist"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// defaultServices are the network services of a fresh world: Wi-Fi and
// Ethernet enabled, Thunderbolt Bridge disabled, no proxy anywhere.
func defaultServices() []Service {
	return []Service{
		{Name: "Wi-Fi", Enabled: true},
		{Name: "Ethernet", Enabled: true},
		{Name: "Thunderbolt Bridge", Enabled: false},
	}
}

// serviceIDs are fixed UUIDs, so preferences.plist is the same for the
// same state.
var serviceIDs = []string{
	"0E6C8A3D-2B4F-4D71-8C9E-1A5F3B7D2E64",
	"7A1D4E92-C35B-4F08-A6E2-9B0C8D13F5A7",
	"C4F19B27-6D3E-48A5-B1C0-E7294A8D6F13",
	"9D3E5A11-7B2C-4E8F-A0D4-6C1B2E9F8A73",
	"2F8B6C44-1D9A-4B37-8E5C-3A7D0F6E1B92",
}

const setID = "5B2C7A41-3F0E-4C8B-9D2A-6E1F0A9B7C35"

// buildFiles writes every file of a world in state s: the links, the venv,
// the home with its sentinels, ports, config, logs and plists, and
// preferences.plist. self is the sim binary.
func buildFiles(p Paths, s *State, self string) error {
	for _, d := range []string{p.Bin, p.MeterHome, p.Agents, filepath.Dir(p.Prefs), filepath.Dir(p.VenvBin), filepath.Dir(p.LocalBin), p.Run} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("build world: %w", err)
		}
	}
	// A pipx-like chain: ~/.local/bin/halton-meter → venv/bin/halton-meter → the sim.
	for link, target := range map[string]string{
		filepath.Join(p.Bin, "launchctl"):    self,
		filepath.Join(p.Bin, "networksetup"): self,
		p.VenvBin:                            self,
		p.LocalBin:                           p.VenvBin,
	} {
		os.Remove(link)
		if err := os.Symlink(target, link); err != nil {
			return fmt.Errorf("build world: %w", err)
		}
	}
	if err := writeDistInfo(p, s.HaltonVersion); err != nil {
		return fmt.Errorf("build world: %w", err)
	}
	if err := writeInstall(p, s); err != nil {
		return err
	}
	config := fmt.Sprintf("[daemon]\nedge_port = %d\ninternal_port = %d\napi_port = %d\n\n[cors]\nallow_origins = [\"http://localhost:3000\"]\n",
		s.Ports.Edge, s.Ports.Internal, s.Ports.API)
	if err := os.WriteFile(filepath.Join(p.MeterHome, "config.toml"), []byte(config), 0o644); err != nil {
		return fmt.Errorf("build world: %w", err)
	}
	for _, name := range []string{"daemon", "edge", "watchdog", "userenv"} {
		for _, ext := range []string{".out.log", ".err.log"} {
			f, err := os.OpenFile(filepath.Join(p.MeterHome, name+ext), os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				return fmt.Errorf("build world: %w", err)
			}
			f.Close()
		}
	}
	for _, label := range status.Labels {
		if err := writePlist(p, label); err != nil {
			return err
		}
	}
	return writePreferences(p, s)
}

// distInfo is the venv's record of Halton Meter version, which the engine
// reads the version from when the daemon cannot say.
func distInfo(p Paths, version string) string {
	return filepath.Join(p.Venv, "lib", "python3.12", "site-packages", "halton_meter-"+version+".dist-info")
}

// writeDistInfo installs version's record in the venv.
func writeDistInfo(p Paths, version string) error {
	if err := os.MkdirAll(distInfo(p, version), 0o755); err != nil {
		return err
	}
	return writeFile(filepath.Join(distInfo(p, version), "METADATA"), fmt.Sprintf("Metadata-Version: 2.1\nName: halton-meter\nVersion: %s\n", version))
}

// writeInstall writes what init would for the mode: install-mode, the
// sentinels, and effective-ports.json.
func writeInstall(p Paths, s *State) error {
	if err := os.WriteFile(filepath.Join(p.MeterHome, "install-mode"), []byte(s.Mode+"\n"), 0o644); err != nil {
		return fmt.Errorf("write install-mode: %w", err)
	}
	sentinels := map[string]bool{
		"apps-managed":  s.Mode == status.ModeApps || s.Mode == status.ModeFull,
		"proxy-managed": s.Mode == status.ModeFull,
	}
	for name, present := range sentinels {
		path := filepath.Join(p.MeterHome, name)
		os.RemoveAll(path)
		if present {
			if err := os.WriteFile(path, nil, 0o644); err != nil {
				return fmt.Errorf("write %s: %w", name, err)
			}
		}
	}
	ports := fmt.Sprintf("{\"edge\": %d, \"internal\": %d, \"api\": %d}\n", s.Ports.Edge, s.Ports.Internal, s.Ports.API)
	if err := os.WriteFile(filepath.Join(p.MeterHome, "effective-ports.json"), []byte(ports), 0o644); err != nil {
		return fmt.Errorf("write effective-ports.json: %w", err)
	}
	return nil
}

// writePlist writes a LaunchAgent as `halton-meter init` does: the daemon
// with no KeepAlive, the edge with KeepAlive and RunAtLoad.
func writePlist(p Paths, label string) error {
	sub := map[string]string{
		status.LabelDaemon: "daemon", status.LabelWatchdog: "watchdog",
		status.LabelEdge: "edge", status.LabelUserenv: "userenv",
	}[label]
	a := status.LaunchAgent{
		Label:                  label,
		ProgramArguments:       []string{p.LocalBin, sub},
		RunAtLoad:              label == status.LabelEdge || label == status.LabelUserenv,
		LimitLoadToSessionType: "Aqua",
		StandardOutPath:        filepath.Join(p.MeterHome, sub+".out.log"),
		StandardErrorPath:      filepath.Join(p.MeterHome, sub+".err.log"),
	}
	if label == status.LabelEdge {
		keep := status.KeepAlive(true)
		a.KeepAlive = &keep
	}
	if label == status.LabelDaemon {
		a.ProcessType = "Interactive"
	}
	b, err := plist.MarshalIndent(a, plist.XMLFormat, "\t")
	if err != nil {
		return fmt.Errorf("encode %s plist: %w", label, err)
	}
	if err := os.WriteFile(p.PlistPath(label), b, 0o644); err != nil {
		return fmt.Errorf("write %s plist: %w", label, err)
	}
	return nil
}

// writePreferences writes preferences.plist from the state's services, in
// the SystemConfiguration layout: NetworkServices by UUID, the current set
// with its service order and links, disabled services marked __INACTIVE__.
// While prefs-unreadable is active the file is left as the fault made it.
func writePreferences(p Paths, s *State) error {
	if s.HasFault(FaultPrefsUnreadable) {
		return nil
	}
	services := make(map[string]any)
	links := make(map[string]any)
	var order []string
	for i, svc := range s.Services {
		id := serviceIDs[i%len(serviceIDs)]
		proxies := map[string]any{
			"ExceptionsList": []string{"*.local", "169.254/16"},
			"FTPPassive":     1,
		}
		addProxy(proxies, "HTTPS", svc.Secure)
		addProxy(proxies, "HTTP", svc.Web)
		entry := map[string]any{
			"UserDefinedName": svc.Name,
			"Interface":       map[string]any{"UserDefinedName": svc.Name, "DeviceName": "en" + strconv.Itoa(i), "Type": "Ethernet"},
			"IPv4":            map[string]any{"ConfigMethod": "DHCP"},
			"Proxies":         proxies,
		}
		if !svc.Enabled {
			entry["__INACTIVE__"] = true
		}
		services[id] = entry
		links[id] = map[string]any{"__LINK__": "/NetworkServices/" + id}
		order = append(order, id)
	}
	doc := map[string]any{
		"CurrentSet":      "/Sets/" + setID,
		"Model":           "Mac14,2",
		"NetworkServices": services,
		"Sets": map[string]any{setID: map[string]any{
			"UserDefinedName": "Automatic",
			"Network": map[string]any{
				"Global":  map[string]any{"IPv4": map[string]any{"ServiceOrder": order}},
				"Service": links,
			},
		}},
		"__VERSION__": "20191120",
	}
	b, err := plist.MarshalIndent(doc, plist.XMLFormat, "\t")
	if err != nil {
		return fmt.Errorf("encode preferences.plist: %w", err)
	}
	if st, err := os.Lstat(p.Prefs); err == nil && st.IsDir() {
		os.RemoveAll(p.Prefs) // what prefs-unreadable left
	}
	tmp := p.Prefs + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("write preferences.plist: %w", err)
	}
	if err := os.Rename(tmp, p.Prefs); err != nil {
		return fmt.Errorf("write preferences.plist: %w", err)
	}
	return nil
}

// addProxy sets a proxy's keys as networksetup leaves them: a proxy turned
// off keeps its server and port.
func addProxy(m map[string]any, prefix string, ps status.ProxySetting) {
	if ps.Server == "" && ps.Port == 0 && !ps.Enabled {
		return
	}
	enable := 0
	if ps.Enabled {
		enable = 1
	}
	m[prefix+"Enable"] = enable
	m[prefix+"Proxy"] = ps.Server
	m[prefix+"Port"] = ps.Port
}
