package emulator

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
)

// node is a resource in the tree subscription → group → gallery → image →
// version. All fields are guarded by Server.mu.
type node struct {
	kind      routeKind // kindUnknown for a subscription root
	name      string
	location  string
	tags      map[string]string
	managedBy string
	props     map[string]any   // source (managed image, snapshot, disk) properties (sanitized)
	image     *imageProperties // image properties
	gal       *galleryData     // gallery properties
	ver       *versionData     // image version properties and replication
	srcType   string           // "images", "snapshots" or "disks" for kindSource
	state     string           // provisioningState
	op        *operation
	deleting  bool // resource group deletion in progress
	children  map[string]*node
	parent    *node
	created   time.Time
}

// newNode creates a child of parent (not yet attached).
func newNode(kind routeKind, name string, parent *node) *node {
	return &node{kind: kind, name: name, parent: parent, children: map[string]*node{}, created: time.Now().UTC()}
}

// childKey is the key of a child in its parent's children map: the lowercase
// name, prefixed by the type for the source kinds (a managed image, a
// snapshot and a gallery may share a name in one resource group).
func childKey(srcType, name string) string {
	if srcType != "" {
		return srcType + "/" + strings.ToLower(name)
	}
	return strings.ToLower(name)
}

// key returns n's key in its parent's children.
func (n *node) key() string { return childKey(n.srcType, n.name) }

// attach adds n to its parent.
func (n *node) attach() { n.parent.children[n.key()] = n }

// attached reports whether n is still reachable from its subscription root.
func (n *node) attached() bool {
	for c := n; c.parent != nil; c = c.parent {
		if c.parent.children[c.key()] != c {
			return false
		}
	}
	return true
}

// id returns the ARM resource id with Azure's casing.
func (n *node) id() string {
	switch n.kind {
	case kindGroup:
		return n.parent.id() + "/resourceGroups/" + n.name
	case kindGallery:
		return n.parent.id() + "/providers/Microsoft.Compute/galleries/" + n.name
	case kindImage:
		return n.parent.id() + "/images/" + n.name
	case kindVersion:
		return n.parent.id() + "/versions/" + n.name
	case kindSource:
		return n.parent.id() + "/providers/Microsoft.Compute/" + n.srcType + "/" + n.name
	}
	return "/subscriptions/" + n.name
}

// resourceType returns the ARM type of n.
func (n *node) resourceType() string {
	switch n.kind {
	case kindGroup:
		return "Microsoft.Resources/resourceGroups"
	case kindGallery:
		return "Microsoft.Compute/galleries"
	case kindImage:
		return "Microsoft.Compute/galleries/images"
	case kindVersion:
		return "Microsoft.Compute/galleries/images/versions"
	case kindSource:
		return "Microsoft.Compute/" + n.srcType
	}
	return ""
}

// typeLabel is a human label for messages.
func (n *node) typeLabel() string {
	switch n.kind {
	case kindGroup:
		return "resource group"
	case kindGallery:
		return "gallery"
	case kindImage:
		return "gallery image"
	case kindVersion:
		return "gallery image version"
	case kindSource:
		return strings.TrimSuffix(n.srcType, "s")
	}
	return "resource"
}

// childLocked returns the child with the given key (a name, or childKey for
// the source kinds) after settling its operation (which may remove it).
func (s *Server) childLocked(parent *node, key string) *node {
	key = strings.ToLower(key)
	c := parent.children[key]
	if c != nil && c.op != nil {
		s.settleLocked(c.op)
		c = parent.children[key]
	}
	return c
}

// rootLocked returns (creating) the subscription root.
func (s *Server) rootLocked(sub string) *node {
	k := strings.ToLower(sub)
	r := s.roots[k]
	if r == nil {
		r = &node{name: strings.ToLower(sub), children: map[string]*node{}}
		s.roots[k] = r
	}
	return r
}

// groupLocked returns the route's resource group or ResourceGroupNotFound.
func (s *Server) groupLocked(rt route) (*node, *apiError) {
	g := s.childLocked(s.rootLocked(rt.sub), rt.rg)
	if g == nil {
		return nil, errf(http.StatusNotFound, "ResourceGroupNotFound", "Resource group '%s' could not be found.", rt.rg)
	}
	return g, nil
}

// writableGroupLocked is groupLocked that also refuses groups being deleted.
func (s *Server) writableGroupLocked(rt route) (*node, *apiError) {
	g, e := s.groupLocked(rt)
	if e == nil && g.deleting {
		e = errf(http.StatusConflict, "ResourceGroupBeingDeleted",
			"The resource group '%s' is in deprovisioning state and cannot perform this operation.", g.name)
	}
	return g, e
}

// parentNotFound is ARM's error for a missing parent of a nested resource.
func parentNotFound(name string) *apiError {
	return errf(http.StatusNotFound, "ParentResourceNotFound",
		"Can not perform requested operation on nested resource. Parent resource '%s' not found.", name)
}

