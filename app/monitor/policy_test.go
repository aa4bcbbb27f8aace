package monitor

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haltonlabs/halton-meter-bar/status"
)

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// bad is a failing row: "state/level[/cause]".
type bad map[status.ComponentName]string

// report is a report with every row healthy except those in b, with the
// verdict and headline the engine would give it.
func report(b bad) status.Report {
	r := status.Report{Overall: status.OverallHealthy, Headline: "All healthy"}
	worst := status.LevelOK
	var roots []status.Component
	for _, name := range status.ComponentOrder {
		c := status.Component{Name: name, State: "healthy", Level: status.LevelOK, Detail: string(name) + " fine"}
		if spec, ok := b[name]; ok {
			parts := strings.Split(spec, "/")
			c.State, c.Level, c.Detail = status.State(parts[0]), status.Level(parts[1]), string(name)+" is "+parts[0]
			c.NextStep = "halton-meter start"
			if len(parts) > 2 {
				c.CausedBy = status.ComponentName(parts[2])
			}
			if c.Level == status.LevelCrit || worst == status.LevelOK {
				worst = c.Level
			}
			if c.CausedBy == "" {
				roots = append(roots, c)
			}
		}
		r.Components = append(r.Components, c)
	}
	switch worst {
	case status.LevelCrit:
		r.Overall = status.OverallDown
	case status.LevelWarn, status.LevelUnknown:
		r.Overall = status.OverallDegraded
	}
	if len(roots) > 0 {
		r.Headline = status.RowHeadline(roots[0])
		if len(roots) > 1 {
			r.Headline += fmt.Sprintf(" (+%d more)", len(roots)-1)
		}
	}
	return r
}

var (
	healthy       = bad{}
	daemonStopped = bad{
		status.CompDaemon:    "stopped/warn",
		status.CompMitmproxy: "unbound/warn/daemon",
		status.CompFastAPI:   "unbound/warn/daemon",
	}
)

// step is one sweep: at this many seconds after t0, this report, and the
// titles of the notifications expected from it. Before the sweep: a wake,
// the user's own Start or Restart, a pause of so many seconds, or a resume.
type step struct {
	at     int
	rows   bad
	wake   bool
	user   bool
	pause  int
	resume bool
	notes  []string
}

var stepPolicy = PolicyConfig{Grace: 10 * time.Second, Settle: 30 * time.Second, UserHold: 60 * time.Second}

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

func runSteps(t *testing.T, cfg PolicyConfig, steps []step) []Notification {
	t.Helper()
	p := NewPolicy(cfg, t0)
	var all []Notification
	for _, s := range steps {
		now := at(s.at)
		switch {
		case s.wake:
			p.Woke(now)
		case s.user:
			p.UserActionDone(p.UserAction(now, status.CompDaemon), now)
		case s.pause > 0:
			p.Pause(at(s.at + s.pause))
		case s.resume:
			p.Pause(time.Time{})
		}
		got := p.Observe(now, report(s.rows))
		all = append(all, got...)
		var titles []string
		for _, n := range got {
			if n.Kind != KindWithdraw { // TestPolicyWithdraws follows those
				titles = append(titles, n.Title)
			}
		}
		if strings.Join(titles, " | ") != strings.Join(s.notes, " | ") {
			t.Errorf("at %ds: got %q, want %q", s.at, titles, s.notes)
		}
	}
	return all
}

const (
	daemonNote  = "Daemon stopped — not metering"
	recovered   = "Halton Meter recovered"
	daemonAgain = "Still broken: Daemon stopped — not metering"
)

