package gallery

import (
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/kinds/kindfuzz"
)

// Fuzz tests of the pure part of the Gallery kind: DesiredGallery, Diff, SpecHash and
// NextSharingAction. Specs are built from the fuzzed bytes within what admission accepts (enums
// from their values, GUID ids, groups only with Groups, community info with Community, tag names
// unique ignoring case); FuzzGalleryArbitraryBodies feeds arbitrary JSON straight to them.

var locations = [][2]string{{"West Europe", "westeurope"}, {"North Europe", "northeurope"}, {"East US 2", "eastus2"}, {"westus", "West US"}}

const uaiPrefix = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/"

// fuzzGallerySpec builds a Gallery spec admission accepts; loc indexes locations.
func fuzzGallerySpec(f *kindfuzz.Bytes) (*v1alpha1.GallerySpec, int) {
	loc := f.Intn(len(locations))
	s := &v1alpha1.GallerySpec{ResourceGroupName: "rg", Location: locations[loc][0]}
	seen := map[string]bool{}
	for range f.Intn(5) {
		k := f.Pick("env", "Team", "owner", f.Text(6))
		if !seen[strings.ToLower(k)] {
			seen[strings.ToLower(k)] = true
			if s.Tags == nil {
				s.Tags = map[string]string{}
			}
			s.Tags[k] = f.Text(10)
		}
	}
	if f.Flag() {
		id := &v1alpha1.GalleryIdentity{Type: v1alpha1.GalleryIdentityType(f.Pick("SystemAssigned", "UserAssigned", "SystemAssigned, UserAssigned", "None"))}
		if strings.Contains(string(id.Type), "UserAssigned") {
			for range f.Intn(3) {
				if id.UserAssignedIdentities == nil {
					id.UserAssignedIdentities = map[string]v1alpha1.UserAssignedIdentity{}
				}
				id.UserAssignedIdentities[uaiPrefix+f.Pick("a", "b", "c")] = v1alpha1.UserAssignedIdentity{}
			}
		}
		s.Identity = id
	}
	s.Properties.Description = f.Text(16)
	if f.Flag() {
		s.Properties.SoftDeletePolicy = &v1alpha1.SoftDeletePolicy{IsSoftDeleteEnabled: []*bool{nil, to.Ptr(true), to.Ptr(false)}[f.Intn(3)]}
	}
	if f.Flag() {
		sp := &v1alpha1.SharingProfile{Permissions: v1alpha1.GallerySharingPermission(f.Pick("", "Private", "Groups", "Community"))}
		if sp.Permissions == v1alpha1.SharingGroups {
			for range f.Intn(3) { // at most 2 groups; a type may appear twice
				g := v1alpha1.SharingProfileGroup{Type: v1alpha1.SharingGroupType(f.Pick("Subscriptions", "AADTenants"))}
				for range f.Intn(5) {
					g.IDs = append(g.IDs, f.GUID())
				}
				sp.Groups = append(sp.Groups, g)
			}
		}
		if sp.Permissions == "Community" || f.Flag() {
			sp.CommunityGalleryInfo = &v1alpha1.CommunityGalleryInfo{PublisherURI: "https://contoso.example", PublisherContact: f.Pick("a@b.c", f.Text(6)),
				Eula: f.Pick("eula", f.Text(8)), PublicNamePrefix: f.Pick("contoso", "Contoso1")}
		}
		s.Properties.SharingProfile = sp
	}
	return s, loc
}

