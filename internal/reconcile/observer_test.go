package reconcile

import (
	"context"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
)

// listingClient is a fakeClient whose collection can be listed.
type listingClient struct {
	*fakeClient
	items map[string]*body
	lists int
}

func (c *listingClient) ListSiblings(context.Context, azure.ResourceRef) ([]*body, error) {
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

func (c *listingClient) NameOf(b *body) string {
	for i, ch := range b.Description {
		if ch == ':' {
			return b.Description[:i]
		}
	}
	return ""
}

// TestListObserverServesACollectionWithOneRead: objects of one collection share a list; a
// newer observation than the cached list is read again only after the interval.
func TestListObserverServesACollectionWithOneRead(t *testing.T) {
	clock := now
	o := &ListObserver[body]{Interval: time.Second, Now: func() time.Time { return clock }}
	cl := &listingClient{fakeClient: &fakeClient{}, items: map[string]*body{"a": {State: "Succeeded"}, "b": {State: "Creating"}}}
	ref := func(name string) azure.ResourceRef {
		return azure.ResourceRef{ResourceGroup: "rg", Gallery: "g", Image: name}
	}
	for _, name := range []string{"a", "b", "c"} {
		got, wait, err := o.Observe(context.Background(), cl, ref(name), clock.Add(-time.Minute))
		if err != nil || wait != 0 {
			t.Fatalf("%s: wait %s, err %v", name, wait, err)
		}
		if (got == nil) != (name == "c") {
			t.Errorf("%s: observed %+v", name, got)
		}
	}
	if cl.lists != 1 {
		t.Errorf("three objects of one collection cost %d lists, want 1", cl.lists)
	}
	clock = clock.Add(300 * time.Millisecond)
	if _, wait, _ := o.Observe(context.Background(), cl, ref("a"), clock); wait != 700*time.Millisecond || cl.lists != 1 {
		t.Errorf("a newer observation within the interval: wait %s, %d lists; want 700ms, 1", wait, cl.lists)
	}
	clock = clock.Add(time.Second)
	if _, wait, _ := o.Observe(context.Background(), cl, ref("a"), clock.Add(-time.Millisecond)); wait != 0 || cl.lists != 2 {
		t.Errorf("after the interval: wait %s, %d lists; want 0, 2", wait, cl.lists)
	}
}

// TestWriteFollowedByList: with a list observer, a new object is written without a GET, its
// operation is followed by the list (no poll), and it is Ready without another read.
func TestWriteFollowedByList(t *testing.T) {
	clock := now
	cl := &listingClient{fakeClient: &fakeClient{}, items: map[string]*body{}}
	r := &Reconciler[*v1alpha1.GalleryImage, body]{Recorder: events.NewFakeRecorder(100), Azure: fakeConnector{},
		Kind:     fakeKind{client: cl.fakeClient},
		Observer: &ListObserver[body]{Interval: time.Second, Now: func() time.Time { return clock }},
		Options:  Options{SyncPeriod: syncPeriod, Now: func() time.Time { return clock }}}
	r.Kind = listingKind{fakeKind: fakeKind{client: cl.fakeClient}, cl: cl}
	obj := object("want", nil)
	obj.CreationTimestamp = metav1.Time{Time: clock.Add(-time.Second)}

	r.reconcile(context.Background(), obj)
	if !slices.Equal(cl.requests, []string{"LIST", "PUT want"}) {
		t.Fatalf("create: requests %q, want a list and the PUT", cl.requests)
	}
	cl.items["i"] = &body{Description: "want", State: provisioningCreating}
	clock = clock.Add(2 * time.Second)
	cl.requests = nil
	r.reconcile(context.Background(), obj)
	if !slices.Equal(cl.requests, []string{"LIST"}) || obj.Status.Operation == nil {
		t.Fatalf("while Creating: requests %q (want one list, no poll), operation %+v", cl.requests, obj.Status.Operation)
	}
	cl.items["i"].State = provisioningSucceeded
	clock = clock.Add(2 * time.Second)
	cl.requests = nil
	res := r.reconcile(context.Background(), obj)
	if !slices.Equal(cl.requests, []string{"LIST"}) || obj.Status.Operation != nil {
		t.Fatalf("once Succeeded: requests %q (want one list), operation %+v", cl.requests, obj.Status.Operation)
	}
	expectCondition(t, &obj.Status.ARMStatus, v1alpha1.ConditionReady, condition{metav1.ConditionTrue, ReasonSucceeded})
	if res.RequeueAfter < syncPeriod {
		t.Errorf("Ready requeues after %s", res.RequeueAfter)
	}
}

// listingKind is fakeKind whose client lists, and whose listed names carry a prefix.
type listingKind struct {
	fakeKind
	cl *listingClient
}

func (k listingKind) Client(*azure.Connection) Client[body] { return k.cl }
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
