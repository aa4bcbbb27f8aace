package watch

import (
	"errors"
	"slices"
	"syscall"
)

// pidTable is the bookkeeping of a process watch, the same on every
// platform: which pids are watched (with their handle), and which exits
// were already reported, so that being asked to watch a dead pid again (a
// report taken before launchd noticed) is no news.
type pidTable[H any] struct {
	live map[int]H
	dead map[int]bool
}

func newPidTable[H any]() pidTable[H] {
	return pidTable[H]{live: make(map[int]H), dead: make(map[int]bool)}
}

// set watches exactly pids: open starts watching one, close stops. It
// reports whether a pid newly asked for is already gone (an exit).
func (t *pidTable[H]) set(pids []int, open func(pid int) (H, error), close func(pid int, h H)) (gone bool) {
	want := make(map[int]bool, len(pids))
	for _, pid := range pids {
		want[pid] = true
		if _, ok := t.live[pid]; ok || pid <= 0 || t.dead[pid] {
			continue
		}
		h, err := open(pid)
		switch {
		case errors.Is(err, syscall.ESRCH):
			t.dead[pid], gone = true, true
		case err == nil:
			t.live[pid] = h
		}
		// Any other error (EPERM…): not ours to watch; the poll covers it.
	}
	for pid, h := range t.live {
		if !want[pid] {
			close(pid, h)
			delete(t.live, pid)
		}
	}
	for pid := range t.dead {
		if !want[pid] {
			delete(t.dead, pid)
		}
	}
	return gone
}

// exited records that a watched process ended.
func (t *pidTable[H]) exited(pid int) {
	delete(t.live, pid)
	t.dead[pid] = true
}

// watching lists the pids whose exit will be reported, in order.
func (t *pidTable[H]) watching() []int {
	pids := make([]int, 0, len(t.live))
	for pid := range t.live {
		pids = append(pids, pid)
	}
	slices.Sort(pids)
	return pids
}
