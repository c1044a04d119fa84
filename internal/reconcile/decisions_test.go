package reconcile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	azruntime "github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
)

// The core's decisions as a table: given the object's status and Azure's answers, expect these
// requests (or none), these conditions and this requeue. A fake kind and client stand in for
// Azure and a fixed clock for time; no API server is involved.

var now = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

const syncPeriod = time.Hour

// body is the fake kind's Azure resource, an ARM body: an ID and properties with a
// provisioningState.
type body struct {
	ID          *string
	Description string
	Properties  *bodyProperties
}

type bodyProperties struct {
	ProvisioningState *string
}

// newBody is a body with a description and a provisioning state.
func newBody(description, state string) *body {
	id := "/subscriptions/sub/id"
	return &body{ID: &id, Description: description, Properties: &bodyProperties{ProvisioningState: &state}}
}

// state is a body's provisioning state.
func (b *body) state() string { return *b.Properties.ProvisioningState }

// setState changes a body's provisioning state.
func (b *body) setState(s string) { b.Properties.ProvisioningState = &s }

// fakeKind reconciles things into body, with optional parent waiting and a
// follow-up action.
type fakeKind struct {
	client  *fakeClient
	waiting *WaitingError
	action  *Action // returned by NextAction while the client's actionsDone is false
}

func (fakeKind) Noun() string { return "fake resource" }
func (k fakeKind) Target(context.Context, ctrlclient.Reader, *thing, bool) (Target, error) {
	t := Target{ID: func(sub string) (*arm.ResourceID, error) { return arm.ParseResourceID(thingPath(sub, "p", "i")) }}
	if k.waiting != nil {
		return t, k.waiting
	}
	return t, nil
}
func (fakeKind) Desired(o *thing) body {
	return body{Description: o.Spec.Description}
}
func (fakeKind) Diff(d body, e *body) []string {
	if e == nil {
		return []string{"(absent)"}
	}
	if d.Description != e.Description {
		return []string{"description"}
	}
	return nil
}
func (fakeKind) Hash(d body) string         { return "h-" + d.Description }
func (fakeKind) ReportStatus(*thing, *body) {}
func (k fakeKind) Client(*azure.Connection) Clients[body] {
	return Clients[body]{Client: k.client, Actions: k.client}
}
func (k fakeKind) Capabilities() Capabilities[*thing, body] {
	return Capabilities[*thing, body]{FollowUp: k}
}
func (fakeKind) Hint(*Failure)                            {}
func (fakeKind) ActionBeforeDelete(*thing, *body) *Action { return nil }
func (k fakeKind) NextAction(_ *thing, _ *body) *Action {
	if k.action == nil || k.client.actionsDone {
		return nil
	}
	return k.action
}

// thingPath is the ARM path of the fake kind's resource name in the collection of parent.
func thingPath(sub, parent, name string) string {
	return "/subscriptions/" + sub + "/resourceGroups/rg/providers/Example.Fake/parents/" + parent + "/things/" + name
}

// thingID is the parsed thingPath in subscription "sub".
func thingID(parent, name string) *arm.ResourceID {
	id, err := arm.ParseResourceID(thingPath("sub", parent, name))
	if err != nil {
		panic(err)
	}
	return id
}

// fakeClient answers from its fields and records the requests made.
type fakeClient struct {
	existing    *body
	getErr      error
	putErr      error
	putDone     bool
	poll        azure.Operation
	pollErr     error
	actionsDone bool
	requests    []string
}