func TestPolicySequences(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"fail, stay failed, recover: one problem, one recovery", []step{
			{at: 0, rows: healthy}, {at: 30, rows: healthy}, {at: 40, rows: healthy},
			{at: 50, rows: daemonStopped},
			{at: 55, rows: daemonStopped},
			{at: 60, rows: daemonStopped, notes: []string{daemonNote}},
			{at: 65, rows: daemonStopped}, {at: 70, rows: daemonStopped}, {at: 300, rows: daemonStopped},
			{at: 305, rows: healthy, notes: []string{recovered}},
			{at: 310, rows: healthy},
		}},
		{"a restart within the grace stays quiet", []step{
			{at: 0, rows: healthy}, {at: 35, rows: healthy},
			{at: 40, rows: bad{status.CompDaemon: "stopped/warn", status.CompWatchdog: "stopped/warn/daemon"}},
			{at: 45, rows: daemonStopped},
			{at: 48, rows: healthy},
			{at: 60, rows: healthy},
		}},
		{"a row changing state while failing is one outage", []step{
			{at: 0, rows: healthy}, {at: 35, rows: healthy},
			{at: 40, rows: bad{status.CompDaemon: "stopped/warn"}},
			{at: 50, rows: bad{status.CompDaemon: "unbound/warn"}, notes: []string{"Daemon unbound — not metering"}},
			{at: 55, rows: bad{status.CompDaemon: "stopped/warn"}},
			{at: 60, rows: bad{status.CompDaemon: "unknown/unknown"}},
		}},
		{"flapping: every outage past its grace is announced, once", []step{
			{at: 0, rows: healthy}, {at: 35, rows: healthy},
			{at: 40, rows: daemonStopped},
			{at: 50, rows: daemonStopped, notes: []string{daemonNote}},
			{at: 55, rows: healthy, notes: []string{recovered}},
			{at: 60, rows: daemonStopped},
			{at: 65, rows: healthy}, // shorter than the grace
			{at: 70, rows: daemonStopped},
			{at: 80, rows: daemonStopped, notes: []string{daemonNote}},
			{at: 85, rows: daemonStopped},
			{at: 90, rows: healthy, notes: []string{recovered}},
		}},
		{"a crash 3 s after launch: one notification when the launch hold ends", []step{
			{at: 0, rows: healthy},
			{at: 3, rows: daemonStopped}, {at: 4, rows: daemonStopped}, {at: 13, rows: daemonStopped}, {at: 20, rows: daemonStopped},
			{at: 30, rows: daemonStopped, notes: []string{daemonNote}},
			{at: 35, rows: daemonStopped}, {at: 120, rows: daemonStopped},
			{at: 125, rows: healthy, notes: []string{recovered}},
		}},
		{"broken at launch: announced once, when the launch hold ends", []step{
			{at: 0, rows: daemonStopped}, {at: 5, rows: daemonStopped}, {at: 25, rows: daemonStopped},
			{at: 31, rows: daemonStopped, notes: []string{daemonNote}},
			{at: 60, rows: daemonStopped},
		}},
		{"broken at launch, fixed within the hold: nothing", []step{
			{at: 0, rows: daemonStopped}, {at: 20, rows: daemonStopped},
			{at: 25, rows: healthy}, {at: 60, rows: healthy},
		}},
		{"a wake lengthens the grace", []step{
			{at: 0, rows: healthy}, {at: 30, rows: healthy}, {at: 40, rows: healthy},
			{at: 3600, wake: true, rows: daemonStopped},
			{at: 3605, rows: daemonStopped}, {at: 3620, rows: daemonStopped},
			{at: 3630, rows: daemonStopped, notes: []string{daemonNote}},
			{at: 3635, rows: healthy, notes: []string{recovered}},
		}},
		{"an outage from before the sleep is announced after the wake hold", []step{
			{at: 0, rows: healthy}, {at: 40, rows: healthy},
			{at: 45, rows: daemonStopped}, // then the lid closes
			{at: 3600, wake: true, rows: daemonStopped},
			{at: 3625, rows: daemonStopped},
			{at: 3630, rows: daemonStopped, notes: []string{daemonNote}},
		}},
		{"an announced outage recovering in a wake hold is announced recovered", []step{
			{at: 0, rows: healthy}, {at: 40, rows: healthy},
			{at: 45, rows: daemonStopped},
			{at: 55, rows: daemonStopped, notes: []string{daemonNote}},
			{at: 3600, wake: true, rows: healthy, notes: []string{recovered}},
			{at: 3605, rows: daemonStopped},
			{at: 3630, rows: daemonStopped, notes: []string{daemonNote}},
		}},
		{"two causes at once: two notifications", []step{
			{at: 0, rows: healthy}, {at: 35, rows: healthy},
			{at: 40, rows: bad{status.CompWatchdog: "stopped/warn", status.CompSentinels: "inconsistent/warn"}},
			{at: 50, rows: bad{status.CompWatchdog: "stopped/warn", status.CompSentinels: "inconsistent/warn"},
				notes: []string{"Watchdog stopped — no fail-safe", "Sentinels inconsistent"}},
		}},
		{"three causes at once: one notification", []step{
			{at: 0, rows: healthy}, {at: 35, rows: healthy},
			{at: 40, rows: bad{status.CompWatchdog: "stopped/warn", status.CompSentinels: "inconsistent/warn", status.CompUserenv: "stopped/warn"}},
			{at: 50, rows: bad{status.CompWatchdog: "stopped/warn", status.CompSentinels: "inconsistent/warn", status.CompUserenv: "stopped/warn"},
				notes: []string{"Halton Meter: 3 problems"}},
		}},
		{"a consequence that shows up later stays with its announced cause", []step{
			{at: 0, rows: healthy}, {at: 35, rows: healthy},
			{at: 40, rows: daemonStopped},
			{at: 50, rows: daemonStopped, notes: []string{daemonNote}},
			{at: 55, rows: bad{status.CompDaemon: "stopped/warn", status.CompMitmproxy: "unbound/warn/daemon", status.CompFastAPI: "unbound/warn/daemon", status.CompSystemProxy: "off/warn/daemon"}},
			{at: 70, rows: bad{status.CompDaemon: "stopped/warn", status.CompMitmproxy: "unbound/warn/daemon", status.CompFastAPI: "unbound/warn/daemon", status.CompSystemProxy: "off/warn/daemon"}},
		}},
		{"a new cause while another is out is announced", []step{
			{at: 0, rows: healthy}, {at: 35, rows: healthy},
			{at: 40, rows: daemonStopped},
			{at: 50, rows: daemonStopped, notes: []string{daemonNote}},
			{at: 60, rows: bad{status.CompDaemon: "stopped/warn", status.CompMitmproxy: "unbound/warn/daemon", status.CompFastAPI: "unbound/warn/daemon", status.CompEdge: "stopped/crit"}},
			{at: 70, rows: bad{status.CompDaemon: "stopped/warn", status.CompMitmproxy: "unbound/warn/daemon", status.CompFastAPI: "unbound/warn/daemon", status.CompEdge: "stopped/crit"},
				notes: []string{"Edge stopped — proxied apps lose their network"}},
			{at: 75, rows: healthy, notes: []string{recovered}},
		}},
		{"a consequence due before its cause waits for it", []step{
			{at: 0, rows: healthy}, {at: 35, rows: healthy},
			{at: 40, rows: bad{status.CompFastAPI: "unbound/warn"}},
			{at: 45, rows: bad{status.CompDaemon: "stopped/warn", status.CompFastAPI: "unbound/warn/daemon"}},
			{at: 50, rows: bad{status.CompDaemon: "stopped/warn", status.CompFastAPI: "unbound/warn/daemon"}},
			{at: 55, rows: bad{status.CompDaemon: "stopped/warn", status.CompFastAPI: "unbound/warn/daemon"}, notes: []string{daemonNote}},
		}},
		{"the user's own restart is not announced", []step{
			{at: 0, rows: healthy}, {at: 35, rows: healthy},
			{at: 40, user: true, rows: healthy},
			{at: 41, rows: daemonStopped}, {at: 52, rows: daemonStopped}, {at: 58, rows: daemonStopped},
			{at: 60, rows: healthy},
			// The hold ended with that healthy sweep: a crash now is news.
			{at: 70, rows: daemonStopped},
			{at: 80, rows: daemonStopped, notes: []string{daemonNote}},
		}},
		{"the user's own fix of an announced outage needs no recovered", []step{
			{at: 0, rows: healthy}, {at: 35, rows: healthy},
			{at: 40, rows: daemonStopped},
			{at: 50, rows: daemonStopped, notes: []string{daemonNote}},
			{at: 60, user: true, rows: daemonStopped},
			{at: 63, rows: healthy},
			{at: 70, rows: healthy},
		}},
		{"the user's restart that never comes back is announced when its hold ends", []step{
			{at: 0, rows: healthy}, {at: 35, rows: healthy},
			{at: 40, user: true, rows: healthy},
			{at: 41, rows: daemonStopped}, {at: 60, rows: daemonStopped}, {at: 95, rows: daemonStopped},
			{at: 100, rows: daemonStopped, notes: []string{daemonNote}},
		}},
		{"paused: nothing; at the end what still stands, once", []step{
			{at: 0, rows: healthy}, {at: 35, rows: healthy},
			{at: 40, pause: 3600, rows: healthy},
			{at: 50, rows: daemonStopped}, {at: 100, rows: daemonStopped}, {at: 2000, rows: daemonStopped},
			{at: 3640, rows: daemonStopped, notes: []string{"Notifications resumed: 1 problem still there"}},
			{at: 3700, rows: daemonStopped},
			{at: 3705, rows: healthy, notes: []string{recovered}},
		}},
		{"paused after an announcement: the recovery waits for the end of the pause", []step{
			{at: 0, rows: healthy}, {at: 35, rows: healthy},
			{at: 40, rows: daemonStopped},
			{at: 50, rows: daemonStopped, notes: []string{daemonNote}},
			{at: 60, pause: 600, rows: daemonStopped},
			{at: 100, rows: healthy},
			{at: 200, rows: healthy},
			{at: 660, rows: healthy, notes: []string{recovered}},
		}},
		{"resumed by hand: what stands is announced at once", []step{
			{at: 0, rows: healthy}, {at: 35, rows: healthy},
			{at: 40, pause: 3600, rows: daemonStopped},
			{at: 60, rows: daemonStopped},
			{at: 61, resume: true, rows: daemonStopped, notes: []string{"Notifications resumed: 1 problem still there"}},
			{at: 70, rows: daemonStopped},
		}},
		{"a pause over a healthy stretch says nothing at its end", []step{
			{at: 0, rows: healthy}, {at: 35, pause: 60, rows: healthy},
			{at: 60, rows: healthy}, {at: 100, rows: healthy},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runSteps(t, stepPolicy, tt.steps) })
	}
}

