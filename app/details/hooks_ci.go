//go:build ci

package details

import (
	"fmt"
	"os"

	"fyne.io/fyne/v2/test"

	"github.com/haltonlabs/halton-meter-bar/app/action"
	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// A test build (-tags ci, fyne's headless driver) says on stderr when it
// starts and when a row is focused, and takes two messages no shipped build
// knows: {"type":"tap","component":"<action id>"} taps that button, and
// {"type":"report-focus"} prints the focused row.
func init() {
	headless = true
	fmt.Fprintf(os.Stderr, "details: started (test build, PID %d)\n", os.Getpid())
	onFocus = func(c status.ComponentName) { fmt.Fprintf(os.Stderr, "details: focused %q\n", c) }
	testHook = func(v *View, msg wire.Message) bool {
		switch msg.Type {
		case "tap":
			if b := v.Button(action.ID(msg.Component)); b != nil && !b.Disabled() {
				test.Tap(b)
			} else {
				fmt.Fprintf(os.Stderr, "details: no enabled button %q\n", msg.Component)
			}
			return true
		case "report-focus":
			fmt.Fprintf(os.Stderr, "details: focused %q\n", v.focused)
			return true
		}
		return false
	}
}
