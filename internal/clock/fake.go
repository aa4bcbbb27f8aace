package clock

import (
	"cmp"
	"slices"
	"sync"
	"time"
)

// Fake is a Clock moved by hand: Advance moves both clocks and fires the
// timers and tickers it passes, in order; Sleep moves the wall clock alone,
// as a machine's sleep does. Armed tells how many timers wait, so that a
// test can wait for a loop to be waiting before it moves the clock.
type Fake struct {
	mu      sync.Mutex
	wall    time.Time
	mono    time.Duration
	waiters []*fakeWaiter
}

// NewFake is a Fake whose wall clock reads wall.
func NewFake(wall time.Time) *Fake { return &Fake{wall: wall} }

type fakeWaiter struct {
	f      *Fake
	ch     chan time.Time
	at     time.Duration // on the monotonic clock
	period time.Duration // a ticker's; 0 for a timer
	armed  bool
}

// Now implements Clock.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.wall
}

// Monotonic implements Clock.
func (f *Fake) Monotonic() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.mono
}

// NewTimer implements Clock.
func (f *Fake) NewTimer(d time.Duration) Timer {
	w := &fakeWaiter{f: f, ch: make(chan time.Time, 1)}
	w.Reset(d)
	return w
}

// NewTicker implements Clock.
func (f *Fake) NewTicker(d time.Duration) Ticker {
	if d <= 0 {
		panic("clock: non-positive interval for NewTicker")
	}
	w := &fakeWaiter{f: f, ch: make(chan time.Time, 1), period: d}
	w.Reset(d)
	return fakeTicker{w}
}

// fakeTicker is a fakeWaiter whose Stop says nothing, as a time.Ticker's.
type fakeTicker struct{ w *fakeWaiter }

func (t fakeTicker) C() <-chan time.Time { return t.w.ch }
func (t fakeTicker) Stop()               { t.w.Stop() }

// Armed is how many timers and tickers wait to fire.
func (f *Fake) Armed() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.waiters)
}

// Advance moves both clocks on by d, firing each timer and ticker whose
// time comes, in the order they come. A tick finding the last one not yet
// taken is dropped, as a time.Ticker's is.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	target := f.mono + d
	for len(f.waiters) > 0 {
		// The earliest due; of two due at once, the one armed first.
		w := slices.MinFunc(f.waiters, func(a, b *fakeWaiter) int { return cmp.Compare(a.at, b.at) })
		if w.at > target {
			break
		}
		f.wall = f.wall.Add(w.at - f.mono)
		f.mono = w.at
		select {
		case w.ch <- f.wall:
		default:
		}
		if w.period > 0 {
			w.at += w.period
		} else {
			w.armed = false
			f.waiters = slices.DeleteFunc(f.waiters, func(o *fakeWaiter) bool { return o == w })
		}
	}
	f.wall = f.wall.Add(target - f.mono)
	f.mono = target
}

// Sleep is the machine asleep for d: the wall clock moves on, the
// monotonic clock and the timers do not.
func (f *Fake) Sleep(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.wall = f.wall.Add(d)
}

func (w *fakeWaiter) C() <-chan time.Time { return w.ch }

// Stop disarms, and drops a time fired but not taken, as time.Timer does
// since Go 1.23.
func (w *fakeWaiter) Stop() bool {
	w.f.mu.Lock()
	defer w.f.mu.Unlock()
	return w.disarm()
}

func (w *fakeWaiter) disarm() bool {
	was := w.armed
	if was {
		w.armed = false
		w.f.waiters = slices.DeleteFunc(w.f.waiters, func(o *fakeWaiter) bool { return o == w })
	}
	select {
	case <-w.ch:
	default:
	}
	return was
}

// Reset arms for d from now; a timer of no time at all fires at once,
// as a time.Timer does.
func (w *fakeWaiter) Reset(d time.Duration) bool {
	w.f.mu.Lock()
	defer w.f.mu.Unlock()
	was := w.disarm()
	if d <= 0 && w.period == 0 {
		w.ch <- w.f.wall
		return was
	}
	w.at, w.armed = w.f.mono+d, true
	w.f.waiters = append(w.f.waiters, w)
	return was
}
