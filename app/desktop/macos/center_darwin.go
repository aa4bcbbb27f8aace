//go:build darwin

package macos

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/ebitengine/purego/objc"

	"github.com/haltonlabs/halton-meter-bar/app/alert"
)

// center is UNUserNotificationCenter as an alert.Center. macOS has one
// per app, so there is one per process.
type center struct {
	un       objc.ID // [UNUserNotificationCenter currentNotificationCenter]
	delegate objc.ID // ours; the center holds it weakly, so it is never freed

	mu     sync.Mutex
	handle func(alert.Response)
}

var (
	// startMu is held while the center starts: a start that failed is
	// tried again by the next call, never two at once.
	startMu     sync.Mutex
	theCenter   atomic.Pointer[center]
	delegateCls objc.Class // registered once for the life of the process

	// getProtocol is the runtime's objc_getProtocol: nil unless a loaded
	// image carries the protocol's record. A test answers nil.
	getProtocol = objc.GetProtocol
)

// NewCenter is the app's UNUserNotificationCenter, its delegate set, so
// that a click on an alert reaches the app even before the menu is up.
// It fails for a bare binary (no bundle identifier: ErrNoBundle), which
// macOS would end for asking. A call after a failure tries again: what a
// failed try made is undone, or kept to be used (the delegate's class).
func NewCenter() (alert.Center, error) {
	startMu.Lock()
	defer startMu.Unlock()
	if c := theCenter.Load(); c != nil {
		return c, nil
	}
	if err := load(); err != nil {
		return nil, err
	}
	if BundleID() == "" {
		return nil, ErrNoBundle
	}
	if err := registerDelegate(); err != nil {
		return nil, err
	}
	c := &center{}
	withPool(func() {
		c.un = send(class(clsCenter), selCurrentCenter)
		if c.un == 0 {
			return
		}
		c.delegate = send(objc.ID(delegateCls), selNew)
		send(c.un, selSetDelegate, c.delegate)
	})
	if c.un == 0 || c.delegate == 0 {
		return nil, errors.New("no notification center for the app")
	}
	theCenter.Store(c)
	return c, nil
}

// method is one method of a class this package makes: its selector, its
// function and the runtime's type encoding of it.
type method struct {
	sel   string
	fn    any
	types string
}

// delegateMethods are the delegate's: alerts show while the app is in
// front too (banner and list, and the sound of those that have one), and
// a click or a button is handed to the app.
var delegateMethods = []method{
	{selWillPresent, willPresent, encDelegateMethod},
	{selDidReceive, didReceive, encDelegateMethod},
}

// registerDelegate makes the class of the center's delegate, once it
// works: a failed try leaves nothing behind, and the next makes it anew.
func registerDelegate() error {
	if delegateCls != 0 {
		return nil
	}
	made, err := makeClass[objc.Class, *objc.Protocol, method](runtimeKit{}, classSpec[method]{
		name: delegateClassName, super: clsNSObject, protocols: []string{protoCenterDelegate}, methods: delegateMethods,
	})
	if err != nil {
		return fmt.Errorf("notification delegate: %w", err)
	}
	delegateCls = made.class
	return nil
}

// runtimeKit is the Objective-C runtime as makeClass drives it.
type runtimeKit struct{}

func (runtimeKit) allocate(super, name string) objc.Class {
	return allocateClassPair(objc.GetClass(super), name, 0)
}

func (runtimeKit) protocol(name string) *objc.Protocol { return getProtocol(name) }

func (runtimeKit) addProtocol(c objc.Class, p *objc.Protocol) bool { return c.AddProtocol(p) }

func (runtimeKit) addMethod(c objc.Class, m method) bool {
	imp, ok := impOf(m)
	return ok && c.AddMethod(sel(m.sel), imp, m.types)
}

func (runtimeKit) register(c objc.Class) { registerClassPair(c) }

func (runtimeKit) dispose(c objc.Class) { disposeClassPair(c) }

// imps are the functions made callable from Objective-C, once each: the
// runtime has room for a bounded number of them and never frees one, so a
// class made again reuses them.
var (
	impsMu sync.Mutex
	imps   = make(map[string]objc.IMP)
)

// impOf is m's function as an IMP; false when purego cannot make one.
func impOf(m method) (imp objc.IMP, ok bool) {
	impsMu.Lock()
	defer impsMu.Unlock()
	if imp, ok := imps[m.sel]; ok {
		return imp, true
	}
	defer func() {
		if recover() != nil {
			imp, ok = 0, false
		}
	}()
	imp = objc.NewIMP(m.fn)
	imps[m.sel] = imp
	return imp, true
}

func willPresent(_ objc.ID, _ objc.SEL, _, _ objc.ID, handler objc.Block) {
	callBlock(handler, uintptr(presentBanner.Value|presentList.Value|presentSound.Value))
}

