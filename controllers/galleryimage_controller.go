// Package controllers holds the GalleryImage reconciler.
package controllers

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/metrics"
)

// Finalizer keeps a GalleryImage until its image definition is deleted in Azure (or orphaned).
const Finalizer = "compute.azgallery.io/finalizer"

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
	provisioningSucceeded = "Succeeded"
	provisioningFailed    = "Failed"
	maxTransientBackoff   = 5 * time.Minute
	minTransientBackoff   = 2 * time.Second
	maxPollInterval       = 30 * time.Second
	minPollInterval       = 1 * time.Second
)

// ImagesProvider returns the Azure client for credentials and a subscription ("" for the
// credentials' own); *azure.Factory is the production one.
type ImagesProvider interface {
	For(creds azure.Credentials, subscription string) (azure.Images, string, error)
}

// GalleryImageReconciler makes Azure's image definitions converge on GalleryImage specs.
type GalleryImageReconciler struct {
	client.Client
	// APIReader reads credential Secrets directly, so the manager neither caches nor lists them.
	APIReader client.Reader
	Recorder  events.EventRecorder
	Azure     ImagesProvider
	// DefaultCredentials are the operator's own (from its environment).
	DefaultCredentials azure.Credentials
	// AllowCredentialSecrets lets a GalleryImage name a Secret with its own credentials.
	AllowCredentialSecrets bool
	// SyncPeriod is how often a Ready image is re-read from Azure to detect drift (jittered), and
	// how long a terminal error waits before the same request is tried again.
	SyncPeriod time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	states  metrics.ImageStates
	backoff sync.Map // "namespace/name" -> consecutive transient failures (int)
}

// +kubebuilder:rbac:groups=compute.azgallery.io,resources=galleryimages,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=compute.azgallery.io,resources=galleryimages/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=compute.azgallery.io,resources=galleryimages/finalizers,verbs=update
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// SetupWithManager registers the reconciler; it reacts to spec changes and deletion, not to its
// own status writes.
func (r *GalleryImageReconciler) SetupWithManager(mgr ctrl.Manager, concurrency int) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.GalleryImage{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, deletionRequested()))).
		WithOptions(controller.Options{MaxConcurrentReconciles: concurrency}).
		Named("galleryimage").
		Complete(r)
}

// deletionRequested passes the update that sets deletionTimestamp.
func deletionRequested() predicate.Funcs {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		return e.ObjectOld.GetDeletionTimestamp().IsZero() && !e.ObjectNew.GetDeletionTimestamp().IsZero()
	}}
}

// Reconcile gets the GalleryImage, defers the one status patch, handles deletion, ensures the
// finalizer, then reconciles it with Azure.
func (r *GalleryImageReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	obj := &v1alpha1.GalleryImage{}
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		if apierrors.IsNotFound(err) {
			r.states.Set(req.String(), "")
			r.backoff.Delete(req.String())
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	base := obj.DeepCopy()
	defer func() {
		retErr = kerrors.NewAggregate([]error{retErr, r.patchStatus(ctx, base, obj)})
		r.states.Set(req.String(), stateForMetrics(obj))
	}()

	if !obj.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, obj)
	}
	if !controllerutil.ContainsFinalizer(obj, Finalizer) {
		controllerutil.AddFinalizer(obj, Finalizer)
		if err := r.Patch(ctx, obj, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
			return ctrl.Result{}, fmt.Errorf("adding the finalizer: %w", err)
		}
		base = obj.DeepCopy()
	}
	return r.reconcile(ctx, obj)
}

// patchStatus writes the status when it changed, with observedGeneration set. An object already
// gone (its finalizer removed) needs no status.
func (r *GalleryImageReconciler) patchStatus(ctx context.Context, base, obj *v1alpha1.GalleryImage) error {
	obj.Status.ObservedGeneration = obj.Generation
	if equality.Semantic.DeepEqual(base.Status, obj.Status) {
		return nil
	}
	err := r.Status().Patch(ctx, obj, client.MergeFrom(base))
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("patching the status: %w", err)
	}
	return nil
}

