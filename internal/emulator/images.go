package emulator

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
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

// render returns the response form: defaults applied, provisioningState
// set, request-only allowUpdateImage dropped.
func (p *imageProperties) render(state string) imageProperties {
	out := *p
	out.ProvisioningState = state
	out.AllowUpdateImage = nil
	if out.Disallowed != nil && len(out.Disallowed.DiskTypes) == 0 {
		out.Disallowed = nil // Azure drops an empty disallowed: {} (recorded by the az CLI)
	}
	return out
}

// imageNotFound is the 404 of a missing image definition: ARM's
// ResourceNotFound (Microsoft's Image Builder troubleshooting page quotes it
// for a missing gallery image version).
func imageNotFound(rt route) *apiError {
	return notFound("ResourceNotFound", "Microsoft.Compute/galleries/"+rt.gallery+"/images/"+rt.image, rt.rg)
}

// propPath is the message/target path of an image property.
func propPath(name string) string { return "galleryImage.properties." + name }

// propertyChange is the 409 for changing an immutable property.
func propertyChange(name string) *apiError {
	target := propPath(name)
	if name == "location" {
		target = "galleryImage.location"
	}
	return errf(http.StatusConflict, "PropertyChangeNotAllowed", "Changing property '%s' is not allowed.", target).
		withTarget(target)
}

// missingProp is the 400 for a missing required property.
func missingProp(name string) *apiError {
	return errf(http.StatusBadRequest, "InvalidParameter", "Required parameter '%s' is missing (null).", propPath(name)).
		withTarget(propPath(name))
}

// invalidProp is the 400 for an invalid property value.
func invalidProp(name, value string, allowed ...string) *apiError {
	msg := "The value '" + value + "' of parameter '" + propPath(name) + "' is invalid."
	if len(allowed) > 0 {
		msg += " Allowed values are: " + strings.Join(allowed, ", ") + "."
	}
	return errf(http.StatusBadRequest, "InvalidParameter", "%s", msg).withTarget(propPath(name))
}

// canonicalEnum matches v case-insensitively against allowed.
func canonicalEnum(v string, allowed []string) (string, bool) {
	for _, a := range allowed {
		if strings.EqualFold(a, v) {
			return a, true
		}
	}
	return v, false
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
				return missingProp(e.name)
			}
			*e.v = e.def
			continue
		}
		c, ok := canonicalEnum(*e.v, e.allowed)
		if !ok {
			return invalidProp(e.name, *e.v, e.allowed...)
		}
		*e.v = c
	}
	if p.Identifier == nil {
		return missingProp("identifier")
	}
	for _, f := range []struct {
		name string
		v    string
		max  int
	}{{"publisher", p.Identifier.Publisher, 128}, {"offer", p.Identifier.Offer, 64}, {"sku", p.Identifier.Sku, 64}} {
		if f.v == "" {
			return missingProp("identifier." + f.name)
		}
		if !identifierOK(f.v, f.max) {
			return invalidProp("identifier."+f.name, f.v)
		}
	}
	if p.EndOfLifeDate != "" {
		t, err := parseDate(p.EndOfLifeDate)
		if err != nil {
			return invalidProp("endOfLifeDate", p.EndOfLifeDate)
		}
		p.EndOfLifeDate = t.UTC().Format(time.RFC3339)
	}
	if r := p.Recommended; r != nil {
		for name, rr := range map[string]*resourceRange{"recommended.vCPUs": r.VCPUs, "recommended.memory": r.Memory} {
			if rr != nil && rr.Min != nil && rr.Max != nil && *rr.Min > *rr.Max {
				return errf(http.StatusBadRequest, "InvalidParameter",
					"The minimum value of '%s' must not be greater than its maximum value.", propPath(name)).withTarget(propPath(name))
			}
		}
	}
	for i, f := range p.Features {
		if f.Name == "" {
			return missingProp("features[" + strconv.Itoa(i) + "].name")
		}
	}
	return nil
}

// parseDate accepts RFC 3339 date-times and plain dates.
func parseDate(s string) (time.Time, error) {
	for _, f := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(f, s); err == nil {
			return t, nil
		}
	}
	return time.Parse(time.RFC3339, s)
}

// jsonEqual compares two values by their JSON encoding.
func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
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
			return propertyChange(c.name)
		}
	}
	if !jsonEqual(normalizedFeatures(old.Features), normalizedFeatures(upd.Features)) &&
		(upd.AllowUpdateImage == nil || !*upd.AllowUpdateImage) {
		e := propertyChange("features")
		e.Message += " Set 'galleryImage.properties.allowUpdateImage' to true to update the features of an existing gallery image."
		return e
	}
	return nil
}

