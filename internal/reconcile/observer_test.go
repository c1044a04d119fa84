package reconcile

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
)

// listingClient is a fakeClient whose collection can be listed.
type listingClient struct {
	*fakeClient
	items map[string]*body
	lists int
}

func (c *listingClient) ListSiblings(context.Context, *arm.ResourceID) ([]*body, error) {
	c.lists++
	c.requests = append(c.requests, "LIST")
	var out []*body
	for name, b := range c.items {
		cp := *b
		cp.Description = name + ":" + b.Description
		out = append(out, &cp)
	}
	return out, nil
}

func (c *listingClient) Partial(*body) bool { return false }

func (c *listingClient) NameOf(b *body) string {
	for i, ch := range b.Description {
		if ch == ':' {
			return b.Description[:i]
		}
	}
	return ""
}

// TestObserverServesACollectionWithOneRead: objects of one collection share a list; a
// newer observation than the cached list is read again only after the interval.
func TestObserverServesACollectionWithOneRead(t *testing.T) {
	clock := now
	o := &Observer[body]{Lists: true, ListInterval: time.Second, DriftResync: syncPeriod, Now: func() time.Time { return clock }}
	lc := &listingClient{fakeClient: &fakeClient{}, items: map[string]*body{"a": newBody("", "Succeeded"), "b": newBody("", "Creating")}}
	cl := Clients[body]{Client: lc, Lister: lc}
	ref := func(name string) *arm.ResourceID { return thingID("g", name) }
	for _, name := range []string{"a", "b", "c"} {
		ob, err := o.Observe(context.Background(), cl, name, ref(name), clock.Add(-time.Minute))
		got, wait := ob.Body, ob.Wait
		if err != nil || wait != 0 {
			t.Fatalf("%s: wait %s, err %v", name, wait, err)
		}
		if (got == nil) != (name == "c") {
			t.Errorf("%s: observed %+v", name, got)
		}
	}
	if lc.lists != 1 {
		t.Errorf("three objects of one collection cost %d lists, want 1", lc.lists)
	}
	clock = clock.Add(300 * time.Millisecond)
	if ob, _ := o.Observe(context.Background(), cl, "a", ref("a"), clock); ob.Wait != 700*time.Millisecond || lc.lists != 1 {
		t.Errorf("a newer observation within the interval: wait %s, %d lists; want 700ms, 1", ob.Wait, lc.lists)
	}
	clock = clock.Add(time.Second)
	if ob, _ := o.Observe(context.Background(), cl, "a", ref("a"), clock.Add(-time.Millisecond)); ob.Wait != 0 || lc.lists != 2 {
		t.Errorf("after the interval: wait %s, %d lists; want 0, 2", ob.Wait, lc.lists)
	}
}

// TestWriteFollowedByList: with a list observer, a new object is written without a GET, its
// operation is followed by the list (no poll), and it is Ready without another read.
func TestWriteFollowedByList(t *testing.T) {
	clock := now
	cl := &listingClient{fakeClient: &fakeClient{}, items: map[string]*body{}}
	r := &Reconciler[*thing, body]{Recorder: events.NewFakeRecorder(100), Azure: fakeConnector{},
		Kind:     fakeKind{client: cl.fakeClient},
		Observer: &Observer[body]{Lists: true, ListInterval: time.Second, DriftResync: syncPeriod, Now: func() time.Time { return clock }},
		Options:  Options{DriftResync: syncPeriod, TerminalRetry: syncPeriod, ParentWait: syncPeriod, Now: func() time.Time { return clock }}}
	r.Kind = listingKind{fakeKind: fakeKind{client: cl.fakeClient}, cl: cl}
	obj := object("want", nil)
	obj.CreationTimestamp = metav1.Time{Time: clock.Add(-time.Second)}

	r.reconcile(context.Background(), obj)
	if !slices.Equal(cl.requests, []string{"LIST", "PUT want"}) {
		t.Fatalf("create: requests %q, want a list and the PUT", cl.requests)
	}
	cl.items["i"] = newBody("want", provisioningCreating)
	clock = clock.Add(2 * time.Second)
	cl.requests = nil
	r.reconcile(context.Background(), obj)
	if !slices.Equal(cl.requests, []string{"LIST"}) || obj.Status.Operation == nil {
		t.Fatalf("while Creating: requests %q (want one list, no poll), operation %+v", cl.requests, obj.Status.Operation)
	}
	cl.items["i"].setState(provisioningSucceeded)
	clock = clock.Add(2 * time.Second)
	cl.requests = nil
	res := r.reconcile(context.Background(), obj)
	if !slices.Equal(cl.requests, []string{"LIST"}) || obj.Status.Operation != nil {
		t.Fatalf("once Succeeded: requests %q (want one list), operation %+v", cl.requests, obj.Status.Operation)
	}
	expectCondition(t, &obj.Status.ARMStatus, v1alpha1.ConditionReady, condition{metav1.ConditionTrue, ReasonSucceeded})
	// the collection was first listed at now: the object comes back a sync period after that
	if due := now.Add(syncPeriod).Sub(clock); res.RequeueAfter < due || res.RequeueAfter > due+syncPeriod/50 {
		t.Errorf("Ready requeues after %s, want the collection's next phase, %s (+ jitter)", res.RequeueAfter, due)
	}
}

