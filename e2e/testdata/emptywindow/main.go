// Command emptywindow is fyne's floor for make bench: a window of the
// details window's size holding one label, which never changes. What it
// costs at rest is what fyne's event loop costs on this machine.
package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := app.NewWithID("com.haltonlabs.meter.bar.bench")
	w := a.NewWindow("Halton Meter")
	w.SetContent(widget.NewLabel("at rest"))
	w.Resize(fyne.NewSize(1040, 820))
	w.ShowAndRun()
}
