// Package week reads a week of a developer's life written as a timeline
// (e2e/testdata/weeks) and judges what the app told the user over it.
//
// A scenario is lines: a header (mode, reminder), then steps, each at a
// time of the week ("Tue 10:02 fault daemon-crash", or "+40s heal" after
// the step before), each followed by what a person must be told because
// of it ("expect alert daemon next "halton-meter start" within 1m"). The
// oracle is those lines alone: Judge holds what the app sent against them
// and knows nothing of the policy that decided it.
package week

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Verbs are what a step may do; the runner gives each its meaning.
var Verbs = map[string]int{ // the number of arguments, -1 for one or two
	"login": 0, "quit": 0, "sleep": 1, "fault": 1, "heal": 0, "stop": 0, "start": 0,
	"init": 1, "upgrade": 0, "network": 1, "traffic": 1, "press": -1, "end": 0,
}

// Expectation kinds.
const (
	ExpectAlert     = "alert"
	ExpectRecovery  = "recovery"
	ExpectWithdrawn = "withdrawn"
	ExpectResumed   = "resumed"
	ExpectBudget    = "budget"
	ExpectNothing   = "nothing"
)

// DefaultWithin is how long after its step an expected alert may come.
const DefaultWithin = 2 * time.Minute

// Scenario is one week.
type Scenario struct {
	Name string
	// Mode is the install's mode when the week begins; Reminder the
	// app's reminder interval.
	Mode     string
	Reminder time.Duration
	Steps    []Step
}

// Step is one thing that happens at a time of the week.
type Step struct {
	Line   int
	At     time.Duration // since Monday 00:00
	Verb   string
	Args   []string
	Expect []Expectation
}

// Expectation is what a person must be told after a step.
type Expectation struct {
	Line      int
	Kind      string
	Component string // "several" for one notification of many causes
	Title     string // a part of the title, if given
	Next      string // a part of the next step the body gives, if given
	Within    time.Duration
	// Until, of "nothing", is the end of the quiet span (0: the next
	// step): no notification in it but those other lines call for.
	Until time.Duration
}

// String is the line as written, near enough to find it.
func (e Expectation) String() string {
	s := "expect " + e.Kind
	if e.Component != "" {
		s += " " + e.Component
	}
	return s
}

var days = []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// Clock is a time of the week as written: "Tue 10:02:05".
func Clock(at time.Duration) string {
	d := int(at / (24 * time.Hour))
	rest := at - time.Duration(d)*24*time.Hour
	day := "+" + strconv.Itoa(d) + "d"
	if d >= 0 && d < len(days) {
		day = days[d]
	}
	s := int(rest / time.Second)
	return fmt.Sprintf("%s %02d:%02d:%02d", day, s/3600, s/60%60, s%60)
}

// Parse reads a scenario; an error names the line.
func Parse(name string, r io.Reader) (*Scenario, error) {
	sc := &Scenario{Name: name, Mode: "apps", Reminder: 4 * time.Hour}
	in := bufio.NewScanner(r)
	in.Buffer(make([]byte, 4096), 4096)
	n := 0
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%s:%d: %s", name, n, fmt.Sprintf(format, a...))
	}
	for in.Scan() {
		n++
		line := strings.TrimSpace(in.Text())
		if i := strings.Index(line, "#"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" {
			continue
		}
		words, err := fields(line)
		if err != nil {
			return nil, fail("%v", err)
		}
		switch words[0] {
		case "mode", "reminder":
			if len(sc.Steps) > 0 || len(words) != 2 {
				return nil, fail("%s comes once, before the first step, with one value", words[0])
			}
			if words[0] == "mode" {
				sc.Mode = words[1]
				continue
			}
			d, err := time.ParseDuration(words[1])
			if err != nil || d < 0 {
				return nil, fail("reminder %q is not a duration", words[1])
			}
			sc.Reminder = d
			continue
		case "expect":
			if len(sc.Steps) == 0 {
				return nil, fail("an expectation before any step")
			}
			step := &sc.Steps[len(sc.Steps)-1]
			e, err := expectation(words[1:], step.At)
			if err != nil {
				return nil, fail("%v", err)
			}
			e.Line = n
			step.Expect = append(step.Expect, e)
			continue
		}
		var prev time.Duration
		if len(sc.Steps) > 0 {
			prev = sc.Steps[len(sc.Steps)-1].At
		}
		at, rest, err := when(words, prev)
		if err != nil {
			return nil, fail("%v", err)
		}
		if len(sc.Steps) > 0 && at < prev {
			return nil, fail("%s comes before the step above it (%s)", Clock(at), Clock(prev))
		}
		if len(rest) == 0 {
			return nil, fail("a time with nothing to do")
		}
		want, ok := Verbs[rest[0]]
		switch {
		case !ok:
			return nil, fail("unknown step %q", rest[0])
		case want >= 0 && len(rest)-1 != want, want < 0 && (len(rest) < 2 || len(rest) > 3):
			return nil, fail("%s takes %s", rest[0], plural(want))
		}
		if rest[0] == "sleep" {
			if d, err := time.ParseDuration(rest[1]); err != nil || d <= 0 {
				return nil, fail("sleep %q is not a duration", rest[1])
			}
		}
		sc.Steps = append(sc.Steps, Step{Line: n, At: at, Verb: rest[0], Args: rest[1:]})
	}
	if err := in.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, n+1, err)
	}
	if len(sc.Steps) == 0 || sc.Steps[0].Verb != "login" {
		return nil, fmt.Errorf("%s: the first step must be login", name)
	}
	return sc, nil
}

