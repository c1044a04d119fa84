package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
)

// Azure's defaults for an image version's publishing profile and disks.
const (
	defaultReplicaCount    = 1
	defaultStorageType     = string(armcompute.StorageAccountTypeStandardLRS)
	defaultReplicationMode = string(armcompute.ReplicationModeFull)
	defaultOSHostCaching   = string(armcompute.HostCachingReadOnly)
	defaultDataHostCaching = string(armcompute.HostCachingNone)
)

// versionMapping imports image versions (Microsoft.Compute/galleries/images/versions) as
// GalleryImageVersion objects that reference their GalleryImage object with spec.imageRef.
type versionMapping struct{}

func (versionMapping) kind() string       { return "GalleryImageVersion" }
func (versionMapping) parentKind() string { return "GalleryImage" }

// wantedName prefixes the version with its image's object name: "ubuntu-24-04-gen2-1-0-0".
func (versionMapping) wantedName(n *Node) string {
	return joinName(n.Parent.Object.GetName(), n.AzureName())
}

// list lists the versions of the parent image definition.
func (versionMapping) list(ctx context.Context, c *azure.Connection, _ Options, parent *Node) ([]*Node, error) {
	versions := c.Compute.NewGalleryImageVersionsClient()
	var out []*Node
	pager := versions.NewListByGalleryImagePager(parent.Ref.ResourceGroup, parent.Ref.Gallery, parent.Ref.Image, nil)
	for pager.More() {
		var page armcompute.GalleryImageVersionsClientListByGalleryImageResponse
		if err := retry(ctx, func() (err error) { page, err = pager.NextPage(ctx); return err }); err != nil {
			return nil, fmt.Errorf("listing the versions of %s: %w", parent.Ref, azure.Classify(err))
		}
		for _, v := range page.Value {
			if v == nil || v.Name == nil {
				continue
			}
			ref := parent.Ref
			ref.Version = *v.Name
			out = append(out, &Node{Ref: ref, Body: v})
		}
	}
	return out, nil
}

func (versionMapping) object(n *Node, name string, o Options) (client.Object, error) {
	spec, warnings := VersionSpecFrom(n.Body.(*armcompute.GalleryImageVersion))
	n.Warnings = append(n.Warnings, warnings...)
	spec.ImageRef = &v1alpha1.LocalObjectReference{Name: n.Parent.Object.GetName()}
	if name != n.Ref.Version {
		spec.AzureName = n.Ref.Version
	}
	spec.DeletionPolicy = policy(o)
	return &v1alpha1.GalleryImageVersion{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "GalleryImageVersion"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: o.Namespace},
		Spec:       spec,
	}, nil
}

// VersionSpecFrom maps an image version as Azure returns it to the spec that describes it:
// location, tags, the publishing profile without Azure's defaults (replica count 1, storage
// Standard_LRS, replication mode Full, a single target region that is the version's own with
// the profile's settings), the source (only source.id / virtualMachineId /
// communityGalleryImageId when set; the disks Azure derives from it are left out), the safety
// settings that are on, and the security profile; nothing read-only (publishedDate,
// replicationStatus, provisioningState, disk sizes, reportedForPolicyViolation).
func VersionSpecFrom(v *armcompute.GalleryImageVersion) (v1alpha1.GalleryImageVersionSpec, []string) {
	var warnings []string
	spec := v1alpha1.GalleryImageVersionSpec{Location: azure.StrOf(v.Location), Tags: tagsFrom(v.Tags)}
	p := v.Properties
	if p == nil {
		return spec, []string{"Azure returned the image version without properties"}
	}
	warnings = append(warnings, stateWarning(azure.StrOf(p.ProvisioningState))...)
	out := &spec.Properties
	if pp := p.PublishingProfile; pp != nil {
		var w []string
		out.PublishingProfile, w = publishingFrom(pp, spec.Location)
		warnings = append(warnings, w...)
	}
	if sp := p.StorageProfile; sp != nil {
		out.StorageProfile = storageFrom(sp)
	}
	if s := p.SafetyProfile; s != nil {
		safety := v1alpha1.GalleryImageVersionSafetyProfile{}
		if azure.ValueOr(s.AllowDeletionOfReplicatedLocations, false) {
			safety.AllowDeletionOfReplicatedLocations = to.Ptr(true)
		}
		if azure.ValueOr(s.BlockDeletionBeforeEndOfLife, false) {
			safety.BlockDeletionBeforeEndOfLife = to.Ptr(true)
		}
		if safety != (v1alpha1.GalleryImageVersionSafetyProfile{}) {
			out.SafetyProfile = &safety
		}
	}
	if s := p.SecurityProfile; s != nil {
		out.SecurityProfile = azure.Convert[v1alpha1.ImageVersionSecurityProfile](s)
	}
	return spec, warnings
}

