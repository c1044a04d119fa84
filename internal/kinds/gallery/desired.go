// Package gallery is the Gallery kind: its desired body, diff, hash, sharing actions and Azure
// client.
package gallery

import (
	"maps"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
)

// defaultPermissions is what Azure reports for a gallery created without a sharing profile.
const defaultPermissions = string(armcompute.GallerySharingPermissionTypesPrivate)

// private is the normalised Private permissions.
var private = strings.ToLower(defaultPermissions)

// DesiredGallery builds the gallery wanted in Azure from the spec. It includes the sharing
// groups, which Azure does not take in a PUT (the client leaves them out; the share action sends
// them), so that they count in the hash. Fields the spec leaves unset stay nil.
func DesiredGallery(spec *v1alpha1.GallerySpec) armcompute.Gallery {
	p := &spec.Properties
	props := &armcompute.GalleryProperties{
		Description:    azure.OptionalString(p.Description),
		SharingProfile: desiredSharing(p.SharingProfile),
	}
	if p.SoftDeletePolicy != nil {
		props.SoftDeletePolicy = &armcompute.SoftDeletePolicy{IsSoftDeleteEnabled: azure.ClonePtr(p.SoftDeletePolicy.IsSoftDeleteEnabled)}
	}
	return armcompute.Gallery{
		Location:   azure.OptionalString(spec.Location),
		Tags:       azure.DesiredTags(spec.Tags),
		Identity:   desiredIdentity(spec.Identity),
		Properties: props,
	}
}

// desiredSharing converts the sharing profile, groups included.
func desiredSharing(s *v1alpha1.SharingProfile) *armcompute.SharingProfile {
	if s == nil {
		return nil
	}
	out := &armcompute.SharingProfile{
		Permissions: azure.OptionalEnum[armcompute.GallerySharingPermissionTypes](string(s.Permissions)),
	}
	for _, g := range s.Groups {
		out.Groups = append(out.Groups, group(string(g.Type), g.IDs))
	}
	if c := s.CommunityGalleryInfo; c != nil {
		out.CommunityGalleryInfo = &armcompute.CommunityGalleryInfo{
			PublisherURI:     azure.OptionalString(c.PublisherURI),
			PublisherContact: azure.OptionalString(c.PublisherContact),
			Eula:             azure.OptionalString(c.Eula),
			PublicNamePrefix: azure.OptionalString(c.PublicNamePrefix),
		}
	}
	return out
}

// group builds a sharing group.
func group(groupType string, ids []string) *armcompute.SharingProfileGroup {
	g := &armcompute.SharingProfileGroup{Type: azure.OptionalEnum[armcompute.SharingProfileGroupTypes](groupType)}
	for _, id := range ids {
		g.IDs = append(g.IDs, azure.OptionalString(id))
	}
	return g
}

// desiredIdentity converts the managed identity.
func desiredIdentity(id *v1alpha1.GalleryIdentity) *armcompute.GalleryIdentity {
	if id == nil {
		return nil
	}
	out := &armcompute.GalleryIdentity{Type: azure.OptionalEnum[armcompute.ResourceIdentityType](string(id.Type))}
	if len(id.UserAssignedIdentities) > 0 {
		out.UserAssignedIdentities = map[string]*armcompute.UserAssignedIdentitiesValue{}
		for k := range id.UserAssignedIdentities {
			out.UserAssignedIdentities[k] = &armcompute.UserAssignedIdentitiesValue{}
		}
	}
	return out
}

// Diff returns the names of the properties in which existing differs from desired, empty when
// none. Both sides are normalised first. Updatable properties (tags, description, sharing
// permissions, soft deletion) differ whenever their normalised values do. Location, the
// community gallery info and the identity differ only when desired sets them. Sharing groups
// are not compared here: the share action, not the PUT, changes them (see NextAction).
func Diff(desired armcompute.Gallery, existing *armcompute.Gallery) []string {
	if existing == nil {
		existing = &armcompute.Gallery{}
	}
	d, e := normalize(&desired), normalize(existing)
	var out []string
	add := func(name string, differs bool) {
		if differs {
			out = append(out, name)
		}
	}
	add("location", desired.Location != nil && d.Location != e.Location)
	add("tags", !maps.Equal(d.Tags, e.Tags))
	add("identity", desired.Identity != nil && !identityEqual(d.Identity, e.Identity))
	add("properties.description", d.Description != e.Description)
	// Making a gallery private is the share action Reset's business (NextSharingAction): a PUT
	// without a sharing profile keeps Azure's permissions (recorded by Azure PowerShell).
	add("properties.sharingProfile.permissions", d.Permissions != e.Permissions && d.Permissions != private)
	add("properties.sharingProfile.communityGalleryInfo", d.Community != nil && (e.Community == nil || *d.Community != *e.Community))
	add("properties.softDeletePolicy", d.SoftDelete != e.SoftDelete)
	return out
}

// SpecHash is a short stable hash of the normalised desired gallery, sharing groups included.
func SpecHash(desired armcompute.Gallery) string {
	return azure.HashOf(normalize(&desired))
}