// handleImage serves a gallery image definition.
func (s *Server) handleImage(ar *armRequest) {
	switch ar.r.Method {
	case http.MethodGet:
		s.mu.Lock()
		gal, e := s.galleryLocked(ar.rt, false)
		var m map[string]any
		if e == nil {
			if img := s.childLocked(gal, ar.rt.image); img != nil {
				m = s.renderLocked(img)
			} else {
				e = imageNotFound(ar.rt)
			}
		}
		s.mu.Unlock()
		if e != nil {
			writeError(ar.w, e)
			return
		}
		writeJSON(ar.w, http.StatusOK, m)
	case http.MethodPut, http.MethodPatch:
		s.putImage(ar)
	case http.MethodDelete:
		s.deleteChild(ar, func() (*node, *apiError) { return s.galleryLocked(ar.rt, true) }, ar.rt.image)
	default:
		methodNotAllowed(ar)
	}
}

// imageRequest is a decoded image PUT or PATCH body.
type imageRequest struct {
	location string
	tags     map[string]string
	hasTags  bool
	props    map[string]any // raw properties
}

// decodeImageRequest parses an image request body.
func decodeImageRequest(b []byte) (*imageRequest, *apiError) {
	var raw map[string]json.RawMessage
	if e := decodeJSON(b, &raw); e != nil {
		return nil, e
	}
	req := &imageRequest{}
	if v, ok := raw["location"]; ok {
		if err := json.Unmarshal(v, &req.location); err != nil {
			return nil, decodeJSON(v, &req.location)
		}
	}
	if v, ok := raw["tags"]; ok && string(v) != "null" {
		req.hasTags = true
		if e := decodeJSON(v, &req.tags); e != nil {
			return nil, e
		}
	}
	if v, ok := raw["properties"]; ok && string(v) != "null" {
		if e := decodeJSON(v, &req.props); e != nil {
			return nil, e
		}
	}
	return req, nil
}

// toImageProperties converts a JSON map to imageProperties.
func toImageProperties(m map[string]any) (*imageProperties, *apiError) {
	b, _ := json.Marshal(m)
	var p imageProperties
	if e := decodeJSON(b, &p); e != nil {
		return nil, e
	}
	return &p, nil
}

