package monitor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// Watcher turns changes in the install into sweep triggers, so a crash is
// seen at once rather than at the next poll.
type Watcher interface {
	// Events delivers one trigger per burst of changes.
	Events() <-chan struct{}
	// WatchPIDs sets the processes whose exit is a change.
	WatchPIDs(pids []int)
}

// A burst of changes is one trigger once no change has come for settle,
// or after maxSettle whatever keeps coming.
const (
	settle    = 100 * time.Millisecond
	maxSettle = time.Second
)

// EventWatcher watches the daemon's, watchdog's and edge's processes for
// exit (pidfd on Linux, kqueue on macOS) and the install's state files for
// change (fsnotify): install-mode, the sentinels, effective-ports.json,
// config.toml, the LaunchAgent plists and preferences.plist. The logs,
// which change all the time, are not watched.
type EventWatcher struct {
	events chan struct{}
	raw    chan struct{}
	fsw    *fsnotify.Watcher
	procs  *procWatch
	files  map[string]bool // the watched files' paths
	home   string          // ~/.halton-meter, added once it exists
	stop   chan struct{}
	wg     sync.WaitGroup
}

// watchedFiles are the names in ~/.halton-meter whose change matters.
var watchedFiles = []string{"install-mode", "apps-managed", "proxy-managed", "effective-ports.json", "config.toml"}

// NewEventWatcher watches the install of cfg. It fails only when neither
// processes nor files can be watched; the caller then polls.
func NewEventWatcher(cfg status.Config) (*EventWatcher, error) {
	w := &EventWatcher{
		events: make(chan struct{}, 1),
		raw:    make(chan struct{}, 1),
		files:  make(map[string]bool),
		home:   cfg.MeterHome,
		stop:   make(chan struct{}),
	}
	for _, name := range watchedFiles {
		w.files[filepath.Join(cfg.MeterHome, name)] = true
	}
	for _, label := range status.Labels {
		w.files[cfg.PlistPath(label)] = true
	}
	w.files[cfg.Preferences] = true
	w.files[cfg.MeterHome] = true // its creation is an install

	procs, perr := newProcWatch(w.trigger)
	fsw, ferr := fsnotify.NewWatcher()
	if perr != nil && ferr != nil {
		return nil, fmt.Errorf("no events: %v; %v", perr, ferr)
	}
	w.procs, w.fsw = procs, fsw
	if fsw != nil {
		// The folders that exist. A missing ~/.halton-meter is watched for
		// from its parent, only until it appears: on macOS fsnotify opens
		// every entry of a watched folder, and the home has many.
		for _, dir := range []string{cfg.MeterHome, cfg.LaunchAgentsDir, filepath.Dir(cfg.Preferences)} {
			if isDir(dir) {
				fsw.Add(dir)
			}
		}
		if !isDir(cfg.MeterHome) {
			fsw.Add(filepath.Dir(cfg.MeterHome))
		}
		w.wg.Add(1)
		go w.files2triggers()
	}
	w.wg.Add(1)
	go w.debounce()
	return w, nil
}

// Events implements Watcher.
func (w *EventWatcher) Events() <-chan struct{} { return w.events }

// WatchPIDs implements Watcher.
func (w *EventWatcher) WatchPIDs(pids []int) {
	if w.procs != nil {
		w.procs.Set(pids)
	}
}

// Close stops watching.
func (w *EventWatcher) Close() {
	close(w.stop)
	if w.fsw != nil {
		w.fsw.Close()
	}
	if w.procs != nil {
		w.procs.Close()
	}
	w.wg.Wait()
}

func (w *EventWatcher) trigger() {
	select {
	case w.raw <- struct{}{}:
	default:
	}
}

func (w *EventWatcher) files2triggers() {
	defer w.wg.Done()
	for {
		select {
		case <-w.stop:
			return
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			if !w.files[ev.Name] {
				continue
			}
			if ev.Name == w.home && ev.Has(fsnotify.Create) && isDir(w.home) {
				w.fsw.Add(w.home)
				w.fsw.Remove(filepath.Dir(w.home))
			}
			w.trigger()
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				w.trigger() // something changed; we lost what
			}
		}
	}
}

// debounce folds the changes of one burst (a file written in several
// steps, a stop that ends two processes) into one trigger: it waits until
// no change has come for the settle time, or at most maxSettle.
func (w *EventWatcher) debounce() {
	defer w.wg.Done()
	quiet := time.NewTimer(settle)
	quiet.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-w.raw:
		}
		quiet.Reset(settle)
		ceiling := time.After(maxSettle)
	burst:
		for {
			select {
			case <-w.stop:
				return
			case <-w.raw:
				if !quiet.Stop() {
					<-quiet.C
				}
				quiet.Reset(settle)
			case <-quiet.C:
				break burst
			case <-ceiling:
				if !quiet.Stop() {
					<-quiet.C
				}
				break burst
			}
		}
		select {
		case w.events <- struct{}{}:
		default:
		}
	}
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// pidsOf are the processes of a report worth watching.
func pidsOf(r status.Report) []int {
	var pids []int
	for _, j := range []status.Job{r.Daemon, r.Watchdog, r.Edge.Job} {
		if j.PID != nil {
			pids = append(pids, *j.PID)
		}
	}
	return pids
}