func TestPolicyReminders(t *testing.T) {
	cfg := stepPolicy
	cfg.Reminder = time.Hour
	notes := runSteps(t, cfg, []step{
		{at: 0, rows: healthy}, {at: 35, rows: healthy},
		{at: 40, rows: daemonStopped},
		{at: 50, rows: daemonStopped, notes: []string{daemonNote}},
		{at: 1000, rows: daemonStopped},
		{at: 3649, rows: daemonStopped},
		{at: 3650, rows: daemonStopped, notes: []string{daemonAgain}},
		{at: 3655, rows: daemonStopped}, {at: 7000, rows: daemonStopped},
		{at: 7250, rows: daemonStopped, notes: []string{daemonAgain}},
		{at: 7255, rows: healthy, notes: []string{recovered}},
	})
	if r := notes[1]; r.Kind != KindReminder || r.Body != "Daemon stopped — not metering for 1 h. Next: halton-meter start" ||
		joinNames(r.Components) != "daemon, mitmproxy listener, fastapi listener" {
		t.Errorf("reminder %+v", r)
	}
	// A reminder replaces its outage's notification: the same ID, the
	// same thread.
	if r, first := notes[1], notes[0]; r.ID != first.ID || r.ID != "outage.daemon" || r.Thread != status.CompDaemon {
		t.Errorf("reminder %q in %q, its outage's %q in %q", r.ID, r.Thread, first.ID, first.Thread)
	}
	// Off: never.
	cfg.Reminder = 0
	runSteps(t, cfg, []step{
		{at: 40, rows: daemonStopped},
		{at: 50, rows: daemonStopped, notes: []string{daemonNote}},
		{at: 99999, rows: daemonStopped},
	})
}

