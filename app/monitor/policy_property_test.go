package monitor

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// The policy over random timelines, against invariants computed here from
// the timeline alone: rows failing and recovering at random times, sweeps
// at random intervals with bursts of event-driven ones, the machine
// sleeping and waking, launches in the middle of an outage, pauses ended
// by time or by hand, the user's own restarts, and rows muted and unmuted.

// Times are whole milliseconds after launch, so that the test's
// arithmetic and the policy's agree to the last digit.
type ms = int64

// span is [from, to); an outage's may be one of a row that cannot be
// checked (unknown), until known if that is set: then it is known broken.
type span struct {
	from, to ms
	unknown  bool
	known    ms
}

func (s span) has(t ms) bool { return t >= s.from && t < s.to }

// timeline is one random run.
type timeline struct {
	cfg     PolicyConfig
	end     ms
	roots   map[status.ComponentName][]span // each root row's outages
	sweeps  []ms
	wakes   []ms
	pauses  []pauseEvent
	actions []userEvent
	mutes   []muteEvent
}

// muteEvent sets the muted rows from at on.
type muteEvent struct {
	at   ms
	rows []status.ComponentName
}

type pauseEvent struct {
	at, until ms // until 0: an explicit resume at at
}

// userEvent is a press of the user's own (Start or Restart of fixes).
type userEvent struct {
	at, done ms
	fixes    status.ComponentName
}

// rootRows and what each explains.
var (
	rootRows     = []status.ComponentName{status.CompDaemon, status.CompWatchdog, status.CompEdge, status.CompUserenv, status.CompSentinels}
	consequences = map[status.ComponentName][]status.ComponentName{
		status.CompDaemon: {status.CompMitmproxy, status.CompFastAPI},
		status.CompEdge:   {status.CompSystemProxy},
	}
)

func dur(t ms) time.Duration { return time.Duration(t) * time.Millisecond }

func inMS(d time.Duration) ms { return ms(d / time.Millisecond) }

// upTo is a random time in [0, n) milliseconds.
func upTo(rng *rand.Rand, n ms) ms {
	if n <= 0 {
		return 0
	}
	return rng.Int64N(n)
}

const second ms = 1000

