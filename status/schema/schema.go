// Package schema is the JSON Schema of halton-meter-bar --json: generated
// from the engine's Go types (status.Report) with invopop/jsonschema, the
// enums of states, levels and verdicts filled in from the engine's own
// lists, and checked with santhosh-tekuri/jsonschema. docs/status.schema.json
// is what Generate writes (make schema); the tests hold it to the types and
// to the first published v1, which later versions may only add to.
package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/invopop/jsonschema"
	validator "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/haltonlabs/halton-meter-bar/status"
)

// ID is the schema's $id.
const ID = "https://haltonmeter.com/schemas/" + status.Schema + ".json"

// Generate is the JSON Schema (2020-12) of status.Report, indented, its
// descriptions the doc comments of the types in srcDir (the status
// package's source folder).
func Generate(srcDir string) ([]byte, error) {
	comments, err := docComments(srcDir, reflect.TypeOf(status.Report{}).PkgPath())
	if err != nil {
		return nil, err
	}
	r := &jsonschema.Reflector{
		// v1 only ever gains fields: a consumer's validator must accept them.
		AllowAdditionalProperties: true,
		Mapper:                    mapType,
		CommentMap:                comments,
	}
	s := r.Reflect(status.Report{})
	s.ID = ID
	s.Title = "halton-meter-bar --json"
	s.Description = "One sweep of a local Halton Meter install: the vendor's `halton-meter status --json` keys, and the rows, verdict and metering halton-meter-bar adds. Fields are only ever added within " + status.Schema + "."
	if err := nullable(s.Definitions, reflect.TypeOf(status.Report{})); err != nil {
		return nil, err
	}
	for _, e := range enums {
		def, ok := s.Definitions[e.def]
		if !ok {
			return nil, fmt.Errorf("schema: no definition %s", e.def)
		}
		p, ok := def.Properties.Get(e.prop)
		if !ok {
			return nil, fmt.Errorf("schema: %s has no property %s", e.def, e.prop)
		}
		p.Enum = e.values
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	return append(b, '\n'), nil
}

// enums are the properties whose values are a closed list, from the
// engine's own lists.
var enums = []struct {
	def, prop string
	values    []any
}{
	{"Report", "schema", anys([]string{status.Schema})},
	{"Report", "overall", anys(status.Verdicts)},
	{"Report", "install_mode", anys([]string{status.ModeEnvOnly, status.ModeApps, status.ModeFull, string(status.StateUnknown), string(status.StateNotInstalled)})},
	{"Component", "component", anys(status.ComponentOrder)},
	{"Component", "state", anys(status.RowStates)},
	{"Metering", "state", anys([]status.State{status.MeteringLive, status.MeteringIdle, status.MeteringNot, status.StateUnknown})},
	{"ProxyService", "owner", anys([]string{status.OwnerNone, status.OwnerHalton, status.OwnerForeign})},
}

func anys[T any](vs []T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

// mapType gives the engine's own scalar types their JSON shapes.
func mapType(t reflect.Type) *jsonschema.Schema {
	switch t {
	case reflect.TypeOf(status.Level("")):
		return &jsonschema.Schema{Type: "string", Enum: anys(status.Levels)}
	case reflect.TypeOf(status.USD(0)):
		return &jsonschema.Schema{Type: "number", Description: "US dollars, exact to the daemon's 1/100,000"}
	}
	return nil
}

// nullable lets the pointer fields that are always written (no omitempty)
// be null, as encoding/json writes a nil pointer: a PID of a job that does
// not run, today's figures when the daemon gave none. Fields of embedded
// structs count for the struct that embeds them.
func nullable(defs jsonschema.Definitions, root reflect.Type) error {
	pkg := root.PkgPath()
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type) error
	walk = func(t reflect.Type) error {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] || t.PkgPath() != pkg {
			return nil
		}
		seen[t] = true
		for _, f := range reflect.VisibleFields(t) {
			if err := walk(f.Type); err != nil {
				return err
			}
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous || name == "" || name == "-" || f.Type.Kind() != reflect.Pointer || strings.Contains(opts, "omitempty") {
				continue
			}
			def, ok := defs[t.Name()]
			if !ok {
				return fmt.Errorf("schema: no definition %s", t.Name())
			}
			p, ok := def.Properties.Get(name)
			if !ok {
				return fmt.Errorf("schema: %s has no property %s", t.Name(), name)
			}
			def.Properties.Set(name, &jsonschema.Schema{OneOf: []*jsonschema.Schema{p, {Type: "null"}}})
		}
		return nil
	}
	return walk(root)
}

