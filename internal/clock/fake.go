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
//
// A View is the same clock for one loop, its timers tagged: Fired counts
// the ticks given to a tag's timers, so that a test stepping a week knows
// how many a loop has yet to take (NextIn is the next of them).
type Fake struct {
	mu      sync.Mutex
	wall    time.Time
	mono    time.Duration
	waiters []*fakeWaiter
	fired   map[string]int
}

// NewFake is a Fake whose wall clock reads wall.
func NewFake(wall time.Time) *Fake { return &Fake{wall: wall} }

type fakeWaiter struct {
	f      *Fake
	tag    string
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
func (f *Fake) NewTimer(d time.Duration) Timer { return f.newTimer(d, "") }

// NewTicker implements Clock.
func (f *Fake) NewTicker(d time.Duration) Ticker { return f.newTicker(d, "") }

func (f *Fake) newTimer(d time.Duration, tag string) Timer {
	w := &fakeWaiter{f: f, tag: tag, ch: make(chan time.Time, 1)}
	w.Reset(d)
	return w
}

func (f *Fake) newTicker(d time.Duration, tag string) Ticker {
	if d <= 0 {
		panic("clock: non-positive interval for NewTicker")
	}
	w := &fakeWaiter{f: f, tag: tag, ch: make(chan time.Time, 1), period: d}
	w.Reset(d)
	return fakeTicker{w}
}

// View is f for one loop: the timers and tickers it makes carry tag.
func (f *Fake) View(tag string) Clock { return view{f, tag} }

type view struct {
	f   *Fake
	tag string
}

func (v view) Now() time.Time                   { return v.f.Now() }
func (v view) Monotonic() time.Duration         { return v.f.Monotonic() }
func (v view) NewTimer(d time.Duration) Timer   { return v.f.newTimer(d, v.tag) }
func (v view) NewTicker(d time.Duration) Ticker { return v.f.newTicker(d, v.tag) }

// Fired is how many ticks the timers and tickers of tag were given and
// not taken back: a tick dropped because the last was not taken, or
// drained by Stop or Reset before it was, is not counted.
func (f *Fake) Fired(tag string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fired[tag]
}

// NextIn is the time from now to the next timer or ticker due; false when
// none is armed.
func (f *Fake) NextIn() (time.Duration, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.waiters) == 0 {
		return 0, false
	}
	w := slices.MinFunc(f.waiters, func(a, b *fakeWaiter) int { return cmp.Compare(a.at, b.at) })
	return w.at - f.mono, true
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
			if f.fired == nil {
				f.fired = make(map[string]int)
			}
			f.fired[w.tag]++
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
		if w.f.fired[w.tag] > 0 {
			w.f.fired[w.tag]-- // never taken: not given after all
		}
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
