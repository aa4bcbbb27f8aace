package schema

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haltonlabs/halton-meter-bar/status"
)

var update = flag.Bool("update", false, "rewrite docs/status.schema.json from the Go types")

const committed = "../../docs/status.schema.json"

// frozen is the first published v1: what every later v1 must keep.
const frozen = "testdata/status-v1.json"

// TestSchemaUpToDate: the committed schema is what the Go types give;
// `make schema` rewrites it after an intended change.
func TestSchemaUpToDate(t *testing.T) {
	got, err := Generate("..")
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(committed, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/status.schema.json is not what the Go types give: run make schema and look at the diff")
	}
}

// TestSchemaAdditive: within v1, the schema only grows. A field removed or
// renamed in the Go types, a type changed, a required field made optional
// or an enum value dropped fails here, whatever docs/status.schema.json
// says: that is v2, a new schema name.
func TestSchemaAdditive(t *testing.T) {
	if status.Schema != "halton-meter-bar/status/v1" {
		t.Skipf("%s is a new version: freeze its first schema in testdata", status.Schema)
	}
	old, err := os.ReadFile(frozen)
	if err != nil {
		t.Fatal(err)
	}
	now, err := Generate("..")
	if err != nil {
		t.Fatal(err)
	}
	before, err := Properties(old)
	if err != nil {
		t.Fatal(err)
	}
	after, err := Properties(now)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) < 50 {
		t.Fatalf("the frozen schema has %d properties: not a schema of the report", len(before))
	}
	if breaks := Breaks(before, after); len(breaks) > 0 {
		t.Errorf("the schema lost what v1 promised:\n%s", strings.Join(breaks, "\n"))
	}
}

// TestBreaks: each kind of change the additive test must catch is caught,
// and growth is not.
func TestBreaks(t *testing.T) {
	older := map[string]Property{
		"Report.overall": {Type: "string", Required: true, Enum: []string{"healthy", "down"}},
		"Report.version": {Type: "string", Required: true},
		"Job.pid":        {Type: "integer|null", Required: true},
	}
	grown := map[string]Property{
		"Report.overall": {Type: "string", Required: true, Enum: []string{"healthy", "down", "sleeping"}},
		"Report.version": {Type: "string", Required: true},
		"Job.pid":        {Type: "integer|null", Required: true},
		"Report.schema":  {Type: "string", Required: true},
	}
	if b := Breaks(older, grown); len(b) != 0 {
		t.Errorf("growth reported as breaks: %q", b)
	}
	broken := map[string]Property{
		"Report.overall": {Type: "string", Required: true, Enum: []string{"healthy"}},
		"Report.version": {Type: "string", Required: false},
		"Job.pid":        {Type: "integer", Required: true},
	}
	want := []string{`Job.pid: type integer, was integer|null`, `Report.overall: value "down" gone`, `Report.version: no longer required`}
	if b := Breaks(older, broken); strings.Join(b, "\n") != strings.Join(want, "\n") {
		t.Errorf("breaks %q, want %q", b, want)
	}
	delete(broken, "Report.version")
	if b := Breaks(older, broken); !strings.Contains(strings.Join(b, "\n"), "Report.version: removed") {
		t.Errorf("a removal not reported: %q", b)
	}
}

// TestGoldensValidate: every golden report, and the report of every verdict
// the engine's tests pin, is valid under the committed schema; and the
// schema is not a rubber stamp.
func TestGoldensValidate(t *testing.T) {
	v := committedValidator(t)
	files, _ := filepath.Glob("../testdata/golden/*.json")
	if len(files) < 5 {
		t.Fatalf("%d golden files", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Validate(b); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
	}
	good, _ := os.ReadFile(files[0])
	for name, bad := range map[string]string{
		"an unknown verdict":   strings.Replace(string(good), `"overall": "`, `"overall": "sleeping-`, 1),
		"a level that is none": strings.Replace(string(good), `"level": "`, `"level": "meh-`, 1),
		"no components":        strings.Replace(string(good), `"components"`, `"komponents"`, 1),
		"a string PID":         strings.Replace(string(good), `"pid": `, `"pid": "12"`+`, "pid_was": `, 1),
		"another schema":       strings.Replace(string(good), status.Schema, "halton-meter-bar/status/v0", 1),
	} {
		if bad == string(good) {
			t.Fatalf("%s: the golden file has nothing to break", name)
		}
		if err := v.Validate([]byte(bad)); err == nil {
			t.Errorf("%s passed the schema", name)
		}
	}
}

func committedValidator(t *testing.T) *Validator {
	t.Helper()
	doc, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	v, err := Compile(doc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
