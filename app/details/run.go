package details

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"github.com/haltonlabs/halton-meter-bar/app/details/standalone"
	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// ChildSink writes the buttons' requests on stdout, for the tray.
type ChildSink struct {
	mu  sync.Mutex
	enc *json.Encoder
}

// NewChildSink writes requests to w.
func NewChildSink(w io.Writer) *ChildSink { return &ChildSink{enc: json.NewEncoder(w)} }

// Send implements Sink.
func (s *ChildSink) Send(req wire.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.enc.Encode(req)
}

// Test builds (-tags ci) run on fyne's headless driver: testHook acts on
// messages of their own, onFocus reports focus changes, and headless says
// that the app's run loop returns at once.
var (
	testHook func(v *View, msg wire.Message) bool
	onFocus  func(component status.ComponentName)
	headless bool
)

// Headless reports whether this is a test build on fyne's headless driver,
// whose run loop returns at once: the command must then wait for the tray
// to close the pipe itself.
func Headless() bool { return headless }

// uiMu serialises updates. A shipped build runs them on fyne's main
// thread anyway; the headless driver runs them where they are called.
var uiMu sync.Mutex

// do runs fn on fyne's thread.
func do(fn func()) {
	fyne.Do(func() {
		uiMu.Lock()
		defer uiMu.Unlock()
		fn()
	})
}

// Handle acts on one message from the tray.
func (v *View) Handle(msg wire.Message, logger *log.Logger) {
	switch msg.Type {
	case wire.MsgSnapshot:
		v.Update(msg)
	case wire.MsgFocus:
		v.Focus(msg.Component)
	default:
		if testHook == nil || !testHook(v, msg) {
			logger.Printf("skipping a message of unknown type %q", msg.Type)
		}
	}
}

// ReadMessages reads the tray's lines, hands each to the view on fyne's
// thread, skips (and logs) any that does not parse, and closes the app
// when the tray closes the pipe; done is closed then.
func ReadMessages(r io.Reader, v *View, a fyne.App, logger *log.Logger, done chan<- struct{}) {
	defer close(done)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), wire.MaxLine)
	for sc.Scan() {
		msg, err := wire.ParseMessage(sc.Bytes())
		if err != nil {
			logger.Printf("skipping a line: %v", err)
			continue
		}
		do(func() { v.Handle(msg, logger) })
	}
	if err := sc.Err(); err != nil {
		logger.Printf("reading from the tray: %v", err)
	}
	do(a.Quit)
}

// Follow shows src's state as it changes, and its actions' failures, when
// the window runs on its own.
func Follow(v *View, src *standalone.Source) {
	src.OnChange = func() {
		msg := src.Message()
		do(func() { v.Update(msg) })
	}
	src.OnFailure = func(title string, err error) {
		do(func() { v.Say(title+": "+err.Error(), true) })
	}
}

// Tick moves the window's clock every second.
func Tick(ctx context.Context, v *View) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			do(v.Tick)
		}
	}
}