func plural(n int) string {
	switch n {
	case -1:
		return "one or two arguments"
	case 0:
		return "no argument"
	case 1:
		return "one argument"
	}
	return strconv.Itoa(n) + " arguments"
}

// when reads a step's time: "Tue 10:02[:05]", or "+40s" after prev.
func when(words []string, prev time.Duration) (time.Duration, []string, error) {
	if strings.HasPrefix(words[0], "+") {
		d, err := time.ParseDuration(words[0][1:])
		if err != nil || d < 0 {
			return 0, nil, fmt.Errorf("%q is not a time after the step above", words[0])
		}
		return prev + d, words[1:], nil
	}
	day := slices.Index(days, words[0])
	if day < 0 || len(words) < 2 {
		return 0, nil, fmt.Errorf("a step starts with a day and a time (Mon 09:00) or +DURATION, not %q", words[0])
	}
	t, err := clockTime(words[1])
	if err != nil {
		return 0, nil, err
	}
	return time.Duration(day)*24*time.Hour + t, words[2:], nil
}

func clockTime(s string) (time.Duration, error) {
	for _, layout := range []string{"15:04:05", "15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second, nil
		}
	}
	return 0, fmt.Errorf("%q is not a time of day (15:04)", s)
}

// expectation reads what follows "expect".
func expectation(w []string, stepAt time.Duration) (Expectation, error) {
	if len(w) == 0 {
		return Expectation{}, fmt.Errorf("expect what?")
	}
	e := Expectation{Kind: w[0], Within: DefaultWithin}
	w = w[1:]
	switch e.Kind {
	case ExpectAlert, ExpectRecovery, ExpectWithdrawn, ExpectResumed:
		if len(w) == 0 {
			return e, fmt.Errorf("expect %s needs a component", e.Kind)
		}
		e.Component, w = w[0], w[1:]
	case ExpectBudget, ExpectNothing:
	default:
		return e, fmt.Errorf("unknown expectation %q", e.Kind)
	}
	for len(w) > 0 {
		if len(w) < 2 {
			return e, fmt.Errorf("%q needs a value", w[0])
		}
		key, val := w[0], w[1]
		w = w[2:]
		switch {
		case key == "within" && e.Kind != ExpectNothing:
			d, err := time.ParseDuration(val)
			if err != nil || d <= 0 {
				return e, fmt.Errorf("within %q is not a duration", val)
			}
			e.Within = d
		case key == "title" && e.Kind == ExpectAlert:
			e.Title = val
		case key == "next" && e.Kind == ExpectAlert:
			e.Next = val
		case key == "until" && e.Kind == ExpectNothing:
			if len(w) == 0 {
				return e, fmt.Errorf("until needs a day and a time")
			}
			at, _, err := when([]string{val, w[0]}, 0)
			w = w[1:]
			if err != nil {
				return e, err
			}
			if at <= stepAt {
				return e, fmt.Errorf("until %s is not after its step", Clock(at))
			}
			e.Until = at
		default:
			return e, fmt.Errorf("expect %s takes no %q", e.Kind, key)
		}
	}
	return e, nil
}

// fields splits a line into words, a "quoted part" one word.
func fields(line string) ([]string, error) {
	var out []string
	for line = strings.TrimSpace(line); line != ""; line = strings.TrimSpace(line) {
		if line[0] == '"' {
			end := strings.IndexByte(line[1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("a quote is not closed")
			}
			out = append(out, line[1:1+end])
			line = line[2+end:]
			continue
		}
		end := strings.IndexAny(line, " \t")
		if end < 0 {
			end = len(line)
		}
		out = append(out, line[:end])
		line = line[end:]
	}
	return out, nil
}
