package status

import (
	"slices"

	"github.com/haltonlabs/halton-meter-bar/internal/text"
)

// Printable returns a copy of r fit for a terminal, a menu, a window or a
// notification: every text that came from a file, a tool or a listener
// (a network service's name, a proxy host, launchctl's complaint) has its
// control characters escaped (internal/text.Safe), so none can retitle a
// terminal, clear a screen or forge a row. --json writes the report as it
// is: JSON escapes them itself.
func Printable(r Report) Report {
	s := text.Safe
	r.Version, r.InstallMode, r.Headline = s(r.Version), s(r.InstallMode), s(r.Headline)
	r.VersionSource, r.HaltonHome, r.BarVersion = s(r.VersionSource), s(r.HaltonHome), s(r.BarVersion)
	r.Components = slices.Clone(r.Components)
	for i, c := range r.Components {
		c.Name, c.State, c.Detail, c.NextStep, c.CausedBy = safe(c.Name), safe(c.State), s(c.Detail), s(c.NextStep), safe(c.CausedBy)
		r.Components[i] = c
	}
	r.Warnings = slices.Clone(r.Warnings)
	for i, w := range r.Warnings {
		r.Warnings[i] = s(w)
	}
	r.Ports.Problem = s(r.Ports.Problem)
	r.SystemProxy.SourceNote = s(r.SystemProxy.SourceNote)
	r.SystemProxy.Services = slices.Clone(r.SystemProxy.Services)
	for i, svc := range r.SystemProxy.Services {
		svc.Name, svc.Secure.Server = s(svc.Name), s(svc.Secure.Server)
		if svc.Web != nil {
			web := *svc.Web
			web.Server = s(web.Server)
			svc.Web = &web
		}
		r.SystemProxy.Services[i] = svc
	}
	if r.User != nil {
		u := *r.User
		u.Name = s(u.Name)
		r.User = &u
	}
	return r
}

// safe is text.Safe for a string of the engine's own types.
func safe[T ~string](v T) T { return T(text.Safe(string(v))) }
