package week

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Note is a notification the app posted, at a time of the week.
type Note struct {
	At                      time.Duration
	ID, Thread, Title, Body string
}

// Withdrawal is a notification the app took back, and the server closed.
type Withdrawal struct {
	At time.Duration
	ID string
}

// MenuState is what the menu said from At until the next one: whether
// all was healthy, and the rows that were not.
type MenuState struct {
	At        time.Duration
	Healthy   bool
	Unhealthy []string
}

// Span is a stretch of the week, [From, To).
type Span struct{ From, To time.Duration }

// Log is what the app did over a week.
type Log struct {
	Notes       []Note
	Withdrawals []Withdrawal
	Menu        []MenuState
	Asleep      []Span
	End         time.Duration
}

// Result is a week judged.
type Result struct {
	Failures []string
	// Expected and Sent count notifications (reminders due among the
	// expected); False are those sent that no line called for, Missed
	// those called for and not sent.
	Expected, Sent, False, Missed int
	WithdrawDue, WithdrawDone     int
	// Latency is the time from each expected alert's step to the alert.
	Latency []time.Duration
}

// Tolerances of the oracle: how far a reminder may stray from its
// cadence (a poll, a wake check), and how long after a world put right
// the menu may take to say so.
const (
	ReminderSlack = time.Minute
	MenuSettle    = 2 * time.Minute
)

// Kinds of note, by the IDs the app gives them.
const (
	noteAlert    = "alert"
	noteReminder = "reminder"
	noteResumed  = "resumed"
	noteRecovery = "recovery"
	noteBudget   = "budget"
	noteOther    = "other"
)

func kindOf(n Note) string {
	switch {
	case n.ID == "recovered":
		return noteRecovery
	case n.ID == "budget":
		return noteBudget
	case !strings.HasPrefix(n.ID, "outage."):
		return noteOther
	case strings.HasPrefix(n.Title, "Still broken:"), strings.HasSuffix(n.Title, "problems still there"):
		return noteReminder
	case strings.HasPrefix(n.Title, "Notifications resumed:"):
		return noteResumed
	}
	return noteAlert
}

// componentOf is the row an outage's note is about ("several" for many).
func componentOf(n Note) string { return strings.TrimPrefix(n.ID, "outage.") }

// recovered are the rows a recovery note names: "daemon, edge healthy again".
func recovered(n Note) []string {
	names, _, _ := strings.Cut(n.Body, " healthy again")
	return strings.Split(names, ", ")
}

// judge holds the state of one judgement.
type judge struct {
	sc      *Scenario
	log     Log
	used    []bool
	res     Result
	outages []outage
}

// outage is a row announced and standing, until the step that put it right.
type outage struct {
	id        string
	from, to  time.Duration
	line      int // the line that expected it
	toLine    int
	announced Note
}

// Judge holds log against the scenario's lines.
func Judge(sc *Scenario, log Log) Result {
	j := &judge{sc: sc, log: log, used: make([]bool, len(log.Notes))}
	j.res.Sent = len(log.Notes)
	for _, st := range sc.Steps {
		for _, e := range st.Expect {
			if e.Kind != ExpectNothing {
				j.expect(st, e)
			}
		}
	}
	j.reminders()
	for si, st := range sc.Steps {
		for _, e := range st.Expect {
			if e.Kind == ExpectNothing {
				j.nothing(si, st, e)
			}
		}
	}
	j.withdrawals()
	for i, n := range log.Notes {
		if !j.used[i] {
			j.res.False++
			j.failf(j.lineBefore(n.At), "false alarm at %s: %q (%s)", Clock(n.At), n.Title, n.ID)
		}
	}
	j.menu()
	return j.res
}

func (j *judge) failf(line int, format string, a ...any) {
	j.res.Failures = append(j.res.Failures, fmt.Sprintf("%s:%d: %s", j.sc.Name, line, fmt.Sprintf(format, a...)))
}

// lineBefore is the line of the last step at or before at.
func (j *judge) lineBefore(at time.Duration) int {
	line := j.sc.Steps[0].Line
	for _, st := range j.sc.Steps {
		if st.At <= at {
			line = st.Line
		}
	}
	return line
}

// find is the first note not yet matched, of kind, within [from, to], that ok accepts.
func (j *judge) find(kind string, from, to time.Duration, ok func(Note) bool) int {
	for i, n := range j.log.Notes {
		if !j.used[i] && kindOf(n) == kind && n.At >= from && n.At <= to && ok(n) {
			return i
		}
	}
	return -1
}

