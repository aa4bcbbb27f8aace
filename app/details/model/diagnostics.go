package model

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/haltonlabs/halton-meter-bar/app/details/wire"
	"github.com/haltonlabs/halton-meter-bar/app/present"
	"github.com/haltonlabs/halton-meter-bar/internal/text"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// maxTransitions is how many transitions a diagnostics report lists.
const maxTransitions = 25

// Diagnostics is the plain-text report Copy Diagnostics puts on the
// clipboard. It is private by construction: it holds only what the status
// rows already show (versions, states, details, ports, the proxy's source
// and services) and the row history, never a file's contents, the
// environment or a credential.
func Diagnostics(msg wire.Message, now time.Time, osDesc string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Halton Meter Bar diagnostics, %s\n", now.UTC().Format(time.RFC3339))
	if msg.Report == nil {
		b.WriteString("No status yet.\n")
		return b.String()
	}
	safe := status.Printable(*msg.Report)
	r := &safe
	fmt.Fprintf(&b, "App: halton-meter-bar %s\n", r.BarVersion)
	fmt.Fprintf(&b, "Halton Meter: %s (version from %s), install mode %s\n", r.Version, r.VersionSource, r.InstallMode)
	fmt.Fprintf(&b, "OS: %s\n", osDesc)
	fmt.Fprintf(&b, "Overall: %s — %s\n", r.Overall, r.Headline)
	fmt.Fprintf(&b, "Checked: %s (%s before this report, sweep %.1f ms, %d processes)\n\n",
		r.CheckedAt.UTC().Format(time.RFC3339), text.Duration(now.Sub(r.CheckedAt)), r.Sweep.DurationMS, r.Sweep.Spawned)

	b.WriteString("Components\n")
	for _, c := range r.Components {
		since := ""
		if pts := msg.History[c.Name]; len(pts) > 0 {
			since = "since " + pts[len(pts)-1].At.UTC().Format("15:04:05")
		}
		fmt.Fprintf(&b, "  %-20s %-14s %-7s %s  %s\n", c.Name, c.State, c.Level, since, c.Detail)
		if c.NextStep != "" {
			fmt.Fprintf(&b, "  %-20s next: %s\n", "", c.NextStep)
		}
	}

	type transition struct {
		at        time.Time
		component status.ComponentName
		from, to  wire.Point
	}
	var ts []transition
	for comp, pts := range msg.History {
		for i := 1; i < len(pts); i++ {
			ts = append(ts, transition{pts[i].At, comp, pts[i-1], pts[i]})
		}
	}
	sort.Slice(ts, func(i, j int) bool {
		if !ts[i].at.Equal(ts[j].at) {
			return ts[i].at.After(ts[j].at)
		}
		return ts[i].component < ts[j].component
	})
	b.WriteString("\nLast transitions (newest first)\n")
	if len(ts) == 0 {
		b.WriteString("  none in the window\n")
	}
	for i, t := range ts {
		if i == maxTransitions {
			fmt.Fprintf(&b, "  … and %d earlier\n", len(ts)-maxTransitions)
			break
		}
		fmt.Fprintf(&b, "  %s  %-20s %s → %s  %s\n", t.at.UTC().Format("15:04:05"), text.Safe(string(t.component)), text.Safe(string(t.from.State)), text.Safe(string(t.to.State)), text.Safe(t.to.Detail))
	}

	fmt.Fprintf(&b, "\nPorts: edge %d, internal %d, api %d (from %s)\n", r.Ports.Edge, r.Ports.Internal, r.Ports.API, r.Ports.Source)
	src := r.SystemProxy.Source
	if r.SystemProxy.SourceNote != "" {
		src += "; " + r.SystemProxy.SourceNote
	}
	fmt.Fprintf(&b, "System proxy: %s, read from %s\n", r.SystemProxy.State, src)
	for _, s := range r.SystemProxy.Services {
		proxy := "off"
		if s.Secure.Enabled {
			proxy = fmt.Sprintf("%s:%d (%s)", s.Secure.Server, s.Secure.Port, s.Owner)
		}
		enabled := ""
		if !s.Enabled {
			enabled = " (service disabled)"
		}
		fmt.Fprintf(&b, "  %s%s: secure web proxy %s\n", s.Name, enabled, proxy)
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "Warning: %s\n", w)
	}
	if p := msg.Poster; p != nil && msg.Alerts {
		fmt.Fprintf(&b, "Alerts: posted by %s\n", text.Safe(present.PosterName(p.Alert())))
		if p.Problem != "" {
			fmt.Fprintf(&b, "Alerts: macOS notifications could not start: %s\n", present.StandInProblem(p.Alert()))
		}
	}
	if msg.AlertsOff {
		b.WriteString("Alerts: off in System Settings\n")
	}
	if len(msg.Muted) > 0 {
		muted := make([]string, len(msg.Muted))
		for i, m := range msg.Muted {
			muted[i] = text.Safe(string(m))
		}
		fmt.Fprintf(&b, "Alerts muted for: %s\n", strings.Join(muted, ", "))
	}
	return b.String()
}