// randomTimeline draws a timeline.
func randomTimeline(rng *rand.Rand) timeline {
	tl := timeline{
		cfg: PolicyConfig{
			Grace:    dur(upTo(rng, 20*second) + second),
			Settle:   dur(ms(rng.IntN(4)) * 30 * second),
			UserHold: 60 * time.Second,
		},
		roots: make(map[status.ComponentName][]span),
	}
	if rng.IntN(3) > 0 {
		tl.cfg.Reminder = dur(120*second + upTo(rng, 1800*second))
	}
	if rng.IntN(2) == 0 {
		tl.cfg.UnknownGrace = dur(upTo(rng, 300*second))
	}
	if rng.IntN(2) == 0 {
		tl.cfg.Repeat, tl.cfg.RepeatGrace = dur(upTo(rng, 1200*second)), dur(upTo(rng, 180*second))
	}
	tl.end = 300*second + upTo(rng, 3*3600*second)
	// Sleeps: no sweep runs while the lid is closed; a wake follows.
	var sleeps []span
	for i := rng.IntN(3); i > 0; i-- {
		at := upTo(rng, tl.end)
		sleeps = append(sleeps, span{from: at, to: at + 60*second + upTo(rng, 7200*second)})
	}
	for _, s := range sleeps {
		tl.wakes = append(tl.wakes, s.to)
		tl.end = max(tl.end, s.to+60*second)
	}
	// Outages: short ones (inside most graces), long ones, and some under
	// way at launch.
	for _, row := range rootRows {
		var spans []span
		t := ms(0)
		atLaunch := rng.IntN(4) == 0 // broken at launch
		for n := rng.IntN(5); n > 0 && t < tl.end; n-- {
			from := t + upTo(rng, tl.end/3)
			if atLaunch {
				from, atLaunch = 0, false
			}
			length := upTo(rng, 25*second) + 1
			if rng.IntN(2) == 0 {
				length = 25*second + upTo(rng, 4000*second)
			}
			sp := span{from: from, to: from + length, unknown: rng.IntN(4) == 0}
			if sp.unknown && rng.IntN(2) == 0 {
				sp.known = from + upTo(rng, length)
			}
			spans = append(spans, sp)
			t = from + length + second
		}
		tl.roots[row] = spans
	}
	// The user's own restarts: the daemon goes down a moment after the
	// click and comes back within the user hold.
	for i := rng.IntN(3); i > 0; i-- {
		at := upTo(rng, tl.end)
		done := at + upTo(rng, 2*second)
		tl.actions = append(tl.actions, userEvent{at, done, status.CompDaemon})
		down := span{from: at + 50, to: done + upTo(rng, 20*second) + 1}
		tl.roots[status.CompDaemon] = mergeSpan(tl.roots[status.CompDaemon], down)
	}
	// The user's own fix: Start Daemon in the middle of an outage, which
	// ends a moment after the action has run.
	if spans := tl.roots[status.CompDaemon]; len(spans) > 0 && rng.IntN(2) == 0 {
		i := rng.IntN(len(spans))
		at := spans[i].from + upTo(rng, spans[i].to-spans[i].from)
		done := at + upTo(rng, 2*second)
		tl.actions = append(tl.actions, userEvent{at, done, status.CompDaemon})
		spans[i].to = max(spans[i].from+1, done+upTo(rng, 5*second))
		if i+1 < len(spans) && spans[i].to >= spans[i+1].from {
			spans[i].to = spans[i+1].from - 1
		}
	}
	// Presses anywhere, whatever is out: Start Daemon or Start Edge, alone
	// or again and again (every 5 s for a while). They hold only the row
	// they fix, once.
	for i := rng.IntN(4); i > 0; i-- {
		fixes := []status.ComponentName{status.CompDaemon, status.CompEdge}[rng.IntN(2)]
		at := upTo(rng, tl.end)
		for n := 1 + rng.IntN(3)*rng.IntN(12); n > 0; n-- {
			tl.actions = append(tl.actions, userEvent{at, at + upTo(rng, 2*second), fixes})
			at += 5 * second
		}
	}
	// Pauses, by time or ended by hand.
	for i := rng.IntN(3); i > 0; i-- {
		at := upTo(rng, tl.end)
		until := at + 60*second + upTo(rng, 7200*second)
		tl.pauses = append(tl.pauses, pauseEvent{at, until})
		if rng.IntN(2) == 0 {
			tl.pauses = append(tl.pauses, pauseEvent{at: at + upTo(rng, until-at)})
		}
	}
	// Mutes: a row or two muted for a while, roots or consequences.
	for i := rng.IntN(3); i > 0; i-- {
		var rows []status.ComponentName
		for j := rng.IntN(3); j > 0; j-- {
			rows = append(rows, status.ComponentOrder[rng.IntN(len(status.ComponentOrder))])
		}
		tl.mutes = append(tl.mutes, muteEvent{upTo(rng, tl.end), rows})
	}
	slices.SortFunc(tl.mutes, func(a, b muteEvent) int { return int(a.at - b.at) })
	// Sweeps: a regular poll of random period with jitter, a sweep at
	// each wake, and bursts right after the changes (events).
	period := []ms{300, 1000, 5000, 15000, 30000}[rng.IntN(5)]
	for t := ms(0); t < tl.end; t += period/2 + upTo(rng, period) {
		tl.sweeps = append(tl.sweeps, t)
	}
	tl.sweeps = append(tl.sweeps, tl.wakes...)
	for _, spans := range tl.roots {
		for _, s := range spans {
			for _, edge := range []ms{s.from, s.to} {
				for j := rng.IntN(4); j > 0; j-- {
					tl.sweeps = append(tl.sweeps, edge+upTo(rng, 500))
				}
			}
		}
	}
	for _, p := range tl.pauses {
		tl.sweeps = append(tl.sweeps, p.at)
	}
	for _, m := range tl.mutes {
		tl.sweeps = append(tl.sweeps, m.at) // a mute asks for a sweep
	}
	tl.sweeps = slices.DeleteFunc(tl.sweeps, func(t ms) bool {
		for _, s := range sleeps {
			if t >= s.from && t < s.to {
				return true
			}
		}
		return t < 0 || t > tl.end
	})
	slices.Sort(tl.sweeps)
	tl.sweeps = slices.Compact(tl.sweeps)
	return tl
}

