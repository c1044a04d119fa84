package emulator

import (
	"net/http"
	"strings"
)

// routeKind identifies the ARM resource (or collection) a path names.
type routeKind int

const (
	kindUnknown routeKind = iota
	kindGroupList
	kindGroup
	kindGroupOperation
	kindGalleryList
	kindGallery
	kindImageList
	kindImage
	kindVersionList
	kindVersion
	kindOperation
	// Kinds added after kindOperation are Compute kinds too (see isCompute).
	kindGalleryShare // POST .../galleries/{g}/share
	kindSourceList   // .../providers/Microsoft.Compute/{images|snapshots|disks}
	kindSource       // .../providers/Microsoft.Compute/{images|snapshots|disks}/{name}
)

// isCompute reports whether the route belongs to Microsoft.Compute.
func (k routeKind) isCompute() bool {
	return k >= kindGalleryList
}

// computeType is the resource type name used in ARM messages.
func (k routeKind) computeType() string {
	switch k {
	case kindGallery, kindGalleryList:
		return "galleries"
	case kindImage, kindImageList:
		return "galleries/images"
	case kindVersion, kindVersionList:
		return "galleries/images/versions"
	case kindOperation:
		return "locations/capsOperations"
	case kindGalleryShare:
		return "galleries/share"
	}
	return ""
}

// route is a parsed ARM path. Names keep the casing of the request.
type route struct {
	kind                         routeKind
	sub, rg, gallery, image, ver string
	location, opID               string
	// srcType is "images", "snapshots" or "disks" for kindSource(List);
	// src is the source resource's name.
	srcType, src string
}

// sourceTypes are the Microsoft.Compute types that can be gallery image
// version sources, with their canonical casing.
var sourceTypes = []string{"images", "snapshots", "disks"}

// computeTypeOf returns the ARM type (without namespace) of the route.
func (rt route) computeTypeOf() string {
	if rt.kind == kindSource || rt.kind == kindSourceList {
		return rt.srcType
	}
	return rt.kind.computeType()
}

// parseRoute parses an ARM path, matching fixed segments case-insensitively.
func parseRoute(path string) (route, *apiError) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var rt route
	eq := func(i int, s string) bool { return i < len(segs) && strings.EqualFold(segs[i], s) }
	bad := errf(http.StatusNotFound, "NotFound", "No HTTP resource was found that matches the request URI '%s'.", path)
	if len(segs) < 2 || !eq(0, "subscriptions") || segs[1] == "" {
		return rt, bad
	}
	for _, s := range segs {
		if s == "" {
			return rt, bad
		}
	}
	rt.sub = segs[1]
	n := len(segs)
	switch {
	case n == 4 && eq(2, "operationresults"):
		rt.kind, rt.opID = kindGroupOperation, segs[3]
		return rt, nil
	case n == 8 && eq(2, "providers") && eq(3, "Microsoft.Compute") && eq(4, "locations") &&
		(eq(6, "capsOperations") || eq(6, "operations")):
		rt.kind, rt.location, rt.opID = kindOperation, segs[5], segs[7]
		return rt, nil
	case n == 5 && eq(2, "providers") && eq(3, "Microsoft.Compute") && eq(4, "galleries"):
		rt.kind = kindGalleryList // the subscription's galleries
		return rt, nil
	case n < 3 || !eq(2, "resourcegroups"):
		return rt, bad
	case n == 3:
		rt.kind = kindGroupList
		return rt, nil
	}
	rt.rg = segs[3]
	if n == 4 {
		rt.kind = kindGroup
		return rt, nil
	}
	if n < 7 || !eq(4, "providers") {
		return rt, bad
	}
	if eq(5, "Microsoft.Compute") && (n == 7 || n == 8) {
		for _, st := range sourceTypes {
			if eq(6, st) {
				rt.srcType = st
				rt.kind = kindSourceList
				if n == 8 {
					rt.kind, rt.src = kindSource, segs[7]
				}
				return rt, nil
			}
		}
	}
	if n == 9 && eq(5, "Microsoft.Compute") && eq(6, "galleries") && eq(8, "share") {
		rt.kind, rt.gallery = kindGalleryShare, segs[7]
		return rt, nil
	}
	if !eq(5, "Microsoft.Compute") || !eq(6, "galleries") {
		return rt, errf(http.StatusBadRequest, "InvalidResourceType",
			"The resource type '%s' could not be found in the namespace '%s' for the emulator.", strings.Join(segs[6:], "/"), segs[5])
	}
	kinds := []routeKind{kindGalleryList, kindGallery, kindImageList, kindImage, kindVersionList, kindVersion}
	if n > 12 || (n >= 9 && !eq(8, "images")) || (n >= 11 && !eq(10, "versions")) {
		return rt, errf(http.StatusBadRequest, "InvalidResourceType",
			"The resource type '%s' could not be found in the namespace 'Microsoft.Compute' for api version '2024-03-03'.",
			typePath(segs[6:]))
	}
	rt.kind = kinds[n-7]
	if n >= 8 {
		rt.gallery = segs[7]
	}
	if n >= 10 {
		rt.image = segs[9]
	}
	if n >= 12 {
		rt.ver = segs[11]
	}
	return rt, nil
}

// typePath returns the type segments (every other segment) of a path tail.
func typePath(segs []string) string {
	var t []string
	for i := 0; i < len(segs); i += 2 {
		t = append(t, segs[i])
	}
	return strings.Join(t, "/")
}

// scope returns the ARM scope string of the route.
func (rt route) scope() string {
	s := "/subscriptions/" + rt.sub
	if rt.rg == "" {
		return s
	}
	s += "/resourceGroups/" + rt.rg
	switch rt.kind {
	case kindGroup, kindGroupList:
		return s
	case kindSource, kindSourceList:
		s += "/providers/Microsoft.Compute/" + rt.srcType
		if rt.src != "" {
			s += "/" + rt.src
		}
		return s
	case kindGalleryShare:
		return s + "/providers/Microsoft.Compute/galleries/" + rt.gallery
	}
	s += "/providers/Microsoft.Compute/galleries"
	if rt.gallery != "" {
		s += "/" + rt.gallery
	}
	if rt.kind >= kindImageList {
		s += "/images"
		if rt.image != "" {
			s += "/" + rt.image
		}
	}
	if rt.kind >= kindVersionList {
		s += "/versions"
		if rt.ver != "" {
			s += "/" + rt.ver
		}
	}
	return s
}

// action returns the RBAC action of method on the route.
func (rt route) action(method string) string {
	verb := "read"
	switch method {
	case http.MethodPut, http.MethodPatch, http.MethodPost:
		verb = "write"
	case http.MethodDelete:
		verb = "delete"
	}
	switch rt.kind {
	case kindGroup, kindGroupList, kindGroupOperation:
		return "Microsoft.Resources/subscriptions/resourceGroups/" + verb
	case kindOperation:
		return "Microsoft.Compute/locations/capsOperations/read"
	case kindGalleryShare:
		return "Microsoft.Compute/galleries/share/action"
	}
	return "Microsoft.Compute/" + rt.computeTypeOf() + "/" + verb
}
