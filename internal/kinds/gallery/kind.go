package gallery

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

// ReasonWaitingForNested is the reason of a deletion that waits for what the gallery holds (image
// definitions, applications, in-VM access control profiles) to go first.
const ReasonWaitingForNested = "WaitingForNestedResources"

// Kind is the Gallery kind: Azure Compute Galleries (Microsoft.Compute/galleries).
type Kind struct{}

var _ reconcile.Kind[*v1alpha1.Gallery, armcompute.Gallery] = Kind{}

// Capabilities: a gallery has share actions, after its PUT and before its deletion.
func (k Kind) Capabilities() reconcile.Capabilities[*v1alpha1.Gallery, armcompute.Gallery] {
	return reconcile.Capabilities[*v1alpha1.Gallery, armcompute.Gallery]{FollowUp: k}
}

func (Kind) Noun() string { return "gallery" }

// Target is the gallery's path parameters.
func (Kind) Target(_ context.Context, _ ctrlclient.Reader, o *v1alpha1.Gallery, _ bool) (reconcile.Target, error) {
	return reconcile.Target{Credentials: o.Spec.CredentialsSecretRef, DeletionPolicy: o.Spec.DeletionPolicy,
		SubscriptionID: o.Spec.SubscriptionID, ID: func(sub string) (*arm.ResourceID, error) {
			return parent.GalleryID(sub, o.Spec.ResourceGroupName, o.AzureGalleryName())
		}}, nil
}

func (Kind) Desired(o *v1alpha1.Gallery) armcompute.Gallery { return DesiredGallery(&o.Spec) }

func (Kind) Diff(desired armcompute.Gallery, existing *armcompute.Gallery) []string {
	return Diff(desired, existing)
}

func (Kind) Hash(desired armcompute.Gallery) string { return SpecHash(desired) }

// NextAction is the next share action the gallery needs (see NextSharingAction).
func (Kind) NextAction(o *v1alpha1.Gallery, existing *armcompute.Gallery) *reconcile.Action {
	desired := DesiredGallery(&o.Spec)
	return NextSharingAction(&desired, existing)
}

// ActionBeforeDelete unshares a shared gallery before its deletion: Azure refuses to delete a
// gallery that is still shared (409 OperationNotAllowed "Gallery is still shared to 'Groups'.
// Please unshare the gallery first before deleting the gallery.", recorded by Azure PowerShell).
func (Kind) ActionBeforeDelete(_ *v1alpha1.Gallery, existing *armcompute.Gallery) *reconcile.Action {
	if existing == nil || existing.Properties == nil || existing.Properties.SharingProfile == nil {
		return nil
	}
	p := azure.StrOf(existing.Properties.SharingProfile.Permissions)
	if p == "" || strings.EqualFold(p, string(armcompute.GallerySharingPermissionTypesPrivate)) {
		return nil
	}
	return ResetSharing("Unsharing the gallery (permissions " + p + ") before deleting it: Azure refuses to delete a shared gallery")
}

// ReportStatus records the unique name and the sharing Azure reports.
func (Kind) ReportStatus(o *v1alpha1.Gallery, existing *armcompute.Gallery) {
	st := &o.Status
	st.Identifier, st.SharingProfile, st.SharingStatus = nil, nil, nil
	if existing == nil || existing.Properties == nil {
		return
	}
	p := existing.Properties
	if p.Identifier != nil && p.Identifier.UniqueName != nil {
		st.Identifier = &v1alpha1.GalleryIdentifierStatus{UniqueName: *p.Identifier.UniqueName}
	}
	if s := p.SharingProfile; s != nil {
		st.SharingProfile = &v1alpha1.SharingProfileStatus{Permissions: azure.StrOf(s.Permissions)}
		for _, g := range s.Groups {
			if g == nil {
				continue
			}
			sg := v1alpha1.SharingProfileGroup{Type: v1alpha1.SharingGroupType(azure.StrOf(g.Type))}
			for _, id := range g.IDs {
				sg.IDs = append(sg.IDs, azure.StrOf(id))
			}
			st.SharingProfile.Groups = append(st.SharingProfile.Groups, sg)
		}
		if c := s.CommunityGalleryInfo; c != nil {
			st.SharingProfile.CommunityGalleryEnabled = c.CommunityGalleryEnabled != nil && *c.CommunityGalleryEnabled
			for _, n := range c.PublicNames {
				st.SharingProfile.PublicNames = append(st.SharingProfile.PublicNames, azure.StrOf(n))
			}
		}
	}
	if s := p.SharingStatus; s != nil {
		st.SharingStatus = &v1alpha1.SharingStatus{AggregatedState: azure.StrOf(s.AggregatedState)}
		for _, r := range s.Summary {
			if r != nil {
				st.SharingStatus.Summary = append(st.SharingStatus.Summary, v1alpha1.RegionalSharingStatus{
					Region: azure.StrOf(r.Region), State: azure.StrOf(r.State), Details: azure.StrOf(r.Details)})
			}
		}
	}
}

func (Kind) Client(conn *azure.Connection) reconcile.Clients[armcompute.Gallery] {
	c := client{galleries: conn.Compute.NewGalleriesClient(), sharing: conn.Compute.NewGallerySharingProfileClient()}
	return reconcile.Clients[armcompute.Gallery]{Client: c, Actions: c, Lister: c}
}

// Hint: Azure refuses to delete a gallery that still holds image definitions, applications or
// profiles (409 CannotDeleteResource). That is not the user's error to fix here but a wait: they
// are usually being deleted too. The deletion stays Reconciling and retries with backoff.
func (Kind) Hint(f *reconcile.Failure) {
	if e := f.Azure; e != nil && strings.EqualFold(e.Code, "CannotDeleteResource") {
		f.Terminal = false
		f.Reason = ReasonWaitingForNested
		f.Message = "Azure refuses to delete the gallery while it holds image definitions, applications or in-VM access control profiles; waiting for them to be deleted first (" + e.Message + ")"
	}
}