// mergeSpan adds s to sorted, disjoint spans, joining what overlaps.
func mergeSpan(spans []span, s span) []span {
	out := []span{}
	for _, x := range spans {
		if x.to < s.from || x.from > s.to {
			out = append(out, x)
			continue
		}
		s = span{from: min(s.from, x.from), to: max(s.to, x.to), unknown: s.unknown && x.unknown}
	}
	out = append(out, s)
	sort.Slice(out, func(i, j int) bool { return out[i].from < out[j].from })
	return out
}

// failingAt is the rows out of healthy at t: the roots in an outage, and
// what they explain.
func (tl timeline) failingAt(t ms) bad {
	b := bad{}
	for _, row := range rootRows {
		for _, s := range tl.roots[row] {
			if s.has(t) {
				b[row] = "stopped/warn"
				if s.unknown && (s.known == 0 || t < s.known) {
					b[row] = "unknown/unknown"
				}
				for _, c := range consequences[row] {
					b[c] = "unbound/warn/" + string(row)
				}
			}
		}
	}
	return b
}

// observed is one sweep as the policy saw it.
type observed struct {
	at      ms
	failing bad
	notes   []Notification
	paused  bool
	resumed bool // the first sweep after a pause ended
	muted   map[status.ComponentName]bool
}

// mutedRow reports whether row was muted at this sweep, itself or through
// the cause that explains it.
func (o observed) mutedRow(row status.ComponentName) bool {
	if o.muted[row] {
		return true
	}
	cause := causeOf(o.failing, row)
	return cause != "" && o.muted[cause]
}

// causeOf is the row that explains row's failure, "" for none.
func causeOf(failing bad, row status.ComponentName) status.ComponentName {
	if spec := failing[row]; strings.Count(spec, "/") == 2 {
		return status.ComponentName(spec[strings.LastIndex(spec, "/")+1:])
	}
	return ""
}

// standing reports whether row is out and not muted at this sweep: the
// rows a notification still shown may speak for.
func (o observed) standing(row status.ComponentName) bool {
	return o.failing[row] != "" && !o.mutedRow(row)
}

// run plays a timeline through a policy.
func (tl timeline) run() []observed {
	p := NewPolicy(tl.cfg, t0)
	type event struct {
		at ms
		do func()
	}
	var events []event
	for _, w := range tl.wakes {
		events = append(events, event{w, func() { p.Woke(t0.Add(dur(w))) }})
	}
	ids := make([]int, len(tl.actions))
	for i, u := range tl.actions {
		events = append(events, event{u.at, func() { ids[i] = p.UserAction(t0.Add(dur(u.at)), u.fixes) }})
		events = append(events, event{u.done, func() { p.UserActionDone(ids[i], t0.Add(dur(u.done))) }})
	}
	for _, pe := range tl.pauses {
		until := time.Time{}
		if pe.until > 0 {
			until = t0.Add(dur(pe.until))
		}
		events = append(events, event{pe.at, func() { p.Pause(until) }})
	}
	muted := map[status.ComponentName]bool{}
	for _, m := range tl.mutes {
		events = append(events, event{m.at, func() {
			p.SetMuted(m.rows)
			muted = map[status.ComponentName]bool{}
			for _, r := range m.rows {
				muted[r] = true
			}
		}})
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].at < events[j].at })
	var out []observed
	wasPaused := false
	for _, at := range tl.sweeps {
		for len(events) > 0 && events[0].at <= at {
			events[0].do()
			events = events[1:]
		}
		now := t0.Add(dur(at))
		paused := !p.PausedUntil(now).IsZero()
		failing := tl.failingAt(at)
		o := observed{at: at, failing: failing, paused: paused, resumed: wasPaused && !paused, muted: muted}
		o.notes = p.Observe(now, report(failing))
		wasPaused = paused
		out = append(out, o)
	}
	return out
}

