package reconcile

import (
	"context"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/metrics"
)

// Reasons of the management policies and of drift.
const (
	ReasonPaused        = "Paused"
	ReasonObserved      = "Observed"
	ReasonNotInAzure    = "NotFoundInAzure"
	ReasonDriftDetected = "DriftDetected"
	ReasonDiffers       = "DiffersFromSpec"
)

// policy is the object's management policy, or the operator's default.
func (r *Reconciler[O, B]) policy(obj O) v1alpha1.ManagementPolicy {
	if p := obj.GetManagementPolicy(); p != "" {
		return p
	}
	if r.DefaultManagementPolicy != "" {
		return r.DefaultManagementPolicy
	}
	return v1alpha1.ManagementPolicyManage
}

// release lets an object that is not managed go without touching Azure: its resource stays.
func (r *Reconciler[O, B]) release(ctx context.Context, obj O, policy v1alpha1.ManagementPolicy) error {
	if !controllerutil.ContainsFinalizer(obj, Finalizer) {
		return nil
	}
	r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, ReasonOrphaned, "Delete",
		"Left the %s in Azure (managementPolicy %s)", r.Kind.Noun(), policy)
	return r.removeFinalizer(ctx, obj)
}

// paused sends nothing to Azure and says so. What the status said of the resource stays, an
// operation in flight included: it is followed again after the resume.
func (r *Reconciler[O, B]) paused(obj O) ctrl.Result {
	r.setCondition(obj, v1alpha1.ConditionPaused, metav1.ConditionTrue, ReasonPaused,
		"managementPolicy Paused: no request is sent to Azure until the policy changes")
	return ctrl.Result{} // a change of the policy is a change of the spec, which brings it back
}

// observeOnly reads the resource and shows it, never writing, acting or deleting: Ready when it
// exists in Azure, and Drifted naming the fields where it differs from the spec.
func (r *Reconciler[O, B]) observeOnly(ctx context.Context, obj O) ctrl.Result {
	st := obj.GetARMStatus()
	meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionPaused)
	target, err := r.Kind.Target(ctx, r.Client, obj, false)
	if err != nil {
		return r.fail(ctx, obj, err, "")
	}
	cl, id, err := r.connect(ctx, obj, target)
	if err != nil {
		return r.fail(ctx, obj, err, "")
	}
	if result, refused := r.checkScope(ctx, obj, id); refused {
		return result
	}
	existing, wait, err := r.read(ctx, obj, cl, id, r.obs().NotBefore(key(obj), afterStamp(obj.GetCreationTimestamp())))
	if err != nil {
		return r.fail(ctx, obj, err, "")
	}
	if wait > 0 {
		return ctrl.Result{RequeueAfter: wait}
	}
	r.observe(obj, existing)
	st.Error = nil
	meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionStalled)
	meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionReconciling)
	if existing == nil {
		meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionDrifted)
		r.setCondition(obj, v1alpha1.ConditionReady, metav1.ConditionFalse, ReasonNotInAzure,
			"managementPolicy Observe: the "+r.Kind.Noun()+" does not exist in Azure, and nothing is created")
		return ctrl.Result{RequeueAfter: r.nextSync(obj, id)}
	}
	st.SubscriptionID = id.SubscriptionID
	msg := "managementPolicy Observe: the " + r.Kind.Noun() + " is read from Azure and never written"
	if changes := r.Kind.Diff(r.Kind.Desired(obj), existing); len(changes) > 0 {
		r.setCondition(obj, v1alpha1.ConditionDrifted, metav1.ConditionTrue, ReasonDiffers,
			"Azure differs from the spec in: "+strings.Join(changes, ", "))
		msg += "; it differs from the spec in: " + strings.Join(changes, ", ")
	} else {
		meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionDrifted)
	}
	if provisioningInProgress(st.ProvisioningState) {
		r.setCondition(obj, v1alpha1.ConditionReady, metav1.ConditionFalse, ReasonWaitingForAzure,
			"Azure reports provisioningState "+st.ProvisioningState+"; "+msg)
		return ctrl.Result{RequeueAfter: r.pollInterval(0, r.lastObserved(obj))}
	}
	r.setCondition(obj, v1alpha1.ConditionReady, metav1.ConditionTrue, ReasonObserved, msg)
	return ctrl.Result{RequeueAfter: r.nextSync(obj, id)}
}

// driftDetected says, before the correction is written, that Azure no longer matches the spec it
// matched: an event and the Drifted condition name the fields, and the drift metric counts it.
func (r *Reconciler[O, B]) driftDetected(obj O, changes []string) {
	msg := "Azure differs from the spec it matched, in: " + strings.Join(changes, ", ")
	r.Recorder.Eventf(obj, nil, corev1.EventTypeWarning, ReasonDriftDetected, "Observe", "%s", msg)
	r.setCondition(obj, v1alpha1.ConditionDrifted, metav1.ConditionTrue, ReasonDriftDetected, msg)
	metrics.DriftCorrections.WithLabelValues(r.kindName()).Inc()
}
