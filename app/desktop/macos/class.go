package macos

import "fmt"

// classSpec is a class this package makes at run time: its name and
// superclass, the protocols it conforms to where the runtime has them,
// and its methods.
type classSpec[M any] struct {
	name, super string
	protocols   []string
	methods     []M
}

// classKit is what the Objective-C runtime does to make a class
// (objc_allocateClassPair, objc_getProtocol, class_addProtocol,
// class_addMethod, objc_registerClassPair, objc_disposeClassPair), or a
// test's stand-in. The order of the steps, and what a failure undoes, are
// makeClass's, which runs on every system.
type classKit[C, P comparable, M any] interface {
	// allocate makes the class pair; the zero C when the runtime refuses
	// (the name is taken, the superclass is missing).
	allocate(super, name string) C
	// protocol is the protocol of that name; the zero P when no loaded
	// image carries its record.
	protocol(name string) P
	addProtocol(c C, p P) bool
	addMethod(c C, m M) bool
	register(c C)
	dispose(c C)
}

// madeClass is a class made, and the protocols it was made without.
type madeClass[C any] struct {
	class   C
	without []string
}

// makeClass makes and registers spec's class. A protocol the runtime does
// not have is left out rather than passed on as nil: the notification
// center asks its delegate respondsToSelector: before each call, so the
// methods are what counts. Whatever fails after the class pair was
// allocated disposes of it, so that nothing is left half made and a later
// try can use the same name.
func makeClass[C, P comparable, M any](k classKit[C, P, M], spec classSpec[M]) (made madeClass[C], err error) {
	var noClass C
	var noProtocol P
	c := k.allocate(spec.super, spec.name)
	if c == noClass {
		return made, fmt.Errorf("the runtime would not make the class %s (its name is taken, or %s is missing)", spec.name, spec.super)
	}
	defer func() {
		if err != nil {
			k.dispose(c)
			made = madeClass[C]{}
		}
	}()
	for _, name := range spec.protocols {
		p := k.protocol(name)
		if p == noProtocol {
			made.without = append(made.without, name)
			continue
		}
		if !k.addProtocol(c, p) {
			return made, fmt.Errorf("add the protocol %s to the class %s", name, spec.name)
		}
	}
	for i, m := range spec.methods {
		if !k.addMethod(c, m) {
			return made, fmt.Errorf("add method %d to the class %s", i+1, spec.name)
		}
	}
	k.register(c)
	made.class = c
	return made, nil
}
