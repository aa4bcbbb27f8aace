package macos

import (
	"slices"
	"strings"
	"testing"
)

// fakeRuntime is the runtime's class making as a record: class pairs
// allocated (by name, until registered or disposed), the protocols its
// images carry, and methods that fail to add.
type fakeRuntime struct {
	protocols  []string
	failMethod string // a method that fails to add
	failProto  bool   // class_addProtocol answers NO
	allocated  map[string]int
	registered []string
	disposed   []string
	conforms   map[string][]string
	methods    map[string][]string
	next       int
	names      map[int]string
}

func newFakeRuntime(protocols ...string) *fakeRuntime {
	return &fakeRuntime{protocols: protocols, allocated: map[string]int{}, conforms: map[string][]string{},
		methods: map[string][]string{}, names: map[int]string{}}
}

func (f *fakeRuntime) allocate(super, name string) int {
	if _, taken := f.allocated[name]; taken || slices.Contains(f.registered, name) || super != "NSObject" {
		return 0
	}
	f.next++
	f.allocated[name], f.names[f.next] = f.next, name
	return f.next
}

func (f *fakeRuntime) protocol(name string) string {
	if slices.Contains(f.protocols, name) {
		return name
	}
	return ""
}

func (f *fakeRuntime) addProtocol(c int, p string) bool {
	if f.failProto {
		return false
	}
	f.conforms[f.names[c]] = append(f.conforms[f.names[c]], p)
	return true
}

func (f *fakeRuntime) addMethod(c int, sel string) bool {
	if sel == f.failMethod {
		return false
	}
	f.methods[f.names[c]] = append(f.methods[f.names[c]], sel)
	return true
}

func (f *fakeRuntime) register(c int) {
	name := f.names[c]
	delete(f.allocated, name)
	f.registered = append(f.registered, name)
}

func (f *fakeRuntime) dispose(c int) {
	name := f.names[c]
	delete(f.allocated, name)
	delete(f.conforms, name)
	delete(f.methods, name)
	f.disposed = append(f.disposed, name)
}

var delegateSpec = classSpec[string]{name: "Delegate", super: "NSObject", protocols: []string{protoCenterDelegate},
	methods: []string{selWillPresent, selDidReceive}}

// TestMakeClassWithoutTheProtocol: where no loaded image carries the
// delegate's protocol (objc_getProtocol answers nil), the class is made
// and registered without it, with both methods, and says what it lacks:
// the center asks respondsToSelector:, so nothing is lost. Where the
// runtime has it, the class conforms to it.
func TestMakeClassWithoutTheProtocol(t *testing.T) {
	rt := newFakeRuntime()
	made, err := makeClass[int, string, string](rt, delegateSpec)
	if err != nil || made.class == 0 || !slices.Equal(made.without, []string{protoCenterDelegate}) {
		t.Fatalf("made %+v, %v", made, err)
	}
	if !slices.Equal(rt.registered, []string{"Delegate"}) || len(rt.conforms["Delegate"]) != 0 ||
		!slices.Equal(rt.methods["Delegate"], []string{selWillPresent, selDidReceive}) || len(rt.disposed) != 0 {
		t.Errorf("registered %v, conforms %v, methods %v, disposed %v", rt.registered, rt.conforms, rt.methods, rt.disposed)
	}

	rt = newFakeRuntime(protoCenterDelegate)
	made, err = makeClass[int, string, string](rt, delegateSpec)
	if err != nil || len(made.without) != 0 || !slices.Equal(rt.conforms["Delegate"], []string{protoCenterDelegate}) {
		t.Errorf("with the protocol: made %+v, %v, conforms %v", made, err, rt.conforms)
	}
}

// TestMakeClassUndoesAFailure: a failure after the class pair was
// allocated disposes of it and registers nothing, and the next try makes
// the class under the same name; a refused allocation disposes of
// nothing.
func TestMakeClassUndoesAFailure(t *testing.T) {
	for _, c := range []struct {
		name   string
		break_ func(*fakeRuntime)
		want   string
	}{
		{"a method", func(f *fakeRuntime) { f.failMethod = selDidReceive }, "add method 2 to the class Delegate"},
		{"the protocol", func(f *fakeRuntime) { f.failProto = true }, "add the protocol UNUserNotificationCenterDelegate"},
	} {
		rt := newFakeRuntime(protoCenterDelegate)
		c.break_(rt)
		made, err := makeClass[int, string, string](rt, delegateSpec)
		if err == nil || !strings.Contains(err.Error(), c.want) || made.class != 0 {
			t.Errorf("%s fails: made %+v, %v", c.name, made, err)
		}
		if !slices.Equal(rt.disposed, []string{"Delegate"}) || len(rt.registered) != 0 || len(rt.allocated) != 0 {
			t.Errorf("%s fails: disposed %v, registered %v, left allocated %v", c.name, rt.disposed, rt.registered, rt.allocated)
		}
		rt.failMethod, rt.failProto = "", false
		if made, err := makeClass[int, string, string](rt, delegateSpec); err != nil || made.class == 0 || !slices.Equal(rt.registered, []string{"Delegate"}) {
			t.Errorf("%s failed, then the next try: %+v, %v, registered %v", c.name, made, err, rt.registered)
		}
	}

	rt := newFakeRuntime()
	rt.register(rt.allocate("NSObject", "Delegate")) // the name is taken
	made, err := makeClass[int, string, string](rt, delegateSpec)
	if err == nil || !strings.Contains(err.Error(), "would not make the class Delegate") || made.class != 0 || len(rt.disposed) != 0 {
		t.Errorf("refused: %+v, %v, disposed %v", made, err, rt.disposed)
	}
}