// galleryEcho is desired as Azure's GET (with $expand=sharingProfile/Groups) returns it: through
// the SDK's JSON, location spelled otherwise, tag names and group ids in another case, groups
// and ids reordered, Azure's defaults (Private, soft deletion off) and read-only fields added,
// community sharing enabled when asked for, identity principal ids filled in.
func galleryEcho(t *testing.T, f *kindfuzz.Bytes, desired armcompute.Gallery, loc string) *armcompute.Gallery {
	t.Helper()
	b, err := json.Marshal(desired)
	if err != nil {
		t.Fatal(err)
	}
	var e armcompute.Gallery
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("Azure's JSON of the desired gallery does not read back: %v\n%s", err, b)
	}
	e.ID = to.Ptr("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g")
	e.Name, e.Type = to.Ptr("g"), to.Ptr("Microsoft.Compute/galleries")
	e.Location = to.Ptr(loc)
	if len(e.Tags) > 0 {
		tags := map[string]*string{}
		for k, v := range e.Tags {
			if f.Flag() {
				k = kindfuzz.SwapCase(k)
			}
			tags[k] = v
		}
		e.Tags = tags
	}
	if id := e.Identity; id != nil {
		id.PrincipalID, id.TenantID = to.Ptr("p"), to.Ptr("t")
		if f.Flag() {
			id.Type = to.Ptr(armcompute.ResourceIdentityType(strings.ToLower(string(*id.Type))))
		}
		uai := map[string]*armcompute.UserAssignedIdentitiesValue{}
		for k := range id.UserAssignedIdentities {
			uai[strings.ToLower(k)] = &armcompute.UserAssignedIdentitiesValue{PrincipalID: to.Ptr("p"), ClientID: to.Ptr("c")}
		}
		if len(uai) > 0 {
			id.UserAssignedIdentities = uai
		}
	}
	if e.Properties == nil {
		e.Properties = &armcompute.GalleryProperties{}
	}
	p := e.Properties
	p.ProvisioningState = to.Ptr(armcompute.GalleryProvisioningStateSucceeded)
	p.Identifier = &armcompute.GalleryIdentifier{UniqueName: to.Ptr("s-G")}
	if p.SoftDeletePolicy == nil {
		p.SoftDeletePolicy = &armcompute.SoftDeletePolicy{IsSoftDeleteEnabled: to.Ptr(false)}
	}
	if p.SoftDeletePolicy.IsSoftDeleteEnabled == nil {
		p.SoftDeletePolicy.IsSoftDeleteEnabled = to.Ptr(false)
	}
	if p.SharingProfile == nil {
		p.SharingProfile = &armcompute.SharingProfile{}
	}
	sp := p.SharingProfile
	if sp.Permissions == nil {
		sp.Permissions = to.Ptr(armcompute.GallerySharingPermissionTypesPrivate)
	}
	kindfuzz.Shuffle(f, sp.Groups)
	for _, g := range sp.Groups {
		kindfuzz.Shuffle(f, g.IDs)
		for i, id := range g.IDs {
			if f.Flag() {
				g.IDs[i] = to.Ptr(kindfuzz.SwapCase(*id))
			}
		}
	}
	if c := sp.CommunityGalleryInfo; c != nil {
		c.CommunityGalleryEnabled = to.Ptr(strings.EqualFold(string(*sp.Permissions), "Community"))
		c.PublicNames = []*string{to.Ptr("contoso-1234")}
	}
	return &e
}

// respellGallery changes spec only in ways Azure ignores.
func respellGallery(f *kindfuzz.Bytes, spec *v1alpha1.GallerySpec, loc int) *v1alpha1.GallerySpec {
	s := spec.DeepCopy()
	s.Location = locations[loc][1]
	if len(s.Tags) > 0 {
		tags := map[string]string{}
		for k, v := range s.Tags {
			if f.Flag() {
				k = kindfuzz.SwapCase(k)
			}
			tags[k] = v
		}
		s.Tags = tags
	}
	if sp := s.Properties.SharingProfile; sp != nil {
		kindfuzz.Shuffle(f, sp.Groups)
		for gi := range sp.Groups {
			ids := sp.Groups[gi].IDs
			kindfuzz.Shuffle(f, ids)
			for i := range ids {
				if f.Flag() {
					ids[i] = kindfuzz.SwapCase(ids[i])
				}
			}
			if len(ids) > 0 && f.Flag() {
				sp.Groups[gi].IDs = append(ids, ids[0]) // a repeated id
			}
		}
		if sp.Permissions == "" && f.Flag() {
			sp.Permissions = v1alpha1.SharingPrivate
		}
	}
	if s.Properties.SoftDeletePolicy == nil && f.Flag() {
		s.Properties.SoftDeletePolicy = &v1alpha1.SoftDeletePolicy{IsSoftDeleteEnabled: to.Ptr(false)}
	}
	s.AzureName, s.DeletionPolicy = "other_name", v1alpha1.DeletionPolicyOrphan
	return s
}

var hexHash = regexp.MustCompile(`^[0-9a-f]{16}$`)

