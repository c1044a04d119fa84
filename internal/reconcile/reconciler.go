package reconcile

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/metrics"
)

// DefaultParentWait is how long an object waiting for its parent looks again if it misses the
// parent's watch event.
const DefaultParentWait = 10 * time.Minute

// Finalizer keeps an object until its Azure resource is deleted (or orphaned).
const Finalizer = "compute.azgallery.io/finalizer"

// Connector returns the Azure connection for credentials and a subscription ("" for the
// credentials' own); *azure.Factory is the production one.
type Connector interface {
	For(creds azure.Credentials, subscription string) (*azure.Connection, error)
}

// Options are the settings every kind's reconciler shares.
type Options struct {
	// DefaultCredentials are the operator's own (from its environment).
	DefaultCredentials azure.Credentials
	// AllowCredentialSecrets lets an object name a Secret with its own credentials.
	AllowCredentialSecrets bool
	// DriftResync is how often a Ready object is observed again in Azure to detect drift
	// (jittered).
	DriftResync time.Duration
	// TerminalRetry is how long a request Azure refused with a terminal error waits before it is
	// sent again unchanged (a change of the spec sends it at once).
	TerminalRetry time.Duration
	// ParentWait is how long an object waiting for its parent waits before it looks again, should
	// it miss the parent's watch event (which usually comes first).
	ParentWait time.Duration
	// DefaultManagementPolicy is the policy of objects whose spec sets none; Manage when empty.
	DefaultManagementPolicy v1alpha1.ManagementPolicy
	// Concurrency is how many objects of the kind are reconciled at once.
	Concurrency int
	// ListInterval is the shortest time between two reads of one collection's list (the
	// children of one parent) by the list observer.
	ListInterval time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// ScopeCheck, when set, is asked before anything is sent to Azure for an object whether its
	// namespace may use the scope (subscription, resource group) its resource resolved to,
	// parents' included: id carries the resolved subscription. A terminal *Failure
	// (code ScopeNotAllowed) stalls the object, and neither a write nor a delete is sent;
	// other errors are retried. internal/tenancy's Checker is the production one
	// (--enforce-namespace-scopes).
	ScopeCheck func(ctx context.Context, obj client.Object, id *arm.ResourceID) error
}

// Reconciler makes the Azure resources of one kind converge on their objects' specs.
type Reconciler[O Object, B any] struct {
	client.Client
	// APIReader reads credential Secrets directly, so the manager neither caches nor lists them.
	APIReader client.Reader
	Recorder  events.EventRecorder
	Azure     Connector
	Kind      Kind[O, B]
	// Observer serves observations from one paged list per collection, so that one request
	// serves many objects; nil reads each resource with the kind client's Get.
	Observer *Observer[B]
	Options

	descOnce sync.Once
	desc     description[O, B]
	states   metrics.States
	backoff  sync.Map // "namespace/name" -> consecutive transient failures (int)
	obsOnce  sync.Once
}

// Reconcile gets the object, defers the one status patch, handles deletion, ensures the
// finalizer, then reconciles it with Azure.
func (r *Reconciler[O, B]) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	ctx = azure.WithObject(azure.WithKind(ctx, r.kindName()), r.kindName()+" "+req.String())
	obj := newObject[O]()
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		if apierrors.IsNotFound(err) {
			r.states.Set(req.String(), "", nil)
			r.backoff.Delete(req.String())
			r.obs().Forget(req.String())
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	base := obj.DeepCopyObject().(O)
	defer func() {
		retErr = kerrors.NewAggregate([]error{retErr, r.patchStatus(ctx, base, obj)})
		r.states.Set(req.String(), stateForMetrics(obj), obj)
	}()

	policy := r.policy(obj)
	if !obj.GetDeletionTimestamp().IsZero() {
		if policy != v1alpha1.ManagementPolicyManage {
			return ctrl.Result{}, r.release(ctx, obj, policy)
		}
		return r.reconcileDelete(ctx, obj)
	}
	switch policy {
	case v1alpha1.ManagementPolicyPaused:
		return r.paused(obj), nil
	case v1alpha1.ManagementPolicyObserve:
		return r.observeOnly(ctx, obj), nil
	}
	meta.RemoveStatusCondition(&obj.GetARMStatus().Conditions, v1alpha1.ConditionPaused)
	if !controllerutil.ContainsFinalizer(obj, Finalizer) {
		controllerutil.AddFinalizer(obj, Finalizer)
		if err := r.Patch(ctx, obj, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
			return ctrl.Result{}, fmt.Errorf("adding the finalizer: %w", err)
		}
		base = obj.DeepCopyObject().(O)
	}
	return r.reconcile(ctx, obj), nil
}