func (c *fakeClient) Get(context.Context, *arm.ResourceID) (*body, error) {
	c.requests = append(c.requests, "GET")
	return c.existing, c.getErr
}
func (c *fakeClient) BeginPut(_ context.Context, _ *arm.ResourceID, b body) (azure.Operation, error) {
	c.requests = append(c.requests, "PUT "+b.Description)
	if c.putErr != nil {
		return azure.Operation{}, c.putErr
	}
	return azure.Operation{ResumeToken: "put-token", Done: c.putDone}, nil
}
func (c *fakeClient) BeginDelete(context.Context, *arm.ResourceID) (azure.Operation, error) {
	c.requests = append(c.requests, "DELETE")
	return azure.Operation{ResumeToken: "delete-token"}, nil
}
func (c *fakeClient) PollPut(_ context.Context, _ *arm.ResourceID, token string) (azure.Operation, error) {
	c.requests = append(c.requests, "POLL "+token)
	return c.poll, c.pollErr
}
func (c *fakeClient) PollDelete(_ context.Context, _ *arm.ResourceID, token string) (azure.Operation, error) {
	c.requests = append(c.requests, "POLL "+token)
	return c.poll, c.pollErr
}
func (c *fakeClient) BeginAction(_ context.Context, _ *arm.ResourceID, a Action) (azure.Operation, error) {
	c.requests = append(c.requests, "ACTION "+string(a.Kind))
	return azure.Operation{ResumeToken: "action-token"}, nil
}
func (c *fakeClient) PollAction(_ context.Context, _ *arm.ResourceID, kind v1alpha1.OperationKind, token string) (azure.Operation, error) {
	c.requests = append(c.requests, "POLL "+token)
	if c.poll.Done {
		c.actionsDone = true
	}
	return c.poll, c.pollErr
}

type fakeConnector struct{}

func (fakeConnector) For(azure.Credentials, string) (*azure.Connection, error) {
	return &azure.Connection{SubscriptionID: "sub"}, nil
}

// azureError is an error as the Azure SDK returns it for an HTTP answer.
func azureError(status int, code, message string, header ...string) error {
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	req, _ := http.NewRequest(http.MethodPut, "https://management.azure.com/x", nil)
	resp := &http.Response{StatusCode: status, Header: h, Request: req,
		Body: io.NopCloser(bytes.NewBufferString(fmt.Sprintf(`{"error":{"code":%q,"message":%q}}`, code, message)))}
	return azruntime.NewResponseError(resp)
}

// object builds the object of a case: generation 2, description desc, with status mutated.
func object(desc string, mutate func(*v1alpha1.ARMStatus)) *thing {
	o := &thing{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "obj", Generation: 2}}
	o.Spec.Description = desc
	if mutate != nil {
		mutate(&o.Status.ARMStatus)
	}
	return o
}

// readyAt marks a status Ready for generation 2 and hash h, synced at t.
func readyAt(h string, t time.Time) func(*v1alpha1.ARMStatus) {
	return func(st *v1alpha1.ARMStatus) {
		st.LastAppliedSpecHash = h
		st.LastSyncTime = &metav1.Time{Time: t}
		st.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: ReasonSucceeded, ObservedGeneration: 2}}
	}
}

// operation records an operation of kind started at t.
func operation(kind v1alpha1.OperationKind, t time.Time) func(*v1alpha1.ARMStatus) {
	return func(st *v1alpha1.ARMStatus) {
		st.Operation = &v1alpha1.LongRunningOperation{Kind: kind, ResumeToken: "op-token", StartTime: metav1.Time{Time: t}, SpecHash: "h-want"}
		st.ProvisioningState = provisioningCreating
	}
}

type condition struct {
	status metav1.ConditionStatus
	reason string
}

