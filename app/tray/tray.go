// Package tray draws the monitor's menu with getlantern/systray and turns
// clicks into the monitor's actions. It holds no rule of its own: what the
// menu says, which items are enabled and what they do all come from
// app/monitor. It never imports fyne (see DESIGN.md §1).
package tray

import (
	"context"
	"errors"
	"log"
	"os"
	"runtime"
	"sync"

	"github.com/getlantern/systray"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/alert"
	"github.com/haltonlabs/halton-meter-bar/app/desktop/notify"
	"github.com/haltonlabs/halton-meter-bar/app/monitor"
	"github.com/haltonlabs/halton-meter-bar/assets"
	"github.com/haltonlabs/halton-meter-bar/assets/draw"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// iconSize is the icon's pixel size: 32 px in the 16 pt slot is crisp on
// Retina; Linux panels scale it.
const iconSize = 32

// Alerts is the app's alert center on this system; logger hears how it
// posts. On macOS it is made before the menu is up, so that a click on an
// alert that launched the app is not lost.
func Alerts(logger *log.Logger) alert.Center {
	return notify.New("Halton Meter Bar", assets.Icon(draw.Healthy, iconSize, false), logger)
}

// ErrNoDisplay is returned where there is no display to put a tray on.
var ErrNoDisplay = errors.New("no display to show a menu-bar icon on (DISPLAY and WAYLAND_DISPLAY are unset); use --table or --json")

// Run shows the tray until Quit is clicked or ctx ends, drawing the
// monitor's menu and forwarding clicks to it. It must be called on the
// main goroutine. Running the monitor and its scheduler is the caller's.
func Run(ctx context.Context, m *monitor.Monitor, template bool) error {
	if runtime.GOOS == "linux" {
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return ErrNoDisplay
		}
		// GDK probes OpenGL when it opens the display, which loads a GL
		// driver (Mesa's LLVM rasteriser: 40 MB) that a tray never uses.
		if _, set := os.LookupEnv("GDK_GL"); !set {
			os.Setenv("GDK_GL", "disable")
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	context.AfterFunc(ctx, systray.Quit)
	t := &tray{m: m, template: template, items: make(map[itemKey]*systray.MenuItem)}
	systray.Run(func() { t.ready(ctx) }, cancel)
	return nil
}

// itemKey names an item: its action, and its row for an item per row.
type itemKey struct {
	id  action.ID
	row status.ComponentName
}

type tray struct {
	m        *monitor.Monitor
	template bool

	// mu is held while the items change: by apply, and by a click that
	// puts a check mark back.
	mu                       sync.Mutex
	headline, checked, spend *systray.MenuItem
	rows                     []*systray.MenuItem
	items                    map[itemKey]*systray.MenuItem
	shown                    monitor.Menu
	drawn                    bool
}

// ready builds the menu's items once, from the action table, then applies
// each published menu.
func (t *tray) ready(ctx context.Context) {
	t.setIcon(draw.Unknown)
	systray.SetTooltip("Halton Meter")
	t.headline = systray.AddMenuItem("Checking Halton Meter…", "")
	t.headline.Disable()
	t.checked = systray.AddMenuItem("", "")
	t.checked.Disable()
	t.spend = systray.AddMenuItem("", "")
	t.spend.Disable()
	t.spend.Hide()
	for _, spec := range action.Table {
		if spec.Top {
			t.add(spec, "")
		}
	}
	systray.AddSeparator()
	for range status.ComponentOrder {
		item := systray.AddMenuItem("", "")
		item.Hide()
		t.rows = append(t.rows, item)
	}
	for _, spec := range action.Table {
		switch {
		case spec.Top || !spec.InMenu():
			continue
		case spec.Group:
			systray.AddSeparator()
		}
		if !spec.PerRow {
			t.add(spec, "")
			continue
		}
		for _, row := range status.ComponentOrder {
			t.add(spec, row)
		}
	}
	t.forwardClicks(ctx)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case menu := <-t.m.Updates():
				t.apply(menu)
			}
		}
	}()
}

