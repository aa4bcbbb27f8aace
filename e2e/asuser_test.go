//go:build linux

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
	"howett.net/plist"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// runBound bounds one run of the binary in these tests: a regression that
// hangs fails here rather than holding the machine.
const runBound = 60 * time.Second

// addressSpace is the address space a run may take (prlimit --as): a
// regression that balloons fails, instead of taking the machine down.
const addressSpace = 2 << 30

// secret is what root may read and no user: none of it, nor its size
// (secretSize bytes), nor the name of the folder it is in, may reach a
// report made for the user.
const (
	secret     = "SECRET-OF-ROOT"
	secretSize = 826
	rootOnly   = "rootonly-a1b2"
	rootOnlyV  = "9.9.9rootonly"
)

// victim is a user made for the test (removed after) with a home of their
// own holding an apps-mode install whose jobs launchd says are not loaded,
// beside a folder only root may enter, holding root's secrets.
type victim struct {
	t          *testing.T
	name       string
	uid, gid   int
	base, home string
	rootDir    string   // the folder only root may enter
	env        []string // the tools and files both runs use
}

// newVictim makes the user. It needs root; elsewhere the test is skipped.
func newVictim(t *testing.T) *victim {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: a run as root against another user's files (CI runs as root)")
	}
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Fatal("useradd is missing: these tests make a user of their own")
	}
	h := fnv.New32a()
	h.Write([]byte(t.Name()))
	v := &victim{t: t, name: fmt.Sprintf("hmbv%07d", h.Sum32()%10_000_000), base: t.TempDir()}
	for d := v.base; d != "/"; d = filepath.Dir(d) {
		if st, err := os.Stat(d); err == nil && st.Mode().Perm()&0o005 != 0o005 {
			os.Chmod(d, st.Mode().Perm()|0o755)
		}
	}
	// The binaries must be the user's to run too.
	os.Chmod(binDir, 0o755)
	v.home = filepath.Join(v.base, "home")
	exec.Command("userdel", v.name).Run() // one left by a run that was killed
	if out, err := exec.Command("useradd", "-M", "-U", "-d", v.home, "-s", "/usr/sbin/nologin", v.name).CombinedOutput(); err != nil {
		t.Fatalf("useradd: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("userdel", v.name).Run() })
	u, err := user.Lookup(v.name)
	if err != nil {
		t.Fatal(err)
	}
	v.uid, _ = strconv.Atoi(u.Uid)
	v.gid, _ = strconv.Atoi(u.Gid)

	// Tools and files of the machine: root's, readable by all.
	tools := filepath.Join(v.base, "bin")
	os.MkdirAll(tools, 0o755)
	launchctl := filepath.Join(tools, "launchctl")
	os.WriteFile(launchctl, []byte("#!/bin/sh\ncase \"$1\" in\nlist) printf 'PID\\tStatus\\tLabel\\n' ;;\nprint-disabled) printf 'disabled services = {\\n}\\n' ;;\nprint) exit 113 ;;\nesac\n"), 0o755)
	prefs := filepath.Join(v.base, "preferences.plist")
	b, err := os.ReadFile("../status/testdata/fixtures/preferences-proxies.plist")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(prefs, b, 0o644)
	v.env = []string{"PATH=/usr/bin:/bin", "NO_COLOR=1", status.EnvLaunchctl + "=" + launchctl,
		status.EnvNetworksetup + "=" + filepath.Join(tools, "networksetup"), status.EnvPreferences + "=" + prefs}

	// Root's secrets, in a folder no one else may enter: a file, a folder,
	// a FIFO, a world-readable file they cannot reach, a whole install,
	// and a venv.
	v.rootDir = filepath.Join(v.base, rootOnly)
	os.MkdirAll(filepath.Join(v.rootDir, "dir"), 0o755)
	os.WriteFile(filepath.Join(v.rootDir, "secret"), []byte(strings.Repeat(secret+"\n", secretSize/15)+strings.Repeat("x", secretSize%15)), 0o600)
	os.WriteFile(filepath.Join(v.rootDir, "open"), []byte(secret), 0o644)
	unix.Mkfifo(filepath.Join(v.rootDir, "fifo"), 0o644)
	os.MkdirAll(filepath.Join(v.rootDir, "hm"), 0o755)
	os.WriteFile(filepath.Join(v.rootDir, "hm", "install-mode"), []byte("full\n"), 0o644)
	os.WriteFile(filepath.Join(v.rootDir, "hm", "effective-ports.json"), []byte(`{"edge":1111,"internal":1112,"api":1113}`), 0o644)
	os.MkdirAll(filepath.Join(v.rootDir, "venv", "lib", "python3.12", "site-packages", "halton_meter-"+rootOnlyV+".dist-info"), 0o755)
	os.MkdirAll(filepath.Join(v.rootDir, "venv", "bin"), 0o755)
	os.WriteFile(filepath.Join(v.rootDir, "venv", "bin", "halton-meter"), nil, 0o755)
	os.Chmod(v.rootDir, 0o700)
	if st, err := os.Stat(filepath.Join(v.rootDir, "secret")); err != nil || st.Size() != secretSize {
		t.Fatalf("the secret is %v bytes (%v)", st.Size(), err)
	}
	v.install()
	return v
}

// install (re)writes the user's install, theirs: apps mode, ports no one
// listens on, the four plists running a venv's halton-meter 0.6.3.
func (v *victim) install() {
	v.t.Helper()
	for _, name := range []string{".halton-meter", "Library", "venv"} {
		os.RemoveAll(filepath.Join(v.home, name))
	}
	hm := filepath.Join(v.home, ".halton-meter")
	agents := filepath.Join(v.home, "Library", "LaunchAgents")
	exe := filepath.Join(v.home, "venv", "bin", "halton-meter")
	for _, d := range []string{hm, agents, filepath.Dir(exe), filepath.Join(v.home, "venv", "lib", "python3.12", "site-packages", "halton_meter-0.6.3.dist-info")} {
		os.MkdirAll(d, 0o755)
	}
	files := map[string]string{
		"install-mode":         "apps\n",
		"apps-managed":         "",
		"effective-ports.json": `{"edge":1,"internal":2,"api":3}`,
		"config.toml":          "[daemon]\nedge_port = 4\ninternal_port = 5\napi_port = 6\n",
	}
	for name, content := range files {
		os.WriteFile(filepath.Join(hm, name), []byte(content), 0o644)
	}
	os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755)
	for _, label := range status.Labels {
		b, _ := plist.Marshal(status.LaunchAgent{Label: label, ProgramArguments: []string{exe}, RunAtLoad: true}, plist.XMLFormat)
		os.WriteFile(filepath.Join(agents, label+".plist"), b, 0o644)
	}
	os.MkdirAll(v.home, 0o755)
	filepath.Walk(v.home, func(p string, _ os.FileInfo, err error) error {
		if err == nil {
			os.Lchown(p, v.uid, v.gid)
		}
		return nil
	})
}

