package reconcile

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
)

// reconcileDelete handles an object being deleted. With deletionPolicy Orphan it only removes
// the finalizer. With Delete it lets a write in flight finish, sends DELETE, follows the
// operation, and removes the finalizer once Azure answers 404 for the resource (or its parent is
// gone). Sets Reconciling (Deleting) while it waits, and the error conditions.
func (r *Reconciler[O, B]) reconcileDelete(ctx context.Context, obj O) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(obj, Finalizer) {
		return ctrl.Result{}, nil
	}
	if r.obs().ConfirmedGone(key(obj), obj.GetUID()) {
		// Azure already answered 404; only the finalizer's removal failed (the API server away).
		return ctrl.Result{}, r.removeFinalizer(ctx, obj)
	}
	target, err := r.deletionTarget(ctx, obj)
	if err != nil {
		return r.fail(ctx, obj, err, ""), nil
	}
	if target.DeletionPolicy == v1alpha1.DeletionPolicyOrphan {
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, ReasonOrphaned, "Delete", "Left the %s %s in Azure (deletionPolicy Orphan)", r.Kind.Noun(), orphanName(obj, target))
		return ctrl.Result{}, r.removeFinalizer(ctx, obj)
	}
	cl, id, err := r.connect(ctx, obj, target)
	if err != nil {
		return r.fail(ctx, obj, err, ""), nil
	}
	if result, refused := r.checkScope(ctx, obj, id); refused {
		if neverWritten(obj) {
			// Nothing of ours is in Azure, and what may be there is outside the namespace's scope.
			r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, ReasonOrphaned, "Delete", "Nothing deleted in Azure: the %s was never written, and its namespace does not allow its scope", r.Kind.Noun())
			return ctrl.Result{}, r.removeFinalizer(ctx, obj)
		}
		return result, nil // deletionPolicy Orphan releases the object without a request
	}
	if obj.GetARMStatus().Operation != nil {
		if done, result := r.followDeletionOperation(ctx, obj, cl, id); !done {
			return result, nil
		}
	}
	existing, err := r.get(ctx, obj, cl, id) // a deletion is decided on the resource itself
	switch {
	case azure.IsParentMissing(err) || err == nil && existing == nil:
		r.obs().Gone(key(obj), obj.GetUID())
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, ReasonDeleted, "Delete", "The %s %s is gone from Azure", r.Kind.Noun(), id.Name)
		return ctrl.Result{}, r.removeFinalizer(ctx, obj)
	case err != nil:
		return r.fail(ctx, obj, err, ""), nil
	}
	r.observe(obj, existing)
	if g := r.caps().WriteRules; g != nil {
		if blocked := g.DeleteBlocked(obj, existing, r.now()); blocked != nil {
			return r.fail(ctx, obj, blocked, ""), nil
		}
	}
	if st := obj.GetARMStatus(); provisioningInProgress(st.ProvisioningState) {
		r.markReconciling(obj, ReasonWaitingForAzure, fmt.Sprintf("Azure reports provisioningState %s; deleting once it finishes", st.ProvisioningState))
		return ctrl.Result{RequeueAfter: r.pollInterval(0, deletionStart(obj))}, nil
	}
	if f := r.caps().FollowUp; f != nil {
		if action := f.ActionBeforeDelete(obj, existing); action != nil {
			return r.startAction(ctx, obj, cl, id, *action, ""), nil
		}
	}
	return r.startDelete(ctx, obj, cl, id), nil
}

// deletionTarget is where the resource to delete lives. A parent object that is gone (or being
// deleted) does not stop the deletion: the resource ID recorded in the status says where it is.
func (r *Reconciler[O, B]) deletionTarget(ctx context.Context, obj O) (Target, error) {
	target, err := r.Kind.Target(ctx, r.Client, obj, false)
	if err == nil || asWaiting(err) == nil {
		return target, err
	}
	st := obj.GetARMStatus()
	if st.ID == "" {
		// never written to Azure: there is nothing to delete
		return Target{DeletionPolicy: v1alpha1.DeletionPolicyOrphan}, nil
	}
	id, perr := arm.ParseResourceID(st.ID)
	if perr != nil {
		return Target{}, err
	}
	target.SubscriptionID = id.SubscriptionID
	target.ID = func(string) (*arm.ResourceID, error) { return id, nil }
	if target.DeletionPolicy == "" {
		target.DeletionPolicy = v1alpha1.DeletionPolicyDelete
	}
	return target, nil
}