func (tl timeline) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "config %+v, end %d ms\n", tl.cfg, tl.end)
	for _, row := range rootRows {
		fmt.Fprintf(&b, "  %s outages %v\n", row, tl.roots[row])
	}
	fmt.Fprintf(&b, "  wakes %v\n  pauses %v\n  user actions %v\n  mutes %v\n  %d sweeps\n", tl.wakes, tl.pauses, tl.actions, tl.mutes, len(tl.sweeps))
	return b.String()
}

// userEnds is where each user hold ends: UserHold after the action, or
// at the first sweep after it has run that finds the row it fixes
// healthy (what that row explains is then healthy too).
func (tl timeline) userEnds(obs []observed) []ms {
	ends := make([]ms, len(tl.actions))
	for i, u := range tl.actions {
		ends[i] = u.at + inMS(tl.cfg.UserHold)
		j := sort.Search(len(obs), func(k int) bool { return obs[k].at > u.done })
		for ; j < len(obs) && obs[j].at < ends[i]; j++ {
			if obs[j].failing[u.fixes] == "" {
				ends[i] = obs[j].at
				break
			}
		}
	}
	return ends
}

// due is when an outage of root since since may first be announced, as a
// sweep at at sees it: its grace, lengthened to the end of every hold
// opened by then that it overlaps, the user's only when they fix root,
// and those together never past UserHold after the first of them. (A user
// hold ends early only at a sweep that finds its row healthy, after every
// outage of that row it overlaps, so its final end will do.)
func (tl timeline) due(userEnds []ms, root status.ComponentName, since, at ms, base ms) ms {
	due := base
	consider := func(from, to ms) {
		if from <= at && since <= to && to > due {
			due = to
		}
	}
	if tl.cfg.Settle > 0 {
		consider(0, inMS(tl.cfg.Settle))
		for _, w := range tl.wakes {
			consider(w, w+inMS(tl.cfg.Settle))
		}
	}
	first := ms(-1)
	for i, u := range tl.actions {
		if u.fixes == root && u.at <= at && since <= userEnds[i] && (first < 0 || u.at < first) {
			first = u.at
		}
	}
	for i, u := range tl.actions {
		if u.fixes == root {
			consider(u.at, min(userEnds[i], first+inMS(tl.cfg.UserHold)))
		}
	}
	return due
}

// graceEnd is the end of the grace of row's outage since since, as it
// stands at sweep i: longer while the row cannot be checked, counted from
// the first sweep that knew it broken once it is known, and longer when
// it came back by itself within Repeat before since.
func (tl timeline) graceEnd(obs []observed, backs []map[status.ComponentName]ms, i int, row status.ComponentName, since ms) ms {
	unknown := func(j int) bool { return strings.HasPrefix(obs[j].failing[row], "unknown/") }
	start, g := since, inMS(tl.cfg.Grace)
	switch {
	case unknown(i):
		g = max(g, inMS(tl.cfg.UnknownGrace))
	case tl.cfg.UnknownGrace > 0:
		for j := i; j >= 0 && obs[j].failing[row] != ""; j-- {
			if !unknown(j) {
				start = obs[j].at
			}
		}
	}
	if back, ok := backs[i][row]; ok && since-back < inMS(tl.cfg.Repeat) {
		g = max(g, inMS(tl.cfg.RepeatGrace))
	}
	return start + g
}

