package clock

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func fired(c <-chan time.Time) (time.Time, bool) {
	select {
	case at := <-c:
		return at, true
	default:
		return time.Time{}, false
	}
}

func TestFakeTimers(t *testing.T) {
	f := NewFake(t0)
	a, b := f.NewTimer(2*time.Second), f.NewTimer(time.Second)
	if f.Armed() != 2 {
		t.Fatalf("%d armed", f.Armed())
	}
	f.Advance(999 * time.Millisecond)
	if _, ok := fired(b.C()); ok {
		t.Fatal("fired early")
	}
	f.Advance(time.Millisecond)
	if at, ok := fired(b.C()); !ok || !at.Equal(t0.Add(time.Second)) {
		t.Fatalf("b: %v %v", at, ok)
	}
	if f.Armed() != 1 || !a.Stop() || a.Stop() || f.Armed() != 0 {
		t.Fatal("Stop")
	}
	// A time fired and not taken is dropped by Reset.
	a.Reset(time.Second)
	f.Advance(5 * time.Second)
	if a.Reset(time.Second) {
		t.Error("Reset of a fired timer says it was armed")
	}
	if _, ok := fired(a.C()); ok {
		t.Error("a stale time after Reset")
	}
	if f.Now() != t0.Add(6*time.Second) || f.Monotonic() != 6*time.Second {
		t.Errorf("now %v, monotonic %v", f.Now(), f.Monotonic())
	}
}

func TestFakeTimerOfNoTime(t *testing.T) {
	f := NewFake(t0)
	tm := f.NewTimer(0)
	if _, ok := fired(tm.C()); !ok || f.Armed() != 0 {
		t.Error("a timer of no time did not fire at once")
	}
}

func TestFakeTickerAndSleep(t *testing.T) {
	f := NewFake(t0)
	tk := f.NewTicker(time.Second)
	f.Advance(3500 * time.Millisecond) // three ticks; the channel holds one
	if at, ok := fired(tk.C()); !ok || !at.Equal(t0.Add(time.Second)) {
		t.Fatalf("first tick %v %v", at, ok)
	}
	if _, ok := fired(tk.C()); ok {
		t.Error("a tick kept while one was waiting")
	}
	f.Advance(500 * time.Millisecond)
	if at, ok := fired(tk.C()); !ok || !at.Equal(t0.Add(4*time.Second)) {
		t.Errorf("fourth tick %v %v", at, ok)
	}
	// Asleep: the wall clock moves, nothing else.
	f.Sleep(time.Hour)
	if _, ok := fired(tk.C()); ok || f.Monotonic() != 4*time.Second || !f.Now().Equal(t0.Add(time.Hour+4*time.Second)) {
		t.Errorf("after sleep: monotonic %v, now %v", f.Monotonic(), f.Now())
	}
	tk.Stop()
	if f.Armed() != 0 {
		t.Error("a stopped ticker is armed")
	}
}

func TestReal(t *testing.T) {
	c := Or(nil)
	if _, ok := c.(Real); !ok {
		t.Fatal("Or(nil) is not Real")
	}
	m := c.Monotonic()
	tm := c.NewTimer(time.Millisecond)
	<-tm.C()
	if c.Monotonic() <= m {
		t.Error("the monotonic clock did not move")
	}
}
