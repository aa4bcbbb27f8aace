package status

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"unicode/utf8"

	"github.com/pelletier/go-toml/v2"

	"github.com/haltonlabs/halton-meter-bar/internal/userfs"
)

// Read limits. A sentinel is a word; effective-ports.json and config.toml are
// a few hundred bytes. The limits leave room and refuse megabytes.
const (
	maxSentinel  = 64
	maxSmallFile = 64 << 10
)

// errTooLarge marks a file past its read limit.
var errTooLarge = errors.New("too large")

// ReadBounded reads a regular file of at most max bytes, as this process:
// only a regular file is opened (a FIFO would hang the caller, a device
// may act when opened), links are followed one name at a time, never into
// a kernel pseudo-filesystem, and never more than max+1 bytes are read
// (internal/userfs).
func ReadBounded(path string, max int) ([]byte, error) {
	return readAs(userfs.Self(), path, max)
}

// readHook, when set (by a test), runs before each read of the install's
// files: a read that takes as long as it likes.
var readHook atomic.Pointer[func(path string)]

// readAs reads a regular file of at most max bytes as a could.
func readAs(a userfs.As, path string, max int) ([]byte, error) {
	if hook := readHook.Load(); hook != nil {
		(*hook)(path)
	}
	b, err := a.ReadFile(path, max)
	var tooLarge *userfs.TooLargeError
	if errors.As(err, &tooLarge) {
		if !tooLarge.Grew {
			return nil, fmt.Errorf("%w: %s, limit %s", errTooLarge, byteSize(tooLarge.Size), byteSize(int64(max)))
		}
		return nil, fmt.Errorf("%w: over %s", errTooLarge, byteSize(int64(max)))
	}
	return b, err
}

// FileKind names what a path that is not a regular file is, for a refusal.
func FileKind(m fs.FileMode) string { return userfs.Kind(m) }

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// fileProblem turns a read error into a short reason for a detail.
func fileProblem(err error) string {
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "missing"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	case errors.As(err, &pe):
		if errors.Is(pe.Err, syscall.EISDIR) {
			return "not a regular file (a directory)"
		}
		return pe.Err.Error()
	}
	return err.Error()
}

// ParseInstallMode validates the content of ~/.halton-meter/install-mode:
// one of env-only, apps, full, with surrounding whitespace allowed.
func ParseInstallMode(b []byte) (string, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return "", errors.New("empty")
	}
	if !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		return "", errors.New("binary content")
	}
	mode := strings.TrimSpace(string(b))
	switch mode {
	case ModeEnvOnly, ModeApps, ModeFull:
		return mode, nil
	}
	// What the file holds is never repeated: it may be anything.
	return "", errors.New("unrecognised mode (not env-only, apps or full)")
}

// InstallFacts is what the install's files say.
type InstallFacts struct {
	// Installed is false when no install is found at all.
	Installed bool
	// Problem says why the install cannot be read, when it cannot.
	Problem string
	// Mode is the install mode; empty when Problem is set or not installed.
	Mode string
	// ModePath is the install-mode file.
	ModePath string
	// Agents is which of the four LaunchAgent plists exist.
	Agents map[string]bool
}

// probeInstall reads ~/.halton-meter/install-mode and checks which
// LaunchAgent plists exist: a plist that is not a regular file (a FIFO, a
// folder) is as good as missing. No home, or a home with neither an
// install-mode nor a plist (what `uninstall` leaves behind), is not
// installed. Everything is read as the install's user could (a, of
// cfg.Files).
func probeInstall(cfg Config, a userfs.As, r *fileReads) InstallFacts {
	f := InstallFacts{ModePath: filepath.Join(cfg.MeterHome, "install-mode"), Agents: make(map[string]bool)}
	for _, label := range Labels {
		r.at(cfg.PlistPath(label), cfg)
		st, err := a.Stat(cfg.PlistPath(label))
		r.note(err)
		if err == nil && st.Mode.IsRegular() {
			f.Agents[label] = true
		}
	}
	r.at(cfg.MeterHome, cfg)
	st, err := a.Stat(cfg.MeterHome)
	r.note(err)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return f
	case err != nil:
		f.Installed, f.Problem = true, fmt.Sprintf("%s: %s", cfg.Display(cfg.MeterHome), fileProblem(err))
		return f
	case !st.Mode.IsDir():
		f.Installed, f.Problem = true, fmt.Sprintf("%s is not a directory", cfg.Display(cfg.MeterHome))
		return f
	}
	r.at(f.ModePath, cfg)
	b, err := r.read(a, f.ModePath, maxSentinel)
	if errors.Is(err, fs.ErrNotExist) && len(f.Agents) == 0 {
		return f
	}
	f.Installed = true
	if err != nil {
		f.Problem = fileProblem(err)
		return f
	}
	mode, err := ParseInstallMode(b)
	if err != nil {
		f.Problem = err.Error()
		return f
	}
	f.Mode = mode
	return f
}