// run is one run of halton-meter-bar, within runBound and addressSpace,
// as root for the user (asRoot) or as the user themselves.
func (v *victim) run(asRoot bool, args ...string) (stdout, stderr string, code int) {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runBound)
	defer cancel()
	cmd := v.command(ctx, asRoot, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		v.t.Fatalf("%v did not end within %s", args, runBound)
	}
	return out.String(), errb.String(), exitCode(err)
}

// command is halton-meter-bar under prlimit, as root with --user, or as
// the user.
func (v *victim) command(ctx context.Context, asRoot bool, args ...string) *exec.Cmd {
	argv := append([]string{fmt.Sprintf("--as=%d", addressSpace), "--", bin("halton-meter-bar")}, args...)
	cmd := exec.CommandContext(ctx, "prlimit", argv...)
	cmd.WaitDelay = time.Second
	if asRoot {
		cmd.Args = append(cmd.Args, "--user", v.name)
		cmd.Env = append([]string{"HOME=/root"}, v.env...)
	} else {
		cmd.Env = append([]string{"HOME=" + v.home}, v.env...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(v.uid), Gid: uint32(v.gid), Groups: []uint32{uint32(v.gid)}}}
		cmd.Dir = v.home
	}
	return cmd
}

// report is a --json run parsed, less what differs between any two runs
// (when, how long, who asked, and so how launchd was asked: another
// user's jobs always through `launchctl print`), and that as text.
func (v *victim) report(asRoot bool) (map[string]any, string) {
	v.t.Helper()
	out, stderr, code := v.run(asRoot, "--json")
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil || code < 0 || code > 3 {
		v.t.Fatalf("--json (root %v): exit %d, %v\n%s\n%s", asRoot, code, err, out, stderr)
	}
	for _, k := range []string{"checked_at", "sweep", "user", "launchd"} {
		delete(r, k)
	}
	text, _ := json.Marshal(r)
	return r, string(text)
}

