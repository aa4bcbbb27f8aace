//go:build darwin

package macos

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
	theCenter   atomic.Pointer[center]
	centerOnce  sync.Once
	errCenter   error
	delegateCls objc.Class
)

// NewCenter is the app's UNUserNotificationCenter, its delegate set, so
// that a click on an alert reaches the app even before the menu is up.
// It fails for a bare binary (no bundle identifier), which macOS would
// end for asking.
func NewCenter() (alert.Center, error) {
	centerOnce.Do(func() {
		if errCenter = load(); errCenter != nil {
			return
		}
		if BundleID() == "" {
			errCenter = ErrNoBundle
			return
		}
		if errCenter = registerDelegate(); errCenter != nil {
			return
		}
		c := &center{}
		withPool(func() {
			c.un = send(class(clsCenter), selCurrentCenter)
			c.delegate = send(objc.ID(delegateCls), selNew)
			send(c.un, selSetDelegate, c.delegate)
		})
		theCenter.Store(c)
	})
	if errCenter != nil {
		return nil, errCenter
	}
	return theCenter.Load(), nil
}

// registerDelegate makes the class of the center's delegate: alerts show
// while the app is in front too (banner and list, and the sound of those
// that have one), and a click or a button is handed to the app.
func registerDelegate() error {
	cls, err := objc.RegisterClass("HaltonMeterBarAlertDelegate", objc.GetClass(clsNSObject),
		[]*objc.Protocol{objc.GetProtocol(protoCenterDelegate)}, nil,
		[]objc.MethodDef{
			{Cmd: sel(selWillPresent), Fn: willPresent},
			{Cmd: sel(selDidReceive), Fn: didReceive},
		})
	if err != nil {
		return fmt.Errorf("notification delegate: %w", err)
	}
	delegateCls = cls
	return nil
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
	withPool(func() {
		request := send(send(response, selNotification), selRequest)
		r.AlertID = goString(send(request, selIdentifier))
		r.Thread = goString(send(send(request, selContent), selThreadIdentifier))
		// The system's own identifiers (the click on the alert itself)
		// are com.apple.UNNotification…; a button's is one of ours.
		if b := goString(send(response, selActionIdentifier)); !strings.HasPrefix(b, "com.apple.") {
			r.Button = b
		}
	})
	if c := theCenter.Load(); c != nil {
		c.mu.Lock()
		fn := c.handle
		c.mu.Unlock()
		if fn != nil {
			go fn(r)
		}
	}
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