// didReceive reads what it needs of the response while the system holds
// it, hands it to the app on another goroutine (nothing here touches the
// menu or a window), and tells the system it is done.
func didReceive(_ objc.ID, _ objc.SEL, _, response objc.ID, handler objc.Block) {
	defer callBlock(handler)
	var r alert.Response
	dismissed := false
	withPool(func() {
		request := send(send(response, selNotification), selRequest)
		r.AlertID = goString(send(request, selIdentifier))
		r.Thread = goString(send(send(request, selContent), selThreadIdentifier))
		r.Button, dismissed = responseButton(goString(send(response, selActionIdentifier)))
	})
	if dismissed {
		return // the user closed it: nothing to do
	}
	if c := theCenter.Load(); c != nil {
		c.mu.Lock()
		fn := c.handle
		c.mu.Unlock()
		if fn != nil {
			go fn(r)
		}
	}
}

// responseButton is the button a response's action identifier names: ""
// for a click on the alert itself (the system's default action), and
// dismissed for the system's dismissal, both compared by value with the
// framework's own identifiers; anything else is a button of the app's.
func responseButton(action string) (button string, dismissed bool) {
	switch action {
	case systemActions[symDefaultAction]:
		return "", false
	case systemActions[symDismissAction]:
		return "", true
	}
	return action, false
}

func (c *center) Handle(fn func(alert.Response)) {
	c.mu.Lock()
	c.handle = fn
	c.mu.Unlock()
}

// wait waits for a completion handler's answer, or for ctx.
func wait[T any](ctx context.Context, ch <-chan T) (T, error) {
	select {
	case v := <-ch:
		return v, nil
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// Authorize asks for alerts and their sound. macOS asks the user the
// first time only and keeps the answer.
func (c *center) Authorize(ctx context.Context) error {
	done := make(chan error, 1)
	block := objc.NewBlock(func(_ objc.Block, granted bool, err objc.ID) {
		switch e := nsError(err); {
		case e != nil:
			done <- fmt.Errorf("notifications not allowed: %w", e)
		case !granted:
			done <- errors.New("notifications not allowed")
		default:
			done <- nil
		}
	})
	defer block.Release()
	withPool(func() { send(c.un, selRequestAuth, uint(authOptionAlert.Value|authOptionSound.Value), block) })
	err, werr := wait(ctx, done)
	if werr != nil {
		return fmt.Errorf("ask to allow notifications: %w", werr)
	}
	return err
}

// Permission reads the app's notification settings: off when the user
// denied them or turned alerts off, unknown before they were asked.
func (c *center) Permission(ctx context.Context) (alert.Permission, error) {
	done := make(chan alert.Permission, 1)
	block := objc.NewBlock(func(_ objc.Block, settings objc.ID) {
		status, alerts := sendInt(settings, selAuthorizationState), sendInt(settings, selAlertSetting)
		switch {
		case status == authDenied.Value || alerts == settingDisabled.Value:
			done <- alert.PermissionOff
		case status == authNotDetermined.Value:
			done <- alert.PermissionUnknown
		default:
			done <- alert.PermissionOn
		}
	})
	defer block.Release()
	withPool(func() { send(c.un, selGetSettings, block) })
	p, err := wait(ctx, done)
	if err != nil {
		return alert.PermissionUnknown, fmt.Errorf("read the notification settings: %w", err)
	}
	return p, nil
}

// SetCategories registers the alerts' buttons.
func (c *center) SetCategories(_ context.Context, categories []alert.Category) error {
	withPool(func() {
		var cats []objc.ID
		for _, cat := range categories {
			var buttons []objc.ID
			for _, b := range cat.Buttons {
				opts := uint(0)
				if b.Foreground {
					opts = uint(actionForeground.Value)
				}
				buttons = append(buttons, send(class(clsAction), selActionWith, nsString(b.ID), nsString(b.Title), opts))
			}
			cats = append(cats, send(class(clsCategory), selCategoryWith, nsString(cat.ID), nsArray(buttons), nsArray(nil), uint(0)))
		}
		send(c.un, selSetCategories, send(class(clsNSSet), selSetWithArray, nsArray(cats)))
	})
	return nil
}

// Post adds a to Notification Center; one of the same ID is replaced.
func (c *center) Post(ctx context.Context, a alert.Alert) error {
	done := make(chan error, 1)
	block := objc.NewBlock(func(_ objc.Block, err objc.ID) { done <- nsError(err) })
	defer block.Release()
	withPool(func() {
		content := send(send(class(clsContent), selNew), selAutorelease)
		send(content, selSetTitle, nsString(a.Title))
		send(content, selSetBody, nsString(a.Body))
		if a.Thread != "" {
			send(content, selSetThread, nsString(a.Thread))
		}
		if a.Category != "" {
			send(content, selSetCategory, nsString(a.Category))
		}
		if a.Sound {
			send(content, selSetSound, send(class(clsSound), selDefaultSound))
		}
		request := send(class(clsRequest), selRequestWith, nsString(a.ID), content, objc.ID(0))
		send(c.un, selAddRequest, request, block)
	})
	err, werr := wait(ctx, done)
	if werr != nil {
		return fmt.Errorf("post %q: %w", a.ID, werr)
	}
	if err != nil {
		return fmt.Errorf("post %q: %w", a.ID, err)
	}
	return nil
}

// Withdraw removes delivered alerts from Notification Center.
func (c *center) Withdraw(_ context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	withPool(func() { send(c.un, selRemoveDelivered, nsStrings(ids)) })
	return nil
}