// shared is a recovery notice already matched that names comp too.
func (j *judge) shared(from, to time.Duration, comp string) int {
	for i, n := range j.log.Notes {
		if j.used[i] && kindOf(n) == noteRecovery && n.At >= from && n.At <= to && slices.Contains(recovered(n), comp) {
			return i
		}
	}
	return -1
}

// nothing holds a quiet span: from its step until its end (the next
// step), nothing but what other lines call for.
func (j *judge) nothing(si int, st Step, e Expectation) {
	until := e.Until
	if until == 0 {
		until = j.log.End
		if si+1 < len(j.sc.Steps) {
			until = j.sc.Steps[si+1].At
		}
	}
	for i, n := range j.log.Notes {
		if !j.used[i] && n.At >= st.At && n.At < until {
			j.failf(e.Line, "expect nothing until %s: got %q at %s", Clock(until), n.Title, Clock(n.At))
		}
	}
}

func (j *judge) expect(st Step, e Expectation) {
	from, to := st.At, st.At+e.Within
	if e.Kind == ExpectWithdrawn {
		j.closeOutage(e, st)
		return
	}
	j.res.Expected++
	comp := func(n Note) bool { return componentOf(n) == e.Component }
	kind := map[string]string{ExpectAlert: noteAlert, ExpectResumed: noteResumed, ExpectRecovery: noteRecovery, ExpectBudget: noteBudget}[e.Kind]
	switch e.Kind {
	case ExpectRecovery:
		comp = func(n Note) bool { return slices.Contains(recovered(n), e.Component) }
	case ExpectBudget:
		comp = func(Note) bool { return true }
	}
	i := j.find(kind, from, to, comp)
	if i < 0 && e.Kind == ExpectRecovery {
		if i = j.shared(from, to, e.Component); i >= 0 { // one notice says what came back, all of it
			j.res.Expected--
		}
	}
	if i < 0 {
		j.res.Missed++
		other := j.find(kind, from, to, func(Note) bool { return true })
		if other >= 0 && e.Kind != ExpectBudget {
			n := j.log.Notes[other]
			j.failf(e.Line, "%s: missed; the %s at %s names %s instead (%q)", e, kind, Clock(n.At), componentOf(n), n.Title)
			return
		}
		j.failf(e.Line, "%s within %s: missed (nothing from %s to %s)", e, e.Within, Clock(from), Clock(to))
		return
	}
	j.used[i] = true
	n := j.log.Notes[i]
	switch e.Kind {
	case ExpectAlert:
		j.res.Latency = append(j.res.Latency, n.At-st.At)
		if e.Title != "" && !strings.Contains(n.Title, e.Title) {
			j.failf(e.Line, "%s: the title is %q, not one with %q", e, n.Title, e.Title)
		}
		if e.Next != "" && !strings.Contains(n.Body, "Next: "+e.Next) {
			j.failf(e.Line, "%s: the wrong next step: %q, not %q", e, n.Body, e.Next)
		}
		j.outages = append(j.outages, outage{id: n.ID, from: n.At, to: -1, line: e.Line, announced: n})
	case ExpectResumed:
		j.outages = append(j.outages, outage{id: n.ID, from: n.At, to: -1, line: e.Line, announced: n})
	case ExpectRecovery:
		j.closeOutage(e, st)
	}
}

// closeOutage ends the announced outage of e's row at st: what was
// shown of it is due to be withdrawn.
func (j *judge) closeOutage(e Expectation, st Step) {
	for k := range j.outages {
		o := &j.outages[k]
		if o.to < 0 && o.id == "outage."+e.Component {
			o.to, o.toLine = st.At, e.Line
			j.withdrawnBy(o, st.At+e.Within, e.Line)
			return
		}
	}
	if e.Kind == ExpectWithdrawn {
		j.failf(e.Line, "%s: no alert of %s stands to be withdrawn", e, e.Component)
	}
}

// withdrawnBy counts the withdrawal due of o's note, to be done by deadline.
func (j *judge) withdrawnBy(o *outage, deadline time.Duration, line int) {
	j.res.WithdrawDue++
	last := o.from
	for _, n := range j.log.Notes {
		if n.ID == o.id && n.At >= o.from && n.At <= o.to && n.At > last {
			last = n.At
		}
	}
	for _, w := range j.log.Withdrawals {
		if w.ID == o.id && w.At >= last && w.At <= deadline {
			j.res.WithdrawDone++
			return
		}
	}
	j.failf(line, "%q (%s) not withdrawn by %s", o.announced.Title, o.id, Clock(deadline))
}