// TestResyncsAlignOnTheCollection: objects of one collection that became Ready at different
// times (a ramp of writes) come back at the same time, the collection's phase, so that one list
// serves them; none waits longer than a sync period.
func TestResyncsAlignOnTheCollection(t *testing.T) {
	clock := now
	cl := &listingClient{fakeClient: &fakeClient{}, items: map[string]*body{"a": newBody("want", provisioningSucceeded)}}
	observer := &Observer[body]{Lists: true, ListInterval: time.Second, DriftResync: syncPeriod, Now: func() time.Time { return clock }}
	r := &Reconciler[*thing, body]{Recorder: events.NewFakeRecorder(100), Azure: fakeConnector{},
		Kind: listingKind{fakeKind: fakeKind{client: cl.fakeClient}, cl: cl}, Observer: observer,
		Options: Options{DriftResync: syncPeriod, TerminalRetry: syncPeriod, ParentWait: syncPeriod, Now: func() time.Time { return clock }}}
	ref := thingID("g", "i")
	if _, err := observer.Observe(context.Background(), Clients[body]{Client: cl, Lister: cl}, "other", ref, clock.Add(-time.Second)); err != nil { // anchors the collection at now
		t.Fatal(err)
	}
	var dues []time.Time
	for _, age := range []time.Duration{10 * time.Minute, 59 * time.Minute, time.Hour, 90 * time.Minute} {
		clock = now.Add(age)
		obj := object("want", readyAt("h-want", clock)) // observed (by a GET, say) just now
		dues = append(dues, r.obs().Due(key(obj), ref, recordedSync(obj)))
		if wait := r.nextSync(obj, ref); wait <= 0 || wait > syncPeriod+syncPeriod/50 {
			t.Errorf("observed at +%s: next sync after %s, want within a sync period", age, wait)
		}
	}
	want := []time.Time{now.Add(syncPeriod), now.Add(syncPeriod), now.Add(2 * syncPeriod), now.Add(2 * syncPeriod)}
	if !slices.EqualFunc(dues, want, time.Time.Equal) {
		t.Errorf("next observations %v, want the collection's phases %v", dues, want)
	}
	if got := slotAfter(now, now.Add(-90*time.Minute), syncPeriod); !got.Equal(now.Add(-time.Hour)) {
		t.Errorf("slot after a time before the anchor: %v", got)
	}
}

// listingKind is fakeKind whose client lists, and whose listed names carry a prefix.
type listingKind struct {
	fakeKind
	cl *listingClient
}

func (k listingKind) Client(*azure.Connection) Clients[body] {
	return Clients[body]{Client: k.cl, Actions: k.cl, Lister: k.cl}
}
func (listingKind) Diff(d body, e *body) []string {
	if e == nil {
		return []string{"(absent)"}
	}
	desc := e.Description
	for i, ch := range desc {
		if ch == ':' {
			desc = desc[i+1:]
			break
		}
	}
	if d.Description != desc {
		return []string{"description"}
	}
	return nil
}

