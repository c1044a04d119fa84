package emulator

import (
	"net/http"
	"strings"
	"time"
)

// The image-version source types: managed images (Microsoft.Compute/images),
// snapshots and managed disks. They are minimal: a body is stored as sent
// (read-only properties dropped) with provisioningState and, for disks and
// snapshots, timeCreated, uniqueId and a default diskSizeGB.

// sourceParam is the body name of a source type in messages.
func sourceParam(srcType string) string {
	switch srcType {
	case "images":
		return "image"
	case "snapshots":
		return "snapshot"
	}
	return "disk"
}

// sourceNotFound is the 404 of a missing source resource.
func sourceNotFound(rt route) *apiError {
	return notFound("ResourceNotFound", "Microsoft.Compute/"+rt.srcType+"/"+rt.src, rt.rg)
}

// handleSource serves a managed image, snapshot or disk.
func (s *Server) handleSource(ar *armRequest) {
	switch ar.r.Method {
	case http.MethodGet:
		s.mu.Lock()
		g, e := s.groupLocked(ar.rt)
		var m map[string]any
		if e == nil {
			if n := s.childLocked(g, childKey(ar.rt.srcType, ar.rt.src)); n != nil {
				m = s.renderLocked(n)
			} else {
				e = sourceNotFound(ar.rt)
			}
		}
		s.mu.Unlock()
		if e != nil {
			writeError(ar.w, e)
			return
		}
		writeJSON(ar.w, http.StatusOK, m)
	case http.MethodPut, http.MethodPatch:
		s.putSource(ar)
	case http.MethodDelete:
		s.deleteChild(ar, func() (*node, *apiError) { return s.writableGroupLocked(ar.rt) }, childKey(ar.rt.srcType, ar.rt.src))
	default:
		methodNotAllowed(ar)
	}
}

// handleSourceList lists the managed images, snapshots or disks of a
// resource group.
func (s *Server) handleSourceList(ar *armRequest) {
	if ar.r.Method != http.MethodGet {
		methodNotAllowed(ar)
		return
	}
	s.writeChildList(ar, func() (*node, *apiError) { return s.groupLocked(ar.rt) }, kindSource, ar.rt.srcType)
}

// validateSource checks the required properties of a source body: an image
// needs storageProfile.osDisk (with osType and osState) or
// sourceVirtualMachine; a disk or snapshot needs creationData.createOption.
func validateSource(srcType string, props map[string]any) *apiError {
	base := sourceParam(srcType) + ".properties"
	missing := func(name string) *apiError {
		return errf(http.StatusBadRequest, "InvalidParameter", "Required parameter '%s' is missing (null).", base+"."+name).
			withTarget(base + "." + name)
	}
	if srcType == "images" {
		sp, _ := props["storageProfile"].(map[string]any)
		od, _ := sp["osDisk"].(map[string]any)
		if od == nil {
			if _, ok := props["sourceVirtualMachine"].(map[string]any); ok {
				return nil
			}
			return missing("storageProfile.osDisk")
		}
		for _, f := range []string{"osType", "osState"} {
			if v, _ := od[f].(string); v == "" {
				return missing("storageProfile.osDisk." + f)
			}
		}
		return nil
	}
	cd, _ := props["creationData"].(map[string]any)
	if cd == nil {
		return missing("creationData")
	}
	if v, _ := cd["createOption"].(string); v == "" {
		return missing("creationData.createOption")
	}
	return nil
}

// putSource creates, replaces (PUT) or merges (PATCH) a source resource.
func (s *Server) putSource(ar *armRequest) {
	patch := ar.r.Method == http.MethodPatch
	b, e := readBody(ar.r)
	var req *imageRequest
	if e == nil {
		req, e = decodeImageRequest(b)
	}
	if e == nil {
		e = validateTags(req.tags)
	}
	if e == nil && !nameRule(ar.rt.src, "-._") {
		param := sourceParam(ar.rt.srcType) + "Name"
		e = errf(http.StatusBadRequest, "InvalidParameter",
			"The entity name '%s' is invalid: it must be 1-80 letters, digits, underscores, periods or hyphens, start with "+
				"a letter or digit and not end with a period or hyphen.", param).withTarget(param)
	}
	var loc string
	if e == nil && !patch {
		loc, e = checkLocation(req.location, "Microsoft.Compute/"+ar.rt.srcType)
	}
	if e != nil {
		writeError(ar.w, e)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, e := s.writableGroupLocked(ar.rt)
	if e != nil {
		writeError(ar.w, e)
		return
	}
	key := childKey(ar.rt.srcType, ar.rt.src)
	n := s.childLocked(g, key)
	switch {
	case n == nil && patch:
		writeError(ar.w, sourceNotFound(ar.rt))
		return
	case n != nil && s.busyLocked(n):
		writeError(ar.w, conflictBusy(n, ar.r.Method))
		return
	case n != nil && !patch && n.location != loc:
		target := sourceParam(ar.rt.srcType) + ".location"
		writeError(ar.w, errf(http.StatusConflict, "PropertyChangeNotAllowed", "Changing property '%s' is not allowed.", target).
			withTarget(target))
		return
	}
	props := req.props
	if patch {
		props = mergePatch(deepCopy(n.props), req.props)
	}
	if props == nil {
		props = map[string]any{}
	}
	for _, ro := range []string{"provisioningState", "timeCreated", "uniqueId", "diskState"} {
		delete(props, ro)
	}
	if e := validateSource(ar.rt.srcType, props); e != nil {
		writeError(ar.w, e)
		return
	}
	status := http.StatusOK
	if n == nil {
		n = newNode(kindSource, ar.rt.src, g)
		n.srcType = ar.rt.srcType
		n.location = loc
		n.attach()
		n.state, status = "Creating", http.StatusCreated
	} else {
		n.state = "Updating"
	}
	if ar.rt.srcType != "images" {
		if _, ok := props["diskSizeGB"]; !ok {
			props["diskSizeGB"] = float64(defaultDiskSizeGB)
		}
	}
	n.props = props
	if !patch || req.hasTags {
		n.tags = req.tags
	}
	if ar.rt.srcType != "images" {
		// The disk resource provider answers writes with 202 (armcompute's
		// disks and snapshots clients accept 200 and 202 only).
		status = http.StatusAccepted
	}
	op := s.startOpLocked(ar, n, false)
	s.setLROHeadersLocked(ar, op)
	writeJSON(ar.w, status, s.renderLocked(n))
}

// renderSource adds the read-only properties of a disk or snapshot.
func renderSource(n *node, p map[string]any) {
	if n.srcType == "images" {
		return
	}
	p["timeCreated"] = n.created.Format(time.RFC3339Nano)
	p["uniqueId"] = deterministicGUID("unique:" + strings.ToLower(n.id()))
	if n.srcType == "disks" {
		p["diskState"] = "Unattached"
	}
}
