// Package profileversion is the GalleryInVMAccessControlProfileVersion kind: its desired body,
// diff, hash and Azure client. Its replication to target locations is every version kind's
// (internal/kinds/replication).
package profileversion

import (
	"cmp"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/kinds/replication"
)

// DesiredVersion builds the PUT body from the spec: the properties are sent as the spec says
// them (the API type has Azure's JSON shape); what the spec leaves unset stays nil.
func DesiredVersion(spec *v1alpha1.GalleryInVMAccessControlProfileVersionSpec) body {
	return body{
		Location:   azure.OptionalString(spec.Location),
		Tags:       azure.DesiredTags(spec.Tags),
		Properties: azure.Convert[armcompute.GalleryInVMAccessControlProfileVersionProperties](&spec.Properties),
	}
}

// PutBody is the body to PUT over existing: desired, with each target location's storage
// account type that the spec leaves unset repeated from Azure (see replication.Repeat).
func PutBody(desired body, existing *body) body {
	if existing == nil || existing.Properties == nil || desired.Properties == nil {
		return desired
	}
	props := *desired.Properties
	props.TargetLocations = replication.Repeat(*profileOf(&desired), *profileOf(existing)).TargetRegions
	desired.Properties = &props
	return desired
}

// profileOf is the replication part of v's properties (a profile version has target locations
// and excludeFromLatest, no publishing profile); nil when v has no properties.
func profileOf(v *body) *replication.Profile {
	if v == nil || v.Properties == nil {
		return nil
	}
	return &replication.Profile{TargetRegions: v.Properties.TargetLocations, ExcludeFromLatest: v.Properties.ExcludeFromLatest}
}

// Diff names the properties in which existing differs from desired; empty when none. Both sides
// are normalised. Everything but the location is updatable: mode, defaultAccess, the rules, the
// target locations (compared as every version's target regions are) and excludeFromLatest differ
// whenever their normalised values do.
func Diff(desired body, existing *body) []string {
	d, e := normalize(&desired, nil), normalize(existing, &desired)
	var out []string
	add := func(name string, differs bool) {
		if differs {
			out = append(out, name)
		}
	}
	add("location", d.Location != "" && d.Location != e.Location)
	add("tags", !maps.Equal(d.Tags, e.Tags))
	add("properties.mode", d.Mode != e.Mode)
	add("properties.defaultAccess", d.DefaultAccess != e.DefaultAccess)
	add("properties.rules", !reflect.DeepEqual(d.Rules, e.Rules))
	add("properties.targetLocations", !reflect.DeepEqual(d.Regions, e.Regions))
	add("properties.excludeFromLatest", d.ExcludeFromLatest != e.ExcludeFromLatest)
	return out
}

// SpecHash is a short stable hash of the normalised desired version: bodies Diff finds equal
// hash alike.
func SpecHash(desired body) string { return azure.HashOf(normalize(&desired, nil)) }

// normalVersion is the user-controlled part of a profile version with Azure's normalisations
// applied. Its JSON form is what SpecHash hashes, so fields are never reordered.
type normalVersion struct {
	Location      string            `json:"location"`
	Tags          map[string]string `json:"tags"`
	Mode          string            `json:"mode"`
	DefaultAccess string            `json:"defaultAccess"`
	Rules         normalRules       `json:"rules"`
	replication.Normal
}

// normalRules are the rules as sets: each list sorted by its key, the names a role or an
// assignment lists sorted and without repeats or empty names. No rules and empty rules are alike.
type normalRules struct {
	Privileges  []normalPrivilege `json:"privileges"`
	Roles       []normalGrant     `json:"roles"`
	Identities  []normalIdentity  `json:"identities"`
	Assignments []normalGrant     `json:"roleAssignments"`
}

type normalPrivilege struct {
	Name  string            `json:"name"`
	Path  string            `json:"path"`
	Query map[string]string `json:"queryParameters"`
}

// normalGrant is a role (its privileges) or a role assignment (its identities).
type normalGrant struct {
	Name    string   `json:"name"`
	Members []string `json:"members"`
}

type normalIdentity struct {
	Name        string `json:"name"`
	UserName    string `json:"userName"`
	GroupName   string `json:"groupName"`
	ExePath     string `json:"exePath"`
	ProcessName string `json:"processName"`
}

// normalize returns the user-controlled part of v (nil: an empty version): canonical location,
// tags with lower-cased names, mode and defaultAccess lower-cased (Azure matches enums ignoring
// case), the rules as sets, the target locations as every version's target regions. With like
// (the desired body) set, what like leaves unset of the target locations is blanked.
func normalize(v, like *body) normalVersion {
	if v == nil {
		v = &body{}
	}
	n := normalVersion{Location: azure.CanonicalLocation(azure.StrOf(v.Location)), Tags: azure.NormalTags(v.Tags)}
	if like == nil {
		n.Normal = replication.NormalOf(profileOf(v))
	} else {
		n.Normal = replication.NormalLike(profileOf(v), profileOf(like))
	}
	p := v.Properties
	if p == nil {
		return n
	}
	n.Mode, n.DefaultAccess = strings.ToLower(azure.StrOf(p.Mode)), strings.ToLower(azure.StrOf(p.DefaultAccess))
	if r := p.Rules; r != nil {
		n.Rules = normalRules{
			Privileges:  sortedBy(r.Privileges, normalPrivilegeOf, func(p normalPrivilege) string { return p.Name }),
			Roles:       sortedBy(r.Roles, normalRoleOf, func(g normalGrant) string { return g.Name }),
			Identities:  sortedBy(r.Identities, normalIdentityOf, func(i normalIdentity) string { return i.Name }),
			Assignments: sortedBy(r.RoleAssignments, normalAssignmentOf, func(g normalGrant) string { return g.Name }),
		}
	}
	return n
}

// sortedBy maps the non-nil items with norm and sorts them by key; nil when none is left.
func sortedBy[S any, N any](items []*S, norm func(*S) N, key func(N) string) []N {
	var out []N
	for _, it := range items {
		if it != nil {
			out = append(out, norm(it))
		}
	}
	slices.SortStableFunc(out, func(a, b N) int { return cmp.Compare(key(a), key(b)) })
	return out
}

func normalPrivilegeOf(p *armcompute.AccessControlRulesPrivilege) normalPrivilege {
	return normalPrivilege{Name: azure.StrOf(p.Name), Path: azure.StrOf(p.Path), Query: azure.NormalMap(p.QueryParameters)}
}

func normalRoleOf(r *armcompute.AccessControlRulesRole) normalGrant {
	return normalGrant{Name: azure.StrOf(r.Name), Members: azure.NormalSet(r.Privileges)}
}

func normalAssignmentOf(a *armcompute.AccessControlRulesRoleAssignment) normalGrant {
	return normalGrant{Name: azure.StrOf(a.Role), Members: azure.NormalSet(a.Identities)}
}

func normalIdentityOf(i *armcompute.AccessControlRulesIdentity) normalIdentity {
	return normalIdentity{Name: azure.StrOf(i.Name), UserName: azure.StrOf(i.UserName), GroupName: azure.StrOf(i.GroupName),
		ExePath: azure.StrOf(i.ExePath), ProcessName: azure.StrOf(i.ProcessName)}
}
