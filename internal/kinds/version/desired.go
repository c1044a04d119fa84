// Package version is the GalleryImageVersion kind: its desired body, diff, hash, replication
// progress and Azure client.
package version

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
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
		props.SecurityProfile = convert[armcompute.ImageVersionSecurityProfile](s)
	}
	return armcompute.GalleryImageVersion{
		Location:   azure.OptionalString(spec.Location),
		Tags:       azure.DesiredTags(spec.Tags),
		Properties: props,
	}
}

// desiredPublishing converts the publishing profile.
func desiredPublishing(p *v1alpha1.GalleryImageVersionPublishingProfile) *armcompute.GalleryImageVersionPublishingProfile {
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
			Encryption:            convert[armcompute.EncryptionImages](r.Encryption),
			AdditionalReplicaSets: convertSlice[armcompute.AdditionalReplicaSet](r.AdditionalReplicaSets),
		})
	}
	for _, l := range p.TargetExtendedLocations {
		out.TargetExtendedLocations = append(out.TargetExtendedLocations, convert[armcompute.GalleryTargetExtendedLocation](&l))
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

// convert maps a spec struct onto the SDK's struct of the same JSON shape; nil stays nil.
func convert[T any, S any](s *S) *T {
	if s == nil {
		return nil
	}
	b, err := json.Marshal(s)
	if err != nil {
		panic("version: marshal " + err.Error()) // API types always marshal
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		panic("version: the spec and the SDK disagree on a JSON shape: " + err.Error())
	}
	return &out
}

func convertSlice[T any, S any](s []S) []*T {
	var out []*T
	for i := range s {
		out = append(out, convert[T](&s[i]))
	}
	return out
}

// PutBody is the body to PUT over existing: desired, completed with what Azure needs the
// request to repeat (the storage account types and replication mode it holds, which the spec may
// leave unset and Azure refuses to see change).
func PutBody(desired armcompute.GalleryImageVersion, existing *armcompute.GalleryImageVersion) armcompute.GalleryImageVersion {
	if existing == nil || existing.Properties == nil || existing.Properties.PublishingProfile == nil ||
		desired.Properties == nil || desired.Properties.PublishingProfile == nil {
		return desired
	}
	have := existing.Properties.PublishingProfile
	want := *desired.Properties.PublishingProfile
	if want.StorageAccountType == nil {
		want.StorageAccountType = have.StorageAccountType
	}
	if want.ReplicationMode == nil {
		want.ReplicationMode = have.ReplicationMode
	}
	if want.TargetRegions != nil { // none stays none (Azure's default: the version's location), not []
		regions := make([]*armcompute.TargetRegion, 0, len(want.TargetRegions))
		for _, r := range want.TargetRegions {
			r := *r
			if old := findRegion(have.TargetRegions, azure.StrOf(r.Name)); old != nil && r.StorageAccountType == nil {
				r.StorageAccountType = old.StorageAccountType
			}
			regions = append(regions, &r)
		}
		want.TargetRegions = regions
	}
	props := *desired.Properties
	props.PublishingProfile = &want
	desired.Properties = &props
	return desired
}

func findRegion(regions []*armcompute.TargetRegion, name string) *armcompute.TargetRegion {
	for _, r := range regions {
		if r != nil && azure.CanonicalLocation(azure.StrOf(r.Name)) == azure.CanonicalLocation(name) {
			return r
		}
	}
	return nil
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
	add("properties.publishingProfile.targetRegions", !reflect.DeepEqual(d.Regions, e.Regions))
	add("properties.publishingProfile.replicaCount", d.ReplicaCount != nil && !reflect.DeepEqual(d.ReplicaCount, e.ReplicaCount))
	add("properties.publishingProfile.excludeFromLatest", d.ExcludeFromLatest != e.ExcludeFromLatest)
	add("properties.publishingProfile.endOfLifeDate", d.EndOfLifeDate != e.EndOfLifeDate)
	add("properties.publishingProfile.storageAccountType", d.StorageAccountType != "" && d.StorageAccountType != e.StorageAccountType)
	add("properties.publishingProfile.replicationMode", d.ReplicationMode != "" && d.ReplicationMode != e.ReplicationMode)
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
	Location           string                  `json:"location"`
	Tags               map[string]string       `json:"tags"`
	Regions            map[string]normalRegion `json:"regions"`
	ReplicaCount       *int32                  `json:"replicaCount"`
	ExcludeFromLatest  bool                    `json:"excludeFromLatest"`
	EndOfLifeDate      string                  `json:"endOfLifeDate"`
	StorageAccountType string                  `json:"storageAccountType"`
	ReplicationMode    string                  `json:"replicationMode"`
	Source             string                  `json:"source"`
	Safety             [2]bool                 `json:"safety"`
	Security           string                  `json:"security"`
}

// normalRegion is one target region; pointer fields are compared only when the spec sets them.
type normalRegion struct {
	Replicas          *int32 `json:"replicas"`
	StorageType       string `json:"storageType"`
	ExcludeFromLatest bool   `json:"excludeFromLatest"`
	Encryption        string `json:"encryption"`
}

// normalize returns the user-controlled part of v. With like (the desired body) set, fields that
// like leaves unset are blanked, so that Azure's defaults compare equal to "unset".
func normalize(v *armcompute.GalleryImageVersion, like *armcompute.GalleryImageVersion) normalVersion {
	n := normalVersion{Location: azure.CanonicalLocation(azure.StrOf(v.Location)), Tags: azure.NormalTags(v.Tags)}
	p := v.Properties
	if p == nil {
		p = &armcompute.GalleryImageVersionProperties{}
	}
	var lp *armcompute.GalleryImageVersionPublishingProfile
	if like != nil && like.Properties != nil {
		lp = like.Properties.PublishingProfile
	}
	if pp := p.PublishingProfile; pp != nil {
		n.Regions = normalRegions(pp.TargetRegions, lp)
		n.ReplicaCount = pp.ReplicaCount
		n.ExcludeFromLatest = azure.ValueOr(pp.ExcludeFromLatest, false)
		if pp.EndOfLifeDate != nil {
			n.EndOfLifeDate = pp.EndOfLifeDate.UTC().Format(time.RFC3339Nano)
		}
		n.StorageAccountType = strings.ToLower(azure.StrOf(pp.StorageAccountType))
		n.ReplicationMode = strings.ToLower(azure.StrOf(pp.ReplicationMode))
	}
	if like != nil && (lp == nil || lp.TargetRegions == nil) {
		n.Regions = nil // Azure's default: the version's own region
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

// normalRegions keys target regions by canonical name. like (the desired publishing profile)
// decides which optional fields count.
func normalRegions(regions []*armcompute.TargetRegion, like *armcompute.GalleryImageVersionPublishingProfile) map[string]normalRegion {
	out := map[string]normalRegion{}
	for _, r := range regions {
		if r == nil {
			continue
		}
		name := azure.CanonicalLocation(azure.StrOf(r.Name))
		nr := normalRegion{Replicas: r.RegionalReplicaCount, StorageType: strings.ToLower(azure.StrOf(r.StorageAccountType)),
			ExcludeFromLatest: azure.ValueOr(r.ExcludeFromLatest, false)}
		if r.Encryption != nil {
			b, _ := json.Marshal(r.Encryption)
			nr.Encryption = string(b)
		}
		if like != nil {
			want := findRegion(like.TargetRegions, name)
			if want == nil || want.RegionalReplicaCount == nil {
				nr.Replicas = nil
			}
			if want == nil || want.StorageAccountType == nil {
				nr.StorageType = ""
			}
			if want == nil || want.Encryption == nil {
				nr.Encryption = ""
			}
		}
		out[name] = nr
	}
	if len(out) == 0 {
		return nil
	}
	return out
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
