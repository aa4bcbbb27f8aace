// Package clock is the time the app's loops run by: the wall clock, a
// monotonic clock, timers and tickers. Real is the system's; Fake is moved
// by hand, so that the scheduler's and the monitor's tests wait for events,
// never for time.
//
// The monotonic clock is apart from the wall clock because that is how a
// wake from sleep is noticed: while the machine sleeps the monotonic clock
// stands still and the wall clock does not. The fake clocks of the usual
// libraries have one clock only, hence this small package.
package clock

import "time"

// Clock tells the time and makes timers.
type Clock interface {
	// Now is the wall clock.
	Now() time.Time
	// Monotonic is a clock that does not move while the machine sleeps.
	Monotonic() time.Duration
	NewTimer(d time.Duration) Timer
	NewTicker(d time.Duration) Ticker
}

// Timer is a time.Timer of a Clock.
type Timer interface {
	C() <-chan time.Time
	// Stop and Reset are time.Timer's: Stop reports whether it stopped a
	// timer that had not fired.
	Stop() bool
	Reset(d time.Duration) bool
}

// Ticker is a time.Ticker of a Clock.
type Ticker interface {
	C() <-chan time.Time
	Stop()
}

// Real is the system's clock.
type Real struct{}

// start anchors Real's monotonic readings.
var start = time.Now()

// Now implements Clock.
func (Real) Now() time.Time { return time.Now() }

// Monotonic implements Clock: time.Since reads the monotonic clock.
func (Real) Monotonic() time.Duration { return time.Since(start) }

// NewTimer implements Clock.
func (Real) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

// NewTicker implements Clock.
func (Real) NewTicker(d time.Duration) Ticker { return realTicker{time.NewTicker(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time        { return r.t.C }
func (r realTimer) Stop() bool                 { return r.t.Stop() }
func (r realTimer) Reset(d time.Duration) bool { return r.t.Reset(d) }

type realTicker struct{ t *time.Ticker }

func (r realTicker) C() <-chan time.Time { return r.t.C }
func (r realTicker) Stop()               { r.t.Stop() }

// Or is c, or Real when c is nil.
func Or(c Clock) Clock {
	if c == nil {
		return Real{}
	}
	return c
}
