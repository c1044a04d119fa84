// Package importertest creates, through Azure's API, galleries, image and application
// definitions, inVMAccessControlProfiles and their versions the way users make them by hand or
// with Terraform (varied properties, sharing groups through the share
// action), for the tests that import them.
package importertest

import (
	"context"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
)

// Location of everything the fixture creates.
const Location = "westeurope"

// Galleries and image definitions the fixture creates in its resource group. "shared-name" is in
// both galleries, so its objects need the galleries' names.
const (
	SharedGallery = "Platform_Gallery"
	PlainGallery  = "plain"
)

// Images are the image definitions by gallery.
var Images = map[string][]string{
	SharedGallery: {"Ubuntu_24.04-Gen2", "windows-2022", "arm64-base", "shared-name"},
	PlainGallery:  {"shared-name"},
}

// Versions are the image versions of SharedGallery's first image, published from a managed image.
var Versions = []string{"1.0.0", "1.1.0"}

// Application is SharedGallery's application definition; AppVersions are its versions.
const Application = "Tools.App"

// AppVersions are the versions of Application.
var AppVersions = []string{"1.0.0"}

// Profile is SharedGallery's inVMAccessControlProfile; it has one version, ProfileVersion.
const (
	Profile        = "WireServer.Linux"
	ProfileVersion = "1.0.0"
)

// ObjectNames are the object names the importer must give, by Azure path suffix
// (gallery, gallery/image, gallery/image/version, gallery/application,
// gallery/application/version, gallery/profile or gallery/profile/version).
var ObjectNames = map[string]string{
	SharedGallery + "/" + Application:                    "tools-app",
	SharedGallery + "/" + Application + "/1.0.0":         "tools-app-1-0-0",
	SharedGallery + "/" + Profile:                        "wireserver-linux",
	SharedGallery + "/" + Profile + "/" + ProfileVersion: "wireserver-linux-1-0-0",
	SharedGallery + "/Ubuntu_24.04-Gen2/1.0.0":           "ubuntu-24-04-gen2-1-0-0",
	SharedGallery + "/Ubuntu_24.04-Gen2/1.1.0":           "ubuntu-24-04-gen2-1-1-0",
	SharedGallery:                        "platform-gallery",
	PlainGallery:                         "plain",
	SharedGallery + "/Ubuntu_24.04-Gen2": "ubuntu-24-04-gen2",
	SharedGallery + "/windows-2022":      "windows-2022",
	SharedGallery + "/arm64-base":        "arm64-base",
	SharedGallery + "/shared-name":       "platform-gallery-shared-name",
	PlainGallery + "/shared-name":        "plain-shared-name",
}

// SharedWith are the sharing groups of SharedGallery.
var SharedWith = []*armcompute.SharingProfileGroup{
	{Type: to.Ptr(armcompute.SharingProfileGroupTypesSubscriptions), IDs: to.SliceOfPtrs("00000000-0000-0000-0000-0000000000a1", "00000000-0000-0000-0000-0000000000a2")},
	{Type: to.Ptr(armcompute.SharingProfileGroupTypesAADTenants), IDs: to.SliceOfPtrs("72f988bf-86f1-41af-91ab-2d7cd011db47")},
}

