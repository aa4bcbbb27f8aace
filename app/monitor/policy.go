package monitor

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/haltonlabs/halton-meter-bar/internal/text"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// Kind says what a notification is about.
type Kind string

// Kinds of notification.
const (
	KindProblem   Kind = "problem"   // a row out of healthy past its grace
	KindReminder  Kind = "reminder"  // an announced outage still there a reminder interval later
	KindResumed   Kind = "resumed"   // what still stands when a pause ends
	KindRecovered Kind = "recovered" // every announced cause healthy again
	KindBudget    Kind = "budget"    // today's spend passed the daily budget
	KindAction    Kind = "action"    // an action the user asked for failed
	KindWithdraw  Kind = "withdraw"  // notifications shown that no longer hold
)

// Notification is one native notification to show, or (KindWithdraw)
// some to take back.
type Notification struct {
	Kind Kind
	// ID names it to the system: one posted with the ID of one still shown
	// replaces it, as a reminder replaces its outage's notification.
	ID string
	// Thread is the row it is about, which groups it with that row's
	// others in Notification Center; "" for several.
	Thread     status.ComponentName
	Title      string
	Body       string
	Components []status.ComponentName // the rows it speaks for
	// Urgent: a cause is red (crit): the alert sounds too.
	Urgent bool
	// Withdraw, of a KindWithdraw, are the IDs of notifications shown
	// whose rows are all healthy (or muted) now.
	Withdraw []string
}

// The IDs of the policy's notifications: an outage's is its cause's (or
// several causes' at once), so that its reminder replaces it.
const (
	outagePrefix  = "outage."
	severalCauses = outagePrefix + "several"
	recoveredID   = "recovered"
	budgetID      = "budget"
)

// outageID is the ID of the notification of causes.
func outageID(causes []status.ComponentName) string {
	if len(causes) == 1 {
		return outagePrefix + string(causes[0])
	}
	return severalCauses
}

// threadOf is the row an outage's notification is about.
func threadOf(id string) status.ComponentName {
	if id == severalCauses {
		return ""
	}
	return status.ComponentName(strings.TrimPrefix(id, outagePrefix))
}

// PolicyConfig tunes the notification policy.
type PolicyConfig struct {
	// Grace is how long a row must stay out of healthy before it is
	// announced: `halton-meter stop && halton-meter start` stays quiet.
	Grace time.Duration
	// Settle is how long after launch and after a wake things may still be
	// starting: an outage that overlaps such a hold is not announced
	// before the hold ends, and is announced then if it still stands.
	Settle time.Duration
	// UserHold is how long after the user's own Start or Restart a
	// transition is theirs; the hold ends early at the first healthy sweep.
	UserHold time.Duration
	// Reminder is how often an outage still there is announced again; 0
	// turns reminders off.
	Reminder time.Duration
	// UnknownGrace is the grace of a row that cannot be checked (its level
	// unknown: a probe that timed out on a loaded machine, a tool that
	// hangs): not knowing for a moment is no fire, and once it is known to
	// be broken its grace runs from then. 0 is Grace, from the start.
	UnknownGrace time.Duration
	// Repeat and RepeatGrace: a row announced that came back by itself and
	// fails again within Repeat of that waits RepeatGrace before it is
	// announced again (each return renews the window), so that a crash
	// loop or a flapping edge rings once rather than at every turn; one
	// that stays out is announced all the same.
	Repeat, RepeatGrace time.Duration
}

// DefaultPolicy is the policy the tray runs with.
var DefaultPolicy = PolicyConfig{Grace: 10 * time.Second, Settle: time.Minute, UserHold: time.Minute, Reminder: 4 * time.Hour,
	UnknownGrace: 5 * time.Minute, Repeat: 15 * time.Minute, RepeatGrace: 2 * time.Minute}

