package present

import (
	"cmp"

	"github.com/haltonlabs/halton-meter-bar/app/alert"
	"github.com/haltonlabs/halton-meter-bar/internal/text"
)

// PosterName names who posts the app's alerts: "macOS notifications",
// "Script Editor (the app is not running from its bundle)".
func PosterName(p alert.Poster) string {
	switch p.Kind {
	case alert.PosterNative:
		return "macOS notifications"
	case alert.PosterDesktop:
		return "desktop notifications"
	}
	name := cmp.Or(p.Name, "a script")
	if p.Reason != "" {
		name += " (" + p.Reason + ")"
	}
	return name
}

// AlertsLine is the menu's line that names the poster ("Alerts: macOS
// notifications"), or says that the system shows none of the app's
// alerts, where to turn them on.
func AlertsLine(p alert.Poster, off bool) string {
	if off {
		return "Alerts: off in System Settings — Open…"
	}
	return "Alerts: " + PosterName(p)
}

// StandIn says what it means when a weaker poster stands in because the
// native center could not start; "" when none does. The error itself is
// in the log and in Copy Diagnostics (StandInProblem).
func StandIn(p alert.Poster) string {
	if p.Problem == "" {
		return ""
	}
	return "macOS notifications could not start: alerts come from " + cmp.Or(p.Name, "a script") +
		", without buttons, and stay after a fix. Tried again at the next alert."
}

// StandInProblem is why the native center could not start, for a tooltip
// or a report: "" when it did.
func StandInProblem(p alert.Poster) string {
	return text.Safe(text.Clip(p.Problem, 200))
}