// galleryLocked returns the route's gallery; missing is ParentResourceNotFound
// (the gallery is the parent of the addressed resource).
func (s *Server) galleryLocked(rt route, write bool) (*node, *apiError) {
	get := s.groupLocked
	if write {
		get = s.writableGroupLocked
	}
	g, e := get(rt)
	if e != nil {
		return nil, e
	}
	gal := s.childLocked(g, rt.gallery)
	if gal == nil {
		return nil, parentNotFound(rt.gallery)
	}
	if write && deletingLocked(s, gal) {
		return nil, conflictBusy(gal, "write nested resource")
	}
	return gal, nil
}

// imageLocked returns the route's image as the parent of a version.
func (s *Server) imageLocked(rt route, write bool) (*node, *apiError) {
	gal, e := s.galleryLocked(rt, write)
	if e != nil {
		return nil, e
	}
	img := s.childLocked(gal, rt.image)
	if img == nil {
		return nil, parentNotFound(rt.gallery + "/" + rt.image)
	}
	if write && deletingLocked(s, img) {
		return nil, conflictBusy(img, "write nested resource")
	}
	return img, nil
}

// deletingLocked reports whether n is being deleted.
func deletingLocked(s *Server, n *node) bool {
	return s.busyLocked(n) && n.op.isDelete
}

// notFound is the 404 for a missing resource of the given type path.
func notFound(code, typePath, rg string) *apiError {
	msg := "The Resource '" + typePath + "' under resource group '" + rg + "' was not found."
	if code == "ResourceNotFound" {
		msg += " For more details please go to https://aka.ms/ARMResourceNotFoundFix"
	}
	return &apiError{status: http.StatusNotFound, Code: code, Message: msg}
}

// envelope is the common request body of a tracked resource.
type envelope struct {
	Location   string            `json:"location"`
	Tags       map[string]string `json:"tags"`
	ManagedBy  string            `json:"managedBy"`
	Properties json.RawMessage   `json:"properties"`
}

// readBody reads the request body (up to 4 MiB).
func readBody(r *http.Request) ([]byte, *apiError) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		return nil, errf(http.StatusBadRequest, "InvalidRequestContent", "The request content could not be read: %v", err)
	}
	return b, nil
}

// decodeJSON unmarshals b into v, producing ARM's deserialization error.
func decodeJSON(b []byte, v any) *apiError {
	if len(strings.TrimSpace(string(b))) == 0 {
		return errf(http.StatusBadRequest, "InvalidRequestContent",
			"The request content was invalid and could not be deserialized: 'The request body is empty.'.")
	}
	if err := json.Unmarshal(b, v); err != nil {
		return errf(http.StatusBadRequest, "InvalidRequestContent",
			"The request content was invalid and could not be deserialized: '%s'.", err.Error())
	}
	return nil
}

// renderLocked renders n as its ARM JSON representation.
func (s *Server) renderLocked(n *node) map[string]any {
	return s.renderExpandLocked(n, false)
}

// renderExpandLocked renders n; expand adds what Azure returns only on
// request ($expand=SharingProfile/Groups for a gallery,
// $expand=ReplicationStatus for an image version).
func (s *Server) renderExpandLocked(n *node, expand bool) map[string]any {
	m := map[string]any{"id": n.id(), "name": n.name, "type": n.resourceType(), "location": n.location}
	if n.tags != nil { // an empty "tags": {} sent is echoed (recorded by the az CLI)
		m["tags"] = maps.Clone(n.tags)
	}
	switch n.kind {
	case kindGroup:
		if n.managedBy != "" {
			m["managedBy"] = n.managedBy
		}
		st := "Succeeded"
		if n.deleting {
			st = "Deleting"
		}
		m["properties"] = map[string]any{"provisioningState": st}
	case kindImage:
		m["properties"] = n.image.render(n.state)
	case kindGallery:
		m["properties"] = n.gal.render(n, expand)
	case kindVersion:
		m["properties"] = s.renderVersionLocked(n, expand)
	default:
		p := deepCopy(n.props)
		p["provisioningState"] = n.state
		renderSource(n, p)
		m["properties"] = p
	}
	return m
}

// deepCopy copies a JSON-like map.
func deepCopy(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	b, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	if out == nil {
		out = map[string]any{}
	}
	return out
}

// mergePatch applies an RFC 7386 JSON merge patch to target.
func mergePatch(target map[string]any, patch map[string]any) map[string]any {
	if target == nil {
		target = map[string]any{}
	}
	for k, v := range patch {
		if v == nil {
			delete(target, k)
			continue
		}
		if pm, ok := v.(map[string]any); ok {
			tm, _ := target[k].(map[string]any)
			target[k] = mergePatch(tm, pm)
			continue
		}
		target[k] = v
	}
	return target
}

