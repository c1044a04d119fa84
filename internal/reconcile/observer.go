package reconcile

import (
	"context"

	"github.com/azgallery/gallery-operator/internal/azure"
)

// Observer reads a resource's current body from Azure: nil and no error when it is absent.
type Observer[B any] interface {
	Observe(ctx context.Context, cl Client[B], ref azure.ResourceRef) (*B, error)
}

// read observes the resource through the reconciler's Observer, or the client's Get.
func (r *Reconciler[O, B]) read(ctx context.Context, cl Client[B], ref azure.ResourceRef) (*B, error) {
	if r.Observer != nil {
		return r.Observer.Observe(ctx, cl, ref)
	}
	return cl.Get(ctx, ref)
}
