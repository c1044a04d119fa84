// Package appversion is the GalleryApplicationVersion kind: its desired body, diff, hash and
// Azure client. Its replication is every version kind's (internal/kinds/replication).
package appversion

import (
	"maps"
	"reflect"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/kinds/application"
	"github.com/azgallery/gallery-operator/internal/kinds/replication"
)

// DesiredVersion builds the PUT body from the spec: the properties are sent as the spec says
// them (the API type has Azure's JSON shape); what the spec leaves unset stays nil.
func DesiredVersion(spec *v1alpha1.GalleryApplicationVersionSpec) body {
	return body{
		Location:   azure.OptionalString(spec.Location),
		Tags:       azure.DesiredTags(spec.Tags),
		Properties: azure.Convert[armcompute.GalleryApplicationVersionProperties](&spec.Properties),
	}
}

// PutBody is the body to PUT over existing: desired, completed with what Azure needs the
// request to repeat (see replication.Repeat).
func PutBody(desired body, existing *body) body {
	have, want := publishingOf(existing), publishingOf(&desired)
	if have == nil || want == nil {
		return desired
	}
	pp := *want
	r := replication.Repeat(*profileOf(&pp), *profileOf(have))
	pp.StorageAccountType, pp.ReplicationMode, pp.TargetRegions = r.StorageAccountType, r.ReplicationMode, r.TargetRegions
	props := *desired.Properties
	props.PublishingProfile = &pp
	desired.Properties = &props
	return desired
}

// publishingOf is v's publishing profile; nil when it has none.
func publishingOf(v *body) *armcompute.GalleryApplicationVersionPublishingProfile {
	if v == nil || v.Properties == nil {
		return nil
	}
	return v.Properties.PublishingProfile
}

// profileOf is the replication part of a publishing profile; nil for none.
func profileOf(pp *armcompute.GalleryApplicationVersionPublishingProfile) *replication.Profile {
	if pp == nil {
		return nil
	}
	return &replication.Profile{TargetRegions: pp.TargetRegions, ReplicaCount: pp.ReplicaCount, ExcludeFromLatest: pp.ExcludeFromLatest,
		EndOfLifeDate: pp.EndOfLifeDate, StorageAccountType: pp.StorageAccountType, ReplicationMode: pp.ReplicationMode}
}

// Diff names the properties in which existing differs from desired; empty when none. Both sides
// are normalised. The replication compares as every version's (replication.Diff). The source
// (mediaLink, defaultConfigurationLink) is compared where the spec sets it: Azure refuses to
// change it, and the refusal must show. The manage actions, health check, custom actions and
// safety profile are updatable and differ whenever their normalised values do. Settings and advanced
// settings, which Azure fills in, are compared where the spec sets them.
func Diff(desired body, existing *body) []string {
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
	add("properties.publishingProfile.source.mediaLink", d.MediaLink != "" && d.MediaLink != e.MediaLink)
	add("properties.publishingProfile.source.defaultConfigurationLink", d.ConfigLink != "" && d.ConfigLink != e.ConfigLink)
	add("properties.publishingProfile.manageActions", d.Manage != e.Manage)
	add("properties.publishingProfile.settings", d.Settings != e.Settings)
	add("properties.publishingProfile.advancedSettings", !maps.Equal(d.Advanced, e.Advanced))
	add("properties.publishingProfile.enableHealthCheck", d.HealthCheck != e.HealthCheck)
	add("properties.publishingProfile.customActions", !reflect.DeepEqual(d.CustomActions, e.CustomActions))
	add("properties.safetyProfile", d.AllowRegionDeletion != e.AllowRegionDeletion)
	return out
}

// SpecHash is a short stable hash of the normalised desired version: bodies Diff finds equal
// hash alike.
func SpecHash(desired body) string { return azure.HashOf(normalize(&desired, nil)) }

// normalVersion is the user-controlled part of an application version with Azure's
// normalisations applied. Its JSON form is what SpecHash hashes, so fields are never reordered.
type normalVersion struct {
	Location string            `json:"location"`
	Tags     map[string]string `json:"tags"`
	replication.Normal
	MediaLink           string                     `json:"mediaLink"`
	ConfigLink          string                     `json:"defaultConfigurationLink"`
	Manage              [3]string                  `json:"manageActions"`
	Settings            [3]string                  `json:"settings"`
	Advanced            map[string]string          `json:"advancedSettings"`
	HealthCheck         bool                       `json:"enableHealthCheck"`
	CustomActions       []application.NormalAction `json:"customActions"`
	AllowRegionDeletion bool                       `json:"allowDeletionOfReplicatedLocations"`
}

// normalize returns the user-controlled part of v (nil: an empty version). With like (the
// desired body) set, what like leaves unset and Azure fills in is blanked: the replication's
// defaults, each setting, and advanced settings other than like's.
func normalize(v, like *body) normalVersion {
	if v == nil {
		v = &body{}
	}
	n := normalVersion{Location: azure.CanonicalLocation(azure.StrOf(v.Location)), Tags: azure.NormalTags(v.Tags)}
	pp := publishingOf(v)
	if like == nil {
		n.Normal = replication.NormalOf(profileOf(pp))
	} else {
		n.Normal = replication.NormalLike(profileOf(pp), profileOf(publishingOf(like)))
	}
	if v.Properties != nil && v.Properties.SafetyProfile != nil {
		n.AllowRegionDeletion = azure.ValueOr(v.Properties.SafetyProfile.AllowDeletionOfReplicatedLocations, false)
	}
	if pp == nil {
		return n
	}
	if s := pp.Source; s != nil {
		n.MediaLink, n.ConfigLink = azure.StrOf(s.MediaLink), azure.StrOf(s.DefaultConfigurationLink)
	}
	if m := pp.ManageActions; m != nil {
		n.Manage = [3]string{azure.StrOf(m.Install), azure.StrOf(m.Remove), azure.StrOf(m.Update)}
	}
	n.Settings = normalSettings(pp.Settings)
	n.Advanced = azure.NormalMap(pp.AdvancedSettings)
	n.HealthCheck = azure.ValueOr(pp.EnableHealthCheck, false)
	n.CustomActions = application.NormalActions(pp.CustomActions)
	if like != nil {
		n.Settings, n.Advanced = settingsLike(n.Settings, n.Advanced, publishingOf(like))
	}
	return n
}

// normalSettings is packageFileName, configFileName and scriptBehaviorAfterReboot (lower-cased:
// Azure matches enums ignoring case).
func normalSettings(s *armcompute.UserArtifactSettings) [3]string {
	if s == nil {
		return [3]string{}
	}
	return [3]string{azure.StrOf(s.PackageFileName), azure.StrOf(s.ConfigFileName), strings.ToLower(azure.StrOf(s.ScriptBehaviorAfterReboot))}
}

// settingsLike blanks the settings the desired profile like leaves unset, and keeps only the
// advanced settings it names.
func settingsLike(settings [3]string, advanced map[string]string, like *armcompute.GalleryApplicationVersionPublishingProfile) ([3]string, map[string]string) {
	var want [3]string
	var wantAdvanced map[string]string
	if like != nil {
		want, wantAdvanced = normalSettings(like.Settings), azure.NormalMap(like.AdvancedSettings)
	}
	for i := range settings {
		if want[i] == "" {
			settings[i] = ""
		}
	}
	maps.DeleteFunc(advanced, func(k, _ string) bool { _, ok := wantAdvanced[k]; return !ok })
	if len(advanced) == 0 {
		advanced = nil
	}
	return settings, advanced
}
