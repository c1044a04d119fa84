package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/azgallery/gallery-operator/internal/emulator"
)

// observed is one look at Kubernetes and Azure.
type observed struct {
	kube  map[string]map[string]*unstructured.Unstructured // kind -> name -> object
	azure map[string]map[string]any                        // lower(id) -> resource
}

func (e *env) observe(ctx context.Context) (*observed, error) {
	ob := &observed{kube: map[string]map[string]*unstructured.Unstructured{}, azure: map[string]map[string]any{}}
	for _, kind := range kindOrder {
		l, err := e.k.list(ctx, kinds[kind].gvr)
		if err != nil {
			return nil, err
		}
		ob.kube[kind] = l
	}
	state, err := e.ctl.State(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range state {
		id, _ := r["id"].(string)
		ob.azure[lower(id)] = r
	}
	return ob, nil
}

// problem is one way the world differs from the model.
type problem struct{ category, object, detail string }

const (
	catNotReady   = "not Ready for its generation"
	catMismatch   = "Azure differs from the last spec"
	catMissing    = "missing in Azure"
	catLeak       = "deleted but still in Azure"
	catUnexpected = "unexpected resource in Azure"
	catLingering  = "deleted but still in Kubernetes"
)

func (e *env) problems(ob *observed) []problem {
	var ps []problem
	known := map[string]bool{}
	for _, o := range e.m.all() {
		id := lower(o.azureID)
		known[id] = true
		u := ob.kube[o.kind][o.name]
		az := ob.azure[id]
		if o.deleted {
			if u != nil {
				ps = append(ps, problem{catLingering, o.name, ""})
			}
			if az != nil {
				ps = append(ps, problem{catLeak, o.name, o.azureID})
			}
			continue
		}
		if u == nil {
			ps = append(ps, problem{catNotReady, o.name, "not in Kubernetes"})
			continue
		}
		if ok, why := readyAt(u); !ok {
			ps = append(ps, problem{catNotReady, o.name, why})
		}
		if az == nil {
			ps = append(ps, problem{catMissing, o.name, o.azureID})
			continue
		}
		if d := diff(o, az); d != "" {
			ps = append(ps, problem{catMismatch, o.name, d})
		}
	}
	for id, r := range ob.azure {
		t, _ := r["type"].(string)
		if strings.HasPrefix(lower(t), "microsoft.compute/galleries") && !known[id] {
			ps = append(ps, problem{catUnexpected, id, t})
		}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].category+ps[i].object < ps[j].category+ps[j].object })
	return ps
}

// diff compares what Azure holds with the object's last spec: the generation tag, the description
// (galleries, images, applications, profiles), the target regions (versions), and a Succeeded
// provisioning state (where Azure reports one).
func diff(o *obj, az map[string]any) string {
	var d []string
	tags, _ := az["tags"].(map[string]any)
	if got := fmt.Sprint(tags[genTag]); got != strconv.Itoa(o.gen) {
		d = append(d, fmt.Sprintf("tag %s=%s, want %d", genTag, got, o.gen))
	}
	props, _ := az["properties"].(map[string]any)
	if ps := fmt.Sprint(props["provisioningState"]); ps != "Succeeded" && !kinds[o.kind].noState {
		d = append(d, "provisioningState "+ps)
	}
	if !o.isVersion() {
		if got := fmt.Sprint(props["description"]); got != o.description() {
			d = append(d, fmt.Sprintf("description %q, want %q", got, o.description()))
		}
		return strings.Join(d, "; ")
	}
	var trs []any
	at, path := props, kinds[o.kind].regions
	for _, k := range path[:len(path)-1] {
		at, _ = at[k].(map[string]any)
	}
	trs, _ = at[path[len(path)-1]].([]any)
	var got []string
	for _, tr := range trs {
		m, _ := tr.(map[string]any)
		got = append(got, strings.ReplaceAll(lower(fmt.Sprint(m["name"])), " ", ""))
	}
	want := append([]string(nil), o.regions...)
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		d = append(d, fmt.Sprintf("target regions %v, want %v", got, want))
	}
	return strings.Join(d, "; ")
}

// waitConverged waits until there is no problem left, and returns how long that took after tStop.
func (e *env) waitConverged(ctx context.Context, tStop time.Time) (time.Duration, error) {
	step("waiting for every object to converge (at most %s)", e.o.convergeTimeout)
	deadline := tStop.Add(e.o.convergeTimeout)
	nextNote := time.Now().Add(30 * time.Second)
	var last []problem
	for {
		ob, err := e.observe(ctx)
		if err == nil {
			last = e.problems(ob)
			if len(last) == 0 {
				d := time.Since(tStop)
				note("converged %s after the faults stopped", d.Round(100*time.Millisecond))
				return d, nil
			}
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%d problems left after %s", len(last), e.o.convergeTimeout)
		}
		if time.Now().After(nextNote) {
			nextNote = time.Now().Add(30 * time.Second)
			note("%d problems left; e.g. %s", len(last), summarize(last, 3))
		}
		if err := sleep(ctx, 3*time.Second); err != nil {
			return 0, err
		}
	}
}