// Create creates resource group group in subscription with the galleries and image definitions
// above, through ARM with cred and opts, and shares SharedGallery with SharedWith.
func Create(ctx context.Context, subscription, group string, cred azcore.TokenCredential, opts *arm.ClientOptions) error {
	groups, err := armresources.NewResourceGroupsClient(subscription, cred, opts)
	if err != nil {
		return err
	}
	if _, err := groups.CreateOrUpdate(ctx, group, armresources.ResourceGroup{Location: to.Ptr(Location)}, nil); err != nil {
		return fmt.Errorf("creating resource group %s: %w", group, err)
	}
	compute, err := armcompute.NewClientFactory(subscription, cred, opts)
	if err != nil {
		return err
	}
	galleries := compute.NewGalleriesClient()
	for name, body := range map[string]armcompute.Gallery{
		SharedGallery: {Location: to.Ptr(Location), Tags: map[string]*string{"team": to.Ptr("platform"), "CostCenter": to.Ptr("1234")},
			Properties: &armcompute.GalleryProperties{
				Description:      to.Ptr("Platform team's golden images"),
				SharingProfile:   &armcompute.SharingProfile{Permissions: to.Ptr(armcompute.GallerySharingPermissionTypesGroups)},
				SoftDeletePolicy: &armcompute.SoftDeletePolicy{IsSoftDeleteEnabled: to.Ptr(true)},
			}},
		PlainGallery: {Location: to.Ptr(Location)},
	} {
		poller, err := galleries.BeginCreateOrUpdate(ctx, group, name, body, nil)
		if err != nil {
			return fmt.Errorf("creating gallery %s: %w", name, err)
		}
		if _, err := poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 100 * time.Millisecond}); err != nil {
			return fmt.Errorf("creating gallery %s: %w", name, err)
		}
	}
	sharing := compute.NewGallerySharingProfileClient()
	poller, err := sharing.BeginUpdate(ctx, group, SharedGallery, armcompute.SharingUpdate{
		OperationType: to.Ptr(armcompute.SharingUpdateOperationTypesAdd), Groups: SharedWith}, nil)
	if err != nil {
		return fmt.Errorf("sharing gallery %s: %w", SharedGallery, err)
	}
	if _, err := poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 100 * time.Millisecond}); err != nil {
		return fmt.Errorf("sharing gallery %s: %w", SharedGallery, err)
	}

	endOfLife := time.Now().UTC().AddDate(3, 0, 0).Truncate(24 * time.Hour)
	images := compute.NewGalleryImagesClient()
	for _, img := range []struct {
		gallery, name string
		body          armcompute.GalleryImage
	}{
		{SharedGallery, "Ubuntu_24.04-Gen2", armcompute.GalleryImage{Location: to.Ptr("West Europe"),
			Tags: map[string]*string{"os": to.Ptr("ubuntu"), "Owner": to.Ptr("platform"), "empty": to.Ptr("")},
			Properties: &armcompute.GalleryImageProperties{
				Description: to.Ptr("Ubuntu 24.04 LTS, hardened, trusted launch"), ReleaseNoteURI: to.Ptr("https://contoso.example/notes"),
				OSType: to.Ptr(armcompute.OperatingSystemTypesLinux), OSState: to.Ptr(armcompute.OperatingSystemStateTypesGeneralized),
				HyperVGeneration: to.Ptr(armcompute.HyperVGenerationV2), EndOfLifeDate: &endOfLife,
				Identifier: &armcompute.GalleryImageIdentifier{Publisher: to.Ptr("Contoso"), Offer: to.Ptr("Ubuntu"), SKU: to.Ptr("24_04-lts-gen2")},
				Recommended: &armcompute.RecommendedMachineConfiguration{
					VCPUs:  &armcompute.ResourceRange{Min: to.Ptr[int32](2), Max: to.Ptr[int32](16)},
					Memory: &armcompute.ResourceRange{Min: to.Ptr[int32](4)}},
				Disallowed: &armcompute.Disallowed{DiskTypes: to.SliceOfPtrs("Standard_LRS", "StandardSSD_LRS")},
				Features: []*armcompute.GalleryImageFeature{
					{Name: to.Ptr("SecurityType"), Value: to.Ptr("TrustedLaunch")},
					{Name: to.Ptr("IsAcceleratedNetworkSupported"), Value: to.Ptr("true")}},
			}}},
		{SharedGallery, "windows-2022", armcompute.GalleryImage{Location: to.Ptr(Location),
			Properties: &armcompute.GalleryImageProperties{
				Description: to.Ptr("Windows Server 2022 from the Marketplace"), Eula: to.Ptr("https://contoso.example/eula"),
				PrivacyStatementURI: to.Ptr("https://contoso.example/privacy"),
				OSType:              to.Ptr(armcompute.OperatingSystemTypesWindows), OSState: to.Ptr(armcompute.OperatingSystemStateTypesSpecialized),
				HyperVGeneration: to.Ptr(armcompute.HyperVGenerationV1), Architecture: to.Ptr(armcompute.ArchitectureX64),
				Identifier:   &armcompute.GalleryImageIdentifier{Publisher: to.Ptr("contoso"), Offer: to.Ptr("windows"), SKU: to.Ptr("2022")},
				PurchasePlan: &armcompute.ImagePurchasePlan{Name: to.Ptr("2022-datacenter"), Publisher: to.Ptr("MicrosoftWindowsServer"), Product: to.Ptr("WindowsServer")},
			}}},
		{SharedGallery, "arm64-base", armcompute.GalleryImage{Location: to.Ptr(Location),
			Properties: &armcompute.GalleryImageProperties{
				OSType: to.Ptr(armcompute.OperatingSystemTypesLinux), OSState: to.Ptr(armcompute.OperatingSystemStateTypesGeneralized),
				HyperVGeneration: to.Ptr(armcompute.HyperVGenerationV2), Architecture: to.Ptr(armcompute.ArchitectureArm64),
				Identifier: &armcompute.GalleryImageIdentifier{Publisher: to.Ptr("contoso"), Offer: to.Ptr("base"), SKU: to.Ptr("arm64")},
				Features: []*armcompute.GalleryImageFeature{
					{Name: to.Ptr("DiskControllerTypes"), Value: to.Ptr("SCSI, NVMe"), StartsAtVersion: to.Ptr("1.0.0")}},
			}}},
		{SharedGallery, "shared-name", minimalImage("platform")},
		{PlainGallery, "shared-name", minimalImage("plain")},
	} {
		poller, err := images.BeginCreateOrUpdate(ctx, group, img.gallery, img.name, img.body, nil)
		if err != nil {
			return fmt.Errorf("creating image %s/%s: %w", img.gallery, img.name, err)
		}
		if _, err := poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 100 * time.Millisecond}); err != nil {
			return fmt.Errorf("creating image %s/%s: %w", img.gallery, img.name, err)
		}
	}
	if err := createVersions(ctx, compute, group, endOfLife); err != nil {
		return err
	}
	if err := createApplication(ctx, compute, group, endOfLife); err != nil {
		return err
	}
	return createProfiles(ctx, compute, group)
}

