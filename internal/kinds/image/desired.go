// Package image is the GalleryImage kind: its desired body, diff, hash and Azure client.
package image

import (
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
)

// Azure's server-side defaults for properties the request may leave unset.
const (
	defaultHyperVGeneration = string(armcompute.HyperVGenerationV1)
	defaultArchitecture     = string(armcompute.ArchitectureX64)
)

// DesiredImage builds the PUT request body (Azure's GalleryImage model) from the spec. Fields the
// spec leaves unset stay nil (Azure defaults them). Location is sent as the spec says it; the
// returned body shares no pointers with spec.
func DesiredImage(spec *v1alpha1.GalleryImageSpec) armcompute.GalleryImage {
	p := &spec.Properties
	props := &armcompute.GalleryImageProperties{
		Description:         azure.OptionalString(p.Description),
		Eula:                azure.OptionalString(p.Eula),
		PrivacyStatementURI: azure.OptionalString(p.PrivacyStatementURI),
		ReleaseNoteURI:      azure.OptionalString(p.ReleaseNoteURI),
		OSType:              azure.OptionalEnum[armcompute.OperatingSystemTypes](string(p.OSType)),
		OSState:             azure.OptionalEnum[armcompute.OperatingSystemStateTypes](string(p.OSState)),
		HyperVGeneration:    azure.OptionalEnum[armcompute.HyperVGeneration](string(p.HyperVGeneration)),
		Architecture:        azure.OptionalEnum[armcompute.Architecture](string(p.Architecture)),
		Identifier: &armcompute.GalleryImageIdentifier{
			Publisher: azure.OptionalString(p.Identifier.Publisher),
			Offer:     azure.OptionalString(p.Identifier.Offer),
			SKU:       azure.OptionalString(p.Identifier.SKU),
		},
		Recommended:      desiredRecommended(p.Recommended),
		Disallowed:       desiredDisallowed(p.Disallowed),
		PurchasePlan:     desiredPurchasePlan(p.PurchasePlan),
		Features:         desiredFeatures(p.Features),
		AllowUpdateImage: azure.ClonePtr(p.AllowUpdateImage),
	}
	if p.EndOfLifeDate != nil {
		t := p.EndOfLifeDate.UTC()
		props.EndOfLifeDate = &t
	}
	return armcompute.GalleryImage{
		Location:   azure.OptionalString(spec.Location),
		Tags:       azure.DesiredTags(spec.Tags),
		Properties: props,
	}
}

// desiredRecommended converts the recommended VM size range.
func desiredRecommended(r *v1alpha1.RecommendedMachineConfiguration) *armcompute.RecommendedMachineConfiguration {
	if r == nil {
		return nil
	}
	return &armcompute.RecommendedMachineConfiguration{VCPUs: desiredRange(r.VCPUs), Memory: desiredRange(r.Memory)}
}

// desiredRange converts one resource range.
func desiredRange(r *v1alpha1.ResourceRange) *armcompute.ResourceRange {
	if r == nil {
		return nil
	}
	return &armcompute.ResourceRange{Min: azure.ClonePtr(r.Min), Max: azure.ClonePtr(r.Max)}
}

// desiredDisallowed converts the disallowed disk types.
func desiredDisallowed(d *v1alpha1.Disallowed) *armcompute.Disallowed {
	if d == nil {
		return nil
	}
	out := &armcompute.Disallowed{}
	for _, t := range d.DiskTypes {
		out.DiskTypes = append(out.DiskTypes, &t)
	}
	return out
}

// desiredPurchasePlan converts the Marketplace purchase plan.
func desiredPurchasePlan(p *v1alpha1.ImagePurchasePlan) *armcompute.ImagePurchasePlan {
	if p == nil {
		return nil
	}
	return &armcompute.ImagePurchasePlan{
		Name:      azure.OptionalString(p.Name),
		Publisher: azure.OptionalString(p.Publisher),
		Product:   azure.OptionalString(p.Product),
	}
}

// desiredFeatures converts the image features, keeping their order.
func desiredFeatures(fs []v1alpha1.GalleryImageFeature) []*armcompute.GalleryImageFeature {
	if len(fs) == 0 {
		return nil
	}
	out := make([]*armcompute.GalleryImageFeature, 0, len(fs))
	for _, f := range fs {
		out = append(out, &armcompute.GalleryImageFeature{
			Name:            azure.OptionalString(f.Name),
			Value:           azure.OptionalString(f.Value),
			StartsAtVersion: azure.OptionalString(f.StartsAtVersion),
		})
	}
	return out
}

// Parameters returns the body to PUT, or nil when existing already matches desired and no write
// is needed. existing == nil (image missing) always returns &desired.
func Parameters(desired armcompute.GalleryImage, existing *armcompute.GalleryImage) *armcompute.GalleryImage {
	if existing != nil && len(Diff(desired, existing)) == 0 {
		return nil
	}
	return &desired
}

