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

func TestFakeViews(t *testing.T) {
	f := NewFake(t0)
	if _, ok := f.NextIn(); ok {
		t.Fatal("NextIn with nothing armed")
	}
	a, b := f.View("a"), f.View("b")
	ta := a.NewTimer(3 * time.Second)
	tb := b.NewTicker(2 * time.Second)
	defer tb.Stop()
	if d, ok := f.NextIn(); !ok || d != 2*time.Second {
		t.Fatalf("NextIn %v %v", d, ok)
	}
	if a.Now() != t0 || a.Monotonic() != 0 {
		t.Fatal("a view reads another clock")
	}
	f.Advance(2 * time.Second)
	if f.Fired("a") != 0 || f.Fired("b") != 1 {
		t.Fatalf("fired a %d, b %d", f.Fired("a"), f.Fired("b"))
	}
	if d, _ := f.NextIn(); d != time.Second {
		t.Fatalf("NextIn after a tick: %v", d)
	}
	// The ticker's tick not taken: the next is dropped, and not counted.
	f.Advance(2 * time.Second)
	if f.Fired("a") != 1 || f.Fired("b") != 1 {
		t.Fatalf("fired a %d, b %d", f.Fired("a"), f.Fired("b"))
	}
	if _, ok := fired(ta.C()); !ok {
		t.Fatal("a's timer did not fire")
	}
	// A tick drained by Reset before it was taken is not counted.
	f.Advance(2 * time.Second)
	tb2 := b.NewTimer(time.Second)
	f.Advance(time.Second)
	if f.Fired("b") != 2 {
		t.Fatalf("fired b %d", f.Fired("b"))
	}
	tb2.Reset(time.Second)
	if f.Fired("b") != 1 {
		t.Fatalf("after a drain, fired b %d", f.Fired("b"))
	}
}
