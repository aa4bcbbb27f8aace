package notify

import (
	"context"
	"log"
	"sync"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/alert"
	"github.com/haltonlabs/halton-meter-bar/internal/clock"
)

// RetryEvery is how often, at most, a native center that could not start
// is tried again: at the next alert, no sooner.
const RetryEvery = time.Minute

// Native is the app's own notification center with a stand-in: alerts go
// through the native center once it has started, and through Fallback
// until then. A native center that could not start is tried again at the
// next alert, at most once per RetryEvery, unless its error says it never
// will (Final: a bare binary has no bundle, for the life of the process).
// Each failure is logged once, with its error. What the app declared
// (its handler, its buttons, its wish to be allowed) is handed to the
// native center when it starts late, so nothing the user sees depends on
// when it started.
type Native struct {
	// Start makes the native center.
	Start func() (alert.Center, error)
	// Final reports whether a failure of Start is for good.
	Final func(error) bool
	// Native is the poster the native center is; Fallback and
	// FallbackPoster the one that stands in.
	NativePoster   alert.Poster
	Fallback       alert.Center
	FallbackPoster alert.Poster
	// Clock times the tries again; nil is the system's.
	Clock clock.Clock
	Log   *log.Logger

	mu         sync.Mutex
	native     alert.Center
	err        error         // the last failure of Start
	tried      time.Duration // when Start was last tried (monotonic)
	started    bool          // Start was tried at least once
	handle     func(alert.Response)
	categories []alert.Category
	authorize  context.Context // Authorize's context, once asked: a late start asks too
	stoodIn    bool            // the fallback posted something
}

// Begin tries the native center for the first time, and says who posts.
func (n *Native) Begin() alert.Poster {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.try(true)
	return n.poster()
}

// current is the center to post through now: the native one (tried
// again when due and retry is set), else the stand-in; native says which.
// Called with mu held.
func (n *Native) current(retry bool) (c alert.Center, native bool) {
	if n.native == nil && retry {
		n.try(false)
	}
	if n.native != nil {
		return n.native, true
	}
	return n.Fallback, false
}

// try starts the native center when it is due; first forces it.
func (n *Native) try(first bool) {
	c := clock.Or(n.Clock)
	now := c.Monotonic()
	if n.native != nil || (n.started && !first && (n.final() || now-n.tried < RetryEvery)) {
		return
	}
	n.started, n.tried = true, now
	center, err := n.Start()
	if err != nil {
		if n.err == nil || err.Error() != n.err.Error() {
			n.logf("alerts: %s could not start: %v; posting through %s%s", n.NativePoster.Via, err, n.FallbackPoster.Via, n.again(err))
		}
		n.err = err
		return
	}
	n.native, n.err = center, nil
	if !first {
		n.logf("alerts: %s started: posting through it from now on", n.NativePoster.Via)
	}
	if n.handle != nil {
		center.Handle(n.handle)
	}
	if len(n.categories) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := center.SetCategories(ctx, n.categories); err != nil {
			n.logf("alerts: declare the buttons: %v", err)
		}
		cancel()
	}
	if ctx := n.authorize; ctx != nil {
		go func() {
			if err := center.Authorize(ctx); err != nil && ctx.Err() == nil {
				n.logf("alerts: %v", err)
			}
		}()
	}
}

func (n *Native) final() bool { return n.err != nil && n.Final != nil && n.Final(n.err) }

// again says when the next try is.
func (n *Native) again(err error) string {
	if n.Final != nil && n.Final(err) {
		return ""
	}
	return ", and trying again at the next alert (at most once a minute)"
}

func (n *Native) logf(format string, args ...any) {
	if n.Log != nil {
		n.Log.Printf(format, args...)
	}
}

// poster describes who posts now. Called with mu held.
func (n *Native) poster() alert.Poster {
	if n.native != nil {
		return n.NativePoster
	}
	p := n.FallbackPoster
	if n.err != nil && !n.final() {
		p.Reason, p.Problem = "macOS notifications could not start", n.err.Error()
	}
	return p
}

// Poster implements alert.Describer.
func (n *Native) Poster() alert.Poster {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.poster()
}

// Authorize asks the native center, or remembers to ask it once it starts.
func (n *Native) Authorize(ctx context.Context) error {
	n.mu.Lock()
	n.authorize = ctx
	c, _ := n.current(false)
	n.mu.Unlock()
	return c.Authorize(ctx)
}

// Permission is the current poster's.
func (n *Native) Permission(ctx context.Context) (alert.Permission, error) {
	n.mu.Lock()
	c, _ := n.current(false)
	n.mu.Unlock()
	return c.Permission(ctx)
}

// SetCategories declares the buttons, now and to a native center that
// starts later.
func (n *Native) SetCategories(ctx context.Context, categories []alert.Category) error {
	n.mu.Lock()
	n.categories = categories
	c, _ := n.current(false)
	n.mu.Unlock()
	return c.SetCategories(ctx, categories)
}

// Post posts through the native center, trying it again when it is due.
func (n *Native) Post(ctx context.Context, a alert.Alert) error {
	n.mu.Lock()
	c, native := n.current(true)
	n.stoodIn = n.stoodIn || !native
	n.mu.Unlock()
	return c.Post(ctx, a)
}

// Withdraw withdraws through the current poster, and through the stand-in
// too once it has posted: an alert it showed may still be on screen.
func (n *Native) Withdraw(ctx context.Context, ids []string) error {
	n.mu.Lock()
	c, native := n.current(false)
	stoodIn := n.stoodIn
	n.mu.Unlock()
	err := c.Withdraw(ctx, ids)
	if stoodIn && native {
		if ferr := n.Fallback.Withdraw(ctx, ids); err == nil {
			err = ferr
		}
	}
	return err
}

// Handle sets the handler, on the native center too once it starts.
func (n *Native) Handle(fn func(alert.Response)) {
	n.mu.Lock()
	n.handle = fn
	c, native := n.current(false)
	n.mu.Unlock()
	c.Handle(fn)
	if native {
		n.Fallback.Handle(fn)
	}
}