func summarize(ps []problem, n int) string {
	var s []string
	for i, p := range ps {
		if i == n {
			break
		}
		s = append(s, fmt.Sprintf("%s %s (%s)", p.object, p.category, p.detail))
	}
	return strings.Join(s, "; ")
}

// checks prints a line per check and the figures; it returns the number of failed checks.
func (e *env) checks(ctx context.Context, converged time.Duration, convErr error, tStop time.Time) (int, error) {
	step("checks")
	failed := 0
	check := func(ok bool, name, detail string) {
		v := "PASS"
		if !ok {
			v = "FAIL"
			failed++
		}
		fmt.Printf("%s  %-44s %s\n", v, name, detail)
	}
	ob, err := e.observe(ctx)
	if err != nil {
		return 0, err
	}
	ps := e.problems(ob)
	byCat := map[string][]problem{}
	for _, p := range ps {
		byCat[p.category] = append(byCat[p.category], p)
	}
	liveN, delN := len(live(e.m.all())), e.deletedObjects
	convDetail := fmt.Sprintf("%s after the faults stopped", converged.Round(100*time.Millisecond))
	if convErr != nil {
		convDetail = convErr.Error()
	}
	check(convErr == nil, "every object converged", convDetail)
	bad := append(append(byCat[catNotReady], byCat[catMismatch]...), byCat[catMissing]...)
	check(len(bad) == 0, "Azure holds each object's last spec", fmt.Sprintf("%d live objects, %d differ %s", liveN, len(bad), summarize(bad, 5)))
	leaks := append(append(byCat[catLeak], byCat[catUnexpected]...), byCat[catLingering]...)
	check(len(leaks) == 0, "deleted objects gone from Azure (0 leaked)", fmt.Sprintf("%d deleted, %d leaked or lingering %s", delN, len(leaks), summarize(leaks, 5)))

	recs := e.coll.all()
	byID := map[string]*obj{}
	for _, o := range e.m.all() {
		byID[lower(o.azureID)] = o
	}
	creates, writes, attempts := map[string]int{}, map[string]int{}, map[string]int{}
	statuses, faults := map[int]int{}, map[string]int{}
	realThrottled, injected429 := 0, 0
	// Requests of the rotated principal that succeeded once every token issued for the old secret
	// had expired (rotation + token lifetime + 5 s of clock slack).
	afterRotation, codes := 0, map[string]int{}
	for _, r := range recs {
		if r.ClientID == rotClientID && !e.rotatedAt.IsZero() && r.Time.After(e.rotatedAt.Add(e.tokenLifetime+5*time.Second)) && r.Status >= 200 && r.Status < 300 {
			afterRotation++
		}
		if r.Status >= 400 && r.Fault == "" {
			codes[fmt.Sprintf("%d %s", r.Status, r.ErrorCode)]++
		}
		statuses[r.Status]++
		if r.Fault != "" {
			faults[r.Fault]++
		}
		if r.Status == 429 {
			if r.Fault == "" {
				realThrottled++
			} else {
				injected429++
			}
		}
		p := lower(strings.TrimSuffix(r.Path, "/"))
		if r.Method == "POST" {
			p = strings.TrimSuffix(p, "/share")
		}
		if r.Method != "GET" && r.Method != "HEAD" {
			attempts[p]++
		}
		if r.Status < 200 || r.Status > 299 {
			continue
		}
		switch r.Method {
		case "PUT":
			if r.Status == 201 {
				creates[p]++
			}
			writes[p]++
		case "PATCH", "POST", "DELETE":
			writes[p]++
		}
	}
	var dups []string
	for p, n := range creates {
		if n > 1 {
			dups = append(dups, fmt.Sprintf("%s x%d", p, n))
		}
	}
	sort.Strings(dups)
	check(len(dups) == 0, "nothing created twice", fmt.Sprintf("%d create PUTs (201), %d resources created more than once %s", sum(creates), len(dups), strings.Join(first(dups, 5), "; ")))

	maxW, maxName, over := 0, "", []string{}
	for id, o := range byID {
		n := writes[id]
		if n > maxW {
			maxW, maxName = n, o.name
		}
		bound := 1 + o.changes + e.o.writeSlack
		if o.deleted {
			bound++
		}
		if n > bound {
			over = append(over, fmt.Sprintf("%s %d writes (bound %d, %d changes)", o.name, n, bound, o.changes))
		}
	}
	sort.Strings(over)
	check(len(over) == 0, "no hot loop (writes per object bounded)", fmt.Sprintf("max %d accepted writes (%s); bound 1 + spec changes (+1 delete) + %d; %d over %s",
		maxW, maxName, e.o.writeSlack, len(over), strings.Join(first(over, 5), "; ")))
	r1, w1 := peakPerWindow(recs, time.Second, true), peakPerWindow(recs, time.Second, false)
	check(realThrottled == 0, "ARM buckets respected (no 429 but injected)", fmt.Sprintf("%d throttled by the emulator's buckets, %d injected 429s; peak %d reads/s, %d writes/s (buckets 250+25/s, 200+10/s)",
		realThrottled, injected429, r1, w1))

	check(afterRotation > 0, "rotated secret in use", fmt.Sprintf("%d ARM requests of %s succeeded after every token of the old secret expired", afterRotation, rotClientID))
	leaked := e.grepSecrets(ctx, ob)
	check(len(leaked) == 0, "no client secret in logs, events or status", fmt.Sprintf("%d manager logs, events and %d objects' status searched for %d secrets %s",
		len(e.sup.logs)+1, kubeObjects(ob), len(e.secrets), strings.Join(leaked, "; ")))
	check(e.sup.kills >= e.o.kills && e.sup.selfExits == 0, "manager killed as planned, never exited by itself",
		fmt.Sprintf("%d SIGKILLs, %d exits of its own", e.sup.kills, e.sup.selfExits))

	fmt.Println("\nfigures:")
	fmt.Printf("  objects: %s; %d spec changes accepted, %d deleted, %d live at the end\n",
		e.m.countLine(), sumChanges(e.m.all()), delN, liveN)
	maxA, maxAName := 0, ""
	for id, o := range byID {
		if attempts[id] > maxA {
			maxA, maxAName = attempts[id], o.name
		}
	}
	fmt.Printf("  writes per object: max %d accepted (%s), max %d attempts whatever the answer (%s)\n", maxW, maxName, maxA, maxAName)
	fmt.Printf("  time to converge after faults stopped: %s\n", converged.Round(100*time.Millisecond))
	fmt.Printf("  ARM requests: %d; by status: %s\n", len(recs), statusLine(statuses))
	fmt.Printf("  ARM errors not injected: %s\n", codeLine(codes))
	fmt.Printf("  injected by fault rules: %d errors, %d resets, %d delays\n", faults["error"], faults["reset"], faults["delay"])
	fmt.Printf("  manager: %d processes (%d SIGKILLs), ready after %s on average\n", len(e.sup.starts), e.sup.kills, avg(e.sup.starts))
	for _, f := range e.figures {
		fmt.Printf("  %s\n", f)
	}
	fmt.Printf("  request-log fetch errors: %d; load average %s\n", e.coll.errs, loadAvg())
	return failed, nil
}