// TestRootReadsAsTheUser: for any file of the user's install replaced by
// a link (to a file, folder, FIFO or missing path in a folder only root
// may enter, to a file the user may read but not reach, to a device, to
// procfs) or by a FIFO or a folder, root's report answers within the
// deadline, names that file, shows nothing of root's (not the secret's
// text, its size, its folder's name), opens no FIFO, and is the report
// the user's own run makes: root learns nothing the user could not.
func TestRootReadsAsTheUser(t *testing.T) {
	v := newVictim(t)
	// What each file is named by in a report.
	targets := map[string]string{
		".halton-meter/install-mode":                            "install-mode",
		".halton-meter/effective-ports.json":                    "effective-ports.json",
		".halton-meter/config.toml":                             "config.toml",
		".halton-meter/apps-managed":                            "apps-managed",
		".halton-meter/proxy-managed":                           "proxy-managed",
		".halton-meter":                                         ".halton-meter",
		"Library/LaunchAgents/" + status.LabelDaemon + ".plist": status.LabelDaemon + ".plist",
		"Library/LaunchAgents/" + status.LabelEdge + ".plist":   status.LabelEdge + ".plist",
		"Library/LaunchAgents":                                  "LaunchAgents",
		"venv":                                                  "", // the version's venv: only what is not shown counts
	}
	fifo := filepath.Join(v.base, "user-fifo")
	unix.Mkfifo(fifo, 0o644)
	os.Chown(fifo, v.uid, v.gid)
	replacements := map[string]func(p string){
		"link to root's file":         func(p string) { os.Symlink(filepath.Join(v.rootDir, "secret"), p) },
		"link to root's folder":       func(p string) { os.Symlink(filepath.Join(v.rootDir, "dir"), p) },
		"link to nothing in root's":   func(p string) { os.Symlink(filepath.Join(v.rootDir, "missing"), p) },
		"link to a file out of reach": func(p string) { os.Symlink(filepath.Join(v.rootDir, "open"), p) },
		"link to root's FIFO":         func(p string) { os.Symlink(filepath.Join(v.rootDir, "fifo"), p) },
		"link to root's install":      func(p string) { os.Symlink(filepath.Join(v.rootDir, "hm"), p) },
		"link to root's venv":         func(p string) { os.Symlink(filepath.Join(v.rootDir, "venv"), p) },
		"link to a device":            func(p string) { os.Symlink("/dev/ptmx", p) },
		"link to /proc/kmsg":          func(p string) { os.Symlink("/proc/kmsg", p) },
		"link to /proc/self/environ":  func(p string) { os.Symlink("/proc/self/environ", p) },
		"link to the user's own FIFO": func(p string) { os.Symlink(fifo, p) },
		"a FIFO":                      func(p string) { unix.Mkfifo(p, 0o644) },
		"a folder":                    func(p string) { os.Mkdir(p, 0o755) },
	}
	for target, named := range targets {
		for how, replace := range replacements {
			v.install()
			p := filepath.Join(v.home, target)
			if target == ".halton-meter/config.toml" {
				os.Remove(filepath.Join(v.home, ".halton-meter/effective-ports.json")) // read only then
			}
			os.RemoveAll(p)
			replace(p)
			os.Lchown(p, v.uid, v.gid)
			fifos := []string{filepath.Join(v.rootDir, "fifo"), fifo, p}
			var watches []func() bool
			for _, f := range fifos {
				if st, err := os.Lstat(f); err == nil && st.Mode()&os.ModeNamedPipe != 0 {
					watches = append(watches, opened(t, f))
				}
			}
			root, rootText := v.report(true)
			own, _ := v.report(false)
			if !reflect.DeepEqual(root, own) {
				a, _ := json.MarshalIndent(root, "", " ")
				b, _ := json.MarshalIndent(own, "", " ")
				t.Errorf("%s, %s: root's report is not the user's own:\nroot:\n%s\nuser:\n%s", target, how, a, b)
			}
			for _, leak := range []string{secret, fmt.Sprint(secretSize), rootOnly, rootOnlyV, "1111", "HOME=/root"} {
				if strings.Contains(rootText, leak) {
					t.Errorf("%s, %s: the report holds %q:\n%s", target, how, leak, rootText)
				}
			}
			if named != "" && !strings.Contains(rootText, named) {
				t.Errorf("%s, %s: the report never names %s:\n%s", target, how, named, rootText)
			}
			for i, was := range watches {
				if was() {
					t.Errorf("%s, %s: a FIFO was opened (%d)", target, how, i)
				}
			}
		}
	}
}

