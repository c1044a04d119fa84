package emulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// galleryType is Microsoft.Compute/galleries. An update succeeds at once (recorded by the Python
// SDK); images, versions and profiles say Updating.
var galleryType = &resourceType{
	namespace: computeNamespace, name: "galleries", segment: "galleries", parent: groupType,
	label: "gallery", body: "gallery", noun: "Gallery", apiVersions: computeAPIVersions,
	checkName: ruleName("galleryName", "._", `^[^_\W][\w._]{0,79}(?<![-.])$`),
	lro:       lroMode{updateDone: true}, paged: true, ops: galleryOps{},
	actions: map[string]resourceAction{"share": shareAction{}},
}

// sharingGroup is SharingProfileGroup.
type sharingGroup struct {
	Type string   `json:"type,omitempty"`
	IDs  []string `json:"ids,omitempty"`
}

// communityGalleryInfo is CommunityGalleryInfo; communityGalleryEnabled and
// publicNames are read-only.
type communityGalleryInfo struct {
	PublisherURI            string   `json:"publisherUri,omitempty"`
	PublisherContact        string   `json:"publisherContact,omitempty"`
	Eula                    string   `json:"eula,omitempty"`
	PublicNamePrefix        string   `json:"publicNamePrefix,omitempty"`
	CommunityGalleryEnabled *bool    `json:"communityGalleryEnabled,omitempty"`
	PublicNames             []string `json:"publicNames,omitempty"`
}

// sharingProfile is SharingProfile; groups is read-only (changed only by the
// share action).
type sharingProfile struct {
	Permissions          string                `json:"permissions,omitempty"`
	Groups               []sharingGroup        `json:"groups,omitempty"`
	CommunityGalleryInfo *communityGalleryInfo `json:"communityGalleryInfo,omitempty"`
}

// softDeletePolicy is SoftDeletePolicy.
type softDeletePolicy struct {
	IsSoftDeleteEnabled *bool `json:"isSoftDeleteEnabled,omitempty"`
}

// galleryProperties is the writable part of GalleryProperties.
type galleryProperties struct {
	Description      string            `json:"description,omitempty"`
	SharingProfile   *sharingProfile   `json:"sharingProfile,omitempty"`
	SoftDeletePolicy *softDeletePolicy `json:"softDeletePolicy,omitempty"`
}

// galleryData is a gallery's stored state.
type galleryData struct {
	props      galleryProperties // writable properties (sharingProfile.groups never set here)
	uniqueName string
	groups     []sharingGroup // set by the share action
	community  bool           // community sharing enabled (EnableCommunity)
}

// Enum values of the gallery API.
var (
	sharingPermissions = []string{"Private", "Groups", "Community"}
	sharingGroupTypes  = []string{"Subscriptions", "AADTenants"}
	sharingOperations  = []string{"Add", "Remove", "Reset", "EnableCommunity"}
)

// galleryParam is the message/target path of a gallery property.
func galleryParam(name string) string { return "gallery.properties." + name }

// validateGallery checks and normalizes gallery properties: the
// permissions enum, and communityGalleryInfo with its required fields when
// permissions is Community. Read-only groups are dropped.
func validateGallery(p *galleryProperties) *apiError {
	sp := p.SharingProfile
	if sp == nil {
		return nil
	}
	sp.Groups = nil
	if sp.Permissions != "" {
		c, ok := canonicalEnum(sp.Permissions, sharingPermissions)
		if !ok {
			name := galleryParam("sharingProfile.permissions")
			return errf(http.StatusBadRequest, "InvalidParameter",
				"The value '%s' of parameter '%s' is invalid. Allowed values are: %s.", sp.Permissions, name,
				strings.Join(sharingPermissions, ", ")).withTarget(name)
		}
		sp.Permissions = c
	}
	if ci := sp.CommunityGalleryInfo; ci != nil {
		ci.CommunityGalleryEnabled, ci.PublicNames = nil, nil
	}
	if sp.Permissions != "Community" {
		return nil
	}
	missing := func(name string) *apiError {
		name = galleryParam("sharingProfile.communityGalleryInfo" + name)
		return errf(http.StatusBadRequest, "InvalidParameter", "Required parameter '%s' is missing (null).", name).withTarget(name)
	}
	ci := sp.CommunityGalleryInfo
	if ci == nil {
		return missing("")
	}
	for _, f := range []struct{ name, v string }{
		{"publisherUri", ci.PublisherURI}, {"publisherContact", ci.PublisherContact},
		{"eula", ci.Eula}, {"publicNamePrefix", ci.PublicNamePrefix},
	} {
		if strings.TrimSpace(f.v) == "" {
			return missing("." + f.name)
		}
	}
	return nil
}