// progressKind is listingKind with progress: the fake resource is busy while Creating.
type progressKind struct{ listingKind }

func (k progressKind) Capabilities() Capabilities[*thing, body] {
	return Capabilities[*thing, body]{LongRunning: k}
}
func (progressKind) MaxPollInterval() time.Duration { return maxPollInterval }
func (progressKind) Notices(_, _ *thing) []Notice   { return nil }

func (progressKind) InProgress(_ *thing, e *body) (string, bool) {
	if e != nil && e.state() == provisioningCreating {
		return "replicating", true
	}
	return "", false
}

// TestProgressFollowedByGet: a kind with progress (a resource replicating to regions) follows its
// write with one GET per look, which shows both the state and the progress: no operation poll,
// no list, and no further read once the GET shows it Succeeded.
func TestProgressFollowedByGet(t *testing.T) {
	clock := now
	cl := &listingClient{fakeClient: &fakeClient{}, items: map[string]*body{}}
	r := &Reconciler[*thing, body]{Recorder: events.NewFakeRecorder(100), Azure: fakeConnector{},
		Kind:     progressKind{listingKind{fakeKind: fakeKind{client: cl.fakeClient}, cl: cl}},
		Observer: &Observer[body]{Lists: true, ListInterval: time.Second, DriftResync: syncPeriod, Now: func() time.Time { return clock }},
		Options:  Options{DriftResync: syncPeriod, TerminalRetry: syncPeriod, ParentWait: syncPeriod, Now: func() time.Time { return clock }}}
	obj := object("want", nil)
	obj.CreationTimestamp = metav1.Time{Time: clock.Add(-time.Second)}

	r.reconcile(context.Background(), obj)
	if !slices.Equal(cl.requests, []string{"LIST", "PUT want"}) {
		t.Fatalf("create: requests %q, want a list and the PUT", cl.requests)
	}
	cl.existing = newBody("want", provisioningCreating)
	clock = clock.Add(2 * time.Second)
	cl.requests = nil
	res := r.reconcile(context.Background(), obj)
	if !slices.Equal(cl.requests, []string{"GET"}) || obj.Status.Operation == nil {
		t.Fatalf("while Creating: requests %q (want one GET), operation %+v", cl.requests, obj.Status.Operation)
	}
	expectCondition(t, &obj.Status.ARMStatus, v1alpha1.ConditionReconciling, condition{metav1.ConditionTrue, ReasonCreating})
	if c := findCondition(&obj.Status.ARMStatus, v1alpha1.ConditionReconciling); c == nil || c.Message == "replicating" {
		t.Errorf("the progress is shown in the write's first %s (a status write a short write does not need): %+v", progressAfter, c)
	}
	if res.RequeueAfter != minPollInterval {
		t.Errorf("requeue after %s, want %s", res.RequeueAfter, minPollInterval)
	}
	clock = clock.Add(progressAfter)
	cl.requests = nil
	r.reconcile(context.Background(), obj)
	if c := findCondition(&obj.Status.ARMStatus, v1alpha1.ConditionReconciling); c == nil || c.Message != "replicating" {
		t.Errorf("the progress of a write running %s is not shown: %+v", progressAfter, c)
	}
	cl.existing.setState(provisioningSucceeded)
	clock = clock.Add(2 * time.Second)
	cl.requests = nil
	res = r.reconcile(context.Background(), obj)
	if !slices.Equal(cl.requests, []string{"GET"}) || obj.Status.Operation != nil {
		t.Fatalf("once Succeeded: requests %q (want one GET), operation %+v", cl.requests, obj.Status.Operation)
	}
	expectCondition(t, &obj.Status.ARMStatus, v1alpha1.ConditionReady, condition{metav1.ConditionTrue, ReasonSucceeded})
	if due := now.Add(syncPeriod).Sub(clock); res.RequeueAfter < due || res.RequeueAfter > due+syncPeriod/50 {
		t.Errorf("Ready requeues after %s, want the collection's next phase, %s (+ jitter)", res.RequeueAfter, due)
	}

	// Failed: the GET cannot tell why; the operation's status is polled for the error.
	obj.Status.Operation = &v1alpha1.LongRunningOperation{Kind: v1alpha1.OperationCreateOrUpdate, ResumeToken: "op-token", StartTime: metav1.Time{Time: clock}, SpecHash: "h-want"}
	cl.existing.setState(provisioningFailed)
	cl.pollErr = &azure.OperationFailedError{Err: azureError(200, "ReplicationFailed", "westeurope failed")}
	clock = clock.Add(2 * time.Second)
	cl.requests = nil
	r.reconcile(context.Background(), obj)
	if !slices.Equal(cl.requests, []string{"GET", "POLL op-token"}) || obj.Status.Error == nil || obj.Status.Error.Code != "ReplicationFailed" {
		t.Errorf("Failed: requests %q (want the GET, then the poll), error %+v", cl.requests, obj.Status.Error)
	}
}