// gallerySeeds reach most branches of fuzzGallerySpec: groups, community, identities.
var gallerySeeds = [][]byte{
	nil,
	[]byte("\x01\x02\x00\x01\x01\x01\x02\x00\x02\x04\x01\x01\x00\x01\x01\x00\x04\x02\x00\x00\x03\x01\x02\x03\x04\x01\x01\x01\x02\x03\x01\x02\x03\x04\x05\x06\x07\x08\x09"),
	[]byte("\x00\x00\x01\x01\x02\x01\x02\x05hello\x01\x01\x01\x03\x00\x00\x01\x00\x00\x00\x00"),
	[]byte("\x03\x01\x00\x01\x03\x00\x01\x01\x00\x01\x01\x02\x02\x02\x01\x00\x01\x01\x01\x01\x02\x02\x02\x04\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"),
	[]byte("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0\xef\xee\xed\xec\xeb\xea\xe9\xe8\xe7\xe6\xe5\xe4\xe3\xe2\xe1\xe0"),
}

// applyShare is what Azure does with a share action: Remove or Add ids to its groups (compared
// ignoring case), or enable community sharing.
func applyShare(t *testing.T, g *armcompute.Gallery, u armcompute.SharingUpdate) {
	t.Helper()
	if g.Properties.SharingProfile == nil {
		g.Properties.SharingProfile = &armcompute.SharingProfile{}
	}
	sp := g.Properties.SharingProfile
	has := func(typ, id string) bool {
		for _, grp := range sp.Groups {
			if strings.EqualFold(string(*grp.Type), typ) && slices.ContainsFunc(grp.IDs, func(s *string) bool { return strings.EqualFold(*s, id) }) {
				return true
			}
		}
		return false
	}
	switch *u.OperationType {
	case armcompute.SharingUpdateOperationTypesEnableCommunity:
		if sp.CommunityGalleryInfo == nil {
			sp.CommunityGalleryInfo = &armcompute.CommunityGalleryInfo{}
		}
		sp.CommunityGalleryInfo.CommunityGalleryEnabled = to.Ptr(true)
	case armcompute.SharingUpdateOperationTypesAdd:
		for _, ug := range u.Groups {
			for _, id := range ug.IDs {
				if has(string(*ug.Type), *id) {
					t.Errorf("Add of %s %s, which Azure already has", *ug.Type, *id)
				}
				sp.Groups = append(sp.Groups, &armcompute.SharingProfileGroup{Type: ug.Type, IDs: []*string{to.Ptr(strings.ToUpper(*id))}})
			}
		}
	case armcompute.SharingUpdateOperationTypesRemove:
		for _, ug := range u.Groups {
			for _, id := range ug.IDs {
				if !has(string(*ug.Type), *id) {
					t.Errorf("Remove of %s %s, which Azure does not have", *ug.Type, *id)
				}
				for _, grp := range sp.Groups {
					if strings.EqualFold(string(*grp.Type), string(*ug.Type)) {
						grp.IDs = slices.DeleteFunc(grp.IDs, func(s *string) bool { return strings.EqualFold(*s, *id) })
					}
				}
			}
		}
	case armcompute.SharingUpdateOperationTypesReset:
		// Azure leaves only the permissions, Private (recorded: the emulator's replays).
		*sp = armcompute.SharingProfile{Permissions: to.Ptr(armcompute.GallerySharingPermissionTypesPrivate)}
	default:
		t.Fatalf("unknown share operation %s", *u.OperationType)
	}
}

