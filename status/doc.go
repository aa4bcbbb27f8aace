// Package status is the Halton Meter status engine: it probes every component
// of a local Halton Meter install concurrently under one deadline and returns
// a Report with one row per component, each with a state, a level, a detail
// and a next step, plus the overall verdict.
//
// The engine is split in two halves so that the rules can be tested without
// any I/O:
//
//   - probes (launchd.go, files.go, proxy.go, net.go) gather Facts: what
//     launchctl said, what the files hold, which ports accept, what /health
//     answered, how each network service's proxy is set;
//   - Evaluate (rules.go) turns Facts into a Report, by the rules of the
//     project's DESIGN.md §2.
//
// Check runs both. Every probe has its own timeout below the sweep's
// deadline, and Check returns at the deadline whatever is still running, so a
// hung launchctl or a /health that never answers yields an unknown row, never
// a hung sweep.
//
// The engine has no GUI and no cgo: it builds with CGO_ENABLED=0 for darwin
// and linux. It reads bounded amounts from every file, never opens
// cloud-credentials.json, runs commands by absolute path without a shell, and
// talks only to 127.0.0.1.
package status
