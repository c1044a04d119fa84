package reconcile

import (
	"context"
	"errors"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
)

// TestScopeCheck: the hook sees the resolved scope (the connection's subscription); a terminal
// refusal stalls the object with its code and sends nothing to Azure, whatever the object needs
// (a write, polling, a delete), and is checked again within a minute; a failure to check is
// transient; no hook changes nothing.
func TestScopeCheck(t *testing.T) {
	refuse := Refusal("ScopeNotAllowed", "namespace says no")
	cases := []struct {
		name     string
		obj      *thing
		check    error
		deleting bool
		requests int
		stalled  bool
	}{
		{"refused before a write", object("want", nil), refuse, false, 0, true},
		{"refused while an operation is in flight", object("want", operation(v1alpha1.OperationCreateOrUpdate, now.Add(-time.Minute))), refuse, false, 0, true},
		{"refused before a delete", object("want", readyAt("h-want", now.Add(-time.Minute))), refuse, true, 0, true},
		{"the check fails: retried, nothing sent", object("want", nil), errors.New("namespace unreadable"), false, 0, false},
		{"allowed: read, then written", object("want", nil), nil, false, 2, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := fakeClient{}
			var seen *arm.ResourceID
			r := &Reconciler[*thing, body]{Recorder: events.NewFakeRecorder(100), Azure: fakeConnector{}, Kind: fakeKind{client: &cl},
				Options: Options{DriftResync: syncPeriod, TerminalRetry: syncPeriod, ParentWait: syncPeriod, Now: func() time.Time { return now },
					ScopeCheck: func(_ context.Context, _ ctrlclient.Object, id *arm.ResourceID) error { seen = id; return c.check }}}
			obj := c.obj.DeepCopy()
			if c.deleting {
				obj.Finalizers = []string{Finalizer}
				obj.DeletionTimestamp = &metav1.Time{Time: now}
				obj.Spec.DeletionPolicy = v1alpha1.DeletionPolicyDelete
				result, err := r.reconcileDelete(context.Background(), obj)
				if err != nil {
					t.Fatal(err)
				}
				if result.RequeueAfter > 2*scopeRecheck {
					t.Errorf("requeue after %s, want within about %s", result.RequeueAfter, scopeRecheck)
				}
			} else {
				result := r.reconcile(context.Background(), obj)
				if c.stalled && result.RequeueAfter > 2*scopeRecheck {
					t.Errorf("requeue after %s, want within about %s", result.RequeueAfter, scopeRecheck)
				}
			}
			if len(cl.requests) != c.requests {
				t.Errorf("requests to Azure %q, want %d", cl.requests, c.requests)
			}
			if seen == nil || seen.SubscriptionID != "sub" || seen.ResourceGroupName != "rg" {
				t.Errorf("the hook saw %v, want the resolved subscription and group", seen)
			}
			st := &obj.Status.ARMStatus
			if c.stalled {
				expectCondition(t, st, v1alpha1.ConditionStalled, condition{metav1.ConditionTrue, "ScopeNotAllowed"})
			} else {
				expectCondition(t, st, v1alpha1.ConditionStalled, condition{})
			}
		})
	}
}