// reconcile follows an operation in flight, or observes the image in Azure and writes it when it
// differs from the spec. Sets Ready, Reconciling and Stalled.
func (r *GalleryImageReconciler) reconcile(ctx context.Context, obj *v1alpha1.GalleryImage) (ctrl.Result, error) {
	images, ref, err := r.imagesFor(ctx, obj)
	if err != nil {
		return r.fail(ctx, obj, err, ""), nil
	}
	if obj.Status.Operation != nil {
		done, result := r.followOperation(ctx, obj, images, ref)
		if !done {
			return result, nil
		}
	}

	desired := azure.DesiredImage(&obj.Spec)
	hash := azure.SpecHash(desired)
	if remaining, fresh := r.recentlySynced(obj, hash); fresh {
		return ctrl.Result{RequeueAfter: remaining}, nil
	}
	existing, err := images.Get(ctx, ref)
	if err != nil {
		return r.fail(ctx, obj, err, hash), nil
	}
	r.observe(obj, existing)
	if existing != nil && provisioningInProgress(existing) {
		r.markReconciling(obj, ReasonWaitingForAzure, fmt.Sprintf("Azure reports provisioningState %s; waiting for it to finish", obj.Status.ProvisioningState))
		return ctrl.Result{RequeueAfter: r.pollInterval(0, time.Time{})}, nil
	}
	body := azure.Parameters(desired, existing)
	failed := existing != nil && obj.Status.ProvisioningState == provisioningFailed
	if body == nil && !failed {
		return r.markReady(obj, hash), nil
	}
	if wait, stalled := r.stalledOn(obj, hash); stalled {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	if body == nil {
		body = &desired // the last write failed in Azure: send it again
	}
	return r.write(ctx, obj, images, ref, *body, hash, existing), nil
}

// imagesFor resolves the credentials and subscription of obj and returns its Azure client.
func (r *GalleryImageReconciler) imagesFor(ctx context.Context, obj *v1alpha1.GalleryImage) (azure.Images, azure.ImageRef, error) {
	creds, err := r.credentialsFor(ctx, obj)
	if err != nil {
		return nil, azure.ImageRef{}, err
	}
	subscription := obj.Spec.SubscriptionID
	if subscription == "" {
		subscription = obj.Status.SubscriptionID
	}
	images, subscription, err := r.Azure.For(creds, subscription)
	if err != nil {
		return nil, azure.ImageRef{}, &azure.Error{Code: ReasonCredentials, Message: err.Error(), Terminal: errors.Is(err, azure.ErrNoSubscription)}
	}
	obj.Status.SubscriptionID = subscription
	return images, azure.ImageRef{SubscriptionID: subscription, ResourceGroup: obj.Spec.ResourceGroupName,
		Gallery: obj.Spec.GalleryName, Name: obj.AzureImageName()}, nil
}

// credentialsFor returns the operator's credentials, or those of the Secret obj names. Secret
// values are never put into errors.
func (r *GalleryImageReconciler) credentialsFor(ctx context.Context, obj *v1alpha1.GalleryImage) (azure.Credentials, error) {
	ref := obj.Spec.CredentialsSecretRef
	if ref == nil {
		return r.DefaultCredentials, nil
	}
	if !r.AllowCredentialSecrets {
		return azure.Credentials{}, &azure.Error{Code: ReasonSecretsDisabled, Terminal: true,
			Message: "spec.credentialsSecretRef is set but the operator runs without --enable-credential-secrets; remove the reference or enable the option"}
	}
	secret := &corev1.Secret{}
	if err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: obj.Namespace, Name: ref.Name}, secret); err != nil {
		return azure.Credentials{}, &azure.Error{Code: ReasonCredentials,
			Message: fmt.Sprintf("reading the credentials Secret %q: %s", ref.Name, apierrors.ReasonForError(err))}
	}
	creds, err := azure.CredentialsFromSecretData(secret.Data)
	if err != nil {
		return azure.Credentials{}, &azure.Error{Code: ReasonCredentials, Message: fmt.Sprintf("Secret %q: %v", ref.Name, err)}
	}
	if creds.SubscriptionID == "" {
		creds.SubscriptionID = r.DefaultCredentials.SubscriptionID // the Secret may leave the subscription to the operator
	}
	return creds, nil
}

