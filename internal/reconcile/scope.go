package reconcile

import (
	"context"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	ctrl "sigs.k8s.io/controller-runtime"
)

// scopeRecheck is how soon an object refused by the ScopeCheck is checked again: the check costs
// no Azure request, and a namespace's rule may be relaxed at any time.
const scopeRecheck = time.Minute

// checkScope asks Options.ScopeCheck whether obj may use the resolved id; refused is true when
// it may not (or the check failed), with the result to return. Nothing is sent to Azure then.
func (r *Reconciler[O, B]) checkScope(ctx context.Context, obj O, id *arm.ResourceID) (ctrl.Result, bool) {
	if r.ScopeCheck == nil {
		return ctrl.Result{}, false
	}
	err := r.ScopeCheck(ctx, obj, id)
	if err == nil {
		return ctrl.Result{}, false
	}
	result := r.fail(ctx, obj, err, "")
	if e := r.classify(err); e.Terminal && result.RequeueAfter > scopeRecheck {
		result.RequeueAfter = jitter(scopeRecheck)
	}
	return result, true
}
