package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// resourceRequest is a decoded PUT or PATCH body of a tracked resource.
type resourceRequest struct {
	location string
	tags     map[string]string
	hasTags  bool
	props    map[string]any // raw properties; nil when absent
}

// decodeRequest parses a resource body.
func decodeRequest(b []byte) (*resourceRequest, *apiError) {
	var raw map[string]json.RawMessage
	if e := decodeJSON(b, &raw); e != nil {
		return nil, e
	}
	req := &resourceRequest{}
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

// write is a PUT or PATCH of a resource of a table type, as the type's ops see it.
type write struct {
	ar    *armRequest
	typ   *resourceType
	name  string
	patch bool
	req   *resourceRequest
	// loc is the canonical location (the stored one on update); shownLoc is the location as the
	// request wrote it, for messages.
	loc, shownLoc string
	// parent and cur (nil on create) are set under the lock, before apply.
	parent, cur *node
}

// merged returns the request's properties merged (PATCH) over current, the stored properties in
// request form, or the request's properties alone (PUT).
func (w *write) merged(current any) map[string]any {
	if !w.patch {
		if w.req.props == nil {
			return map[string]any{}
		}
		return w.req.props
	}
	return mergePatch(toMap(current), w.req.props)
}

// newWrite decodes and checks what a write request shows alone: its body, tags, the name, the
// location (PUT) and the type's request rules.
func newWrite(ar *armRequest) (*write, *apiError) {
	w := &write{ar: ar, typ: ar.rt.typ, name: ar.rt.name(), patch: ar.r.Method == http.MethodPatch}
	b, e := readBody(ar.r)
	if e == nil {
		w.req, e = decodeRequest(b)
	}
	if e == nil {
		e = validateTags(w.req.tags)
	}
	if e == nil {
		e = w.typ.checkName(w.name)
	}
	if e == nil && !w.patch {
		w.loc, e = checkLocation(w.req.location, w.typ.armType())
		w.shownLoc = w.req.location
	}
	if e == nil {
		e = w.typ.ops.checkRequest(w)
	}
	return w, e
}

// putResource creates or replaces (PUT) or merges (PATCH) a resource of a table type and answers
// as its type's lroMode says.
func (s *Server) putResource(ar *armRequest) {
	w, e := newWrite(ar)
	if e != nil {
		writeError(ar.w, e)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if w.parent, e = s.parentLocked(ar.rt, true); e != nil {
		writeError(ar.w, e)
		return
	}
	w.cur = s.childLocked(w.parent, childKey(w.typ, w.name))
	if e := s.checkExistingLocked(w); e != nil {
		writeError(ar.w, e)
		return
	}
	data, e := w.typ.ops.apply(s, w)
	if e != nil {
		writeError(ar.w, e)
		return
	}
	n, status := w.cur, http.StatusOK
	var prior resourceData
	if n == nil {
		n = newNode(w.typ, w.name, w.parent)
		n.location = w.loc
		n.attach()
		n.state, status = "Creating", http.StatusCreated
	} else {
		prior = n.data
		n.state = "Updating"
	}
	n.data = data
	if !w.patch || w.req.hasTags {
		n.tags = w.req.tags
	}
	s.answerWriteLocked(ar, n, prior, status)
}

// checkExistingLocked applies the rules of a write that depend on whether the resource exists: a
// PATCH needs it, a running operation refuses the write, a PUT cannot move it.
func (s *Server) checkExistingLocked(w *write) *apiError {
	cur := w.cur
	switch {
	case cur == nil && w.patch:
		return resourceNotFound(w.ar.rt)
	case cur == nil:
		return nil
	case s.busyLocked(cur):
		return conflictBusy(cur, w.ar.r.Method)
	case !w.patch && cur.location != w.loc:
		target := w.typ.body + ".location"
		return errf(http.StatusConflict, "PropertyChangeNotAllowed", "Changing property '%s' is not allowed.", target).
			withTarget(target)
	}
	w.loc = cur.location
	if w.patch {
		w.shownLoc = cur.location
	}
	return nil
}

// answerWriteLocked starts the write's operation (lasting until a replicating resource's regions
// are replicated) and answers with the resource, as the type's lroMode says.
func (s *Server) answerWriteLocked(ar *armRequest, n *node, prior resourceData, status int) {
	lro := n.typ.lro
	if lro.sync {
		n.state = "Succeeded"
		writeJSON(ar.w, status, s.renderLocked(n))
		return
	}
	var until time.Time
	rep, replicates := n.data.(replicated)
	if replicates {
		var old *replication
		if p, ok := prior.(replicated); ok {
			old = p.replication()
		}
		until = s.replicateLocked(n, rep.replication(), old)
	}
	op := s.startOpUntilLocked(ar, n, false, until)
	if op.failure == nil && replicates {
		op.failure = rep.replication().failure()
	}
	if status == http.StatusOK && lro.updateDone && op.failure == nil {
		s.finishLocked(op)
	}
	switch {
	case lro.accepted:
		status = http.StatusAccepted
		s.setLROHeadersLocked(ar, op)
	case lro.location:
		s.setLROHeadersLocked(ar, op)
	default:
		s.setAsyncHeaderLocked(ar, op)
	}
	writeJSON(ar.w, status, s.renderLocked(n))
}

// propertyChange is the 409 for changing an immutable property of a resource of typ.
func propertyChange(typ *resourceType, name string) *apiError {
	target := typ.body + ".properties." + name
	return errf(http.StatusConflict, "PropertyChangeNotAllowed", "Changing property '%s' is not allowed.", target).
		withTarget(target)
}

// param is the message/target path of a property of typ: "galleryImage.properties.osType".
func propPath(typ *resourceType, name string) string { return typ.body + ".properties." + name }

// invalidParam is a 400 InvalidParameter with the target of a property of typ.
func invalidProp(typ *resourceType, name, format string, args ...any) *apiError {
	return errf(http.StatusBadRequest, "InvalidParameter", format, args...).withTarget(propPath(typ, name))
}

// missingParam is the 400 for a missing required property of typ.
func missingProp(typ *resourceType, name string) *apiError {
	return invalidProp(typ, name, "Required parameter '%s' is missing (null).", propPath(typ, name))
}

// enumParam canonicalizes an optional enum property of typ (Azure matches enums
// case-insensitively).
func enumProp(typ *resourceType, name string, v *string, allowed []string) *apiError {
	if *v == "" {
		return nil
	}
	c, ok := canonicalEnum(*v, allowed)
	if !ok {
		return invalidProp(typ, name, "The value '%s' of parameter '%s' is invalid. Allowed values are: %s.", *v,
			propPath(typ, name), strings.Join(allowed, ", "))
	}
	*v = c
	return nil
}

// requiredEnum is enumParam for a required property.
func requiredEnum(typ *resourceType, name string, v *string, allowed []string) *apiError {
	if *v == "" {
		return missingProp(typ, name)
	}
	return enumProp(typ, name, v, allowed)
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

// endOfLife normalizes an endOfLifeDate property of typ to RFC 3339 and, when it is new (differs
// from old), requires it in the future. label names the resource in the message.
func endOfLife(typ *resourceType, name string, v *string, old, label string) *apiError {
	if *v == "" {
		return nil
	}
	t, err := parseDate(*v)
	if err != nil {
		return invalidProp(typ, name, "The value '%s' of parameter '%s' is not a valid date-time.", *v, propPath(typ, name))
	}
	*v = t.UTC().Format(time.RFC3339)
	if *v != old && !t.After(time.Now()) {
		return invalidProp(typ, name, "The end of life date '%s' of %s must be in the future.", *v, label)
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
