package reconcile

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"golang.org/x/sync/singleflight"
)

// Lister lists every resource of a collection: the siblings of id, all pages.
type Lister[B any] interface {
	ListSiblings(ctx context.Context, id *arm.ResourceID) ([]*B, error)
	// NameOf is a listed resource's own name.
	NameOf(b *B) string
	// Partial reports a listed resource of which the list leaves out a part (one that Azure
	// returns only to a GET that asks for it): the observer reads it with a GET instead, so
	// that nothing is decided on half a body.
	Partial(listed *B) bool
}

// read observes the resource through the reconciler's Observer, or the client's Get.
func (r *Reconciler[O, B]) read(ctx context.Context, cl Clients[B], id *arm.ResourceID, notBefore time.Time) (*B, time.Duration, error) {
	if r.Observer != nil {
		return r.Observer.Observe(ctx, cl, id, notBefore)
	}
	existing, err := cl.Get(ctx, id)
	return existing, 0, err
}

// get reads the resource itself, bypassing the observer: what a write is decided on.
func (r *Reconciler[O, B]) get(ctx context.Context, cl Clients[B], id *arm.ResourceID) (*B, error) {
	return cl.Get(ctx, id)
}

// ListObserver serves observations from one paged list per collection (the children of one
// parent, a page at a time), shared by every object in it, instead of a GET per object. A list
// is read again only when an observation needs a newer one than the cached, and at most once per
// Interval per collection. Clients that cannot list are read with Get.
type ListObserver[B any] struct {
	// Interval is the shortest time between two reads of one collection's list.
	Interval time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	mu      sync.Mutex
	lists   map[string]*listing[B]
	anchors map[string]time.Time // when each collection was first listed: its resyncs' phase
	flight  singleflight.Group
}

// listing is one read of a collection.
type listing[B any] struct {
	started time.Time // when the read began: it shows Azure as of then or later
	items   map[string]*B
}

// Observe returns the resource from a list read after notBefore: the cached one, or a new
// read when Interval has passed since the last; otherwise wait says when to come back.
func (o *ListObserver[B]) Observe(ctx context.Context, cl Clients[B], id *arm.ResourceID, notBefore time.Time) (*B, time.Duration, error) {
	l := cl.Lister
	if l == nil {
		existing, err := cl.Get(ctx, id)
		return existing, 0, err
	}
	key := collectionKey(id)
	now := o.now()
	o.mu.Lock()
	cached := o.lists[key]
	o.mu.Unlock()
	if cached == nil || !cached.started.After(notBefore) { // a list begun at notBefore may miss what happened then

		if cached != nil && now.Sub(cached.started) < o.Interval {
			return nil, o.Interval - now.Sub(cached.started), nil
		}
		fresh, err := o.refresh(ctx, l, id, key)
		if err != nil {
			return nil, 0, err
		}
		cached = fresh
	}
	item := cached.items[strings.ToLower(id.Name)]
	if item != nil && l.Partial(item) {
		existing, err := cl.Get(ctx, id)
		return existing, 0, err
	}
	return item, 0, nil
}

// refresh reads the collection's list once, however many objects ask at the same time.
func (o *ListObserver[B]) refresh(ctx context.Context, l Lister[B], id *arm.ResourceID, key string) (*listing[B], error) {
	v, err, _ := o.flight.Do(key, func() (any, error) {
		started := o.now()
		items, err := l.ListSiblings(ctx, id)
		if err != nil {
			return nil, err
		}
		fresh := &listing[B]{started: started, items: make(map[string]*B, len(items))}
		for _, it := range items {
			fresh.items[strings.ToLower(l.NameOf(it))] = it
		}
		o.mu.Lock()
		if o.lists == nil {
			o.lists, o.anchors = map[string]*listing[B]{}, map[string]time.Time{}
		}
		o.lists[key] = fresh
		if _, ok := o.anchors[key]; !ok {
			o.anchors[key] = started
		}
		o.mu.Unlock()
		return fresh, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*listing[B]), nil
}

// AsOf is when the cached list of id's collection began to be read; zero when none is cached.
func (o *ListObserver[B]) AsOf(id *arm.ResourceID) time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	if l := o.lists[collectionKey(id)]; l != nil {
		return l.started
	}
	return time.Time{}
}

// Anchor is when id's collection was first listed (zero when never): the objects of a
// collection are observed again at this time plus whole sync periods, so that one list serves
// them all, however their own observations were spread (a ramp of writes over minutes, say).
func (o *ListObserver[B]) Anchor(id *arm.ResourceID) time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.anchors[collectionKey(id)]
}

// Forget drops a collection's cached list (its parent is gone, say).
func (o *ListObserver[B]) Forget(id *arm.ResourceID) {
	o.mu.Lock()
	delete(o.lists, collectionKey(id))
	delete(o.anchors, collectionKey(id))
	o.mu.Unlock()
}

func (o *ListObserver[B]) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// collectionKey names the collection of id: its path without its own name, lower-cased.
func collectionKey(id *arm.ResourceID) string {
	p := id.String()
	return strings.ToLower(p[:strings.LastIndex(p, "/")])
}
