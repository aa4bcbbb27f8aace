package monitor

import (
	"fmt"
	"strings"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/present"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// Notification is one native notification to show.
type Notification struct {
	Recovered  bool
	Title      string
	Body       string
	Components []string // the rows it speaks for
}

// PolicyConfig tunes the notification policy.
type PolicyConfig struct {
	// Grace is how long a row must stay out of healthy before it is
	// notified: `halton-meter stop && halton-meter start` stays quiet.
	Grace time.Duration
	// QuietSweeps is how many sweeps after launch or wake notify nothing;
	// what is broken then is shown by the icon, not announced.
	QuietSweeps int
	// Cooldown keeps a row that fails again soon after its last
	// notification quiet, so a flapping component is announced once.
	Cooldown time.Duration
}

// DefaultPolicy is the policy the tray runs with.
var DefaultPolicy = PolicyConfig{Grace: 10 * time.Second, QuietSweeps: 2, Cooldown: 10 * time.Minute}

type rowState struct {
	failingSince time.Time // zero while healthy
	settled      bool      // this failure is notified, or known and kept quiet
	lastNotified time.Time
}

// Policy decides which notifications a sequence of reports deserves: one
// per row leaving healthy and staying out for the grace period, grouped by
// cause; nothing in the first sweeps after launch or wake; one "recovered"
// when everything is healthy again after a notified problem. It is a pure
// state machine over (time, report), so it is tested step by step.
type Policy struct {
	cfg       PolicyConfig
	rows      map[string]*rowState
	quietLeft int
	// episode is set from a problem notification until the recovery.
	episode      bool
	episodeStart time.Time
}

// NewPolicy starts a policy in its launch quiet period.
func NewPolicy(cfg PolicyConfig) *Policy {
	return &Policy{cfg: cfg, rows: make(map[string]*rowState), quietLeft: cfg.QuietSweeps}
}

// Woke starts a new quiet period, after the machine wakes from sleep.
func (p *Policy) Woke() { p.quietLeft = p.cfg.QuietSweeps }

// Quiet reports whether the policy is in a quiet period.
func (p *Policy) Quiet() bool { return p.quietLeft > 0 }

// Observe takes the report of a sweep made at now and returns the
// notifications it calls for, in table order.
func (p *Policy) Observe(now time.Time, r status.Report) []Notification {
	quiet := p.quietLeft > 0
	if quiet {
		p.quietLeft--
	}
	failing := make(map[string]status.Component)
	for _, c := range r.Components {
		st := p.rows[c.Name]
		if st == nil {
			st = &rowState{}
			p.rows[c.Name] = st
		}
		if c.Healthy() {
			st.failingSince, st.settled = time.Time{}, false
			continue
		}
		failing[c.Name] = c
		if st.failingSince.IsZero() {
			st.failingSince = now
		}
		if quiet {
			st.settled = true
		}
	}

	// Rows due now, grouped under the row that explains them.
	groups := make(map[string][]status.Component)
	var roots []string
	for _, c := range r.Components {
		st := p.rows[c.Name]
		if _, bad := failing[c.Name]; !bad || st.settled || now.Sub(st.failingSince) < p.cfg.Grace {
			continue
		}
		root := rootOf(c, failing)
		if root != c.Name {
			rs := p.rows[root]
			if rs.settled {
				st.settled = true // its cause was already announced, or kept quiet
				continue
			}
			if now.Sub(rs.failingSince) < p.cfg.Grace {
				continue // it goes out with its cause
			}
		}
		if len(groups[root]) == 0 {
			roots = append(roots, root)
		}
		groups[root] = append(groups[root], c)
	}

	var out []Notification
	var due [][]status.Component
	for _, root := range roots {
		group := groups[root]
		rs := p.rows[root]
		for _, c := range group {
			p.rows[c.Name].settled = true
		}
		if !rs.lastNotified.IsZero() && now.Sub(rs.lastNotified) < p.cfg.Cooldown {
			continue // flapping: announced a moment ago
		}
		for _, c := range group {
			p.rows[c.Name].lastNotified = now
		}
		rs.lastNotified = now
		due = append(due, orderRoot(root, group, failing))
	}
	if len(due) > 0 {
		if !p.episode {
			p.episode, p.episodeStart = true, now
		}
		if len(due) > 2 {
			out = append(out, combined(due))
		} else {
			for _, g := range due {
				out = append(out, problem(g))
			}
		}
	}

	if len(failing) == 0 && p.episode {
		p.episode = false
		if !quiet {
			out = append(out, Notification{
				Recovered: true,
				Title:     "Halton Meter recovered",
				Body:      "All healthy again after " + present.Duration(now.Sub(p.episodeStart)) + ".",
			})
		}
	}
	return out
}

// rootOf follows caused_by to the first failing row that has no failing cause.
func rootOf(c status.Component, failing map[string]status.Component) string {
	seen := map[string]bool{c.Name: true}
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

// orderRoot puts the root first; when only its consequences are due (the
// root failed earlier, was healthy at launch…), the root leads anyway.
func orderRoot(root string, group []status.Component, failing map[string]status.Component) []status.Component {
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
	n := Notification{Title: status.RowHeadline(root), Components: []string{root.Name}}
	body := root.Name + " " + root.State + ": " + root.Detail + "."
	if len(group) > 1 {
		var also []string
		for _, c := range group[1:] {
			n.Components = append(n.Components, c.Name)
			also = append(also, c.Name+" "+c.State)
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
	n := Notification{Title: fmt.Sprintf("Halton Meter: %d problems", len(groups))}
	var parts []string
	for _, g := range groups {
		parts = append(parts, status.RowHeadline(g[0]))
		for _, c := range g {
			n.Components = append(n.Components, c.Name)
		}
	}
	n.Body = strings.Join(parts, "; ") + ". Open Details for the next steps."
	return n
}
