package reconcile

import (
	"context"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
)

// Parent describes a reference from objects of a kind to a parent object in their namespace
// (a reference by name in the spec): the children are reconciled when the parent appears,
// becomes Ready or stops being Ready.
type Parent struct {
	// Object is an empty object of the parent's kind.
	Object Object
	// List is an empty list of the children's kind.
	List client.ObjectList
	// Field names the cache index of the reference, for example "spec.parentRef.name".
	Field string
	// NameOf returns the parent's name a child references; "" when it references none.
	NameOf func(child client.Object) string
}

// Register adds a controller for r's kind to the manager. It reacts to spec changes and
// deletion (not to its own status writes) and to its parents' readiness.
func Register[O Object, B any](mgr ctrl.Manager, r *Reconciler[O, B]) error {
	if err := r.described().err; err != nil {
		return err
	}
	r.states.Kind = r.kindName()
	b := ctrl.NewControllerManagedBy(mgr).
		For(newObject[O](), builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, deletionRequested()))).
		WithOptions(controller.Options{MaxConcurrentReconciles: max(r.Concurrency, 1)}).
		Named(strings.ToLower(r.kindName()))
	for _, p := range r.caps().Parents {
		if err := mgr.GetFieldIndexer().IndexField(context.Background(), newObject[O](), p.Field, indexBy(p.NameOf)); err != nil {
			return err
		}
		b = b.Watches(p.Object, handler.EnqueueRequestsFromMapFunc(childrenOf(mgr.GetClient(), p)), builder.WithPredicates(readinessChanged()))
	}
	return b.Complete(r)
}

// deletionRequested passes the update that sets deletionTimestamp.
func deletionRequested() predicate.Funcs {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		return e.ObjectOld.GetDeletionTimestamp().IsZero() && !e.ObjectNew.GetDeletionTimestamp().IsZero()
	}}
}

// readinessChanged passes a parent's creation and deletion, and the updates that change its
// Ready condition.
func readinessChanged() predicate.Funcs {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		return readyStatus(e.ObjectOld) != readyStatus(e.ObjectNew)
	}}
}

// readyStatus is the status of obj's Ready condition at its generation, or "".
func readyStatus(obj client.Object) string {
	o, ok := obj.(Object)
	if !ok {
		return ""
	}
	c := meta.FindStatusCondition(o.GetARMStatus().Conditions, v1alpha1.ConditionReady)
	if c == nil || c.ObservedGeneration != obj.GetGeneration() {
		return ""
	}
	return string(c.Status)
}

// indexBy indexes children by the parent they reference.
func indexBy(nameOf func(client.Object) string) client.IndexerFunc {
	return func(obj client.Object) []string {
		if n := nameOf(obj); n != "" {
			return []string{n}
		}
		return nil
	}
}

// childrenOf maps a parent to the requests of the children that reference it.
func childrenOf(c client.Client, p Parent) handler.MapFunc {
	return func(ctx context.Context, parent client.Object) []ctrl.Request {
		list := p.List.DeepCopyObject().(client.ObjectList)
		if err := c.List(ctx, list, client.InNamespace(parent.GetNamespace()), client.MatchingFields{p.Field: parent.GetName()}); err != nil {
			return nil
		}
		var reqs []ctrl.Request
		_ = meta.EachListItem(list, func(o runtime.Object) error {
			if co, ok := o.(client.Object); ok {
				reqs = append(reqs, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(co)})
			}
			return nil
		})
		return reqs
	}
}