// patchStatus writes the status when it changed. The stamps (observedGeneration, lastSyncTime)
// move only with another change of the status: time passing, or a reconcile that decided
// nothing, is no change, so that an object at rest is never written. An object already gone (its
// finalizer removed) needs no status.
func (r *Reconciler[O, B]) patchStatus(ctx context.Context, base, obj O) error {
	st := obj.GetARMStatus()
	st.ObservedGeneration = base.GetARMStatus().ObservedGeneration
	st.LastSyncTime = base.GetARMStatus().LastSyncTime
	if unchanged, err := sameStored(base, obj); err != nil || unchanged {
		return err
	}
	st.ObservedGeneration = obj.GetGeneration()
	if t := r.obs().times(key(obj)).observed; !t.IsZero() {
		st.LastSyncTime = &metav1.Time{Time: t}
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

// sameStored reports whether obj would be stored as base is: no patch between them (a time
// kept to whole seconds by the API server, say, is no change).
func sameStored(base, obj client.Object) (bool, error) {
	if equality.Semantic.DeepEqual(base, obj) {
		return true, nil
	}
	patch, err := client.MergeFrom(base).Data(obj)
	if err != nil {
		return false, fmt.Errorf("computing the status patch: %w", err)
	}
	return string(patch) == "{}", nil
}

// reconcile follows an operation in flight, or observes the resource in Azure and writes it when
// it differs from the spec, then runs the kind's follow-up actions. Sets Ready, Reconciling and
// Stalled.
func (r *Reconciler[O, B]) reconcile(ctx context.Context, obj O) ctrl.Result {
	st := obj.GetARMStatus()
	target, err := r.Kind.Target(ctx, r.Client, obj, true)
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
	var created time.Time
	if st.LastAppliedSpecHash == "" { // never written: an observation after its creation
		created = afterStamp(obj.GetCreationTimestamp())
	}
	notBefore := r.obs().NotBefore(key(obj), created)
	var fresh *B // the resource as a GET read it just now, if following the operation did
	if st.Operation != nil {
		started := st.Operation.StartTime.Time
		var done bool
		var result ctrl.Result
		if done, fresh, result = r.followOperation(ctx, obj, cl, id); !done {
			return result
		}
		notBefore = maxTime(notBefore, afterStamp(metav1.NewTime(started)))
	}

	desired := r.Kind.Desired(obj)
	hash := r.Kind.Hash(desired)
	if remaining, recent := r.recentlySynced(obj, id, hash); recent && fresh == nil {
		return ctrl.Result{RequeueAfter: remaining}
	}
	existing, err := fresh, error(nil)
	if fresh == nil {
		var wait time.Duration
		existing, wait, err = r.read(ctx, obj, cl, id, notBefore)
		if err != nil {
			return r.fail(ctx, obj, err, hash)
		}
		if wait > 0 {
			return ctrl.Result{RequeueAfter: wait}
		}
		if existing, err = r.confirm(ctx, obj, cl, id, desired, existing); err != nil {
			return r.fail(ctx, obj, err, hash)
		}
	}
	r.observe(obj, existing)
	if existing != nil {
		st.SubscriptionID = id.SubscriptionID // where it is: deletion targets it there
	}
	if existing != nil && provisioningInProgress(st.ProvisioningState) {
		r.markReconciling(obj, ReasonWaitingForAzure, fmt.Sprintf("Azure reports provisioningState %s; waiting for it to finish", st.ProvisioningState))
		return ctrl.Result{RequeueAfter: r.pollInterval(0, time.Time{})}
	}
	changes := []string{"(absent)"}
	if existing != nil {
		changes = r.Kind.Diff(desired, existing)
	}
	failed := existing != nil && st.ProvisioningState == provisioningFailed
	if existing != nil && len(changes) == 0 && !failed {
		return r.converged(ctx, obj, cl, id, existing, fresh != nil, hash)
	}
	if wait, stalled := r.stalledOn(obj, hash); stalled {
		return ctrl.Result{RequeueAfter: wait}
	}
	return r.write(ctx, obj, cl, id, desired, hash, existing, changes)
}

// converged handles a resource whose body matches the spec: it still may need a follow-up
// action, or time to finish (replication), before it is Ready. got says existing was read with a
// GET just now; otherwise it may come from a list, and an action, a write like any other, is
// only decided on a GET.
func (r *Reconciler[O, B]) converged(ctx context.Context, obj O, cl Clients[B], id *arm.ResourceID, existing *B, got bool, hash string) ctrl.Result {
	if acts := r.caps().FollowUp; acts != nil {
		a := acts.NextAction(obj, existing)
		if a != nil && r.obs().Lists && !got {
			fresh, err := r.get(ctx, obj, cl, id)
			if err != nil {
				return r.fail(ctx, obj, err, hash)
			}
			if fresh == nil || len(r.Kind.Diff(r.Kind.Desired(obj), fresh)) > 0 {
				return ctrl.Result{RequeueAfter: minPollInterval} // the list lagged: decide again on the GET
			}
			existing = fresh
			r.observe(obj, existing)
			a = acts.NextAction(obj, existing)
		}
		if a != nil {
			if wait, stalled := r.stalledOn(obj, hash); stalled {
				return ctrl.Result{RequeueAfter: wait}
			}
			return r.startAction(ctx, obj, cl, id, *a, hash)
		}
	}
	if p := r.caps().LongRunning; p != nil {
		if _, busy := p.InProgress(obj, existing); busy && r.obs().Lists {
			// a list does not carry the progress: read the resource itself
			fresh, err := r.get(ctx, obj, cl, id)
			if err != nil {
				return r.fail(ctx, obj, err, hash)
			}
			if fresh != nil {
				existing = fresh
				r.observe(obj, existing)
			}
		}
		if msg, busy := p.InProgress(obj, existing); busy {
			r.markReconciling(obj, ReasonWaitingForAzure, msg)
			return ctrl.Result{RequeueAfter: r.pollInterval(0, r.lastObserved(obj))}
		}
	}
	return r.markReady(obj, hash, r.nextSync(obj, id))
}

// rememberWrite records that a write was sent for obj, unless the request budget kept it back:
// a write that reached Azure (even one whose answer was lost) may have changed the resource.
func (r *Reconciler[O, B]) rememberWrite(obj O, sent time.Time, err error) {
	if asThrottled(err) == nil {
		r.obs().Wrote(key(obj), sent)
	}
}

// nextSync is the wait until a Ready object is due to be observed again, plus a little jitter.
func (r *Reconciler[O, B]) nextSync(obj O, id *arm.ResourceID) time.Duration {
	due := r.obs().Due(key(obj), id, recordedSync(obj))
	return max(due.Sub(r.now()), minPollInterval) + time.Duration(rand.Int64N(int64(r.DriftResync)/50+1))
}

// lastObserved is when obj's resource was last observed in Azure; zero when never.
func (r *Reconciler[O, B]) lastObserved(obj O) time.Time {
	return r.obs().Last(key(obj), recordedSync(obj))
}

// recordedSync is the observation time obj's status recorded; zero when none.
func recordedSync(obj Object) time.Time {
	if t := obj.GetARMStatus().LastSyncTime; t != nil {
		return t.Time
	}
	return time.Time{}
}

// obs is the reconciler's observer: Observer, or one that reads with GETs, set up with the
// options' resync and clock.
func (r *Reconciler[O, B]) obs() *Observer[B] {
	r.obsOnce.Do(func() {
		if r.Observer == nil {
			r.Observer = &Observer[B]{}
		}
		if r.Observer.DriftResync == 0 {
			r.Observer.DriftResync = r.DriftResync
		}
		if r.Observer.ListInterval == 0 {
			r.Observer.ListInterval = r.ListInterval
		}
		if r.Observer.Now == nil {
			r.Observer.Now = r.Now
		}
	})
	return r.Observer
}

// afterStamp is the earliest time certainly after a time stamp of the API server, which keeps
// whole seconds: an observation must begin after the event it has to show.
func afterStamp(t metav1.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.Time.Truncate(time.Second).Add(time.Second)
}

// confirm re-reads, with a GET, a resource that a list showed other than desired, before that
// leads to a write: a list may lag behind Azure, and a write must never be sent on stale data.
// An object never written to Azure needs no confirmation of its absence: a PUT creates or adopts.
// One that was written always does, whatever the list says.
func (r *Reconciler[O, B]) confirm(ctx context.Context, obj O, cl Clients[B], id *arm.ResourceID, desired B, listed *B) (*B, error) {
	if !r.obs().Lists || (listed != nil && len(r.Kind.Diff(desired, listed)) == 0) {
		return listed, nil
	}
	wrote := r.obs().Written(key(obj))
	if st := obj.GetARMStatus(); listed == nil && st.ID == "" && st.LastAppliedSpecHash == "" && st.Operation == nil && !wrote {
		return nil, nil
	}
	return r.get(ctx, obj, cl, id)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// connect resolves the credentials and subscription of obj and returns the kind's Azure client
// and the resource's ARM ID in the subscription it resolved to.
func (r *Reconciler[O, B]) connect(ctx context.Context, obj O, target Target) (Clients[B], *arm.ResourceID, error) {
	creds, err := r.credentialsFor(ctx, obj.GetNamespace(), target.Credentials)
	if err != nil {
		return Clients[B]{}, nil, err
	}
	st := obj.GetARMStatus()
	subscription := target.SubscriptionID
	if subscription == "" {
		subscription = st.SubscriptionID
	}
	conn, err := r.Azure.For(creds, subscription)
	if err != nil {
		return Clients[B]{}, nil, &Failure{Reason: ReasonCredentials, Message: err.Error(), Terminal: isNoSubscription(err)}
	}
	id, err := target.ID(conn.SubscriptionID)
	if err != nil {
		return Clients[B]{}, nil, Refusal(ReasonInvalidResourceID, err.Error())
	}
	return r.Kind.Client(conn), id, nil
}

// observe records what Azure holds in the status, and emits the kind's notices of what changed.
func (r *Reconciler[O, B]) observe(obj O, existing *B) {
	if n := r.caps().LongRunning; n != nil {
		before := obj.DeepCopyObject().(O)
		defer func() {
			for _, e := range n.Notices(before, obj) {
				kind := corev1.EventTypeNormal
				if e.Warning {
					kind = corev1.EventTypeWarning
				}
				r.Recorder.Eventf(obj, nil, kind, e.Reason, "Observe", "%s", e.Message)
			}
		}()
	}
	st := obj.GetARMStatus()
	r.Kind.ReportStatus(obj, existing)
	if existing == nil {
		st.ProvisioningState = ""
		st.ID = ""
		return
	}
	env := r.described().envelope
	if id := env.ID(existing); id != "" {
		st.ID = id
	}
	// A body without provisioningState is finished once Azure holds it: the state its write
	// recorded (Creating, Updating) is not Azure's.
	if ps := env.ProvisioningState(existing); ps != "" || !env.HasState() {
		st.ProvisioningState = ps
	}
}

// write sends the PUT and records the operation it started; the next reconciles poll it. Sets
// Reconciling (Creating or Updating) and emits the event that says why it wrote.
func (r *Reconciler[O, B]) write(ctx context.Context, obj O, cl Clients[B], id *arm.ResourceID, body B, hash string, existing *B, changes []string) ctrl.Result {
	st := obj.GetARMStatus()
	reason, note := r.whyWrite(obj, id, hash, existing, changes)
	if reason == ReasonDriftCorrected {
		r.driftDetected(obj, changes)
	}
	if u := r.caps().WriteRules; u != nil {
		body = u.PutBody(body, existing)
	}
	sent := r.now()
	op, err := cl.BeginPut(ctx, id, body)
	r.rememberWrite(obj, sent, err)
	if asThrottled(err) == nil {
		st.SubscriptionID = id.SubscriptionID // where it was written: deletion targets it there
	}
	if err != nil {
		return r.fail(ctx, obj, err, hash)
	}
	r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, reason, "CreateOrUpdate", "%s", note)
	log.FromContext(ctx).Info(r.Kind.Noun()+" written to Azure", "reason", reason, "azureID", id.String())
	st.Operation = &v1alpha1.LongRunningOperation{Kind: v1alpha1.OperationCreateOrUpdate, ResumeToken: op.ResumeToken,
		StartTime: metav1.NewTime(r.now()), Generation: obj.GetGeneration(), SpecHash: hash}
	if existing == nil {
		st.ProvisioningState = provisioningCreating
	} else {
		st.ProvisioningState = provisioningUpdating
	}
	r.markReconciling(obj, reasonForOperation(st), note)
	if op.Done {
		st.LastAppliedSpecHash = hash
		r.endOperation(obj, "succeeded")
		return ctrl.Result{RequeueAfter: minPollInterval}
	}
	return ctrl.Result{RequeueAfter: r.pollInterval(op.RetryAfter, time.Time{})}
}

// startAction sends a follow-up action and records its operation. Sets Reconciling.
func (r *Reconciler[O, B]) startAction(ctx context.Context, obj O, cl Clients[B], id *arm.ResourceID, a Action, hash string) ctrl.Result {
	if cl.Actions == nil {
		return r.fail(ctx, obj, fmt.Errorf("the %s client cannot send %s", r.kindName(), a.Kind), hash)
	}
	sent := r.now()
	op, err := cl.Actions.BeginAction(ctx, id, a)
	r.rememberWrite(obj, sent, err)
	if err != nil {
		return r.fail(ctx, obj, err, hash)
	}
	r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, a.Reason, string(a.Kind), "%s", a.Message)
	log.FromContext(ctx).Info(r.Kind.Noun()+" action sent to Azure", "action", a.Kind, "reason", a.Reason, "azureID", id.String())
	r.markReconciling(obj, a.Reason, a.Message)
	if op.Done {
		return ctrl.Result{RequeueAfter: minPollInterval}
	}
	obj.GetARMStatus().Operation = &v1alpha1.LongRunningOperation{Kind: a.Kind, ResumeToken: op.ResumeToken,
		StartTime: metav1.NewTime(r.now()), Generation: obj.GetGeneration(), SpecHash: hash}
	return ctrl.Result{RequeueAfter: r.pollInterval(op.RetryAfter, time.Time{})}
}

// whyWrite names the reason of a write for its event: creation, adoption of a resource made
// elsewhere, a spec change, or drift made outside Kubernetes.
func (r *Reconciler[O, B]) whyWrite(obj O, id *arm.ResourceID, hash string, existing *B, changes []string) (string, string) {
	st := obj.GetARMStatus()
	name := id.Name
	switch {
	case existing == nil:
		return ReasonCreating, "Creating " + r.Kind.Noun() + " " + name + " in Azure"
	case st.LastAppliedSpecHash == "":
		return ReasonAdopted, "Adopting the existing " + r.Kind.Noun() + " " + name + " and applying the spec"
	case st.LastAppliedSpecHash == hash:
		return ReasonDriftCorrected, "Correcting changes made outside Kubernetes: " + strings.Join(changes, ", ")
	default:
		return ReasonUpdating, "Updating the " + r.Kind.Noun() + ": " + strings.Join(changes, ", ")
	}
}

func (r *Reconciler[O, B]) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// stateForMetrics is the provisioning state counted in the resources gauge.
func stateForMetrics(obj Object) string {
	if !obj.GetDeletionTimestamp().IsZero() && len(obj.GetFinalizers()) == 0 {
		return ""
	}
	if ps := obj.GetARMStatus().ProvisioningState; ps != "" {
		return ps
	}
	return "Unknown"
}

// description is what the core knows of its kind, found once: the capabilities it declared,
// its API kind's name and how to read its Azure bodies.
type description[O Object, B any] struct {
	caps     Capabilities[O, B]
	kind     string
	envelope envelope[B]
	err      error // B is not an ARM resource body
}

// described finds the kind's description, once.
func (r *Reconciler[O, B]) described() *description[O, B] {
	r.descOnce.Do(func() {
		r.desc.caps = r.Kind.Capabilities()
		if r.Client != nil {
			r.desc.kind = KindOf[O](r.Client.Scheme())
		} else {
			r.desc.kind = KindOf[O](nil)
		}
		r.desc.envelope, r.desc.err = newEnvelope[B]()
	})
	return &r.desc
}

// caps are the kind's capabilities, as it declared them.
func (r *Reconciler[O, B]) caps() *Capabilities[O, B] { return &r.described().caps }

// kindName is the API kind of the reconciler's objects.
func (r *Reconciler[O, B]) kindName() string { return r.described().kind }

// read observes the resource through the observer, as Azure held it at notBefore or later; wait
// > 0 says to come back then.
func (r *Reconciler[O, B]) read(ctx context.Context, obj O, cl Clients[B], id *arm.ResourceID, notBefore time.Time) (*B, time.Duration, error) {
	ob, err := r.obs().Observe(ctx, cl, key(obj), id, notBefore)
	return ob.Body, ob.Wait, err
}

// get reads the resource itself with a GET, bypassing any list: what a write is decided on.
func (r *Reconciler[O, B]) get(ctx context.Context, obj O, cl Clients[B], id *arm.ResourceID) (*B, error) {
	ob, err := r.obs().Get(ctx, cl, key(obj), id)
	return ob.Body, err
}