// WithGrace is c with its grace g, and the longer graces (UnknownGrace,
// RepeatGrace) scaled with it: the tray's --grace.
func (c PolicyConfig) WithGrace(g time.Duration) PolicyConfig {
	if c.Grace > 0 {
		scale := func(d time.Duration) time.Duration { return time.Duration(int64(d) / int64(c.Grace) * int64(g)) }
		c.UnknownGrace, c.RepeatGrace = scale(c.UnknownGrace), scale(c.RepeatGrace)
	}
	c.Grace = g
	return c
}

// outage is a row's stretch out of healthy.
type outage struct {
	name  status.ComponentName
	since time.Time // first sweep that saw it
	// unknown: the row cannot be checked (its level unknown) at the last
	// sweep; known is the first sweep that found it broken for sure.
	unknown bool
	known   time.Time
	// root is the row that explained it at the last sweep (itself for a
	// cause): what a hold of the user's own must cover to hold it.
	root status.ComponentName
	// announced: a notification named the row, or its announced cause
	// covers it.
	announced bool
	listed    bool      // a notification named the row itself
	last      time.Time // the last notification that named it
	note      string    // the ID of that notification
}

// hold is a stretch of time during which outages wait: after launch,
// after a wake (every row), after the user's own Start or Restart (the
// row it fixes, and what that row explains).
type hold struct {
	from, to time.Time
	// user: the user's own action (id) on fixes; once it has finished
	// (done), the first sweep after it that finds fixes and what it
	// explains healthy ends the hold.
	user  bool
	id    int
	done  time.Time
	fixes status.ComponentName
}

// covers reports whether the hold holds an outage whose root is root.
func (w hold) covers(root status.ComponentName) bool { return !w.user || w.fixes == root }

// Policy decides which notifications a sequence of reports deserves. It is
// a pure state machine over time and reports, with the launch, wakes,
// pauses and the user's own actions as events, so it is tested step by
// step and over random timelines (policy_property_test.go).
//
// The rules a user can rely on:
//   - a row out of healthy longer than its grace is announced exactly once,
//     grouped under the row that explains it (the daemon explains both
//     listeners); more than two causes at once fold into one notification;
//   - the holds after launch and after a wake, and after the user's own
//     Start or Restart, only lengthen the grace: an outage that overlaps one
//     is announced when the hold ends if it still stands, never dropped;
//     the user's hold holds only the row its action fixes (and what that
//     row explains), and presses, however many, hold an outage for one
//     UserHold in all;
//   - a row that cannot be checked waits UnknownGrace, and once known
//     broken its grace runs from then; a row announced that came back by
//     itself and fails again within Repeat waits RepeatGrace: these too
//     only lengthen the grace;
//   - an announced outage still there a reminder interval later is
//     announced again, once per interval;
//   - while paused nothing is delivered; when the pause ends, what still
//     stands is announced once;
//   - "recovered" comes once, only after an announcement, and only when
//     every announced row is healthy again (not for the user's own fix);
//   - a notification shown is withdrawn at the first sweep that finds
//     every row it names healthy, or muted;
//   - a muted row (or one whose cause is muted) is never named; muting
//     forgets its announcement, so that unmuting announces once what
//     still stands.
type Policy struct {
	cfg     PolicyConfig
	rows    map[status.ComponentName]*outage // failing rows only
	holds   []hold
	actions int // user actions so far

	// pausing is set from a Pause until the first sweep after its end.
	pausing     bool
	pausedUntil time.Time
	// withheld is set when something stood or recovered while paused.
	withheld bool

	// open are the rows notifications named that have not recovered;
	// recovered those that did since the last recovery notice, and since
	// when the earliest of them was out.
	open           map[status.ComponentName]bool
	recovered      []status.ComponentName
	recoveredRoots map[status.ComponentName]status.ComponentName // what explained each when it was out
	downSince      time.Time

	// budget is the daily budget (0: off); budgetDay the local date it was
	// last announced as passed.
	budget    status.USD
	budgetDay string

	// shown are the outage notifications posted and not withdrawn, with
	// the rows each named; muted the rows the user muted.
	shown map[string][]status.ComponentName
	muted map[status.ComponentName]bool
	// cameBack is when each named row last came back by itself (not the
	// user's fix): a new outage within Repeat of it waits RepeatGrace.
	cameBack map[status.ComponentName]time.Time
}

