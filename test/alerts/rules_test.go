// Package alerts tests the operator's Prometheus alerts (config/prometheus/rules.yaml) with unit
// tests in promtool's format (testdata/rules_test.yaml), and checks that the alerts and the
// chart's Grafana dashboard use only metrics the manager exports. It is a module of its own so
// that the operator's module does not depend on Prometheus' server packages.
package alerts

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/rules"
	"sigs.k8s.io/yaml"
)

const repoRoot = "../.."

// ruleTestFile is promtool's rule unit test file (`promtool test rules`), the parts these tests
// use: anything else is refused, so that no expectation is silently ignored.
type ruleTestFile struct {
	RuleFiles          []string       `json:"rule_files"`
	EvaluationInterval model.Duration `json:"evaluation_interval"`
	Tests              []ruleTest     `json:"tests"`
}

type ruleTest struct {
	Name        string         `json:"name"`
	Interval    model.Duration `json:"interval"`
	InputSeries []struct {
		Series string `json:"series"`
		Values string `json:"values"`
	} `json:"input_series"`
	AlertRuleTests []alertTest `json:"alert_rule_test"`
}

type alertTest struct {
	EvalTime  model.Duration `json:"eval_time"`
	Alertname string         `json:"alertname"`
	ExpAlerts []struct {
		ExpLabels      map[string]string `json:"exp_labels"`
		ExpAnnotations map[string]string `json:"exp_annotations"`
	} `json:"exp_alerts"`
}

