package emulator

import (
	"net/http"
	"strings"
)

// route is a parsed ARM path: a resource, a collection or an action of a type of the table, or
// an operation endpoint. Names keep the casing of the request.
type route struct {
	sub, rg string
	// typ is the type addressed (the listed type of a collection).
	typ *resourceType
	// names are the names of the Compute resources on the path, outermost first: the addressed
	// resource's ancestors below the resource group, then (unless list) its own name.
	names []string
	list  bool
	// action names the POST action addressed, if any (a key of typ.actions).
	action string
	// serve handles the request.
	serve func(*Server, *armRequest)
	// location and opID name an operation.
	location, opID string
}

// name is the addressed resource's own name.
func (rt route) name() string { return rt.names[len(rt.names)-1] }

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
		rt.typ, rt.opID, rt.serve = groupType, segs[3], (*Server).handleGroupOperation
		return rt, nil
	case n == 8 && eq(2, "providers") && eq(3, computeNamespace) && eq(4, "locations") &&
		(eq(6, "capsOperations") || eq(6, "operations")):
		rt.typ, rt.location, rt.opID, rt.serve = operationType, segs[5], segs[7], (*Server).handleOperation
		return rt, nil
	case n == 5 && eq(2, "providers") && eq(3, computeNamespace) && eq(4, galleryType.segment):
		rt.typ, rt.list, rt.serve = galleryType, true, (*Server).handleSubscriptionGalleries
		return rt, nil
	case n < 3 || !eq(2, "resourcegroups"):
		return rt, bad
	case n == 3:
		rt.typ, rt.list, rt.serve = groupType, true, (*Server).handleGroupList
		return rt, nil
	}
	rt.rg = segs[3]
	if n == 4 {
		rt.typ, rt.serve = groupType, (*Server).handleGroup
		return rt, nil
	}
	if n < 7 || !eq(4, "providers") {
		return rt, bad
	}
	top := groupType.child(segs[6])
	if top == nil || !strings.EqualFold(top.namespace, segs[5]) {
		return rt, errf(http.StatusBadRequest, "InvalidResourceType",
			"The resource type '%s' could not be found in the namespace '%s' for the emulator.", strings.Join(segs[6:], "/"), segs[5])
	}
	if !rt.walk(top, segs[7:]) {
		return rt, errf(http.StatusBadRequest, "InvalidResourceType",
			"The resource type '%s' could not be found in the namespace '%s' for api version '2024-03-03'.",
			typePath(segs[6:]), computeNamespace)
	}
	return rt, nil
}

// walk parses the path below a top-level type: name, then a child collection or an action, and
// so on. It reports false when a segment names no type or action of the table.
func (rt *route) walk(t *resourceType, rest []string) bool {
	rt.typ = t
	switch {
	case len(rest) == 0:
		rt.list, rt.serve = true, (*Server).listResources
		return true
	case len(rest) == 1:
		rt.names, rt.serve = append(rt.names, rest[0]), (*Server).handleResource
		return true
	}
	rt.names = append(rt.names, rest[0])
	if a, ok := t.actions[strings.ToLower(rest[1])]; ok && len(rest) == 2 {
		rt.action, rt.serve = strings.ToLower(rest[1]), a.serve
		return true
	}
	c := t.child(rest[1])
	return c != nil && rt.walk(c, rest[2:])
}

// typePath returns the type segments (every other segment) of a path tail.
func typePath(segs []string) string {
	var t []string
	for i := 0; i < len(segs); i += 2 {
		t = append(t, segs[i])
	}
	return strings.Join(t, "/")
}

// computeTypeOf returns the ARM type (without namespace) the route addresses, for messages.
func (rt route) computeTypeOf() string {
	if rt.action != "" {
		return rt.typ.name + "/" + rt.action
	}
	return rt.typ.name
}

// resourcePath returns the route's resource as "Microsoft.Compute/galleries/g/images/i" (the
// resource group not included).
func (rt route) resourcePath() string {
	chain := rt.typ.chain()
	s := chain[0].namespace
	for i, t := range chain {
		s += "/" + t.segment
		if i < len(rt.names) {
			s += "/" + rt.names[i]
		}
	}
	return s
}

// scope returns the ARM scope string of the route.
func (rt route) scope() string {
	s := "/subscriptions/" + rt.sub
	if rt.rg == "" {
		return s
	}
	s += "/resourceGroups/" + rt.rg
	for i, t := range rt.typ.chain() { // none for a resource group
		s += t.idPrefix()
		if i < len(rt.names) {
			s += "/" + rt.names[i]
		}
	}
	return s
}

// rbacAction returns the RBAC action of method on the route.
func (rt route) rbacAction(method string) string {
	if rt.action != "" {
		return rt.typ.rbacType() + "/" + rt.action + "/action"
	}
	verb := "read"
	switch method {
	case http.MethodPut, http.MethodPatch, http.MethodPost:
		verb = "write"
	case http.MethodDelete:
		verb = "delete"
	}
	return rt.typ.rbacType() + "/" + verb
}

// noun is Compute's rate-limit counter noun of the route.
func (rt route) noun() string {
	if rt.action != "" {
		return rt.typ.actions[rt.action].noun()
	}
	return rt.typ.noun
}