// add makes the item of spec (for row, of an item per row), in its
// submenu if it has one; its title comes with the first menu.
func (t *tray) add(spec action.Spec, row status.ComponentName) {
	var item *systray.MenuItem
	switch parent := t.items[itemKey{id: spec.Parent}]; {
	case parent != nil && spec.Checkable:
		item = parent.AddSubMenuItemCheckbox(spec.Menu, "", false)
	case parent != nil:
		item = parent.AddSubMenuItem(spec.Menu, "")
	case spec.Checkable:
		item = systray.AddMenuItemCheckbox(spec.Menu, "", false)
	default:
		item = systray.AddMenuItem(spec.Menu, "")
	}
	t.items[itemKey{spec.ID, row}] = item
}

// forwardClicks listens on every item: systray drops a click nobody is
// waiting for.
func (t *tray) forwardClicks(ctx context.Context) {
	for i, item := range t.rows {
		onClick(ctx, item, func() { t.m.OpenRow(status.ComponentOrder[i]) }) // rows are in table order
	}
	for key, item := range t.items {
		onClick(ctx, item, func() {
			if key.id == action.Quit {
				systray.Quit()
				return
			}
			t.m.Act(ctx, monitor.Request{ID: key.id, Value: string(key.row)})
			// GTK flips a check item on click by itself; the menu shown
			// decides. Under the apply lock: systray's items are not safe
			// for two goroutines, and a full update of an item from here
			// could land after a newer one and leave it stale.
			t.mu.Lock()
			if it := t.shown.ItemFor(key.id, key.row); it.Checkable {
				setChecked(item, it.Checked)
			}
			t.mu.Unlock()
		})
	}
}

// onClick runs fn for each click, each on its own goroutine: a click
// while an action runs reaches the monitor, which says it is running.
func onClick(ctx context.Context, item *systray.MenuItem, fn func()) {
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-item.ClickedCh:
				go fn()
			}
		}
	}()
}

// apply changes what differs between the menu on screen and menu.
func (t *tray) apply(menu monitor.Menu) {
	t.mu.Lock()
	defer t.mu.Unlock()
	old, first := t.shown, !t.drawn
	t.shown, t.drawn = menu, true
	if first || menu.Icon != old.Icon {
		t.setIcon(menu.Icon)
	}
	if first || menu.Tooltip != old.Tooltip {
		systray.SetTooltip(menu.Tooltip)
		setAccessibilityLabel(menu.Tooltip)
	}
	if first || menu.Headline != old.Headline {
		t.headline.SetTitle(menu.Headline)
	}
	if first || menu.Checked != old.Checked {
		t.checked.SetTitle(menu.Checked)
	}
	if first || menu.Spend != old.Spend {
		t.spend.SetTitle(menu.Spend)
		show(t.spend, menu.Spend != "")
	}
	for i, item := range t.rows {
		var row, was monitor.Row
		if i < len(menu.Rows) {
			row = menu.Rows[i]
		}
		if i < len(old.Rows) {
			was = old.Rows[i]
		}
		if !first && row == was {
			continue
		}
		item.SetTitle(row.Title)
		item.SetTooltip(row.Tooltip)
		if row.Dot != "" && row.Dot != was.Dot {
			item.SetIcon(assets.Dot(row.Dot, iconSize)) // shown on macOS; Linux has no item icons
		}
		show(item, row.Visible)
	}
	for _, it := range menu.Items {
		item := t.items[itemKey{it.ID, it.Row}]
		if item == nil || !first && it == old.ItemFor(it.ID, it.Row) {
			continue
		}
		item.SetTitle(it.Title)
		item.SetTooltip(it.Tooltip)
		if it.Enabled {
			item.Enable()
		} else {
			item.Disable()
		}
		if it.Checkable {
			setChecked(item, it.Checked)
		}
		show(item, it.Visible)
	}
}

func setChecked(item *systray.MenuItem, checked bool) {
	if checked {
		item.Check()
	} else {
		item.Uncheck()
	}
}

func show(item *systray.MenuItem, visible bool) {
	if visible {
		item.Show()
	} else {
		item.Hide()
	}
}

func (t *tray) setIcon(s draw.State) {
	colour := assets.Icon(s, iconSize, false)
	if t.template {
		systray.SetTemplateIcon(assets.Icon(s, iconSize, true), colour)
		return
	}
	systray.SetIcon(colour)
}
