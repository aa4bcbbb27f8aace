package desktop

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
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
// Unix socket's path is limited (104 bytes on macOS): past that, it goes to
// the temporary folder under a name derived from dir.
func SocketPath(dir string) string {
	p := filepath.Join(dir, "bar.sock")
	if len(p) < 100 {
		return p
	}
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join(os.TempDir(), fmt.Sprintf("halton-meter-bar-%d-%s.sock", os.Getuid(), hex.EncodeToString(sum[:6])))
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
	go func() {
		for {
			conn, err := i.ln.Accept()
			if err != nil {
				return
			}
			go i.answer(conn, handle)
		}
	}()
}

func (i *Instance) answer(conn net.Conn, handle func(cmd string) error) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(askTimeout))
	if uid, ok := peerUID(conn); ok && uid != os.Getuid() {
		i.logf("refused a command from uid %d", uid)
		return
	}
	line, err := bufio.NewReader(io.LimitReader(conn, 64)).ReadString('\n')
	if err != nil {
		return
	}
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

// Ask sends a command to the running instance of dir and returns its PID.
func Ask(dir, cmd string) (int, error) {
	conn, err := net.DialTimeout("unix", SocketPath(dir), askTimeout)
	if err != nil {
		return 0, fmt.Errorf("reach the running instance: %w", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(askTimeout))
	if _, err := io.WriteString(conn, cmd+"\n"); err != nil {
		return 0, fmt.Errorf("ask the running instance: %w", err)
	}
	line, err := bufio.NewReader(io.LimitReader(conn, 4096)).ReadString('\n')
	if err != nil {
		return 0, fmt.Errorf("read the running instance's answer: %w", err)
	}
	line = strings.TrimSpace(line)
	if msg, ok := strings.CutPrefix(line, "error "); ok {
		return 0, errors.New(msg)
	}
	pid, err := strconv.Atoi(strings.TrimPrefix(line, "ok "))
	if err != nil {
		return 0, fmt.Errorf("the running instance answered %q", line)
	}
	return pid, nil
}
