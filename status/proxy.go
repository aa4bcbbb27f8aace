package status

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/haltonlabs/halton-meter-bar/internal/text"
)

// prefsService is one entry of NetworkServices in preferences.plist. The
// values stay loosely typed so that a field of the wrong type is skipped,
// not fatal.
type prefsService struct {
	UserDefinedName string         `plist:"UserDefinedName"`
	Interface       map[string]any `plist:"Interface"`
	Proxies         map[string]any `plist:"Proxies"`
	Inactive        any            `plist:"__INACTIVE__"`
}

type prefsFile struct {
	CurrentSet      string                  `plist:"CurrentSet"`
	NetworkServices map[string]prefsService `plist:"NetworkServices"`
	Sets            map[string]prefsSet     `plist:"Sets"`
}

type prefsSet struct {
	Network struct {
		Global struct {
			IPv4 struct {
				ServiceOrder []string `plist:"ServiceOrder"`
			} `plist:"IPv4"`
		} `plist:"Global"`
		Service map[string]map[string]any `plist:"Service"`
	} `plist:"Network"`
}

// ParsePreferences reads every network service's proxies from
// /Library/Preferences/SystemConfiguration/preferences.plist (XML or
// binary). Services of the current set come first, in service order, as
// networksetup lists them; a file with no current set lists all services
// by name.
func ParsePreferences(b []byte) ([]ProxyService, error) {
	var p prefsFile
	if err := decodePlist(b, &p); err != nil {
		return nil, err
	}
	if p.NetworkServices == nil {
		return nil, errors.New("no NetworkServices")
	}
	ids := currentSetServices(p)
	if ids == nil {
		for id := range p.NetworkServices {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool {
			return serviceName(p.NetworkServices[ids[i]], ids[i]) < serviceName(p.NetworkServices[ids[j]], ids[j])
		})
	}
	services := make([]ProxyService, 0, len(ids))
	for _, id := range ids {
		s, ok := p.NetworkServices[id]
		if !ok {
			continue
		}
		svc := ProxyService{
			Name:    serviceName(s, id),
			Enabled: !plistBool(s.Inactive),
			Secure:  proxyFrom(s.Proxies, "HTTPS"),
		}
		web := proxyFrom(s.Proxies, "HTTP")
		svc.Web = &web
		services = append(services, svc)
	}
	return services, nil
}

// currentSetServices lists the current set's services in service order,
// then any linked service the order leaves out. Nil when there is no usable set.
func currentSetServices(p prefsFile) []string {
	set, ok := p.Sets[strings.TrimPrefix(p.CurrentSet, "/Sets/")]
	if !ok || len(set.Network.Service) == 0 {
		return nil
	}
	target := func(key string) string {
		if link, _ := set.Network.Service[key]["__LINK__"].(string); link != "" {
			return strings.TrimPrefix(link, "/NetworkServices/")
		}
		return key
	}
	var ids []string
	seen := make(map[string]bool)
	for _, key := range set.Network.Global.IPv4.ServiceOrder {
		if _, linked := set.Network.Service[key]; linked && !seen[key] {
			ids, seen[key] = append(ids, target(key)), true
		}
	}
	var rest []string
	for key := range set.Network.Service {
		if !seen[key] {
			rest, seen[key] = append(rest, key), true
		}
	}
	sort.Strings(rest)
	for _, key := range rest {
		ids = append(ids, target(key))
	}
	return ids
}

func serviceName(s prefsService, id string) string {
	if s.UserDefinedName != "" {
		return s.UserDefinedName
	}
	if n, ok := s.Interface["UserDefinedName"].(string); ok && n != "" {
		return n
	}
	return id
}

func proxyFrom(m map[string]any, prefix string) ProxySetting {
	server, _ := m[prefix+"Proxy"].(string)
	return ProxySetting{
		Enabled: plistInt(m[prefix+"Enable"]) == 1,
		Server:  server,
		Port:    plistInt(m[prefix+"Port"]),
	}
}

func plistInt(v any) int {
	switch x := v.(type) {
	case uint64:
		if x <= 1<<31 {
			return int(x)
		}
	case int64:
		return int(x)
	case bool:
		if x {
			return 1
		}
	case string:
		n, _ := strconv.Atoi(strings.TrimSpace(x))
		return n
	}
	return 0
}

func plistBool(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case uint64:
		return x != 0
	case string:
		return x == "1" || strings.EqualFold(x, "true") || strings.EqualFold(x, "yes")
	}
	return false
}

