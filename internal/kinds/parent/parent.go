// Package parent resolves the references between objects (a GalleryImage's or
// GalleryApplication's galleryRef, a GalleryImageVersion's imageRef, a GalleryApplicationVersion's
// applicationRef) into the parent's Azure location and readiness.
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
	ReasonWaitingForGallery     = "WaitingForGallery"
	ReasonWaitingForImage       = "WaitingForGalleryImage"
	ReasonWaitingForApplication = "WaitingForGalleryApplication"
	ReasonWaitingForProfile     = "WaitingForGalleryInVMAccessControlProfile"
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
	switch reason {
	case ReasonWaitingForImage:
		return "GalleryImage"
	case ReasonWaitingForApplication:
		return "GalleryApplication"
	case ReasonWaitingForProfile:
		return "GalleryInVMAccessControlProfile"
	}
	return "Gallery"
}

// Image returns the GalleryImage object name in namespace and the ARM ID of its image definition
// (from its status, once written). Missing, not yet written or, when needReady, not Ready is a
// *reconcile.WaitingError saying so.
func Image(ctx context.Context, c client.Reader, namespace, name string, needReady bool) (*v1alpha1.GalleryImage, *arm.ResourceID, error) {
	img := &v1alpha1.GalleryImage{}
	id, err := inGallery(ctx, c, namespace, name, img, ReasonWaitingForImage, needReady)
	return img, id, err
}

// Application is Image for a GalleryApplication object and its application definition.
func Application(ctx context.Context, c client.Reader, namespace, name string, needReady bool) (*v1alpha1.GalleryApplication, *arm.ResourceID, error) {
	app := &v1alpha1.GalleryApplication{}
	id, err := inGallery(ctx, c, namespace, name, app, ReasonWaitingForApplication, needReady)
	return app, id, err
}

// Profile is Image for a GalleryInVMAccessControlProfile object and its profile.
func Profile(ctx context.Context, c client.Reader, namespace, name string, needReady bool) (*v1alpha1.GalleryInVMAccessControlProfile, *arm.ResourceID, error) {
	p := &v1alpha1.GalleryInVMAccessControlProfile{}
	id, err := inGallery(ctx, c, namespace, name, p, ReasonWaitingForProfile, needReady)
	return p, id, err
}

// inGallery reads obj, a parent below a gallery, and returns the ARM ID of its resource.
func inGallery(ctx context.Context, c client.Reader, namespace, name string, obj reconcile.Object, reason string, needReady bool) (*arm.ResourceID, error) {
	if err := get(ctx, c, namespace, name, obj, reason); err != nil {
		return nil, err
	}
	st := obj.GetARMStatus()
	if needReady || st.ID == "" {
		if err := ready(obj, kindOf(reason), reason); err != nil {
			return nil, err
		}
	}
	id, err := arm.ParseResourceID(st.ID)
	if err != nil || id.Parent == nil {
		return nil, &reconcile.WaitingError{Reason: reason,
			Message: fmt.Sprintf("waiting for %s %q to report its Azure resource ID", kindOf(reason), name)}
	}
	return id, nil
}

// CredentialsOfImage are the credentials a GalleryImage uses: its own, or its Gallery's.
func CredentialsOfImage(ctx context.Context, c client.Reader, img *v1alpha1.GalleryImage) *v1alpha1.SecretReference {
	return credentialsOf(ctx, c, img.Namespace, img.Spec.CredentialsSecretRef, img.Spec.GalleryRef)
}

// CredentialsOfApplication are the credentials a GalleryApplication uses: its own, or its
// Gallery's.
func CredentialsOfApplication(ctx context.Context, c client.Reader, app *v1alpha1.GalleryApplication) *v1alpha1.SecretReference {
	return credentialsOf(ctx, c, app.Namespace, app.Spec.CredentialsSecretRef, app.Spec.GalleryRef)
}

// CredentialsOfProfile are the credentials a GalleryInVMAccessControlProfile uses: its own, or
// its Gallery's.
func CredentialsOfProfile(ctx context.Context, c client.Reader, p *v1alpha1.GalleryInVMAccessControlProfile) *v1alpha1.SecretReference {
	return credentialsOf(ctx, c, p.Namespace, p.Spec.CredentialsSecretRef, p.Spec.GalleryRef)
}

// credentialsOf are own, or else those of the Gallery galleryRef names.
func credentialsOf(ctx context.Context, c client.Reader, namespace string, own *v1alpha1.SecretReference, galleryRef *v1alpha1.LocalObjectReference) *v1alpha1.SecretReference {
	if own != nil || galleryRef == nil {
		return own
	}
	g := &v1alpha1.Gallery{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: galleryRef.Name}, g); err != nil {
		return nil
	}
	return g.Spec.CredentialsSecretRef
}

// InGallery completes t, the target of an object below a gallery, named name there: in the
// gallery of group (in t's subscription), or, when ref is set, in the Gallery object ref names,
// whose subscription it takes and whose credentials it uses unless t names its own. child is the
// resource's ID in the gallery's, for example ImageID.
func InGallery(ctx context.Context, c client.Reader, namespace string, ref *v1alpha1.LocalObjectReference, group, gallery string,
	needReady bool, t reconcile.Target, child func(galleryID *arm.ResourceID) (*arm.ResourceID, error)) (reconcile.Target, error) {
	if ref != nil {
		g, err := Gallery(ctx, c, namespace, ref.Name, needReady)
		if err != nil {
			return t, err
		}
		t.SubscriptionID, group, gallery = SubscriptionOf(g), g.Spec.ResourceGroupName, g.AzureGalleryName()
		if t.Credentials == nil {
			t.Credentials = g.Spec.CredentialsSecretRef
		}
	}
	t.ID = func(sub string) (*arm.ResourceID, error) {
		gid, err := GalleryID(sub, group, gallery)
		if err != nil {
			return nil, err
		}
		return child(gid)
	}
	return t, nil
}