// createApplication creates Application in SharedGallery, with a custom action, and its
// version 1.0.0 replicated to two regions, with settings, an advanced setting and an update
// command, as users publish VM applications.
func createApplication(ctx context.Context, compute *armcompute.ClientFactory, group string, endOfLife time.Time) error {
	action := []*armcompute.GalleryApplicationCustomAction{{Name: to.Ptr("restart"), Script: to.Ptr("systemctl restart tools"),
		Description: to.Ptr("Restarts the tools"), Parameters: []*armcompute.GalleryApplicationCustomActionParameter{
			{Name: to.Ptr("delay"), Type: to.Ptr(armcompute.GalleryApplicationCustomActionParameterTypeString), DefaultValue: to.Ptr("5")}}}}
	app, err := compute.NewGalleryApplicationsClient().BeginCreateOrUpdate(ctx, group, SharedGallery, Application, armcompute.GalleryApplication{
		Location: to.Ptr("West Europe"), Tags: map[string]*string{"team": to.Ptr("platform")},
		Properties: &armcompute.GalleryApplicationProperties{SupportedOSType: to.Ptr(armcompute.OperatingSystemTypesLinux),
			Description: to.Ptr("Platform tools"), EndOfLifeDate: &endOfLife, CustomActions: action},
	}, nil)
	if err == nil {
		_, err = app.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 100 * time.Millisecond})
	}
	if err != nil {
		return fmt.Errorf("creating application %s: %w", Application, err)
	}
	v, err := compute.NewGalleryApplicationVersionsClient().BeginCreateOrUpdate(ctx, group, SharedGallery, Application, "1.0.0", armcompute.GalleryApplicationVersion{
		Location: to.Ptr(Location),
		Properties: &armcompute.GalleryApplicationVersionProperties{PublishingProfile: &armcompute.GalleryApplicationVersionPublishingProfile{
			Source: &armcompute.UserArtifactSource{MediaLink: to.Ptr("https://platformstore.blob.core.windows.net/apps/tools-1.0.0.tar.gz")},
			ManageActions: &armcompute.UserArtifactManage{Install: to.Ptr("tar -xzf tools -C /opt"), Remove: to.Ptr("rm -rf /opt/tools"),
				Update: to.Ptr("tar -xzf tools -C /opt --overwrite")},
			Settings:         &armcompute.UserArtifactSettings{PackageFileName: to.Ptr("tools"), ScriptBehaviorAfterReboot: to.Ptr(armcompute.GalleryApplicationScriptRebootBehaviorRerun)},
			AdvancedSettings: map[string]*string{"timeout": to.Ptr("300")},
			TargetRegions:    []*armcompute.TargetRegion{{Name: to.Ptr("West Europe")}, {Name: to.Ptr("North Europe"), RegionalReplicaCount: to.Ptr[int32](2)}},
			EndOfLifeDate:    &endOfLife, CustomActions: action,
		}},
	}, nil)
	if err == nil {
		_, err = v.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 100 * time.Millisecond})
	}
	if err != nil {
		return fmt.Errorf("creating application version 1.0.0: %w", err)
	}
	return nil
}