// SetMuted sets the rows whose alerts the user muted.
func (p *Policy) SetMuted(rows []status.ComponentName) {
	p.muted = make(map[status.ComponentName]bool, len(rows))
	for _, r := range rows {
		p.muted[r] = true
	}
}

// isMuted reports whether a row is muted, itself or through the cause
// that explains it.
func (p *Policy) isMuted(row status.ComponentName, failing map[status.ComponentName]status.Component) bool {
	if p.muted[row] {
		return true
	}
	c, ok := failing[row]
	return ok && p.muted[rootOf(c, failing)]
}

// SetBudget sets the daily budget; 0 turns it off.
func (p *Policy) SetBudget(b status.USD) { p.budget = b }

// BudgetDay is the local date the budget was last announced as passed;
// SetBudgetDay restores it at launch, so that a restart does not announce
// it again the same day.
func (p *Policy) BudgetDay() string { return p.budgetDay }

// SetBudgetDay sets the date BudgetDay reports.
func (p *Policy) SetBudgetDay(day string) { p.budgetDay = day }

// NewPolicy starts a policy at launch: its first hold begins then.
func NewPolicy(cfg PolicyConfig, launched time.Time) *Policy {
	p := &Policy{cfg: cfg, rows: make(map[status.ComponentName]*outage), open: make(map[status.ComponentName]bool),
		shown: make(map[string][]status.ComponentName), recoveredRoots: make(map[status.ComponentName]status.ComponentName),
		cameBack: make(map[status.ComponentName]time.Time)}
	if cfg.Settle > 0 {
		p.holds = append(p.holds, hold{from: launched, to: launched.Add(cfg.Settle)})
	}
	return p
}

// Woke opens a settle hold after the machine wakes from sleep.
func (p *Policy) Woke(now time.Time) {
	if p.cfg.Settle > 0 {
		p.holds = append(p.holds, hold{from: now, to: now.Add(p.cfg.Settle)})
	}
}

// UserAction opens a hold for the transition the user just asked for
// (Start or Restart of fixes), lasting UserHold, and returns its id; once
// the action has run, UserActionDone lets the first sweep after it that
// finds fixes healthy end the hold. It holds fixes and what fixes
// explains, nothing else.
func (p *Policy) UserAction(now time.Time, fixes status.ComponentName) int {
	p.actions++
	if p.cfg.UserHold > 0 {
		p.holds = append(p.holds, hold{from: now, to: now.Add(p.cfg.UserHold), user: true, id: p.actions, fixes: fixes})
	}
	return p.actions
}

// UserActionDone says the user's action id has run, at now.
func (p *Policy) UserActionDone(id int, now time.Time) {
	for i := range p.holds {
		if w := &p.holds[i]; w.user && w.id == id {
			w.done = now
		}
	}
}

// Pause withholds every notification until until; a zero time resumes at
// the next sweep.
func (p *Policy) Pause(until time.Time) {
	p.pausedUntil = until
	p.pausing = p.pausing || !until.IsZero()
}

// PausedUntil is when the current pause ends; zero when not paused.
func (p *Policy) PausedUntil(now time.Time) time.Time {
	if p.pausing && now.Before(p.pausedUntil) {
		return p.pausedUntil
	}
	return time.Time{}
}