// startDelete sends DELETE and records the operation. Sets Reconciling (Deleting).
func (r *Reconciler[O, B]) startDelete(ctx context.Context, obj O, cl Clients[B], id *arm.ResourceID) ctrl.Result {
	op, err := cl.BeginDelete(ctx, id)
	if err != nil && !azure.IsNotFound(err) && !azure.IsParentMissing(err) {
		return r.fail(ctx, obj, err, "")
	}
	r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, ReasonDeleting, "Delete", "Deleting the %s %s in Azure", r.Kind.Noun(), id.Name)
	log.FromContext(ctx).Info(r.Kind.Noun()+" deletion sent to Azure", "azureID", id.String())
	r.markReconciling(obj, ReasonDeleting, "Azure is deleting the "+r.Kind.Noun())
	st := obj.GetARMStatus()
	st.ProvisioningState = "Deleting"
	if err != nil || op.Done {
		return ctrl.Result{RequeueAfter: minPollInterval} // confirm the 404 with a GET
	}
	st.Operation = &v1alpha1.LongRunningOperation{Kind: v1alpha1.OperationDelete, ResumeToken: op.ResumeToken,
		StartTime: metav1.NewTime(r.now()), Generation: obj.GetGeneration()}
	return ctrl.Result{RequeueAfter: r.pollInterval(op.RetryAfter, time.Time{})}
}

// followDeletionOperation polls the operation in flight while the object is being deleted: a
// write is followed to its end first (Azure refuses a DELETE while it runs), then the delete.
// It returns done=true when the caller should go on and check the resource.
func (r *Reconciler[O, B]) followDeletionOperation(ctx context.Context, obj O, cl Clients[B], id *arm.ResourceID) (bool, ctrl.Result) {
	st := obj.GetARMStatus()
	op := st.Operation
	if op.Kind != v1alpha1.OperationDelete {
		// An operation still running, or one that failed (an action before the deletion that
		// Azure refused, say), comes back with its poll interval or its backoff: the deletion goes
		// on at the next reconcile, not at once with the same request again.
		if done, _, result := r.followOperation(ctx, obj, cl, id); !done {
			return false, result
		}
		st.Operation = nil
		return true, ctrl.Result{}
	}
	res, err := cl.PollDelete(ctx, id, op.ResumeToken)
	var opFailed *azure.OperationFailedError
	switch {
	case errors.As(err, &opFailed):
		r.endOperation(obj, "failed")
		return false, r.fail(ctx, obj, err, "")
	case err != nil && (azure.IsNotFound(err) || azure.IsParentMissing(err)):
		r.endOperation(obj, "succeeded")
		return true, ctrl.Result{}
	case err != nil:
		return false, r.fail(ctx, obj, err, "")
	case !res.Done:
		op.ResumeToken = res.ResumeToken
		r.markReconciling(obj, ReasonDeleting, "Azure is deleting the "+r.Kind.Noun())
		return false, ctrl.Result{RequeueAfter: r.pollInterval(res.RetryAfter, op.StartTime.Time)}
	}
	r.endOperation(obj, "succeeded")
	return true, ctrl.Result{}
}

// removeFinalizer lets Kubernetes delete the object.
func (r *Reconciler[O, B]) removeFinalizer(ctx context.Context, obj O) error {
	base := obj.DeepCopyObject().(O)
	controllerutil.RemoveFinalizer(obj, Finalizer)
	if err := r.Patch(ctx, obj, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("removing the finalizer: %w", err)
	}
	return nil
}

// neverWritten reports whether the operator never sent a write for obj: no resource ID, no
// applied spec, no operation.
func neverWritten(obj Object) bool {
	st := obj.GetARMStatus()
	return st.ID == "" && st.LastAppliedSpecHash == "" && st.Operation == nil
}

// deletionStart is when deletion was requested.
func deletionStart(obj Object) time.Time {
	if t := obj.GetDeletionTimestamp(); t != nil {
		return t.Time
	}
	return time.Time{}
}

// orphanName is the Azure name of the resource an object leaves behind: its resource ID's, or
// the object's own name when no ID can be told.
func orphanName(obj Object, target Target) string {
	sub := target.SubscriptionID
	if sub == "" {
		sub = obj.GetARMStatus().SubscriptionID
	}
	if target.ID != nil {
		if id, err := target.ID(sub); err == nil {
			return id.Name
		}
	}
	if id, err := arm.ParseResourceID(obj.GetARMStatus().ID); err == nil {
		return id.Name
	}
	return obj.GetName()
}