// permissions returns the gallery's sharing permission ("Private" when
// unset).
func (g *galleryData) permissions() string {
	if sp := g.props.SharingProfile; sp != nil && sp.Permissions != "" {
		return sp.Permissions
	}
	return "Private"
}

// properties implements resourceData: the gallery's properties as Azure returns them. Groups
// appear only with $expand=SharingProfile/Groups or $select=Permissions; sharingStatus only once
// community sharing is enabled (CommunityGallery_Get.json).
func (g *galleryData) properties(_ *Server, n *node, q url.Values) map[string]any {
	selectPerms := strings.EqualFold(q.Get("$select"), "Permissions")
	expandGroups := strings.EqualFold(q.Get("$expand"), "SharingProfile/Groups") || selectPerms
	m := toMap(g.props)
	m["identifier"] = map[string]any{"uniqueName": g.uniqueName}
	m["provisioningState"] = n.state
	if sp, ok := m["sharingProfile"].(map[string]any); ok {
		if expandGroups && len(g.groups) > 0 {
			var groups []any
			gb, _ := json.Marshal(g.groups)
			_ = json.Unmarshal(gb, &groups)
			sp["groups"] = groups
		}
		if ci, ok := sp["communityGalleryInfo"].(map[string]any); ok {
			// Azure answers with the public name from the start, enabled or not, and without the
			// prefix it was given (recorded by the az CLI; CommunityGallery_Get.json has no prefix).
			ci["communityGalleryEnabled"] = g.community
			ci["publicNames"] = []any{g.props.SharingProfile.CommunityGalleryInfo.PublicNamePrefix + "-" +
				deterministicGUID("public:"+g.uniqueName)}
			delete(ci, "publicNamePrefix")
		}
	} else if selectPerms {
		// $select=Permissions returns the whole gallery with its sharing profile, Private when none
		// was set (recorded by Azure PowerShell; the example Gallery_Get_WithSelectPermissions.json
		// is abbreviated to the profile).
		m["sharingProfile"] = map[string]any{"permissions": "Private"}
	}
	if g.community {
		m["sharingStatus"] = map[string]any{
			"aggregatedState": "Succeeded",
			"summary":         []any{map[string]any{"region": n.location, "state": "Succeeded", "details": ""}},
		}
	}
	return m
}

// deleteGuard refuses to delete a gallery that is still shared: 409 OperationNotAllowed "Gallery
// is still shared to 'Groups'. Please unshare the gallery first before deleting the gallery."
// (Azure's answer, recorded by Azure PowerShell as the detail of a blocked resource group
// deletion). A Reset share action unshares it.
func (g *galleryData) deleteGuard(*node) *apiError {
	if p := g.permissions(); p != "Private" {
		return errf(http.StatusConflict, "OperationNotAllowed",
			"Gallery is still shared to '%s'. Please unshare the gallery first before deleting the gallery.", p)
	}
	return nil
}

// toGalleryProperties converts a JSON map to galleryProperties (wrong JSON
// types, e.g. a softDeletePolicy that is not an object, give
// InvalidRequestContent) and validates it.
func toGalleryProperties(m map[string]any) (*galleryProperties, *apiError) {
	for _, ro := range []string{"provisioningState", "identifier", "sharingStatus"} {
		delete(m, ro)
	}
	var p galleryProperties
	if e := convert(m, &p); e != nil {
		return nil, e
	}
	if e := validateGallery(&p); e != nil {
		return nil, e
	}
	return &p, nil
}

// galleryOps are the write rules of a gallery.
type galleryOps struct{}

