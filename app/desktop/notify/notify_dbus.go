//go:build !darwin

package notify

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/png"

	"github.com/godbus/dbus/v5"
)

// Notify posts one notification within ctx.
func (n Notifier) Notify(ctx context.Context, title, body string) error {
	conn, err := dbus.SessionBus()
	if err != nil {
		return fmt.Errorf("notify: the session bus: %w", err)
	}
	hints := map[string]dbus.Variant{"urgency": dbus.MakeVariant(byte(1))}
	if img, ok := imageData(n.Icon); ok {
		hints["image-data"] = dbus.MakeVariant(img)
	}
	obj := conn.Object("org.freedesktop.Notifications", "/org/freedesktop/Notifications")
	call := obj.CallWithContext(ctx, "org.freedesktop.Notifications.Notify", 0,
		n.AppName, uint32(0), "", title, body, []string{}, hints, int32(-1))
	if call.Err != nil {
		return fmt.Errorf("notify: %w", call.Err)
	}
	return nil
}

// rawImage is the (iiibiiay) image of the notification spec.
type rawImage struct {
	Width, Height, RowStride int32
	HasAlpha                 bool
	BitsPerSample, Channels  int32
	Data                     []byte
}

func imageData(b []byte) (rawImage, bool) {
	if len(b) == 0 {
		return rawImage{}, false
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return rawImage{}, false
	}
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
	return rawImage{
		Width: int32(rgba.Bounds().Dx()), Height: int32(rgba.Bounds().Dy()), RowStride: int32(rgba.Stride),
		HasAlpha: true, BitsPerSample: 8, Channels: 4, Data: rgba.Pix,
	}, true
}
