// Package profile is the GalleryInVMAccessControlProfile kind: its desired body, diff, hash and
// Azure client.
package profile

import (
	"maps"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
)

// DesiredProfile builds the PUT body from the spec: the properties are sent as the spec says
// them (the API type has Azure's JSON shape); what the spec leaves unset stays nil.
func DesiredProfile(spec *v1alpha1.GalleryInVMAccessControlProfileSpec) body {
	return body{
		Location:   azure.OptionalString(spec.Location),
		Tags:       azure.DesiredTags(spec.Tags),
		Properties: azure.Convert[armcompute.GalleryInVMAccessControlProfileProperties](&spec.Properties),
	}
}

// Diff names the properties in which existing differs from desired; empty when none. Both sides
// are normalised. The tags and description are updatable and differ whenever their normalised
// values do, so a value set only in Azure is drift a PUT removes; the location, osType and
// applicableHostEndpoint are immutable and differ only when the spec sets them (a PUT then shows
// Azure's refusal).
func Diff(desired body, existing *body) []string {
	d, e := normalize(&desired), normalize(existing)
	var out []string
	add := func(name string, differs bool) {
		if differs {
			out = append(out, name)
		}
	}
	add("location", d.Location != "" && d.Location != e.Location)
	add("tags", !maps.Equal(d.Tags, e.Tags))
	add("properties.description", d.Description != e.Description)
	add("properties.osType", d.OSType != "" && d.OSType != e.OSType)
	add("properties.applicableHostEndpoint", d.Endpoint != "" && d.Endpoint != e.Endpoint)
	return out
}

// SpecHash is a short stable hash of the normalised desired profile: bodies Diff finds equal
// hash alike.
func SpecHash(desired body) string { return azure.HashOf(normalize(&desired)) }

// normalProfile is the user-controlled part of a profile with Azure's normalisations applied.
// Its JSON form is what SpecHash hashes, so fields are never reordered.
type normalProfile struct {
	Location    string            `json:"location"`
	Tags        map[string]string `json:"tags"`
	Description string            `json:"description"`
	OSType      string            `json:"osType"`
	Endpoint    string            `json:"applicableHostEndpoint"`
}

// normalize returns the user-controlled part of p: canonical location, tags with lower-cased
// names, the enums lower-cased (Azure matches them ignoring case). nil is an empty profile.
func normalize(p *body) normalProfile {
	if p == nil {
		return normalProfile{}
	}
	n := normalProfile{Location: azure.CanonicalLocation(azure.StrOf(p.Location)), Tags: azure.NormalTags(p.Tags)}
	if pp := p.Properties; pp != nil {
		n.Description = azure.StrOf(pp.Description)
		n.OSType = strings.ToLower(azure.StrOf(pp.OSType))
		n.Endpoint = strings.ToLower(azure.StrOf(pp.ApplicableHostEndpoint))
	}
	return n
}