// checkRequest implements typeOps: a PUT's properties must be valid.
func (galleryOps) checkRequest(w *write) *apiError {
	if w.patch {
		return nil
	}
	_, e := toGalleryProperties(w.merged(nil))
	return e
}

// apply implements typeOps. A PUT without sharingProfile keeps the gallery's permissions
// (recorded by Azure PowerShell: the answer still says Groups).
func (galleryOps) apply(_ *Server, w *write) (resourceData, *apiError) {
	d := &galleryData{uniqueName: strings.ToLower(w.ar.rt.sub) + "-" + strings.ToUpper(w.name)}
	var current any
	if w.cur != nil {
		d = w.cur.data.(*galleryData).clone()
		current = d.props
	}
	props, e := toGalleryProperties(w.merged(current))
	if e != nil {
		return nil, e
	}
	if !w.patch && props.SharingProfile == nil && d.props.SharingProfile != nil {
		props.SharingProfile = d.props.SharingProfile
	}
	d.props = *props
	if d.permissions() != "Community" {
		d.community = false
	}
	return d, nil
}

// clone copies the gallery's state (groups are replaced, never modified in place).
func (g *galleryData) clone() *galleryData {
	c := *g
	c.groups = slices.Clone(g.groups)
	return &c
}

// handleSubscriptionGalleries lists the galleries of the subscription, PageSize at a time.
func (s *Server) handleSubscriptionGalleries(ar *armRequest) {
	if ar.r.Method != http.MethodGet {
		methodNotAllowed(ar)
		return
	}
	s.writePaged(ar, func() ([]*node, *apiError) {
		var out []*node
		root := s.rootLocked(ar.rt.sub)
		for _, g := range s.liveChildrenLocked(root, groupType) {
			out = append(out, s.liveChildrenLocked(g, galleryType)...)
		}
		return out, nil
	})
}

// sharingUpdate is the body of the share action (SharingUpdate).
type sharingUpdate struct {
	OperationType string         `json:"operationType"`
	Groups        []sharingGroup `json:"groups,omitempty"`
}

// validateSharingUpdate checks a SharingUpdate and canonicalizes its enums.
func validateSharingUpdate(u *sharingUpdate) *apiError {
	param := func(n string) string { return "sharingUpdate." + n }
	if u.OperationType == "" {
		return errf(http.StatusBadRequest, "InvalidParameter", "Required parameter '%s' is missing (null).",
			param("operationType")).withTarget(param("operationType"))
	}
	c, ok := canonicalEnum(u.OperationType, sharingOperations)
	if !ok {
		return errf(http.StatusBadRequest, "InvalidParameter",
			"The value '%s' of parameter '%s' is invalid. Allowed values are: %s.", u.OperationType,
			param("operationType"), strings.Join(sharingOperations, ", ")).withTarget(param("operationType"))
	}
	u.OperationType = c
	if (c == "Add" || c == "Remove") && len(u.Groups) == 0 {
		return errf(http.StatusBadRequest, "InvalidParameter", "Required parameter '%s' is missing (null).",
			param("groups")).withTarget(param("groups"))
	}
	for i := range u.Groups {
		g := &u.Groups[i]
		t, ok := canonicalEnum(g.Type, sharingGroupTypes)
		if !ok {
			name := param("groups.type")
			return errf(http.StatusBadRequest, "InvalidParameter",
				"The value '%s' of parameter '%s' is invalid. Allowed values are: %s.", g.Type, name,
				strings.Join(sharingGroupTypes, ", ")).withTarget(name)
		}
		g.Type = t
		if len(g.IDs) == 0 {
			return errf(http.StatusBadRequest, "InvalidParameter", "Required parameter '%s' is missing (null).",
				param("groups.ids")).withTarget(param("groups.ids"))
		}
		for _, id := range g.IDs {
			if !guidPattern.MatchString(id) {
				return errf(http.StatusBadRequest, "InvalidParameter",
					"The id '%s' in '%s' is not a valid %s id (a GUID).", id, param("groups.ids"),
					strings.TrimSuffix(t, "s")).withTarget(param("groups.ids"))
			}
		}
	}
	return nil
}