// followOperation polls the create-or-update in flight once. It returns done=true when the
// operation ended, so that the caller goes on to observe the image; otherwise the result to
// return. Sets Reconciling while it runs, Ready/Stalled and status.error when it failed.
func (r *GalleryImageReconciler) followOperation(ctx context.Context, obj *v1alpha1.GalleryImage, images azure.Images, ref azure.ImageRef) (bool, ctrl.Result) {
	op := obj.Status.Operation
	if op.Kind != v1alpha1.OperationCreateOrUpdate {
		obj.Status.Operation = nil // a delete that was cancelled by removing deletion cannot be resumed here
		return true, ctrl.Result{}
	}
	res, err := images.PollCreateOrUpdate(ctx, ref, op.ResumeToken)
	var opFailed *azure.OperationFailedError
	switch {
	case errors.As(err, &opFailed):
		r.endOperation(obj, "failed")
		obj.Status.ProvisioningState = provisioningFailed
		r.Recorder.Eventf(obj, nil, corev1.EventTypeWarning, ReasonOperationFailed, "CreateOrUpdate", "%s", azure.Classify(err).Error())
		return false, r.fail(ctx, obj, err, op.SpecHash)
	case err != nil:
		// the status request failed, not the operation: keep following it
		return false, r.fail(ctx, obj, err, op.SpecHash)
	}
	if !res.Done {
		op.ResumeToken = res.ResumeToken
		r.markReconciling(obj, reasonForOperation(obj), fmt.Sprintf("Azure is %s the image definition", strings.ToLower(reasonForOperation(obj))))
		return false, ctrl.Result{RequeueAfter: r.pollInterval(res.RetryAfter, op.StartTime.Time)}
	}
	obj.Status.LastAppliedSpecHash = op.SpecHash
	r.endOperation(obj, "succeeded")
	return true, ctrl.Result{}
}

// endOperation clears the operation in flight and records its duration.
func (r *GalleryImageReconciler) endOperation(obj *v1alpha1.GalleryImage, outcome string) {
	op := obj.Status.Operation
	metrics.OperationDuration.WithLabelValues(string(op.Kind), outcome).Observe(r.now().Sub(op.StartTime.Time).Seconds())
	obj.Status.Operation = nil
}

// recentlySynced reports whether the image was read from Azure, matched this very spec and was
// Ready less than a sync period ago; then no request is needed before the time returned.
func (r *GalleryImageReconciler) recentlySynced(obj *v1alpha1.GalleryImage, hash string) (time.Duration, bool) {
	ready := meta.FindStatusCondition(obj.Status.Conditions, v1alpha1.ConditionReady)
	if ready == nil || ready.Status != metav1.ConditionTrue || ready.ObservedGeneration != obj.Generation ||
		obj.Status.LastAppliedSpecHash != hash || obj.Status.LastSyncTime == nil {
		return 0, false
	}
	remaining := obj.Status.LastSyncTime.Add(r.SyncPeriod).Sub(r.now())
	if remaining <= 0 {
		return 0, false
	}
	return remaining, true
}

// observe records what Azure holds in the status.
func (r *GalleryImageReconciler) observe(obj *v1alpha1.GalleryImage, existing *armcompute.GalleryImage) {
	now := metav1.NewTime(r.now())
	obj.Status.LastSyncTime = &now
	if existing == nil {
		obj.Status.ProvisioningState = ""
		obj.Status.ID = ""
		return
	}
	if existing.ID != nil {
		obj.Status.ID = *existing.ID
	}
	if existing.Properties != nil && existing.Properties.ProvisioningState != nil {
		obj.Status.ProvisioningState = string(*existing.Properties.ProvisioningState)
	}
}

// provisioningInProgress reports whether Azure is still working on the image (an operation not
// started by this reconciler, or one whose record was lost).
func provisioningInProgress(img *armcompute.GalleryImage) bool {
	if img.Properties == nil || img.Properties.ProvisioningState == nil {
		return false
	}
	switch *img.Properties.ProvisioningState {
	case armcompute.GalleryProvisioningStateCreating, armcompute.GalleryProvisioningStateUpdating,
		armcompute.GalleryProvisioningStateDeleting, armcompute.GalleryProvisioningStateMigrating:
		return true
	}
	return false
}

// stalledOn reports whether Azure rejected this very body with a terminal error less than a sync
// period ago: it is not sent again before the spec changes or the period ends.
func (r *GalleryImageReconciler) stalledOn(obj *v1alpha1.GalleryImage, hash string) (time.Duration, bool) {
	e := obj.Status.Error
	if e == nil || !e.Terminal || e.SpecHash != hash || e.Time == nil {
		return 0, false
	}
	remaining := e.Time.Add(r.SyncPeriod).Sub(r.now())
	if remaining <= 0 {
		return 0, false
	}
	return remaining, true
}