// ruleGroups writes the groups of the PrometheusRule in config/prometheus/rules.yaml to dir as a
// Prometheus rule file named rules.yaml, the name testdata/rules_test.yaml loads.
func ruleGroups(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "config/prometheus/rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rule struct {
		Kind string         `json:"kind"`
		Spec map[string]any `json:"spec"`
	}
	if err := yaml.Unmarshal(data, &rule); err != nil || rule.Kind != "PrometheusRule" {
		t.Fatalf("config/prometheus/rules.yaml is no PrometheusRule: %v", err)
	}
	out, err := yaml.Marshal(rule.Spec)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(file, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestAlerts runs testdata/rules_test.yaml as promtool does: the input series are loaded, every
// group is evaluated at each evaluation interval from 0 to the last eval_time, and at each
// eval_time the firing alerts of alertname must be exp_alerts, labels and annotations alike.
// Every alert must have a case where it fires and one where it stays silent.
func TestAlerts(t *testing.T) {
	dir := t.TempDir()
	ruleGroups(t, dir)
	data, err := os.ReadFile("testdata/rules_test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var file ruleTestFile
	if err := yaml.UnmarshalStrict(data, &file); err != nil {
		t.Fatalf("testdata/rules_test.yaml: %v", err)
	}
	var ruleFiles []string
	for _, f := range file.RuleFiles {
		ruleFiles = append(ruleFiles, filepath.Join(dir, f))
	}
	interval := time.Duration(file.EvaluationInterval)
	if interval == 0 {
		interval = time.Minute // promtool's default
	}
	fires, silent := map[string]bool{}, map[string]bool{}
	for _, rt := range file.Tests {
		t.Run(rt.Name, func(t *testing.T) {
			runRuleTest(t, rt, interval, ruleFiles)
		})
		for _, at := range rt.AlertRuleTests {
			fires[at.Alertname] = fires[at.Alertname] || len(at.ExpAlerts) > 0
			silent[at.Alertname] = silent[at.Alertname] || len(at.ExpAlerts) == 0
		}
	}
	for _, name := range alertNames(t, ruleFiles) {
		if !fires[name] || !silent[name] {
			t.Errorf("alert %s: testdata/rules_test.yaml has a case where it fires: %t, where it is silent: %t; want both", name, fires[name], silent[name])
		}
	}
}

// alertNames lists the alerts of the rule files.
func alertNames(t *testing.T, files []string) []string {
	t.Helper()
	var names []string
	for _, g := range loadGroups(t, time.Minute, nil, files) {
		for _, r := range g.Rules() {
			if a, ok := r.(*rules.AlertingRule); ok {
				names = append(names, a.Name())
			}
		}
	}
	return names
}

// loadGroups loads the rule files into a rule manager that evaluates with suite (nil: only load).
func loadGroups(t *testing.T, interval time.Duration, suite *promqltest.LazyLoader, files []string) []*rules.Group {
	t.Helper()
	opts := &rules.ManagerOptions{Context: context.Background(), Logger: promslog.NewNopLogger(),
		NotifyFunc: func(context.Context, string, ...*rules.Alert) {}}
	if suite != nil {
		opts.QueryFunc = rules.EngineQueryFunc(suite.QueryEngine(), suite.Storage())
		opts.AppendableV2 = suite.Storage()
	}
	groups, errs := rules.NewManager(opts).LoadGroups(interval, labels.EmptyLabels(), "", nil, false, files...)
	if len(errs) > 0 {
		t.Fatalf("loading %v: %v", files, errs)
	}
	out := make([]*rules.Group, 0, len(groups))
	for _, g := range groups {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// runRuleTest evaluates the groups over the test's series and checks the alerts at each
// eval_time.
func runRuleTest(t *testing.T, rt ruleTest, evalInterval time.Duration, ruleFiles []string) {
	scrape := time.Duration(rt.Interval)
	if scrape == 0 {
		scrape = evalInterval
	}
	var load strings.Builder
	fmt.Fprintf(&load, "load %s\n", model.Duration(scrape))
	for _, s := range rt.InputSeries {
		fmt.Fprintf(&load, "  %s %s\n", s.Series, s.Values)
	}
	suite, err := promqltest.NewLazyLoader(load.String(), promqltest.LazyLoaderOpts{EnableAtModifier: true, EnableNegativeOffset: true})
	if err != nil {
		t.Fatalf("input_series: %v", err)
	}
	defer suite.Close()
	groups := loadGroups(t, evalInterval, suite, ruleFiles)
	for _, g := range groups {
		for _, r := range g.Rules() {
			if a, ok := r.(*rules.AlertingRule); ok {
				a.SetRestored(true) // as after a restart's restore, so that pending alerts count from 0
			}
		}
	}
	checks := map[time.Duration][]alertTest{}
	var last time.Duration
	for _, at := range rt.AlertRuleTests {
		at := at
		checks[time.Duration(at.EvalTime)] = append(checks[time.Duration(at.EvalTime)], at)
		last = max(last, time.Duration(at.EvalTime))
	}
	start := time.Unix(0, 0).UTC()
	for offset := time.Duration(0); offset <= last; offset += evalInterval {
		ts := start.Add(offset)
		suite.WithSamplesTill(ts, func(err error) {
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range groups {
				g.Eval(suite.Context(), ts)
				for _, r := range g.Rules() {
					if err := r.LastError(); err != nil {
						t.Fatalf("rule %s at %s: %v", r.Name(), offset, err)
					}
				}
			}
		})
		// An eval_time between two evaluations is checked against the earlier one, as promtool does.
		for at, cases := range checks {
			if offset <= at && at < offset+evalInterval {
				for _, c := range cases {
					checkAlerts(t, groups, c)
				}
			}
		}
	}
}

// checkAlerts compares the firing alerts named c.Alertname with c's expectations.
func checkAlerts(t *testing.T, groups []*rules.Group, c alertTest) {
	t.Helper()
	var got, want []string
	for _, g := range groups {
		for _, r := range g.Rules() {
			if a, ok := r.(*rules.AlertingRule); ok && a.Name() == c.Alertname {
				for _, al := range a.ActiveAlerts() {
					if al.State == rules.StateFiring {
						got = append(got, al.Labels.String()+" "+al.Annotations.String())
					}
				}
			}
		}
	}
	for _, e := range c.ExpAlerts {
		l := map[string]string{labels.AlertName: c.Alertname}
		for k, v := range e.ExpLabels {
			l[k] = v
		}
		want = append(want, labels.FromMap(l).String()+" "+labels.FromMap(e.ExpAnnotations).String())
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s at %s:\n got  %q\n want %q", c.Alertname, time.Duration(c.EvalTime), got, want)
	}
}
