package version

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/azgallery/gallery-operator/internal/azure"
)

// client is the GalleryImageVersion kind's Azure client: armcompute's
// GalleryImageVersionsClient.
type client struct {
	versions *armcompute.GalleryImageVersionsClient
}

// Get reads the version with its replication status, which Azure returns only when asked.
func (c client) Get(ctx context.Context, ref azure.ResourceRef) (*armcompute.GalleryImageVersion, error) {
	resp, err := c.versions.Get(ctx, ref.ResourceGroup, ref.Gallery, ref.Image, ref.Version,
		&armcompute.GalleryImageVersionsClientGetOptions{Expand: to.Ptr(armcompute.ReplicationStatusTypesReplicationStatus)})
	if err != nil {
		if azure.IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return &resp.GalleryImageVersion, nil
}

func (c client) BeginPut(ctx context.Context, ref azure.ResourceRef, body armcompute.GalleryImageVersion) (azure.Operation, error) {
	poller, err := c.versions.BeginCreateOrUpdate(ctx, ref.ResourceGroup, ref.Gallery, ref.Image, ref.Version, body, nil)
	return azure.Begun(ctx, poller, err)
}

func (c client) BeginDelete(ctx context.Context, ref azure.ResourceRef) (azure.Operation, error) {
	poller, err := c.versions.BeginDelete(ctx, ref.ResourceGroup, ref.Gallery, ref.Image, ref.Version, nil)
	return azure.Begun(ctx, poller, err)
}

func (c client) PollPut(ctx context.Context, ref azure.ResourceRef, token string) (azure.Operation, error) {
	poller, err := c.versions.BeginCreateOrUpdate(ctx, ref.ResourceGroup, ref.Gallery, ref.Image, ref.Version,
		armcompute.GalleryImageVersion{}, &armcompute.GalleryImageVersionsClientBeginCreateOrUpdateOptions{ResumeToken: token})
	return azure.Resumed(ctx, poller, err)
}

func (c client) PollDelete(ctx context.Context, ref azure.ResourceRef, token string) (azure.Operation, error) {
	poller, err := c.versions.BeginDelete(ctx, ref.ResourceGroup, ref.Gallery, ref.Image, ref.Version,
		&armcompute.GalleryImageVersionsClientBeginDeleteOptions{ResumeToken: token})
	return azure.Resumed(ctx, poller, err)
}

// ListSiblings lists every version of ref's image definition, all pages. The list carries no
// replication status; the kind keeps the last one it read.
func (c client) ListSiblings(ctx context.Context, ref azure.ResourceRef) ([]*armcompute.GalleryImageVersion, error) {
	return azure.AllPages(ctx, c.versions.NewListByGalleryImagePager(ref.ResourceGroup, ref.Gallery, ref.Image, nil),
		func(p armcompute.GalleryImageVersionsClientListByGalleryImageResponse) []*armcompute.GalleryImageVersion {
			return p.Value
		})
}

// NameOf is a listed version's name.
func (client) NameOf(v *armcompute.GalleryImageVersion) string { return azure.StrOf(v.Name) }