// due is when an outage may first be announced: its grace, lengthened to
// the end of every hold it overlaps that holds it (the user's only for
// the row they fix), the user's together never past UserHold after the
// first of them: pressing again does not hold an outage again.
func (p *Policy) due(o *outage) time.Time {
	start, grace := o.since, p.cfg.Grace
	switch {
	case o.unknown:
		grace = max(grace, p.cfg.UnknownGrace)
	case p.cfg.UnknownGrace > 0:
		start = o.known // not knowing was no fire: the grace runs from knowing
	}
	if back, ok := p.cameBack[o.name]; ok && o.since.Sub(back) < p.cfg.Repeat {
		grace = max(grace, p.cfg.RepeatGrace)
	}
	d := start.Add(grace)
	var first time.Time // the first user hold that holds it
	for _, w := range p.holds {
		if w.user && w.covers(o.root) && !o.since.After(w.to) && (first.IsZero() || w.from.Before(first)) {
			first = w.from
		}
	}
	for _, w := range p.holds {
		if !w.covers(o.root) || o.since.After(w.to) {
			continue
		}
		to := w.to
		if w.user && to.After(first.Add(p.cfg.UserHold)) {
			to = first.Add(p.cfg.UserHold)
		}
		if to.After(d) {
			d = to
		}
	}
	return d
}

// Observe takes the report of a sweep made at now and returns the
// notifications it calls for.
//
// A sweep that met the app's own shortage (out of file descriptors…)
// proves nothing about the install: it starts, ends and announces
// nothing, and the next sweep that can check decides.
func (p *Policy) Observe(now time.Time, r status.Report) []Notification {
	if r.Sweep.Shortage != "" {
		return nil
	}
	failing := make(map[status.ComponentName]status.Component)
	for _, c := range r.Components {
		if !c.Healthy() {
			failing[c.Name] = c
		}
	}
	returned := p.track(now, failing)
	p.forgetMuted(failing)
	userFixes := make(map[status.ComponentName]bool) // the rows the user is fixing now
	for i := range p.holds {
		w := &p.holds[i]
		if w.user && !now.Before(w.from) && now.Before(w.to) {
			userFixes[w.fixes] = true
			if !p.failingUnder(w.fixes) && !w.done.IsZero() && now.After(w.done) {
				w.to = now // the user's transition is over
			}
		}
	}
	for name, root := range returned {
		if userFixes[root] {
			delete(p.cameBack, name) // the user's fix: a failure after it is news
		}
	}
	p.prune(now)

	paused := p.pausing && now.Before(p.pausedUntil)
	resuming := p.pausing && !paused
	if resuming {
		p.pausing, p.pausedUntil = false, time.Time{}
	}
	var out []Notification
	if ids := p.withdrawals(failing); len(ids) > 0 {
		out = append(out, Notification{Kind: KindWithdraw, Withdraw: ids})
	}
	switch {
	case paused:
		if len(failing) > 0 || len(p.recovered) > 0 {
			p.withheld = true
		}
		return out
	case resuming && p.withheld:
		p.withheld = false
		if n, ok := p.stillStanding(now, r, failing); ok {
			out = append(out, n)
		}
	}
	out = append(out, p.problems(now, r, failing)...)
	out = append(out, p.reminders(now, r, failing)...)
	if n, ok := p.overBudget(now, r); ok {
		out = append(out, n)
	}
	if n, ok := p.recovery(now, failing, userFixes); ok {
		out = append(out, n)
	}
	return out
}

// track starts and ends outages, each with the row that explains it now,
// and moves named rows that recovered from open to recovered. It returns
// the rows whose return cameBack took, with the row that explained each.
func (p *Policy) track(now time.Time, failing map[status.ComponentName]status.Component) map[status.ComponentName]status.ComponentName {
	for name := range p.open {
		if _, bad := failing[name]; !bad {
			delete(p.open, name)
			p.recovered = append(p.recovered, name)
			root := name
			if o := p.rows[name]; o != nil {
				root = o.root
			}
			p.recoveredRoots[name] = root
			p.cameBack[name] = now
		}
	}
	returned := make(map[status.ComponentName]status.ComponentName)
	for name, o := range p.rows {
		if _, bad := failing[name]; !bad {
			delete(p.rows, name)
			if _, ok := p.cameBack[name]; ok {
				p.cameBack[name] = now // back (again: the loop goes on)
				returned[name] = o.root
			}
		}
	}
	for name, c := range failing {
		if p.rows[name] == nil {
			p.rows[name] = &outage{name: name, since: now}
		}
		o := p.rows[name]
		o.root, o.unknown = rootOf(c, failing), c.Level == status.LevelUnknown
		if !o.unknown && o.known.IsZero() {
			o.known = now
		}
	}
	return returned
}

