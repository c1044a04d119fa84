package reconcile

import (
	"math/rand/v2"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
)

// When to come back: backoff after transient failures, the poll interval of operations, and
// the sync period of Ready objects.
const (
	maxTransientBackoff = 5 * time.Minute
	minTransientBackoff = 2 * time.Second
	maxPollInterval     = 30 * time.Second
	minPollInterval     = 1 * time.Second
)

// recentlySynced reports whether the resource was read from Azure, matched this very spec and
// was Ready less than a sync period ago, and its next observation (syncDue) has not come; then
// no request is needed before the time returned.
func (r *Reconciler[O, B]) recentlySynced(obj O, id *arm.ResourceID, hash string) (time.Duration, bool) {
	st := obj.GetARMStatus()
	ready := findCondition(st, v1alpha1.ConditionReady)
	if ready == nil || ready.Status != metav1.ConditionTrue || ready.ObservedGeneration != obj.GetGeneration() ||
		st.LastAppliedSpecHash != hash || r.lastObserved(obj).IsZero() {
		return 0, false
	}
	remaining := r.obs().Due(key(obj), id, recordedSync(obj)).Sub(r.now())
	if remaining <= 0 {
		return 0, false
	}
	return remaining, true
}

// stalledOn reports whether Azure rejected this very body with a terminal error less than a
// sync period ago: it is not sent again before the spec changes or the period ends. The status
// keeps when the error was first seen; this process remembers when it was last met.
func (r *Reconciler[O, B]) stalledOn(obj O, hash string) (time.Duration, bool) {
	e := obj.GetARMStatus().Error
	if e == nil || !e.Terminal || e.SpecHash != hash || e.Time == nil {
		return 0, false
	}
	last := maxTime(e.Time.Time, r.obs().LastRefused(key(obj)))
	remaining := last.Add(r.TerminalRetry).Sub(r.now())
	if remaining <= 0 {
		return 0, false
	}
	return remaining, true
}

// nextBackoff is the wait before retrying a transient failure: 2s doubling per consecutive
// failure up to 5 minutes, and never less than Azure's Retry-After.
func (r *Reconciler[O, B]) nextBackoff(obj O, retryAfter time.Duration) time.Duration {
	n := 0
	if v, ok := r.backoff.Load(key(obj)); ok {
		n = v.(int)
	}
	r.backoff.Store(key(obj), n+1)
	delay := minTransientBackoff << min(n, 10)
	delay = min(delay, maxTransientBackoff)
	return max(delay, retryAfter)
}

// pollInterval is the wait before the next poll: Azure's Retry-After when given, else a quarter
// of the operation's age, between 1 second and the kind's cap (30 seconds unless it says).
func (r *Reconciler[O, B]) pollInterval(retryAfter time.Duration, started time.Time) time.Duration {
	if retryAfter > 0 {
		return retryAfter
	}
	if started.IsZero() {
		return minPollInterval
	}
	limit := maxPollInterval
	if p := r.caps().LongRunning; p != nil {
		limit = p.MaxPollInterval()
	}
	return min(max(r.now().Sub(started)/4, minPollInterval), limit)
}

func key(obj client.Object) string { return obj.GetNamespace() + "/" + obj.GetName() }

// jitter spreads periodic re-reads: d plus up to 10%.
func jitter(d time.Duration) time.Duration {
	return d + time.Duration(rand.Int64N(int64(d)/10+1))
}
