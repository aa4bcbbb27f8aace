// Package testwait is the one way the project's tests wait for something
// another goroutine or process does: poll a condition until it holds,
// within a bound generous enough for two loaded cores under -race. The
// bound only bounds a failure: a test waits for what it can observe, never
// for an amount of time, and asserts nothing on how long it took.
package testwait

import (
	"testing"
	"time"
)

// Bound is how long For waits before failing the test.
const Bound = 20 * time.Second

// For polls cond until it holds, failing the test after Bound.
func For(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Bound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, Bound)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Spin is For for a condition checked tens of thousands of times in a
// test (a simulated week's every tick): it polls without the pause, so
// each wait costs what the event costs.
func Spin(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Bound)
	for i := 0; !cond(); i++ {
		if i%1024 == 1023 && time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, Bound)
		}
		time.Sleep(20 * time.Microsecond)
	}
}