// cameBack is, at each sweep, when each root row last came back by
// itself while it counts: a row named by a notification (and not muted
// since) that is healthy again, not by the user's own fix; each return
// within Repeat renews it, and it lapses Repeat after.
func (tl timeline) cameBack(obs []observed, userEnds []ms) []map[status.ComponentName]ms {
	out := make([]map[status.ComponentName]ms, len(obs))
	open := map[status.ComponentName]bool{}
	back := map[status.ComponentName]ms{}
	for i, o := range obs {
		for _, row := range rootRows {
			_, had := back[row]
			if i > 0 && obs[i-1].failing[row] != "" && o.failing[row] == "" && (open[row] || had) {
				back[row] = o.at
				if tl.userFixing(userEnds, row, o.at) {
					delete(back, row)
				}
			}
			if o.failing[row] == "" {
				open[row] = false
			}
			if at, ok := back[row]; ok && o.at-at >= inMS(tl.cfg.Repeat) {
				delete(back, row)
			}
		}
		out[i] = maps.Clone(back)
		for _, row := range rootRows {
			if o.failing[row] != "" && o.mutedRow(row) {
				open[row] = false
			}
		}
		for _, n := range o.notes {
			if n.Kind != KindWithdraw && n.Kind != KindRecovered && n.Kind != KindBudget {
				for _, row := range n.Components {
					open[row] = true
				}
			}
		}
	}
	return out
}

// userFixing reports whether a sweep at at falls in a hold of the user's
// own on row; the sweep that ends one early is still the user's.
func (tl timeline) userFixing(userEnds []ms, row status.ComponentName, at ms) bool {
	for i, u := range tl.actions {
		early := userEnds[i] < u.at+inMS(tl.cfg.UserHold)
		if u.fixes == row && at >= u.at && (at < userEnds[i] || early && at == userEnds[i]) {
			return true
		}
	}
	return false
}

func named(n Notification, row status.ComponentName) bool { return slices.Contains(n.Components, row) }

func announces(n Notification) bool { return n.Kind == KindProblem || n.Kind == KindResumed }

// check verifies the invariants of one run.
func (tl timeline) check(obs []observed) []string {
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	userEnds := tl.userEnds(obs)
	backs := tl.cameBack(obs, userEnds)

	for i, o := range obs {
		for _, n := range o.notes {
			if o.paused && n.Kind != KindWithdraw {
				fail("at %d ms: a %s notification while paused", o.at, n.Kind)
			}
			if n.Kind != KindWithdraw && n.ID == "" {
				fail("at %d ms: a %s notification without an ID", o.at, n.Kind)
			}
			if n.Kind == KindResumed && !o.resumed {
				fail("at %d ms: a resume notice where no pause ended", o.at)
			}
			if announces(n) || n.Kind == KindReminder {
				for _, row := range n.Components {
					if o.mutedRow(row) {
						fail("at %d ms: %s named by a %s notification while muted", o.at, row, n.Kind)
					}
				}
			}
			// A consequence never goes out without its cause.
			if !announces(n) {
				continue
			}
			for _, row := range n.Components {
				cause := causeOf(o.failing, row)
				if cause != "" && !named(n, cause) && !announcedBefore(obs[:i], cause) {
					fail("at %d ms: %s announced without its cause %s", o.at, row, cause)
				}
			}
		}
	}
	tl.checkWithdrawals(obs, fail)

	// Every root outage, as the sweeps saw it, in episodes: the stretches
	// of it in which the row was not muted (muting forgets an
	// announcement; unmuting announces what still stands).
	for _, row := range rootRows {
		for outage := 0; outage < len(obs); outage++ {
			if _, bad := obs[outage].failing[row]; !bad || (outage > 0 && obs[outage-1].failing[row] != "") {
				continue
			}
			last := outage
			for last+1 < len(obs) && obs[last+1].failing[row] != "" {
				last++
			}
			since := obs[outage].at
			for start := outage; start <= last; start++ {
				if obs[start].muted[row] || (start > outage && !obs[start-1].muted[row]) {
					continue
				}
				end := start
				for end+1 <= last && !obs[end+1].muted[row] {
					end++
				}
				tl.checkEpisode(obs, userEnds, backs, row, since, last, start, end, fail)
			}
		}
	}
	tl.checkRecoveries(obs, userEnds, fail)
	return errs
}

