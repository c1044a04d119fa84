// Package version is the GalleryImageVersion kind: its desired body, diff, hash, replication
// progress and Azure client.
package version

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/kinds/replication"
)

// DesiredVersion builds the PUT body from the spec. Fields the spec leaves unset stay nil.
func DesiredVersion(spec *v1alpha1.GalleryImageVersionSpec) armcompute.GalleryImageVersion {
	p := &spec.Properties
	props := &armcompute.GalleryImageVersionProperties{
		PublishingProfile: desiredPublishing(p.PublishingProfile),
		StorageProfile:    desiredStorage(&p.StorageProfile),
	}
	if s := p.SafetyProfile; s != nil {
		props.SafetyProfile = &armcompute.GalleryImageVersionSafetyProfile{
			AllowDeletionOfReplicatedLocations: azure.ClonePtr(s.AllowDeletionOfReplicatedLocations),
			BlockDeletionBeforeEndOfLife:       azure.ClonePtr(s.BlockDeletionBeforeEndOfLife),
		}
	}
	if s := p.SecurityProfile; s != nil {
		props.SecurityProfile = azure.Convert[armcompute.ImageVersionSecurityProfile](s)
	}
	return armcompute.GalleryImageVersion{
		Location:   azure.OptionalString(spec.Location),
		Tags:       azure.DesiredTags(spec.Tags),
		Properties: props,
	}
}

// desiredPublishing converts the publishing profile.
func desiredPublishing(p *v1alpha1.GalleryArtifactPublishingProfile) *armcompute.GalleryImageVersionPublishingProfile {
	if p == nil {
		return nil
	}
	out := &armcompute.GalleryImageVersionPublishingProfile{
		ReplicaCount:       azure.ClonePtr(p.ReplicaCount),
		ExcludeFromLatest:  azure.ClonePtr(p.ExcludeFromLatest),
		StorageAccountType: azure.OptionalEnum[armcompute.StorageAccountType](string(p.StorageAccountType)),
		ReplicationMode:    azure.OptionalEnum[armcompute.ReplicationMode](string(p.ReplicationMode)),
	}
	if p.EndOfLifeDate != nil {
		t := p.EndOfLifeDate.UTC()
		out.EndOfLifeDate = &t
	}
	for _, r := range p.TargetRegions {
		out.TargetRegions = append(out.TargetRegions, &armcompute.TargetRegion{
			Name:                  azure.OptionalString(r.Name),
			RegionalReplicaCount:  azure.ClonePtr(r.RegionalReplicaCount),
			StorageAccountType:    azure.OptionalEnum[armcompute.StorageAccountType](string(r.StorageAccountType)),
			ExcludeFromLatest:     azure.ClonePtr(r.ExcludeFromLatest),
			Encryption:            azure.Convert[armcompute.EncryptionImages](r.Encryption),
			AdditionalReplicaSets: convertSlice[armcompute.AdditionalReplicaSet](r.AdditionalReplicaSets),
		})
	}
	for _, l := range p.TargetExtendedLocations {
		out.TargetExtendedLocations = append(out.TargetExtendedLocations, azure.Convert[armcompute.GalleryTargetExtendedLocation](&l))
	}
	return out
}

// desiredStorage converts the storage profile (the source).
func desiredStorage(s *v1alpha1.GalleryImageVersionStorageProfile) *armcompute.GalleryImageVersionStorageProfile {
	out := &armcompute.GalleryImageVersionStorageProfile{}
	if src := s.Source; src != nil {
		out.Source = &armcompute.GalleryArtifactVersionFullSource{ID: azure.OptionalString(src.ID),
			VirtualMachineID: azure.OptionalString(src.VirtualMachineID), CommunityGalleryImageID: azure.OptionalString(src.CommunityGalleryImageID)}
	}
	if d := s.OSDiskImage; d != nil {
		out.OSDiskImage = &armcompute.GalleryOSDiskImage{HostCaching: azure.OptionalEnum[armcompute.HostCaching](string(d.HostCaching)), Source: diskSource(d.Source)}
	}
	for _, d := range s.DataDiskImages {
		out.DataDiskImages = append(out.DataDiskImages, &armcompute.GalleryDataDiskImage{Lun: &d.Lun,
			HostCaching: azure.OptionalEnum[armcompute.HostCaching](string(d.HostCaching)), Source: diskSource(d.Source)})
	}
	return out
}

func diskSource(s *v1alpha1.GalleryDiskImageSource) *armcompute.GalleryDiskImageSource {
	if s == nil {
		return nil
	}
	return &armcompute.GalleryDiskImageSource{ID: azure.OptionalString(s.ID), URI: azure.OptionalString(s.URI), StorageAccountID: azure.OptionalString(s.StorageAccountID)}
}

func convertSlice[T any, S any](s []S) []*T {
	var out []*T
	for i := range s {
		out = append(out, azure.Convert[T](&s[i]))
	}
	return out
}