// opened watches path for opens (inotify's IN_OPEN) and reports, once,
// whether anyone opened it since: an open is queued as it happens.
func opened(t *testing.T, path string) func() bool {
	t.Helper()
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := unix.InotifyAddWatch(fd, path, unix.IN_OPEN|unix.IN_DONT_FOLLOW); err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	return func() bool {
		defer unix.Close(fd)
		buf := make([]byte, 4096)
		n, err := unix.Read(fd, buf)
		return err == nil && n > 0
	}
}

// TestRootAndTheConfigBomb: a config.toml of 64 KB of dotted keys (the
// shape that made a run take 14 GB and 50 s) is answered within the
// address-space limit and the deadline, and blames no one else.
func TestRootAndTheConfigBomb(t *testing.T) {
	v := newVictim(t)
	for name, bomb := range map[string]string{
		"dotted keys":   strings.Repeat("a.", 32_759) + "a=1\n",
		"inline tables": "x=" + strings.Repeat("{a=", 21_844),
		"many keys":     manyKeys(),
	} {
		v.install()
		hm := filepath.Join(v.home, ".halton-meter")
		os.Remove(filepath.Join(hm, "effective-ports.json"))
		os.WriteFile(filepath.Join(hm, "config.toml"), []byte(bomb), 0o644)
		os.Chown(filepath.Join(hm, "config.toml"), v.uid, v.gid)
		out, stderr, code := v.run(true, "--json")
		var r status.Report
		if err := json.Unmarshal([]byte(out), &r); err != nil || code > 3 {
			t.Fatalf("%s: exit %d %v\n%s", name, code, err, stderr)
		}
		if strings.Contains(out, "did not answer within") {
			t.Errorf("%s: a probe is blamed:\n%s", name, out)
		}
		if r.Ports.Source != status.PortsFromDefaults && r.Ports.Source != status.PortsFromConfig {
			t.Errorf("%s: ports %+v", name, r.Ports)
		}
	}
}

func manyKeys() string {
	var b strings.Builder
	for i := 0; b.Len() < 64<<10-20; i++ {
		fmt.Fprintf(&b, "k%d=1\n", i)
	}
	return b.String()
}

// TestRootWatchEndsOnSIGTERM: --watch as root over an install whose
// effective-ports.json is a link to /proc/kmsg prints its line at once and
// ends on SIGTERM, never waiting on the kernel's messages (and swallowing
// none of them).
func TestRootWatchEndsOnSIGTERM(t *testing.T) {
	v := newVictim(t)
	p := filepath.Join(v.home, ".halton-meter", "effective-ports.json")
	os.Remove(p)
	os.Symlink("/proc/kmsg", p)
	ctx, cancel := context.WithTimeout(context.Background(), runBound)
	defer cancel()
	cmd := v.command(ctx, true, "--watch")
	out, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.Contains(line, "effective-ports.json: a kernel pseudo-file") {
		t.Fatalf("first line %q (%v)\n%s", line, err, stderr.String())
	}
	// prlimit runs the binary as its own process (exec): the signal
	// reaches it.
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); ctx.Err() != nil || exitCode(err) != 0 {
		t.Errorf("after SIGTERM: %v (%v)\n%s", err, ctx.Err(), stderr.String())
	}
}