// failingUnder reports whether root, or a row it explains, is out.
func (p *Policy) failingUnder(root status.ComponentName) bool {
	for _, o := range p.rows {
		if o.root == root {
			return true
		}
	}
	return false
}

// forgetMuted forgets that the muted rows were announced: nothing names
// them while they are muted, and once unmuted what still stands is
// announced again.
func (p *Policy) forgetMuted(failing map[status.ComponentName]status.Component) {
	for name, o := range p.rows {
		if p.isMuted(name, failing) {
			o.announced, o.listed, o.note = false, false, ""
			delete(p.open, name)
		}
	}
}

// withdrawals are the notifications shown whose rows are all healthy or
// muted now; they are forgotten.
func (p *Policy) withdrawals(failing map[status.ComponentName]status.Component) []string {
	var ids []string
	for id, rows := range p.shown {
		stands := slices.ContainsFunc(rows, func(r status.ComponentName) bool {
			_, bad := failing[r]
			return bad && !p.isMuted(r, failing)
		})
		if !stands {
			ids = append(ids, id)
			delete(p.shown, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// prune forgets holds no outage can overlap any more.
func (p *Policy) prune(now time.Time) {
	oldest := now
	for _, o := range p.rows {
		if o.since.Before(oldest) {
			oldest = o.since
		}
	}
	p.holds = slices.DeleteFunc(p.holds, func(w hold) bool { return w.to.Before(oldest) })
	for name, at := range p.cameBack {
		if now.Sub(at) >= p.cfg.Repeat {
			delete(p.cameBack, name)
		}
	}
}

// rootOf follows caused_by to the first failing row that has no failing cause.
func rootOf(c status.Component, failing map[status.ComponentName]status.Component) status.ComponentName {
	seen := map[status.ComponentName]bool{c.Name: true}
	for c.CausedBy != "" {
		cause, ok := failing[c.CausedBy]
		if !ok || seen[cause.Name] {
			break
		}
		seen[cause.Name] = true
		c = cause
	}
	return c.Name
}

// problems announces the outages that are due, grouped under their causes.
func (p *Policy) problems(now time.Time, r status.Report, failing map[status.ComponentName]status.Component) []Notification {
	groups := make(map[status.ComponentName][]status.Component)
	var roots []status.ComponentName
	for _, c := range r.Components {
		o := p.rows[c.Name]
		if o == nil || o.announced || now.Before(p.due(o)) || p.isMuted(c.Name, failing) {
			continue
		}
		root := rootOf(c, failing)
		if root != c.Name {
			ro := p.rows[root]
			if ro.announced {
				o.announced = true // its cause was announced: it goes with it
				continue
			}
			if now.Before(p.due(ro)) {
				continue // it goes out with its cause
			}
		}
		if len(groups[root]) == 0 {
			roots = append(roots, root)
		}
		groups[root] = append(groups[root], c)
	}
	var due [][]status.Component
	for _, root := range roots {
		due = append(due, orderRoot(root, groups[root], failing))
	}
	var out []Notification
	switch {
	case len(due) == 0:
		return nil
	case len(due) > 2:
		out = []Notification{combined(due)}
	default:
		for _, g := range due {
			out = append(out, problem(g))
		}
	}
	for _, n := range out {
		for _, row := range n.Components {
			p.markNamed(row, now, n.ID)
		}
	}
	return out
}

// markNamed records that the notification id named a failing row now.
func (p *Policy) markNamed(row status.ComponentName, now time.Time, id string) {
	o := p.rows[row]
	o.announced, o.listed, o.last, o.note = true, true, now, id
	if !slices.Contains(p.shown[id], row) {
		p.shown[id] = append(p.shown[id], row)
	}
	if !p.open[row] {
		p.open[row] = true
		if p.downSince.IsZero() || o.since.Before(p.downSince) {
			p.downSince = o.since
		}
	}
}

// reminders announces again, once per interval, the causes still out:
// one reminder for each notification whose rows are due, replacing it.
func (p *Policy) reminders(now time.Time, r status.Report, failing map[status.ComponentName]status.Component) []Notification {
	if p.cfg.Reminder <= 0 {
		return nil
	}
	var notes []string
	rows := make(map[string][]status.ComponentName)
	for _, c := range r.Components {
		o := p.rows[c.Name]
		if o == nil || !o.listed || now.Sub(o.last) < p.cfg.Reminder || p.isMuted(c.Name, failing) {
			continue
		}
		if len(rows[o.note]) == 0 {
			notes = append(notes, o.note)
		}
		rows[o.note] = append(rows[o.note], c.Name)
	}
	var out []Notification
	for _, id := range notes {
		out = append(out, p.reminder(now, id, rows[id], failing))
	}
	return out
}

// reminder is the reminder of the notification id, for its rows still due.
func (p *Policy) reminder(now time.Time, id string, rows []status.ComponentName, failing map[status.ComponentName]status.Component) Notification {
	var causes []status.Component
	for _, name := range rows {
		p.markNamed(name, now, id)
		if rootOf(failing[name], failing) == name {
			causes = append(causes, failing[name])
		}
	}
	if len(causes) == 0 { // only consequences are due: name their causes
		for _, name := range rows {
			causes = append(causes, failing[rootOf(failing[name], failing)])
		}
		causes = slices.CompactFunc(causes, func(a, b status.Component) bool { return a.Name == b.Name })
	}
	n := Notification{Kind: KindReminder, ID: id, Thread: threadOf(id), Components: rows}
	since := now.Sub(p.rows[causes[0].Name].since)
	n.Title = "Still broken: " + status.RowHeadline(causes[0])
	if len(causes) > 1 {
		n.Title = fmt.Sprintf("Halton Meter: %d problems still there", len(causes))
	}
	n.Body = headlines(causes) + " for " + text.Duration(since) + "."
	if len(causes) == 1 && causes[0].NextStep != "" {
		n.Body += " Next: " + causes[0].NextStep
	}
	return n
}

// stillStanding is the notice at the end of a pause: every outage past its
// grace, announced before or not, named once.
func (p *Policy) stillStanding(now time.Time, r status.Report, failing map[status.ComponentName]status.Component) (Notification, bool) {
	var causes []status.Component
	var rows []status.ComponentName
	for _, c := range r.Components {
		o := p.rows[c.Name]
		if o == nil || now.Before(p.due(o)) || p.isMuted(c.Name, failing) {
			continue
		}
		root := rootOf(c, failing)
		if root != c.Name && now.Before(p.due(p.rows[root])) {
			continue
		}
		rows = append(rows, c.Name)
		if root == c.Name {
			causes = append(causes, c)
		}
	}
	if len(causes) == 0 {
		return Notification{}, false
	}
	names := make([]status.ComponentName, len(causes))
	urgent := false
	for i, c := range causes {
		names[i] = c.Name
		urgent = urgent || c.Level == status.LevelCrit
	}
	id := outageID(names)
	for _, row := range rows {
		p.markNamed(row, now, id)
	}
	return Notification{
		Kind:       KindResumed,
		ID:         id,
		Thread:     threadOf(id),
		Title:      "Notifications resumed: " + plural(len(causes), "problem") + " still there",
		Body:       headlines(causes) + ".",
		Components: rows,
		Urgent:     urgent,
	}, true
}

// overBudget is the one notice a day that today's spend passed the budget;
// one that passes while paused is announced when the pause ends.
func (p *Policy) overBudget(now time.Time, r status.Report) (Notification, bool) {
	today := r.Metering.Today
	day := now.Local().Format(time.DateOnly)
	if p.budget <= 0 || today == nil || today.CostUSD < p.budget || p.budgetDay == day {
		return Notification{}, false
	}
	p.budgetDay = day
	return Notification{
		Kind:       KindBudget,
		ID:         budgetID,
		Thread:     status.CompMetering,
		Title:      "Today's LLM spend passed your " + p.budget.String() + " budget",
		Body:       today.CostUSD.String() + " so far today, " + plural(today.Requests, "request") + ".",
		Components: []status.ComponentName{status.CompMetering},
	}, true
}

// recovery is the one "recovered" once every named row is healthy again;
// the user's own fix needs no notice: when every row that came back was
// one the user is fixing (or explained by it).
func (p *Policy) recovery(now time.Time, failing map[status.ComponentName]status.Component, userFixes map[status.ComponentName]bool) (Notification, bool) {
	if len(p.open) > 0 || len(p.recovered) == 0 {
		return Notification{}, false
	}
	rows, since, roots := p.recovered, p.downSince, p.recoveredRoots
	p.recovered, p.downSince, p.recoveredRoots = nil, time.Time{}, make(map[status.ComponentName]status.ComponentName)
	slices.SortFunc(rows, func(a, b status.ComponentName) int { return tableIndex(a) - tableIndex(b) })
	if !slices.ContainsFunc(rows, func(r status.ComponentName) bool { return !userFixes[roots[r]] }) {
		return Notification{}, false
	}
	// It says what came back, and whether all is well now.
	n := Notification{Kind: KindRecovered, ID: recoveredID, Thread: rows[0], Title: "Halton Meter recovered", Components: rows}
	n.Body = joinNames(rows) + " healthy again after " + text.Duration(now.Sub(since)) + "."
	if len(failing) == 0 {
		n.Body += " All is healthy."
	}
	return n, true
}

// orderRoot puts the root first; when only its consequences are due (the
// root failed earlier, was healthy at launch…), the root leads anyway.
func orderRoot(root status.ComponentName, group []status.Component, failing map[status.ComponentName]status.Component) []status.Component {
	out := []status.Component{failing[root]}
	for _, c := range group {
		if c.Name != root {
			out = append(out, c)
		}
	}
	return out
}

// problem is the notification for one cause and the rows it explains.
func problem(group []status.Component) Notification {
	root := group[0]
	n := Notification{Kind: KindProblem, ID: outageID([]status.ComponentName{root.Name}), Thread: root.Name,
		Title: status.RowHeadline(root), Components: []status.ComponentName{root.Name}}
	n.Urgent = root.Level == status.LevelCrit
	body := string(root.Name) + " " + string(root.State) + ": " + root.Detail + "."
	if len(group) > 1 {
		var also []string
		for _, c := range group[1:] {
			n.Components = append(n.Components, c.Name)
			also = append(also, string(c.Name)+" "+string(c.State))
		}
		body += " As a result: " + strings.Join(also, ", ") + "."
	}
	if root.NextStep != "" {
		body += " Next: " + root.NextStep
	}
	n.Body = body
	return n
}

// combined folds several causes into one notification.
func combined(groups [][]status.Component) Notification {
	n := Notification{Kind: KindProblem, ID: severalCauses, Title: fmt.Sprintf("Halton Meter: %d problems", len(groups))}
	var causes []status.Component
	for _, g := range groups {
		causes = append(causes, g[0])
		n.Urgent = n.Urgent || g[0].Level == status.LevelCrit
		for _, c := range g {
			n.Components = append(n.Components, c.Name)
		}
	}
	n.Body = headlines(causes) + ". Open Details for the next steps."
	return n
}

func headlines(causes []status.Component) string {
	parts := make([]string, len(causes))
	for i, c := range causes {
		parts[i] = status.RowHeadline(c)
	}
	return strings.Join(parts, "; ")
}

// tableIndex is a row's place in the table; rows it does not know go last.
func tableIndex(name status.ComponentName) int {
	if i := slices.Index(status.ComponentOrder, name); i >= 0 {
		return i
	}
	return len(status.ComponentOrder)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return text.Count(n) + " " + word + "s"
}

// joinNames lists components: "daemon, edge".
func joinNames(names []status.ComponentName) string {
	s := make([]string, len(names))
	for i, n := range names {
		s[i] = string(n)
	}
	return strings.Join(s, ", ")
}
