package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/metrics"
)

// followOperation polls the create-or-update (or follow-up action) in flight once. It returns
// done=true when the operation ended, so that the caller goes on to observe the resource, with
// the resource as a GET just read it when one did (fresh; nil otherwise); when not done, the
// result to return. Sets Reconciling while it runs, Ready/Stalled and status.error when it failed.
func (r *Reconciler[O, B]) followOperation(ctx context.Context, obj O, cl Clients[B], id *arm.ResourceID) (done bool, fresh *B, result ctrl.Result) {
	st := obj.GetARMStatus()
	op := st.Operation
	var res azure.Operation
	var err error
	switch op.Kind {
	case v1alpha1.OperationCreateOrUpdate:
		if done, result, decided := r.operationFromList(ctx, obj, cl, id); decided {
			return done, nil, result
		}
		if done, fresh, result, decided := r.operationFromGet(ctx, obj, cl, id); decided {
			return done, fresh, result
		}
		res, err = cl.PollPut(ctx, id, op.ResumeToken)
	case v1alpha1.OperationDelete:
		st.Operation = nil // a delete that was cancelled by removing deletion cannot be resumed here
		return true, nil, ctrl.Result{}
	default:
		if cl.Actions == nil {
			st.Operation = nil
			return true, nil, ctrl.Result{}
		}
		res, err = cl.Actions.PollAction(ctx, id, op.Kind, op.ResumeToken)
	}
	var opFailed *azure.OperationFailedError
	switch {
	case errors.As(err, &opFailed):
		r.endOperation(obj, "failed")
		if op.Kind == v1alpha1.OperationCreateOrUpdate {
			st.ProvisioningState = provisioningFailed
		}
		r.Recorder.Eventf(obj, nil, corev1.EventTypeWarning, ReasonOperationFailed, string(op.Kind), "%s", r.classify(err).Error())
		return false, nil, r.fail(ctx, obj, err, op.SpecHash)
	case err != nil:
		// the status request failed, not the operation: keep following it
		return false, nil, r.fail(ctx, obj, err, op.SpecHash)
	}
	if !res.Done {
		op.ResumeToken = res.ResumeToken
		r.markOperationRunning(obj)
		r.showProgress(ctx, obj, cl, id)
		return false, nil, ctrl.Result{RequeueAfter: r.pollInterval(res.RetryAfter, op.StartTime.Time)}
	}
	if op.Kind == v1alpha1.OperationCreateOrUpdate {
		st.LastAppliedSpecHash = op.SpecHash
	}
	r.endOperation(obj, "succeeded")
	return true, nil, ctrl.Result{}
}

// markOperationRunning keeps Reconciling while an operation runs, with the reason and message it
// started with (a write's, or a follow-up action's): that it still runs is no news to write.
func (r *Reconciler[O, B]) markOperationRunning(obj O) {
	st := obj.GetARMStatus()
	reason := reasonForOperation(st)
	if c := findCondition(st, v1alpha1.ConditionReconciling); c != nil && c.Status == metav1.ConditionTrue &&
		(st.Operation.Kind != v1alpha1.OperationCreateOrUpdate || c.Reason == reason) {
		r.markReconciling(obj, c.Reason, c.Message)
		return
	}
	r.markReconciling(obj, reason, fmt.Sprintf("Azure is %s the %s", strings.ToLower(reason), r.Kind.Noun()))
}

// endOperation clears the operation in flight and records its duration.
func (r *Reconciler[O, B]) endOperation(obj O, outcome string) {
	st := obj.GetARMStatus()
	op := st.Operation
	metrics.OperationDuration.WithLabelValues(r.kindName(), string(op.Kind), outcome).Observe(r.now().Sub(op.StartTime.Time).Seconds())
	st.Operation = nil
}

// reasonForOperation is Creating or Updating, from the provisioning state the write set.
func reasonForOperation(st *v1alpha1.ARMStatus) string {
	if st.ProvisioningState == provisioningCreating {
		return ReasonCreating
	}
	return ReasonUpdating
}

// provisioningInProgress reports whether Azure is still working on the resource (an operation
// not started by this reconciler, or one whose record was lost).
func provisioningInProgress(state string) bool {
	switch state {
	case provisioningCreating, provisioningUpdating, "Deleting", "Migrating":
		return true
	}
	return false
}

// showProgress reads a long operation's resource to show its progress (replication
// per region) while the operation runs; kinds without progress skip the read. A
// failed read only leaves the progress as it was.
func (r *Reconciler[O, B]) showProgress(ctx context.Context, obj O, cl Clients[B], id *arm.ResourceID) {
	p := r.caps().LongRunning
	if p == nil || obj.GetARMStatus().Operation.Kind != v1alpha1.OperationCreateOrUpdate {
		return
	}
	existing, err := r.get(ctx, obj, cl, id)
	if err != nil || existing == nil {
		return
	}
	r.recordProgress(obj, p, existing)
}

