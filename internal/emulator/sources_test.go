package emulator_test

import (
	"context"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
)

// createManagedImage creates a generalized Linux managed image
// (Microsoft.Compute/images) in westus with the SDK and waits for it.
func (e *tenv) createManagedImage(ctx context.Context, rg, name string) armcompute.Image {
	e.t.Helper()
	c, err := armcompute.NewImagesClient(e.SubscriptionID, e.Credential, e.ClientOptions)
	if err != nil {
		e.t.Fatal(err)
	}
	p, err := c.BeginCreateOrUpdate(ctx, rg, name, armcompute.Image{
		Location: to.Ptr("westus"),
		Properties: &armcompute.ImageProperties{StorageProfile: &armcompute.ImageStorageProfile{
			OSDisk: &armcompute.ImageOSDisk{
				OSType: to.Ptr(armcompute.OperatingSystemTypesLinux), OSState: to.Ptr(armcompute.OperatingSystemStateTypesGeneralized),
				DiskSizeGB: to.Ptr[int32](64), Caching: to.Ptr(armcompute.CachingTypesReadOnly),
			},
			DataDisks: []*armcompute.ImageDataDisk{{Lun: to.Ptr[int32](1), DiskSizeGB: to.Ptr[int32](16)}},
		}},
	}, nil)
	if err != nil {
		e.t.Fatalf("create managed image %s: %v", name, err)
	}
	res, err := p.PollUntilDone(ctx, pollOpts)
	if err != nil {
		e.t.Fatalf("create managed image %s: %v", name, err)
	}
	return res.Image
}

// createSnapshot creates a snapshot in westus with the SDK and waits for it.
func (e *tenv) createSnapshot(ctx context.Context, rg, name string, sizeGB int32) armcompute.Snapshot {
	e.t.Helper()
	c, err := armcompute.NewSnapshotsClient(e.SubscriptionID, e.Credential, e.ClientOptions)
	if err != nil {
		e.t.Fatal(err)
	}
	p, err := c.BeginCreateOrUpdate(ctx, rg, name, armcompute.Snapshot{
		Location: to.Ptr("westus"),
		Properties: &armcompute.SnapshotProperties{
			CreationData: &armcompute.CreationData{CreateOption: to.Ptr(armcompute.DiskCreateOptionEmpty)},
			DiskSizeGB:   to.Ptr(sizeGB),
		},
	}, nil)
	if err != nil {
		e.t.Fatalf("create snapshot %s: %v", name, err)
	}
	res, err := p.PollUntilDone(ctx, pollOpts)
	if err != nil {
		e.t.Fatalf("create snapshot %s: %v", name, err)
	}
	return res.Snapshot
}

func TestSourcesWithSDK(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	if _, err := e.groups.CreateOrUpdate(ctx, "rg", armresources.ResourceGroup{Location: to.Ptr("westus")}, nil); err != nil {
		t.Fatal(err)
	}
	img := e.createManagedImage(ctx, "rg", "src")
	if *img.Type != "Microsoft.Compute/images" || *img.Properties.ProvisioningState != "Succeeded" {
		t.Errorf("image = %s %s", *img.Type, *img.Properties.ProvisioningState)
	}
	snap := e.createSnapshot(ctx, "rg", "src", 32) // same name, other type
	if *snap.Properties.DiskSizeGB != 32 || snap.Properties.TimeCreated == nil || *snap.Properties.ProvisioningState != "Succeeded" {
		t.Errorf("snapshot = %+v", snap.Properties)
	}
	disks, _ := armcompute.NewDisksClient(e.SubscriptionID, e.Credential, e.ClientOptions)
	dp, err := disks.BeginCreateOrUpdate(ctx, "rg", "d1", armcompute.Disk{
		Location:   to.Ptr("westus"),
		Properties: &armcompute.DiskProperties{CreationData: &armcompute.CreationData{CreateOption: to.Ptr(armcompute.DiskCreateOptionEmpty)}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d, err := dp.PollUntilDone(ctx, pollOpts)
	if err != nil || *d.Properties.DiskSizeGB != 30 || *d.Properties.DiskState != armcompute.DiskStateUnattached {
		t.Fatalf("disk: %v %+v", err, d.Properties)
	}
	// Validation: a disk needs creationData.
	mustError(t, e.do("PUT", q(e.rgPath("rg")+"/providers/Microsoft.Compute/disks/d2", "2025-01-02"),
		map[string]any{"location": "westus", "properties": map[string]any{}}), 400, "InvalidParameter")
	// An api-version of the gallery API is not one of the disk API.
	mustError(t, e.do("GET", q(e.rgPath("rg")+"/providers/Microsoft.Compute/disks/d1", computeAPI), nil), 400, "NoRegisteredProviderFound")

	images, _ := armcompute.NewImagesClient(e.SubscriptionID, e.Credential, e.ClientOptions)
	pager := images.NewListByResourceGroupPager("rg", nil)
	page, err := pager.NextPage(ctx)
	if err != nil || len(page.Value) != 1 || *page.Value[0].Name != "src" {
		t.Fatalf("list images: %v %d", err, len(page.Value))
	}
	del, err := images.BeginDelete(ctx, "rg", "src", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := del.PollUntilDone(ctx, pollOpts); err != nil {
		t.Fatal(err)
	}
	_, err = images.Get(ctx, "rg", "src", nil)
	if re := respErr(t, err); re.StatusCode != 404 || re.ErrorCode != "ResourceNotFound" {
		t.Fatalf("get deleted image: %v", err)
	}
	snaps, _ := armcompute.NewSnapshotsClient(e.SubscriptionID, e.Credential, e.ClientOptions)
	if _, err := snaps.Get(ctx, "rg", "src", nil); err != nil {
		t.Fatalf("snapshot with the image's name is gone: %v", err)
	}
}
