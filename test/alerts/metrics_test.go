package alerts

import (
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql/parser"
)

// exportedNames returns the series names the manager's /metrics serves, as hack/metric-names
// finds them in the operator's module (built there, so that this module needs none of it).
func exportedNames(t *testing.T) map[string]bool {
	t.Helper()
	exportedOnce.Do(func() {
		cmd := exec.Command("go", "run", "./hack/metric-names")
		cmd.Dir = repoRoot
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			t.Errorf("go run ./hack/metric-names: %v", err)
			return
		}
		exported = map[string]bool{}
		for _, name := range strings.Fields(string(out)) {
			exported[name] = true
		}
	})
	if len(exported) == 0 {
		t.Fatal("the exported metrics could not be found (see the first test that asked)")
	}
	return maps.Clone(exported)
}

// exported is what exportedNames found, once.
var (
	exportedOnce sync.Once
	exported     map[string]bool
)

// promqlParser parses as Prometheus does by default.
var promqlParser = parser.NewParser(parser.Options{})

// metricNames parses expr and returns the metric names it selects.
func metricNames(t *testing.T, where, expr string) []string {
	t.Helper()
	node, err := promqlParser.ParseExpr(expr)
	if err != nil {
		t.Errorf("%s: %q does not parse: %v", where, expr, err)
		return nil
	}
	var out []string
	parser.Inspect(node, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			if vs.Name == "" {
				t.Errorf("%s: %q selects series without naming a metric", where, expr)
			}
			out = append(out, vs.Name)
		}
		return nil
	})
	return out
}

// TestRulesUseExportedMetrics checks that every alert reads metrics the manager exports (up is
// Prometheus' own).
func TestRulesUseExportedMetrics(t *testing.T) {
	names := exportedNames(t)
	names["up"] = true
	for _, g := range loadGroups(t, time.Minute, nil, []string{ruleGroups(t, t.TempDir())}) {
		for _, r := range g.Rules() {
			for _, name := range metricNames(t, r.Name(), r.Query().String()) {
				if !names[name] {
					t.Errorf("alert %s reads %s, which the manager does not export", r.Name(), name)
				}
			}
		}
	}
}

// grafanaVariables are Grafana's interval variables, replaced by a duration before parsing.
var grafanaVariables = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m")

// panel is the part of a Grafana panel the test reads.
type panel struct {
	Title   string  `json:"title"`
	Panels  []panel `json:"panels"` // a row's
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

// TestDashboard checks the chart's Grafana dashboard: every panel's query parses as PromQL and
// reads only metrics the manager exports, and every panel has a query.
func TestDashboard(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "charts/gallery-operator/dashboards/gallery-operator.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dashboard struct {
		Title  string  `json:"title"`
		UID    string  `json:"uid"`
		Panels []panel `json:"panels"`
	}
	if err := json.Unmarshal(data, &dashboard); err != nil {
		t.Fatal(err)
	}
	if dashboard.Title == "" || dashboard.UID == "" || len(dashboard.Panels) == 0 {
		t.Fatalf("dashboard %q (uid %q) with %d panels: want a title, a uid and panels", dashboard.Title, dashboard.UID, len(dashboard.Panels))
	}
	names := exportedNames(t)
	var check func(ps []panel)
	check = func(ps []panel) {
		for _, p := range ps {
			if p.Panels != nil {
				check(p.Panels)
				continue
			}
			if len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, target := range p.Targets {
				for _, name := range metricNames(t, "panel "+p.Title, grafanaVariables.Replace(target.Expr)) {
					if !names[name] {
						t.Errorf("panel %q reads %s, which the manager does not export", p.Title, name)
					}
				}
			}
		}
	}
	check(dashboard.Panels)
}
