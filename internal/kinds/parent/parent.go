// Package parent resolves the references between objects (a GalleryImage's galleryRef, a
// GalleryImageVersion's imageRef) into the parent's Azure location and readiness.
package parent

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/reconcile"
)

// Reasons of a child waiting for its parent.
const (
	ReasonWaitingForGallery = "WaitingForGallery"
	ReasonWaitingForImage   = "WaitingForGalleryImage"
)

// Gallery returns the Gallery object name in namespace. When it is missing, or when needReady
// and it is not Ready at its generation, the error is a *reconcile.WaitingError saying so.
func Gallery(ctx context.Context, c client.Reader, namespace, name string, needReady bool) (*v1alpha1.Gallery, error) {
	g := &v1alpha1.Gallery{}
	if err := get(ctx, c, namespace, name, g, ReasonWaitingForGallery); err != nil {
		return nil, err
	}
	// Its location is known once it was written; readiness only matters when writing below it.
	if g.Status.SubscriptionID == "" && g.Spec.SubscriptionID == "" || needReady {
		if err := ready(g, "Gallery", ReasonWaitingForGallery); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// SubscriptionOf is the subscription the Gallery lives in.
func SubscriptionOf(g *v1alpha1.Gallery) string {
	if g.Spec.SubscriptionID != "" {
		return g.Spec.SubscriptionID
	}
	return g.Status.SubscriptionID
}

// get reads a parent object; missing is a WaitingError with reason.
func get(ctx context.Context, c client.Reader, namespace, name string, obj client.Object, reason string) error {
	err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, obj)
	if apierrors.IsNotFound(err) {
		return &reconcile.WaitingError{Reason: reason, Message: fmt.Sprintf("waiting for %s %q: it does not exist in namespace %s", kindOf(reason), name, namespace)}
	}
	return err
}

// ready returns a WaitingError unless the parent is Ready at its current generation.
func ready(o reconcile.Object, kind, reason string) error {
	c := meta.FindStatusCondition(o.GetARMStatus().Conditions, v1alpha1.ConditionReady)
	if c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == o.GetGeneration() {
		return nil
	}
	why := "it has no Ready condition yet"
	if c != nil {
		why = fmt.Sprintf("it is not Ready (%s: %s)", c.Reason, c.Message)
	}
	return &reconcile.WaitingError{Reason: reason, Message: fmt.Sprintf("waiting for %s %q to be Ready: %s", kind, o.GetName(), why)}
}

func kindOf(reason string) string {
	if reason == ReasonWaitingForImage {
		return "GalleryImage"
	}
	return "Gallery"
}

// Image returns the GalleryImage object name in namespace and the ARM ID of its image definition
// (from its status, once written). Missing, not yet written or, when needReady, not Ready is a
// *reconcile.WaitingError saying so.
func Image(ctx context.Context, c client.Reader, namespace, name string, needReady bool) (*v1alpha1.GalleryImage, *arm.ResourceID, error) {
	img := &v1alpha1.GalleryImage{}
	if err := get(ctx, c, namespace, name, img, ReasonWaitingForImage); err != nil {
		return nil, nil, err
	}
	if needReady || img.Status.ID == "" {
		if err := ready(img, "GalleryImage", ReasonWaitingForImage); err != nil {
			return nil, nil, err
		}
	}
	id, err := arm.ParseResourceID(img.Status.ID)
	if err != nil || id.Parent == nil {
		return nil, nil, &reconcile.WaitingError{Reason: ReasonWaitingForImage,
			Message: fmt.Sprintf("waiting for GalleryImage %q to report its Azure resource ID", name)}
	}
	return img, id, nil
}

// CredentialsOfImage are the credentials a GalleryImage uses: its own, or its Gallery's.
func CredentialsOfImage(ctx context.Context, c client.Reader, img *v1alpha1.GalleryImage) *v1alpha1.SecretReference {
	if img.Spec.CredentialsSecretRef != nil || img.Spec.GalleryRef == nil {
		return img.Spec.CredentialsSecretRef
	}
	g := &v1alpha1.Gallery{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: img.Namespace, Name: img.Spec.GalleryRef.Name}, g); err != nil {
		return nil
	}
	return g.Spec.CredentialsSecretRef
}