// Diff returns human-readable names of the properties that differ (e.g. "properties.description",
// "tags"), empty when none. Parameters uses it and the reconciler uses it for events.
//
// Both sides are normalised first (see normalize). Updatable properties (tags, description,
// releaseNoteUri, endOfLifeDate, recommended, disallowed, features) differ whenever their
// normalised values do, so a value set only in Azure is drift a PUT removes. Immutable properties
// (location, eula, privacyStatementUri, osType, osState, hyperVGeneration, architecture,
// identifier, purchasePlan) differ only when desired sets them: a PUT could not change them anyway.
// Read-only fields and the allowUpdateImage request flag are ignored. A nil existing is compared
// as an empty image, so every property desired sets to other than Azure's default is listed.
func Diff(desired armcompute.GalleryImage, existing *armcompute.GalleryImage) []string {
	if existing == nil {
		existing = &armcompute.GalleryImage{}
	}
	d, e := normalize(&desired), normalize(existing)
	dp := propsOf(&desired)
	var out []string
	add := func(name string, differs bool) {
		if differs {
			out = append(out, name)
		}
	}
	add("location", desired.Location != nil && d.Location != e.Location)
	add("tags", !maps.Equal(d.Tags, e.Tags))
	add("properties.description", d.Description != e.Description)
	add("properties.eula", d.Eula != "" && d.Eula != e.Eula)
	add("properties.privacyStatementUri", d.PrivacyStatementURI != "" && d.PrivacyStatementURI != e.PrivacyStatementURI)
	add("properties.releaseNoteUri", d.ReleaseNoteURI != e.ReleaseNoteURI)
	add("properties.osType", dp.OSType != nil && d.OSType != e.OSType)
	add("properties.osState", dp.OSState != nil && d.OSState != e.OSState)
	add("properties.hyperVGeneration", dp.HyperVGeneration != nil && d.HyperVGeneration != e.HyperVGeneration)
	add("properties.architecture", dp.Architecture != nil && d.Architecture != e.Architecture)
	add("properties.endOfLifeDate", !sameInstant(dp.EndOfLifeDate, propsOf(existing).EndOfLifeDate))
	add("properties.identifier", d.Identifier != nil && !reflect.DeepEqual(d.Identifier, e.Identifier))
	add("properties.recommended", !reflect.DeepEqual(d.Recommended, e.Recommended))
	add("properties.disallowed", !slices.Equal(d.DiskTypes, e.DiskTypes))
	add("properties.purchasePlan", d.PurchasePlan != nil && !reflect.DeepEqual(d.PurchasePlan, e.PurchasePlan))
	add("properties.features", !slices.Equal(d.Features, e.Features))
	return out
}