func TestDecisions(t *testing.T) {
	tests := []struct {
		name     string
		obj      *thing
		client   fakeClient
		kind     func(*fakeKind)
		requests []string
		// conditions: Ready, Reconciling, Stalled ("" status: absent)
		ready, reconciling, stalled condition
		requeueMin, requeueMax      time.Duration
		check                       func(t *testing.T, st *v1alpha1.ARMStatus)
	}{
		{
			name: "absent in Azure: one PUT, Creating",
			obj:  object("want", nil), client: fakeClient{},
			requests: []string{"GET", "PUT want"},
			ready:    condition{metav1.ConditionFalse, ReasonCreating}, reconciling: condition{metav1.ConditionTrue, ReasonCreating},
			requeueMin: minPollInterval, requeueMax: minPollInterval,
			check: func(t *testing.T, st *v1alpha1.ARMStatus) {
				if st.Operation == nil || st.Operation.ResumeToken != "put-token" || st.Operation.SpecHash != "h-want" {
					t.Errorf("the operation is not recorded for resuming: %+v", st.Operation)
				}
			},
		},
		{
			name: "absent, and the PUT waits for the request budget: no status change, back when the token is due",
			obj:  object("want", nil), client: fakeClient{putErr: &azure.ThrottledError{Bucket: "write", RetryAfter: 7 * time.Second}},
			requests:   []string{"GET", "PUT want"},
			requeueMin: 7 * time.Second, requeueMax: 7 * time.Second,
			check: func(t *testing.T, st *v1alpha1.ARMStatus) {
				if !equality.Semantic.DeepEqual(st, &v1alpha1.ARMStatus{}) {
					t.Errorf("the status changed while nothing was sent: %+v", st)
				}
			},
		},
		{
			name:     "operation in flight: one poll, no PUT, wait a quarter of its age",
			obj:      object("want", operation(v1alpha1.OperationCreateOrUpdate, now.Add(-20*time.Second))),
			client:   fakeClient{poll: azure.Operation{ResumeToken: "op-token-2"}},
			requests: []string{"POLL op-token"},
			ready:    condition{metav1.ConditionFalse, ReasonCreating}, reconciling: condition{metav1.ConditionTrue, ReasonCreating},
			requeueMin: 5 * time.Second, requeueMax: 5 * time.Second,
			check: func(t *testing.T, st *v1alpha1.ARMStatus) {
				if st.Operation == nil || st.Operation.ResumeToken != "op-token-2" {
					t.Errorf("the new resume token is not kept: %+v", st.Operation)
				}
			},
		},
		{
			name:     "operation in flight with Retry-After: the poll waits for it",
			obj:      object("want", operation(v1alpha1.OperationCreateOrUpdate, now.Add(-time.Second))),
			client:   fakeClient{poll: azure.Operation{ResumeToken: "t", RetryAfter: 17 * time.Second}},
			requests: []string{"POLL op-token"},
			ready:    condition{metav1.ConditionFalse, ReasonCreating}, reconciling: condition{metav1.ConditionTrue, ReasonCreating},
			requeueMin: 17 * time.Second, requeueMax: 17 * time.Second,
		},
		{
			name:       "operation done and Azure matches: Ready, next read in a sync period",
			obj:        object("want", operation(v1alpha1.OperationCreateOrUpdate, now.Add(-time.Minute))),
			client:     fakeClient{poll: azure.Operation{Done: true}, existing: newBody("want", provisioningSucceeded)},
			requests:   []string{"POLL op-token", "GET"},
			ready:      condition{metav1.ConditionTrue, ReasonSucceeded},
			requeueMin: syncPeriod, requeueMax: syncPeriod * 11 / 10,
			check: func(t *testing.T, st *v1alpha1.ARMStatus) {
				if st.Operation != nil || st.LastAppliedSpecHash != "h-want" || st.ProvisioningState != provisioningSucceeded {
					t.Errorf("status after the operation: %+v", st)
				}
			},
		},
		{
			name:       "Ready and read recently: no request at all",
			obj:        object("want", readyAt("h-want", now.Add(-10*time.Minute))),
			client:     fakeClient{existing: newBody("want", provisioningSucceeded)},
			requests:   nil,
			ready:      condition{metav1.ConditionTrue, ReasonSucceeded},
			requeueMin: 50 * time.Minute, requeueMax: 50 * time.Minute,
		},
		{
			name:       "Ready, sync period over, Azure matches: one GET, no PUT",
			obj:        object("want", readyAt("h-want", now.Add(-61*time.Minute))),
			client:     fakeClient{existing: newBody("want", provisioningSucceeded)},
			requests:   []string{"GET"},
			ready:      condition{metav1.ConditionTrue, ReasonSucceeded},
			requeueMin: syncPeriod, requeueMax: syncPeriod * 11 / 10,
		},
		{
			name:     "drift: Azure changed outside Kubernetes, one corrective PUT",
			obj:      object("want", readyAt("h-want", now.Add(-61*time.Minute))),
			client:   fakeClient{existing: newBody("portal", provisioningSucceeded)},
			requests: []string{"GET", "PUT want"},
			ready:    condition{metav1.ConditionFalse, ReasonUpdating}, reconciling: condition{metav1.ConditionTrue, ReasonUpdating},
			requeueMin: minPollInterval, requeueMax: minPollInterval,
		},
		{
			name:     "spec changed: the Ready shortcut does not apply, one PUT",
			obj:      object("new", readyAt("h-old", now.Add(-time.Minute))),
			client:   fakeClient{existing: newBody("old", provisioningSucceeded)},
			requests: []string{"GET", "PUT new"},
			ready:    condition{metav1.ConditionFalse, ReasonUpdating}, reconciling: condition{metav1.ConditionTrue, ReasonUpdating},
			requeueMin: minPollInterval, requeueMax: minPollInterval,
		},
		{
			name:     "PUT refused with 400: Stalled with Azure's code, retried after a sync period",
			obj:      object("want", nil),
			client:   fakeClient{putErr: azureError(400, "InvalidParameter", "bad description")},
			requests: []string{"GET", "PUT want"},
			ready:    condition{metav1.ConditionFalse, "InvalidParameter"}, stalled: condition{metav1.ConditionTrue, "InvalidParameter"},
			requeueMin: syncPeriod, requeueMax: syncPeriod * 11 / 10,
			check: func(t *testing.T, st *v1alpha1.ARMStatus) {
				if st.Error == nil || st.Error.Code != "InvalidParameter" || !st.Error.Terminal || st.Error.SpecHash != "h-want" {
					t.Errorf("status.error: %+v", st.Error)
				}
			},
		},
		{
			name: "the same body was refused terminally 10 minutes ago: not sent again",
			obj: object("want", func(st *v1alpha1.ARMStatus) {
				st.Error = &v1alpha1.AzureError{Code: "InvalidParameter", Terminal: true, SpecHash: "h-want", Time: &metav1.Time{Time: now.Add(-10 * time.Minute)}}
			}),
			client:     fakeClient{},
			requests:   []string{"GET"},
			requeueMin: 50 * time.Minute, requeueMax: 50 * time.Minute,
		},
		{
			name:     "PUT throttled with Retry-After: Reconciling, no sooner than Azure asked",
			obj:      object("want", nil),
			client:   fakeClient{putErr: azureError(429, "SubscriptionRequestsThrottled", "slow down", "Retry-After", "30")},
			requests: []string{"GET", "PUT want"},
			ready:    condition{metav1.ConditionFalse, "SubscriptionRequestsThrottled"}, reconciling: condition{metav1.ConditionTrue, "SubscriptionRequestsThrottled"},
			requeueMin: 30 * time.Second, requeueMax: 30 * time.Second,
		},
		{
			name:     "GET fails with 500: Reconciling, backoff starts at 2s",
			obj:      object("want", nil),
			client:   fakeClient{getErr: azureError(500, "InternalServerError", "oops")},
			requests: []string{"GET"},
			ready:    condition{metav1.ConditionFalse, "InternalServerError"}, reconciling: condition{metav1.ConditionTrue, "InternalServerError"},
			requeueMin: minTransientBackoff, requeueMax: minTransientBackoff,
		},
		{
			name:     "operation failed in Azure: provisioningState Failed, the error in status",
			obj:      object("want", operation(v1alpha1.OperationCreateOrUpdate, now.Add(-time.Minute))),
			client:   fakeClient{pollErr: &azure.OperationFailedError{Err: azureError(200, "InternalExecutionError", "failed")}},
			requests: []string{"POLL op-token"},
			ready:    condition{metav1.ConditionFalse, "InternalExecutionError"}, reconciling: condition{metav1.ConditionTrue, "InternalExecutionError"},
			requeueMin: minTransientBackoff, requeueMax: minTransientBackoff,
			check: func(t *testing.T, st *v1alpha1.ARMStatus) {
				if st.ProvisioningState != provisioningFailed || st.Operation != nil || st.Error == nil {
					t.Errorf("status after a failed operation: %+v", st)
				}
			},
		},
		{
			name:     "Azure busy with an operation not ours: wait, no PUT",
			obj:      object("want", nil),
			client:   fakeClient{existing: newBody("old", provisioningUpdating)},
			requests: []string{"GET"},
			ready:    condition{metav1.ConditionFalse, ReasonWaitingForAzure}, reconciling: condition{metav1.ConditionTrue, ReasonWaitingForAzure},
			requeueMin: minPollInterval, requeueMax: minPollInterval,
		},
		{
			name: "parent not Ready: waiting, no request, no error",
			obj:  object("want", nil),
			kind: func(k *fakeKind) {
				k.waiting = &WaitingError{Reason: "WaitingForParent", Message: "waiting for Parent p"}
			},
			requests: nil,
			ready:    condition{metav1.ConditionFalse, "WaitingForParent"}, reconciling: condition{metav1.ConditionTrue, "WaitingForParent"},
			requeueMin: syncPeriod, requeueMax: syncPeriod * 11 / 10,
			check: func(t *testing.T, st *v1alpha1.ARMStatus) {
				if st.Error != nil {
					t.Errorf("waiting is not an error: %+v", st.Error)
				}
			},
		},
		{
			name:   "body matches, an action is pending: the action is sent, not a PUT",
			obj:    object("want", readyAt("h-want", now.Add(-61*time.Minute))),
			client: fakeClient{existing: newBody("want", provisioningSucceeded)},
			kind: func(k *fakeKind) {
				k.action = &Action{Kind: v1alpha1.OperationShare, Reason: "Sharing", Message: "Sharing with x"}
			},
			requests: []string{"GET", "ACTION Share"},
			ready:    condition{metav1.ConditionFalse, "Sharing"}, reconciling: condition{metav1.ConditionTrue, "Sharing"},
			requeueMin: minPollInterval, requeueMax: minPollInterval,
		},
		{
			name: "action done: re-read, nothing left, Ready",
			obj: object("want", func(st *v1alpha1.ARMStatus) {
				st.Operation = &v1alpha1.LongRunningOperation{Kind: v1alpha1.OperationShare, ResumeToken: "op-token", StartTime: metav1.Time{Time: now.Add(-time.Minute)}, SpecHash: "h-want"}
				st.LastAppliedSpecHash = "h-want"
			}),
			client: fakeClient{poll: azure.Operation{Done: true}, existing: newBody("want", provisioningSucceeded)},
			kind: func(k *fakeKind) {
				k.action = &Action{Kind: v1alpha1.OperationShare, Reason: "Sharing", Message: "Sharing with x"}
			},
			requests:   []string{"POLL op-token", "GET"},
			ready:      condition{metav1.ConditionTrue, ReasonSucceeded},
			requeueMin: syncPeriod, requeueMax: syncPeriod * 11 / 10,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl := tt.client
			k := fakeKind{client: &cl}
			if tt.kind != nil {
				tt.kind(&k)
			}
			r := &Reconciler[*thing, body]{Recorder: events.NewFakeRecorder(100), Azure: fakeConnector{}, Kind: k,
				Options: Options{DriftResync: syncPeriod, TerminalRetry: syncPeriod, ParentWait: syncPeriod, Now: func() time.Time { return now }}}
			obj := tt.obj.DeepCopy()
			res := r.reconcile(context.Background(), obj)
			if !slices.Equal(cl.requests, tt.requests) {
				t.Errorf("requests to Azure = %q, want %q", cl.requests, tt.requests)
			}
			st := &obj.Status.ARMStatus
			expectCondition(t, st, v1alpha1.ConditionReady, tt.ready)
			expectCondition(t, st, v1alpha1.ConditionReconciling, tt.reconciling)
			expectCondition(t, st, v1alpha1.ConditionStalled, tt.stalled)
			if res.RequeueAfter < tt.requeueMin || res.RequeueAfter > tt.requeueMax {
				t.Errorf("requeue after %s, want between %s and %s", res.RequeueAfter, tt.requeueMin, tt.requeueMax)
			}
			if tt.check != nil {
				tt.check(t, st)
			}
		})
	}
}