// SentinelFacts says which sentinels exist. Presence is all that counts, so
// they are never opened.
type SentinelFacts struct {
	ProxyManaged bool
	AppsManaged  bool
	Problem      string
}

func probeSentinels(cfg Config, a userfs.As, r *fileReads) SentinelFacts {
	var f SentinelFacts
	var problems []string
	check := func(name string) bool {
		_, err := a.Lstat(filepath.Join(cfg.MeterHome, name))
		r.note(err)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			problems = append(problems, name+": "+fileProblem(err))
		}
		return err == nil
	}
	f.ProxyManaged = check("proxy-managed")
	f.AppsManaged = check("apps-managed")
	f.Problem = strings.Join(problems, "; ")
	return f
}

// Port sources.
const (
	PortsFromEffective = "effective-ports.json"
	PortsFromConfig    = "config.toml"
	PortsFromDefaults  = "defaults"
)

// ParseEffectivePorts parses ~/.halton-meter/effective-ports.json. Its key
// names are undocumented, so both edge/internal/api and
// edge_port/internal_port/api_port are accepted. Every port must be an
// integer from 1 to 65535; all three must be present. Errors name the key
// and, for JSON that does not parse, the line: never the file's text.
func ParseEffectivePorts(b []byte) (Ports, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return Ports{}, fmt.Errorf("not a JSON object%s", jsonWhere(b, err))
	}
	p := Ports{Source: PortsFromEffective}
	for _, k := range []struct {
		name string
		dst  *int
	}{{"edge", &p.Edge}, {"internal", &p.Internal}, {"api", &p.API}} {
		v, key := raw[k.name], k.name
		if isNull(v) {
			v, key = raw[k.name+"_port"], k.name+"_port"
		}
		if isNull(v) {
			return Ports{}, fmt.Errorf("no %s port", k.name)
		}
		port, err := jsonPort(v)
		if err != nil {
			return Ports{}, fmt.Errorf("%s: %w", key, err)
		}
		*k.dst = port
	}
	return p, nil
}

// jsonWhere says on which line JSON stopped parsing.
func jsonWhere(b []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) && se.Offset > 0 && se.Offset <= int64(len(b)) {
		return fmt.Sprintf(" (line %d)", bytes.Count(b[:se.Offset], []byte("\n"))+1)
	}
	return ""
}

func isNull(v json.RawMessage) bool { return v == nil || string(v) == "null" }

func jsonPort(v json.RawMessage) (int, error) {
	var n float64
	if err := json.Unmarshal(v, &n); err != nil {
		return 0, errors.New("not a number")
	}
	return checkPort(n)
}

func checkPort(n float64) (int, error) {
	if n != math.Trunc(n) {
		return 0, errors.New("not an integer")
	}
	if n < 1 || n > 65535 {
		return 0, errors.New("out of range 1-65535")
	}
	return int(n), nil
}

// maxConfigKeys bounds the keys and tables of a config.toml decoded
// (counted as its "=" and "[").
const maxConfigKeys = 1024