// checkEpisode checks the announcements of row, out from since until
// sweep last, in the episode (sweeps start to end) in which it was not
// muted.
func (tl timeline) checkEpisode(obs []observed, userEnds []ms, backs []map[status.ComponentName]ms, row status.ComponentName, since ms, last, start, end int, fail func(string, ...any)) {
	first := -1 // the first sweep that must announce it
	for i := start; i <= end; i++ {
		if !obs[i].paused && obs[i].at >= tl.due(userEnds, row, since, obs[i].at, tl.graceEnd(obs, backs, i, row, since)) {
			first = i
			break
		}
	}
	var ann []int
	problems := 0
	for i := start; i <= end; i++ {
		for _, n := range obs[i].notes {
			if announces(n) && named(n, row) {
				ann = append(ann, i)
				if n.Kind == KindProblem {
					problems++
				}
			}
		}
	}
	what := fmt.Sprintf("%s out from %d ms to %d ms (unmuted %d ms to %d ms)", row, since, obs[last].at, obs[start].at, obs[end].at)
	switch {
	case first < 0 && len(ann) > 0:
		fail("%s: announced at %d ms though never past its grace and holds", what, obs[ann[0]].at)
	case first >= 0 && len(ann) == 0:
		fail("%s: never announced (due by %d ms)", what, obs[first].at)
	case first >= 0 && ann[0] != first:
		fail("%s: announced at %d ms, want %d ms", what, obs[ann[0]].at, obs[first].at)
	}
	if problems > 1 {
		fail("%s: announced %d times", what, problems)
	}
	for _, i := range ann[min(1, len(ann)):] {
		if !obs[i].resumed {
			fail("%s: announced again at %d ms, not at the end of a pause", what, obs[i].at)
		}
	}
	if obs[last].at-since < inMS(tl.cfg.Grace) && len(ann) > 0 {
		fail("%s: shorter than its grace, yet announced", what)
	}
	tl.checkReminders(obs, row, start, end, fail)
}

// checkWithdrawals: a notification shown is withdrawn at the first sweep
// at which none of the rows it named stands (each out and not muted),
// and not before; a reminder replaces a notification shown.
func (tl timeline) checkWithdrawals(obs []observed, fail func(string, ...any)) {
	shown := map[string]map[status.ComponentName]bool{}
	for _, o := range obs {
		for _, n := range o.notes {
			switch {
			case n.Kind == KindWithdraw:
				for _, id := range n.Withdraw {
					rows, ok := shown[id]
					if !ok {
						fail("at %d ms: %s withdrawn, not shown", o.at, id)
					}
					for row := range rows {
						if o.standing(row) {
							fail("at %d ms: %s withdrawn while %s stands", o.at, id, row)
						}
					}
					delete(shown, id)
				}
			case n.Kind == KindReminder && shown[n.ID] == nil:
				fail("at %d ms: a reminder %s replacing no notification shown", o.at, n.ID)
			}
			if announces(n) || n.Kind == KindReminder {
				if shown[n.ID] == nil {
					shown[n.ID] = map[status.ComponentName]bool{}
				}
				for _, row := range n.Components {
					shown[n.ID][row] = true
				}
			}
		}
		for id, rows := range shown {
			stands := false
			for row := range rows {
				stands = stands || o.standing(row)
			}
			if !stands {
				fail("at %d ms: %s still shown, though none of %v stands", o.at, id, rows)
			}
		}
	}
}

