package application

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/azgallery/gallery-operator/internal/azure"
)

// client is the GalleryApplication kind's Azure client: armcompute's GalleryApplicationsClient.
type client struct {
	apps *armcompute.GalleryApplicationsClient
}

func (c client) Get(ctx context.Context, id *arm.ResourceID) (*body, error) {
	resp, err := c.apps.Get(ctx, id.ResourceGroupName, id.Parent.Name, id.Name, nil)
	if err != nil {
		if azure.IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return &resp.GalleryApplication, nil
}

func (c client) BeginPut(ctx context.Context, id *arm.ResourceID, b body) (azure.Operation, error) {
	poller, err := c.apps.BeginCreateOrUpdate(ctx, id.ResourceGroupName, id.Parent.Name, id.Name, b, nil)
	return azure.Begun(ctx, poller, err)
}

func (c client) BeginDelete(ctx context.Context, id *arm.ResourceID) (azure.Operation, error) {
	poller, err := c.apps.BeginDelete(ctx, id.ResourceGroupName, id.Parent.Name, id.Name, nil)
	return azure.Begun(ctx, poller, err)
}

func (c client) PollPut(ctx context.Context, id *arm.ResourceID, token string) (azure.Operation, error) {
	poller, err := c.apps.BeginCreateOrUpdate(ctx, id.ResourceGroupName, id.Parent.Name, id.Name, body{},
		&armcompute.GalleryApplicationsClientBeginCreateOrUpdateOptions{ResumeToken: token})
	return azure.Resumed(ctx, poller, err)
}

func (c client) PollDelete(ctx context.Context, id *arm.ResourceID, token string) (azure.Operation, error) {
	poller, err := c.apps.BeginDelete(ctx, id.ResourceGroupName, id.Parent.Name, id.Name,
		&armcompute.GalleryApplicationsClientBeginDeleteOptions{ResumeToken: token})
	return azure.Resumed(ctx, poller, err)
}

// ListSiblings lists every application definition of id's gallery, all pages, so that one list
// observes many applications.
func (c client) ListSiblings(ctx context.Context, id *arm.ResourceID) ([]*body, error) {
	return azure.AllPages(ctx, c.apps.NewListByGalleryPager(id.ResourceGroupName, id.Parent.Name, nil),
		func(p armcompute.GalleryApplicationsClientListByGalleryResponse) []*body { return p.Value })
}

// NameOf is a listed application definition's name.
func (client) NameOf(a *body) string { return azure.StrOf(a.Name) }

// Partial: a listed application definition is whole.
func (client) Partial(*body) bool { return false }