// docComments are the doc comments of dir's exported types and their
// fields, keyed as invopop/jsonschema's CommentMap wants: "pkg.Type" and
// "pkg.Type.Field". Only the first sentence is kept.
func docComments(dir, pkg string) (map[string]string, error) {
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	out := map[string]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				if !ts.Name.IsExported() {
					continue
				}
				text := ts.Doc.Text()
				if text == "" && len(gd.Specs) == 1 {
					text = gd.Doc.Text()
				}
				out[pkg+"."+ts.Name.Name] = firstSentence(text)
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				for _, field := range st.Fields.List {
					text := field.Doc.Text()
					if text == "" {
						text = field.Comment.Text()
					}
					for _, n := range field.Names {
						if text != "" {
							out[pkg+"."+ts.Name.Name+"."+n.Name] = firstSentence(text)
						}
					}
				}
			}
		}
	}
	return out, nil
}

// firstSentence is a comment's first sentence, on one line.
func firstSentence(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if i := strings.Index(text, ". "); i >= 0 {
		text = text[:i+1]
	}
	return text
}

// Validator checks documents against a schema.
type Validator struct{ s *validator.Schema }

// Compile makes a Validator of a schema document (docs/status.schema.json).
func Compile(doc []byte) (*Validator, error) {
	v, err := validator.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("read the schema: %w", err)
	}
	c := validator.NewCompiler()
	if err := c.AddResource(ID, v); err != nil {
		return nil, fmt.Errorf("load the schema: %w", err)
	}
	s, err := c.Compile(ID)
	if err != nil {
		return nil, fmt.Errorf("compile the schema: %w", err)
	}
	return &Validator{s: s}, nil
}

// Validate checks one JSON document.
func (v *Validator) Validate(doc []byte) error {
	inst, err := validator.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("read the document: %w", err)
	}
	return v.s.Validate(inst)
}

// Property is what a consumer relies on of one property.
type Property struct {
	Type     string // its JSON type(s), or its reference
	Required bool
	Enum     []string // the values it may take, when they are a closed list
}

// Properties are every property of a schema document by path
// ("Report.metering", "Component.state"): what a later version must keep.
func Properties(doc []byte) (map[string]Property, error) {
	var s struct {
		Defs map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
			Required   []string                   `json:"required"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(doc, &s); err != nil {
		return nil, fmt.Errorf("read the schema: %w", err)
	}
	out := map[string]Property{}
	for def, d := range s.Defs {
		for name, raw := range d.Properties {
			p := Property{Type: typeOf(raw), Required: slices.Contains(d.Required, name)}
			var e struct {
				Enum  []any `json:"enum"`
				OneOf []struct {
					Enum []any `json:"enum"`
				} `json:"oneOf"`
			}
			json.Unmarshal(raw, &e)
			for _, v := range e.Enum {
				p.Enum = append(p.Enum, fmt.Sprint(v))
			}
			out[def+"."+name] = p
		}
	}
	return out, nil
}

// typeOf is a property's JSON type, or its reference, in a few words.
func typeOf(raw json.RawMessage) string {
	var p struct {
		Type  any    `json:"type"`
		Ref   string `json:"$ref"`
		Items *struct {
			Type any    `json:"type"`
			Ref  string `json:"$ref"`
		} `json:"items"`
		OneOf []json.RawMessage `json:"oneOf"`
	}
	json.Unmarshal(raw, &p)
	switch {
	case p.Ref != "":
		return p.Ref
	case len(p.OneOf) > 0:
		var parts []string
		for _, o := range p.OneOf {
			parts = append(parts, typeOf(o))
		}
		return strings.Join(parts, "|")
	case p.Items != nil:
		return fmt.Sprintf("array of %v%s", p.Items.Type, p.Items.Ref)
	}
	return fmt.Sprint(p.Type)
}

// Breaks lists what newer drops or changes of older: a property gone, its
// type changed, no longer required, or a value of its enum gone. Within
// one schema version the list must be empty.
func Breaks(older, newer map[string]Property) []string {
	var out []string
	for path, o := range older {
		n, ok := newer[path]
		switch {
		case !ok:
			out = append(out, path+": removed")
			continue
		case n.Type != o.Type:
			out = append(out, fmt.Sprintf("%s: type %s, was %s", path, n.Type, o.Type))
		case o.Required && !n.Required:
			out = append(out, path+": no longer required")
		}
		if len(o.Enum) > 0 {
			if len(n.Enum) == 0 {
				continue // an open string now: every old value still fits
			}
			for _, v := range o.Enum {
				if !slices.Contains(n.Enum, v) {
					out = append(out, fmt.Sprintf("%s: value %q gone", path, v))
				}
			}
		}
	}
	slices.Sort(out)
	return out
}
