package profile

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/azgallery/gallery-operator/internal/azure"
)

// client is the GalleryInVMAccessControlProfile kind's Azure client: armcompute's
// GalleryInVMAccessControlProfilesClient.
type client struct {
	profiles *armcompute.GalleryInVMAccessControlProfilesClient
}

func (c client) Get(ctx context.Context, id *arm.ResourceID) (*body, error) {
	resp, err := c.profiles.Get(ctx, id.ResourceGroupName, id.Parent.Name, id.Name, nil)
	if err != nil {
		if azure.IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return &resp.GalleryInVMAccessControlProfile, nil
}

func (c client) BeginPut(ctx context.Context, id *arm.ResourceID, b body) (azure.Operation, error) {
	poller, err := c.profiles.BeginCreateOrUpdate(ctx, id.ResourceGroupName, id.Parent.Name, id.Name, b, nil)
	return azure.Begun(ctx, poller, err)
}

func (c client) BeginDelete(ctx context.Context, id *arm.ResourceID) (azure.Operation, error) {
	poller, err := c.profiles.BeginDelete(ctx, id.ResourceGroupName, id.Parent.Name, id.Name, nil)
	return azure.Begun(ctx, poller, err)
}

func (c client) PollPut(ctx context.Context, id *arm.ResourceID, token string) (azure.Operation, error) {
	poller, err := c.profiles.BeginCreateOrUpdate(ctx, id.ResourceGroupName, id.Parent.Name, id.Name, body{},
		&armcompute.GalleryInVMAccessControlProfilesClientBeginCreateOrUpdateOptions{ResumeToken: token})
	return azure.Resumed(ctx, poller, err)
}

func (c client) PollDelete(ctx context.Context, id *arm.ResourceID, token string) (azure.Operation, error) {
	poller, err := c.profiles.BeginDelete(ctx, id.ResourceGroupName, id.Parent.Name, id.Name,
		&armcompute.GalleryInVMAccessControlProfilesClientBeginDeleteOptions{ResumeToken: token})
	return azure.Resumed(ctx, poller, err)
}

// ListSiblings lists every profile of id's gallery, all pages, so that one list observes many
// profiles.
func (c client) ListSiblings(ctx context.Context, id *arm.ResourceID) ([]*body, error) {
	return azure.AllPages(ctx, c.profiles.NewListByGalleryPager(id.ResourceGroupName, id.Parent.Name, nil),
		func(p armcompute.GalleryInVMAccessControlProfilesClientListByGalleryResponse) []*body { return p.Value })
}

// NameOf is a listed profile's name.
func (client) NameOf(p *body) string { return azure.StrOf(p.Name) }

// Partial: a listed profile is whole.
func (client) Partial(*body) bool { return false }
