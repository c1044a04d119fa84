package emulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// groupType is Microsoft.Resources/resourceGroups. Resource groups have their own handlers: a
// write is synchronous, a deletion takes everything in the group with it.
var groupType = &resourceType{
	namespace: resourcesNamespace, name: "resourceGroups", segment: "resourceGroups",
	rbacName: "subscriptions/resourceGroups", label: "resource group", apiVersions: resourcesAPIVersions,
}

// envelope is the body of a resource group write.
type envelope struct {
	Location   string            `json:"location"`
	Tags       map[string]string `json:"tags"`
	ManagedBy  string            `json:"managedBy"`
	Properties json.RawMessage   `json:"properties"`
}

// groupData is a resource group's state (its provisioningState only).
type groupData struct{}

// properties implements resourceData.
func (groupData) properties(_ *Server, n *node, _ url.Values) map[string]any {
	st := "Succeeded"
	if n.deleting {
		st = "Deleting"
	}
	return map[string]any{"provisioningState": st}
}

// handleGroupList lists the subscription's resource groups.
func (s *Server) handleGroupList(ar *armRequest) {
	if ar.r.Method != http.MethodGet {
		methodNotAllowed(ar)
		return
	}
	s.mu.Lock()
	var out []any
	for _, g := range sortedChildren(s.rootLocked(ar.rt.sub)) {
		out = append(out, s.renderLocked(g))
	}
	s.mu.Unlock()
	if out == nil {
		out = []any{}
	}
	writeJSON(ar.w, http.StatusOK, map[string]any{"value": out})
}

// handleGroup serves a resource group.
func (s *Server) handleGroup(ar *armRequest) {
	switch ar.r.Method {
	case http.MethodGet, http.MethodHead:
		s.mu.Lock()
		g, e := s.groupLocked(ar.rt)
		var m map[string]any
		if e == nil {
			m = s.renderLocked(g)
		}
		s.mu.Unlock()
		switch {
		case ar.r.Method == http.MethodHead && e != nil:
			ar.w.WriteHeader(http.StatusNotFound)
		case ar.r.Method == http.MethodHead:
			ar.w.WriteHeader(http.StatusNoContent)
		case e != nil:
			writeError(ar.w, e)
		default:
			writeJSON(ar.w, http.StatusOK, m)
		}
	case http.MethodPut:
		s.putGroup(ar)
	case http.MethodPatch:
		s.patchGroup(ar)
	case http.MethodDelete:
		s.deleteGroup(ar)
	default:
		methodNotAllowed(ar)
	}
}

// rgNamePattern is ARM's resource group name rule.
var rgNamePattern = regexp.MustCompile(`^[-\w._()]{1,90}$`)

// putGroup creates or updates a resource group (synchronously).
func (s *Server) putGroup(ar *armRequest) {
	b, e := readBody(ar.r)
	var env envelope
	if e == nil {
		e = decodeJSON(b, &env)
	}
	if e == nil && (!rgNamePattern.MatchString(ar.rt.rg) || strings.HasSuffix(ar.rt.rg, ".")) {
		e = errf(http.StatusBadRequest, "InvalidResourceGroup",
			"The provided resource group name '%s' has these invalid characters: it must be 1-90 characters of "+
				"letters, digits, underscores, hyphens, periods and parentheses, and must not end in a period.", ar.rt.rg)
	}
	if e == nil {
		e = validateTags(env.Tags)
	}
	var loc string
	if e == nil {
		loc, e = checkLocation(env.Location, "resourceGroups")
	}
	if e != nil {
		writeError(ar.w, e)
		return
	}
	s.mu.Lock()
	root := s.rootLocked(ar.rt.sub)
	g := s.childLocked(root, childKey(groupType, ar.rt.rg))
	status := http.StatusOK
	switch {
	case g == nil:
		g = newNode(groupType, ar.rt.rg, root)
		g.location, g.data = loc, groupData{}
		g.attach()
		status = http.StatusCreated
	case g.deleting:
		e = errf(http.StatusConflict, "ResourceGroupBeingDeleted",
			"The resource group '%s' is in deprovisioning state and cannot perform this operation.", g.name)
	case g.location != loc:
		e = errf(http.StatusConflict, "InvalidResourceGroupLocation",
			"Invalid resource group location '%s'. The Resource group already exists in location '%s'.", loc, g.location)
	}
	if e == nil {
		g.tags, g.managedBy, g.state = env.Tags, env.ManagedBy, "Succeeded"
	}
	s.mu.Unlock()
	if e != nil {
		writeError(ar.w, e)
		return
	}
	s.writeResource(ar, status, g)
}

// patchGroup updates a resource group's tags and managedBy.
func (s *Server) patchGroup(ar *armRequest) {
	b, e := readBody(ar.r)
	var env envelope
	if e == nil {
		e = decodeJSON(b, &env)
	}
	if e == nil {
		e = validateTags(env.Tags)
	}
	if e != nil {
		writeError(ar.w, e)
		return
	}
	s.mu.Lock()
	g, e := s.writableGroupLocked(ar.rt)
	if e == nil {
		if env.Tags != nil {
			g.tags = env.Tags
		}
		if env.ManagedBy != "" {
			g.managedBy = env.ManagedBy
		}
	}
	s.mu.Unlock()
	if e != nil {
		writeError(ar.w, e)
		return
	}
	s.writeResource(ar, http.StatusOK, g)
}

// deleteGroup starts deleting a resource group and everything in it.
func (s *Server) deleteGroup(ar *armRequest) {
	s.mu.Lock()
	g, e := s.groupLocked(ar.rt)
	var op *operation
	if e == nil {
		if g.deleting && g.op != nil {
			op = g.op
		} else {
			g.deleting = true
			op = s.startOpLocked(ar, g, true)
			if op.failure == nil {
				op.failure = sharedGalleriesBlock(g, op.id)
			}
		}
	}
	s.mu.Unlock()
	if e != nil {
		writeError(ar.w, e)
		return
	}
	ar.w.Header().Set("Location", groupOperationURL(ar.base, op, ar.apiVersion))
	s.setRetryAfter(ar.w)
	ar.w.WriteHeader(http.StatusAccepted)
}

// sharedGalleriesBlock is the failure of deleting a resource group that holds
// galleries still shared (permissions other than Private): Azure's resource
// group deletion ends 409 ResourceGroupDeletionBlocked, the gallery refusing
// with OperationNotAllowed "Gallery is still shared to 'Groups'. Please
// unshare the gallery first before deleting the gallery." (recorded by Azure
// PowerShell, TestGalleryDirectSharing).
func sharedGalleriesBlock(g *node, trackingID string) *apiError {
	var ids []string
	for _, c := range g.children {
		if gd, ok := c.data.(*galleryData); ok && gd.permissions() != "Private" {
			ids = append(ids, "Microsoft.Compute/galleries/"+c.name)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	sort.Strings(ids)
	return errf(http.StatusConflict, "ResourceGroupDeletionBlocked",
		"Deletion of resource group '%s' failed as resources with identifiers '%s' could not be deleted. The "+
			"provisioning state of the resource group will be rolled back. The tracking Id is '%s'. Please check audit "+
			"logs for more details.", g.name, strings.Join(ids, ","), trackingID)
}
