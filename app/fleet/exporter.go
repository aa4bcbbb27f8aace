package fleet

import (
	"fmt"
	"log"
	"os"
	"sync"
	"time"

	"github.com/haltonlabs/halton-meter-bar/internal/atomicfile"
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
	failed  map[string]string          // the last failure of each file
	opened  map[string]*atomicfile.Dir // the folders, opened at their first write
}

// folder is the folder at path, opened at its first write and kept: every
// later write goes into that folder. Should another be put at its path
// (the folder removed and made again), it is opened instead only where
// that is safe: for root, only when no one else could have put it there
// (atomicfile.Trusted).
func (e *Exporter) folder(path string) (*atomicfile.Dir, error) {
	if d, ok := e.opened[path]; ok {
		cur := d.Current()
		if cur == nil {
			return d, nil
		}
		if os.Geteuid() == 0 {
			if err := atomicfile.Trusted(path); err != nil {
				return nil, fmt.Errorf("%w: %v", cur, err)
			}
		}
		d.Close()
		delete(e.opened, path)
	}
	d, err := atomicfile.OpenDir(path)
	if err != nil {
		return nil, err
	}
	if e.opened == nil {
		e.opened = make(map[string]*atomicfile.Dir)
	}
	e.opened[path] = d
	return d, nil
}

// Close closes the folders.
func (e *Exporter) Close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for p, d := range e.opened {
		d.Close()
		delete(e.opened, p)
	}
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
		ok = e.write(StatusJSON, func() error { return e.in(e.Dir, func(d *atomicfile.Dir) error { return writeStatusJSON(d, r) }) }) && ok
		ok = e.write(StatusPlist, func() error { return e.in(e.Dir, func(d *atomicfile.Dir) error { return writeStatusPlist(d, r) }) }) && ok
	}
	if e.Textfile != "" {
		ok = e.write(Textfile, func() error { return e.in(e.Textfile, func(d *atomicfile.Dir) error { return WriteTextfileIn(d, r) }) }) && ok
	}
	if ok {
		e.key, e.at, e.written = key, r.CheckedAt, true
	}
	// Otherwise each file is tried again at the next report.
}

// in writes into the folder at path with fn.
func (e *Exporter) in(path string, fn func(d *atomicfile.Dir) error) error {
	d, err := e.folder(path)
	if err != nil {
		return err
	}
	return fn(d)
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
