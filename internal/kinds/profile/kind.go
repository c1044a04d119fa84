package profile

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

// Kind is the GalleryInVMAccessControlProfile kind: inVMAccessControlProfiles
// (Microsoft.Compute/galleries/inVMAccessControlProfiles).
type Kind struct{}

type (
	obj  = *v1alpha1.GalleryInVMAccessControlProfile
	body = armcompute.GalleryInVMAccessControlProfile
)

var _ reconcile.Kind[obj, body] = Kind{}

// Capabilities: a profile may reference a Gallery object.
func (k Kind) Capabilities() reconcile.Capabilities[obj, body] {
	return reconcile.Capabilities[obj, body]{Parents: k.Parents()}
}

func (Kind) Noun() string { return "inVMAccessControlProfile" }

// GalleryRefField indexes GalleryInVMAccessControlProfiles by the Gallery object they reference.
const GalleryRefField = "spec.galleryRef.name"

// Parents: a profile may reference a Gallery object.
func (Kind) Parents() []reconcile.Parent {
	return []reconcile.Parent{{Object: &v1alpha1.Gallery{}, List: &v1alpha1.GalleryInVMAccessControlProfileList{}, Field: GalleryRefField,
		NameOf: func(o ctrlclient.Object) string {
			if ref := o.(obj).Spec.GalleryRef; ref != nil {
				return ref.Name
			}
			return ""
		}}}
}

// Target is the profile's path parameters, or those of the Gallery its galleryRef names (whose
// credentials it uses unless it names its own).
func (Kind) Target(ctx context.Context, c ctrlclient.Reader, o obj, needReady bool) (reconcile.Target, error) {
	t := reconcile.Target{Credentials: o.Spec.CredentialsSecretRef, DeletionPolicy: o.Spec.DeletionPolicy,
		SubscriptionID: o.Spec.SubscriptionID}
	return parent.InGallery(ctx, c, o.Namespace, o.Spec.GalleryRef, o.Spec.ResourceGroupName, o.Spec.GalleryName, needReady, t,
		func(gid *arm.ResourceID) (*arm.ResourceID, error) { return parent.ProfileID(gid, o.AzureProfileName()) })
}

func (Kind) Desired(o obj) body                         { return DesiredProfile(&o.Spec) }
func (Kind) Diff(desired body, existing *body) []string { return Diff(desired, existing) }
func (Kind) Hash(desired body) string                   { return SpecHash(desired) }

// ReportStatus: the profile has no status of its own beyond the shared one.
func (Kind) ReportStatus(obj, *body) {}

func (Kind) Client(conn *azure.Connection) reconcile.Clients[body] {
	c := client{profiles: conn.Compute.NewGalleryInVMAccessControlProfilesClient()}
	return reconcile.Clients[body]{Client: c, Lister: c}
}

// ReasonWaitingForVersions is the reason of a deletion that waits for the profile's versions to
// go first.
const ReasonWaitingForVersions = "WaitingForProfileVersions"

// Hint: Azure refusing to delete a profile that still has versions (409 CannotDeleteResource) is
// a wait, not a failure: the versions are usually being deleted too.
func (Kind) Hint(f *reconcile.Failure) {
	if e := f.Azure; e != nil && strings.EqualFold(e.Code, "CannotDeleteResource") {
		f.Terminal = false
		f.Reason = ReasonWaitingForVersions
		f.Message = "Azure refuses to delete the inVMAccessControlProfile while it has versions; waiting for them to be deleted first (" + e.Message + ")"
	}
}