// grepSecrets looks for every client secret in the manager logs, the events and the status of
// every object.
func (e *env) grepSecrets(ctx context.Context, ob *observed) []string {
	var hits []string
	look := func(where, text string) {
		for i, s := range e.secrets {
			if strings.Contains(text, s) {
				hits = append(hits, fmt.Sprintf("secret %d in %s", i, where))
			}
		}
	}
	for _, l := range append(e.sup.logs, filepath.Join(e.dir, "manager.log")) {
		b, _ := os.ReadFile(l)
		look(l, string(b))
	}
	evs, err := e.k.dyn.Resource(eventGVR).List(ctx, metav1.ListOptions{})
	if err != nil {
		hits = append(hits, "events not readable: "+err.Error())
	} else {
		b, _ := json.Marshal(evs)
		look(fmt.Sprintf("%d events", len(evs.Items)), string(b))
	}
	for kind, objs := range ob.kube {
		for name, u := range objs {
			b, _ := json.Marshal(u.Object["status"])
			look(kind+"/"+name+" status", string(b))
		}
	}
	return hits
}

// peakPerWindow is the largest number of reads (or writes) that started within one window.
func peakPerWindow(recs []emulator.RequestRecord, w time.Duration, reads bool) int {
	var ts []time.Time
	for _, r := range recs {
		isRead := r.Method == "GET" || r.Method == "HEAD"
		if isRead == reads && r.Status != 0 {
			ts = append(ts, r.Time)
		}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	best, j := 0, 0
	for i := range ts {
		for ts[i].Sub(ts[j]) >= w {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

func statusLine(m map[int]int) string {
	var ks []int
	for k := range m {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	var s []string
	for _, k := range ks {
		name := strconv.Itoa(k)
		if k == 0 {
			name = "reset"
		}
		s = append(s, fmt.Sprintf("%s: %d", name, m[k]))
	}
	return strings.Join(s, ", ")
}

func codeLine(m map[string]int) string {
	var s []string
	for _, k := range sortedKeys(m) {
		s = append(s, fmt.Sprintf("%s: %d", k, m[k]))
	}
	return strings.Join(s, ", ")
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func kubeObjects(ob *observed) int {
	n := 0
	for _, objs := range ob.kube {
		n += len(objs)
	}
	return n
}

func sumChanges(objs []*obj) int {
	n := 0
	for _, o := range objs {
		n += o.changes
	}
	return n
}

func first(xs []string, n int) []string {
	if len(xs) > n {
		return append(xs[:n:n], fmt.Sprintf("… %d more", len(xs)-n))
	}
	return xs
}

func avg(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return (t / time.Duration(len(ds))).Round(100 * time.Millisecond)
}

func numCPU() int { return runtime.NumCPU() }

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "model name") {
			if i := strings.Index(l, ":"); i >= 0 {
				return strings.TrimSpace(l[i+1:])
			}
		}
	}
	return runtime.GOARCH
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "?"
}
