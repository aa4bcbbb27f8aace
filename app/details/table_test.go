package details

import (
	"maps"
	"slices"
	"testing"

	"fyne.io/fyne/v2/theme"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/details/model"
	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/app/monitor"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// TestActionTableCovered: the menu, the window's buttons and their icons,
// the requests the line takes and the alerts' buttons each cover
// app/action's table exactly: an action added there shows up everywhere
// it says, or this fails.
func TestActionTableCovered(t *testing.T) {
	var menu, bar []action.ID
	window := map[action.ID]bool{}
	var alerts []string
	for _, spec := range action.Table {
		switch {
		case spec.PerRow:
			for range status.ComponentOrder {
				menu = append(menu, spec.ID)
			}
		case spec.Menu != "":
			menu = append(menu, spec.ID)
		}
		if spec.Window {
			window[spec.ID] = true
		}
		if spec.Alert {
			alerts = append(alerts, string(spec.ID))
		}
	}
	for _, spec := range model.BarOrder() {
		bar = append(bar, spec.ID)
	}
	var items []action.ID
	for _, it := range monitor.BuildMenu(monitor.MenuInput{}).Items {
		items = append(items, it.ID)
	}
	if !slices.Equal(items, menu) {
		t.Errorf("the menu's items %v, the table's %v", items, menu)
	}
	var buttons []action.ID
	for _, b := range model.Buttons(nil, nil) {
		buttons = append(buttons, b.ID)
	}
	if !slices.Equal(buttons, bar) {
		t.Errorf("the window's buttons %v, the table's %v", buttons, bar)
	}
	if icons := slices.Sorted(maps.Keys(buttonIcons)); !slices.Equal(icons, slices.Sorted(slices.Values(bar))) {
		t.Errorf("icons for %v, buttons %v", icons, bar)
	}
	if !maps.Equal(wire.Requests, window) {
		t.Errorf("the line takes %v, the table lets a window ask for %v", wire.Requests, window)
	}
	for _, id := range bar {
		if !wire.Requests[id] && id != action.CopyDiagnostics { // the window's own
			t.Errorf("the button %s asks for what the line refuses", id)
		}
	}
	// Every button an alert may carry shows on one (on its row's outage,
	// when it applies), and a press on it runs (monitor's TestAlert tests).
	var offered []string
	down := snapshot("down", "", with(healthyRows, map[status.ComponentName][3]string{
		"daemon": {"stopped", "warn", ""}, "edge": {"stopped", "crit", ""}}))
	for _, row := range status.ComponentOrder {
		for _, b := range monitor.Buttons(monitor.Notification{Kind: monitor.KindProblem, Thread: row}, down.Report) {
			if !slices.Contains(offered, b.ID) {
				offered = append(offered, b.ID)
			}
		}
	}
	slices.Sort(offered)
	slices.Sort(alerts)
	if !slices.Equal(offered, alerts) {
		t.Errorf("alerts carry %v, the table says %v", offered, alerts)
	}
	v, _, _ := newTestView(t, theme.LightTheme())
	for _, id := range bar {
		if v.Button(id) == nil {
			t.Errorf("no button %s in the window", id)
		}
	}
}