func TestPolicyGroupsByCause(t *testing.T) {
	p := NewPolicy(PolicyConfig{Grace: 10 * time.Second}, t0)
	p.Observe(t0, report(daemonStopped))
	notes := p.Observe(t0.Add(10*time.Second), report(daemonStopped))
	if len(notes) != 1 {
		t.Fatalf("%d notifications", len(notes))
	}
	n := notes[0]
	if n.Kind != KindProblem || joinNames(n.Components) != "daemon, mitmproxy listener, fastapi listener" {
		t.Errorf("notification %+v", n)
	}
	for _, want := range []string{"daemon stopped: daemon is stopped.", "As a result: mitmproxy listener unbound, fastapi listener unbound.", "Next: halton-meter start"} {
		if !strings.Contains(n.Body, want) {
			t.Errorf("body %q lacks %q", n.Body, want)
		}
	}
	notes = p.Observe(t0.Add(135*time.Second), report(healthy))
	notes = slices.DeleteFunc(notes, func(n Notification) bool { return n.Kind == KindWithdraw })
	if len(notes) != 1 || notes[0].Kind != KindRecovered || notes[0].Body != "daemon, mitmproxy listener, fastapi listener healthy again after 2 min. All is healthy." {
		t.Errorf("recovery: %+v", notes)
	}
	// Recovered while another row, not yet announced, is out.
	p.Observe(t0.Add(200*time.Second), report(daemonStopped))
	p.Observe(t0.Add(210*time.Second), report(daemonStopped))
	notes = p.Observe(t0.Add(220*time.Second), report(bad{status.CompWatchdog: "stopped/warn"}))
	notes = slices.DeleteFunc(notes, func(n Notification) bool { return n.Kind == KindWithdraw })
	if len(notes) != 1 || notes[0].Body != "daemon, mitmproxy listener, fastapi listener healthy again after 20 s." {
		t.Errorf("partial recovery: %+v", notes)
	}
}

