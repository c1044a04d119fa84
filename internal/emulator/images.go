package emulator

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// imageIdentifier is GalleryImageIdentifier.
type imageIdentifier struct {
	Publisher string `json:"publisher"`
	Offer     string `json:"offer"`
	Sku       string `json:"sku"`
}

// resourceRange is ResourceRange.
type resourceRange struct {
	Min *int32 `json:"min,omitempty"`
	Max *int32 `json:"max,omitempty"`
}

// recommendedConfig is RecommendedMachineConfiguration.
type recommendedConfig struct {
	VCPUs  *resourceRange `json:"vCPUs,omitempty"`
	Memory *resourceRange `json:"memory,omitempty"`
}

// disallowedConfig is Disallowed.
type disallowedConfig struct {
	DiskTypes []string `json:"diskTypes,omitempty"`
}

// purchasePlan is ImagePurchasePlan.
type purchasePlan struct {
	Name      string `json:"name,omitempty"`
	Publisher string `json:"publisher,omitempty"`
	Product   string `json:"product,omitempty"`
}

// imageFeature is GalleryImageFeature.
type imageFeature struct {
	Name            string `json:"name,omitempty"`
	Value           string `json:"value,omitempty"`
	StartsAtVersion string `json:"startsAtVersion,omitempty"`
}

// imageType is Microsoft.Compute/galleries/images, a gallery image definition.
var imageType = &resourceType{
	namespace: computeNamespace, name: "galleries/images", segment: "images", parent: galleryType,
	label: "gallery image", body: "galleryImage", noun: "GalleryImage", apiVersions: computeAPIVersions,
	checkName: ruleName("galleryImageName", "-._", `^[^_\W][\w-._]{0,79}(?<![-.])$`),
	paged:     true, ops: imageOps{},
}

// imageProperties is GalleryImageProperties (api-version 2024-03-03).
// Unknown request properties are dropped, as ARM does.
type imageProperties struct {
	Description         string             `json:"description,omitempty"`
	Eula                string             `json:"eula,omitempty"`
	PrivacyStatementURI string             `json:"privacyStatementUri,omitempty"`
	ReleaseNoteURI      string             `json:"releaseNoteUri,omitempty"`
	OSType              string             `json:"osType,omitempty"`
	OSState             string             `json:"osState,omitempty"`
	HyperVGeneration    string             `json:"hyperVGeneration,omitempty"`
	EndOfLifeDate       string             `json:"endOfLifeDate,omitempty"`
	Identifier          *imageIdentifier   `json:"identifier,omitempty"`
	Recommended         *recommendedConfig `json:"recommended,omitempty"`
	Disallowed          *disallowedConfig  `json:"disallowed,omitempty"`
	PurchasePlan        *purchasePlan      `json:"purchasePlan,omitempty"`
	ProvisioningState   string             `json:"provisioningState,omitempty"`
	Features            []imageFeature     `json:"features,omitempty"`
	Architecture        string             `json:"architecture,omitempty"`
	AllowUpdateImage    *bool              `json:"allowUpdateImage,omitempty"`
}

// properties implements resourceData: defaults applied, provisioningState set, request-only
// allowUpdateImage dropped.
func (p *imageProperties) properties(_ *Server, n *node, _ url.Values) map[string]any {
	out := *p
	out.ProvisioningState = n.state
	out.AllowUpdateImage = nil
	if out.Disallowed != nil && len(out.Disallowed.DiskTypes) == 0 {
		out.Disallowed = nil // Azure drops an empty disallowed: {} (recorded by the az CLI)
	}
	return toMap(out)
}

// identifierOK checks an identifier part: 1-max chars of letters, digits,
// hyphens, underscores and periods.
func identifierOK(v string, max int) bool {
	if v == "" || len(v) > max {
		return false
	}
	for _, c := range v {
		ok := c < 128 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_.", c))
		if !ok {
			return false
		}
	}
	return true
}

// validateImage checks required properties and enums and normalizes p
// (canonical enum casing, defaults for hyperVGeneration and architecture,
// RFC 3339 endOfLifeDate).
func validateImage(p *imageProperties) *apiError {
	enums := []struct {
		name     string
		v        *string
		allowed  []string
		required bool
		def      string
	}{
		{"osType", &p.OSType, []string{"Windows", "Linux"}, true, ""},
		{"osState", &p.OSState, []string{"Generalized", "Specialized"}, true, ""},
		{"hyperVGeneration", &p.HyperVGeneration, []string{"V1", "V2"}, false, "V1"},
		{"architecture", &p.Architecture, []string{"x64", "Arm64"}, false, "x64"},
	}
	for _, e := range enums {
		if *e.v == "" {
			if e.required {
				return missingProp(imageType, e.name)
			}
			*e.v = e.def
			continue
		}
		if err := enumProp(imageType, e.name, e.v, e.allowed); err != nil {
			return err
		}
	}
	if p.Identifier == nil {
		return missingProp(imageType, "identifier")
	}
	for _, f := range []struct {
		name string
		v    string
		max  int
	}{{"publisher", p.Identifier.Publisher, 128}, {"offer", p.Identifier.Offer, 64}, {"sku", p.Identifier.Sku, 64}} {
		if f.v == "" {
			return missingProp(imageType, "identifier."+f.name)
		}
		if !identifierOK(f.v, f.max) {
			return invalidProp(imageType, "identifier."+f.name, "The value '%s' of parameter '%s' is invalid.", f.v,
				propPath(imageType, "identifier."+f.name))
		}
	}
	if r := p.Recommended; r != nil {
		for name, rr := range map[string]*resourceRange{"recommended.vCPUs": r.VCPUs, "recommended.memory": r.Memory} {
			if rr != nil && rr.Min != nil && rr.Max != nil && *rr.Min > *rr.Max {
				return invalidProp(imageType, name, "The minimum value of '%s' must not be greater than its maximum value.",
					propPath(imageType, name))
			}
		}
	}
	for i, f := range p.Features {
		if f.Name == "" {
			return missingProp(imageType, "features["+strconv.Itoa(i)+"].name")
		}
	}
	return nil
}

