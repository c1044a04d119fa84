package reconcile

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"golang.org/x/sync/singleflight"
	"k8s.io/apimachinery/pkg/types"
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

// Observer owns freshness: it reads resources from Azure and decides how fresh an observation
// must be, when each was last observed and when it is next due. It keeps, in memory only, per
// object when it was last observed, when a write was last sent and when Azure last refused it
// with a terminal error, and per collection its cached list and the list's phase (anchor).
// None of this is written to the status on its own: a status is written only when what it
// says of the resource changes, so that an object at rest costs the API server nothing.
//
// With Lists, observations are served from one paged list per collection (the children of one
// parent, a page at a time), shared by every object in it, instead of a GET per object. A list
// is read again only when an observation needs a newer one than the cached, and at most once per
// ListInterval per collection. Clients that cannot list are read with Get.
type Observer[B any] struct {
	// Lists observes by list where the kind's client can list.
	Lists bool
	// ListInterval is the shortest time between two reads of one collection's list, and
	// DriftResync how often a Ready object is observed again: the reconciler's Options unless set.
	ListInterval time.Duration
	DriftResync  time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	mu      sync.Mutex
	lists   map[string]*listing[B]
	anchors map[string]time.Time // when each collection was first listed: its resyncs' phase
	objects map[string]objectTimes
	flight  singleflight.Group
}

// Observation is what the observer answers: the resource's body (nil when absent), as Azure
// held it at the time asked for or later. Wait > 0 means no observation fresh enough could be
// had now without spending more requests than allowed: come back then. When the object was last
// observed and when it is next due are the observer's to say (Last, Due).
type Observation[B any] struct {
	Body *B
	Wait time.Duration
}

// objectTimes is what the observer remembers of one object: when it was observed, written and
// refused, and, while it is being deleted, that Azure answered its resource absent (the UID of
// the object it was answered for).
type objectTimes struct {
	observed, written, refused time.Time
	gone                       types.UID
}

// listing is one read of a collection.
type listing[B any] struct {
	started time.Time // when the read began: it shows Azure as of then or later
	items   map[string]*B
}

// Observe returns the resource of the object key as Azure held it at notBefore or later: from
// the collection's list (the cached one, or a new read when ListInterval has passed since the
// last), or with a GET.
func (o *Observer[B]) Observe(ctx context.Context, cl Clients[B], key string, id *arm.ResourceID, notBefore time.Time) (Observation[B], error) {
	l := cl.Lister
	if !o.Lists || l == nil {
		return o.Get(ctx, cl, key, id)
	}
	coll := collectionKey(id)
	now := o.now()
	o.mu.Lock()
	cached := o.lists[coll]
	o.mu.Unlock()
	if cached == nil || !cached.started.After(notBefore) { // a list begun at notBefore may miss what happened then
		if cached != nil && now.Sub(cached.started) < o.ListInterval {
			return Observation[B]{Wait: o.ListInterval - now.Sub(cached.started)}, nil
		}
		fresh, err := o.refresh(ctx, l, id, coll)
		if err != nil {
			return Observation[B]{}, err
		}
		if fresh.started.Before(now) && !fresh.started.After(notBefore) { // joined a read begun too early
			return Observation[B]{Wait: max(o.ListInterval-o.now().Sub(fresh.started), minPollInterval)}, nil
		}
		cached = fresh
	}
	item := cached.items[strings.ToLower(id.Name)]
	if item != nil && l.Partial(item) {
		return o.Get(ctx, cl, key, id)
	}
	return o.observed(key, item, cached.started), nil
}

// Get reads the resource itself with a GET, bypassing any list: what a write is decided on.
func (o *Observer[B]) Get(ctx context.Context, cl Clients[B], key string, id *arm.ResourceID) (Observation[B], error) {
	started := o.now()
	body, err := cl.Get(ctx, id)
	if err != nil {
		return Observation[B]{}, err
	}
	return o.observed(key, body, started), nil
}

// observed records an observation made at and answers it. A list older than the object's last
// observation still dates it when within a tenth of a resync, so that the objects of a
// collection share their observation time.
func (o *Observer[B]) observed(key string, body *B, at time.Time) Observation[B] {
	o.mu.Lock()
	t := o.objects[key]
	if t.observed.IsZero() || at.After(t.observed.Add(-o.DriftResync/10)) {
		t.observed = at
	}
	o.setLocked(key, t)
	o.mu.Unlock()
	return Observation[B]{Body: body}
}

// Last is when the object key was last observed: by this process, or as its status recorded
// (recorded; after a restart); zero when never.
func (o *Observer[B]) Last(key string, recorded time.Time) time.Time {
	return maxTime(o.times(key).observed, recorded)
}

