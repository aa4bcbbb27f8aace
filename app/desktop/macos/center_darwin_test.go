//go:build darwin

package macos

import (
	"strings"
	"testing"

	"github.com/ebitengine/purego/objc"
)

// responds reports whether instances of the class named name answer
// selector, as the notification center asks its delegate.
func responds(name, selector string) bool {
	cls := objc.GetClass(name)
	return cls != 0 && objc.Send[bool](objc.ID(cls), objc.RegisterName("instancesRespondToSelector:"), objc.RegisterName(selector))
}

// TestDelegateWithoutTheProtocol: with objc_getProtocol answering nil
// (no loaded image carrying the protocol's record), the delegate's class
// is still made and registered by the real runtime, and answers both of
// the center's messages.
func TestDelegateWithoutTheProtocol(t *testing.T) {
	if err := load(); err != nil {
		t.Fatal(err)
	}
	was := getProtocol
	getProtocol = func(string) *objc.Protocol { return nil }
	defer func() { getProtocol = was }()
	name := "HaltonMeterBarTestDelegateNoProtocol"
	made, err := makeClass[objc.Class, *objc.Protocol, method](runtimeKit{}, classSpec[method]{
		name: name, super: clsNSObject, protocols: []string{protoCenterDelegate}, methods: delegateMethods,
	})
	if err != nil || made.class == 0 || len(made.without) != 1 {
		t.Fatalf("made %+v, %v", made, err)
	}
	if !responds(name, selWillPresent) || !responds(name, selDidReceive) {
		t.Errorf("%s does not answer the center's messages", name)
	}
}

// TestDelegateFailureIsDisposed: a class whose making fails (a method
// added twice) is disposed of, not registered, and a try after it makes
// the class under the same name.
func TestDelegateFailureIsDisposed(t *testing.T) {
	if err := load(); err != nil {
		t.Fatal(err)
	}
	name := "HaltonMeterBarTestDelegateRetried"
	twice := append(append([]method{}, delegateMethods...), delegateMethods[0])
	if _, err := makeClass[objc.Class, *objc.Protocol, method](runtimeKit{}, classSpec[method]{name: name, super: clsNSObject, methods: twice}); err == nil {
		t.Fatal("a method added twice was taken")
	}
	if objc.GetClass(name) != 0 {
		t.Fatal("the failed class was registered")
	}
	made, err := makeClass[objc.Class, *objc.Protocol, method](runtimeKit{}, classSpec[method]{name: name, super: clsNSObject, methods: delegateMethods})
	if err != nil || made.class == 0 || !responds(name, selDidReceive) {
		t.Fatalf("the next try: %+v, %v", made, err)
	}
}

// TestSystemActionIdentifiers: the framework's own identifiers are read
// by value, and a response naming one is a click or a dismissal, never a
// button.
func TestSystemActionIdentifiers(t *testing.T) {
	if err := load(); err != nil {
		t.Fatal(err)
	}
	def, dismiss := systemActions[symDefaultAction], systemActions[symDismissAction]
	if !strings.HasPrefix(def, "com.apple.") || !strings.HasPrefix(dismiss, "com.apple.") || def == dismiss {
		t.Fatalf("identifiers %q %q", def, dismiss)
	}
	for _, c := range []struct {
		action, button string
		dismissed      bool
	}{{def, "", false}, {dismiss, "", true}, {"start-daemon", "start-daemon", false}, {"com.apple.other", "com.apple.other", false}} {
		if b, d := responseButton(c.action); b != c.button || d != c.dismissed {
			t.Errorf("%q: button %q dismissed %v", c.action, b, d)
		}
	}
}
