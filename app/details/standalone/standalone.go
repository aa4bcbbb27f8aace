// Package standalone is the details window's own state when it runs with
// no tray (started from a terminal): the reports of its own scheduler, an
// hour of history, and the actions its buttons ask for, carried out here
// through app/action's Runner. It speaks the window's language (wire
// messages and requests), so the window draws it as it draws the tray's.
// No GUI, no policy, no menu.
package standalone

import (
	"context"
	"sync"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/app/history"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// Sweeps is the scheduler as the window asks it.
type Sweeps interface {
	RefreshNow()
	Interval() time.Duration
}

// Source keeps what the window shows and carries out what it asks.
type Source struct {
	sweeps Sweeps
	runner *action.Runner
	life   context.Context
	// OnChange is told when there is a new message to show (a report, an
	// action starting or ending); OnFailure when an action failed.
	OnChange  func()
	OnFailure func(title string, err error)

	mu      sync.Mutex
	history *history.History
	last    *status.Report
	budget  status.USD // kept for this run only: the settings are the tray's
}

// New is a Source fed by sweeps (Record is to be subscribed to them),
// whose actions run under life.
func New(life context.Context, sweeps Sweeps, deps action.Deps) *Source {
	s := &Source{sweeps: sweeps, life: life, history: history.New(time.Hour)}
	s.runner = &action.Runner{Deps: deps, OnChange: func(action.ID) { s.changed() }}
	return s
}

// Record takes a sweep's report.
func (s *Source) Record(r status.Report) {
	r = status.Printable(r)
	s.mu.Lock()
	s.last = &r
	s.history.Add(r)
	s.mu.Unlock()
	s.changed()
}

func (s *Source) changed() {
	if s.OnChange != nil {
		s.OnChange()
	}
}

// Message is the snapshot the window shows.
func (s *Source) Message() wire.Message {
	msg := wire.Message{Type: wire.MsgSnapshot, PollIntervalMS: s.sweeps.Interval().Milliseconds(), Busy: s.runner.Running()}
	s.mu.Lock()
	defer s.mu.Unlock()
	msg.History, msg.Budget = wire.FromHistory(s.history.Snapshot()), s.budget
	if s.last != nil {
		r := *s.last
		msg.Report = &r
	}
	return msg
}

// Send carries out a request of the window's buttons, off the caller's
// goroutine: a refresh, or an action on the install or the desktop. A
// failure goes to OnFailure.
func (s *Source) Send(req wire.Request) {
	switch req.Request {
	case action.Refresh:
		s.sweeps.RefreshNow()
		return
	case action.SetBudget:
		b, err := status.ParseDollars(req.Value)
		if err != nil {
			s.fail(req.Request, err)
			return
		}
		s.mu.Lock()
		s.budget = b
		s.mu.Unlock()
		s.changed()
		return
	}
	s.mu.Lock()
	last := s.last
	s.mu.Unlock()
	go func() {
		if err := s.runner.Do(s.life, req.Request, last); err != nil && s.life.Err() == nil {
			s.fail(req.Request, err)
		}
	}()
}

func (s *Source) fail(id action.ID, err error) {
	if s.OnFailure != nil {
		s.OnFailure(action.Of(id).Failure, err)
	}
}