// Due is when the object key is next observed, given the time its status recorded.
func (o *Observer[B]) Due(key string, id *arm.ResourceID, recorded time.Time) time.Time {
	last := o.Last(key, recorded)
	if last.IsZero() {
		last = o.now()
	}
	return o.dueAfter(id, last)
}

// dueAfter is when an object last observed at last is observed again: within a resync of it.
// With lists it is the first time after last that falls on its collection's phase (the first
// list plus whole resyncs), so that the objects of a collection come back together and one list
// serves them all, even in the first period after a ramp of writes spread over minutes; such an
// object is observed early once.
func (o *Observer[B]) dueAfter(id *arm.ResourceID, last time.Time) time.Time {
	if o.Lists {
		o.mu.Lock()
		anchor := o.anchors[collectionKey(id)]
		o.mu.Unlock()
		if !anchor.IsZero() {
			return slotAfter(anchor, last, o.DriftResync)
		}
	}
	return last.Add(o.DriftResync)
}

// NotBefore is how old an observation of the object key may be: a list read in the last tenth
// of a resync (the spread of the jittered resyncs, so that one list serves every object of a
// collection); one read after created (an object never written, created then); and one read
// after this process's last write for it, which it may not have been able to record in the
// status (the API server away): only a newer observation tells what became of the write.
func (o *Observer[B]) NotBefore(key string, created time.Time) time.Time {
	since := maxTime(o.now().Add(-o.DriftResync/10), created)
	return maxTime(since, o.times(key).written)
}

// Wrote records that a write was sent for the object key at t.
func (o *Observer[B]) Wrote(key string, t time.Time) {
	o.update(key, func(ot *objectTimes) { ot.written = t })
}

// Written reports whether this process sent a write for the object key.
func (o *Observer[B]) Written(key string) bool { return !o.times(key).written.IsZero() }

// Refused records that Azure refused the object key's spec with a terminal error at t.
func (o *Observer[B]) Refused(key string, t time.Time) {
	o.update(key, func(ot *objectTimes) { ot.refused = t })
}

// LastRefused is when Azure last refused the object key's spec with a terminal error.
func (o *Observer[B]) LastRefused(key string) time.Time { return o.times(key).refused }

// Gone records that Azure answered the resource of the object key (uid) absent during its
// deletion: what is left is Kubernetes' part (the finalizer), and a retry of it needs no new read.
func (o *Observer[B]) Gone(key string, uid types.UID) {
	o.update(key, func(ot *objectTimes) { ot.gone = uid })
}

// ConfirmedGone reports whether Azure answered the resource of the object key (uid) absent
// during its deletion. Another object of the same name (another UID) is not.
func (o *Observer[B]) ConfirmedGone(key string, uid types.UID) bool {
	return uid != "" && o.times(key).gone == uid
}

// Forget drops what is remembered of an object that is gone.
func (o *Observer[B]) Forget(key string) {
	o.mu.Lock()
	delete(o.objects, key)
	o.mu.Unlock()
}

func (o *Observer[B]) times(key string) objectTimes {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.objects[key]
}

func (o *Observer[B]) update(key string, fn func(*objectTimes)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	t := o.objects[key]
	fn(&t)
	o.setLocked(key, t)
}

func (o *Observer[B]) setLocked(key string, t objectTimes) {
	if o.objects == nil {
		o.objects = map[string]objectTimes{}
	}
	o.objects[key] = t
}

// refresh reads the collection's list once, however many objects ask at the same time.
func (o *Observer[B]) refresh(ctx context.Context, l Lister[B], id *arm.ResourceID, coll string) (*listing[B], error) {
	v, err, _ := o.flight.Do(coll, func() (any, error) {
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
		o.lists[coll] = fresh
		if _, ok := o.anchors[coll]; !ok {
			o.anchors[coll] = started
		}
		o.pruneLocked(started)
		o.mu.Unlock()
		return fresh, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*listing[B]), nil
}

// pruneLocked drops the cached lists that no observation can use any more: every observation
// asks for a list read within the last tenth of a resync (NotBefore), or within ListInterval.
// Their collections' anchors stay, so that their objects keep their phase.
func (o *Observer[B]) pruneLocked(now time.Time) {
	keep := max(o.DriftResync/10, o.ListInterval)
	for coll, l := range o.lists {
		if now.Sub(l.started) > keep {
			delete(o.lists, coll)
		}
	}
}

func (o *Observer[B]) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// slotAfter is the first of the times anchor + k·period (k any integer) after t: in (t, t+period].
func slotAfter(anchor, t time.Time, period time.Duration) time.Time {
	d := t.Sub(anchor)
	n := d / period
	if d < 0 && d%period != 0 {
		n-- // round toward minus infinity
	}
	return anchor.Add((n + 1) * period)
}

// collectionKey names the collection of id: its path without its own name, lower-cased.
func collectionKey(id *arm.ResourceID) string {
	p := id.String()
	return strings.ToLower(p[:strings.LastIndex(p, "/")])
}
