package reconcile

import (
	"sync"
	"time"
)

// objectTimes is what this process remembers of one object, in memory only: when its resource
// was last observed in Azure, when a write was last sent for it, and when Azure last refused its
// spec with a terminal error. None of these is written to the status on its own: a status is
// written only when what it says of the resource changes (see patchStatus), so that an object at
// rest costs the API server nothing.
type objectTimes struct {
	observed, written, refused time.Time
}

// freshness keeps the objectTimes of every object of a kind, by "namespace/name".
type freshness struct {
	mu      sync.Mutex
	objects map[string]objectTimes
}

// get returns the times remembered for key (zero times when none).
func (f *freshness) get(key string) objectTimes {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.objects[key]
}

// update changes the times remembered for key.
func (f *freshness) update(key string, fn func(*objectTimes)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.objects == nil {
		f.objects = map[string]objectTimes{}
	}
	t := f.objects[key]
	fn(&t)
	f.objects[key] = t
}

// forget drops what is remembered of an object that is gone.
func (f *freshness) forget(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.objects, key)
}
