package desktop

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/haltonlabs/halton-meter-bar/internal/text"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// Instance is the one running tray. It holds the lock (which the kernel
// releases however the process ends) and answers on a Unix socket beside
// it, readable by its owner alone, so that launching the app again brings
// the running one forward instead of failing.
//
// The line protocol: the client writes one command ("open" or "quit") and
// reads one line back, "ok PID" or "error MESSAGE".
type Instance struct {
	lock *Lock
	ln   net.Listener
	path string
	log  *log.Logger
}

// Instance commands.
const (
	CmdOpen = "open" // open the details window
	CmdQuit = "quit"
)

// askTimeout bounds a conversation over the socket, either side.
const askTimeout = 5 * time.Second

// SocketPath is where the instance of the settings folder dir listens. A
// Unix socket's path is limited (104 bytes on macOS): past that, it goes
// to a folder of this user's own in the temporary folder (SocketFolder),
// under a name derived from dir.
func SocketPath(dir string) string {
	p := filepath.Join(dir, "bar.sock")
	if len(p) < 100 {
		return p
	}
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join(fallbackFolder(), hex.EncodeToString(sum[:6])+".sock")
}

// fallbackFolder is this user's folder for sockets whose usual path is too long.
func fallbackFolder() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("halton-meter-bar-%d", os.Getuid()))
}

// checkSocketFolder makes sure the folder of a socket in the shared
// temporary folder is this user's alone: a folder, not a link, owned by
// this user, mode 0700. Another user could otherwise make it first, and
// receive what this user's app is asked, or answer in its place. create
// makes it when it is missing. A socket in the settings folder needs no
// check: that folder is in the user's home.
func checkSocketFolder(sock string, create bool) error {
	folder := filepath.Dir(sock)
	if folder != fallbackFolder() {
		return nil
	}
	if create {
		if err := os.Mkdir(folder, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("make %s: %w", folder, err)
		}
	}
	st, err := os.Lstat(folder)
	if err != nil {
		return err
	}
	switch {
	case !st.IsDir():
		return fmt.Errorf("%s is not a folder of its own (%s)", folder, status.FileKind(st.Mode()))
	case st.Mode().Perm() != 0o700:
		return fmt.Errorf("%s is open to others (mode %o)", folder, st.Mode().Perm())
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Getuid() {
		return fmt.Errorf("%s belongs to uid %d", folder, sys.Uid)
	}
	return nil
}

// Claim makes this process the running instance of the settings folder
// dir. Another instance is an AlreadyRunningError. A socket left by one
// that crashed is replaced. logger may be nil.
func Claim(dir string, logger *log.Logger) (*Instance, error) {
	lock, err := AcquireLock(filepath.Join(dir, "bar.lock"))
	if err != nil {
		return nil, err
	}
	inst := &Instance{lock: lock, path: SocketPath(dir), log: logger}
	if err := checkSocketFolder(inst.path, true); err != nil {
		inst.logf("no socket for a second launch to reach: refusing it: %v", err)
		return inst, nil
	}
	// The lock is ours, so no live instance owns a socket here.
	if _, err := os.Lstat(inst.path); err == nil {
		inst.logf("replacing the stale socket %s of an instance that ended without removing it", inst.path)
		os.Remove(inst.path)
	}
	ln, err := net.Listen("unix", inst.path)
	if err != nil {
		inst.logf("no socket for a second launch to reach: %v", err)
		return inst, nil
	}
	if err := os.Chmod(inst.path, 0o600); err != nil {
		ln.Close()
		inst.logf("no socket for a second launch to reach: %v", err)
		return inst, nil
	}
	inst.ln = ln
	return inst, nil
}

// Serve answers commands with handle until Close; handle's error goes back
// to the client. Only the socket's owner's processes are answered.
func (i *Instance) Serve(handle func(cmd string) error) {
	if i.ln == nil {
		return
	}
	go i.acceptLoop(i.ln, handle)
}

// Backoff of the accept loop after an error (a shortage of file
// descriptors, EMFILE: macOS gives GUI apps 256 by default).
const (
	acceptBackoffMin = 5 * time.Millisecond
	acceptBackoffMax = time.Second
)

// The socket serves maxConversations at a time, each given readTimeout
// to say its line: a flood of connections that say nothing holds that
// many descriptors at most, for that long, and never starves the sweeps
// of theirs. Those over the cap are closed at once.
const (
	maxConversations = 4
	readTimeout      = time.Second
)

// acceptLoop answers connections until ln is closed. Any other error
// passes: it waits, longer each time in a row, and accepts again, so one
// bad moment never leaves a bound socket nobody answers.
func (i *Instance) acceptLoop(ln net.Listener, handle func(cmd string) error) {
	var delay time.Duration
	busy := make(chan struct{}, maxConversations)
	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			if delay == 0 {
				i.logf("the socket could not accept a connection, trying again: %v", err)
			}
			delay = min(max(2*delay, acceptBackoffMin), acceptBackoffMax)
			time.Sleep(delay)
			continue
		}
		delay = 0
		select {
		case busy <- struct{}{}:
			go func() {
				defer func() { <-busy }()
				i.answer(conn, handle)
			}()
		default:
			conn.Close() // as many conversations as it serves at once
		}
	}
}