// sameInstant reports whether two optional times are both unset or the same instant.
func sameInstant(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// SpecHash returns a stable short hex hash (sha256, first 16 hex chars) of the normalised desired
// body, used to tell whether the body Azure last accepted is still the one wanted. Bodies Diff
// considers equal in both directions hash alike: it ignores ordering of features, tags and disk
// types, the allowUpdateImage flag, the spelling of the location, identifier, tag-name and enum
// case, and the difference between an unset hyperVGeneration/architecture and Azure's default.
func SpecHash(desired armcompute.GalleryImage) string {
	return azure.HashOf(normalize(&desired))
}

// normalImage is a GalleryImage with everything Azure normalises already normalised, holding only
// what the user controls. Its JSON form is what SpecHash hashes, so fields are never reordered.
type normalImage struct {
	Location            string            `json:"location"`
	Tags                map[string]string `json:"tags"`
	Description         string            `json:"description"`
	Eula                string            `json:"eula"`
	PrivacyStatementURI string            `json:"privacyStatementUri"`
	ReleaseNoteURI      string            `json:"releaseNoteUri"`
	OSType              string            `json:"osType"`
	OSState             string            `json:"osState"`
	HyperVGeneration    string            `json:"hyperVGeneration"`
	Architecture        string            `json:"architecture"`
	EndOfLifeDate       string            `json:"endOfLifeDate"`
	Identifier          *normalIdentifier `json:"identifier"`
	Recommended         *normalRecommend  `json:"recommended"`
	DiskTypes           []string          `json:"diskTypes"`
	PurchasePlan        *normalPlan       `json:"purchasePlan"`
	Features            []normalFeature   `json:"features"`
}

// normalIdentifier is the publisher/offer/sku triple, lower-cased (Azure matches it ignoring case).
type normalIdentifier struct {
	Publisher string `json:"publisher"`
	Offer     string `json:"offer"`
	SKU       string `json:"sku"`
}

// normalRecommend is the recommended configuration; ranges with no bound are nil.
type normalRecommend struct {
	VCPUs  *normalRange `json:"vCPUs"`
	Memory *normalRange `json:"memory"`
}

// normalRange is one resource range.
type normalRange struct {
	Min *int32 `json:"min"`
	Max *int32 `json:"max"`
}

// normalPlan is a purchase plan; nil when all fields are empty.
type normalPlan struct {
	Name      string `json:"name"`
	Publisher string `json:"publisher"`
	Product   string `json:"product"`
}

// normalFeature is one feature; Name is lower-cased, features are sorted by it.
type normalFeature struct {
	Name            string `json:"name"`
	Value           string `json:"value"`
	StartsAtVersion string `json:"startsAtVersion"`
}

// normalize returns the user-controlled part of img with Azure's normalisations applied:
// canonical location; tags as a map with lower-cased keys (Azure tag names are
// case-insensitive), nil == empty; empty strings == nil; hyperVGeneration (V1 when unset) and
// architecture (x64 when unset) lower-cased, as Azure matches enums ignoring case; endOfLifeDate
// in UTC; identifier lower-cased; recommended with empty ranges dropped; disk types as a sorted
// set; purchase plan nil when empty; features sorted by lower-cased name.
func normalize(img *armcompute.GalleryImage) normalImage {
	p := propsOf(img)
	n := normalImage{
		Location:            azure.CanonicalLocation(azure.StrOf(img.Location)),
		Tags:                azure.NormalTags(img.Tags),
		Description:         azure.StrOf(p.Description),
		Eula:                azure.StrOf(p.Eula),
		PrivacyStatementURI: azure.StrOf(p.PrivacyStatementURI),
		ReleaseNoteURI:      azure.StrOf(p.ReleaseNoteURI),
		OSType:              azure.StrOf(p.OSType),
		OSState:             azure.StrOf(p.OSState),
		HyperVGeneration:    strings.ToLower(azure.StrOrDefault(p.HyperVGeneration, defaultHyperVGeneration)),
		Architecture:        strings.ToLower(azure.StrOrDefault(p.Architecture, defaultArchitecture)),
		Identifier:          normalID(p.Identifier),
		Recommended:         normalRecommended(p.Recommended),
		PurchasePlan:        normalPurchasePlan(p.PurchasePlan),
		Features:            normalFeatures(p.Features),
	}
	if p.EndOfLifeDate != nil {
		n.EndOfLifeDate = p.EndOfLifeDate.UTC().Format(time.RFC3339Nano)
	}
	if p.Disallowed != nil {
		n.DiskTypes = azure.NormalSet(p.Disallowed.DiskTypes)
	}
	return n
}

// propsOf returns img's properties, or empty properties when it has none.
func propsOf(img *armcompute.GalleryImage) *armcompute.GalleryImageProperties {
	if img.Properties == nil {
		return &armcompute.GalleryImageProperties{}
	}
	return img.Properties
}

// normalID lower-cases the identifier; nil when there is none.
func normalID(id *armcompute.GalleryImageIdentifier) *normalIdentifier {
	if id == nil || (id.Publisher == nil && id.Offer == nil && id.SKU == nil) {
		return nil
	}
	return &normalIdentifier{
		Publisher: strings.ToLower(azure.StrOf(id.Publisher)),
		Offer:     strings.ToLower(azure.StrOf(id.Offer)),
		SKU:       strings.ToLower(azure.StrOf(id.SKU)),
	}
}

// normalRecommended drops ranges without bounds; nil when nothing is left.
func normalRecommended(r *armcompute.RecommendedMachineConfiguration) *normalRecommend {
	if r == nil {
		return nil
	}
	n := normalRecommend{VCPUs: normalResourceRange(r.VCPUs), Memory: normalResourceRange(r.Memory)}
	if n.VCPUs == nil && n.Memory == nil {
		return nil
	}
	return &n
}

// normalResourceRange returns nil for a range without bounds.
func normalResourceRange(r *armcompute.ResourceRange) *normalRange {
	if r == nil || (r.Min == nil && r.Max == nil) {
		return nil
	}
	return &normalRange{Min: r.Min, Max: r.Max}
}

// normalPurchasePlan returns nil for a plan whose fields are all empty.
func normalPurchasePlan(p *armcompute.ImagePurchasePlan) *normalPlan {
	if p == nil {
		return nil
	}
	n := normalPlan{Name: azure.StrOf(p.Name), Publisher: azure.StrOf(p.Publisher), Product: azure.StrOf(p.Product)}
	if n == (normalPlan{}) {
		return nil
	}
	return &n
}

// normalFeatures returns the features as a set keyed by lower-cased name, sorted by it. Features
// without a name are dropped; of features sharing a name the first wins.
func normalFeatures(fs []*armcompute.GalleryImageFeature) []normalFeature {
	var out []normalFeature
	seen := map[string]bool{}
	for _, f := range fs {
		if f == nil || azure.StrOf(f.Name) == "" {
			continue
		}
		name := strings.ToLower(azure.StrOf(f.Name))
		if seen[name] {
			continue
		}
		seen[name] = true
		out = append(out, normalFeature{Name: name, Value: azure.StrOf(f.Value), StartsAtVersion: azure.StrOf(f.StartsAtVersion)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