func TestPolicyBudget(t *testing.T) {
	spend := func(minor status.USD) status.Report {
		r := report(healthy)
		r.Metering = status.Metering{State: status.MeteringLive, Today: &status.Today{Requests: 40, CostUSD: minor}}
		return r
	}
	local := func(day, hour int) time.Time { return time.Date(2026, 11, day, hour, 0, 0, 0, time.Local) }
	p := NewPolicy(stepPolicy, local(25, 8))
	p.SetBudget(500000) // $5
	titles := func(n []Notification) string {
		var s []string
		for _, x := range n {
			s = append(s, x.Title+": "+x.Body)
		}
		return strings.Join(s, " | ")
	}
	if got := titles(p.Observe(local(25, 9), spend(499999))); got != "" {
		t.Errorf("under the budget: %q", got)
	}
	if got := titles(p.Observe(local(25, 10), spend(512000))); got != "Today's LLM spend passed your $5.00 budget: $5.12 so far today, 40 requests." {
		t.Errorf("crossing: %q", got)
	}
	if got := titles(p.Observe(local(25, 11), spend(900000))); got != "" {
		t.Errorf("still over: %q", got)
	}
	// Raised, then crossed again the same day: once a day is enough.
	p.SetBudget(1000000)
	p.Observe(local(25, 12), spend(900000))
	if got := titles(p.Observe(local(25, 13), spend(1100000))); got != "" {
		t.Errorf("a second crossing the same day: %q", got)
	}
	// The next day is a new day.
	if got := titles(p.Observe(local(26, 9), spend(1200000))); !strings.HasPrefix(got, "Today's LLM spend passed your $10.00 budget") {
		t.Errorf("the next day: %q", got)
	}
	// Paused: the crossing waits for the end of the pause.
	p.Pause(local(27, 12))
	if got := titles(p.Observe(local(27, 10), spend(1200000))); got != "" {
		t.Errorf("while paused: %q", got)
	}
	if got := titles(p.Observe(local(27, 12), spend(1200000))); !strings.HasPrefix(got, "Today's LLM spend passed") {
		t.Errorf("after the pause: %q", got)
	}
	// Off: never.
	p.SetBudget(0)
	if got := titles(p.Observe(local(28, 9), spend(99999999))); got != "" {
		t.Errorf("budget off: %q", got)
	}
}

