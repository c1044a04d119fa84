package gallery

import (
	"context"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/reconcile"
)

// client is the Gallery kind's Azure client: armcompute's GalleriesClient, and its
// GallerySharingProfileClient for the share action.
type client struct {
	galleries *armcompute.GalleriesClient
	sharing   *armcompute.GallerySharingProfileClient
}

// Get reads the gallery with its sharing groups, which Azure returns only when asked.
func (c client) Get(ctx context.Context, id *arm.ResourceID) (*armcompute.Gallery, error) {
	resp, err := c.galleries.Get(ctx, id.ResourceGroupName, id.Name,
		&armcompute.GalleriesClientGetOptions{Expand: to.Ptr(armcompute.GalleryExpandParamsSharingProfileGroups)})
	if err != nil {
		if azure.IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return &resp.Gallery, nil
}

// BeginPut sends the gallery without its sharing groups, which are read-only in the body.
func (c client) BeginPut(ctx context.Context, id *arm.ResourceID, body armcompute.Gallery) (azure.Operation, error) {
	poller, err := c.galleries.BeginCreateOrUpdate(ctx, id.ResourceGroupName, id.Name, withoutGroups(body), nil)
	return azure.Begun(ctx, poller, err)
}

func (c client) BeginDelete(ctx context.Context, id *arm.ResourceID) (azure.Operation, error) {
	poller, err := c.galleries.BeginDelete(ctx, id.ResourceGroupName, id.Name, nil)
	return azure.Begun(ctx, poller, err)
}

func (c client) PollPut(ctx context.Context, id *arm.ResourceID, token string) (azure.Operation, error) {
	poller, err := c.galleries.BeginCreateOrUpdate(ctx, id.ResourceGroupName, id.Name, armcompute.Gallery{},
		&armcompute.GalleriesClientBeginCreateOrUpdateOptions{ResumeToken: token})
	return azure.Resumed(ctx, poller, err)
}

func (c client) PollDelete(ctx context.Context, id *arm.ResourceID, token string) (azure.Operation, error) {
	poller, err := c.galleries.BeginDelete(ctx, id.ResourceGroupName, id.Name,
		&armcompute.GalleriesClientBeginDeleteOptions{ResumeToken: token})
	return azure.Resumed(ctx, poller, err)
}

// BeginAction sends the share action.
func (c client) BeginAction(ctx context.Context, id *arm.ResourceID, a reconcile.Action) (azure.Operation, error) {
	body, ok := a.Body.(armcompute.SharingUpdate)
	if a.Kind != v1alpha1.OperationShare || !ok {
		return azure.Operation{}, fmt.Errorf("a gallery has no %s action", a.Kind)
	}
	poller, err := c.sharing.BeginUpdate(ctx, id.ResourceGroupName, id.Name, body, nil)
	return azure.Begun(ctx, poller, err)
}

// PollAction polls the share action in flight.
func (c client) PollAction(ctx context.Context, id *arm.ResourceID, kind v1alpha1.OperationKind, token string) (azure.Operation, error) {
	if kind != v1alpha1.OperationShare {
		return azure.Operation{}, fmt.Errorf("a gallery has no %s action", kind)
	}
	poller, err := c.sharing.BeginUpdate(ctx, id.ResourceGroupName, id.Name, armcompute.SharingUpdate{},
		&armcompute.GallerySharingProfileClientBeginUpdateOptions{ResumeToken: token})
	return azure.Resumed(ctx, poller, err)
}

// withoutGroups returns body without sharing groups, sharing nothing with body.
func withoutGroups(body armcompute.Gallery) armcompute.Gallery {
	if body.Properties == nil || body.Properties.SharingProfile == nil {
		return body
	}
	props := *body.Properties
	sharing := *props.SharingProfile
	sharing.Groups = nil
	props.SharingProfile = &sharing
	body.Properties = &props
	return body
}

// ListSiblings lists every gallery of id's resource group, all pages, so that one list observes
// many galleries.
func (c client) ListSiblings(ctx context.Context, id *arm.ResourceID) ([]*armcompute.Gallery, error) {
	return azure.AllPages(ctx, c.galleries.NewListByResourceGroupPager(id.ResourceGroupName, nil),
		func(p armcompute.GalleriesClientListByResourceGroupResponse) []*armcompute.Gallery { return p.Value })
}

// NameOf is a listed gallery's name.
func (client) NameOf(g *armcompute.Gallery) string { return azure.StrOf(g.Name) }

// Partial: a gallery shared with groups is listed without them (the list takes no
// $expand=SharingProfile/Groups), so it is read with a GET.
func (client) Partial(g *armcompute.Gallery) bool {
	p := g.Properties
	return p != nil && p.SharingProfile != nil &&
		strings.EqualFold(azure.StrOf(p.SharingProfile.Permissions), string(armcompute.GallerySharingPermissionTypesGroups))
}
