package status

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/haltonlabs/halton-meter-bar/internal/text"
	"github.com/haltonlabs/halton-meter-bar/internal/userfs"
)

// Default paths of the macOS tools and files the engine reads.
const (
	DefaultLaunchctl    = "/bin/launchctl"
	DefaultNetworksetup = "/usr/sbin/networksetup"
	DefaultPreferences  = "/Library/Preferences/SystemConfiguration/preferences.plist"

	// DefaultTimeout is the deadline of one sweep.
	DefaultTimeout = 2 * time.Second
)

// Environment variables that move the engine's seams (DESIGN.md §2).
const (
	EnvMeterHome    = "HALTON_METER_HOME"
	EnvLaunchctl    = "HALTON_BAR_LAUNCHCTL"
	EnvNetworksetup = "HALTON_BAR_NETWORKSETUP"
	EnvPreferences  = "HALTON_BAR_PREFERENCES"
	// EnvConsole names the file whose owner is the logged-in user
	// (/dev/console), for a run as root.
	EnvConsole = "HALTON_BAR_CONSOLE"
)

// Config says where everything is. The zero value is not useful: start from
// ConfigFromEnv.
type Config struct {
	Home            string // the user's home, for display (~) and LaunchAgents
	MeterHome       string // ~/.halton-meter
	LaunchAgentsDir string // ~/Library/LaunchAgents
	Launchctl       string
	Networksetup    string
	Preferences     string
	Timeout         time.Duration
	// Runner runs launchctl and networksetup; nil means ExecRunner.
	Runner Runner
	// BarVersion is this program's version, copied into the Report.
	BarVersion string
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// UID is the user whose install is checked: their launchd domain is
	// gui/<UID>.
	UID int
	// User names that user when it is not this process's own (--user, or
	// the console user for a run as root); OtherUser is then set, and
	// launchd is asked with `launchctl print`, which reaches their domain.
	User      string
	OtherUser bool
	// GIDs are that user's groups, primary first: a run as root reads
	// their files as they could (Files).
	GIDs []int
	// Problem says why there is no install to look at (HOME unset, nobody
	// logged in): the report is then unknown with this reason.
	Problem string
}

// ConfigFromEnv builds the Config from the process environment: HOME,
// HALTON_METER_HOME, HALTON_BAR_LAUNCHCTL, HALTON_BAR_NETWORKSETUP and
// HALTON_BAR_PREFERENCES.
func ConfigFromEnv() Config {
	return ConfigFromLookup(os.LookupEnv)
}

// ConfigFromLookup is ConfigFromEnv over any environment.
func ConfigFromLookup(lookup func(string) (string, bool)) Config {
	get := func(key, def string) string {
		if v, ok := lookup(key); ok && v != "" {
			return v
		}
		return def
	}
	home := get("HOME", "")
	c := Config{
		Home:            home,
		MeterHome:       get(EnvMeterHome, filepath.Join(home, ".halton-meter")),
		LaunchAgentsDir: filepath.Join(home, "Library", "LaunchAgents"),
		Launchctl:       get(EnvLaunchctl, DefaultLaunchctl),
		Networksetup:    get(EnvNetworksetup, DefaultNetworksetup),
		Preferences:     get(EnvPreferences, DefaultPreferences),
		Timeout:         DefaultTimeout,
		UID:             os.Getuid(),
	}
	// Never paths relative to wherever the program was started.
	switch {
	case home == "":
		c.Problem = "HOME is not set: there is no home folder to look in"
	case !filepath.IsAbs(home):
		c.Problem = fmt.Sprintf("HOME (%q) is not an absolute path", text.Safe(text.Clip(home, 60)))
	case !filepath.IsAbs(c.MeterHome):
		c.Problem = fmt.Sprintf("%s (%q) is not an absolute path", EnvMeterHome, text.Safe(text.Clip(c.MeterHome, 60)))
	}
	return c
}

// ForUser points c at another user's install: their home (unless
// HALTON_METER_HOME names one), their LaunchAgents and their GUI domain.
func (c Config) ForUser(u *user.User, lookup func(string) (string, bool)) (Config, error) {
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return c, fmt.Errorf("user %s has no numeric uid (%q)", u.Username, u.Uid)
	}
	if !filepath.IsAbs(u.HomeDir) {
		return c, fmt.Errorf("user %s has no home folder", u.Username)
	}
	c.Home = u.HomeDir
	c.MeterHome = filepath.Join(u.HomeDir, ".halton-meter")
	if v, ok := lookup(EnvMeterHome); ok && v != "" {
		c.MeterHome = v
	}
	c.LaunchAgentsDir = filepath.Join(u.HomeDir, "Library", "LaunchAgents")
	c.UID, c.User = uid, u.Username
	c.OtherUser = uid != os.Geteuid()
	c.GIDs = groupsOf(u)
	c.Problem = ""
	return c, nil
}

// groupsOf is u's groups, primary first; the primary alone when the
// user database does not say.
func groupsOf(u *user.User) []int {
	var gids []int
	add := func(s string) {
		if g, err := strconv.Atoi(s); err == nil && !slices.Contains(gids, g) {
			gids = append(gids, g)
		}
	}
	add(u.Gid)
	if all, err := u.GroupIds(); err == nil {
		for _, g := range all {
			add(g)
		}
	}
	return gids
}

// Files reads the install's files as its user could: the kernel decides
// for the process's own install; for another user's (a run as root),
// their permissions are checked at every step (internal/userfs).
func (c Config) Files() userfs.As {
	if c.OtherUser {
		return userfs.For(c.UID, c.GIDs)
	}
	return userfs.Self()
}

// ConfigFromEnviron is ConfigFromEnv over KEY=VALUE lines, such as a
// simulated world's environment or a child process's.
func ConfigFromEnviron(env []string) Config {
	return ConfigFromLookup(func(key string) (string, bool) {
		for i := len(env) - 1; i >= 0; i-- { // the last one wins, as in a process
			if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
				return v, true
			}
		}
		return "", false
	})
}

// Environ returns the seams of c as KEY=VALUE pairs, so that a child process
// (the details window, a test) sees the same install.
func (c Config) Environ() []string {
	return []string{
		"HOME=" + c.Home,
		EnvMeterHome + "=" + c.MeterHome,
		EnvLaunchctl + "=" + c.Launchctl,
		EnvNetworksetup + "=" + c.Networksetup,
		EnvPreferences + "=" + c.Preferences,
	}
}

// LogsDir is where Halton Meter writes its logs: plain files in its home.
func (c Config) LogsDir() string { return c.MeterHome }

// PlistPath is the LaunchAgent plist of a label.
func (c Config) PlistPath(label string) string {
	return filepath.Join(c.LaunchAgentsDir, label+".plist")
}

// Display shortens a path under the home to ~/…, as the vendor's table does.
func (c Config) Display(path string) string {
	if c.Home == "" {
		return path
	}
	if rel, err := filepath.Rel(c.Home, path); err == nil && rel != ".." && !filepath.IsAbs(rel) && !startsWithDotDot(rel) {
		if rel == "." {
			return "~"
		}
		return "~/" + rel
	}
	return path
}

func startsWithDotDot(rel string) bool {
	return len(rel) >= 3 && rel[:3] == ".."+string(filepath.Separator)
}

func (c Config) timeout() time.Duration {
	if c.Timeout <= 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

func (c Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}