// PutBody is the body to PUT over existing: desired, completed with what Azure needs the
// request to repeat (see replication.Repeat).
func PutBody(desired armcompute.GalleryImageVersion, existing *armcompute.GalleryImageVersion) armcompute.GalleryImageVersion {
	if existing == nil || existing.Properties == nil || existing.Properties.PublishingProfile == nil ||
		desired.Properties == nil || desired.Properties.PublishingProfile == nil {
		return desired
	}
	want := *desired.Properties.PublishingProfile
	r := replication.Repeat(*profileOf(&want), *profileOf(existing.Properties.PublishingProfile))
	want.StorageAccountType, want.ReplicationMode, want.TargetRegions = r.StorageAccountType, r.ReplicationMode, r.TargetRegions
	props := *desired.Properties
	props.PublishingProfile = &want
	desired.Properties = &props
	return desired
}

// profileOf is the replication part of a publishing profile; nil for none.
func profileOf(pp *armcompute.GalleryImageVersionPublishingProfile) *replication.Profile {
	if pp == nil {
		return nil
	}
	return &replication.Profile{TargetRegions: pp.TargetRegions, ReplicaCount: pp.ReplicaCount, ExcludeFromLatest: pp.ExcludeFromLatest,
		EndOfLifeDate: pp.EndOfLifeDate, StorageAccountType: pp.StorageAccountType, ReplicationMode: pp.ReplicationMode}
}

// Diff names the properties in which existing differs from desired; empty when none. Both sides
// are normalised. Updatable properties (tags, target regions and their replica counts,
// excludeFromLatest, endOfLifeDate, the safety profile) differ whenever their normalised values
// do. What the spec leaves unset and Azure defaults (replica counts, storage types, replication
// mode, security profile) differs only when the spec sets it. The source is compared when set:
// Azure refuses to change it, and the refusal must show.
func Diff(desired armcompute.GalleryImageVersion, existing *armcompute.GalleryImageVersion) []string {
	if existing == nil {
		existing = &armcompute.GalleryImageVersion{}
	}
	d, e := normalize(&desired, nil), normalize(existing, &desired)
	var out []string
	add := func(name string, differs bool) {
		if differs {
			out = append(out, name)
		}
	}
	add("location", d.Location != "" && d.Location != e.Location)
	add("tags", !maps.Equal(d.Tags, e.Tags))
	out = append(out, replication.Diff(d.Normal, e.Normal)...)
	add("properties.storageProfile", d.Source != "" && d.Source != e.Source)
	add("properties.safetyProfile", d.Safety != e.Safety)
	add("properties.securityProfile", d.Security != "" && d.Security != e.Security)
	return out
}

// SpecHash is a short stable hash of the normalised desired version.
func SpecHash(desired armcompute.GalleryImageVersion) string {
	return azure.HashOf(normalize(&desired, nil))
}

// normalVersion is the user-controlled part of a version with Azure's normalisations applied.
type normalVersion struct {
	Location string            `json:"location"`
	Tags     map[string]string `json:"tags"`
	replication.Normal
	Source   string  `json:"source"`
	Safety   [2]bool `json:"safety"`
	Security string  `json:"security"`
}

// normalize returns the user-controlled part of v. With like (the desired body) set, fields that
// like leaves unset are blanked, so that Azure's defaults compare equal to "unset".
func normalize(v *armcompute.GalleryImageVersion, like *armcompute.GalleryImageVersion) normalVersion {
	n := normalVersion{Location: azure.CanonicalLocation(azure.StrOf(v.Location)), Tags: azure.NormalTags(v.Tags)}
	p := v.Properties
	if p == nil {
		p = &armcompute.GalleryImageVersionProperties{}
	}
	switch {
	case like == nil:
		n.Normal = replication.NormalOf(profileOf(p.PublishingProfile))
	case like.Properties == nil:
		n.Normal = replication.NormalLike(profileOf(p.PublishingProfile), nil)
	default:
		n.Normal = replication.NormalLike(profileOf(p.PublishingProfile), profileOf(like.Properties.PublishingProfile))
	}
	if sp := p.StorageProfile; sp != nil {
		n.Source = sourceOf(sp)
	}
	if s := p.SafetyProfile; s != nil {
		n.Safety = [2]bool{azure.ValueOr(s.AllowDeletionOfReplicatedLocations, false), azure.ValueOr(s.BlockDeletionBeforeEndOfLife, false)}
	}
	if s := p.SecurityProfile; s != nil {
		b, _ := json.Marshal(s)
		n.Security = string(b)
	}
	return n
}

// sourceOf names the source, lower-cased (ARM IDs compare without case).
func sourceOf(sp *armcompute.GalleryImageVersionStorageProfile) string {
	var parts []string
	if s := sp.Source; s != nil {
		parts = append(parts, azure.StrOf(s.ID), azure.StrOf(s.VirtualMachineID), azure.StrOf(s.CommunityGalleryImageID))
	}
	if d := sp.OSDiskImage; d != nil && d.Source != nil {
		parts = append(parts, azure.StrOf(d.Source.ID), azure.StrOf(d.Source.URI))
	}
	parts = slices.DeleteFunc(parts, func(s string) bool { return s == "" })
	return strings.ToLower(strings.Join(parts, "|"))
}
