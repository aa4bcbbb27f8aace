//go:build darwin

package macos

import (
	"fmt"
	"unsafe"

	"github.com/ebitengine/purego/objc"

	"github.com/haltonlabs/halton-meter-bar/app/desktop"
)

// mainApp is SMAppService.mainAppService: the app itself as its login
// item, listed by name and icon under Open at Login.
type mainApp struct{}

// NewMainApp is the app's own login item: macOS 13 and later, from the
// bundle. On macOS 12 (no SMAppService) or for a bare binary it fails,
// and Start at Login stays a LaunchAgent.
func NewMainApp() (desktop.AppService, error) {
	if err := load(); err != nil {
		return nil, err
	}
	if class(clsAppService) == 0 {
		return nil, ErrUnavailable
	}
	if BundleID() == "" {
		return nil, ErrNoBundle
	}
	return mainApp{}, nil
}

func (mainApp) service() objc.ID { return send(class(clsAppService), selMainAppService) }

// Status is the registration's state, as System Settings shows it.
func (a mainApp) Status() desktop.LoginState {
	var s int
	withPool(func() { s = sendInt(a.service(), selStatus) })
	switch s {
	case serviceEnabled.Value:
		return desktop.LoginOn
	case serviceApproval.Value:
		return desktop.LoginNeedsApproval
	case serviceNotRegistered.Value, serviceNotFound.Value:
		return desktop.LoginOff
	}
	return desktop.LoginOff
}

// Register makes the app open at login.
func (a mainApp) Register() error { return a.call(selRegister, "register") }

// Unregister stops it; the running app goes on.
func (a mainApp) Unregister() error { return a.call(selUnregister, "unregister") }

// call sends one of the two messages that answer YES or NO and an NSError.
func (a mainApp) call(selector, verb string) error {
	var err error
	withPool(func() {
		var nserr objc.ID
		if !sendBool(a.service(), selector, unsafe.Pointer(&nserr)) {
			err = nsError(nserr)
			if err == nil {
				err = fmt.Errorf("refused")
			}
		}
	})
	if err != nil {
		return fmt.Errorf("%s the app as a login item: %w", verb, err)
	}
	return nil
}