// write sends the PUT and records the operation it started; the next reconciles poll it. Sets
// Reconciling (Creating or Updating) and emits the event that says why it wrote.
func (r *GalleryImageReconciler) write(ctx context.Context, obj *v1alpha1.GalleryImage, images azure.Images, ref azure.ImageRef,
	body armcompute.GalleryImage, hash string, existing *armcompute.GalleryImage) ctrl.Result {
	reason, note := r.whyWrite(obj, body, hash, existing)
	op, err := images.CreateOrUpdate(ctx, ref, body)
	if err != nil {
		return r.fail(ctx, obj, err, hash)
	}
	r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, reason, "CreateOrUpdate", "%s", note)
	log.FromContext(ctx).Info("image definition written to Azure", "reason", reason, "azureID", ref.String())
	obj.Status.Operation = &v1alpha1.LongRunningOperation{Kind: v1alpha1.OperationCreateOrUpdate, ResumeToken: op.ResumeToken,
		StartTime: metav1.NewTime(r.now()), Generation: obj.Generation, SpecHash: hash}
	if existing == nil {
		obj.Status.ProvisioningState = string(armcompute.GalleryProvisioningStateCreating)
	} else {
		obj.Status.ProvisioningState = string(armcompute.GalleryProvisioningStateUpdating)
	}
	r.markReconciling(obj, reasonForOperation(obj), note)
	if op.Done {
		obj.Status.LastAppliedSpecHash = hash
		r.endOperation(obj, "succeeded")
		return ctrl.Result{RequeueAfter: minPollInterval}
	}
	return ctrl.Result{RequeueAfter: r.pollInterval(op.RetryAfter, time.Time{})}
}

// whyWrite names the reason of a write for its event: creation, adoption of an image made
// elsewhere, a spec change, or drift made outside Kubernetes.
func (r *GalleryImageReconciler) whyWrite(obj *v1alpha1.GalleryImage, body armcompute.GalleryImage, hash string, existing *armcompute.GalleryImage) (string, string) {
	switch {
	case existing == nil:
		return ReasonCreating, "Creating image definition " + obj.AzureImageName() + " in Azure"
	case obj.Status.LastAppliedSpecHash == "":
		return ReasonAdopted, "Adopting the existing image definition " + obj.AzureImageName() + " and applying the spec"
	case obj.Status.LastAppliedSpecHash == hash:
		return ReasonDriftCorrected, "Correcting changes made outside Kubernetes: " + strings.Join(azure.Diff(body, existing), ", ")
	default:
		return ReasonUpdating, "Updating the image definition: " + strings.Join(azure.Diff(body, existing), ", ")
	}
}

// markReady records a successful, up-to-date image: Ready=True, no Reconciling or Stalled, no
// error; the next read from Azure is one jittered sync period away.
func (r *GalleryImageReconciler) markReady(obj *v1alpha1.GalleryImage, hash string) ctrl.Result {
	obj.Status.LastAppliedSpecHash = hash
	obj.Status.Error = nil
	r.backoff.Delete(key(obj))
	r.setCondition(obj, v1alpha1.ConditionReady, metav1.ConditionTrue, ReasonSucceeded, "The image definition is provisioned in Azure and matches the spec")
	meta.RemoveStatusCondition(&obj.Status.Conditions, v1alpha1.ConditionReconciling)
	meta.RemoveStatusCondition(&obj.Status.Conditions, v1alpha1.ConditionStalled)
	return ctrl.Result{RequeueAfter: jitter(r.SyncPeriod)}
}

// markReconciling says work is in progress: Reconciling=True and Ready=False with the same reason.
func (r *GalleryImageReconciler) markReconciling(obj *v1alpha1.GalleryImage, reason, message string) {
	r.setCondition(obj, v1alpha1.ConditionReconciling, metav1.ConditionTrue, reason, message)
	r.setCondition(obj, v1alpha1.ConditionReady, metav1.ConditionFalse, reason, message)
	meta.RemoveStatusCondition(&obj.Status.Conditions, v1alpha1.ConditionStalled)
}