// kinds lists what notes are: "problem outage.daemon", "withdraw
// [outage.daemon]".
func kinds(notes []Notification) string {
	var s []string
	for _, n := range notes {
		if n.Kind == KindWithdraw {
			s = append(s, fmt.Sprintf("withdraw %v", n.Withdraw))
			continue
		}
		s = append(s, string(n.Kind)+" "+n.ID)
	}
	return strings.Join(s, ", ")
}

// TestPolicyWithdraws: a failure notification is taken back when every
// row it names is healthy again, before the recovery notice, which says
// what came back; while paused too; not while one of its rows is out.
func TestPolicyWithdraws(t *testing.T) {
	p := NewPolicy(PolicyConfig{Grace: 10 * time.Second}, t0)
	both := bad{status.CompDaemon: "stopped/warn", status.CompMitmproxy: "unbound/warn/daemon", status.CompFastAPI: "unbound/warn/daemon", status.CompEdge: "stopped/crit"}
	p.Observe(at(0), report(both))
	if got := kinds(p.Observe(at(10), report(both))); got != "problem outage.daemon, problem outage.edge" {
		t.Fatalf("announced: %s", got)
	}
	// The daemon's listeners back, the daemon not: nothing taken back.
	if got := kinds(p.Observe(at(20), report(bad{status.CompDaemon: "stopped/warn", status.CompEdge: "stopped/crit"}))); got != "" {
		t.Errorf("partly back: %s", got)
	}
	if got := kinds(p.Observe(at(30), report(bad{status.CompEdge: "stopped/crit"}))); got != "withdraw [outage.daemon]" {
		t.Errorf("the daemon back: %s", got)
	}
	p.Pause(at(100))
	if got := kinds(p.Observe(at(40), report(healthy))); got != "withdraw [outage.edge]" {
		t.Errorf("the edge back while paused: %s", got)
	}
	notes := p.Observe(at(100), report(healthy))
	if got := kinds(notes); got != "recovered recovered" {
		t.Fatalf("after the pause: %s", got)
	}
	if n := notes[0]; n.Body != "daemon, edge, mitmproxy listener, fastapi listener healthy again after 1 min. All is healthy." || n.Thread != status.CompDaemon {
		t.Errorf("recovery %q in %q", n.Body, n.Thread)
	}
}

// TestPolicyMutes: a muted row is never announced and its notification is
// taken back; what it explains is muted with it; unmuted, what still
// stands is announced once; a muted consequence leaves its cause's
// notification alone.
func TestPolicyMutes(t *testing.T) {
	p := NewPolicy(PolicyConfig{Grace: 10 * time.Second, Reminder: time.Hour}, t0)
	p.SetMuted([]status.ComponentName{status.CompDaemon})
	p.Observe(at(0), report(daemonStopped))
	if got := kinds(p.Observe(at(20), report(daemonStopped))); got != "" {
		t.Errorf("the daemon muted: %s", got)
	}
	p.SetMuted(nil)
	notes := p.Observe(at(30), report(daemonStopped))
	if got := kinds(notes); got != "problem outage.daemon" || joinNames(notes[0].Components) != "daemon, mitmproxy listener, fastapi listener" {
		t.Errorf("unmuted: %s %v", got, notes)
	}
	if got := kinds(p.Observe(at(40), report(daemonStopped))); got != "" {
		t.Errorf("announced again: %s", got)
	}
	p.SetMuted([]status.ComponentName{status.CompDaemon})
	if got := kinds(p.Observe(at(50), report(daemonStopped))); got != "withdraw [outage.daemon]" {
		t.Errorf("muted while shown: %s", got)
	}
	if got := kinds(p.Observe(at(7200), report(daemonStopped))); got != "" {
		t.Errorf("a reminder while muted: %s", got)
	}
	if got := kinds(p.Observe(at(7210), report(healthy))); got != "" {
		t.Errorf("a muted row's recovery: %s", got)
	}
	// A muted consequence: its cause is announced without it.
	p.SetMuted([]status.ComponentName{status.CompFastAPI})
	p.Observe(at(8000), report(daemonStopped))
	notes = p.Observe(at(8010), report(daemonStopped))
	if got := kinds(notes); got != "problem outage.daemon" || joinNames(notes[0].Components) != "daemon, mitmproxy listener" {
		t.Errorf("a muted consequence: %s %v", got, notes)
	}
}