// ParseServiceList parses `networksetup -listallnetworkservices`: a
// disclaimer line, then one service per line, `*` marking a disabled one.
func ParseServiceList(out []byte) ([]ProxyService, error) {
	var services []ProxyService
	sawHeader := false
	for _, raw := range strings.Split(string(out), "\n") {
		line := strings.TrimRight(raw, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if !sawHeader {
			if !strings.HasPrefix(line, "An asterisk (*)") {
				return nil, fmt.Errorf("unexpected first line %q", text.Clip(line, 60))
			}
			sawHeader = true
			continue
		}
		if strings.HasPrefix(line, "** Error") {
			return nil, errors.New(text.Clip(line, 80))
		}
		svc := ProxyService{Name: line, Enabled: true}
		if strings.HasPrefix(line, "*") {
			svc.Name, svc.Enabled = line[1:], false
		}
		services = append(services, svc)
	}
	if !sawHeader {
		return nil, errors.New("empty output")
	}
	return services, nil
}

// errNoService is what networksetup says of a service that is not there.
var errNoService = errors.New("not a recognized network service")

// ParseProxyOutput parses `networksetup -getsecurewebproxy <service>` (and
// -getwebproxy): Enabled, Server, Port lines. The "not a recognized network
// service" error comes on stdout, sometimes with exit status 0, so the
// text is checked.
func ParseProxyOutput(out []byte) (ProxySetting, error) {
	var s ProxySetting
	var sawEnabled bool
	for _, raw := range strings.Split(string(out), "\n") {
		line := strings.TrimSpace(strings.TrimRight(raw, "\r"))
		if strings.Contains(line, "is not a recognized network service") {
			return ProxySetting{}, errNoService
		}
		if strings.HasPrefix(line, "** Error") {
			return ProxySetting{}, errors.New(text.Clip(line, 80))
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		switch key {
		case "Enabled":
			switch value {
			case "Yes":
				s.Enabled = true
			case "No":
			default:
				return ProxySetting{}, fmt.Errorf("bad Enabled value %q", text.Clip(value, 20))
			}
			sawEnabled = true
		case "Server":
			s.Server = value
		case "Port":
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 || n > 65535 {
				return ProxySetting{}, fmt.Errorf("bad Port value %q", text.Clip(value, 20))
			}
			s.Port = n
		}
	}
	if !sawEnabled {
		return ProxySetting{}, errors.New("no Enabled line")
	}
	return s, nil
}

// ProxyFacts is what the system-proxy probe found.
type ProxyFacts struct {
	Source     string
	SourceNote string
	Services   []ProxyService
	// Problem is set when neither source could be read.
	Problem string
}

// probeProxy reads the proxies from preferences.plist, with no process
// spawned; when that file cannot be used it asks networksetup.
func probeProxy(ctx context.Context, cfg Config, r Runner, timeout time.Duration) ProxyFacts {
	b, err := readBounded(cfg.Preferences, maxPlist)
	if err == nil {
		services, perr := ParsePreferences(b)
		if perr == nil {
			return ProxyFacts{Source: SourcePreferences, Services: services}
		}
		err = perr
	} else {
		err = errors.New(fileProblem(err))
	}
	note := fmt.Sprintf("preferences.plist unusable (%v)", err)
	f := probeNetworksetup(ctx, r, cfg.Networksetup, timeout)
	f.SourceNote = note
	if f.Problem != "" {
		f.Problem = note + "; " + f.Problem
	}
	return f
}

// probeNetworksetup lists the services, then asks for each enabled one's
// secure web proxy, concurrently, all under one timeout.
func probeNetworksetup(ctx context.Context, r Runner, path string, timeout time.Duration) ProxyFacts {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	f := ProxyFacts{Source: SourceNetworksetup}
	res, err := RunTool(ctx, r, "networksetup", path, timeout, "-listallnetworkservices")
	if err != nil {
		f.Problem = err.Error()
		return f
	}
	if res.ExitCode != 0 {
		f.Problem = ExitReason("networksetup -listallnetworkservices", res)
		return f
	}
	services, err := ParseServiceList(res.Stdout)
	if err != nil {
		f.Problem = fmt.Sprintf("networksetup -listallnetworkservices output unreadable: %v", err)
		return f
	}
	errs := make([]error, len(services))
	var wg sync.WaitGroup
	for i := range services {
		if !services[i].Enabled {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := RunTool(ctx, r, "networksetup", path, timeout, "-getsecurewebproxy", services[i].Name)
			if err == nil {
				services[i].Secure, err = ParseProxyOutput(append(res.Stdout, res.Stderr...))
				if err == nil && res.ExitCode != 0 {
					err = errors.New(ExitReason("networksetup -getsecurewebproxy", res))
				}
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	kept := services[:0]
	for i, svc := range services {
		switch {
		case errors.Is(errs[i], errNoService):
			// Gone between the list and the question: not a service any more.
		case errs[i] != nil:
			f.Problem = fmt.Sprintf("%s: %v", svc.Name, errs[i])
			return f
		default:
			kept = append(kept, svc)
		}
	}
	f.Services = kept
	return f
}

// isLoopback reports whether host names this machine's loopback.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// classify sets each service's Owner: Halton's when its secure web proxy is
// on and points at the edge on loopback, foreign when it points elsewhere.
func classify(services []ProxyService, edgePort int) []ProxyService {
	out := make([]ProxyService, len(services))
	for i, s := range services {
		switch {
		case !s.Enabled || !s.Secure.Enabled:
			s.Owner = OwnerNone
		case isLoopback(s.Secure.Server) && s.Secure.Port == edgePort:
			s.Owner = OwnerHalton
		default:
			s.Owner = OwnerForeign
		}
		out[i] = s
	}
	return out
}
