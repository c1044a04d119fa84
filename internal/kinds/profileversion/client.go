package profileversion

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/azgallery/gallery-operator/internal/azure"
)

// client is the GalleryInVMAccessControlProfileVersion kind's Azure client: armcompute's
// GalleryInVMAccessControlProfileVersionsClient. A version's ID is
// .../galleries/{g}/inVMAccessControlProfiles/{p}/versions/{v}.
type client struct {
	versions *armcompute.GalleryInVMAccessControlProfileVersionsClient
}

// Get reads the version with its replication status, which Azure returns only when asked
// ($expand=ReplicationStatus, as for image and application versions; the SDK's options lack it).
func (c client) Get(ctx context.Context, id *arm.ResourceID) (*body, error) {
	resp, err := c.versions.Get(azure.WithQuery(ctx, "$expand", "ReplicationStatus"), id.ResourceGroupName, id.Parent.Parent.Name, id.Parent.Name, id.Name, nil)
	if err != nil {
		if azure.IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return &resp.GalleryInVMAccessControlProfileVersion, nil
}

func (c client) BeginPut(ctx context.Context, id *arm.ResourceID, b body) (azure.Operation, error) {
	poller, err := c.versions.BeginCreateOrUpdate(ctx, id.ResourceGroupName, id.Parent.Parent.Name, id.Parent.Name, id.Name, b, nil)
	return azure.Begun(ctx, poller, err)
}

func (c client) BeginDelete(ctx context.Context, id *arm.ResourceID) (azure.Operation, error) {
	poller, err := c.versions.BeginDelete(ctx, id.ResourceGroupName, id.Parent.Parent.Name, id.Parent.Name, id.Name, nil)
	return azure.Begun(ctx, poller, err)
}

func (c client) PollPut(ctx context.Context, id *arm.ResourceID, token string) (azure.Operation, error) {
	poller, err := c.versions.BeginCreateOrUpdate(ctx, id.ResourceGroupName, id.Parent.Parent.Name, id.Parent.Name, id.Name, body{},
		&armcompute.GalleryInVMAccessControlProfileVersionsClientBeginCreateOrUpdateOptions{ResumeToken: token})
	return azure.Resumed(ctx, poller, err)
}

func (c client) PollDelete(ctx context.Context, id *arm.ResourceID, token string) (azure.Operation, error) {
	poller, err := c.versions.BeginDelete(ctx, id.ResourceGroupName, id.Parent.Parent.Name, id.Parent.Name, id.Name,
		&armcompute.GalleryInVMAccessControlProfileVersionsClientBeginDeleteOptions{ResumeToken: token})
	return azure.Resumed(ctx, poller, err)
}

// ListSiblings lists every version of id's profile, all pages. The list carries no replication
// status; the kind keeps the last one it read.
func (c client) ListSiblings(ctx context.Context, id *arm.ResourceID) ([]*body, error) {
	return azure.AllPages(ctx, c.versions.NewListByGalleryInVMAccessControlProfilePager(id.ResourceGroupName, id.Parent.Parent.Name, id.Parent.Name, nil),
		func(p armcompute.GalleryInVMAccessControlProfileVersionsClientListByGalleryInVMAccessControlProfileResponse) []*body {
			return p.Value
		})
}

// NameOf is a listed version's name.
func (client) NameOf(v *body) string { return azure.StrOf(v.Name) }

// Partial: a listed version lacks its replication status, which the kind keeps from its last
// GET (see replication.Observe); the rest is whole.
func (client) Partial(*body) bool { return false }