// reminders holds each announced outage to its cadence: one reminder
// each Reminder it stands (one due while asleep comes at the wake), none
// between.
func (j *judge) reminders() {
	r := j.sc.Reminder
	for _, o := range j.outages {
		end := o.to
		if end < 0 {
			end = j.log.End
		}
		last := o.from
		for r > 0 {
			due := j.awake(last + r)
			if due+ReminderSlack > end {
				break
			}
			j.res.Expected++
			i := j.find(noteReminder, due-ReminderSlack, due+ReminderSlack, func(n Note) bool { return n.ID == o.id })
			if i < 0 {
				j.res.Missed++
				j.failf(o.line, "the reminder of %q due at %s: missed", o.announced.Title, Clock(due))
				last = due
				continue
			}
			j.used[i] = true
			last = j.log.Notes[i].At
		}
		for i, n := range j.log.Notes {
			if !j.used[i] && n.ID == o.id && kindOf(n) == noteReminder && n.At >= o.from && n.At <= end {
				j.used[i] = true
				j.res.False++
				j.failf(o.line, "a reminder of %q off its cadence at %s (every %s from %s)", o.announced.Title, Clock(n.At), r, Clock(o.from))
			}
		}
	}
}

// awake is at, or the end of the sleep it falls in.
func (j *judge) awake(at time.Duration) time.Duration {
	for _, s := range j.log.Asleep {
		if at >= s.From && at < s.To {
			return s.To
		}
	}
	return at
}

// withdrawals checks that nothing stale is left on screen at the end of
// the week: every outage note posted is withdrawn after its last post.
func (j *judge) withdrawals() {
	for _, o := range j.outages {
		if o.to >= 0 {
			continue
		}
		o := o
		o.to = j.log.End
		j.withdrawnBy(&o, j.log.End, o.line)
	}
}

// menu holds the menu's verdict against the faults in force: a row
// announced is shown unhealthy until the step that puts it right, and
// a world with no fault in force (MenuSettle after it was put right) is
// shown healthy.
func (j *judge) menu() {
	for _, o := range j.outages {
		comp := componentOf(o.announced)
		if comp == "several" {
			continue
		}
		end := o.to
		if end < 0 {
			end = j.log.End
		}
		if at, ok := j.menuDuring(o.from, end, func(m MenuState) bool { return !slices.Contains(m.Unhealthy, comp) }); ok {
			j.failf(o.line, "the menu shows %s healthy at %s while its fault is in force", comp, Clock(at))
		}
	}
	for _, c := range j.clean() {
		if at, ok := j.menuDuring(c.span.From, c.span.To, func(m MenuState) bool { return !m.Healthy }); ok {
			j.failf(c.line, "the menu is not healthy at %s with no fault in force", Clock(at))
		}
	}
}

// menuDuring is the first time in [from, to) the menu said what bad
// accepts; ok is false when it never did.
func (j *judge) menuDuring(from, to time.Duration, bad func(MenuState) bool) (time.Duration, bool) {
	for k, m := range j.log.Menu {
		next := j.log.End
		if k+1 < len(j.log.Menu) {
			next = j.log.Menu[k+1].At
		}
		if next <= from || m.At >= to || !bad(m) {
			continue
		}
		return max(m.At, from), true
	}
	return 0, false
}

type cleanSpan struct {
	span Span
	line int
}

// faulty and mending are the steps that break the world and those that
// put it right.
var (
	faulty  = map[string]bool{"fault": true, "stop": true}
	mending = map[string]bool{"heal": true, "start": true, "init": true, "upgrade": true}
)

// clean are the spans with no fault in force, from MenuSettle after the
// step that put the world right (or the login) to the next that breaks
// it, the app running; the steps that change the world without breaking
// it (network, an upgrade) give it MenuSettle too.
func (j *judge) clean() []cleanSpan {
	var out []cleanSpan
	broken, running := false, false
	var from time.Duration
	line := 0
	closeAt := func(at time.Duration) {
		if !broken && running && at > from {
			out = append(out, cleanSpan{Span{from, at}, line})
		}
	}
	for _, st := range j.sc.Steps {
		switch {
		case faulty[st.Verb]:
			closeAt(st.At)
			broken = true
		case mending[st.Verb], st.Verb == "network", st.Verb == "login":
			closeAt(st.At)
			broken = broken && !mending[st.Verb]
			running = running || st.Verb == "login"
			from, line = st.At+MenuSettle, st.Line
		case st.Verb == "quit", st.Verb == "end":
			closeAt(st.At)
			running = false
		case st.Verb == "sleep":
			d, _ := time.ParseDuration(st.Args[0])
			closeAt(st.At)
			if st.At+d+MenuSettle > from {
				from = st.At + d + MenuSettle
			}
		}
	}
	closeAt(j.log.End)
	return out
}
