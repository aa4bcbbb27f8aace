package week

import (
	"strings"
	"testing"
	"time"
)

const scenario = `# a small day
mode full
reminder 1h

Mon 09:00 login
	expect nothing until Mon 10:00
Mon 10:00 fault daemon-crash
	expect alert daemon title "Daemon stopped" next "halton-meter start" within 1m
Mon 12:30 heal
	expect recovery daemon within 1m
Mon 13:00 end
`

func parse(t *testing.T, text string) *Scenario {
	t.Helper()
	sc, err := Parse("day.txt", strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestParse(t *testing.T) {
	sc := parse(t, scenario)
	if sc.Mode != "full" || sc.Reminder != time.Hour || len(sc.Steps) != 4 {
		t.Fatalf("%+v", sc)
	}
	e := sc.Steps[1].Expect[0]
	if e.Line != 8 || e.Kind != ExpectAlert || e.Component != "daemon" || e.Title != "Daemon stopped" || e.Next != "halton-meter start" || e.Within != time.Minute {
		t.Errorf("%+v", e)
	}
	if sc.Steps[0].Expect[0].Until != 10*time.Hour {
		t.Errorf("until %v", sc.Steps[0].Expect[0].Until)
	}
	rel := parse(t, "Tue 09:00 login\n+90s fault edge-crash\n")
	if rel.Steps[1].At != 24*time.Hour+9*time.Hour+90*time.Second {
		t.Errorf("+90s is %s", Clock(rel.Steps[1].At))
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	for _, tt := range []struct{ text, want string }{
		{"Mon 09:00 login\nMon 08:00 heal\n", "day.txt:2: Mon 08:00:00 comes before"},
		{"Mon 09:00 login\nMon 10:00 explode\n", `day.txt:2: unknown step "explode"`},
		{"Mon 09:00 login\n\texpect alarm daemon\n", `day.txt:2: unknown expectation "alarm"`},
		{"Mon 09:00 login\n\texpect alert\n", "day.txt:2: expect alert needs a component"},
		{"Mon 09:00 login\n\texpect alert daemon within soon\n", `day.txt:2: within "soon" is not a duration`},
		{"Mon 09:00 login\n\texpect alert \"daemon\n", "day.txt:2: a quote is not closed"},
		{"Mon 09:00 login\nMon 9am heal\n", `day.txt:2: "9am" is not a time of day`},
		{"Mon 09:00 login\nMon 10:00 sleep forever\n", `day.txt:2: sleep "forever" is not a duration`},
		{"Mon 09:00 heal\n", "the first step must be login"},
		{"expect nothing\n", "day.txt:1: an expectation before any step"},
		{"Mon 09:00 login\nmode apps\n", "day.txt:2: mode comes once"},
	} {
		_, err := Parse("day.txt", strings.NewReader(tt.text))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %q", tt.text, err, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(scenario)
	f.Add("Mon 09:00 login\n+1s press mute-row \"fastapi listener\"\n\texpect nothing until Sun 23:59\n")
	f.Fuzz(func(t *testing.T, text string) {
		sc, err := Parse("fuzz.txt", strings.NewReader(text))
		if err != nil {
			return
		}
		for i := 1; i < len(sc.Steps); i++ {
			if sc.Steps[i].At < sc.Steps[i-1].At {
				t.Fatalf("steps out of order: %v", sc.Steps)
			}
		}
		Judge(sc, Log{End: sc.Steps[len(sc.Steps)-1].At})
	})
}

// at is a time of Monday.
func at(h, m, s int) time.Duration {
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second
}

var (
	alert    = Note{At: at(10, 0, 10), ID: "outage.daemon", Thread: "daemon", Title: "Daemon stopped — not metering", Body: "daemon stopped: x. Next: halton-meter start"}
	reminder = func(at time.Duration) Note {
		return Note{At: at, ID: "outage.daemon", Title: "Still broken: Daemon stopped — not metering", Body: "… Next: halton-meter start"}
	}
	back      = Note{At: at(12, 30, 5), ID: "recovered", Title: "Halton Meter recovered", Body: "daemon, metering healthy again after 2 h 30 min."}
	withdrawn = Withdrawal{At: at(12, 30, 5), ID: "outage.daemon"}
	menu      = []MenuState{{At: at(9, 0, 0), Healthy: true}, {At: at(10, 0, 5), Unhealthy: []string{"daemon"}}, {At: at(12, 30, 5), Healthy: true}}
)

// good is a log the scenario calls for.
func good() Log {
	return Log{
		Notes:       []Note{alert, reminder(at(11, 0, 15)), reminder(at(12, 0, 20)), back},
		Withdrawals: []Withdrawal{withdrawn},
		Menu:        menu,
		End:         at(13, 0, 0),
	}
}

func TestJudge(t *testing.T) {
	sc := parse(t, scenario)
	res := Judge(sc, good())
	if len(res.Failures) > 0 || res.Expected != 4 || res.Sent != 4 || res.False != 0 || res.Missed != 0 ||
		res.WithdrawDue != 1 || res.WithdrawDone != 1 || len(res.Latency) != 1 || res.Latency[0] != 10*time.Second {
		t.Fatalf("%+v", res)
	}
	tests := []struct {
		name string
		edit func(l *Log)
		want string
	}{
		{"a false alarm", func(l *Log) {
			l.Notes = append(l.Notes, Note{At: at(9, 30, 0), ID: "outage.edge", Title: "Edge stopped"})
		}, `day.txt:5: false alarm at Mon 09:30:00: "Edge stopped"`},
		{"in a quiet span", func(l *Log) {
			l.Notes = append(l.Notes, Note{At: at(9, 30, 0), ID: "outage.edge", Title: "Edge stopped"})
		}, "day.txt:6: expect nothing until Mon 10:00:00"},
		{"missed", func(l *Log) { l.Notes = l.Notes[1:] }, "day.txt:8: expect alert daemon within 1m0s: missed"},
		{"late", func(l *Log) { l.Notes[0].At = at(10, 1, 10) }, "day.txt:8: expect alert daemon within 1m0s: missed"},
		{"the wrong component", func(l *Log) { l.Notes[0].ID = "outage.watchdog" }, "day.txt:8: expect alert daemon: missed; the alert at Mon 10:00:10 names watchdog"},
		{"the wrong next step", func(l *Log) { l.Notes[0].Body = "daemon stopped. Next: halton-meter doctor" }, "day.txt:8: expect alert daemon: the wrong next step"},
		{"the wrong title", func(l *Log) { l.Notes[0].Title = "Daemon unknown" }, `day.txt:8: expect alert daemon: the title is "Daemon unknown"`},
		{"not withdrawn", func(l *Log) { l.Withdrawals = nil }, `day.txt:10: "Daemon stopped — not metering" (outage.daemon) not withdrawn`},
		{"withdrawn before the last reminder", func(l *Log) { l.Withdrawals[0].At = at(11, 30, 0) }, "not withdrawn"},
		{"no recovery", func(l *Log) { l.Notes = l.Notes[:3] }, "day.txt:10: expect recovery daemon within 1m0s: missed"},
		{"a reminder missed", func(l *Log) { l.Notes = slicesDelete(l.Notes, 2) }, "day.txt:8: the reminder of \"Daemon stopped — not metering\" due at Mon 12:00:15: missed"},
		{"a reminder off its cadence", func(l *Log) {
			l.Notes = append(l.Notes, reminder(at(11, 20, 0)))
		}, "off its cadence at Mon 11:20:00"},
		{"the menu healthy while the fault stands", func(l *Log) {
			l.Menu = append(l.Menu[:2:2], MenuState{At: at(11, 0, 0), Healthy: true}, l.Menu[2])
		}, "day.txt:8: the menu shows daemon healthy at Mon 11:00:00"},
		{"the menu unhealthy with no fault", func(l *Log) {
			l.Menu = append(l.Menu, MenuState{At: at(12, 50, 0), Unhealthy: []string{"edge"}})
		}, "day.txt:9: the menu is not healthy at Mon 12:50:00 with no fault in force"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := good()
			tt.edit(&l)
			got := Judge(sc, l).Failures
			if !strings.Contains(strings.Join(got, "\n"), tt.want) {
				t.Errorf("failures %q, want one with %q", got, tt.want)
			}
		})
	}
}

// TestJudgeSleep: a reminder due while asleep comes at the wake.
func TestJudgeSleep(t *testing.T) {
	sc := parse(t, scenario)
	l := good()
	l.Asleep = []Span{{From: at(10, 30, 0), To: at(11, 30, 0)}}
	l.Notes[1].At = at(11, 30, 5)
	l.Notes = slicesDelete(l.Notes, 2) // the next is due after the heal
	if f := Judge(sc, l).Failures; len(f) > 0 {
		t.Errorf("%q", f)
	}
}

func slicesDelete(n []Note, i int) []Note { return append(n[:i:i], n[i+1:]...) }