// createVersions publishes Versions of SharedGallery's Ubuntu image from a managed image: 1.0.0
// to two regions (one with its own replica count), with tags, an end of life and a safety
// setting; 1.1.0 to its own region only, with non-default replica count, storage type and
// excludeFromLatest.
func createVersions(ctx context.Context, compute *armcompute.ClientFactory, group string, endOfLife time.Time) error {
	managed, err := compute.NewImagesClient().BeginCreateOrUpdate(ctx, group, "ubuntu-build", armcompute.Image{
		Location: to.Ptr(Location),
		Properties: &armcompute.ImageProperties{HyperVGeneration: to.Ptr(armcompute.HyperVGenerationTypesV2),
			StorageProfile: &armcompute.ImageStorageProfile{OSDisk: &armcompute.ImageOSDisk{
				OSType: to.Ptr(armcompute.OperatingSystemTypesLinux), OSState: to.Ptr(armcompute.OperatingSystemStateTypesGeneralized),
				DiskSizeGB: to.Ptr[int32](30)}}},
	}, nil)
	if err != nil {
		return fmt.Errorf("creating the managed image: %w", err)
	}
	source, err := managed.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 100 * time.Millisecond})
	if err != nil {
		return fmt.Errorf("creating the managed image: %w", err)
	}
	storage := &armcompute.GalleryImageVersionStorageProfile{Source: &armcompute.GalleryArtifactVersionFullSource{ID: source.ID}}
	versions := compute.NewGalleryImageVersionsClient()
	for name, body := range map[string]armcompute.GalleryImageVersion{
		"1.0.0": {Location: to.Ptr(Location), Tags: map[string]*string{"build": to.Ptr("2026.11.1")},
			Properties: &armcompute.GalleryImageVersionProperties{StorageProfile: storage,
				PublishingProfile: &armcompute.GalleryImageVersionPublishingProfile{
					EndOfLifeDate: &endOfLife,
					TargetRegions: []*armcompute.TargetRegion{{Name: to.Ptr("West Europe")},
						{Name: to.Ptr("North Europe"), RegionalReplicaCount: to.Ptr[int32](2)}}},
				SafetyProfile: &armcompute.GalleryImageVersionSafetyProfile{AllowDeletionOfReplicatedLocations: to.Ptr(true)}}},
		"1.1.0": {Location: to.Ptr(Location),
			Properties: &armcompute.GalleryImageVersionProperties{StorageProfile: storage,
				PublishingProfile: &armcompute.GalleryImageVersionPublishingProfile{ReplicaCount: to.Ptr[int32](2),
					StorageAccountType: to.Ptr(armcompute.StorageAccountTypeStandardZRS), ExcludeFromLatest: to.Ptr(true)}}},
	} {
		poller, err := versions.BeginCreateOrUpdate(ctx, group, SharedGallery, "Ubuntu_24.04-Gen2", name, body, nil)
		if err != nil {
			return fmt.Errorf("creating version %s: %w", name, err)
		}
		if _, err := poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 100 * time.Millisecond}); err != nil {
			return fmt.Errorf("creating version %s: %w", name, err)
		}
	}
	return nil
}

