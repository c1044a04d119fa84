// Command metric-names prints the names of the series the manager's /metrics serves, one a line,
// sorted (a histogram as its _bucket, _sum and _count series): the operator's own metrics
// (internal/metrics.Collectors) and what controller-runtime's registry gathers once a controller
// has started and reconciled (its reconcile and work queue metrics, Go's and the process'). The
// tests of test/alerts check the alerts and the Grafana dashboard against this list.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
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

func main() {
	names, err := exported()
	if err != nil {
		fmt.Fprintln(os.Stderr, "metric-names:", err)
		os.Exit(1)
	}
	for _, n := range names {
		fmt.Println(n)
	}
}

// fqName finds a metric's name in its description (prometheus.Desc has no accessor for it).
var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

func exported() ([]string, error) {
	var names []string
	add := func(name string, histogram bool) {
		if histogram {
			names = append(names, name+"_bucket", name+"_sum", name+"_count")
		} else {
			names = append(names, name)
		}
	}
	for _, c := range metrics.Collectors {
		descs := make(chan *prometheus.Desc, 16)
		c.Describe(descs)
		close(descs)
		for d := range descs {
			m := fqName.FindStringSubmatch(d.String())
			if m == nil {
				return nil, fmt.Errorf("no name in %s", d)
			}
			_, histogram := c.(*prometheus.HistogramVec)
			add(m[1], histogram)
		}
	}
	if err := reconcileOnce(); err != nil {
		return nil, err
	}
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		return nil, err
	}
	for _, f := range families {
		add(f.GetName(), f.GetType().String() == "HISTOGRAM")
		if f.GetType().String() == "SUMMARY" {
			names = append(names, f.GetName()+"_sum", f.GetName()+"_count")
		}
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// reconcileOnce starts a controller of controller-runtime and has it reconcile one request, so
// that its metrics have series.
func reconcileOnce() error {
	done := make(chan struct{})
	c, err := controller.NewUnmanaged("metric-names", controller.Options{
		Reconciler: reconcile.Func(func(context.Context, reconcile.Request) (reconcile.Result, error) {
			close(done)
			return reconcile.Result{}, nil
		})})
	if err != nil {
		return err
	}
	events := make(chan event.GenericEvent, 1)
	if err := c.Watch(source.Channel(events, &handler.EnqueueRequestForObject{})); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = c.Start(ctx) }()
	events <- event.GenericEvent{Object: &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "probe"}}}
	select {
	case <-done:
		return nil
	case <-time.After(3 * time.Minute):
		return errors.New("the probe controller did not reconcile within 3 minutes")
	}
}
