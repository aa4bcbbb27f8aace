//go:build !darwin

package notify

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/haltonlabs/halton-meter-bar/assets"
	"github.com/haltonlabs/halton-meter-bar/assets/draw"
)

// server is a notification service on a private session bus: it records
// what it is sent, and never answers a notification titled "hang".
type server struct {
	mu   sync.Mutex
	got  []string
	stop chan struct{}
}

func (s *server) Notify(app string, replaces uint32, icon, summary, body string, actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	if summary == "hang" {
		<-s.stop
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, hasImage := hints["image-data"]
	s.got = append(s.got, app+"|"+summary+"|"+body+"|image="+map[bool]string{true: "yes", false: "no"}[hasImage])
	return uint32(len(s.got)), nil
}

func (s *server) received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.got...)
}

func privateBus(t *testing.T) string {
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		t.Fatal("dbus-daemon is missing: run make deps (scripts/deps.sh)")
	}
	bus := exec.Command("dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1")
	out, _ := bus.StdoutPipe()
	if err := bus.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bus.Process.Kill(); bus.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(line)
}

func TestNotifyIsBounded(t *testing.T) {
	addr := privateBus(t)
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	srv := &server{stop: make(chan struct{})}
	defer close(srv.stop)
	if err := conn.Export(srv, "/org/freedesktop/Notifications", "org.freedesktop.Notifications"); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName("org.freedesktop.Notifications", dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own the name: %v %v", reply, err)
	}
	// The notifier's bus is the session bus of the environment.
	os.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)

	n := Notifier{AppName: "Halton Meter Bar", Icon: assets.Icon(draw.Healthy, 32, false)}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := n.Notify(ctx, "hang", "a service that never answers"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a hung service: %v", err)
	}
	if err := n.Notify(context.Background(), "Daemon stopped — not metering", "Next: halton-meter start"); err != nil {
		t.Fatal(err)
	}
	got := srv.received()
	if len(got) != 1 || got[0] != "Halton Meter Bar|Daemon stopped — not metering|Next: halton-meter start|image=yes" {
		t.Errorf("received %q", got)
	}
}
