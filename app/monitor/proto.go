package monitor

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// The details window protocol (see app/details): the tray writes one
// Message per line on the window's stdin, the window writes one Request
// per line on its stdout. A line that does not parse is skipped and
// logged by whoever reads it, never fatal.
//
//	tray → window  {"type":"snapshot","report":{…},"history":{…},"poll_interval_ms":5000}
//	               {"type":"focus","component":"daemon"}
//	window → tray  {"request":"refresh"}
//	               {"request":"start-daemon"}   also run-doctor, open-logs, open-dashboard
//
// When the tray closes the window's stdin, the window closes; when the
// window closes, its stdout ends and the tray forgets it.

// Message types.
const (
	MsgSnapshot = "snapshot"
	MsgFocus    = "focus"
)

// maxLine bounds one protocol line: a report and an hour of history are a
// few tens of kilobytes.
const maxLine = 4 << 20

// Message is one line from the tray to the window.
type Message struct {
	Type           string             `json:"type"`
	Report         *status.Report     `json:"report,omitempty"`
	History        map[string][]Point `json:"history,omitempty"`
	PollIntervalMS int64              `json:"poll_interval_ms,omitempty"`
	Component      string             `json:"component,omitempty"`
}

// PollInterval is the tray's current time between sweeps.
func (m Message) PollInterval() time.Duration {
	return time.Duration(m.PollIntervalMS) * time.Millisecond
}

// ParseMessage reads one line from the tray. A snapshot must carry a
// report; other types are passed on for the window to take or ignore.
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
	Request ActionID `json:"request"`
}

// Requests are the actions a window may ask the tray for.
var Requests = map[ActionID]bool{
	ActRefresh: true, ActStartDaemon: true, ActRunDoctor: true, ActOpenLogs: true, ActOpenDashboard: true,
}

// ParseRequest reads one line from the window.
func ParseRequest(line []byte) (ActionID, error) {
	var r Request
	if err := json.Unmarshal(line, &r); err != nil {
		return "", fmt.Errorf("not a request: %w", err)
	}
	if !Requests[r.Request] {
		return "", fmt.Errorf("unknown request %q", clip(strings.TrimSpace(string(r.Request)), 40))
	}
	return r.Request, nil
}

// Snapshot is the message that gives a window the current state.
func (m *Monitor) Snapshot() Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	msg := Message{Type: MsgSnapshot, History: m.history.Snapshot(), PollIntervalMS: m.interval.Milliseconds()}
	if m.report != nil {
		r := *m.report
		msg.Report = &r
	}
	return msg
}
