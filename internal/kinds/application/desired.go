// Package application is the GalleryApplication kind: its desired body, diff, hash and Azure
// client.
package application

import (
	"maps"
	"reflect"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
)

// DesiredApplication builds the PUT body from the spec: the properties are sent as the spec
// says them (the API type has Azure's JSON shape); what the spec leaves unset stays nil.
func DesiredApplication(spec *v1alpha1.GalleryApplicationSpec) body {
	return body{
		Location:   azure.OptionalString(spec.Location),
		Tags:       azure.DesiredTags(spec.Tags),
		Properties: azure.Convert[armcompute.GalleryApplicationProperties](&spec.Properties),
	}
}

// Diff names the properties in which existing differs from desired; empty when none. Both sides
// are normalised. Everything but the location and supportedOSType (immutable: compared only
// when the spec sets them) is updatable, so a value set only in Azure is drift a PUT removes.
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
	add("properties.supportedOSType", d.SupportedOSType != "" && d.SupportedOSType != e.SupportedOSType)
	add("properties.description", d.Description != e.Description)
	add("properties.eula", d.Eula != e.Eula)
	add("properties.privacyStatementUri", d.PrivacyStatementURI != e.PrivacyStatementURI)
	add("properties.releaseNoteUri", d.ReleaseNoteURI != e.ReleaseNoteURI)
	add("properties.endOfLifeDate", d.EndOfLifeDate != e.EndOfLifeDate)
	add("properties.customActions", !reflect.DeepEqual(d.CustomActions, e.CustomActions))
	return out
}

// SpecHash is a short stable hash of the normalised desired application: bodies Diff finds
// equal hash alike.
func SpecHash(desired body) string { return azure.HashOf(normalize(&desired)) }

// normalApp is the user-controlled part of an application with Azure's normalisations applied.
// Its JSON form is what SpecHash hashes, so fields are never reordered.
type normalApp struct {
	Location            string            `json:"location"`
	Tags                map[string]string `json:"tags"`
	SupportedOSType     string            `json:"supportedOSType"`
	Description         string            `json:"description"`
	Eula                string            `json:"eula"`
	PrivacyStatementURI string            `json:"privacyStatementUri"`
	ReleaseNoteURI      string            `json:"releaseNoteUri"`
	EndOfLifeDate       string            `json:"endOfLifeDate"`
	CustomActions       []NormalAction    `json:"customActions"`
}

// normalize returns the user-controlled part of a: canonical location, tags with lower-cased
// names, the OS type lower-cased (Azure matches enums ignoring case), endOfLifeDate in UTC, the
// custom actions in a normal form (NormalActions). nil is an empty application.
func normalize(a *body) normalApp {
	if a == nil {
		return normalApp{}
	}
	n := normalApp{Location: azure.CanonicalLocation(azure.StrOf(a.Location)), Tags: azure.NormalTags(a.Tags)}
	p := a.Properties
	if p == nil {
		return n
	}
	n.SupportedOSType = strings.ToLower(azure.StrOf(p.SupportedOSType))
	n.Description, n.Eula = azure.StrOf(p.Description), azure.StrOf(p.Eula)
	n.PrivacyStatementURI, n.ReleaseNoteURI = azure.StrOf(p.PrivacyStatementURI), azure.StrOf(p.ReleaseNoteURI)
	if p.EndOfLifeDate != nil {
		n.EndOfLifeDate = p.EndOfLifeDate.UTC().Format(time.RFC3339Nano)
	}
	n.CustomActions = NormalActions(p.CustomActions)
	return n
}