// normalGallery is the user-controlled part of a gallery with Azure's normalisations applied.
// Its JSON form is what SpecHash hashes, so fields are never reordered.
type normalGallery struct {
	Location    string              `json:"location"`
	Tags        map[string]string   `json:"tags"`
	Identity    *normalIdentity     `json:"identity"`
	Description string              `json:"description"`
	Permissions string              `json:"permissions"`
	Groups      map[string][]string `json:"groups"`
	Community   *normalCommunity    `json:"community"`
	SoftDelete  bool                `json:"softDelete"`
}

// normalIdentity is a managed identity: type lower-cased without spaces, user-assigned identity
// IDs lower-cased and sorted (ARM resource IDs compare without case).
type normalIdentity struct {
	Type         string   `json:"type"`
	UserAssigned []string `json:"userAssigned"`
}

// normalCommunity is the user-controlled part of the community gallery info.
type normalCommunity struct {
	PublisherURI     string `json:"publisherUri"`
	PublisherContact string `json:"publisherContact"`
	Eula             string `json:"eula"`
	PublicNamePrefix string `json:"publicNamePrefix"`
}

// normalize returns the user-controlled part of g: canonical location, tags as by
// azure.NormalTags, permissions lower-cased (Private when unset), sharing groups as lower-cased
// sorted id sets keyed by lower-cased type, soft deletion false when unset, identity None when
// unset.
func normalize(g *armcompute.Gallery) normalGallery {
	n := normalGallery{
		Location:    azure.CanonicalLocation(azure.StrOf(g.Location)),
		Tags:        azure.NormalTags(g.Tags),
		Identity:    normalID(g.Identity),
		Permissions: strings.ToLower(defaultPermissions),
	}
	if p := g.Properties; p != nil {
		n.Description = azure.StrOf(p.Description)
		if p.SoftDeletePolicy != nil && p.SoftDeletePolicy.IsSoftDeleteEnabled != nil {
			n.SoftDelete = *p.SoftDeletePolicy.IsSoftDeleteEnabled
		}
		if s := p.SharingProfile; s != nil {
			n.Permissions = strings.ToLower(azure.StrOrDefault(s.Permissions, defaultPermissions))
			n.Groups = groupSets(s.Groups)
			n.Community = normalCommunityInfo(s.CommunityGalleryInfo)
		}
	}
	return n
}

// groupSets turns sharing groups into sets of lower-cased ids keyed by lower-cased type; nil
// when no group has an id.
func groupSets(groups []*armcompute.SharingProfileGroup) map[string][]string {
	out := map[string][]string{}
	for _, g := range groups {
		if g == nil {
			continue
		}
		t := strings.ToLower(azure.StrOf(g.Type))
		for _, id := range g.IDs {
			if s := strings.ToLower(azure.StrOf(id)); s != "" {
				out[t] = append(out[t], s)
			}
		}
	}
	for t, ids := range out {
		slices.Sort(ids)
		out[t] = slices.Compact(ids)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func normalCommunityInfo(c *armcompute.CommunityGalleryInfo) *normalCommunity {
	if c == nil {
		return nil
	}
	return &normalCommunity{PublisherURI: azure.StrOf(c.PublisherURI), PublisherContact: azure.StrOf(c.PublisherContact),
		Eula: azure.StrOf(c.Eula), PublicNamePrefix: PublicNamePrefix(c)}
}

// PublicNamePrefix is a community gallery's public name prefix. Azure does not return the
// prefix it was given: it returns the public names, "<prefix>-<guid>" (recorded by the az CLI,
// testdata/recordings of the emulator), so the prefix is read from the first of them when the
// prefix itself is absent.
func PublicNamePrefix(c *armcompute.CommunityGalleryInfo) string {
	if c == nil {
		return ""
	}
	if p := azure.StrOf(c.PublicNamePrefix); p != "" || len(c.PublicNames) == 0 {
		return p
	}
	name := azure.StrOf(c.PublicNames[0])
	const guidLen = 36
	if i := len(name) - guidLen - 1; i > 0 && name[i] == '-' && isGUID(name[i+1:]) {
		return name[:i]
	}
	return ""
}

// isGUID reports whether s is a GUID in its 8-4-4-4-12 form.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !strings.ContainsRune("0123456789abcdefABCDEF", c):
			return false
		}
	}
	return true
}

func normalID(id *armcompute.GalleryIdentity) *normalIdentity {
	if id == nil {
		return nil
	}
	n := &normalIdentity{Type: strings.ToLower(strings.ReplaceAll(azure.StrOf(id.Type), " ", ""))}
	for k := range id.UserAssignedIdentities {
		n.UserAssigned = append(n.UserAssigned, strings.ToLower(k))
	}
	slices.Sort(n.UserAssigned)
	if n.Type == "none" && len(n.UserAssigned) == 0 {
		return nil
	}
	return n
}

// identityEqual compares normalised identities; nil is no identity.
func identityEqual(a, b *normalIdentity) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Type == b.Type && slices.Equal(a.UserAssigned, b.UserAssigned)
}
