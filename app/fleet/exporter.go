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
// first report, at each change (Key), and at least every Every. Each file
// is written on its own: one that cannot be written never keeps the
// others from being kept.
type Exporter struct {
	// Dir takes status.json and status.plist; "" writes none.
	Dir string
	// Textfile takes halton_meter.prom; "" writes none.
	Textfile string
	// Every is the longest time between writes; 0 is DefaultEvery.
	Every time.Duration
	// Log says what could not be written, once per new failure of a file.
	Log *log.Logger

	mu      sync.Mutex
	key     string
	at      time.Time
	written bool
	failed  map[string]string // the last failure of each file
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
	ok := true
	if e.Dir != "" {
		ok = e.write(StatusJSON, func() error { return writeStatusJSON(e.Dir, r) }) && ok
		ok = e.write(StatusPlist, func() error { return writeStatusPlist(e.Dir, r) }) && ok
	}
	if e.Textfile != "" {
		ok = e.write(Textfile, func() error { return WriteTextfile(e.Textfile, r) }) && ok
	}
	if ok {
		e.key, e.at, e.written = key, r.CheckedAt, true
	}
	// Otherwise each file is tried again at the next report.
}

// write writes one file, and says a failure once until it changes.
func (e *Exporter) write(name string, fn func() error) bool {
	err := fn()
	if e.failed == nil {
		e.failed = make(map[string]string)
	}
	if err == nil {
		delete(e.failed, name)
		return true
	}
	if msg := err.Error(); msg != e.failed[name] {
		e.failed[name] = msg
		if e.Log != nil {
			e.Log.Printf("status files: %s", msg)
		}
	}
	return false
}