// expectCondition checks one condition; a zero want means absent. Every condition present must
// carry the object's generation.
func expectCondition(t *testing.T, st *v1alpha1.ARMStatus, condType string, want condition) {
	t.Helper()
	c := meta.FindStatusCondition(st.Conditions, condType)
	if want.status == "" {
		if c != nil && condType != v1alpha1.ConditionReady {
			t.Errorf("%s is present: %+v (kstatus wants it only when True)", condType, c)
		}
		return
	}
	if c == nil || c.Status != want.status || c.Reason != want.reason {
		t.Errorf("%s = %+v, want %s/%s", condType, c, want.status, want.reason)
		return
	}
	if c.ObservedGeneration != 2 {
		t.Errorf("%s has observedGeneration %d, want 2", condType, c.ObservedGeneration)
	}
}

// TestConditionReason: Azure codes become valid condition reasons.
func TestConditionReason(t *testing.T) {
	for in, want := range map[string]string{"InvalidParameter": "InvalidParameter", "Bad-Code.x": "BadCodex", "404": "AzureError404", "": "AzureError"} {
		if got := conditionReason(in); got != want {
			t.Errorf("conditionReason(%q) = %q, want %q", in, got, want)
		}
	}
	if got := conditionReason(strings.Repeat("A", 2000)); len(got) > 1024 {
		t.Errorf("a long reason is %d bytes", len(got))
	}
}

