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

// prefsService is one entry of NetworkServices in preferences.plist: only
// the keys the engine needs, each loose, so a field of the wrong type is
// read as absent, not fatal.
type prefsService struct {
	UserDefinedName looseString `plist:"UserDefinedName"`
	Interface       looseDict[struct {
		UserDefinedName looseString `plist:"UserDefinedName"`
	}] `plist:"Interface"`
	Proxies  looseDict[prefsProxies] `plist:"Proxies"`
	Inactive looseBool               `plist:"__INACTIVE__"`
}

type prefsProxies struct {
	HTTPSEnable looseInt    `plist:"HTTPSEnable"`
	HTTPSProxy  looseString `plist:"HTTPSProxy"`
	HTTPSPort   looseInt    `plist:"HTTPSPort"`
	HTTPEnable  looseInt    `plist:"HTTPEnable"`
	HTTPProxy   looseString `plist:"HTTPProxy"`
	HTTPPort    looseInt    `plist:"HTTPPort"`
}

type prefsFile struct {
	CurrentSet      looseString                        `plist:"CurrentSet"`
	NetworkServices map[string]looseDict[prefsService] `plist:"NetworkServices"`
	Sets            map[string]looseDict[prefsSet]     `plist:"Sets"`
}

type prefsSet struct {
	Network looseDict[struct {
		Global looseDict[struct {
			IPv4 looseDict[struct {
				ServiceOrder looseStrings `plist:"ServiceOrder"`
			}] `plist:"IPv4"`
		}] `plist:"Global"`
		Service map[string]looseDict[struct {
			Link looseString `plist:"__LINK__"`
		}] `plist:"Service"`
	}] `plist:"Network"`
}

// looseDict is a dictionary decoded into T (OK), or T's zero value when
// the value is not one.
type looseDict[T any] struct {
	V  T
	OK bool
}

// UnmarshalPlist implements plist.Unmarshaler.
func (d *looseDict[T]) UnmarshalPlist(unmarshal func(any) error) error {
	var v T
	if unmarshal(&v) == nil {
		d.V, d.OK = v, true
	}
	return nil
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
			return serviceName(p.NetworkServices[ids[i]].V, ids[i]) < serviceName(p.NetworkServices[ids[j]].V, ids[j])
		})
	}
	services := make([]ProxyService, 0, len(ids))
	for _, id := range ids {
		entry, ok := p.NetworkServices[id]
		if !ok || !entry.OK {
			continue // not there, or not a service
		}
		s, px := entry.V, entry.V.Proxies.V
		web := ProxySetting{Enabled: px.HTTPEnable == 1, Server: string(px.HTTPProxy), Port: int(px.HTTPPort)}
		services = append(services, ProxyService{
			Name:    serviceName(s, id),
			Enabled: !bool(s.Inactive),
			Secure:  ProxySetting{Enabled: px.HTTPSEnable == 1, Server: string(px.HTTPSProxy), Port: int(px.HTTPSPort)},
			Web:     &web,
		})
	}
	return services, nil
}

// currentSetServices lists the current set's services in service order,
// then any linked service the order leaves out. Nil when there is no usable set.
func currentSetServices(p prefsFile) []string {
	entry, ok := p.Sets[strings.TrimPrefix(string(p.CurrentSet), "/Sets/")]
	network := entry.V.Network.V
	if !ok || len(network.Service) == 0 {
		return nil
	}
	target := func(key string) string {
		if link := string(network.Service[key].V.Link); link != "" {
			return strings.TrimPrefix(link, "/NetworkServices/")
		}
		return key
	}
	var ids []string
	seen := make(map[string]bool)
	for _, key := range network.Global.V.IPv4.V.ServiceOrder {
		if _, linked := network.Service[key]; linked && !seen[key] {
			ids, seen[key] = append(ids, target(key)), true
		}
	}
	var rest []string
	for key := range network.Service {
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
		return string(s.UserDefinedName)
	}
	if n := s.Interface.V.UserDefinedName; n != "" {
		return string(n)
	}
	return id
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
	b, err := ReadBounded(cfg.Preferences, maxPrefsPlist)
	noteShortage(ctx, err)
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
