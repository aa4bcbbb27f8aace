package fleet

import (
	"log"
	"sync"
	"time"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// DefaultEvery is how often an Exporter rewrites its files when nothing
// changes: a reader tells a live writer from a dead one by their age.
const DefaultEvery = 5 * time.Minute

// Exporter keeps the status files (status.json, status.plist) and the
// Prometheus textfile up to date from a stream of reports: written at the
// first report, at each change (Key), and at least every Every.
type Exporter struct {
	// Dir takes status.json and status.plist; "" writes none.
	Dir string
	// Textfile takes halton_meter.prom; "" writes none.
	Textfile string
	// Every is the longest time between writes; 0 is DefaultEvery.
	Every time.Duration
	// Log says what could not be written, once per new failure.
	Log *log.Logger

	mu      sync.Mutex
	key     string
	at      time.Time
	written bool
	failed  string
}

// Report takes a new report and writes the files when it is due.
func (e *Exporter) Report(r status.Report) {
	e.mu.Lock()
	defer e.mu.Unlock()
	every := e.Every
	if every <= 0 {
		every = DefaultEvery
	}
	key := Key(r)
	if e.written && key == e.key && r.CheckedAt.Sub(e.at) < every {
		return
	}
	var errs []error
	if e.Dir != "" {
		if err := WriteStatus(e.Dir, r); err != nil {
			errs = append(errs, err)
		}
	}
	if e.Textfile != "" {
		if err := WriteTextfile(e.Textfile, r); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		// Tried again at the next report; said once until it changes.
		if msg := errs[0].Error(); msg != e.failed && e.Log != nil {
			e.Log.Printf("status files: %s", msg)
			e.failed = msg
		}
		return
	}
	e.key, e.at, e.written, e.failed = key, r.CheckedAt, true, ""
}
