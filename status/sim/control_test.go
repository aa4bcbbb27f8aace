package sim

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestControlRefusesStrangersWithinItsBound: whoever does not know the
// token is refused after the token's length, however much it sends; a
// request past its bound is refused too.
func TestControlRefusesStrangersWithinItsBound(t *testing.T) {
	sv := &supervisor{s: &State{Token: newToken()}}
	for name, c := range map[string]struct {
		lines []string
		bound int64
	}{
		"100 MB without a newline":          {[]string{strings.Repeat("x", 100<<20)}, int64(len(sv.s.Token)) + 1},
		"a wrong token":                     {[]string{strings.Repeat("0", 32) + "\n", `{"op":"down"}` + "\n"}, int64(len(sv.s.Token)) + 1},
		"the token, then 100 MB of request": {[]string{sv.s.Token + "\n", strings.Repeat("y", 100<<20)}, int64(len(sv.s.Token)) + 1 + maxRequest},
	} {
		t.Run(name, func(t *testing.T) {
			client, server := net.Pipe()
			done := make(chan struct{})
			go func() { sv.handle(server); close(done) }()
			// net.Pipe has no buffer: what the client wrote, the
			// supervisor read.
			sent := make(chan int64, 1)
			go func() {
				var n int64
				for _, l := range c.lines {
					m, err := io.Copy(client, strings.NewReader(l))
					n += m
					if err != nil {
						break
					}
				}
				sent <- n
			}()
			var resp Response
			json.NewDecoder(bufio.NewReader(client)).Decode(&resp)
			client.Close()
			<-done
			if n := <-sent; n > c.bound {
				t.Errorf("read %d bytes from a stranger, bound %d", n, c.bound)
			}
			if resp.Error != "refused" {
				t.Errorf("answer %+v", resp)
			}
		})
	}
}

// TestUpRefusesAFolderItDidNotMake: a world.json up did not write (no
// marker, or another one), beside a user's own files, is refused and
// nothing in the folder is deleted.
func TestUpRefusesAFolderItDidNotMake(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"a stray world.json":            {"world.json": `{}`},
		"a stray world.json and a home": {"world.json": `{"mode":"apps"}`, "home/notes.txt": "mine"},
		"another world's marker":        {"world.json": `{"world_id":"aaaa"}`, worldMarker: "bbbb\n", "run/log": "x"},
		"a user's file":                 {"notes.txt": "mine"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for path, content := range files {
				os.MkdirAll(filepath.Dir(filepath.Join(dir, path)), 0o755)
				os.WriteFile(filepath.Join(dir, path), []byte(content), 0o644)
			}
			err := Up(dir, "apps", Ports{}, 0)
			if err == nil || !strings.Contains(err.Error(), "refusing to touch it") {
				t.Errorf("up: %v", err)
			}
			if err := Down(dir); err == nil {
				t.Error("down believed it")
			}
			for path, content := range files {
				if b, err := os.ReadFile(filepath.Join(dir, path)); err != nil || string(b) != content {
					t.Errorf("%s: %q %v", path, b, err)
				}
			}
		})
	}
}

// TestDaemonStatusLastSeenIsTheLatest: back-dated calls metered after a
// recent one do not make the last request older.
func TestDaemonStatusLastSeenIsTheLatest(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	records := []record{{At: now.Add(-time.Minute)}, {At: now.AddDate(0, 0, -4)}, {At: now.AddDate(0, 0, -2)}}
	got := daemonStatus(records, now)
	if last := got["last_seen_at"].(*string); *last != now.Add(-time.Minute).Format(time.RFC3339) || got["request_count_last_hour"] != 1 {
		t.Errorf("status %v (last %s)", got, *last)
	}
}

// TestStampOf: a call is dated now, days back, or at the time it names
// within a week back and MaxAhead on; anything else is now.
func TestStampOf(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		header, value string
		want          time.Time
	}{
		{"", "", now},
		{daysAgoHeader, "2", now.AddDate(0, 0, -2)},
		{daysAgoHeader, "8", now},
		{atHeader, "2026-12-16T10:05:00Z", time.Date(2026, 12, 16, 10, 5, 0, 0, time.UTC)},
		{atHeader, "2026-12-16T11:05:00+01:00", time.Date(2026, 12, 16, 10, 5, 0, 0, time.UTC)},
		{atHeader, "2028-12-16T10:05:00Z", now},
		{atHeader, "2026-11-01T10:05:00Z", now},
		{atHeader, "tomorrow", now},
	} {
		r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/v1/messages", nil)
		if tt.header != "" {
			r.Header.Set(tt.header, tt.value)
		}
		if got := stampOf(r, now); !got.Equal(tt.want) {
			t.Errorf("%s %q: %v, want %v", tt.header, tt.value, got, tt.want)
		}
	}
}
