//go:build darwin

package macos

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
	"github.com/ebitengine/purego/objc"

	"github.com/haltonlabs/halton-meter-bar/internal/text"
)

// maxString bounds a string read back from the system: identifiers and
// error messages are a line at most.
const maxString = 512

var (
	loadOnce sync.Once
	errLoad  error
	sels     map[string]objc.SEL
	memcpy   uintptr // libSystem's, to read a block's function pointer

	// The runtime's functions that make a class (Functions).
	allocateClassPair func(super objc.Class, name string, extraBytes uintptr) objc.Class
	registerClassPair func(cls objc.Class)
	disposeClassPair  func(cls objc.Class)

	// systemActions are the values of Symbols, by name.
	systemActions map[string]string
)

// load opens the frameworks, finds the runtime's functions and the
// system's action identifiers, and registers every selector of Surface,
// once.
func load() error {
	loadOnce.Do(func() { errLoad = loadAll() })
	return errLoad
}

func loadAll() error {
	for _, fw := range Frameworks {
		if _, err := purego.Dlopen(fw, purego.RTLD_LAZY|purego.RTLD_GLOBAL); err != nil {
			return fmt.Errorf("load %s: %w", fw, err)
		}
	}
	var err error
	if memcpy, err = purego.Dlsym(purego.RTLD_DEFAULT, "memcpy"); err != nil {
		return fmt.Errorf("find memcpy: %w", err)
	}
	objcLib, err := purego.Dlopen(libobjc, purego.RTLD_LAZY|purego.RTLD_GLOBAL)
	if err != nil {
		return fmt.Errorf("load %s: %w", libobjc, err)
	}
	for _, f := range []struct {
		fn   any
		name string
	}{{&allocateClassPair, fnAllocateClassPair}, {&registerClassPair, fnRegisterClassPair}, {&disposeClassPair, fnDisposeClassPair}} {
		if _, err := purego.Dlsym(objcLib, f.name); err != nil {
			return fmt.Errorf("find %s: %w", f.name, err)
		}
		purego.RegisterLibFunc(f.fn, objcLib, f.name)
	}
	sels = make(map[string]objc.SEL, len(Surface))
	for _, m := range Surface {
		sels[m.Selector] = objc.RegisterName(m.Selector)
	}
	systemActions = make(map[string]string, len(Symbols))
	for _, name := range Symbols {
		v, err := stringSymbol(name)
		if err != nil {
			return err
		}
		systemActions[name] = v
	}
	return nil
}

// stringSymbol is the value of a global NSString * of a loaded framework.
func stringSymbol(name string) (string, error) {
	addr, err := purego.Dlsym(purego.RTLD_DEFAULT, name)
	if err != nil {
		return "", fmt.Errorf("find %s: %w", name, err)
	}
	var id objc.ID
	purego.SyscallN(memcpy, uintptr(unsafe.Pointer(&id)), addr, unsafe.Sizeof(id))
	var v string
	withPool(func() { v = goString(id) })
	if v == "" {
		return "", fmt.Errorf("%s is empty", name)
	}
	return v, nil
}

// sel is a selector of Surface; any other is a mistake of this package.
func sel(name string) objc.SEL {
	s, ok := sels[name]
	if !ok {
		panic("macos: selector " + name + " is not in Surface")
	}
	return s
}

// class is a class by name; 0 where this macOS lacks it.
func class(name string) objc.ID { return objc.ID(objc.GetClass(name)) }

// send sends a message of Surface that answers an object (or nothing).
func send(id objc.ID, name string, args ...any) objc.ID { return id.Send(sel(name), args...) }

// sendInt sends a message of Surface that answers an integer (NSInteger).
func sendInt(id objc.ID, name string, args ...any) int { return objc.Send[int](id, sel(name), args...) }

// sendBool sends a message of Surface that answers a BOOL.
func sendBool(id objc.ID, name string, args ...any) bool {
	return objc.Send[bool](id, sel(name), args...)
}

// withPool runs fn on one OS thread inside an autorelease pool: the
// objects the system hands back autoreleased are freed when it returns.
func withPool(fn func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pool := send(class(clsNSAutoreleasePool), selNew)
	defer send(pool, selDrain)
	fn()
}

// nsString is s as an autoreleased NSString. The engine's strings are
// printable already; a NUL would end the string early, never overrun it.
func nsString(s string) objc.ID { return send(class(clsNSString), selStringWithUTF8String, s) }

// goString is an NSString's text, bounded; "" for nil.
func goString(id objc.ID) string {
	if id == 0 {
		return ""
	}
	return text.Clip(objc.Send[string](id, sel(selUTF8String)), maxString)
}

// nsArray is an autoreleased NSArray of items.
func nsArray(items []objc.ID) objc.ID {
	if len(items) == 0 {
		return send(class(clsNSArray), selArrayWithObjects, unsafe.Pointer(nil), uint(0))
	}
	return send(class(clsNSArray), selArrayWithObjects, unsafe.Pointer(&items[0]), uint(len(items)))
}

// nsStrings is an autoreleased NSArray of NSStrings.
func nsStrings(ss []string) objc.ID {
	items := make([]objc.ID, len(ss))
	for i, s := range ss {
		items[i] = nsString(s)
	}
	return nsArray(items)
}

// nsError is err's localized description as a Go error; nil for nil.
func nsError(err objc.ID) error {
	if err == 0 {
		return nil
	}
	return errors.New(text.Safe(goString(send(err, selLocalizedDescription))))
}

// blockInvokeOffset is where a block keeps its function: after its isa
// pointer and two 32-bit fields (the Block ABI's Block_literal).
const blockInvokeOffset = unsafe.Sizeof(uintptr(0)) + 8

// callBlock calls a block the system gave (a completion handler) with
// args. purego's Block.Invoke calls only the blocks Go made, so the
// function is read from the block itself.
func callBlock(b objc.Block, args ...uintptr) {
	if b == 0 {
		return
	}
	var fn uintptr
	purego.SyscallN(memcpy, uintptr(unsafe.Pointer(&fn)), uintptr(b)+blockInvokeOffset, unsafe.Sizeof(fn))
	if fn == 0 {
		return
	}
	purego.SyscallN(fn, append([]uintptr{uintptr(b)}, args...)...)
}

// BundleID is the running app's bundle identifier: "" for a bare binary,
// which macOS will not let post notifications or be a login item.
func BundleID() string {
	if load() != nil {
		return ""
	}
	var id string
	withPool(func() { id = text.Safe(goString(send(send(class(clsNSBundle), selMainBundle), selBundleIdentifier))) })
	return id
}
