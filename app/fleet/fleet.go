// Package fleet is what fleet tools read of a report: the Prometheus text
// format (for node_exporter's textfile collector and anything that scrapes
// it), a Jamf Pro extension attribute, and the status files the tray keeps
// for osquery, Kolide, Munki and scripts, each written atomically. It has
// no GUI and no cgo.
package fleet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"howett.net/plist"

	"github.com/haltonlabs/halton-meter-bar/internal/atomicfile"
	"github.com/haltonlabs/halton-meter-bar/status"
)

// Files the status is kept in.
const (
	StatusJSON  = "status.json"       // the --json object
	StatusPlist = "status.plist"      // a flat summary: osquery's plist table, defaults read
	Textfile    = "halton_meter.prom" // node_exporter's textfile collector
)

// Jamf writes a Jamf Pro extension attribute's answer: the verdict.
func Jamf(w io.Writer, r status.Report) error {
	_, err := fmt.Fprintf(w, "<result>%s</result>\n", r.Overall)
	return err
}

// Key is what a change of the report means to a reader of --watch or the
// status files: the verdict and every row as the tray shows them, and of
// metering its state and today's figures (not the age of the last
// request, which moves with the clock).
func Key(r status.Report) string {
	k := r.Fingerprint(status.CompMetering) + "|metering=" + string(r.Metering.State)
	if c, ok := r.Row(status.CompMetering); ok {
		k += "/" + string(c.Level) + "/" + c.NextStep
	}
	if t := r.Metering.Today; t != nil {
		k += fmt.Sprintf("/%d/%d", t.Requests, t.CostUSD)
	}
	return k
}

// WriteStatus writes status.json (the --json object) and status.plist (a
// flat summary) into dir, readable by every user: a fleet agent runs as
// root or as another user. The two are written apart: one failing does
// not keep the other from being written.
func WriteStatus(dir string, r status.Report) error {
	d, err := atomicfile.OpenDir(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return errors.Join(writeStatusJSON(d, r), writeStatusPlist(d, r))
}

func writeStatusJSON(d *atomicfile.Dir, r status.Report) error {
	j, err := status.MarshalJSON(r, true)
	if err != nil {
		return fmt.Errorf("%s: %w", StatusJSON, err)
	}
	return d.Write(StatusJSON, j, 0o644)
}

func writeStatusPlist(d *atomicfile.Dir, r status.Report) error {
	p, err := plist.MarshalIndent(Summary(r), plist.XMLFormat, "\t")
	if err != nil {
		return fmt.Errorf("encode %s: %w", StatusPlist, err)
	}
	return d.Write(StatusPlist, p, 0o644)
}

// Summary is the flat summary of status.plist: one key per fact a fleet
// query asks about, every value a string (osquery's plist table gives
// strings).
func Summary(r status.Report) map[string]string {
	s := map[string]string{
		"schema":         r.Schema,
		"overall":        string(r.Overall),
		"level":          string(r.Level),
		"headline":       r.Headline,
		"checked_at":     r.CheckedAt.UTC().Format("2006-01-02T15:04:05Z"),
		"version":        r.Version,
		"install_mode":   r.InstallMode,
		"bar_version":    r.BarVersion,
		"metering_state": string(r.Metering.State),
	}
	for _, c := range r.Components {
		s["component."+string(c.Name)] = string(c.State)
	}
	if t := r.Metering.Today; t != nil {
		s["today_requests"] = strconv.Itoa(t.Requests)
		s["today_cost_usd"] = t.CostUSD.Decimal()
	}
	if r.Metering.LastRequestAt != nil {
		s["last_request_at"] = r.Metering.LastRequestAt.UTC().Format("2006-01-02T15:04:05Z")
	}
	if r.User != nil {
		s["user"] = r.User.Name
	}
	return s
}

// WriteTextfile writes the Prometheus text of r to dir/halton_meter.prom,
// atomically, as node_exporter's textfile collector wants.
func WriteTextfile(dir string, r status.Report) error {
	d, err := atomicfile.OpenDir(dir)
	if err != nil {
		return fmt.Errorf("%s: %w", Textfile, err)
	}
	defer d.Close()
	return WriteTextfileIn(d, r)
}

// WriteTextfileIn writes halton_meter.prom into the folder d, opened
// before: never into another folder since put at its path.
func WriteTextfileIn(d *atomicfile.Dir, r status.Report) error {
	var b bytes.Buffer
	if err := Prometheus(&b, r); err != nil {
		return err
	}
	return d.Write(Textfile, b.Bytes(), 0o644)
}