// putImage creates, replaces (PUT) or merges (PATCH) a gallery image and
// starts its long-running operation.
func (s *Server) putImage(ar *armRequest) {
	patch := ar.r.Method == http.MethodPatch
	b, e := readBody(ar.r)
	var req *imageRequest
	if e == nil {
		req, e = decodeImageRequest(b)
	}
	if e == nil {
		e = validateTags(req.tags)
	}
	if e == nil && !nameRule(ar.rt.image, "-._") {
		e = invalidName("galleryImageName", `^[^_\W][\w-._]{0,79}(?<![-.])$`)
	}
	var loc string
	if e == nil && !patch {
		loc, e = checkLocation(req.location, "Microsoft.Compute/galleries/images")
	}
	var props *imageProperties
	if e == nil && !patch {
		if req.props == nil {
			e = errf(http.StatusBadRequest, "InvalidParameter", "Required parameter 'galleryImage.properties' is missing (null).").
				withTarget("galleryImage.properties")
		} else if props, e = toImageProperties(req.props); e == nil {
			e = validateImage(props)
		}
	}
	if e != nil {
		writeError(ar.w, e)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	gal, e := s.galleryLocked(ar.rt, true)
	if e != nil {
		writeError(ar.w, e)
		return
	}
	img := s.childLocked(gal, ar.rt.image)
	if patch {
		if img == nil {
			writeError(ar.w, imageNotFound(ar.rt))
			return
		}
		loc = img.location
		cur, _ := json.Marshal(img.image)
		var m map[string]any
		_ = json.Unmarshal(cur, &m)
		if props, e = toImageProperties(mergePatch(m, req.props)); e == nil {
			e = validateImage(props)
		}
		if e != nil {
			writeError(ar.w, e)
			return
		}
	}
	if e := s.checkImageWriteLocked(ar, gal, img, props, loc); e != nil {
		writeError(ar.w, e)
		return
	}
	status := http.StatusOK
	if img == nil {
		img = newNode(kindImage, ar.rt.image, gal)
		img.location = loc
		img.attach()
		img.state, status = "Creating", http.StatusCreated
	} else {
		img.state = "Updating"
	}
	props.AllowUpdateImage, props.ProvisioningState = nil, ""
	img.image = props
	if !patch || req.hasTags {
		img.tags = req.tags
	}
	op := s.startOpLocked(ar, img, false)
	s.setAsyncHeaderLocked(ar, op)
	writeJSON(ar.w, status, s.renderLocked(img))
}

// checkImageWriteLocked applies the state-dependent rules of an image
// write: running operation, immutable properties, feature updates,
// end-of-life date, identifier uniqueness and quota.
func (s *Server) checkImageWriteLocked(ar *armRequest, gal, img *node, props *imageProperties, loc string) *apiError {
	if img != nil {
		if s.busyLocked(img) {
			return conflictBusy(img, ar.r.Method)
		}
		if img.location != loc {
			return propertyChange("location")
		}
		if e := immutableChange(img.image, props); e != nil {
			return e
		}
	}
	if props.EndOfLifeDate != "" && (img == nil || img.image.EndOfLifeDate != props.EndOfLifeDate) {
		if t, _ := parseDate(props.EndOfLifeDate); !t.After(time.Now()) {
			return errf(http.StatusBadRequest, "InvalidParameter",
				"The end of life date '%s' of gallery image '%s' must be in the future.", props.EndOfLifeDate, ar.rt.image).
				withTarget(propPath("endOfLifeDate"))
		}
	}
	for _, other := range gal.children {
		if other == img {
			continue
		}
		id := other.image.Identifier
		if strings.EqualFold(id.Publisher, props.Identifier.Publisher) && strings.EqualFold(id.Offer, props.Identifier.Offer) &&
			strings.EqualFold(id.Sku, props.Identifier.Sku) {
			return errf(http.StatusConflict, "Conflict",
				"Gallery image '%s' in gallery '%s' already has the identifier (publisher: '%s', offer: '%s', sku: '%s'). "+
					"The publisher, offer and sku of a gallery image definition must be unique within its gallery.",
				other.name, gal.name, id.Publisher, id.Offer, id.Sku).withTarget(propPath("identifier"))
		}
	}
	if img == nil {
		if used, limit := s.imageCountLocked(ar.rt.sub, loc), s.settings.ImageQuota; used >= limit {
			return errf(http.StatusConflict, "QuotaExceeded",
				"Operation could not be completed as it results in exceeding approved Gallery Image Definitions quota. "+
					"Additional details - Location: %s, Current Limit: %d, Current Usage: %d, Additional Required: 1, "+
					"(Minimum) New Limit Required: %d.", loc, limit, used, used+1)
		}
	}
	return nil
}

// imageCountLocked counts the image definitions of a subscription in a
// region.
func (s *Server) imageCountLocked(sub, loc string) int {
	n := 0
	for _, g := range s.rootLocked(sub).children {
		for _, gal := range g.children {
			for _, img := range gal.children {
				if img.location == loc {
					n++
				}
			}
		}
	}
	return n
}

// handleImageList lists a gallery's images, PageSize at a time, with
// nextLink carrying a $skiptoken.
func (s *Server) handleImageList(ar *armRequest) {
	if ar.r.Method != http.MethodGet {
		methodNotAllowed(ar)
		return
	}
	s.writePagedChildren(ar, func() (*node, *apiError) { return s.galleryLocked(ar.rt, false) }, kindImage)
}

// writePagedChildren answers a collection GET with the children of kind
// kind of the parent parentLocked returns (called with s.mu held).
func (s *Server) writePagedChildren(ar *armRequest, parentLocked func() (*node, *apiError), kind routeKind) {
	s.writePaged(ar, func() ([]*node, *apiError) {
		parent, e := parentLocked()
		if e != nil {
			return nil, e
		}
		var out []*node
		for _, c := range sortedChildren(parent) {
			if c.kind == kind && s.childLocked(parent, c.key()) != nil {
				out = append(out, c)
			}
		}
		return out, nil
	})
}

// writePaged answers a collection GET with the nodes collectLocked returns
// (called with s.mu held), sorted by id, PageSize at a time, with a nextLink
// carrying a $skiptoken.
func (s *Server) writePaged(ar *armRequest, collectLocked func() ([]*node, *apiError)) {
	after := ""
	if tok := ar.r.URL.Query().Get("$skiptoken"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil {
			writeError(ar.w, errf(http.StatusBadRequest, "InvalidParameter", "The $skiptoken '%s' is invalid.", tok).
				withTarget("$skiptoken"))
			return
		}
		after = string(b)
	}
	s.mu.Lock()
	nodes, e := collectLocked()
	slices.SortFunc(nodes, func(a, b *node) int { return strings.Compare(strings.ToLower(a.id()), strings.ToLower(b.id())) })
	out := []any{}
	next := ""
	if e == nil {
		size := s.settings.PageSize
		last := ""
		for _, n := range nodes {
			key := strings.ToLower(n.id())
			if key <= after {
				continue
			}
			if len(out) == size {
				next = last
				break
			}
			out = append(out, s.renderLocked(n))
			last = key
		}
	}
	s.mu.Unlock()
	if e != nil {
		writeError(ar.w, e)
		return
	}
	body := map[string]any{"value": out}
	if next != "" {
		q := url.Values{"api-version": {ar.apiVersion}, "$skiptoken": {base64.RawURLEncoding.EncodeToString([]byte(next))}}
		body["nextLink"] = ar.base + ar.r.URL.Path + "?" + q.Encode()
	}
	writeJSON(ar.w, http.StatusOK, body)
}
