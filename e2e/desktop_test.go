package e2e

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
	"github.com/haltonlabs/halton-meter-bar/app/desktop/notify/notifytest"
)

// desktop is a Linux session for the tray: an Xvfb display, a private
// D-Bus session bus, a StatusNotifierWatcher that the appindicator behind
// getlantern/systray registers with, and a notification server that
// records every notification instead of showing it.
type desktop struct {
	display string
	busAddr string
	conn    *dbus.Conn
	watcher *fakeWatcher
	notes   *notifytest.Server
}

// linuxDesktop skips a test of the tray on a desktop of Linux's own
// making (Xvfb, a private D-Bus, the Ayatana appindicator): on macOS the
// tray is Cocoa's, and scripts/mac-e2e.sh and the macos workflow's bundle
// steps test it there.
func linuxDesktop(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skipf("the tray's test desktop is Linux's; on %s the macos workflow tests the tray", runtime.GOOS)
	}
}

func startDesktop(t *testing.T) *desktop {
	t.Helper()
	linuxDesktop(t)
	for _, tool := range []string{"Xvfb", "dbus-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run make deps (scripts/deps.sh)", tool)
		}
	}
	d := &desktop{}

	// Xvfb picks a free display and writes its number on fd 3.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	xvfb := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	xvfb.ExtraFiles = []*os.File{w}
	if err := xvfb.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { xvfb.Process.Kill(); xvfb.Wait() })
	num, err := readLine(r, 10*time.Second)
	if err != nil {
		t.Fatalf("Xvfb: %v", err)
	}
	d.display = ":" + num

	bus := exec.Command("dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1")
	out, _ := bus.StdoutPipe()
	if err := bus.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bus.Process.Kill(); bus.Wait() })
	if d.busAddr, err = readLine(out, 10*time.Second); err != nil {
		t.Fatalf("dbus-daemon: %v", err)
	}

	if d.conn, err = dbus.Connect(d.busAddr); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.conn.Close() })
	d.watcher = &fakeWatcher{registered: make(chan item, 4)}
	d.notes = notifytest.New(t, d.conn)
	d.export(t, "org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher", d.watcher, prop.Map{
		"org.kde.StatusNotifierWatcher": {
			"IsStatusNotifierHostRegistered": {Value: true},
			"ProtocolVersion":                {Value: int32(0)},
			"RegisteredStatusNotifierItems":  {Value: []string{}},
		},
	})
	d.export(t, notifytest.Name, notifytest.Path, notifytest.Interface, d.notes, nil)
	return d
}

func (d *desktop) export(t *testing.T, name string, path dbus.ObjectPath, iface string, v any, props prop.Map) {
	t.Helper()
	if err := d.conn.Export(v, path, iface); err != nil {
		t.Fatal(err)
	}
	if props != nil {
		if _, err := prop.Export(d.conn, path, props); err != nil {
			t.Fatal(err)
		}
	}
	reply, err := d.conn.RequestName(name, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("request %s: %v %v", name, reply, err)
	}
}

// env is what a GUI process needs to use this desktop.
func (d *desktop) env() []string {
	return []string{"DISPLAY=" + d.display, "DBUS_SESSION_BUS_ADDRESS=" + d.busAddr, "XDG_CURRENT_DESKTOP=KDE", "NO_AT_BRIDGE=1"}
}

func readLine(r interface{ Read([]byte) (int, error) }, timeout time.Duration) (string, error) {
	ch := make(chan string, 1)
	errc := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(r).ReadString('\n')
		if err != nil {
			errc <- err
			return
		}
		ch <- strings.TrimSpace(line)
	}()
	select {
	case l := <-ch:
		return l, nil
	case err := <-errc:
		return "", err
	case <-time.After(timeout):
		return "", fmt.Errorf("nothing within %s", timeout)
	}
}

// item is a registered StatusNotifierItem: its bus name and object path.
type item struct {
	sender string
	path   dbus.ObjectPath
}

type fakeWatcher struct{ registered chan item }

// RegisterStatusNotifierItem is what an indicator calls to appear.
func (w *fakeWatcher) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	it := item{sender: string(sender), path: dbus.ObjectPath(service)}
	if !strings.HasPrefix(service, "/") {
		it = item{sender: service, path: "/StatusNotifierItem"}
	}
	select {
	case w.registered <- it:
	default:
	}
	return nil
}

// RegisterStatusNotifierHost is what a panel calls; nothing here.
func (w *fakeWatcher) RegisterStatusNotifierHost(service string) *dbus.Error { return nil }

// menuEntry is one item of a dbusmenu layout.
type menuEntry struct {
	id      int32
	label   string
	enabled bool
	visible bool
	toggle  int32 // -1: not a checkbox
	sep     bool
	parent  string // the submenu's label; "" at the top
}

// menu reads the indicator's menu over com.canonical.dbusmenu.
func (d *desktop) menu(it item) ([]menuEntry, error) {
	obj := d.conn.Object(it.sender, it.path)
	v, err := obj.GetProperty("org.kde.StatusNotifierItem.Menu")
	if err != nil {
		return nil, fmt.Errorf("read the item's Menu: %w", err)
	}
	menuPath, _ := v.Value().(dbus.ObjectPath)
	var revision uint32
	var layout []any
	call := d.conn.Object(it.sender, menuPath).Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{})
	if err := call.Store(&revision, &layout); err != nil {
		return nil, fmt.Errorf("GetLayout: %w", err)
	}
	var entries []menuEntry
	var walk func(node []any, parent string)
	walk = func(node []any, parent string) {
		if len(node) != 3 {
			return
		}
		id, _ := node[0].(int32)
		props, _ := node[1].(map[string]dbus.Variant)
		e := menuEntry{id: id, enabled: true, visible: true, toggle: -1, parent: parent}
		if l, ok := props["label"]; ok {
			e.label, _ = l.Value().(string)
			e.label = strings.ReplaceAll(e.label, "__", "_")
		}
		if v, ok := props["enabled"]; ok {
			e.enabled, _ = v.Value().(bool)
		}
		if v, ok := props["visible"]; ok {
			e.visible, _ = v.Value().(bool)
		}
		if v, ok := props["toggle-state"]; ok {
			e.toggle, _ = v.Value().(int32)
		}
		if v, ok := props["type"]; ok && v.Value() == "separator" {
			e.sep = true
		}
		if id != 0 {
			entries = append(entries, e)
		}
		children, _ := node[2].([]dbus.Variant)
		for _, c := range children {
			child, _ := c.Value().([]any)
			if id == 0 {
				walk(child, "")
			} else {
				walk(child, e.label)
			}
		}
	}
	walk(layout, "")
	if len(entries) == 0 {
		return nil, fmt.Errorf("GetLayout of %s (revision %d): no items in %v", menuPath, revision, layout)
	}
	return entries, nil
}

// click sends the "clicked" event a panel sends for a menu item.
func (d *desktop) click(it item, id int32) error {
	v, err := d.conn.Object(it.sender, it.path).GetProperty("org.kde.StatusNotifierItem.Menu")
	if err != nil {
		return err
	}
	menuPath, _ := v.Value().(dbus.ObjectPath)
	return d.conn.Object(it.sender, menuPath).Call("com.canonical.dbusmenu.Event", 0, id, "clicked", dbus.MakeVariant(""), uint32(time.Now().Unix())).Err
}