// partialClient is a listingClient whose listed "shared" resources lack a part only a GET has.
type partialClient struct{ *listingClient }

func (partialClient) Partial(b *body) bool { return b.state() == "shared" }

// TestPartialListedResourceIsRead: what a list shows only in part is read with a GET; the rest
// of the collection is served by the list.
func TestPartialListedResourceIsRead(t *testing.T) {
	o := &Observer[body]{Lists: true, ListInterval: time.Second, DriftResync: syncPeriod, Now: func() time.Time { return now }}
	lc := &listingClient{fakeClient: &fakeClient{existing: newBody("full", "")},
		items: map[string]*body{"a": newBody("", "Succeeded"), "b": newBody("", "shared")}}
	pc := partialClient{lc}
	cl := Clients[body]{Client: pc, Lister: pc}
	ob, err := o.Observe(context.Background(), cl, "a", thingID("p", "a"), now.Add(-time.Minute))
	got := ob.Body
	if err != nil || got == nil || got.Description != "a:" {
		t.Fatalf("a: %+v, %v", got, err)
	}
	ob, err = o.Observe(context.Background(), cl, "b", thingID("p", "b"), now.Add(-time.Minute))
	got = ob.Body
	if err != nil || got == nil || got.Description != "full" {
		t.Fatalf("b (listed in part): %+v, %v; want the GET's body", got, err)
	}
	if !slices.Equal(lc.requests, []string{"LIST", "GET"}) {
		t.Errorf("requests %q, want one list and one GET", lc.requests)
	}
}

// TestActionDecidedOnGet: an action a listed body calls for is confirmed with a GET first; when
// the GET shows it done already (the list lagged), nothing is sent.
func TestActionDecidedOnGet(t *testing.T) {
	clock := now
	cl := &listingClient{fakeClient: &fakeClient{existing: newBody("want", provisioningSucceeded)},
		items: map[string]*body{"i": newBody("want", provisioningSucceeded)}}
	act := &Action{Kind: v1alpha1.OperationShare, Reason: "Sharing", Message: "Sharing with x"}
	lk := listingKind{fakeKind: fakeKind{client: cl.fakeClient, action: act}, cl: cl}
	r := &Reconciler[*thing, body]{Recorder: events.NewFakeRecorder(100), Azure: fakeConnector{}, Kind: actingKind{lk},
		Observer: &Observer[body]{Lists: true, ListInterval: time.Second, DriftResync: syncPeriod, Now: func() time.Time { return clock }},
		Options:  Options{DriftResync: syncPeriod, TerminalRetry: syncPeriod, ParentWait: syncPeriod, Now: func() time.Time { return clock }}}

	obj := object("want", readyAt("h-want", clock.Add(-61*time.Minute)))
	r.reconcile(context.Background(), obj)
	if !slices.Equal(cl.requests, []string{"LIST", "GET", "ACTION Share"}) {
		t.Errorf("action needed: requests %q, want the list, a GET, then the action", cl.requests)
	}

	cl.requests = nil
	cl.actionsDone = true // the GET shows the sharing done; the list still shows it missing
	obj = object("want", readyAt("h-want", clock.Add(-61*time.Minute)))
	r.obs().update(key(obj), func(t *objectTimes) { t.observed = time.Time{} }) // only the status tells when it was observed
	clock = clock.Add(2 * time.Second)
	r.reconcile(context.Background(), obj)
	if !slices.Equal(cl.requests, []string{"LIST", "GET"}) {
		t.Errorf("list lagging behind: requests %q, want the list and a GET, no action", cl.requests)
	}
	expectCondition(t, &obj.Status.ARMStatus, v1alpha1.ConditionReady, condition{metav1.ConditionTrue, ReasonSucceeded})
}

