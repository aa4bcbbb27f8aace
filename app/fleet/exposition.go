package fleet

import (
	"bytes"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// exposition writes the Prometheus text exposition format (0.0.4) for a
// handful of gauges: families sorted by name, each with its HELP and TYPE
// lines, its samples sorted by their label values, as Prometheus's own
// encoder writes them.
//
// It is this small writer rather than a library because of what a library
// costs every start of halton-meter-bar, whatever flag it is given: the
// initialisers of client_golang (its default registry, the Go and process
// collectors, protobuf's registry) and of VictoriaMetrics/metrics (a
// regular expression compiled, the runtime's metrics listed, cgroup files
// read) run before main. What it writes is held to Prometheus's own parser
// and to the real promtool and node_exporter in the tests.
type exposition struct {
	families map[string]*family
}

type family struct {
	help    string
	samples []sample
}

type sample struct {
	labels []label // sorted by name
	value  float64
}

// label is a label's name and value.
type label struct{ name, value string }

func newExposition() *exposition { return &exposition{families: make(map[string]*family)} }

// gauge adds a sample of the gauge name; labels are name, value pairs,
// written sorted by name as Prometheus's encoder writes them.
func (e *exposition) gauge(name, help string, value float64, labels ...string) {
	f := e.families[name]
	if f == nil {
		f = &family{help: help}
		e.families[name] = f
	}
	pairs := make([]label, 0, len(labels)/2)
	for i := 0; i+1 < len(labels); i += 2 {
		pairs = append(pairs, label{labels[i], labels[i+1]})
	}
	slices.SortFunc(pairs, func(x, y label) int { return strings.Compare(x.name, y.name) })
	f.samples = append(f.samples, sample{labels: pairs, value: value})
}

// writeTo writes every family.
func (e *exposition) writeTo(w io.Writer) error {
	var b bytes.Buffer
	for _, name := range slices.Sorted(maps.Keys(e.families)) {
		f := e.families[name]
		b.WriteString("# HELP " + name + " " + helpEscaper.Replace(f.help) + "\n")
		b.WriteString("# TYPE " + name + " gauge\n")
		slices.SortStableFunc(f.samples, func(x, y sample) int {
			return slices.CompareFunc(x.labels, y.labels, func(a, b label) int { return strings.Compare(a.value, b.value) })
		})
		for _, s := range f.samples {
			b.WriteString(name)
			if len(s.labels) > 0 {
				b.WriteByte('{')
				for i, l := range s.labels {
					if i > 0 {
						b.WriteByte(',')
					}
					b.WriteString(l.name + `="` + labelEscaper.Replace(l.value) + `"`)
				}
				b.WriteByte('}')
			}
			b.WriteByte(' ')
			b.WriteString(strconv.FormatFloat(s.value, 'g', -1, 64))
			b.WriteByte('\n')
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// The format's escaping: a HELP text escapes backslashes and line feeds;
// a label value, double quotes too.
var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)
