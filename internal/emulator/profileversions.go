package emulator

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// profileVersionType is Microsoft.Compute/galleries/inVMAccessControlProfiles/versions: the
// access control rules of a profile. A version replicates to its targetLocations as image
// versions replicate to their target regions (replication.go).
var profileVersionType = &resourceType{
	namespace: computeNamespace, name: "galleries/inVMAccessControlProfiles/versions", segment: "versions",
	parent: profileType, label: "gallery inVMAccessControlProfile version",
	body: "galleryInVMAccessControlProfileVersion", noun: "GalleryInVMAccessControlProfileVersion",
	apiVersions: computeAPIVersions,
	checkName:   semverName("gallery inVMAccessControlProfile version", "inVMAccessControlProfileVersionName"),
	paged:       true, ops: profileVersionOps{},
}

// accessPrivilege is AccessControlRulesPrivilege.
type accessPrivilege struct {
	Name            string            `json:"name"`
	Path            string            `json:"path"`
	QueryParameters map[string]string `json:"queryParameters,omitempty"`
}

// accessRole is AccessControlRulesRole.
type accessRole struct {
	Name       string   `json:"name"`
	Privileges []string `json:"privileges"`
}

// accessIdentity is AccessControlRulesIdentity.
type accessIdentity struct {
	Name        string `json:"name"`
	UserName    string `json:"userName,omitempty"`
	GroupName   string `json:"groupName,omitempty"`
	ExePath     string `json:"exePath,omitempty"`
	ProcessName string `json:"processName,omitempty"`
}

// accessRoleAssignment is AccessControlRulesRoleAssignment.
type accessRoleAssignment struct {
	Role       string   `json:"role"`
	Identities []string `json:"identities"`
}

// accessRules is AccessControlRules.
type accessRules struct {
	Privileges      []accessPrivilege      `json:"privileges,omitempty"`
	Roles           []accessRole           `json:"roles,omitempty"`
	Identities      []accessIdentity       `json:"identities,omitempty"`
	RoleAssignments []accessRoleAssignment `json:"roleAssignments,omitempty"`
}

// profileVersionProperties is GalleryInVMAccessControlProfileVersionProperties without the
// read-only provisioningState and replicationStatus.
type profileVersionProperties struct {
	Mode              string         `json:"mode,omitempty"`
	DefaultAccess     string         `json:"defaultAccess,omitempty"`
	Rules             *accessRules   `json:"rules,omitempty"`
	TargetLocations   []targetRegion `json:"targetLocations,omitempty"`
	ExcludeFromLatest *bool          `json:"excludeFromLatest,omitempty"`
	PublishedDate     string         `json:"publishedDate,omitempty"`
}

// Enum values of the profile version API.
var (
	accessModes    = []string{"Audit", "Enforce", "Disabled"}
	endpointAccess = []string{"Allow", "Deny"}
)

// profileVersionData is a profile version's stored state.
type profileVersionData struct {
	props profileVersionProperties
	rep   replication
}

// replication implements replicated.
func (d *profileVersionData) replication() *replication { return &d.rep }

// properties implements resourceData; $expand=ReplicationStatus adds replicationStatus.
func (d *profileVersionData) properties(_ *Server, n *node, q url.Values) map[string]any {
	m := toMap(d.props)
	m["provisioningState"] = n.state
	d.rep.addStatus(m, q)
	return m
}

// profileVersionOps are the write rules of a profile version.
type profileVersionOps struct{}

// checkRequest implements typeOps: a PUT needs valid properties.
func (profileVersionOps) checkRequest(w *write) *apiError {
	if w.patch {
		return nil
	}
	_, e := toProfileVersionProperties(w.merged(nil))
	return e
}

// toProfileVersionProperties converts a JSON map to validated profileVersionProperties: mode and
// defaultAccess are required, the rules consistent.
func toProfileVersionProperties(m map[string]any) (*profileVersionProperties, *apiError) {
	for _, ro := range []string{"provisioningState", "replicationStatus", "publishedDate"} {
		delete(m, ro)
	}
	var p profileVersionProperties
	if e := convert(m, &p); e != nil {
		return nil, e
	}
	t := profileVersionType
	if e := requiredEnum(t, "mode", &p.Mode, accessModes); e != nil {
		return nil, e
	}
	if e := requiredEnum(t, "defaultAccess", &p.DefaultAccess, endpointAccess); e != nil {
		return nil, e
	}
	if p.Rules != nil {
		if e := p.Rules.validate(); e != nil {
			return nil, e
		}
	}
	return &p, nil
}

