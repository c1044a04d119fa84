package statusview

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"
	"sigs.k8s.io/yaml"
)

// Format is an output format.
type Format string

// Output formats.
const (
	FormatTable Format = ""     // the tree with Ready, state, reason, policy, replication and age
	FormatWide  Format = "wide" // the table with provisioning state, link, message and every region
	FormatJSON  Format = "json" // the View as JSON
	FormatYAML  Format = "yaml" // the View as YAML
)

// ParseFormat reads -o's value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatTable, FormatWide, FormatJSON, FormatYAML:
		return f, nil
	}
	return "", fmt.Errorf("unknown output format %q: use wide, json or yaml (or none for the table)", s)
}

// View is what json and yaml show: the namespace and the trees.
type View struct {
	Namespace string  `json:"namespace"`
	Items     []*Node `json:"items"`
}

// Render writes the trees in format; now dates the table's ages.
func Render(w io.Writer, v View, format Format, now time.Time) error {
	switch format {
	case FormatJSON:
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	case FormatYAML:
		b, err := yaml.Marshal(v)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	if len(v.Items) == 0 {
		_, err := fmt.Fprintf(w, "No %s objects in namespace %s.\n", Root.Name, v.Namespace)
		return err
	}
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	t := table{w: tw, wide: format == FormatWide, now: now}
	t.header()
	for _, n := range v.Items {
		t.node(n, "", "")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// Rows with empty last cells (regions) end in padding.
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if _, err := fmt.Fprintln(w, strings.TrimRight(line, " ")); err != nil {
			return err
		}
	}
	return nil
}

// table writes the rows of the table.
type table struct {
	w    io.Writer
	wide bool
	now  time.Time
}

func (t table) header() {
	cols := []string{"NAME", "READY", "STATE", "REASON", "POLICY", "REPLICATED", "AGE"}
	if t.wide {
		cols = append(cols, "PROVISIONING", "LINKED BY", "MESSAGE")
	}
	t.row(cols)
}

func (t table) row(cols []string) { fmt.Fprintln(t.w, strings.Join(cols, "\t")) }

// node writes n's row, its regions and its children; first prefixes n's name, indent its
// descendants'.
func (t table) node(n *Node, first, indent string) {
	cols := []string{first + n.Kind + "/" + n.Name, dash(n.Ready), n.State, dash(n.Reason), policy(n), replicated(n.Replication), t.age(n)}
	if t.wide {
		cols = append(cols, dash(n.ProvisioningState), dash(n.LinkedBy), oneLine(n.Message))
	}
	t.row(cols)
	regions := t.regions(n)
	for i, r := range regions {
		branch, _ := glyphs(i == len(regions)-1 && len(n.Children) == 0)
		cols := []string{indent + branch + r.Region, "", "", "", "", regionState(r), ""}
		if t.wide {
			cols = append(cols, "", "", oneLine(r.Details))
		}
		t.row(cols)
	}
	for i, c := range n.Children {
		branch, more := glyphs(i == len(n.Children)-1)
		t.node(c, indent+branch, indent+more)
	}
}

// regions are the regions shown below a version: every region in the wide table, else only
// while some region is not Completed.
func (t table) regions(n *Node) []Region {
	r := n.Replication
	if r == nil {
		return nil
	}
	if t.wide {
		return r.Regions
	}
	for _, reg := range r.Regions {
		if reg.State != "Completed" {
			return r.Regions
		}
	}
	return nil
}

// glyphs are the tree's branch to an entry and the indent of the entry's descendants.
func glyphs(last bool) (branch, more string) {
	if last {
		return "└─ ", "   "
	}
	return "├─ ", "│  "
}

func (t table) age(n *Node) string {
	if n.CreationTimestamp == nil || n.CreationTimestamp.IsZero() {
		return "-"
	}
	return duration.HumanDuration(t.now.Sub(n.CreationTimestamp.Time))
}

// policy is the management policy, "(default)" when the spec leaves it to the operator's flag.
func policy(n *Node) string {
	switch {
	case n.Missing:
		return "-"
	case n.Policy == "":
		return "(default)"
	}
	return n.Policy
}

// replicated is "1/2 InProgress": regions completed / target regions and the aggregated state.
func replicated(r *Replication) string {
	if r == nil {
		return "-"
	}
	return dash(strings.TrimSpace(r.Replicated + " " + r.AggregatedState))
}

// regionState is a region's state, with the progress while it replicates or when Azure gives one.
func regionState(r Region) string {
	s := dash(r.State)
	if r.Progress > 0 || r.State == "Replicating" {
		s += " " + strconv.FormatInt(r.Progress, 10) + "%"
	}
	return s
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine keeps a message on its row.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
