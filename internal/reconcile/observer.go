package reconcile

import (
	"context"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/azgallery/gallery-operator/internal/azure"
)

// Observer reads a resource's current body from Azure (nil when it is absent), as Azure held it
// at notBefore or later. When no such observation can be had right now without spending more
// requests than the observer allows, it returns wait > 0: come back then.
type Observer[B any] interface {
	Observe(ctx context.Context, cl Client[B], ref azure.ResourceRef, notBefore time.Time) (existing *B, wait time.Duration, err error)
}

// Lister is implemented by kind clients that can list every resource of a collection: the
// siblings of ref (a gallery's image definitions, say), all pages.
type Lister[B any] interface {
	ListSiblings(ctx context.Context, ref azure.ResourceRef) ([]*B, error)
	// NameOf is a listed resource's own name.
	NameOf(b *B) string
}

// Partial is implemented by listers whose list leaves out part of some resources (a gallery's
// sharing groups, which Azure returns only to a GET that asks for them): the observer reads such
// a resource with a GET instead, so that nothing is decided on half a body.
type Partial[B any] interface {
	Partial(listed *B) bool
}

// read observes the resource through the reconciler's Observer, or the client's Get.
func (r *Reconciler[O, B]) read(ctx context.Context, cl Client[B], ref azure.ResourceRef, notBefore time.Time) (*B, time.Duration, error) {
	if r.Observer != nil {
		return r.Observer.Observe(ctx, cl, ref, notBefore)
	}
	existing, err := cl.Get(ctx, ref)
	return existing, 0, err
}

// get reads the resource itself, bypassing the observer: what a write is decided on.
func (r *Reconciler[O, B]) get(ctx context.Context, cl Client[B], ref azure.ResourceRef) (*B, error) {
	return cl.Get(ctx, ref)
}

// ListObserver serves observations from one paged list per collection (a gallery's image
// definitions, 100 per page), shared by every object in it, instead of a GET per object. A list
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
func (o *ListObserver[B]) Observe(ctx context.Context, cl Client[B], ref azure.ResourceRef, notBefore time.Time) (*B, time.Duration, error) {
	l, ok := cl.(Lister[B])
	if !ok {
		existing, err := cl.Get(ctx, ref)
		return existing, 0, err
	}
	key := collectionKey(ref)
	now := o.now()
	o.mu.Lock()
	cached := o.lists[key]
	o.mu.Unlock()
	if cached == nil || !cached.started.After(notBefore) { // a list begun at notBefore may miss what happened then

		if cached != nil && now.Sub(cached.started) < o.Interval {
			return nil, o.Interval - now.Sub(cached.started), nil
		}
		fresh, err := o.refresh(ctx, l, ref, key)
		if err != nil {
			return nil, 0, err
		}
		cached = fresh
	}
	item := cached.items[strings.ToLower(ref.Name())]
	if p, ok := l.(Partial[B]); ok && item != nil && p.Partial(item) {
		existing, err := cl.Get(ctx, ref)
		return existing, 0, err
	}
	return item, 0, nil
}

// refresh reads the collection's list once, however many objects ask at the same time.
func (o *ListObserver[B]) refresh(ctx context.Context, l Lister[B], ref azure.ResourceRef, key string) (*listing[B], error) {
	v, err, _ := o.flight.Do(key, func() (any, error) {
		started := o.now()
		items, err := l.ListSiblings(ctx, ref)
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

// AsOf is when the cached list of ref's collection began to be read; zero when none is cached.
func (o *ListObserver[B]) AsOf(ref azure.ResourceRef) time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	if l := o.lists[collectionKey(ref)]; l != nil {
		return l.started
	}
	return time.Time{}
}

// Anchor is when ref's collection was first listed (zero when never): the objects of a
// collection are observed again at this time plus whole sync periods, so that one list serves
// them all, however their own observations were spread (a ramp of writes over minutes, say).
func (o *ListObserver[B]) Anchor(ref azure.ResourceRef) time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.anchors[collectionKey(ref)]
}

// Forget drops a collection's cached list (its parent is gone, say).
func (o *ListObserver[B]) Forget(ref azure.ResourceRef) {
	o.mu.Lock()
	delete(o.lists, collectionKey(ref))
	delete(o.anchors, collectionKey(ref))
	o.mu.Unlock()
}

func (o *ListObserver[B]) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// collectionKey names the collection of ref: its path without its own name, lower-cased.
func collectionKey(ref azure.ResourceRef) string {
	p := ref.String()
	return strings.ToLower(p[:strings.LastIndex(p, "/")])
}