// fail records an error in status.error and the conditions, with the Azure error code as the
// reason. Terminal errors set Stalled and wait a sync period (or a spec change); transient ones
// set Reconciling and back off exponentially, never sooner than Azure's Retry-After.
func (r *GalleryImageReconciler) fail(ctx context.Context, obj *v1alpha1.GalleryImage, err error, hash string) ctrl.Result {
	azErr := azure.Classify(err)
	now := metav1.NewTime(r.now())
	obj.Status.Error = statusError(azErr, hash, now)
	message := azErr.Message
	if message == "" {
		message = azErr.Error()
	}
	log.FromContext(ctx).Info("Azure request failed", "code", azErr.Code, "httpStatus", azErr.HTTPStatus, "terminal", azErr.Terminal, "message", message)
	if azErr.Terminal {
		r.Recorder.Eventf(obj, nil, corev1.EventTypeWarning, azErr.Code, "Reconcile", "%s", message)
		r.setCondition(obj, v1alpha1.ConditionStalled, metav1.ConditionTrue, azErr.Code, message)
		r.setCondition(obj, v1alpha1.ConditionReady, metav1.ConditionFalse, azErr.Code, message)
		meta.RemoveStatusCondition(&obj.Status.Conditions, v1alpha1.ConditionReconciling)
		return ctrl.Result{RequeueAfter: jitter(r.SyncPeriod)}
	}
	r.setCondition(obj, v1alpha1.ConditionReconciling, metav1.ConditionTrue, azErr.Code, message)
	r.setCondition(obj, v1alpha1.ConditionReady, metav1.ConditionFalse, azErr.Code, message)
	meta.RemoveStatusCondition(&obj.Status.Conditions, v1alpha1.ConditionStalled)
	return ctrl.Result{RequeueAfter: r.nextBackoff(obj, azErr.RetryAfter)}
}

// statusError is the status form of an Azure error.
func statusError(e *azure.Error, hash string, now metav1.Time) *v1alpha1.AzureError {
	out := &v1alpha1.AzureError{Code: e.Code, Message: e.Message, Target: e.Target, HTTPStatus: int32(e.HTTPStatus),
		Terminal: e.Terminal, SpecHash: hash, Time: &now}
	for _, d := range e.Details {
		out.Details = append(out.Details, v1alpha1.AzureErrorDetail{Code: d.Code, Message: d.Message, Target: d.Target})
	}
	return out
}

// nextBackoff is the wait before retrying a transient failure: 2s doubling per consecutive
// failure up to 5 minutes, and never less than Azure's Retry-After.
func (r *GalleryImageReconciler) nextBackoff(obj *v1alpha1.GalleryImage, retryAfter time.Duration) time.Duration {
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
// of the operation's age, between 1 and 30 seconds.
func (r *GalleryImageReconciler) pollInterval(retryAfter time.Duration, started time.Time) time.Duration {
	if retryAfter > 0 {
		return retryAfter
	}
	if started.IsZero() {
		return minPollInterval
	}
	return min(max(r.now().Sub(started)/4, minPollInterval), maxPollInterval)
}

// setCondition sets a condition stamped with the generation it describes.
func (r *GalleryImageReconciler) setCondition(obj *v1alpha1.GalleryImage, condType string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&obj.Status.Conditions, metav1.Condition{Type: condType, Status: status, Reason: conditionReason(reason),
		Message: truncate(message, 1024), ObservedGeneration: obj.Generation})
}

// reasonForOperation is Creating or Updating, from the provisioning state the write set.
func reasonForOperation(obj *v1alpha1.GalleryImage) string {
	if obj.Status.ProvisioningState == string(armcompute.GalleryProvisioningStateCreating) {
		return ReasonCreating
	}
	return ReasonUpdating
}

func (r *GalleryImageReconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func key(obj client.Object) string { return obj.GetNamespace() + "/" + obj.GetName() }

// jitter spreads periodic re-reads: d plus up to 10%.
func jitter(d time.Duration) time.Duration {
	return d + time.Duration(rand.Int64N(int64(d)/10+1))
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

// stateForMetrics is the provisioning state counted in the images gauge.
func stateForMetrics(obj *v1alpha1.GalleryImage) string {
	if !obj.DeletionTimestamp.IsZero() && len(obj.Finalizers) == 0 {
		return ""
	}
	if obj.Status.ProvisioningState == "" {
		return "Unknown"
	}
	return obj.Status.ProvisioningState
}