// actingKind is listingKind with a pending action that a GET (not the list, which lags) shows
// done once the client's actionsDone is set.
type actingKind struct{ listingKind }

func (k actingKind) Capabilities() Capabilities[*thing, body] {
	return Capabilities[*thing, body]{FollowUp: k}
}

func (actingKind) ActionBeforeDelete(*thing, *body) *Action { return nil }

func (k actingKind) NextAction(_ *thing, e *body) *Action {
	listed := strings.Contains(e.Description, ":")
	if k.cl.actionsDone && !listed {
		return nil
	}
	return k.action
}

// blockingLister holds its list until released, so that a second observation joins it.
type blockingLister struct {
	*listingClient
	entered, release chan struct{}
}

func (c blockingLister) ListSiblings(ctx context.Context, id *arm.ResourceID) ([]*body, error) {
	close(c.entered)
	<-c.release
	return c.listingClient.ListSiblings(ctx, id)
}

// TestJoinedListTooOldIsNotAnObservation: an observation that needs Azure as of t, joining a
// list that began before t, is told to come back, not given the older list.
func TestJoinedListTooOldIsNotAnObservation(t *testing.T) {
	var mu sync.Mutex
	clock := now
	tick := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	o := &Observer[body]{Lists: true, ListInterval: time.Second, DriftResync: syncPeriod, Now: tick}
	lc := blockingLister{listingClient: &listingClient{fakeClient: &fakeClient{}, items: map[string]*body{"a": newBody("old", "Succeeded")}},
		entered: make(chan struct{}), release: make(chan struct{})}
	cl := Clients[body]{Client: lc, Lister: lc}
	first := make(chan Observation[body])
	go func() {
		ob, _ := o.Observe(context.Background(), cl, "a", thingID("g", "a"), now.Add(-time.Minute))
		first <- ob
	}()
	<-lc.entered // the list began at now
	mu.Lock()
	clock = now.Add(300 * time.Millisecond)
	mu.Unlock()
	second := make(chan Observation[body])
	go func() {
		ob, _ := o.Observe(context.Background(), cl, "b", thingID("g", "b"), now) // needs a list begun after now
		second <- ob
	}()
	time.Sleep(50 * time.Millisecond) // let it join the list in flight (if it does not, it waits on the interval: same answer)
	close(lc.release)
	if ob := <-first; ob.Body == nil || ob.Wait != 0 {
		t.Errorf("the first observation: %+v, want the listed body", ob)
	}
	if ob := <-second; ob.Body != nil || ob.Wait <= 0 {
		t.Errorf("the joining observation: body %+v, wait %s; want no body and a wait", ob.Body, ob.Wait)
	}
}

// TestStaleListsAreDropped: a collection's cached list goes once no observation can use it (older
// than a tenth of a resync); its phase stays.
func TestStaleListsAreDropped(t *testing.T) {
	clock := now
	o := &Observer[body]{Lists: true, ListInterval: time.Second, DriftResync: syncPeriod, Now: func() time.Time { return clock }}
	lc := &listingClient{fakeClient: &fakeClient{}, items: map[string]*body{"a": newBody("", "Succeeded")}}
	cl := Clients[body]{Client: lc, Lister: lc}
	if _, err := o.Observe(context.Background(), cl, "a", thingID("g1", "a"), clock.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(syncPeriod/10 + time.Second)
	if _, err := o.Observe(context.Background(), cl, "a", thingID("g2", "a"), clock.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, kept := o.lists[collectionKey(thingID("g1", "a"))]; kept || len(o.lists) != 1 {
		t.Errorf("cached lists %d (g1 kept: %v), want only g2's", len(o.lists), kept)
	}
	if len(o.anchors) != 2 {
		t.Errorf("anchors %d, want both collections' phases", len(o.anchors))
	}
}
