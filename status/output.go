package status

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// ErrEncode marks a report that could not be encoded, as opposed to an
// output that could not be written: a writer of many reports skips the
// one and goes on, where a closed output ends it.
var ErrEncode = errors.New("encode report")

// MarshalJSON encodes the report as JSON: indented, or on one line; with
// a newline at the end either way.
func MarshalJSON(r Report, indent bool) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	if indent {
		enc.SetIndent("", "  ")
	}
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrEncode, err)
	}
	return b.Bytes(), nil
}

// WriteJSON writes the report as one indented JSON object.
func WriteJSON(w io.Writer, r Report) error { return writeJSON(w, r, true) }

// WriteJSONLine writes r as one line of JSON: a line of --watch's NDJSON.
func WriteJSONLine(w io.Writer, r Report) error { return writeJSON(w, r, false) }

func writeJSON(w io.Writer, r Report, indent bool) error {
	b, err := MarshalJSON(r, indent)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// ANSI colours of the levels.
var levelColour = map[Level]string{
	LevelOK:      "\x1b[32m",
	LevelWarn:    "\x1b[33m",
	LevelCrit:    "\x1b[31m",
	LevelUnknown: "\x1b[90m",
}

const (
	ansiReset = "\x1b[0m"
	ansiDim   = "\x1b[2m"
	ansiBold  = "\x1b[1m"
)

// Column widths of the vendor's table.
const (
	colComponent = 22
	colState     = 15
	ruleWidth    = 68
)

// WriteTable writes the report in the layout of `halton-meter status`: a
// header, the component / state / detail columns under a rule, the next
// step under any row that has one, and the overall verdict. colour adds
// ANSI colours by level.
func WriteTable(w io.Writer, r Report, colour bool) error {
	r = Printable(r)
	paint := func(code, s string) string {
		if !colour || code == "" {
			return s
		}
		return code + s + ansiReset
	}
	var b strings.Builder
	version := "v" + r.Version
	if r.Version == "unknown" || r.Version == "" {
		version = "(version unknown)"
	}
	fmt.Fprintf(&b, "%s\n\n", paint(ansiBold, "halton-meter "+version+" · status"))
	fmt.Fprintf(&b, "%s%s%s\n", pad("component", colComponent), pad("state", colState), "detail")
	b.WriteString(strings.Repeat("─", ruleWidth) + "\n")
	// Pad before painting so the escapes do not skew the columns.
	cell := func(word string, level Level) string {
		return strings.Replace(pad(word, colState), word, paint(levelColour[level], word), 1)
	}
	for _, c := range r.Components {
		fmt.Fprintf(&b, "%s%s%s\n", pad(string(c.Name), colComponent), cell(string(c.State), c.Level), c.Detail)
		if c.NextStep != "" {
			fmt.Fprintf(&b, "%s%s\n", strings.Repeat(" ", colComponent), paint(ansiDim, "→ "+c.NextStep))
		}
	}
	b.WriteString(strings.Repeat("─", ruleWidth) + "\n")
	fmt.Fprintf(&b, "%s%s%s\n", pad("overall", colComponent), cell(string(r.Overall), r.Level), r.Headline)
	for _, warning := range r.Warnings {
		fmt.Fprintf(&b, "%s\n", paint(levelColour[LevelWarn], "warning: "+warning))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// pad left-aligns s in a column of width n, keeping at least one space.
func pad(s string, n int) string {
	l := utf8.RuneCountInString(s)
	if l >= n {
		return s + " "
	}
	return s + strings.Repeat(" ", n-l)
}