// ParseConfigPorts reads the [daemon] edge_port, internal_port and api_port
// keys of config.toml. Missing keys keep their defaults; present keys must
// be valid ports. A file that does not parse is named by line only: the
// TOML parser's own messages quote the text, and config.toml may hold
// secrets. The parser (pelletier/go-toml/v2) is linear in the file's
// size, whatever its shape (deep dotted keys, nested inline tables), but
// for the number of keys (bounded here), and only the [daemon] table is
// kept of the document.
func ParseConfigPorts(b []byte) (Ports, error) {
	// The parser looks each key up among those it has seen one by one:
	// thousands of them cost it a time that grows as their square. A
	// config.toml has a few dozen; past maxConfigKeys it is not decoded.
	if n := bytes.Count(b, []byte("=")) + bytes.Count(b, []byte("[")); n > maxConfigKeys {
		return Ports{}, fmt.Errorf("over %d keys and tables; not read", maxConfigKeys)
	}
	var doc struct {
		Daemon any `toml:"daemon"`
	}
	if err := toml.Unmarshal(b, &doc); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			if line, _ := de.Position(); line > 0 {
				return Ports{}, fmt.Errorf("does not parse (line %d)", line)
			}
		}
		return Ports{}, errors.New("does not parse")
	}
	daemon, ok := doc.Daemon.(map[string]any)
	if doc.Daemon != nil && !ok {
		return Ports{}, errors.New("daemon is not a [daemon] table")
	}
	p := Ports{Edge: DefaultEdgePort, Internal: DefaultInternalPort, API: DefaultAPIPort, Source: PortsFromConfig}
	found := false
	for _, k := range []struct {
		key string
		dst *int
	}{{"edge_port", &p.Edge}, {"internal_port", &p.Internal}, {"api_port", &p.API}} {
		v, ok := daemon[k.key]
		if !ok {
			continue
		}
		found = true
		var n float64
		switch x := v.(type) {
		case int64:
			n = float64(x)
		case float64:
			n = x
		default:
			return Ports{}, fmt.Errorf("[daemon] %s is not a number", k.key)
		}
		port, err := checkPort(n)
		if err != nil {
			return Ports{}, fmt.Errorf("[daemon] %s: %w", k.key, err)
		}
		*k.dst = port
	}
	if !found {
		p.Source = PortsFromDefaults
	}
	return p, nil
}

// collision names two roles given the same port, or "".
func collision(p Ports) string {
	switch {
	case p.Edge == p.Internal:
		return fmt.Sprintf("the edge and internal ports are both %d", p.Edge)
	case p.Edge == p.API:
		return fmt.Sprintf("the edge and api ports are both %d", p.Edge)
	case p.Internal == p.API:
		return fmt.Sprintf("the internal and api ports are both %d", p.Internal)
	}
	return ""
}

// probePorts resolves the ports: effective-ports.json, else config.toml
// [daemon], else the defaults. A file that exists but cannot be used is a
// Problem, reported with the source that was used instead; the defaults
// used after such a failure are a Guess. Two roles on one port is a
// Problem too.
func probePorts(cfg Config, a userfs.As, r *fileReads) Ports {
	var problems []string
	p, found := Ports{}, false
	r.at(filepath.Join(cfg.MeterHome, "effective-ports.json"), cfg)
	if b, err := r.read(a, filepath.Join(cfg.MeterHome, "effective-ports.json"), maxSmallFile); err == nil {
		if ep, perr := ParseEffectivePorts(b); perr == nil {
			p, found = ep, true
		} else {
			problems = append(problems, "effective-ports.json: "+perr.Error())
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		problems = append(problems, "effective-ports.json: "+fileProblem(err))
	}
	if !found {
		p = Ports{Edge: DefaultEdgePort, Internal: DefaultInternalPort, API: DefaultAPIPort, Source: PortsFromDefaults}
		r.at(filepath.Join(cfg.MeterHome, "config.toml"), cfg)
		if b, err := r.read(a, filepath.Join(cfg.MeterHome, "config.toml"), maxSmallFile); err == nil {
			if cp, perr := ParseConfigPorts(b); perr == nil {
				p = cp
			} else {
				problems = append(problems, "config.toml: "+perr.Error())
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			problems = append(problems, "config.toml: "+fileProblem(err))
		}
		// Nothing usable named them: the defaults are only a guess.
		p.Guess = len(problems) > 0 && p.Source == PortsFromDefaults
	}
	if c := collision(p); c != "" {
		problems = append(problems, p.Source+": "+c)
	}
	p.Problem = strings.Join(problems, "; ")
	return p
}