// TestPressesHoldOnlyTheirRow: two presses of Start Daemon (on a healthy
// daemon, or forged), then the edge stops: the edge's alert comes at the
// end of its grace, not at the end of the presses' hold; presses every
// 5 s on a stopped daemon hold its outage one UserHold in all; and the
// recovery of a row the user did not fix is announced, that of the one
// they fixed is not.
func TestPressesHoldOnlyTheirRow(t *testing.T) {
	cfg := PolicyConfig{Grace: 10 * time.Second, UserHold: time.Minute}
	p := NewPolicy(cfg, t0)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	p.Observe(at(0), report(healthy))
	p.UserActionDone(p.UserAction(at(100), status.CompDaemon), at(101))
	p.UserActionDone(p.UserAction(at(105), status.CompDaemon), at(106))
	edge := bad{status.CompEdge: "stopped/crit"}
	if n := p.Observe(at(107), report(edge)); len(n) != 0 {
		t.Fatalf("at once: %+v", n)
	}
	n := p.Observe(at(117), report(edge))
	if len(n) != 1 || n[0].ID != "outage.edge" {
		t.Fatalf("the edge's grace over: %+v", n)
	}

	// Presses every 5 s on a daemon that stays down: one minute in all.
	p = NewPolicy(cfg, t0)
	p.Observe(at(0), report(healthy))
	p.Observe(at(200), report(daemonStopped))
	var got []int
	for s := 201; s <= 400; s++ {
		if s%5 == 0 && s <= 350 {
			p.UserActionDone(p.UserAction(at(s), status.CompDaemon), at(s))
		}
		for _, x := range p.Observe(at(s), report(daemonStopped)) {
			if x.Kind == KindProblem {
				got = append(got, s)
			}
		}
	}
	if !slices.Equal(got, []int{265}) {
		t.Errorf("announced at %v s, want once at 265 s (the first press at 205 s, plus a minute)", got)
	}

	// The edge announced and the daemon the user's: the edge's recovery
	// is announced while the user fixes the daemon.
	p = NewPolicy(cfg, t0)
	p.Observe(at(0), report(healthy))
	both := bad{status.CompEdge: "stopped/crit", status.CompDaemon: "stopped/warn"}
	p.Observe(at(100), report(both))
	p.Observe(at(111), report(both))
	id := p.UserAction(at(120), status.CompDaemon)
	p.UserActionDone(id, at(121))
	n = p.Observe(at(125), report(healthy))
	if !slices.ContainsFunc(n, func(x Notification) bool { return x.Kind == KindRecovered }) {
		t.Errorf("the edge came back while the user fixed the daemon: %+v", n)
	}
}

// TestShortageIsNoFire: sweeps that met the app's own shortage (every row
// unknown, "Cannot check: …") neither announce, nor end an outage, nor
// recover one: the sweeps that can check decide.
func TestShortageIsNoFire(t *testing.T) {
	p := NewPolicy(PolicyConfig{Grace: 10 * time.Second}, t0)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	short := report(bad{status.CompDaemon: "unknown/unknown", status.CompEdge: "unknown/unknown", status.CompSentinels: "unknown/unknown"})
	short.Overall, short.Headline = status.OverallUnknown, "Cannot check: this app is out of file descriptors"
	short.Sweep.Shortage = short.Headline
	p.Observe(at(0), report(healthy))
	for s := 1; s < 60; s += 5 {
		if n := p.Observe(at(s), short); len(n) != 0 {
			t.Fatalf("at %d s, a shortage announced %+v", s, n)
		}
	}
	if n := p.Observe(at(61), report(healthy)); len(n) != 0 {
		t.Errorf("after the shortage, healthy: %+v", n)
	}
	// Mid-outage: the outage goes on; it is not recovered.
	p.Observe(at(100), report(daemonStopped))
	if n := p.Observe(at(111), report(daemonStopped)); len(n) != 1 {
		t.Fatalf("the outage: %+v", n)
	}
	if n := p.Observe(at(120), short); len(n) != 0 {
		t.Errorf("a shortage mid-outage: %+v", n)
	}
	if n := p.Observe(at(130), report(daemonStopped)); len(n) != 0 {
		t.Errorf("the outage announced again: %+v", n)
	}
	if n := p.Observe(at(140), report(healthy)); len(n) != 2 || n[1].Kind != KindRecovered {
		t.Errorf("the recovery: %+v", n)
	}
}

