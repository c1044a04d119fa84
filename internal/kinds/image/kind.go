package image

import (
	"context"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/kinds/parent"
	"github.com/azgallery/gallery-operator/internal/reconcile"
)

// Kind is the GalleryImage kind: image definitions (Microsoft.Compute/galleries/images).
type Kind struct{}

var _ reconcile.Kind[*v1alpha1.GalleryImage, armcompute.GalleryImage] = Kind{}

// Capabilities: an image definition may reference a Gallery object.
func (k Kind) Capabilities() reconcile.Capabilities[*v1alpha1.GalleryImage, armcompute.GalleryImage] {
	return reconcile.Capabilities[*v1alpha1.GalleryImage, armcompute.GalleryImage]{Parents: k.Parents()}
}

func (Kind) Noun() string { return "image definition" }

// GalleryRefField indexes GalleryImages by the Gallery object they reference.
const GalleryRefField = "spec.galleryRef.name"

// Parents: a GalleryImage may reference a Gallery object.
func (Kind) Parents() []reconcile.Parent {
	return []reconcile.Parent{{Object: &v1alpha1.Gallery{}, List: &v1alpha1.GalleryImageList{}, Field: GalleryRefField,
		NameOf: func(o ctrlclient.Object) string {
			if ref := o.(*v1alpha1.GalleryImage).Spec.GalleryRef; ref != nil {
				return ref.Name
			}
			return ""
		}}}
}

// Target is the image's path parameters, or those of the Gallery its galleryRef names (whose
// credentials it uses unless it names its own).
func (Kind) Target(ctx context.Context, c ctrlclient.Reader, o *v1alpha1.GalleryImage, needReady bool) (reconcile.Target, error) {
	t := reconcile.Target{Credentials: o.Spec.CredentialsSecretRef, DeletionPolicy: o.Spec.DeletionPolicy,
		SubscriptionID: o.Spec.SubscriptionID}
	return parent.InGallery(ctx, c, o.Namespace, o.Spec.GalleryRef, o.Spec.ResourceGroupName, o.Spec.GalleryName, needReady, t,
		func(gid *arm.ResourceID) (*arm.ResourceID, error) { return parent.ImageID(gid, o.AzureImageName()) })
}

func (Kind) Desired(o *v1alpha1.GalleryImage) armcompute.GalleryImage { return DesiredImage(&o.Spec) }

func (Kind) Diff(desired armcompute.GalleryImage, existing *armcompute.GalleryImage) []string {
	return Diff(desired, existing)
}

func (Kind) Hash(desired armcompute.GalleryImage) string { return SpecHash(desired) }

// ReportStatus: the image has no status of its own beyond the shared one.
func (Kind) ReportStatus(*v1alpha1.GalleryImage, *armcompute.GalleryImage) {}

func (Kind) Client(conn *azure.Connection) reconcile.Clients[armcompute.GalleryImage] {
	c := client{images: conn.Compute.NewGalleryImagesClient()}
	return reconcile.Clients[armcompute.GalleryImage]{Client: c, Lister: c}
}

// ReasonWaitingForVersions is the reason of a deletion that waits for the image definition's
// versions to go first.
const ReasonWaitingForVersions = "WaitingForImageVersions"

// Hint: a duplicate publisher/offer/sku identifier is terminal (409 Conflict, or an operation
// that failed with it): only a change of the spec, or of the other image, can fix it. Azure
// refusing to delete an image definition that still has versions (409 CannotDeleteResource) is
// a wait, not a failure: the versions are usually being deleted too.
func (Kind) Hint(f *reconcile.Failure) {
	e := f.Azure
	switch {
	case e == nil:
	case strings.EqualFold(e.Code, "CannotDeleteResource"):
		f.Terminal = false
		f.Reason = ReasonWaitingForVersions
		f.Message = "Azure refuses to delete the image definition while it has image versions; waiting for them to be deleted first (" + e.Message + ")"
	case IsDuplicateIdentifier(e.Message) && (e.HTTPStatus == 409 || e.HTTPStatus < 400):
		f.Terminal = true
	}
}

// IsDuplicateIdentifier reports a message saying the image (or its identifier) already exists.
func IsDuplicateIdentifier(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "already exists") ||
		(strings.Contains(m, "publisher") && strings.Contains(m, "offer") && strings.Contains(m, "sku"))
}
