package gallery

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
)

const (
	subA = "00000000-0000-0000-0000-00000000000a"
	subB = "00000000-0000-0000-0000-00000000000b"
)

// spec is a gallery spec with a description, tags and Groups sharing with subA.
func spec() *v1alpha1.GallerySpec {
	return &v1alpha1.GallerySpec{
		ResourceGroupName: "rg", Location: "West Europe", Tags: map[string]string{"team": "platform"},
		Properties: v1alpha1.GalleryProperties{
			Description:    "platform images",
			SharingProfile: &v1alpha1.SharingProfile{Permissions: v1alpha1.SharingGroups, Groups: []v1alpha1.SharingProfileGroup{{Type: "Subscriptions", IDs: []string{subA}}}},
		},
	}
}

// echo is desired as Azure returns it: canonical location, upper-case ids, read-only fields.
func echo(d armcompute.Gallery) *armcompute.Gallery {
	b, _ := json.Marshal(d)
	var e armcompute.Gallery
	_ = json.Unmarshal(b, &e)
	e.Location = to.Ptr("westeurope")
	e.ID = to.Ptr("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g")
	e.Properties.ProvisioningState = to.Ptr(armcompute.GalleryProvisioningStateSucceeded)
	e.Properties.Identifier = &armcompute.GalleryIdentifier{UniqueName: to.Ptr("s-G")}
	e.Properties.SoftDeletePolicy = &armcompute.SoftDeletePolicy{IsSoftDeleteEnabled: to.Ptr(false)}
	for _, g := range e.Properties.SharingProfile.Groups {
		for i, id := range g.IDs {
			g.IDs[i] = to.Ptr(upper(*id))
		}
	}
	return &e
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(e *armcompute.Gallery)
		spec   func(s *v1alpha1.GallerySpec)
		want   []string
	}{
		{"Azure's echo matches", nil, nil, nil},
		{"description changed in Azure", func(e *armcompute.Gallery) { e.Properties.Description = to.Ptr("x") }, nil, []string{"properties.description"}},
		{"a tag added in Azure", func(e *armcompute.Gallery) { e.Tags["extra"] = to.Ptr("1") }, nil, []string{"tags"}},
		{"tag names differ only in case", func(e *armcompute.Gallery) { e.Tags = map[string]*string{"TEAM": to.Ptr("platform")} }, nil, nil},
		{"permissions changed in Azure", func(e *armcompute.Gallery) {
			e.Properties.SharingProfile.Permissions = to.Ptr(armcompute.GallerySharingPermissionTypesPrivate)
		}, nil, []string{"properties.sharingProfile.permissions"}},
		{"groups differ: not a PUT's business", func(e *armcompute.Gallery) { e.Properties.SharingProfile.Groups = nil }, nil, nil},
		{"soft delete enabled in the spec", nil, func(s *v1alpha1.GallerySpec) {
			s.Properties.SoftDeletePolicy = &v1alpha1.SoftDeletePolicy{IsSoftDeleteEnabled: to.Ptr(true)}
		}, []string{"properties.softDeletePolicy"}},
		{"no sharing profile in the spec means Private: the share action's business", nil,
			func(s *v1alpha1.GallerySpec) { s.Properties.SharingProfile = nil }, nil},
		{"identity set only in Azure is not managed", func(e *armcompute.Gallery) {
			e.Identity = &armcompute.GalleryIdentity{Type: to.Ptr(armcompute.ResourceIdentityTypeSystemAssigned)}
		}, nil, nil},
		{"identity wanted", nil, func(s *v1alpha1.GallerySpec) { s.Identity = &v1alpha1.GalleryIdentity{Type: "SystemAssigned"} }, []string{"identity"}},
		{"location spelled otherwise", nil, func(s *v1alpha1.GallerySpec) { s.Location = "westeurope" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			existing := echo(DesiredGallery(spec()))
			if tt.mutate != nil {
				tt.mutate(existing)
			}
			s := spec()
			if tt.spec != nil {
				tt.spec(s)
			}
			if got := Diff(DesiredGallery(s), existing); !slices.Equal(got, tt.want) {
				t.Errorf("Diff = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSpecHash(t *testing.T) {
	base := SpecHash(DesiredGallery(spec()))
	reordered := spec()
	reordered.Location = "westeurope"
	reordered.Properties.SharingProfile.Groups[0].IDs = []string{upper(subA)}
	if h := SpecHash(DesiredGallery(reordered)); h != base {
		t.Errorf("a spelling Azure ignores changed the hash: %s vs %s", h, base)
	}
	shared := spec()
	shared.Properties.SharingProfile.Groups[0].IDs = append(shared.Properties.SharingProfile.Groups[0].IDs, subB)
	if SpecHash(DesiredGallery(shared)) == base {
		t.Error("a new sharing group member did not change the hash")
	}
}

func TestNextSharingAction(t *testing.T) {
	ids := func(a *armcompute.SharingUpdate) []string {
		var out []string
		for _, g := range a.Groups {
			for _, id := range g.IDs {
				out = append(out, string(*g.Type)+":"+*id)
			}
		}
		return out
	}
	tests := []struct {
		name    string
		want    []string // desired Subscriptions ids
		have    []string // Azure's
		wantOp  string   // "" for no action
		wantIDs []string
	}{
		{"in sync", []string{subA}, []string{upper(subA)}, "", nil},
		{"one to add", []string{subA, subB}, []string{subA}, "Add", []string{"Subscriptions:" + subB}},
		{"one to remove first", []string{subB}, []string{subA}, "Remove", []string{"Subscriptions:" + subA}},
		{"all removed", nil, []string{subA, subB}, "Remove", []string{"Subscriptions:" + subA, "Subscriptions:" + subB}},
		{"made private", []string{"private"}, []string{subA}, "Reset", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := spec()
			s.Properties.SharingProfile.Groups = nil
			if slices.Equal(tt.want, []string{"private"}) {
				s.Properties.SharingProfile = nil
			} else if len(tt.want) > 0 {
				s.Properties.SharingProfile.Groups = []v1alpha1.SharingProfileGroup{{Type: "Subscriptions", IDs: tt.want}}
			}
			desired := DesiredGallery(s)
			existing := echo(DesiredGallery(spec()))
			existing.Properties.SharingProfile.Groups = []*armcompute.SharingProfileGroup{group("Subscriptions", tt.have)}
			a := NextSharingAction(&desired, existing)
			if tt.wantOp == "" {
				if a != nil {
					t.Fatalf("want no action, got %+v", a)
				}
				return
			}
			if a == nil || a.Kind != v1alpha1.OperationShare {
				t.Fatalf("want a %s share action, got %+v", tt.wantOp, a)
			}
			u := a.Body.(armcompute.SharingUpdate)
			if string(*u.OperationType) != tt.wantOp || !slices.Equal(ids(&u), tt.wantIDs) {
				t.Errorf("action %s %v, want %s %v", *u.OperationType, ids(&u), tt.wantOp, tt.wantIDs)
			}
		})
	}
}

// TestPutLeavesGroupsOut: the groups are read-only in Azure's PUT body.
func TestPutLeavesGroupsOut(t *testing.T) {
	d := DesiredGallery(spec())
	b, _ := json.Marshal(withoutGroups(d))
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	sp := m["properties"].(map[string]any)["sharingProfile"].(map[string]any)
	if _, ok := sp["groups"]; ok {
		t.Errorf("the PUT body carries groups: %s", b)
	}
	if len(d.Properties.SharingProfile.Groups) != 1 {
		t.Error("withoutGroups changed the desired body")
	}
}