// applySharing applies a validated update to the gallery's groups.
func (g *galleryData) applySharing(u *sharingUpdate) {
	switch u.OperationType {
	case "Add":
		for _, add := range u.Groups {
			i := slices.IndexFunc(g.groups, func(x sharingGroup) bool { return x.Type == add.Type })
			if i < 0 {
				g.groups = append(g.groups, sharingGroup{Type: add.Type})
				i = len(g.groups) - 1
			}
			for _, id := range add.IDs {
				if !slices.ContainsFunc(g.groups[i].IDs, func(x string) bool { return strings.EqualFold(x, id) }) {
					g.groups[i].IDs = append(g.groups[i].IDs, id)
				}
			}
		}
	case "Remove":
		for _, rm := range u.Groups {
			i := slices.IndexFunc(g.groups, func(x sharingGroup) bool { return x.Type == rm.Type })
			if i < 0 {
				continue
			}
			g.groups[i].IDs = slices.DeleteFunc(g.groups[i].IDs, func(x string) bool {
				return slices.ContainsFunc(rm.IDs, func(y string) bool { return strings.EqualFold(x, y) })
			})
		}
		g.groups = slices.DeleteFunc(g.groups, func(x sharingGroup) bool { return len(x.IDs) == 0 })
	case "Reset":
		// Private, without community gallery info (recorded by the az CLI).
		g.groups, g.community = nil, false
		g.props.SharingProfile = &sharingProfile{Permissions: "Private"}
	case "EnableCommunity":
		g.community = true
	}
}

// shareAction is the gallery's share action.
type shareAction struct{}

// noun implements resourceAction.
func (shareAction) noun() string { return "GallerySharingProfile" }

// serve implements resourceAction: POST .../galleries/{g}/share, a long-running operation (202
// with the LRO headers and the SharingUpdate as body; the operation's result is the
// SharingUpdate).
func (shareAction) serve(s *Server, ar *armRequest) {
	if ar.r.Method != http.MethodPost {
		ar.w.Header().Set("Allow", "POST")
		writeError(ar.w, errf(http.StatusMethodNotAllowed, "MethodNotAllowed",
			"The HTTP method '%s' is not supported for this resource.", ar.r.Method))
		return
	}
	b, e := readBody(ar.r)
	var u sharingUpdate
	if e == nil {
		e = decodeJSON(b, &u)
	}
	if e == nil {
		e = validateSharingUpdate(&u)
	}
	if e != nil {
		writeError(ar.w, e)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, e := s.parentLocked(ar.rt, true)
	if e != nil {
		writeError(ar.w, e)
		return
	}
	gal := s.childLocked(g, childKey(galleryType, ar.rt.name()))
	if gal == nil {
		writeError(ar.w, resourceNotFound(ar.rt))
		return
	}
	if s.busyLocked(gal) {
		writeError(ar.w, conflictBusy(gal, ar.r.Method))
		return
	}
	d := gal.data.(*galleryData).clone()
	perm := d.permissions()
	switch {
	case (u.OperationType == "Add" || u.OperationType == "Remove") && perm != "Groups":
		writeError(ar.w, errf(http.StatusConflict, "OperationNotAllowed",
			"Operation '%s' of the sharing profile is not allowed on gallery '%s' because its "+
				"'sharingProfile.permissions' is '%s'. Sharing with subscriptions or tenants requires 'Groups'.",
			u.OperationType, gal.name, perm))
		return
	case u.OperationType == "EnableCommunity" && perm != "Community":
		writeError(ar.w, errf(http.StatusConflict, "OperationNotAllowed",
			"Operation 'EnableCommunity' is not allowed on gallery '%s' because its 'sharingProfile.permissions' "+
				"is '%s'. Set it to 'Community' with a 'communityGalleryInfo' first.", gal.name, perm))
		return
	}
	d.applySharing(&u)
	gal.data, gal.state = d, "Updating"
	op := s.startOpLocked(ar, gal, false)
	result := map[string]any{"operationType": u.OperationType}
	if len(u.Groups) > 0 {
		var groups []any
		gb, _ := json.Marshal(u.Groups)
		_ = json.Unmarshal(gb, &groups)
		result["groups"] = groups
	}
	op.result = result
	s.setLROHeadersLocked(ar, op)
	writeJSON(ar.w, http.StatusAccepted, result)
}
