package controllers

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
)

// reconcileDelete handles a GalleryImage being deleted. With deletionPolicy Orphan it only removes
// the finalizer. With Delete it lets a create in flight finish, sends DELETE, follows the
// operation, and removes the finalizer once Azure answers 404 for the image (or its gallery or
// resource group is gone). Sets Reconciling (Deleting) while it waits, and the error conditions.
func (r *GalleryImageReconciler) reconcileDelete(ctx context.Context, obj *v1alpha1.GalleryImage) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(obj, Finalizer) {
		return ctrl.Result{}, nil
	}
	if obj.Spec.DeletionPolicy == v1alpha1.DeletionPolicyOrphan {
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, ReasonOrphaned, "Delete", "Left the image definition %s in Azure (deletionPolicy Orphan)", obj.AzureImageName())
		return ctrl.Result{}, r.removeFinalizer(ctx, obj)
	}
	images, ref, err := r.imagesFor(ctx, obj)
	if err != nil {
		return r.fail(ctx, obj, err, ""), nil
	}
	if op := obj.Status.Operation; op != nil {
		if done, result := r.followDeletionOperation(ctx, obj, images, ref); !done {
			return result, nil
		}
	}
	existing, err := images.Get(ctx, ref)
	switch {
	case azure.IsParentMissing(err) || err == nil && existing == nil:
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, ReasonDeleted, "Delete", "The image definition %s is gone from Azure", obj.AzureImageName())
		return ctrl.Result{}, r.removeFinalizer(ctx, obj)
	case err != nil:
		return r.fail(ctx, obj, err, ""), nil
	}
	r.observe(obj, existing)
	if provisioningInProgress(existing) {
		r.markReconciling(obj, ReasonWaitingForAzure, fmt.Sprintf("Azure reports provisioningState %s; deleting once it finishes", obj.Status.ProvisioningState))
		return ctrl.Result{RequeueAfter: r.pollInterval(0, deletionStart(obj))}, nil
	}
	return r.startDelete(ctx, obj, images, ref), nil
}

// startDelete sends DELETE and records the operation. Sets Reconciling (Deleting).
func (r *GalleryImageReconciler) startDelete(ctx context.Context, obj *v1alpha1.GalleryImage, images azure.Images, ref azure.ImageRef) ctrl.Result {
	op, err := images.Delete(ctx, ref)
	if err != nil && !azure.IsNotFound(err) && !azure.IsParentMissing(err) {
		return r.fail(ctx, obj, err, "")
	}
	r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, ReasonDeleting, "Delete", "Deleting the image definition %s in Azure", obj.AzureImageName())
	log.FromContext(ctx).Info("image definition deletion sent to Azure", "azureID", ref.String())
	r.markReconciling(obj, ReasonDeleting, "Azure is deleting the image definition")
	obj.Status.ProvisioningState = "Deleting"
	if err != nil || op.Done {
		return ctrl.Result{RequeueAfter: minPollInterval} // confirm the 404 with a GET
	}
	obj.Status.Operation = &v1alpha1.LongRunningOperation{Kind: v1alpha1.OperationDelete, ResumeToken: op.ResumeToken,
		StartTime: metav1.NewTime(r.now()), Generation: obj.Generation}
	return ctrl.Result{RequeueAfter: r.pollInterval(op.RetryAfter, time.Time{})}
}

// followDeletionOperation polls the operation in flight while the object is being deleted: a
// create is followed to its end first (Azure refuses a DELETE while it runs), then the delete.
// It returns done=true when the caller should go on and check the image.
func (r *GalleryImageReconciler) followDeletionOperation(ctx context.Context, obj *v1alpha1.GalleryImage, images azure.Images, ref azure.ImageRef) (bool, ctrl.Result) {
	op := obj.Status.Operation
	if op.Kind == v1alpha1.OperationCreateOrUpdate {
		done, result := r.followOperation(ctx, obj, images, ref)
		if !done && obj.Status.Operation != nil {
			return false, result
		}
		obj.Status.Operation = nil
		return true, ctrl.Result{}
	}
	res, err := images.PollDelete(ctx, ref, op.ResumeToken)
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
		r.markReconciling(obj, ReasonDeleting, "Azure is deleting the image definition")
		return false, ctrl.Result{RequeueAfter: r.pollInterval(res.RetryAfter, op.StartTime.Time)}
	}
	r.endOperation(obj, "succeeded")
	return true, ctrl.Result{}
}

// removeFinalizer lets Kubernetes delete the object.
func (r *GalleryImageReconciler) removeFinalizer(ctx context.Context, obj *v1alpha1.GalleryImage) error {
	base := obj.DeepCopy()
	controllerutil.RemoveFinalizer(obj, Finalizer)
	if err := r.Patch(ctx, obj, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("removing the finalizer: %w", err)
	}
	return nil
}

// deletionStart is when deletion was requested.
func deletionStart(obj *v1alpha1.GalleryImage) time.Time {
	if obj.DeletionTimestamp == nil {
		return time.Time{}
	}
	return obj.DeletionTimestamp.Time
}
