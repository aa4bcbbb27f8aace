package fleet

import (
	"bytes"
	"io"
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
	labels []string // name, value, name, value…
	value  float64
}

func newExposition() *exposition { return &exposition{families: make(map[string]*family)} }

// gauge adds a sample of the gauge name; labels are name, value pairs,
// written sorted by name as Prometheus's encoder writes them.
func (e *exposition) gauge(name, help string, value float64, labels ...string) {
	f := e.families[name]
	if f == nil {
		f = &family{help: help}
		e.families[name] = f
	}
	pairs := make([][2]string, 0, len(labels)/2)
	for i := 0; i+1 < len(labels); i += 2 {
		pairs = append(pairs, [2]string{labels[i], labels[i+1]})
	}
	slices.SortFunc(pairs, func(x, y [2]string) int { return strings.Compare(x[0], y[0]) })
	sorted := make([]string, 0, 2*len(pairs))
	for _, p := range pairs {
		sorted = append(sorted, p[0], p[1])
	}
	f.samples = append(f.samples, sample{labels: sorted, value: value})
}

// writeTo writes every family.
func (e *exposition) writeTo(w io.Writer) error {
	var b bytes.Buffer
	names := make([]string, 0, len(e.families))
	for name := range e.families {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		f := e.families[name]
		b.WriteString("# HELP " + name + " " + helpEscaper.Replace(f.help) + "\n")
		b.WriteString("# TYPE " + name + " gauge\n")
		slices.SortStableFunc(f.samples, func(x, y sample) int { return slices.Compare(values(x.labels), values(y.labels)) })
		for _, s := range f.samples {
			b.WriteString(name)
			if len(s.labels) > 0 {
				b.WriteByte('{')
				for i := 0; i+1 < len(s.labels); i += 2 {
					if i > 0 {
						b.WriteByte(',')
					}
					b.WriteString(s.labels[i] + `="` + labelEscaper.Replace(s.labels[i+1]) + `"`)
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

// values are a sample's label values, in order.
func values(labels []string) []string {
	out := make([]string, 0, len(labels)/2)
	for i := 1; i < len(labels); i += 2 {
		out = append(out, labels[i])
	}
	return out
}

// The format's escaping: a HELP text escapes backslashes and line feeds;
// a label value, double quotes too.
var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)