// progressAfter is how long a write runs before its progress is shown: a write that ends sooner
// goes from accepted to Ready with no status write in between.
const progressAfter = 10 * time.Second

// recordProgress records what a read during a write shows (replication per region)
// and says it in Reconciling, keeping the write's Creating or Updating as the provisioning state
// until the operation ends; not in a write's first progressAfter.
func (r *Reconciler[O, B]) recordProgress(obj O, p LongRunning[O, B], existing *B) {
	st := obj.GetARMStatus()
	if op := st.Operation; op != nil && r.now().Sub(op.StartTime.Time) < progressAfter {
		return
	}
	state := st.ProvisioningState
	r.observe(obj, existing)
	st.ProvisioningState = state
	if msg, busy := p.InProgress(obj, existing); busy {
		r.markReconciling(obj, reasonForOperation(st), msg)
	}
}

// operationFromList tells whether a write ended from the observer's list of its collection,
// without a request of its own: a list read after the write began shows the resource Creating or
// Updating until Azure finished it. decided is false when the list cannot tell (no list, the
// resource Failed, a kind whose progress needs its own reads, or one whose body has no
// provisioningState): then the operation is polled.
func (r *Reconciler[O, B]) operationFromList(ctx context.Context, obj O, cl Clients[B], id *arm.ResourceID) (done bool, result ctrl.Result, decided bool) {
	if !r.obs().Lists || cl.Lister == nil || r.caps().LongRunning != nil || !r.described().envelope.HasState() {
		return false, ctrl.Result{}, false
	}
	st := obj.GetARMStatus()
	op := st.Operation
	since := afterStamp(op.StartTime) // a list begun after the write, and newer than what was seen last
	if last := r.lastObserved(obj); !last.IsZero() {
		since = maxTime(since, afterStamp(metav1.NewTime(last)))
	}
	existing, wait, err := r.read(ctx, obj, cl, id, since)
	switch {
	case err != nil:
		return false, r.fail(ctx, obj, err, op.SpecHash), true
	case wait > 0:
		r.markOperationRunning(obj)
		return false, ctrl.Result{RequeueAfter: max(wait, r.listPollInterval(op.StartTime.Time))}, true
	case existing == nil:
		return false, ctrl.Result{}, false // not listed yet: ask the operation
	}
	switch r.described().envelope.ProvisioningState(existing) {
	case provisioningSucceeded:
		st.LastAppliedSpecHash = op.SpecHash
		r.endOperation(obj, "succeeded")
		return true, ctrl.Result{}, true
	case provisioningFailed:
		return false, ctrl.Result{}, false // the operation's status carries the error
	}
	r.markOperationRunning(obj)
	return false, ctrl.Result{RequeueAfter: r.listPollInterval(op.StartTime.Time)}, true
}

// operationFromGet follows a write of a kind with progress (replication, which
// no list carries) by reading the resource itself: one GET tells both whether Azure finished and
// how far it got, where polling the operation would need a GET for the progress as well. A GET
// right after the write already shows it (Creating or Updating), unlike a list. decided is false
// when the GET cannot tell (the resource absent, or Failed: the operation's status carries the
// error): then the operation is polled.
func (r *Reconciler[O, B]) operationFromGet(ctx context.Context, obj O, cl Clients[B], id *arm.ResourceID) (done bool, fresh *B, result ctrl.Result, decided bool) {
	p := r.caps().LongRunning
	if p == nil || !r.obs().Lists {
		return false, nil, ctrl.Result{}, false
	}
	st := obj.GetARMStatus()
	op := st.Operation
	existing, err := r.get(ctx, obj, cl, id)
	switch {
	case err != nil:
		return false, nil, r.fail(ctx, obj, err, op.SpecHash), true
	case existing == nil:
		return false, nil, ctrl.Result{}, false
	}
	switch r.described().envelope.ProvisioningState(existing) {
	case provisioningSucceeded:
		st.LastAppliedSpecHash = op.SpecHash
		r.endOperation(obj, "succeeded")
		return true, existing, ctrl.Result{}, true
	case provisioningFailed:
		return false, nil, ctrl.Result{}, false
	}
	r.markOperationRunning(obj)
	r.recordProgress(obj, p, existing)
	return false, nil, ctrl.Result{RequeueAfter: r.pollInterval(0, op.StartTime.Time)}, true
}

// listPollInterval is the wait before looking at the list again for a write in flight: a quarter
// of its age, between the list interval (lists cost one read per collection, whatever the
// number of objects waiting) and the kind's cap.
func (r *Reconciler[O, B]) listPollInterval(started time.Time) time.Duration {
	return max(min(r.pollInterval(0, started), r.now().Sub(started)/4), r.obs().ListInterval, 100*time.Millisecond)
}
