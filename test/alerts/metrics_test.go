package alerts

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/promql/parser"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/azgallery/gallery-operator/internal/metrics"
)

// fqName finds a metric's name in its description (prometheus.Desc has no accessor for it).
var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

// exportedNames returns the series names the manager's /metrics serves (histograms as _bucket,
// _sum and _count): the operator's own metrics (internal/metrics.Collectors) and what
// controller-runtime's registry gathers once a controller has started and reconciled (its
// reconcile and work queue metrics, Go's and the process').
func exportedNames(t *testing.T) map[string]bool {
	t.Helper()
	exportedOnce.Do(func() { exported = gatherNames(t) })
	if exported == nil {
		t.Fatal("the exported metrics could not be found (see the first test that asked)")
	}
	return maps.Clone(exported)
}

// exported is what exportedNames found, once: controller-runtime's registry is the process'.
var (
	exportedOnce sync.Once
	exported     map[string]bool
)

func gatherNames(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	add := func(name string, histogram bool) {
		names[name] = true
		if histogram {
			names[name+"_bucket"], names[name+"_sum"], names[name+"_count"] = true, true, true
		}
	}
	for _, c := range metrics.Collectors {
		descs := make(chan *prometheus.Desc, 16)
		c.Describe(descs)
		close(descs)
		for d := range descs {
			m := fqName.FindStringSubmatch(d.String())
			if m == nil {
				t.Fatalf("no name in %s", d)
			}
			_, histogram := c.(*prometheus.HistogramVec)
			add(m[1], histogram)
		}
	}
	reconcileOnce(t)
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		add(f.GetName(), f.GetType().String() == "HISTOGRAM")
		if f.GetType().String() == "SUMMARY" {
			names[f.GetName()+"_sum"], names[f.GetName()+"_count"] = true, true
		}
	}
	return names
}

// reconcileOnce starts a controller of controller-runtime and has it reconcile one request, so
// that its metrics have series.
func reconcileOnce(t *testing.T) {
	t.Helper()
	done := make(chan struct{})
	var once bool
	c, err := controller.NewUnmanaged("metrics-probe", controller.Options{
		Reconciler: reconcile.Func(func(context.Context, reconcile.Request) (reconcile.Result, error) {
			if !once {
				once = true
				close(done)
			}
			return reconcile.Result{}, nil
		})})
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan event.GenericEvent, 1)
	if err := c.Watch(source.Channel(events, &handler.EnqueueRequestForObject{})); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = c.Start(ctx) }()
	events <- event.GenericEvent{Object: &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "probe"}}}
	select {
	case <-done:
	case <-time.After(3 * time.Minute):
		t.Fatal("the probe controller did not reconcile within 3 minutes")
	}
}

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