// apply implements typeOps: target locations are checked and returned by display name (the
// version's location when none is given), excludeFromLatest defaults to false.
func (profileVersionOps) apply(_ *Server, w *write) (resourceData, *apiError) {
	var old *profileVersionData
	var current any
	if w.cur != nil {
		old = w.cur.data.(*profileVersionData)
		current = old.props
	}
	p, e := toProfileVersionProperties(w.merged(current))
	if e != nil {
		return nil, e
	}
	if e := normalizeTargetLocations(p, w.loc); e != nil {
		return nil, e
	}
	if p.ExcludeFromLatest == nil {
		p.ExcludeFromLatest = boolp(false)
	}
	p.PublishedDate = time.Now().UTC().Format(time.RFC3339Nano)
	if old != nil {
		p.PublishedDate = old.props.PublishedDate
	}
	names := make([]string, len(p.TargetLocations))
	for i, l := range p.TargetLocations {
		names[i] = l.Name
	}
	return &profileVersionData{props: *p, rep: newReplication(names)}, nil
}

// normalizeTargetLocations checks the target locations (named, known, not repeated, storage
// account types of the enum) and returns them by display name.
func normalizeTargetLocations(p *profileVersionProperties, loc string) *apiError {
	t := profileVersionType
	if len(p.TargetLocations) == 0 {
		p.TargetLocations = []targetRegion{{Name: loc}}
	}
	seen := map[string]bool{}
	for i := range p.TargetLocations {
		l := &p.TargetLocations[i]
		name := fmt.Sprintf("targetLocations[%d]", i)
		if strings.TrimSpace(l.Name) == "" {
			return missingProp(t, name+".name")
		}
		c, e := checkLocation(l.Name, t.armType())
		if e != nil {
			return e.withTarget(propPath(t, name+".name"))
		}
		if seen[c] {
			return invalidProp(t, "targetLocations", "Duplicate regions are not allowed in target locations.")
		}
		seen[c] = true
		l.Name = displayLocation(c)
		if e := enumProp(t, name+".storageAccountType", &l.StorageAccountType, storageAccountTypes); e != nil {
			return e
		}
	}
	return nil
}

// validate checks the rules: privileges, roles and identities named and unique; a privilege has
// a path; every privilege a role names and every role and identity an assignment names is
// defined in the same rules.
func (r *accessRules) validate() *apiError {
	t := profileVersionType
	privileges, roles, identities := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, p := range r.Privileges {
		at := fmt.Sprintf("rules.privileges[%d]", i)
		if e := uniqueName(at, p.Name, privileges); e != nil {
			return e
		}
		if p.Path == "" {
			return missingProp(t, at+".path")
		}
	}
	for i, id := range r.Identities {
		if e := uniqueName(fmt.Sprintf("rules.identities[%d]", i), id.Name, identities); e != nil {
			return e
		}
	}
	for i, role := range r.Roles {
		at := fmt.Sprintf("rules.roles[%d]", i)
		if e := uniqueName(at, role.Name, roles); e != nil {
			return e
		}
		if e := references(at+".privileges", role.Privileges, privileges, "privilege", "rules.privileges"); e != nil {
			return e
		}
	}
	for i, a := range r.RoleAssignments {
		at := fmt.Sprintf("rules.roleAssignments[%d]", i)
		if a.Role == "" {
			return missingProp(t, at+".role")
		}
		if e := references(at+".role", []string{a.Role}, roles, "role", "rules.roles"); e != nil {
			return e
		}
		if e := references(at+".identities", a.Identities, identities, "identity", "rules.identities"); e != nil {
			return e
		}
	}
	return nil
}

// uniqueName requires the name of the rule element at, not used before (seen).
func uniqueName(at, name string, seen map[string]bool) *apiError {
	t := profileVersionType
	if name == "" {
		return missingProp(t, at+".name")
	}
	if seen[name] {
		return invalidProp(t, at+".name", "The name '%s' is used more than once in '%s'.", name,
			propPath(t, at[:strings.Index(at, "[")]))
	}
	seen[name] = true
	return nil
}

// references requires the list at (required, non-empty) to name only defined elements.
func references(at string, names []string, defined map[string]bool, what, where string) *apiError {
	t := profileVersionType
	if len(names) == 0 {
		return missingProp(t, at)
	}
	for _, n := range names {
		if !defined[n] {
			return invalidProp(t, at, "The %s '%s' referenced by '%s' is not defined in '%s'.", what, n, propPath(t, at),
				propPath(t, where))
		}
	}
	return nil
}