// FuzzGalleryDesired: for any spec admission accepts, the desired gallery
//   - never differs from itself, and hashes alike every time;
//   - never differs from Azure's echo of it, and needs no share action over it;
//   - neither differs from nor hashes otherwise than the gallery of the spec respelled in ways
//     Azure ignores (location, tag-name case, group and id order, id case, repeated ids,
//     explicit defaults);
//   - reaches Azure's sharing groups from any other gallery's in at most three share actions
//     (Remove, Add, EnableCommunity), never adding what Azure has nor removing what it lacks.
func FuzzGalleryDesired(f *testing.F) {
	for _, s := range gallerySeeds {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, data, other []byte) {
		fb := kindfuzz.NewBytes(data)
		spec, loc := fuzzGallerySpec(fb)
		before, _ := json.Marshal(spec)
		d := DesiredGallery(spec)
		if after, _ := json.Marshal(spec); string(after) != string(before) {
			t.Fatal("DesiredGallery changed the spec")
		}
		if diff := Diff(d, &d); len(diff) != 0 {
			t.Errorf("Diff(d, &d) = %q", diff)
		}
		h := SpecHash(d)
		if !hexHash.MatchString(h) || SpecHash(DesiredGallery(spec)) != h {
			t.Errorf("SpecHash unstable: %s", h)
		}
		echo := galleryEcho(t, fb, d, locations[loc][1])
		if diff := Diff(d, echo); len(diff) != 0 {
			t.Errorf("desired differs from Azure's echo in %q\nspec: %s", diff, before)
		}
		if a := NextSharingAction(&d, echo); a != nil {
			t.Errorf("a share action over Azure's echo: %s\nspec: %s", a.Message, before)
		}
		re := respellGallery(fb, spec, loc)
		d2 := DesiredGallery(re)
		if h2 := SpecHash(d2); h2 != h {
			re2, _ := json.Marshal(re)
			t.Errorf("respelling changed the hash %s -> %s\nspec: %s\nrespelled: %s", h, h2, before, re2)
		}
		if diff := Diff(d2, echo); len(diff) != 0 {
			t.Errorf("respelled spec differs from Azure's echo in %q", diff)
		}
		if a := NextSharingAction(&d2, echo); a != nil {
			t.Errorf("respelled spec wants a share action: %s", a.Message)
		}

		// Convergence of sharing from another gallery's state in Azure.
		start, _ := fuzzGallerySpec(kindfuzz.NewBytes(other))
		existing := galleryEcho(t, kindfuzz.NewBytes(other), DesiredGallery(start), "westeurope")
		for step := 0; ; step++ {
			a := NextSharingAction(&d, existing)
			if a == nil {
				break
			}
			if step == 3 {
				t.Fatalf("no convergence after 3 share actions; next: %s", a.Message)
			}
			applyShare(t, existing, a.Body.(armcompute.SharingUpdate))
		}
		if want, got := groupSets(groupsOf(&d)), groupSets(groupsOf(existing)); !reflect.DeepEqual(want, got) {
			t.Errorf("after the share actions Azure has %v, want %v", got, want)
		}
	})
}

// groupsOf is g's sharing groups.
func groupsOf(g *armcompute.Gallery) []*armcompute.SharingProfileGroup {
	if g.Properties == nil || g.Properties.SharingProfile == nil {
		return nil
	}
	return g.Properties.SharingProfile.Groups
}

// FuzzGalleryArbitraryBodies feeds arbitrary JSON, as a spec and as Azure's galleries, to
// DesiredGallery, Diff, SpecHash and NextSharingAction: nothing panics, a gallery never differs
// from itself nor needs a share action over itself, the hash is stable, and galleries that hash
// alike never differ.
func FuzzGalleryArbitraryBodies(f *testing.F) {
	full, _ := json.Marshal(DesiredGallery(spec()))
	f.Add(full, full)
	f.Add([]byte(`{"identity":{"type":"None","userAssignedIdentities":{"A":null}},"properties":{"sharingProfile":{"groups":[null,{"ids":[null,""]},{"type":"subscriptions","ids":["X"]}]}}}`),
		[]byte(`{"identity":{"type":"none"},"properties":{"sharingProfile":{"permissions":"Community","communityGalleryInfo":{}}}}`))
	f.Add([]byte(`{}`), []byte(`{"properties":{"softDeletePolicy":{}}}`))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var s v1alpha1.GallerySpec
		if json.Unmarshal(a, &s) == nil {
			_ = SpecHash(DesiredGallery(&s))
		}
		var x, y armcompute.Gallery
		if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
			return
		}
		pure := kindfuzz.Pure[armcompute.Gallery]{Diff: Diff, Hash: SpecHash}
		pure.SelfConsistent(t, x)
		pure.HashAgreesWithDiff(t, x, y)
		if act := NextSharingAction(&x, &x); act != nil && act.Reason != ReasonEnablingCommunity {
			t.Errorf("a share action over itself: %s", act.Message)
		}
		_ = Diff(x, nil)
		_ = NextSharingAction(&x, &y)
	})
}
