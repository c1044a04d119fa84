package reconcile

import (
	"context"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
)

// Reasons of our own, beside Azure's error codes.
const (
	ReasonSucceeded       = "Succeeded"
	ReasonCreating        = "Creating"
	ReasonUpdating        = "Updating"
	ReasonDeleting        = "Deleting"
	ReasonWaitingForAzure = "ProvisioningInProgress"
	ReasonCredentials     = "CredentialsNotAvailable"
	ReasonSecretsDisabled = "CredentialSecretsDisabled"
	ReasonOperationFailed = "OperationFailed"
	ReasonDriftCorrected  = "DriftCorrected"
	ReasonAdopted         = "Adopted"
	ReasonOrphaned        = "Orphaned"
	ReasonDeleted         = "Deleted"
	// ReasonInvalidResourceID: the spec's names make no valid ARM resource ID.
	ReasonInvalidResourceID = "InvalidResourceID"

	provisioningSucceeded = "Succeeded"
	provisioningFailed    = "Failed"
	provisioningCreating  = "Creating"
	provisioningUpdating  = "Updating"
)

// markReady records a successful, up-to-date resource: Ready=True, no Reconciling or Stalled, no
// error; the next read from Azure is at next.
func (r *Reconciler[O, B]) markReady(obj O, hash string, next time.Duration) ctrl.Result {
	st := obj.GetARMStatus()
	st.LastAppliedSpecHash = hash
	st.Error = nil
	r.backoff.Delete(key(obj))
	r.setCondition(obj, v1alpha1.ConditionReady, metav1.ConditionTrue, ReasonSucceeded,
		"The "+r.Kind.Noun()+" is provisioned in Azure and matches the spec")
	meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionReconciling)
	meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionStalled)
	meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionDrifted)
	return ctrl.Result{RequeueAfter: next}
}

// markReconciling says work is in progress: Reconciling=True and Ready=False with the same reason.
func (r *Reconciler[O, B]) markReconciling(obj O, reason, message string) {
	r.setCondition(obj, v1alpha1.ConditionReconciling, metav1.ConditionTrue, reason, message)
	r.setCondition(obj, v1alpha1.ConditionReady, metav1.ConditionFalse, reason, message)
	meta.RemoveStatusCondition(&obj.GetARMStatus().Conditions, v1alpha1.ConditionStalled)
}

// fail records an error in status.error and the conditions, with the Azure error code as the
// reason (or the kind's hint's reason). Terminal errors set Stalled and wait a sync period (or a
// spec change); transient ones set Reconciling and back off exponentially, never sooner than
// Azure's Retry-After. Waiting for another object is neither: Reconciling, with no error.
func (r *Reconciler[O, B]) fail(ctx context.Context, obj O, err error, hash string) ctrl.Result {
	if w := asWaiting(err); w != nil {
		r.markReconciling(obj, w.Reason, w.Message)
		return ctrl.Result{RequeueAfter: jitter(r.ParentWait)} // the parent's watch usually comes first
	}
	if t := asThrottled(err); t != nil {
		// Not sent: the object's token is reserved and due after RetryAfter. Not a failure, no
		// worker waits for it, and nothing is written: the status says no more than before. (A
		// new object still reads as in progress: its defaulted status.observedGeneration, 0,
		// is not its generation.)
		return ctrl.Result{RequeueAfter: t.RetryAfter}
	}
	st := obj.GetARMStatus()
	f := r.classify(err)
	now := metav1.NewTime(r.now())
	st.Error = statusError(f, hash, now, st.Error)
	reason, message := f.Reason, f.Message
	if az := f.Azure; az != nil {
		log.FromContext(ctx).Info("Azure request failed", "code", az.Code, "httpStatus", az.HTTPStatus, "terminal", f.Terminal, "message", message)
	} else {
		log.FromContext(ctx).Info("reconcile failed", "reason", reason, "terminal", f.Terminal, "message", message)
	}
	if f.Terminal {
		r.obs().Refused(key(obj), now.Time)
		r.Recorder.Eventf(obj, nil, corev1.EventTypeWarning, conditionReason(reason), "Reconcile", "%s", message)
		r.setCondition(obj, v1alpha1.ConditionStalled, metav1.ConditionTrue, reason, message)
		r.setCondition(obj, v1alpha1.ConditionReady, metav1.ConditionFalse, reason, message)
		meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionReconciling)
		return ctrl.Result{RequeueAfter: jitter(r.TerminalRetry)}
	}
	r.setCondition(obj, v1alpha1.ConditionReconciling, metav1.ConditionTrue, reason, message)
	r.setCondition(obj, v1alpha1.ConditionReady, metav1.ConditionFalse, reason, message)
	meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionStalled)
	return ctrl.Result{RequeueAfter: r.nextBackoff(obj, f.RetryAfter)}
}

// statusError is the status form of a failure: Azure's code, target and details when Azure
// answered, the failure's reason otherwise. The same error met again keeps the time it was first
// seen (prev's): time passing alone is no change of the status.
func statusError(f *Failure, hash string, now metav1.Time, prev *v1alpha1.AzureError) *v1alpha1.AzureError {
	out := &v1alpha1.AzureError{Code: f.Reason, Message: f.Message, Terminal: f.Terminal, SpecHash: hash, Time: &now}
	if az := f.Azure; az != nil {
		out.Code, out.Target, out.HTTPStatus = az.Code, az.Target, int32(az.HTTPStatus)
		for _, d := range az.Details {
			out.Details = append(out.Details, v1alpha1.AzureErrorDetail{Code: d.Code, Message: d.Message, Target: d.Target})
		}
	}
	if prev != nil && prev.Time != nil {
		same := *prev
		same.Time = out.Time
		if equality.Semantic.DeepEqual(&same, out) {
			out.Time = prev.Time
		}
	}
	return out
}

// setCondition sets a condition stamped with the generation it describes.
func (r *Reconciler[O, B]) setCondition(obj O, condType string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&obj.GetARMStatus().Conditions, metav1.Condition{Type: condType, Status: status,
		Reason: conditionReason(reason), Message: truncate(message, 1024), ObservedGeneration: obj.GetGeneration()})
}

// findCondition returns the condition of type, or nil.
func findCondition(st *v1alpha1.ARMStatus, condType string) *metav1.Condition {
	return meta.FindStatusCondition(st.Conditions, condType)
}

// conditionReason makes a valid condition reason (CamelCase letters, digits, '_', ',', ':').
func conditionReason(reason string) string {
	var b strings.Builder
	for _, c := range reason {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == ',' || c == ':' {
			b.WriteRune(c)
		}
	}
	if b.Len() == 0 || !(b.String()[0] >= 'a' && b.String()[0] <= 'z' || b.String()[0] >= 'A' && b.String()[0] <= 'Z') {
		return "AzureError" + b.String()
	}
	return truncate(b.String(), 1024)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}