// sortedChildren returns n's children sorted by lowercase name.
func sortedChildren(n *node) []*node {
	keys := make([]string, 0, len(n.children))
	for k := range n.children {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*node, len(keys))
	for i, k := range keys {
		out[i] = n.children[k]
	}
	return out
}

// writeResource writes the representation of n with status.
func (s *Server) writeResource(ar *armRequest, status int, n *node) {
	s.mu.Lock()
	m := s.renderLocked(n)
	s.mu.Unlock()
	writeJSON(ar.w, status, m)
}

// ---- resource groups ----

// handleGroupList lists the subscription's resource groups.
func (s *Server) handleGroupList(ar *armRequest) {
	if ar.r.Method != http.MethodGet {
		methodNotAllowed(ar)
		return
	}
	s.mu.Lock()
	var out []any
	root := s.rootLocked(ar.rt.sub)
	for _, g := range sortedChildren(root) {
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
	g := s.childLocked(root, ar.rt.rg)
	status := http.StatusOK
	switch {
	case g == nil:
		g = newNode(kindGroup, ar.rt.rg, root)
		g.location = loc
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
		if c.kind == kindGallery && c.gal != nil && c.gal.permissions() != "Private" {
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

// ---- galleries ----

// galleryNameOK implements the gallery name rule ^[^_\W][\w._]{0,79}(?<![-.])$.
func galleryNameOK(n string) bool {
	return nameRule(n, "._")
}

// nameRule checks: 1-80 chars; first is a letter or digit; the rest are
// word characters or one of extra; the last is not '-' or '.'.
func nameRule(n, extra string) bool {
	if len(n) == 0 || len(n) > 80 {
		return false
	}
	for i, c := range n {
		alnum := c < 128 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9')
		switch {
		case i == 0 && !alnum:
			return false
		case !alnum && c != '_' && !strings.ContainsRune(extra, c):
			return false
		}
	}
	last := n[len(n)-1]
	return last != '-' && last != '.'
}

// invalidName is the Compute error for a name breaking its rule.
func invalidName(param, rule string) *apiError {
	return errf(http.StatusBadRequest, "InvalidParameter",
		"The entity name '%s' is invalid according to its validation rule: %s.", param, rule).withTarget(param)
}

// deleteChild deletes the child named name of the parent returned by
// parentFn: 204 when absent, 409 when busy or when it has nested resources,
// otherwise 202 with the LRO headers.
//
// guards run on an existing, idle resource and may refuse the deletion.
func (s *Server) deleteChild(ar *armRequest, parentFn func() (*node, *apiError), key string, guards ...func(*node) *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	parent, e := parentFn()
	if e != nil {
		writeError(ar.w, e)
		return
	}
	n := s.childLocked(parent, key)
	if n == nil {
		ar.w.WriteHeader(http.StatusNoContent)
		return
	}
	if s.busyLocked(n) {
		if n.op.isDelete {
			s.setLROHeadersLocked(ar, n.op)
			ar.w.WriteHeader(http.StatusAccepted)
			return
		}
		writeError(ar.w, conflictBusy(n, ar.r.Method))
		return
	}
	for _, g := range guards {
		if e := g(n); e != nil {
			writeError(ar.w, e)
			return
		}
	}
	if len(n.children) > 0 {
		writeError(ar.w, errf(http.StatusConflict, "CannotDeleteResource",
			"Cannot delete resource while nested resources exist. Some existing nested resource IDs include: '%s'. "+
				"Please delete all nested resources before deleting this resource.", nestedIDs(n)))
		return
	}
	n.state = "Deleting"
	op := s.startOpLocked(ar, n, true)
	s.setLROHeadersLocked(ar, op)
	ar.w.WriteHeader(http.StatusAccepted)
}

// nestedIDs lists up to three nested resources of n as type paths
// ("Microsoft.Compute/galleries/g/images/i").
func nestedIDs(n *node) string {
	var ids []string
	for _, c := range sortedChildren(n) {
		id := c.id()
		if i := strings.Index(id, "/providers/"); i >= 0 {
			id = id[i+len("/providers/"):]
		}
		ids = append(ids, id)
		if len(ids) == 3 {
			break
		}
	}
	return strings.Join(ids, "', '")
}

// writeChildList answers a GET of a collection with the live children of the parent that
// parentLocked finds (called with s.mu held), or with its error.
func (s *Server) writeChildList(ar *armRequest, parentLocked func() (*node, *apiError), kind routeKind, srcType string) {
	s.mu.Lock()
	parent, e := parentLocked()
	out := []any{}
	if e == nil {
		for _, c := range sortedChildren(parent) {
			if c.kind == kind && c.srcType == srcType && s.childLocked(parent, c.key()) != nil {
				out = append(out, s.renderLocked(c))
			}
		}
	}
	s.mu.Unlock()
	if e != nil {
		writeError(ar.w, e)
		return
	}
	writeJSON(ar.w, http.StatusOK, map[string]any{"value": out})
}