func (i *Instance) answer(conn net.Conn, handle func(cmd string) error) {
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(readTimeout))
	if uid, ok := peerUID(conn); ok && uid != os.Getuid() {
		i.logf("refused a command from uid %d", uid)
		return
	}
	line, err := bufio.NewReader(io.LimitReader(conn, 64)).ReadString('\n')
	if err != nil {
		return
	}
	conn.SetDeadline(time.Now().Add(askTimeout))
	reply := "ok " + strconv.Itoa(os.Getpid())
	if err := handle(strings.TrimSpace(line)); err != nil {
		reply = "error " + strings.ReplaceAll(err.Error(), "\n", " ")
	}
	io.WriteString(conn, reply+"\n")
}

// Close stops answering, removes the socket and releases the lock.
func (i *Instance) Close() {
	if i.ln != nil {
		i.ln.Close()
		os.Remove(i.path)
	}
	i.lock.Release()
}

func (i *Instance) logf(format string, args ...any) {
	if i.log != nil {
		i.log.Printf(format, args...)
	}
}

// maxAnswer bounds what is kept of the running instance's answer.
const maxAnswer = 200

// Ask sends a command to the running instance of dir and returns its PID.
// It talks only to a socket of this user's (its folder checked, its peer
// this user's), and what comes back is escaped before anyone prints it.
func Ask(dir, cmd string) (int, error) {
	path := SocketPath(dir)
	if err := checkSocketFolder(path, false); err != nil {
		return 0, fmt.Errorf("refusing the socket: %w", err)
	}
	conn, err := net.DialTimeout("unix", path, askTimeout)
	if err != nil {
		return 0, fmt.Errorf("reach the running instance: %w", err)
	}
	defer conn.Close()
	if uid, ok := peerUID(conn); ok && uid != os.Getuid() {
		return 0, fmt.Errorf("refusing the socket %s: it is held by uid %d", path, uid)
	}
	conn.SetDeadline(time.Now().Add(askTimeout))
	if _, err := io.WriteString(conn, cmd+"\n"); err != nil {
		return 0, fmt.Errorf("ask the running instance: %w", err)
	}
	line, err := bufio.NewReader(io.LimitReader(conn, 4096)).ReadString('\n')
	if err != nil {
		return 0, fmt.Errorf("read the running instance's answer: %w", err)
	}
	line = text.Safe(text.Clip(strings.TrimSpace(line), maxAnswer))
	if msg, ok := strings.CutPrefix(line, "error "); ok {
		return 0, errors.New(msg)
	}
	pid, err := strconv.Atoi(strings.TrimPrefix(line, "ok "))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("the running instance answered %q", line)
	}
	return pid, nil
}