// TestTimeAloneIsNoStatusChange: a Ready object observed again with nothing changed in Azure is
// not written (its lastSyncTime does not move on its own), and a drift, which changes the
// status, is written with the time of that observation.
func TestTimeAloneIsNoStatusChange(t *testing.T) {
	clock := now
	obj := object("want", readyAt("h-want", clock.Add(-61*time.Minute)))
	obj.Finalizers = []string{Finalizer}
	obj.Status.ObservedGeneration = 2
	kc := fake.NewClientBuilder().WithScheme(thingScheme()).WithObjects(obj).WithStatusSubresource(obj).Build()
	cl := &fakeClient{existing: newBody("want", provisioningSucceeded)}
	r := &Reconciler[*thing, body]{Client: kc, Recorder: events.NewFakeRecorder(100), Azure: fakeConnector{},
		Kind: fakeKind{client: cl}, Options: Options{DriftResync: syncPeriod, TerminalRetry: syncPeriod, ParentWait: syncPeriod, Now: func() time.Time { return clock }}}
	stored := func() *thing {
		out := &thing{}
		if err := kc.Get(context.Background(), ctrlclient.ObjectKeyFromObject(obj), out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	before := stored()
	// the subscription is recorded once (a status change); then the object is at rest
	if _, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: ctrlclient.ObjectKeyFromObject(obj)}); err != nil {
		t.Fatal(err)
	}
	before = stored()
	clock = clock.Add(2 * syncPeriod)
	if _, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: ctrlclient.ObjectKeyFromObject(obj)}); err != nil {
		t.Fatal(err)
	}
	if got := stored(); got.ResourceVersion != before.ResourceVersion {
		t.Errorf("an observation that changed nothing was written: lastSyncTime %v → %v", before.Status.LastSyncTime, got.Status.LastSyncTime)
	}
	if !slices.Equal(cl.requests, []string{"GET", "GET"}) {
		t.Errorf("requests %q, want a GET per sync period", cl.requests)
	}

	clock = clock.Add(2 * syncPeriod)
	cl.existing = newBody("portal", provisioningSucceeded)
	if _, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: ctrlclient.ObjectKeyFromObject(obj)}); err != nil {
		t.Fatal(err)
	}
	got := stored()
	if got.ResourceVersion == before.ResourceVersion || got.Status.LastSyncTime == nil || !got.Status.LastSyncTime.Time.Equal(clock) {
		t.Errorf("a drift corrected: status not written with the observation's time: %+v", got.Status.ARMStatus)
	}
}

