package main

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"k8s.io/client-go/rest"
)

// The operator's cost to Kubernetes: the requests that wrote its kinds, by verb and subresource,
// from kube-apiserver's own apiserver_request_total, and the watch events a watcher of each kind
// received (the bench's informers).

// writeVerbs are the verbs of apiserver_request_total that write (create, update, patch, apply,
// delete).
var writeVerbs = map[string]bool{"POST": true, "PUT": true, "PATCH": true, "APPLY": true, "DELETE": true, "DELETECOLLECTION": true}

// kubeCounts are cumulative counts, "Kind VERB subresource" and "Kind EVENT".
type kubeCounts struct {
	Writes map[string]float64 `json:"writes"`
	Events map[string]float64 `json:"watchEvents"`
}

// eventCounter counts the watch events of each kind.
type eventCounter struct {
	mu sync.Mutex
	n  map[string]float64
}

func (c *eventCounter) add(kind, event string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]float64{}
	}
	c.n[kind+" "+event]++
}

func (c *eventCounter) snapshot() map[string]float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.n)
}

// kindOfResource names the operator's kinds by their resource.
var kindOfResource = map[string]string{}

func init() {
	for kind, gvr := range gvrs {
		kindOfResource[gvr.Resource] = kind
	}
}

// apiserverWrites reads kube-apiserver's /metrics and sums apiserver_request_total of the
// operator's kinds by kind, verb and subresource.
func apiserverWrites(ctx context.Context, rc rest.Interface) (map[string]float64, error) {
	raw, err := rc.Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading kube-apiserver's metrics: %w", err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("parsing kube-apiserver's metrics: %w", err)
	}
	out := map[string]float64{}
	fam := families["apiserver_request_total"]
	if fam == nil {
		return out, nil
	}
	for _, m := range fam.GetMetric() {
		l := map[string]string{}
		for _, p := range m.GetLabel() {
			l[p.GetName()] = p.GetValue()
		}
		kind, ok := kindOfResource[l["resource"]]
		if !ok || l["group"] != gvrs[kind].Group || !writeVerbs[l["verb"]] {
			continue
		}
		sub := l["subresource"]
		if sub == "" {
			sub = "-"
		}
		out[kind+" "+l["verb"]+" "+sub] += m.GetCounter().GetValue()
	}
	return out, nil
}

// counts reads the writes and the watch events so far.
func (k *kube) counts(ctx context.Context) (kubeCounts, error) {
	w, err := apiserverWrites(ctx, k.rest)
	if err != nil {
		return kubeCounts{}, err
	}
	return kubeCounts{Writes: w, Events: k.events.snapshot()}, nil
}

// since is c minus an earlier reading.
func (c kubeCounts) since(earlier kubeCounts) kubeCounts {
	diff := func(a, b map[string]float64) map[string]float64 {
		out := map[string]float64{}
		for k, v := range a {
			if d := v - b[k]; d != 0 {
				out[k] = d
			}
		}
		return out
	}
	return kubeCounts{Writes: diff(c.Writes, earlier.Writes), Events: diff(c.Events, earlier.Events)}
}

// printKubeCounts prints a phase's writes and watch events, by kind, and per object when n > 0.
func printKubeCounts(c kubeCounts, objects map[string]int) {
	fmt.Printf("    kube-apiserver writes of the operator's kinds (verb subresource: count):\n")
	printByKind(c.Writes, objects)
	fmt.Printf("    watch events a watcher of each kind received:\n")
	printByKind(c.Events, objects)
}

func printByKind(m map[string]float64, objects map[string]int) {
	if len(m) == 0 {
		fmt.Printf("      none\n")
		return
	}
	byKind := map[string][]string{}
	total := map[string]float64{}
	for k, v := range m {
		kind, rest, _ := strings.Cut(k, " ")
		byKind[kind] = append(byKind[kind], fmt.Sprintf("%s: %.0f", rest, v))
		total[kind] += v
	}
	for _, kind := range slices.Sorted(maps.Keys(byKind)) {
		slices.Sort(byKind[kind])
		per := ""
		if n := objects[kind]; n > 0 {
			per = fmt.Sprintf(" (%.2f per object)", total[kind]/float64(n))
		}
		fmt.Printf("      %-20s %.0f%s: %s\n", kind, total[kind], per, strings.Join(byKind[kind], ", "))
	}
}