func announcedBefore(obs []observed, row status.ComponentName) bool {
	// within the row's current outage: walk back while it is failing
	for i := len(obs) - 1; i >= 0 && obs[i].failing[row] != ""; i-- {
		for _, n := range obs[i].notes {
			if announces(n) && named(n, row) {
				return true
			}
		}
	}
	return false
}

// checkReminders: once announced, an outage is reminded of at the first
// unpaused sweep a reminder interval after its last notification, and
// never sooner.
func (tl timeline) checkReminders(obs []observed, row status.ComponentName, start, end int, fail func(string, ...any)) {
	var last ms
	have := false
	for i := start; i <= end; i++ {
		o := obs[i]
		reminded := false
		for _, n := range o.notes {
			if n.Kind == KindReminder && named(n, row) {
				reminded = true
				if tl.cfg.Reminder == 0 {
					fail("%s reminded at %d ms with reminders off", row, o.at)
				} else if !have || o.at-last < inMS(tl.cfg.Reminder) {
					fail("%s reminded at %d ms, %d ms after its last notification", row, o.at, o.at-last)
				}
			}
		}
		due := have && tl.cfg.Reminder > 0 && !o.paused && !o.mutedRow(row) && o.at-last >= inMS(tl.cfg.Reminder)
		announced := false
		for _, n := range o.notes {
			announced = announced || (announces(n) && named(n, row))
		}
		if due && !reminded && !announced {
			fail("%s: no reminder at %d ms, %d ms after its last notification", row, o.at, o.at-last)
		}
		if reminded || announced {
			last, have = o.at, true
		}
	}
}

// checkRecoveries: "recovered" comes once every named row is healthy
// again, after at least one announcement, never when every row that came
// back was one the user was fixing (or explained by it), and each
// announcement has at most one.
func (tl timeline) checkRecoveries(obs []observed, userEnds []ms, fail func(string, ...any)) {
	open := map[status.ComponentName]status.ComponentName{} // announced rows out, and what explains each
	back := map[status.ComponentName]status.ComponentName{} // rows back since the last notice, and what explained each
	for _, o := range obs {
		for row, root := range open {
			if o.failing[row] == "" {
				delete(open, row)
				back[row] = root
			}
		}
		for row := range open {
			if o.mutedRow(row) { // muted: no longer waited for
				delete(open, row)
			}
		}
		for row := range open {
			open[row] = cmp.Or(causeOf(o.failing, row), row)
		}
		for _, n := range o.notes {
			if announces(n) {
				for _, row := range n.Components {
					open[row] = cmp.Or(causeOf(o.failing, row), row)
				}
			}
		}
		got := 0
		for _, n := range o.notes {
			if n.Kind == KindRecovered {
				got++
			}
		}
		want := 0
		if !o.paused && len(open) == 0 && len(back) > 0 {
			for _, root := range back {
				if !tl.userFixing(userEnds, root, o.at) {
					want = 1
				}
			}
			clear(back)
		}
		if got != want {
			fail("at %d ms: %d recovery notices, want %d (open %v)", o.at, got, want, open)
		}
	}
}

func TestPolicyProperties(t *testing.T) {
	n := 300
	if v, err := strconv.Atoi(os.Getenv("HALTON_POLICY_TIMELINES")); err == nil && v > 0 {
		n = v
	}
	seed := uint64(time.Now().UnixNano())
	if v, err := strconv.ParseUint(os.Getenv("HALTON_POLICY_SEED"), 10, 64); err == nil {
		seed = v
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	failed := 0
	for i := 0; i < n && failed < 3; i++ {
		tl := randomTimeline(rng)
		if errs := tl.check(tl.run()); len(errs) > 0 {
			failed++
			t.Errorf("timeline %d (HALTON_POLICY_SEED=%d):\n%s  %s", i, seed, tl, strings.Join(errs[:min(len(errs), 8)], "\n  "))
		}
	}
}