// TestRootOutputFolders: as root, --textfile takes only a folder root
// alone can write to, all the way up: the user's own folder, one under a
// folder of theirs, or a link of theirs to root's /etc is refused at start
// (exit 64), and nothing is written there.
func TestRootOutputFolders(t *testing.T) {
	v := newVictim(t)
	theirs := filepath.Join(v.home, "textfile")
	os.Mkdir(theirs, 0o755)
	os.Chown(theirs, v.uid, v.gid)
	under := filepath.Join(theirs, "rootsub")
	os.Mkdir(under, 0o755)
	link := filepath.Join(v.base, "to-cron")  // a link of theirs, in a folder of root's
	target := filepath.Join(v.base, "cron.d") // root's, standing for /etc/cron.d
	os.Mkdir(target, 0o755)
	os.Symlink(target, link)
	os.Lchown(link, v.uid, v.gid)
	for dir, why := range map[string]string{theirs: "belongs to uid", under: "belongs to uid", link: "a link that belongs to uid"} {
		_, stderr, code := v.run(true, "--json", "--textfile", dir)
		if code != 64 || !strings.Contains(stderr, why) || !strings.Contains(stderr, "as root, only a folder root alone can write to") {
			t.Errorf("--textfile %s: exit %d\n%s", dir, code, stderr)
		}
	}
	for _, d := range []string{theirs, under, target} {
		if entries, _ := os.ReadDir(d); len(entries) > 0 && d != theirs || len(entries) > 1 {
			t.Errorf("%s holds %v", d, entries)
		}
	}
	// Root's own folder: written, and nothing of root's in it.
	ok := filepath.Join(v.base, "textfile-ok")
	os.Mkdir(ok, 0o755)
	if _, stderr, code := v.run(true, "--textfile", ok); code != 0 {
		t.Fatalf("--textfile %s: exit %d\n%s", ok, code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(ok, "halton_meter.prom"))
	if err != nil || !bytes.Contains(b, []byte("halton_meter_up")) || bytes.Contains(b, []byte(rootOnly)) {
		t.Errorf("halton_meter.prom: %v\n%s", err, b)
	}
}

// TestRootTrayActsForNoOne: the menu-bar app run as root never follows
// --user: that is the headless outputs' job.
func TestRootTrayActsForNoOne(t *testing.T) {
	v := newVictim(t)
	_, stderr, code := v.run(true)
	if code != 64 || !strings.Contains(stderr, "the menu-bar app run as root checks root's own install") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
}

// TestDaemonPlistNotAFile: a FIFO where the daemon's plist should be is
// the plist missing (next step init, not start), and is never opened.
func TestDaemonPlistNotAFile(t *testing.T) {
	v := newVictim(t)
	p := filepath.Join(v.home, "Library", "LaunchAgents", status.LabelDaemon+".plist")
	os.Remove(p)
	unix.Mkfifo(p, 0o644)
	os.Chown(p, v.uid, v.gid)
	was := opened(t, p)
	for _, asRoot := range []bool{true, false} {
		out, _, _ := v.run(asRoot, "--json")
		var r status.Report
		json.Unmarshal([]byte(out), &r)
		c, _ := r.Row(status.CompDaemon)
		if c.State != status.StateStopped || !strings.HasSuffix(c.Detail, status.LabelDaemon+".plist missing") || c.NextStep != "halton-meter init --apps" {
			t.Errorf("root %v: daemon %+v", asRoot, c)
		}
	}
	if was() {
		t.Error("the FIFO was opened")
	}
}