// publishingFrom maps the publishing profile; nil when everything in it is Azure's default.
func publishingFrom(pp *armcompute.GalleryImageVersionPublishingProfile, location string) (*v1alpha1.GalleryArtifactPublishingProfile, []string) {
	out := &v1alpha1.GalleryArtifactPublishingProfile{}
	replicas := azure.ValueOr(pp.ReplicaCount, defaultReplicaCount)
	if replicas != defaultReplicaCount {
		out.ReplicaCount = to.Ptr(replicas)
	}
	if azure.ValueOr(pp.ExcludeFromLatest, false) {
		out.ExcludeFromLatest = to.Ptr(true)
	}
	var warnings []string
	out.EndOfLifeDate, warnings = endOfLifeFrom(pp.EndOfLifeDate)
	storage := canonical(azure.StrOrDefault(pp.StorageAccountType, defaultStorageType), armcompute.PossibleStorageAccountTypeValues())
	if storage != defaultStorageType {
		out.StorageAccountType = v1alpha1.StorageAccountType(storage)
	}
	if m := canonical(azure.StrOf(pp.ReplicationMode), armcompute.PossibleReplicationModeValues()); m != "" && m != defaultReplicationMode {
		out.ReplicationMode = v1alpha1.ReplicationMode(m)
	}
	var regions []v1alpha1.TargetRegion
	onlyDefault := true
	for _, r := range pp.TargetRegions {
		if r == nil || azure.StrOf(r.Name) == "" {
			continue
		}
		// Azure returns target regions by display name ("East US 2"); manifests use the canonical one.
		region := v1alpha1.TargetRegion{Name: azure.CanonicalLocation(*r.Name)}
		if n := azure.ValueOr(r.RegionalReplicaCount, replicas); n != replicas {
			region.RegionalReplicaCount = to.Ptr(n)
		}
		if t := canonical(azure.StrOrDefault(r.StorageAccountType, storage), armcompute.PossibleStorageAccountTypeValues()); t != storage {
			region.StorageAccountType = v1alpha1.StorageAccountType(t)
		}
		if azure.ValueOr(r.ExcludeFromLatest, false) {
			region.ExcludeFromLatest = to.Ptr(true)
		}
		region.Encryption = azure.Convert[v1alpha1.EncryptionImages](r.Encryption)
		for _, set := range r.AdditionalReplicaSets {
			if set != nil {
				region.AdditionalReplicaSets = append(region.AdditionalReplicaSets, *azure.Convert[v1alpha1.AdditionalReplicaSet](set))
			}
		}
		if azure.CanonicalLocation(region.Name) != azure.CanonicalLocation(location) || region.RegionalReplicaCount != nil ||
			region.StorageAccountType != "" || region.ExcludeFromLatest != nil || region.Encryption != nil || region.AdditionalReplicaSets != nil {
			onlyDefault = false
		}
		regions = append(regions, region)
	}
	if len(regions) > 1 || !onlyDefault {
		out.TargetRegions = regions
	}
	for _, l := range pp.TargetExtendedLocations {
		if l != nil {
			out.TargetExtendedLocations = append(out.TargetExtendedLocations, *azure.Convert[v1alpha1.GalleryTargetExtendedLocation](l))
		}
	}
	if jsonEmpty(out) {
		return nil, warnings
	}
	return out, warnings
}

// storageFrom maps the source: source.id (a managed image, snapshot, disk or version),
// virtualMachineId or communityGalleryImageId when Azure reports one (the disks it then reports
// are derived from that source), else the OS disk image's source and the data disk images.
func storageFrom(sp *armcompute.GalleryImageVersionStorageProfile) v1alpha1.GalleryImageVersionStorageProfile {
	var out v1alpha1.GalleryImageVersionStorageProfile
	if s := sp.Source; s != nil && (azure.StrOf(s.ID) != "" || azure.StrOf(s.VirtualMachineID) != "" || azure.StrOf(s.CommunityGalleryImageID) != "") {
		out.Source = &v1alpha1.GalleryArtifactVersionFullSource{ID: azure.StrOf(s.ID), VirtualMachineID: azure.StrOf(s.VirtualMachineID),
			CommunityGalleryImageID: azure.StrOf(s.CommunityGalleryImageID)}
		return out
	}
	if d := sp.OSDiskImage; d != nil {
		out.OSDiskImage = &v1alpha1.GalleryOSDiskImage{Source: diskSourceFrom(d.Source)}
		if c := canonical(azure.StrOf(d.HostCaching), armcompute.PossibleHostCachingValues()); c != "" && c != defaultOSHostCaching {
			out.OSDiskImage.HostCaching = v1alpha1.HostCaching(c)
		}
	}
	for _, d := range sp.DataDiskImages {
		if d == nil || d.Lun == nil {
			continue
		}
		disk := v1alpha1.GalleryDataDiskImage{Lun: *d.Lun, Source: diskSourceFrom(d.Source)}
		if c := canonical(azure.StrOf(d.HostCaching), armcompute.PossibleHostCachingValues()); c != "" && c != defaultDataHostCaching {
			disk.HostCaching = v1alpha1.HostCaching(c)
		}
		out.DataDiskImages = append(out.DataDiskImages, disk)
	}
	return out
}

func diskSourceFrom(s *armcompute.GalleryDiskImageSource) *v1alpha1.GalleryDiskImageSource {
	if s == nil || (azure.StrOf(s.ID) == "" && azure.StrOf(s.URI) == "") {
		return nil
	}
	return &v1alpha1.GalleryDiskImageSource{ID: azure.StrOf(s.ID), URI: azure.StrOf(s.URI), StorageAccountID: azure.StrOf(s.StorageAccountID)}
}

// jsonEmpty reports whether v marshals to an empty object.
func jsonEmpty(v any) bool {
	b, err := json.Marshal(v)
	return err == nil && strings.TrimSpace(string(b)) == "{}"
}
