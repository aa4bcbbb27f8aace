package notify

import (
	"bytes"
	"context"
	"errors"
	"log"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/alert"
	"github.com/haltonlabs/halton-meter-bar/app/alert/alerttest"
	"github.com/haltonlabs/halton-meter-bar/internal/clock"
	"github.com/haltonlabs/halton-meter-bar/internal/testwait"
)

var errNoBundle = errors.New("not running from an app bundle")

// nativeRig is a Native over recording centers, its native one failing
// until told otherwise.
type nativeRig struct {
	n        *Native
	native   *alerttest.Center
	fallback *alerttest.Center
	clock    *clock.Fake
	log      *bytes.Buffer

	mu     sync.Mutex
	fail   error
	starts int
}

func newNativeRig(fail error) *nativeRig {
	r := &nativeRig{native: &alerttest.Center{}, fallback: &alerttest.Center{}, clock: clock.NewFake(time.Unix(1_800_000_000, 0)),
		log: &bytes.Buffer{}, fail: fail}
	r.n = &Native{
		Start: func() (alert.Center, error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.starts++
			if r.fail != nil {
				return nil, r.fail
			}
			return r.native, nil
		},
		Final:          func(err error) bool { return errors.Is(err, errNoBundle) },
		NativePoster:   alert.Poster{Kind: alert.PosterNative, Via: "UNUserNotificationCenter"},
		Fallback:       r.fallback,
		FallbackPoster: alert.Poster{Kind: alert.PosterScript, Name: "Script Editor", Via: "osascript", Reason: "the app is not running from its bundle"},
		Clock:          r.clock,
		Log:            log.New(r.log, "", 0),
	}
	return r
}

func (r *nativeRig) setFail(err error) {
	r.mu.Lock()
	r.fail = err
	r.mu.Unlock()
}

func (r *nativeRig) startCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.starts
}

func (r *nativeRig) post(t *testing.T, id string) {
	t.Helper()
	if err := r.n.Post(context.Background(), alert.Alert{ID: id, Title: id}); err != nil {
		t.Fatal(err)
	}
}

// TestNativeRetried: a native center that could not start stands in a
// script, says so (the poster names it and why, the log has the error
// once), is tried again at the next alert no sooner than a minute later,
// and once started takes every alert, with the handler, the buttons and
// the request to be allowed that the app declared meanwhile.
func TestNativeRetried(t *testing.T) {
	r := newNativeRig(errors.New("notification delegate: the runtime would not make the class"))
	if p := r.n.Begin(); p.Kind != alert.PosterScript || p.Reason != "macOS notifications could not start" ||
		!strings.Contains(p.Problem, "would not make the class") {
		t.Fatalf("poster after a failed start: %+v", p)
	}
	var clicked []alert.Response
	var mu sync.Mutex
	r.n.Handle(func(resp alert.Response) { mu.Lock(); clicked = append(clicked, resp); mu.Unlock() })
	buttons := []alert.Category{{ID: "c", Buttons: []alert.Button{{ID: "start-daemon", Title: "Start Daemon"}}}}
	if err := r.n.SetCategories(context.Background(), buttons); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.n.Authorize(ctx)

	r.post(t, "outage.daemon")
	r.clock.Advance(30 * time.Second)
	r.post(t, "outage.edge")
	if got := r.startCount(); got != 1 {
		t.Errorf("tried %d times within a minute", got)
	}
	if n := len(r.fallback.Posted()); n != 2 || len(r.native.Posted()) != 0 {
		t.Fatalf("stand-in posted %d, native %d", n, len(r.native.Posted()))
	}
	if n := strings.Count(r.log.String(), "could not start: notification delegate"); n != 1 {
		t.Errorf("the failure logged %d times:\n%s", n, r.log)
	}

	// A minute on, the next alert tries again; it works.
	r.setFail(nil)
	r.clock.Advance(30 * time.Second)
	r.post(t, "outage.watchdog")
	if got := r.startCount(); got != 2 {
		t.Fatalf("tried %d times after a minute", got)
	}
	if p := r.n.Poster(); p.Kind != alert.PosterNative || p.Problem != "" {
		t.Errorf("poster once started: %+v", p)
	}
	if posted := r.native.Posted(); len(posted) != 1 || posted[0].ID != "outage.watchdog" {
		t.Errorf("native posted %+v", posted)
	}
	if _, ok := r.native.Category("c"); !ok {
		t.Error("the buttons were not declared to the native center")
	}
	if !r.native.Click("outage.watchdog", "start-daemon") {
		t.Error("the handler was not handed to the native center")
	}
	// Authorize goes off the post's path.
	testwait.For(t, "the native center asked to allow alerts", func() bool { return r.native.Authorized() == 1 })
	// What the stand-in showed goes too when fixed.
	if err := r.n.Withdraw(context.Background(), []string{"outage.daemon"}); err != nil {
		t.Fatal(err)
	}
	if r.native.Withdrawn()[0] != "outage.daemon" || r.fallback.Withdrawn()[0] != "outage.daemon" {
		t.Errorf("withdrawn: native %v, stand-in %v", r.native.Withdrawn(), r.fallback.Withdrawn())
	}
	if !strings.Contains(r.log.String(), "started: posting through it from now on") {
		t.Errorf("log:\n%s", r.log)
	}
}

// TestNativeFinal: a bare binary's failure is for good: never tried
// again, the poster says why, with no problem to report.
func TestNativeFinal(t *testing.T) {
	r := newNativeRig(errNoBundle)
	if p := r.n.Begin(); p.Reason != "the app is not running from its bundle" || p.Problem != "" || p.Name != "Script Editor" {
		t.Errorf("poster %+v", p)
	}
	for range 3 {
		r.clock.Advance(2 * time.Minute)
		r.post(t, "outage.daemon")
	}
	if got := r.startCount(); got != 1 {
		t.Errorf("tried %d times", got)
	}
	if strings.Contains(r.log.String(), "trying again") {
		t.Errorf("log promises a try again:\n%s", r.log)
	}
}

// TestNativeStarted: a native center that starts at once takes
// everything, and the stand-in nothing.
func TestNativeStarted(t *testing.T) {
	r := newNativeRig(nil)
	if p := r.n.Begin(); p.Kind != alert.PosterNative {
		t.Errorf("poster %+v", p)
	}
	r.post(t, "outage.daemon")
	r.n.Withdraw(context.Background(), []string{"outage.daemon"})
	if len(r.native.Posted()) != 1 || len(r.fallback.Posted()) != 0 || len(r.fallback.Withdrawn()) != 0 {
		t.Errorf("native %v, stand-in %v %v", r.native.Posted(), r.fallback.Posted(), r.fallback.Withdrawn())
	}
	if r.log.Len() != 0 {
		t.Errorf("log:\n%s", r.log)
	}
}
