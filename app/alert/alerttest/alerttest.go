// Package alerttest is an alert.Center for tests: it records what is
// posted, withdrawn and declared, and answers as the user would (Click).
package alerttest

import (
	"context"
	"slices"
	"sync"

	"github.com/haltonlabs/halton-meter-bar/app/alert"
)

// Center records instead of showing. The zero Center is ready.
type Center struct {
	mu         sync.Mutex
	posted     []alert.Alert
	withdrawn  []string
	categories []alert.Category
	authorized int
	permission alert.Permission
	poster     alert.Poster
	handle     func(alert.Response)
}

// SetPoster is who the center says posts its alerts from now on.
func (c *Center) SetPoster(p alert.Poster) {
	c.mu.Lock()
	c.poster = p
	c.mu.Unlock()
}

// Poster implements alert.Describer: the zero Poster until SetPoster.
func (c *Center) Poster() alert.Poster {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.poster
}

// SetPermission is what Permission answers from now on.
func (c *Center) SetPermission(p alert.Permission) {
	c.mu.Lock()
	c.permission = p
	c.mu.Unlock()
}

// Authorize counts the requests.
func (c *Center) Authorize(context.Context) error {
	c.mu.Lock()
	c.authorized++
	c.mu.Unlock()
	return nil
}

// Authorized is how many times authorization was asked.
func (c *Center) Authorized() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.authorized
}

// Permission implements alert.Center.
func (c *Center) Permission(context.Context) (alert.Permission, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.permission, nil
}

// SetCategories implements alert.Center.
func (c *Center) SetCategories(_ context.Context, categories []alert.Category) error {
	c.mu.Lock()
	c.categories = slices.Clone(categories)
	c.mu.Unlock()
	return nil
}

// Post implements alert.Center.
func (c *Center) Post(_ context.Context, a alert.Alert) error {
	c.mu.Lock()
	c.posted = append(c.posted, a)
	c.mu.Unlock()
	return nil
}

// Withdraw implements alert.Center.
func (c *Center) Withdraw(_ context.Context, ids []string) error {
	c.mu.Lock()
	c.withdrawn = append(c.withdrawn, ids...)
	c.mu.Unlock()
	return nil
}

// Handle implements alert.Center.
func (c *Center) Handle(fn func(alert.Response)) {
	c.mu.Lock()
	c.handle = fn
	c.mu.Unlock()
}

// Posted is every alert posted, in order.
func (c *Center) Posted() []alert.Alert {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.posted)
}

// Withdrawn is every ID withdrawn, in order.
func (c *Center) Withdrawn() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.withdrawn)
}

// Category is the declared category of id; ok is false for one not
// declared.
func (c *Center) Category(id string) (alert.Category, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cat := range c.categories {
		if cat.ID == id {
			return cat, true
		}
	}
	return alert.Category{}, false
}

// Shown are the alerts Notification Center would show: the last posted of
// each ID, but those withdrawn since.
func (c *Center) Shown() []alert.Alert {
	c.mu.Lock()
	defer c.mu.Unlock()
	var shown []alert.Alert
	for _, a := range c.posted {
		shown = slices.DeleteFunc(shown, func(s alert.Alert) bool { return s.ID == a.ID })
		shown = append(shown, a)
	}
	// A withdrawal counts against what was posted before it only; the
	// record keeps no order between the two, so a test withdraws last.
	return slices.DeleteFunc(shown, func(a alert.Alert) bool { return slices.Contains(c.withdrawn, a.ID) })
}

// Click answers the last alert posted with id as the user would: a click
// on it (button "") or on one of its buttons. It reports whether there was
// such an alert and a handler to tell.
func (c *Center) Click(id, button string) bool {
	c.mu.Lock()
	fn := c.handle
	var a *alert.Alert
	for i := range c.posted {
		if c.posted[i].ID == id {
			a = &c.posted[i]
		}
	}
	c.mu.Unlock()
	if a == nil || fn == nil {
		return false
	}
	fn(alert.Response{AlertID: a.ID, Thread: a.Thread, Button: button})
	return true
}
