// Package wire is the line protocol between the tray and its details
// window (two processes, since fyne and getlantern/systray cannot share one
// on macOS). This is its one description; both sides import it.
//
// The tray starts halton-meter-details with pipes on stdin and stdout. It
// writes one Message per line on the window's stdin:
//
//	{"type":"snapshot","report":{…the Report of --json…},"history":{"daemon":[{"at":…,"state":…,"level":…,"detail":…}],…},"poll_interval_ms":5000,"busy":["start-daemon"],
//	 "alerts":true,"poster":{"kind":"native"}}
//	{"type":"focus","component":"daemon"}
//
// A snapshot replaces what the window shows; a focus brings the window to
// the front with that row highlighted. The window writes one Request per
// line on its stdout:
//
//	{"request":"refresh"}  {"request":"start-daemon"}  {"request":"start-edge"}
//	{"request":"run-doctor"}  {"request":"open-logs"}  {"request":"open-dashboard"}
//	{"request":"set-budget","value":"5.00"}   (dollars a day; "" turns it off)
//	{"request":"mute-row","value":"daemon"}   (mutes a row's alerts, or unmutes them)
//	{"request":"alert-settings"}              (the system's notification settings)
//
// (Requests lists them: the actions app/action's table lets a window ask
// for) and the tray carries them out. The tray's own state (its history,
// the last figures) is translated into these types by its side of the
// window, app/details/child. A line longer than
// MaxLine, or one that does not parse, is skipped and logged by whoever
// reads it, never fatal. When the tray closes the window's stdin, the
// window closes; when the window closes, its stdout ends and the tray
// forgets it.
package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/alert"
	"github.com/haltonlabs/halton-meter-bar/app/history"
	"github.com/haltonlabs/halton-meter-bar/app/present"
	"github.com/haltonlabs/halton-meter-bar/internal/text"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// Message types.
const (
	MsgSnapshot = "snapshot"
	MsgFocus    = "focus"
)

// MaxLine bounds one line either way: a report and an hour of history are
// a few tens of kilobytes.
const MaxLine = 4 << 20

// Point is a row's state from At until the next point: one step of the
// history a snapshot carries.
type Point struct {
	At     time.Time    `json:"at"`
	State  status.State `json:"state"`
	Level  status.Level `json:"level"`
	Detail string       `json:"detail"`
}

// Message is one line from the tray to the window.
type Message struct {
	Type           string                           `json:"type"`
	Report         *status.Report                   `json:"report,omitempty"`
	History        map[status.ComponentName][]Point `json:"history,omitempty"`
	PollIntervalMS int64                            `json:"poll_interval_ms,omitempty"`
	Component      status.ComponentName             `json:"component,omitempty"`
	// Busy are the actions running now: their buttons wait.
	Busy []action.ID `json:"busy,omitempty"`
	// Budget is the daily budget the user set; 0 is none.
	Budget status.USD `json:"budget_usd,omitempty"`
	// LastSpend is the last of today's figures the daemon gave, for when
	// the report has none (the daemon is down).
	LastSpend *Spend `json:"last_spend,omitempty"`
	// Alerts: the tray posts alerts, so a row's can be muted; AlertsOff:
	// the system does not show them; Muted: the rows whose alerts are.
	Alerts    bool                   `json:"alerts,omitempty"`
	AlertsOff bool                   `json:"alerts_off,omitempty"`
	Muted     []status.ComponentName `json:"muted,omitempty"`
	// Poster is who posts the tray's alerts.
	Poster *Poster `json:"poster,omitempty"`
}

// Poster is who posts the tray's alerts (app/alert's Poster): a kind,
// the name the user sees, why it is not the system's own center, and why
// that could not start.
type Poster struct {
	Kind    alert.PosterKind `json:"kind"`
	Name    string           `json:"name,omitempty"`
	Reason  string           `json:"reason,omitempty"`
	Problem string           `json:"problem,omitempty"`
}

// Alert is the poster as app/alert has it.
func (p Poster) Alert() alert.Poster {
	return alert.Poster{Kind: p.Kind, Name: p.Name, Reason: p.Reason, Problem: p.Problem}
}

// Spend is today's figures as the daemon gave them at At.
type Spend struct {
	Today status.Today `json:"today"`
	At    time.Time    `json:"at"`
}

// Current tells whether s holds figures of now's day.
func (s *Spend) Current(now time.Time) bool { return s != nil && present.SameDay(s.At, now) }

// FromHistory is the rows' history as the line carries it.
func FromHistory(h map[status.ComponentName][]history.Point) map[status.ComponentName][]Point {
	if h == nil {
		return nil
	}
	out := make(map[status.ComponentName][]Point, len(h))
	for name, pts := range h {
		line := make([]Point, len(pts))
		for i, p := range pts {
			line[i] = Point{At: p.At, State: p.State, Level: p.Level, Detail: p.Detail}
		}
		out[name] = line
	}
	return out
}

// PollInterval is the tray's current time between sweeps.
func (m Message) PollInterval() time.Duration {
	return time.Duration(m.PollIntervalMS) * time.Millisecond
}

// ParseMessage reads one line from the tray. A snapshot must carry a
// report with every row; other types are passed on for the window to take
// or ignore.
func ParseMessage(line []byte) (Message, error) {
	var m Message
	if err := json.Unmarshal(line, &m); err != nil {
		return Message{}, fmt.Errorf("not a message: %w", err)
	}
	switch {
	case m.Type == "":
		return Message{}, errors.New("message without a type")
	case m.Type == MsgSnapshot && m.Report == nil:
		return Message{}, errors.New("snapshot without a report")
	case m.Type == MsgSnapshot && len(m.Report.Components) != len(status.ComponentOrder):
		return Message{}, fmt.Errorf("snapshot with %d rows", len(m.Report.Components))
	case m.PollIntervalMS < 0:
		return Message{}, errors.New("negative poll interval")
	}
	return m, nil
}

// Request is one line from the window to the tray.
type Request struct {
	Request action.ID `json:"request"`
	// Value is the request's argument: the budget of set-budget, the row
	// of mute-row.
	Value string `json:"value,omitempty"`
}

// Requests are the actions a window may ask the tray for: those the
// action table says a window may.
var Requests = action.Requests()

// ParseRequest reads one line from the window. A set-budget's value must
// be an amount of dollars (status.ParseDollars); no other request has one.
func ParseRequest(line []byte) (Request, error) {
	var r Request
	if err := json.Unmarshal(line, &r); err != nil {
		return Request{}, fmt.Errorf("not a request: %w", err)
	}
	if !Requests[r.Request] {
		return Request{}, fmt.Errorf("unknown request %q", text.Safe(text.Clip(strings.TrimSpace(string(r.Request)), 40)))
	}
	switch {
	case r.Request == action.SetBudget:
		if _, err := status.ParseDollars(r.Value); err != nil {
			return Request{}, fmt.Errorf("set-budget: %w", err)
		}
	case r.Request == action.Mute:
		if !slices.Contains(status.ComponentOrder, status.ComponentName(r.Value)) {
			return Request{}, fmt.Errorf("%s: no row %q", r.Request, text.Safe(text.Clip(r.Value, 40)))
		}
	case r.Value != "":
		return Request{}, fmt.Errorf("%s takes no value", r.Request)
	}
	return r, nil
}
