// Package watch turns changes in a Halton Meter install into sweep
// triggers, so the tray sees a crash at once rather than at its next poll:
// the daemon's, watchdog's and edge's processes exiting (a pidfd on Linux,
// kqueue EVFILT_PROC/NOTE_EXIT on macOS) and the install's state files
// changing (fsnotify). A burst of changes is folded into one trigger.
//
// It is its own package so that what needs no watcher links none: the tray
// and halton-meter-bar (for --watch) do; the details window, which runs
// a scheduler of its own when started alone, polls.
package watch

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// A burst of changes is one trigger once no change has come for settle,
// or after maxSettle whatever keeps coming.
const (
	settle    = 100 * time.Millisecond
	maxSettle = time.Second
)

// Options tune an EventWatcher.
type Options struct {
	// Log receives what could not be watched; nil is discarded.
	Log *log.Logger
	// OnArmed, if set, is told which processes are watched each time the
	// set changes: from then on their exit is a trigger.
	OnArmed func(pids []int)
}

// EventWatcher watches the daemon's, watchdog's and edge's processes for
// exit and the install's state files for change: install-mode, the
// sentinels, effective-ports.json, config.toml, the LaunchAgent plists and
// preferences.plist. The logs, which change all the time, are not watched.
type EventWatcher struct {
	opts   Options
	events chan struct{}
	raw    chan struct{}
	fsw    *fsnotify.Watcher
	procs  *procWatch
	files  map[string]bool // the watched files' paths
	home   string          // ~/.halton-meter, added once it exists
	dirs   int             // folders watched
	// userPolled: the user's folders are not watched (WatchesUserFolders).
	userPolled bool
	stop       chan struct{}
	once       sync.Once
	wg         sync.WaitGroup

	mu    sync.Mutex
	armed []int
}

// watchedFiles are the names in ~/.halton-meter whose change matters.
var watchedFiles = []string{"install-mode", "apps-managed", "proxy-managed", "effective-ports.json", "config.toml"}

// New watches the install of cfg. It fails only when neither processes
// nor files can be watched; the caller then polls.
func New(cfg status.Config, opts Options) (*EventWatcher, error) {
	w := &EventWatcher{
		opts:   opts,
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
	if perr != nil {
		w.logf("process exits are not watched: %v", perr)
	}
	fsw, ferr := fsnotify.NewWatcher()
	if ferr != nil {
		w.logf("files are not watched: %v", ferr)
	}
	if perr != nil && ferr != nil {
		return nil, fmt.Errorf("no events: %v; %v", perr, ferr)
	}
	w.procs, w.fsw = procs, fsw
	if fsw != nil {
		// The folders that exist. A missing ~/.halton-meter is watched for
		// from its parent, only until it appears: on macOS fsnotify opens
		// every entry of a watched folder, and the home has many.
		dirs := []string{cfg.MeterHome, cfg.LaunchAgentsDir, filepath.Dir(cfg.Preferences)}
		if !isDir(cfg.MeterHome) {
			dirs[0] = filepath.Dir(cfg.MeterHome)
		}
		if !WatchesUserFolders(runtime.GOOS, cfg) {
			dirs = dirs[2:]
			w.userPolled = true
			w.logf("%s and %s are polled, not watched: as root, a watch on macOS would open every entry the user puts there", cfg.MeterHome, cfg.LaunchAgentsDir)
		}
		for _, dir := range dirs {
			if !isDir(dir) {
				continue
			}
			if err := fsw.Add(dir); err != nil {
				w.logf("watch %s: %v", dir, err)
				continue
			}
			w.dirs++
		}
		w.wg.Add(1)
		go w.forwardFileEvents()
	}
	w.wg.Add(1)
	go w.debounce()
	return w, nil
}

// Covers reports whether the watcher sees both a process exit and a state
// file change: only then may the healthy poll relax.
func (w *EventWatcher) Covers() bool { return w.procs != nil && w.dirs > 0 && !w.userPolled }

// WatchesUserFolders reports whether the folders of cfg's user (their
// ~/.halton-meter and LaunchAgents) are watched for change, or polled. On
// macOS, fsnotify's kqueue backend opens every entry of a watched folder,
// following links, and one descriptor stays open per entry: for a run as
// root reading another user's install, that is an open of whatever they
// point a link at, and as many descriptors as they make entries. There
// they are polled. Linux's inotify opens nothing.
func WatchesUserFolders(goos string, cfg status.Config) bool {
	return !(goos == "darwin" && cfg.OtherUser)
}

// Events delivers one trigger per burst of changes.
func (w *EventWatcher) Events() <-chan struct{} { return w.events }

// WatchPIDs sets the processes whose exit is a change.
func (w *EventWatcher) WatchPIDs(pids []int) {
	if w.procs == nil {
		return
	}
	armed := w.procs.Set(pids)
	w.mu.Lock()
	same := slices.Equal(armed, w.armed)
	w.armed = armed
	w.mu.Unlock()
	if !same && w.opts.OnArmed != nil {
		w.opts.OnArmed(armed)
	}
}

// Close stops watching; it may be called more than once.
func (w *EventWatcher) Close() {
	w.once.Do(func() {
		close(w.stop)
		if w.fsw != nil {
			w.fsw.Close()
		}
		if w.procs != nil {
			w.procs.Close()
		}
		w.wg.Wait()
	})
}

func (w *EventWatcher) logf(format string, args ...any) {
	if w.opts.Log != nil {
		w.opts.Log.Printf(format, args...)
	}
}

func (w *EventWatcher) trigger() {
	select {
	case w.raw <- struct{}{}:
	default:
	}
}

// forwardFileEvents turns fsnotify's events on the watched files into
// triggers, and moves the watch into ~/.halton-meter once it is created.
func (w *EventWatcher) forwardFileEvents() {
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
				if err := w.fsw.Add(w.home); err != nil {
					w.logf("watch %s: %v", w.home, err)
				} else {
					w.fsw.Remove(filepath.Dir(w.home))
				}
			}
			w.trigger()
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				w.trigger() // something changed; we lost what
				continue
			}
			w.logf("file watch: %v", err)
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
