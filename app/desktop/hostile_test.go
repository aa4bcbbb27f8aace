package desktop

import (
	"bufio"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// shortOfDescriptors is a listener that fails with EMFILE a few times, as
// Accept does while the process has no descriptor to spare, then accepts.
type shortOfDescriptors struct {
	net.Listener
	mu    sync.Mutex
	fails int
}

func (l *shortOfDescriptors) Accept() (net.Conn, error) {
	l.mu.Lock()
	if l.fails > 0 {
		l.fails--
		l.mu.Unlock()
		return nil, &net.OpError{Op: "accept", Net: "unix", Err: os.NewSyscallError("accept", syscall.EMFILE)}
	}
	l.mu.Unlock()
	return l.Listener.Accept()
}

// TestAcceptSurvivesAShortage: after a shortage of file descriptors the
// socket still answers; the shortage is said once.
func TestAcceptSurvivesAShortage(t *testing.T) {
	dir := t.TempDir()
	inst, err := Claim(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	var logged strings.Builder
	var logMu sync.Mutex
	inst.log = log.New(writerFunc(func(p []byte) (int, error) {
		logMu.Lock()
		defer logMu.Unlock()
		return logged.Write(p)
	}), "", 0)
	inst.ln = &shortOfDescriptors{Listener: inst.ln, fails: 6}
	inst.Serve(func(string) error { return nil })
	if pid, err := Ask(dir, CmdOpen); err != nil || pid != os.Getpid() {
		t.Fatalf("after the shortage: %d %v", pid, err)
	}
	if _, err := Ask(dir, CmdOpen); err != nil {
		t.Fatalf("and again: %v", err)
	}
	logMu.Lock()
	defer logMu.Unlock()
	if n := strings.Count(logged.String(), "could not accept"); n != 1 {
		t.Errorf("the shortage said %d times:\n%s", n, logged.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// longDir is a settings folder whose socket path is too long for the
// folder itself, in a temporary folder of the test's own.
func longDir(t *testing.T) string {
	t.Setenv("TMPDIR", t.TempDir())
	dir := filepath.Join(t.TempDir(), strings.Repeat("a-long-folder-name/", 6))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if SocketPath(dir) == filepath.Join(dir, "bar.sock") {
		t.Fatal("the socket did not move")
	}
	return dir
}

// TestFallbackSocketIsPrivate: the folder a long path's socket moves to is
// made this user's alone, and one made by someone else first is refused
// on both ends.
func TestFallbackSocketIsPrivate(t *testing.T) {
	t.Run("made", func(t *testing.T) {
		dir := longDir(t)
		inst, err := Claim(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer inst.Close()
		inst.Serve(func(string) error { return nil })
		st, err := os.Lstat(filepath.Dir(SocketPath(dir)))
		if err != nil || !st.IsDir() || st.Mode().Perm() != 0o700 {
			t.Fatalf("the folder: %v %v", st.Mode(), err)
		}
		if _, err := Ask(dir, CmdOpen); err != nil {
			t.Errorf("ask: %v", err)
		}
	})
	squat := map[string]func(folder string) error{
		"open to others": func(folder string) error {
			if err := os.Mkdir(folder, 0o777); err != nil {
				return err
			}
			return os.Chmod(folder, 0o777)
		},
		"a link": func(folder string) error {
			target := filepath.Join(filepath.Dir(folder), "elsewhere")
			os.Mkdir(target, 0o700)
			return os.Symlink(target, folder)
		},
	}
	if os.Geteuid() == 0 {
		squat["another user's"] = func(folder string) error {
			if err := os.Mkdir(folder, 0o700); err != nil {
				return err
			}
			return os.Chown(folder, 65534, 65534)
		}
	}
	for name, make := range squat {
		t.Run(name, func(t *testing.T) {
			dir := longDir(t)
			folder := filepath.Dir(SocketPath(dir))
			if err := make(folder); err != nil {
				t.Fatal(err)
			}
			var logged strings.Builder
			inst, err := Claim(dir, log.New(&logged, "", 0))
			if err != nil {
				t.Fatal(err)
			}
			defer inst.Close()
			if inst.ln != nil || !strings.Contains(logged.String(), "refusing it") {
				t.Errorf("listened in a squatted folder; log %q", logged.String())
			}
			// What a squatter listening there would get: nothing.
			if _, err := Ask(dir, CmdQuit); err == nil || !strings.Contains(err.Error(), "refusing the socket") {
				t.Errorf("asked through a squatted folder: %v", err)
			}
		})
	}
}

// TestAskEscapesTheAnswer: whatever answers on the socket, what Ask hands
// on to be printed has no control character.
func TestAskEscapesTheAnswer(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("unix", SocketPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	answers := []string{"error \x1b]0;owned\x07\x1b[2J" + strings.Repeat("x", 5000) + "\n", "ok \x1b[31m1\n", "ok -5\n"}
	go func() {
		for _, a := range answers {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			bufio.NewReader(conn).ReadString('\n')
			conn.Write([]byte(a))
			conn.Close()
		}
	}()
	for range answers {
		_, err := Ask(dir, CmdQuit)
		if err == nil {
			t.Fatal("a hostile answer was taken")
		}
		if strings.ContainsAny(err.Error(), "\x1b\x07") || len(err.Error()) > 2*maxAnswer {
			t.Errorf("printed as it came: %q", err)
		}
	}
}

// TestSettingsBounded: settings that would defeat the rules are brought
// back within them, and say so.
func TestSettingsBounded(t *testing.T) {
	now := time.Date(2026, 11, 25, 14, 0, 0, 0, time.Local)
	longest := time.Date(2026, 11, 26, 8, 0, 0, 0, time.Local)
	for _, c := range []struct {
		name     string
		in       Settings
		reminder time.Duration
		paused   time.Time
		said     string
	}{
		{"a reminder every nanosecond", Settings{Reminder: Duration{time.Nanosecond}}, MinReminder, time.Time{}, "shorter than 15m0s"},
		{"a reminder just under the least", Settings{Reminder: Duration{MinReminder - time.Second}}, MinReminder, time.Time{}, "shorter"},
		{"the least reminder", Settings{Reminder: Duration{MinReminder}}, MinReminder, time.Time{}, ""},
		{"reminders off", Settings{Reminder: Duration{0}}, 0, time.Time{}, ""},
		{"paused for good", Settings{PausedUntil: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)}, 0, longest, "past the longest pause"},
		{"paused within the menu's longest", Settings{PausedUntil: now.Add(time.Hour)}, 0, now.Add(time.Hour), ""},
		{"paused to the menu's longest", Settings{PausedUntil: longest}, 0, longest, ""},
	} {
		got, said := c.in.Bounded(now, longest)
		if got.Reminder.Duration != c.reminder || !got.PausedUntil.Equal(c.paused) {
			t.Errorf("%s: reminder %s, paused until %s", c.name, got.Reminder.Duration, got.PausedUntil)
		}
		if joined := strings.Join(said, "; "); c.said == "" && joined != "" || !strings.Contains(joined, c.said) {
			t.Errorf("%s: said %q, want %q", c.name, joined, c.said)
		}
	}
}

// TestSettingsBudgetDay: the day the budget was announced is a date, or
// forgotten (and said), never echoed.
func TestSettingsBudgetDay(t *testing.T) {
	now := time.Date(2026, 11, 25, 14, 0, 0, 0, time.Local)
	for _, c := range []struct{ in, want, said string }{
		{"2026-11-25", "2026-11-25", ""},
		{"", "", ""},
		{"2026-11-25T00:00:00Z", "", "not a date"},
		{"yesterday\x1b[31m", "", "not a date"},
		{"2026-13-01", "", "not a date"},
	} {
		got, said := Settings{BudgetAnnounced: c.in}.Bounded(now, now.Add(time.Hour))
		joined := strings.Join(said, "; ")
		if got.BudgetAnnounced != c.want || !strings.Contains(joined, c.said) || c.said == "" && joined != "" || strings.Contains(joined, "\x1b") {
			t.Errorf("%q: %q, said %q", c.in, got.BudgetAnnounced, joined)
		}
	}
}

// TestSettingsMuted: muted rows are the table's, once each, in its order;
// a name from elsewhere is dropped and said.
func TestSettingsMuted(t *testing.T) {
	now := time.Date(2026, 11, 25, 14, 0, 0, 0, time.Local)
	in := Settings{Muted: []status.ComponentName{"system-proxy", "no such row\x1b[31m", "daemon", "daemon"}}
	got, said := in.Bounded(now, now.Add(time.Hour))
	if len(got.Muted) != 2 || got.Muted[0] != status.CompDaemon || got.Muted[1] != status.CompSystemProxy {
		t.Errorf("muted %q", got.Muted)
	}
	if len(said) != 1 || !strings.Contains(said[0], "4 rows, 2 of them") || strings.Contains(said[0], "\x1b") {
		t.Errorf("said %q", said)
	}
	var s Settings
	s.ToggleMuted(status.CompEdge)
	s.ToggleMuted(status.CompDaemon)
	if !s.IsMuted(status.CompEdge) || len(s.Muted) != 2 || s.Muted[0] != status.CompDaemon {
		t.Errorf("muted %q", s.Muted)
	}
	s.ToggleMuted(status.CompEdge)
	if s.IsMuted(status.CompEdge) || len(s.Muted) != 1 {
		t.Errorf("unmuted: %q", s.Muted)
	}
}

// TestSettingsFileNotRegular: a FIFO, a folder or a device named
// settings.json is refused at once, with the defaults.
func TestSettingsFileNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for path, kind := range map[string]string{fifo: "a named pipe", dir: "a directory", "/dev/zero": "a character device"} {
		s, err := LoadSettings(path)
		if err == nil || !strings.Contains(err.Error(), "not a regular file ("+kind+")") || !strings.Contains(err.Error(), path) || !reflect.DeepEqual(s, DefaultSettings) {
			t.Errorf("%s: %+v %v", path, s, err)
		}
	}
	big := filepath.Join(dir, "big.json")
	os.WriteFile(big, []byte(`{"notifications":false,"x":"`+strings.Repeat("x", maxSettings)+`"}`), 0o644)
	if s, err := LoadSettings(big); err == nil || !reflect.DeepEqual(s, DefaultSettings) {
		t.Errorf("an oversized file: %+v %v", s, err)
	}
}

// TestLockRefusesALink: the lock never follows a link to truncate what it
// points at.
func TestLockRefusesALink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "precious")
	os.WriteFile(target, []byte("keep me\n"), 0o644)
	lock := filepath.Join(dir, "bar.lock")
	if err := os.Symlink(target, lock); err != nil {
		t.Fatal(err)
	}
	if _, err := AcquireLock(lock); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("a linked lock: %v", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep me\n" {
		t.Errorf("the link's target became %q", b)
	}
	fifo := filepath.Join(dir, "fifo.lock")
	syscall.Mkfifo(fifo, 0o600)
	if _, err := AcquireLock(fifo); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a FIFO lock: %v", err)
	}
	if _, err := Claim(dir, nil); err == nil {
		t.Error("claimed through a linked lock")
	}
}

// TestTerminalScript: the file Terminal is asked to open runs the command
// as given (spaces and quotes kept), from a folder of the user's alone,
// and removes itself and its folder.
func TestTerminalScript(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "ran")
	argv := []string{"/bin/sh", "-c", `printf '%s|%s' "$0" "$1" > "$2"`, "it's doctor", "a b", out}
	path, err := WriteTerminalScript(parent, argv)
	if err != nil {
		t.Fatal(err)
	}
	folder := filepath.Dir(path)
	if st, err := os.Stat(folder); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("folder %v %v", st, err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o700 || !strings.HasSuffix(path, ".command") {
		t.Fatalf("script %s %v %v", path, st, err)
	}
	// What Terminal does with a .command file: runs it.
	if b, err := exec.Command(path).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	if b, _ := os.ReadFile(out); string(b) != "it's doctor|a b" {
		t.Errorf("ran %q", b)
	}
	if _, err := os.Stat(folder); !os.IsNotExist(err) {
		t.Errorf("the script's folder is left: %v", err)
	}
}