// createProfiles creates Profile in SharedGallery, described, and its version with Azure's example
// rules, in Audit mode, replicated to two regions.
func createProfiles(ctx context.Context, compute *armcompute.ClientFactory, group string) error {
	profile, err := compute.NewGalleryInVMAccessControlProfilesClient().BeginCreateOrUpdate(ctx, group, SharedGallery, Profile,
		armcompute.GalleryInVMAccessControlProfile{Location: to.Ptr("West Europe"), Tags: map[string]*string{"team": to.Ptr("platform")},
			Properties: &armcompute.GalleryInVMAccessControlProfileProperties{Description: to.Ptr("WireServer for Linux VMs"),
				OSType: to.Ptr(armcompute.OperatingSystemTypesLinux), ApplicableHostEndpoint: to.Ptr(armcompute.EndpointTypesWireServer)}}, nil)
	if err == nil {
		_, err = profile.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 100 * time.Millisecond})
	}
	if err != nil {
		return fmt.Errorf("creating profile %s: %w", Profile, err)
	}
	version, err := compute.NewGalleryInVMAccessControlProfileVersionsClient().BeginCreateOrUpdate(ctx, group, SharedGallery, Profile, ProfileVersion,
		armcompute.GalleryInVMAccessControlProfileVersion{Location: to.Ptr(Location),
			Properties: &armcompute.GalleryInVMAccessControlProfileVersionProperties{
				Mode: to.Ptr(armcompute.AccessControlRulesModeAudit), DefaultAccess: to.Ptr(armcompute.EndpointAccessAllow),
				Rules: &armcompute.AccessControlRules{
					Privileges: []*armcompute.AccessControlRulesPrivilege{{Name: to.Ptr("GoalState"), Path: to.Ptr("/machine"),
						QueryParameters: map[string]*string{"comp": to.Ptr("goalstate")}}},
					Roles:           []*armcompute.AccessControlRulesRole{{Name: to.Ptr("Provisioning"), Privileges: to.SliceOfPtrs("GoalState")}},
					Identities:      []*armcompute.AccessControlRulesIdentity{{Name: to.Ptr("Agent"), UserName: to.Ptr("root"), ProcessName: to.Ptr("waagent")}},
					RoleAssignments: []*armcompute.AccessControlRulesRoleAssignment{{Role: to.Ptr("Provisioning"), Identities: to.SliceOfPtrs("Agent")}},
				},
				TargetLocations: []*armcompute.TargetRegion{{Name: to.Ptr("West Europe")}, {Name: to.Ptr("North Europe")}}}}, nil)
	if err == nil {
		_, err = version.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 100 * time.Millisecond})
	}
	if err != nil {
		return fmt.Errorf("creating profile version %s/%s: %w", Profile, ProfileVersion, err)
	}
	return nil
}

// minimalImage is an image definition with only what Azure requires.
func minimalImage(offer string) armcompute.GalleryImage {
	return armcompute.GalleryImage{Location: to.Ptr(Location), Properties: &armcompute.GalleryImageProperties{
		OSType: to.Ptr(armcompute.OperatingSystemTypesLinux), OSState: to.Ptr(armcompute.OperatingSystemStateTypesGeneralized),
		Identifier: &armcompute.GalleryImageIdentifier{Publisher: to.Ptr("contoso"), Offer: to.Ptr(offer), SKU: to.Ptr("minimal")},
	}}
}