// TestPolicyLongerGraces: a row that cannot be checked waits UnknownGrace;
// a row that came back by itself and fails again within Repeat waits
// RepeatGrace, and is announced all the same if it stays out; one the
// user fixed is news again at once.
func TestPolicyLongerGraces(t *testing.T) {
	cfg := stepPolicy
	cfg.Settle, cfg.UnknownGrace, cfg.Repeat, cfg.RepeatGrace = 0, 60*time.Second, 600*time.Second, 120*time.Second
	unknown := bad{status.CompDaemon: "unknown/unknown"}
	stopped, recovered := "Daemon stopped — not metering", "Halton Meter recovered"
	tests := []struct {
		name  string
		steps []step
	}{
		{"unknown for less than its grace", []step{
			{at: 0, rows: healthy}, {at: 5, rows: unknown}, {at: 30, rows: unknown}, {at: 60, rows: unknown}, {at: 64, rows: healthy},
		}},
		{"unknown past its grace", []step{
			{at: 0, rows: healthy}, {at: 5, rows: unknown}, {at: 64, rows: unknown}, {at: 65, rows: unknown, notes: []string{"Daemon unknown — not metering"}},
		}},
		{"known broken after not knowing: the grace runs from then", []step{
			{at: 0, rows: healthy}, {at: 5, rows: unknown}, {at: 30, rows: daemonStopped}, {at: 39, rows: daemonStopped},
			{at: 40, rows: daemonStopped, notes: []string{stopped}},
		}},
		{"a crash loop rings once", []step{
			{at: 0, rows: healthy}, {at: 10, rows: daemonStopped}, {at: 20, rows: daemonStopped, notes: []string{stopped}},
			{at: 40, rows: healthy, notes: []string{recovered}},
			{at: 100, rows: daemonStopped}, {at: 130, rows: daemonStopped}, {at: 140, rows: healthy},
			{at: 200, rows: daemonStopped}, {at: 250, rows: daemonStopped}, {at: 260, rows: healthy},
		}},
		{"a repeat that stays out is announced", []step{
			{at: 0, rows: healthy}, {at: 10, rows: daemonStopped}, {at: 20, rows: daemonStopped, notes: []string{stopped}},
			{at: 40, rows: healthy, notes: []string{recovered}},
			{at: 100, rows: daemonStopped}, {at: 219, rows: daemonStopped}, {at: 220, rows: daemonStopped, notes: []string{stopped}},
		}},
		{"a repeat long after is news again", []step{
			{at: 0, rows: healthy}, {at: 10, rows: daemonStopped}, {at: 20, rows: daemonStopped, notes: []string{stopped}},
			{at: 40, rows: healthy, notes: []string{recovered}},
			{at: 700, rows: daemonStopped}, {at: 710, rows: daemonStopped, notes: []string{stopped}},
		}},
		{"a failure after the user's fix is news", []step{
			{at: 0, rows: healthy}, {at: 10, rows: daemonStopped}, {at: 20, rows: daemonStopped, notes: []string{stopped}},
			{at: 30, rows: healthy, user: true},
			{at: 100, rows: daemonStopped}, {at: 110, rows: daemonStopped, notes: []string{stopped}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runSteps(t, cfg, tt.steps) })
	}
}

func TestPolicyWithGrace(t *testing.T) {
	c := DefaultPolicy.WithGrace(time.Second)
	if c.Grace != time.Second || c.UnknownGrace != 30*time.Second || c.RepeatGrace != 12*time.Second || c.Repeat != DefaultPolicy.Repeat {
		t.Errorf("%+v", c)
	}
	if DefaultPolicy.WithGrace(DefaultPolicy.Grace) != DefaultPolicy {
		t.Error("the default grace changes the policy")
	}
}
