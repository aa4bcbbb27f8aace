package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/status"
	"github.com/haltonlabs/halton-meter-bar/status/statustest"
)

// console is who the console belongs to, as a test moves it.
type console struct {
	mu  sync.Mutex
	uid string
}

func (c *console) set(uid string) {
	c.mu.Lock()
	c.uid = uid
	c.mu.Unlock()
}

func (c *console) who() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.uid
}

// TestWatchFollowsTheConsole: run as root, --watch watches the logged-in
// user's install; when another user logs in, the next line is about that
// user's install and says whose it is; with nobody logged in, unknown, as
// a one-shot run says; and back.
func TestWatchFollowsTheConsole(t *testing.T) {
	alice, bob := statustest.New(t, "apps"), statustest.New(t, "apps")
	bob.Tool("launchctl", "exit 1") // bob's launchd cannot be asked: his install is unknown
	configs := map[string]status.Config{"501": status.ConfigFromEnviron(alice.Env()), "502": status.ConfigFromEnviron(bob.Env())}
	for uid, name := range map[string]string{"501": "alice", "502": "bob"} {
		cfg := configs[uid]
		cfg.User = name // whose install it is; its launchd is the fake list of its world
		cfg.UID = map[string]int{"501": 501, "502": 502}[uid]
		configs[uid] = cfg
	}
	con := &console{uid: "501"}
	follow := &follower{
		who: con.who,
		config: func() (status.Config, error) {
			if cfg, ok := configs[con.who()]; ok {
				return cfg, nil
			}
			return status.Config{Problem: "no user is logged in (the console belongs to root); use --user to check someone's install"}, nil
		},
		every: 10 * time.Millisecond,
	}
	r, w := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- watchUsers(ctx, configs["501"], Options{Tray: TrayOptions{Healthy: time.Hour, Unhealthy: time.Hour}}, follow, w, io.Discard)
		w.Close()
	}()
	reports := make(chan status.Report)
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var rep status.Report
			if err := json.Unmarshal(sc.Bytes(), &rep); err != nil {
				t.Errorf("a line that is not a report: %v", err)
			}
			reports <- rep
		}
		close(reports)
	}()
	next := func(what string) status.Report {
		t.Helper()
		select {
		case rep := <-reports:
			return rep
		case <-time.After(20 * time.Second):
			t.Fatalf("no line for %s", what)
			return status.Report{}
		}
	}
	if rep := next("alice"); rep.Overall != status.OverallHealthy || rep.User == nil || rep.User.Name != "alice" || rep.User.UID != 501 {
		t.Fatalf("first line: %s, user %+v", rep.Overall, rep.User)
	}
	con.set("502")
	if rep := next("bob"); rep.User == nil || rep.User.Name != "bob" || rep.Overall != status.OverallUnknown {
		t.Fatalf("after bob logged in: %s, user %+v", rep.Overall, rep.User)
	}
	con.set("0")
	if rep := next("nobody"); rep.Overall != status.OverallUnknown || rep.User != nil || !strings.Contains(strings.ToLower(rep.Headline), "no user is logged in") {
		t.Fatalf("nobody logged in: %s %q %q, user %+v", rep.Overall, rep.Headline, rep.Warnings, rep.User)
	}
	con.set("501")
	if rep := next("alice again"); rep.User == nil || rep.User.Name != "alice" || rep.Overall != status.OverallHealthy {
		t.Fatalf("alice again: %s, user %+v", rep.Overall, rep.User)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("stopped with %d", code)
	}
}