// A deletion whose resource Azure has answered absent, but whose finalizer could not be removed
// (the API server away), retries only the finalizer: no second read of Azure, no second event.
func TestDeletionConfirmedOnceWhileTheFinalizerFails(t *testing.T) {
	obj := object("want", func(st *v1alpha1.ARMStatus) { st.ID = thingPath("sub", "p", "i") })
	obj.UID = "uid-1"
	obj.Finalizers = []string{Finalizer}
	obj.DeletionTimestamp = &metav1.Time{Time: now.Add(-time.Minute)}
	apiDown := true
	kc := fake.NewClientBuilder().WithScheme(thingScheme()).WithObjects(obj).WithStatusSubresource(obj).
		WithInterceptorFuncs(interceptor.Funcs{
			Patch: func(ctx context.Context, c ctrlclient.WithWatch, o ctrlclient.Object, p ctrlclient.Patch, opts ...ctrlclient.PatchOption) error {
				if apiDown {
					return errors.New("connection refused")
				}
				return c.Patch(ctx, o, p, opts...)
			},
			SubResourcePatch: func(ctx context.Context, c ctrlclient.Client, sub string, o ctrlclient.Object, p ctrlclient.Patch, opts ...ctrlclient.SubResourcePatchOption) error {
				if apiDown {
					return errors.New("connection refused")
				}
				return c.SubResource(sub).Patch(ctx, o, p, opts...)
			},
		}).Build()
	cl := &fakeClient{} // the resource is absent
	rec := events.NewFakeRecorder(100)
	r := &Reconciler[*thing, body]{Client: kc, Recorder: rec, Azure: fakeConnector{}, Kind: fakeKind{client: cl},
		Options: Options{DriftResync: syncPeriod, TerminalRetry: syncPeriod, ParentWait: syncPeriod, Now: func() time.Time { return now }}}
	req := ctrl.Request{NamespacedName: ctrlclient.ObjectKeyFromObject(obj)}

	for range 3 {
		if _, err := r.Reconcile(context.Background(), req); err == nil {
			t.Fatal("the finalizer's removal failed, but the reconcile reported no error")
		}
	}
	if !slices.Equal(cl.requests, []string{"GET"}) {
		t.Errorf("requests to Azure while the finalizer could not be removed = %q, want one GET", cl.requests)
	}
	if n := len(rec.Events); n != 1 {
		t.Errorf("%d events, want one (the resource is gone)", n)
	}

	apiDown = false
	if _, err := r.Reconcile(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if err := kc.Get(context.Background(), req.NamespacedName, &thing{}); !apierrors.IsNotFound(err) {
		t.Errorf("the object is still there once the API server is back: %v", err)
	}
	if !slices.Equal(cl.requests, []string{"GET"}) {
		t.Errorf("requests to Azure = %q, want still one GET", cl.requests)
	}

	// Another object of the same name is deleted on its own evidence.
	again := obj.DeepCopy()
	again.UID, again.ResourceVersion, again.DeletionTimestamp = "uid-2", "", nil
	if err := kc.Create(context.Background(), again); err != nil {
		t.Fatal(err)
	}
	if err := kc.Delete(context.Background(), again); err != nil { // held by its finalizer
		t.Fatal(err)
	}
	if _, err := r.Reconcile(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cl.requests, []string{"GET", "GET"}) {
		t.Errorf("requests to Azure for a new object of the same name = %q, want a GET of its own", cl.requests)
	}
}