// normalizedFeatures returns features sorted by lowercase name.
func normalizedFeatures(fs []imageFeature) []imageFeature {
	out := slices.Clone(fs)
	slices.SortFunc(out, func(a, b imageFeature) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return out
}

// immutableChange returns the 409 for the first immutable property that
// differs between old and upd, or for a features change without
// allowUpdateImage.
func immutableChange(old, upd *imageProperties) *apiError {
	checks := []struct {
		name string
		same bool
	}{
		{"osType", old.OSType == upd.OSType},
		{"osState", old.OSState == upd.OSState},
		{"hyperVGeneration", old.HyperVGeneration == upd.HyperVGeneration},
		{"identifier", strings.EqualFold(old.Identifier.Publisher, upd.Identifier.Publisher) &&
			strings.EqualFold(old.Identifier.Offer, upd.Identifier.Offer) &&
			strings.EqualFold(old.Identifier.Sku, upd.Identifier.Sku)},
		{"architecture", old.Architecture == upd.Architecture},
		{"eula", old.Eula == upd.Eula},
		{"privacyStatementUri", old.PrivacyStatementURI == upd.PrivacyStatementURI},
		{"purchasePlan", jsonEqual(old.PurchasePlan, upd.PurchasePlan)},
	}
	for _, c := range checks {
		if !c.same {
			return propertyChange(imageType, c.name)
		}
	}
	if !jsonEqual(normalizedFeatures(old.Features), normalizedFeatures(upd.Features)) &&
		(upd.AllowUpdateImage == nil || !*upd.AllowUpdateImage) {
		e := propertyChange(imageType, "features")
		e.Message += " Set 'galleryImage.properties.allowUpdateImage' to true to update the features of an existing gallery image."
		return e
	}
	return nil
}

// imageOps are the write rules of an image definition.
type imageOps struct{}

// checkRequest implements typeOps: a PUT needs valid properties.
func (imageOps) checkRequest(w *write) *apiError {
	if w.patch {
		return nil
	}
	if w.req.props == nil {
		return errf(http.StatusBadRequest, "InvalidParameter", "Required parameter 'galleryImage.properties' is missing (null).").
			withTarget("galleryImage.properties")
	}
	_, e := toImageProperties(w.merged(nil))
	return e
}

// toImageProperties converts a JSON map to validated imageProperties.
func toImageProperties(m map[string]any) (*imageProperties, *apiError) {
	var p imageProperties
	if e := convert(m, &p); e != nil {
		return nil, e
	}
	if e := validateImage(&p); e != nil {
		return nil, e
	}
	return &p, nil
}

// apply implements typeOps: immutable properties, feature updates, the end-of-life date,
// identifier uniqueness within the gallery and the quota.
func (imageOps) apply(s *Server, w *write) (resourceData, *apiError) {
	var current any
	var old *imageProperties
	if w.cur != nil {
		old = w.cur.data.(*imageProperties)
		current = old
	}
	props, e := toImageProperties(w.merged(current))
	if e != nil {
		return nil, e
	}
	oldEOL := ""
	if old != nil {
		if e := immutableChange(old, props); e != nil {
			return nil, e
		}
		oldEOL = old.EndOfLifeDate
	}
	label := imageType.label + " '" + w.name + "'"
	if e := endOfLife(imageType, "endOfLifeDate", &props.EndOfLifeDate, oldEOL, label); e != nil {
		return nil, e
	}
	if e := s.identifierUniqueLocked(w, props.Identifier); e != nil {
		return nil, e
	}
	if w.cur == nil {
		if used, limit := s.countLocked(w.ar.rt.sub, imageType, w.loc), s.settings.ImageQuota; used >= limit {
			return nil, quotaExceeded("Gallery Image Definitions", w.loc, limit, used)
		}
	}
	props.AllowUpdateImage, props.ProvisioningState = nil, ""
	return props, nil
}

// identifierUniqueLocked refuses an identifier another image definition of the gallery has.
func (s *Server) identifierUniqueLocked(w *write, id *imageIdentifier) *apiError {
	for _, other := range s.liveChildrenLocked(w.parent, imageType) {
		oid := other.data.(*imageProperties).Identifier
		if other == w.cur || !strings.EqualFold(oid.Publisher, id.Publisher) || !strings.EqualFold(oid.Offer, id.Offer) ||
			!strings.EqualFold(oid.Sku, id.Sku) {
			continue
		}
		return errf(http.StatusConflict, "Conflict",
			"Gallery image '%s' in gallery '%s' already has the identifier (publisher: '%s', offer: '%s', sku: '%s'). "+
				"The publisher, offer and sku of a gallery image definition must be unique within its gallery.",
			other.name, w.parent.name, oid.Publisher, oid.Offer, oid.Sku).withTarget(propPath(imageType, "identifier"))
	}
	return nil
}

// quotaExceeded is Compute's 409 for a resource beyond its regional quota.
func quotaExceeded(what, loc string, limit, used int) *apiError {
	return errf(http.StatusConflict, "QuotaExceeded",
		"Operation could not be completed as it results in exceeding approved %s quota. "+
			"Additional details - Location: %s, Current Limit: %d, Current Usage: %d, Additional Required: 1, "+
			"(Minimum) New Limit Required: %d.", what, loc, limit, used, used+1)
}
