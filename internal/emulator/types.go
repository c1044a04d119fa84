package emulator

import (
	"net/url"
	"strings"
)

// resourceType is one row of the emulator's table of ARM resource types. The handlers
// (resources.go, write.go) are generic over it: a path is parsed by walking the table (route.go),
// a write is checked and stored by the row's ops, and the row says how the type answers (its
// operation behaviour, paging, api-versions). Each row is declared in the file of its type.
type resourceType struct {
	namespace string // "Microsoft.Compute"
	name      string // the ARM type without namespace: "galleries/images/versions"
	segment   string // the collection segment of a path: "versions"
	parent    *resourceType
	rbacName  string // the type in RBAC actions when it differs from name
	label     string // for messages: "gallery image version"
	body      string // the body's name in messages and error targets: "galleryImageVersion"
	noun      string // Compute's rate-limit counter noun: "GalleryImageVersion"
	// apiVersions are the accepted api-versions.
	apiVersions []string
	// checkName validates the resource's name on a write.
	checkName func(name string) *apiError
	lro       lroMode
	// paged lists answer PageSize resources at a time with a nextLink.
	paged bool
	ops   typeOps
	// actions are the POST actions on a resource of the type (.../{name}/{action}).
	actions map[string]resourceAction
}

// lroMode is how writes and deletions of a type answer.
type lroMode struct {
	// sync: writes and deletions complete at once, without an operation.
	sync bool
	// accepted: writes answer 202 with Azure-AsyncOperation and Location.
	accepted bool
	// location: writes carry Location besides Azure-AsyncOperation.
	location bool
	// updateDone: an update of an existing resource succeeds at once.
	updateDone bool
}

// typeOps is the type-specific part of a write.
type typeOps interface {
	// checkRequest validates what the request shows alone, before the parent is looked up.
	checkRequest(w *write) *apiError
	// apply validates the write against the stored state (w.cur, nil on create; s.mu held) and
	// returns the resource's new data.
	apply(s *Server, w *write) (resourceData, *apiError)
}

// resourceData is a resource's type-specific state.
type resourceData interface {
	// properties renders the resource's "properties"; q is the query of a GET ($expand,
	// $select), nil for other answers. s.mu is held.
	properties(s *Server, n *node, q url.Values) map[string]any
}

// deleteGuarded is resourceData that may refuse its deletion.
type deleteGuarded interface {
	deleteGuard(n *node) *apiError
}

// resourceAction is a POST action on a resource (the gallery's share).
type resourceAction interface {
	serve(s *Server, ar *armRequest)
	// noun is Compute's rate-limit counter noun of the action.
	noun() string
}

// Provider namespaces.
const (
	computeNamespace   = "Microsoft.Compute"
	resourcesNamespace = "Microsoft.Resources"
)

// resourceTypes is the table: every type a path can address.
var resourceTypes = []*resourceType{
	groupType, galleryType, imageType, imageVersionType, applicationType, applicationVersionType,
	profileType, profileVersionType, managedImageType, snapshotType, diskType,
}

// operationType is the Compute operation status endpoint
// (/providers/Microsoft.Compute/locations/{l}/capsOperations/{id}), a type for RBAC, api-version and
// rate-limit purposes only.
var operationType = &resourceType{
	namespace: computeNamespace, name: "locations/capsOperations", noun: "OperationStatus",
	apiVersions: computeAPIVersions,
}

// children returns the types whose parent is t, in table order.
func (t *resourceType) children() []*resourceType {
	var out []*resourceType
	for _, c := range resourceTypes {
		if c.parent == t {
			out = append(out, c)
		}
	}
	return out
}

// child returns t's child type with the collection segment seg (case-insensitive), or nil.
func (t *resourceType) child(seg string) *resourceType {
	for _, c := range t.children() {
		if strings.EqualFold(c.segment, seg) {
			return c
		}
	}
	return nil
}

// chain returns the types from the one below the resource group down to t.
func (t *resourceType) chain() []*resourceType {
	var out []*resourceType
	for c := t; c != nil && c != groupType; c = c.parent {
		out = append([]*resourceType{c}, out...)
	}
	return out
}

// armType is the full ARM type: "Microsoft.Compute/galleries/images".
func (t *resourceType) armType() string { return t.namespace + "/" + t.name }

// rbacType is the type as RBAC actions name it.
func (t *resourceType) rbacType() string {
	if t.rbacName != "" {
		return t.namespace + "/" + t.rbacName
	}
	return t.armType()
}

// idPrefix is what a resource of the type adds to its parent's id before its name.
func (t *resourceType) idPrefix() string {
	if t.parent == groupType {
		return "/providers/" + t.namespace + "/" + t.segment
	}
	return "/" + t.segment
}

// isCompute reports whether the type belongs to Microsoft.Compute.
func (t *resourceType) isCompute() bool { return t.namespace == computeNamespace }
