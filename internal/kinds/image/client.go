package image

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/azgallery/gallery-operator/internal/azure"
)

// client is the GalleryImage kind's Azure client: armcompute's GalleryImagesClient.
type client struct {
	images *armcompute.GalleryImagesClient
}

func (c client) Get(ctx context.Context, id *arm.ResourceID) (*armcompute.GalleryImage, error) {
	resp, err := c.images.Get(ctx, id.ResourceGroupName, id.Parent.Name, id.Name, nil)
	if err != nil {
		if azure.IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return &resp.GalleryImage, nil
}

func (c client) BeginPut(ctx context.Context, id *arm.ResourceID, body armcompute.GalleryImage) (azure.Operation, error) {
	poller, err := c.images.BeginCreateOrUpdate(ctx, id.ResourceGroupName, id.Parent.Name, id.Name, body, nil)
	return azure.Begun(ctx, poller, err)
}

func (c client) BeginDelete(ctx context.Context, id *arm.ResourceID) (azure.Operation, error) {
	poller, err := c.images.BeginDelete(ctx, id.ResourceGroupName, id.Parent.Name, id.Name, nil)
	return azure.Begun(ctx, poller, err)
}

func (c client) PollPut(ctx context.Context, id *arm.ResourceID, token string) (azure.Operation, error) {
	poller, err := c.images.BeginCreateOrUpdate(ctx, id.ResourceGroupName, id.Parent.Name, id.Name, armcompute.GalleryImage{},
		&armcompute.GalleryImagesClientBeginCreateOrUpdateOptions{ResumeToken: token})
	return azure.Resumed(ctx, poller, err)
}

func (c client) PollDelete(ctx context.Context, id *arm.ResourceID, token string) (azure.Operation, error) {
	poller, err := c.images.BeginDelete(ctx, id.ResourceGroupName, id.Parent.Name, id.Name,
		&armcompute.GalleryImagesClientBeginDeleteOptions{ResumeToken: token})
	return azure.Resumed(ctx, poller, err)
}

// ListSiblings lists every image definition of id's gallery, all pages (100 per page), so that
// one list observes many images.
func (c client) ListSiblings(ctx context.Context, id *arm.ResourceID) ([]*armcompute.GalleryImage, error) {
	return azure.AllPages(ctx, c.images.NewListByGalleryPager(id.ResourceGroupName, id.Parent.Name, nil),
		func(p armcompute.GalleryImagesClientListByGalleryResponse) []*armcompute.GalleryImage { return p.Value })
}

// NameOf is a listed image definition's name.
func (client) NameOf(img *armcompute.GalleryImage) string { return azure.StrOf(img.Name) }

// Partial: a listed image definition is whole.
func (client) Partial(*armcompute.GalleryImage) bool { return false }
