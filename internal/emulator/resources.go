package emulator

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
)

// node is a resource in the tree subscription → resource group → resources of the table. All
// fields are guarded by Server.mu.
type node struct {
	typ       *resourceType // nil for a subscription root
	name      string
	location  string
	tags      map[string]string
	managedBy string
	data      resourceData // the type-specific state
	state     string       // provisioningState
	op        *operation
	deleting  bool // resource group deletion in progress
	children  map[string]*node
	parent    *node
	created   time.Time
}

// newNode creates a child of parent (not yet attached).
func newNode(typ *resourceType, name string, parent *node) *node {
	return &node{typ: typ, name: name, parent: parent, children: map[string]*node{}, created: time.Now().UTC()}
}

// childKey is the key of a child in its parent's children map: its type's collection segment and
// lowercase name (a managed image, a snapshot and a gallery may share a name in one resource
// group, an image and an application in one gallery).
func childKey(typ *resourceType, name string) string {
	return strings.ToLower(typ.segment + "/" + name)
}

// key returns n's key in its parent's children.
func (n *node) key() string { return childKey(n.typ, n.name) }

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
	if n.typ == nil {
		return "/subscriptions/" + n.name
	}
	return n.parent.id() + n.typ.idPrefix() + "/" + n.name
}

// childLocked returns the child with the given key (childKey) after settling its operation
// (which may remove it).
func (s *Server) childLocked(parent *node, key string) *node {
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
	g := s.childLocked(s.rootLocked(rt.sub), childKey(groupType, rt.rg))
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

// parentLocked returns the parent of the route's resource (or of its collection): the resource
// group, then each ancestor by name. A missing ancestor is ParentResourceNotFound; for a write,
// an ancestor being deleted is a conflict.
func (s *Server) parentLocked(rt route, write bool) (*node, *apiError) {
	get := s.groupLocked
	if write {
		get = s.writableGroupLocked
	}
	n, e := get(rt)
	if e != nil {
		return nil, e
	}
	for i, t := range rt.typ.chain()[:len(rt.typ.chain())-1] {
		c := s.childLocked(n, childKey(t, rt.names[i]))
		if c == nil {
			return nil, parentNotFound(strings.Join(rt.names[:i+1], "/"))
		}
		if write && deletingLocked(s, c) {
			return nil, conflictBusy(c, "write nested resource")
		}
		n = c
	}
	return n, nil
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

// resourceNotFound is the 404 of the route's missing resource: ARM's ResourceNotFound
// (Microsoft's Image Builder troubleshooting page quotes it for a missing gallery image version).
func resourceNotFound(rt route) *apiError {
	return notFound("ResourceNotFound", rt.resourcePath(), rt.rg)
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

// convert re-decodes a JSON-like value into out (a typed properties struct); wrong JSON types
// give InvalidRequestContent.
func convert(in any, out any) *apiError {
	b, _ := json.Marshal(in)
	return decodeJSON(b, out)
}

// toMap encodes v as a JSON object map.
func toMap(v any) map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	if m == nil {
		m = map[string]any{}
	}
	return m
}

// renderLocked renders n as its ARM JSON representation.
func (s *Server) renderLocked(n *node) map[string]any {
	return s.renderQueryLocked(n, nil)
}

// renderQueryLocked renders n for a GET with query q (nil for other answers): $expand and $select
// add what Azure returns only on request.
func (s *Server) renderQueryLocked(n *node, q url.Values) map[string]any {
	m := map[string]any{"id": n.id(), "name": n.name, "type": n.typ.armType(), "location": n.location}
	if n.tags != nil { // an empty "tags": {} sent is echoed (recorded by the az CLI)
		m["tags"] = maps.Clone(n.tags)
	}
	if n.managedBy != "" {
		m["managedBy"] = n.managedBy
	}
	m["properties"] = n.data.properties(s, n, q)
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

// sortedChildren returns n's children sorted by key.
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

// liveChildrenLocked returns parent's children of type typ that still exist.
func (s *Server) liveChildrenLocked(parent *node, typ *resourceType) []*node {
	var out []*node
	for _, c := range sortedChildren(parent) {
		if c.typ == typ && s.childLocked(parent, c.key()) != nil {
			out = append(out, c)
		}
	}
	return out
}

// countLocked counts the resources of type typ in a subscription and region.
func (s *Server) countLocked(sub string, typ *resourceType, loc string) int {
	var count func(n *node) int
	count = func(n *node) int {
		c := 0
		for _, child := range n.children {
			if child.typ == typ && child.location == loc {
				c++
			}
			c += count(child)
		}
		return c
	}
	return count(s.rootLocked(sub))
}

// handleResource serves one resource of a table type.
func (s *Server) handleResource(ar *armRequest) {
	switch ar.r.Method {
	case http.MethodGet:
		s.getResource(ar)
	case http.MethodPut, http.MethodPatch:
		s.putResource(ar)
	case http.MethodDelete:
		s.deleteResource(ar)
	default:
		methodNotAllowed(ar)
	}
}

// getResource answers a GET of a resource.
func (s *Server) getResource(ar *armRequest) {
	s.mu.Lock()
	parent, e := s.parentLocked(ar.rt, false)
	var m map[string]any
	if e == nil {
		if n := s.childLocked(parent, childKey(ar.rt.typ, ar.rt.name())); n != nil {
			m = s.renderQueryLocked(n, ar.r.URL.Query())
		} else {
			e = resourceNotFound(ar.rt)
		}
	}
	s.mu.Unlock()
	if e != nil {
		writeError(ar.w, e)
		return
	}
	writeJSON(ar.w, http.StatusOK, m)
}

// deleteResource deletes the route's resource: 204 when absent, 409 when busy, refused by its
// data's guard or holding nested resources, otherwise 202 with the LRO headers (200 at once for
// a type without operations).
func (s *Server) deleteResource(ar *armRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	parent, e := s.parentLocked(ar.rt, true)
	if e != nil {
		writeError(ar.w, e)
		return
	}
	n := s.childLocked(parent, childKey(ar.rt.typ, ar.rt.name()))
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
	if g, ok := n.data.(deleteGuarded); ok {
		if e := g.deleteGuard(n); e != nil {
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
	if n.typ.lro.sync {
		delete(parent.children, n.key())
		ar.w.WriteHeader(http.StatusOK)
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

// listResources answers a GET of a collection: the parent's live children of the type, paged
// when the type is.
func (s *Server) listResources(ar *armRequest) {
	if ar.r.Method != http.MethodGet {
		methodNotAllowed(ar)
		return
	}
	collect := func() ([]*node, *apiError) {
		parent, e := s.parentLocked(ar.rt, false)
		if e != nil {
			return nil, e
		}
		return s.liveChildrenLocked(parent, ar.rt.typ), nil
	}
	if ar.rt.typ.paged {
		s.writePaged(ar, collect)
		return
	}
	s.mu.Lock()
	nodes, e := collect()
	out := []any{}
	for _, n := range nodes {
		out = append(out, s.renderLocked(n))
	}
	s.mu.Unlock()
	if e != nil {
		writeError(ar.w, e)
		return
	}
	writeJSON(ar.w, http.StatusOK, map[string]any{"value": out})
}

// writeResource writes the representation of n with status.
func (s *Server) writeResource(ar *armRequest, status int, n *node) {
	s.mu.Lock()
	m := s.renderLocked(n)
	s.mu.Unlock()
	writeJSON(ar.w, status, m)
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
