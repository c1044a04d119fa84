package gallery

import (
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
)

// A shared gallery is unshared (share action Reset) before its deletion; a private one, or one
// Azure reports without a sharing profile, is deleted at once.
func TestActionBeforeDelete(t *testing.T) {
	gallery := func(permissions string) *armcompute.Gallery {
		g := &armcompute.Gallery{Properties: &armcompute.GalleryProperties{}}
		if permissions != "" {
			g.Properties.SharingProfile = &armcompute.SharingProfile{Permissions: to.Ptr(armcompute.GallerySharingPermissionTypes(permissions))}
		}
		return g
	}
	for _, p := range []string{"Groups", "Community", "groups"} {
		a := Kind{}.ActionBeforeDelete(&v1alpha1.Gallery{}, gallery(p))
		if a == nil || a.Kind != v1alpha1.OperationShare {
			t.Fatalf("%s: action %+v, want a share action", p, a)
		}
		if body, ok := a.Body.(armcompute.SharingUpdate); !ok || *body.OperationType != armcompute.SharingUpdateOperationTypesReset {
			t.Errorf("%s: body %+v, want Reset", p, a.Body)
		}
	}
	for _, p := range []string{"Private", "private", ""} {
		if a := (Kind{}).ActionBeforeDelete(&v1alpha1.Gallery{}, gallery(p)); a != nil {
			t.Errorf("%q: action %+v, want none", p, a)
		}
	}
	if a := (Kind{}).ActionBeforeDelete(&v1alpha1.Gallery{}, nil); a != nil {
		t.Errorf("absent gallery: action %+v", a)
	}
}

// Azure returns a community gallery's public names, not the prefix it was given; the prefix is
// read from them, so that a community gallery Azure reports as sent shows no drift.
func TestCommunityPrefixFromPublicNames(t *testing.T) {
	info := func(prefix string, names ...string) *armcompute.CommunityGalleryInfo {
		c := &armcompute.CommunityGalleryInfo{PublisherURI: to.Ptr("puburi"), PublisherContact: to.Ptr("abc@123.com"),
			Eula: to.Ptr("eula"), PublicNames: to.SliceOfPtrs(names...)}
		if prefix != "" {
			c.PublicNamePrefix = to.Ptr(prefix)
		}
		return c
	}
	for _, c := range []struct {
		in   *armcompute.CommunityGalleryInfo
		want string
	}{
		{info("", "pubname-9fe9c0b0-089c-4b65-875b-fcd05ae84ade"), "pubname"},
		{info("", "my-pub-name-9FE9C0B0-089C-4B65-875B-FCD05AE84ADE"), "my-pub-name"},
		{info("given", "other-9fe9c0b0-089c-4b65-875b-fcd05ae84ade"), "given"},
		{info("", "no-guid-here"), ""},
		{info(""), ""},
		{nil, ""},
	} {
		if got := PublicNamePrefix(c.in); got != c.want {
			t.Errorf("PublicNamePrefix(%v) = %q, want %q", c.in, got, c.want)
		}
	}

	desired := armcompute.Gallery{Location: to.Ptr("westus"), Properties: &armcompute.GalleryProperties{
		SharingProfile: &armcompute.SharingProfile{Permissions: to.Ptr(armcompute.GallerySharingPermissionTypesCommunity),
			CommunityGalleryInfo: info("pubname")}}}
	existing := armcompute.Gallery{Location: to.Ptr("westus"), Properties: &armcompute.GalleryProperties{
		SharingProfile: &armcompute.SharingProfile{Permissions: to.Ptr(armcompute.GallerySharingPermissionTypesCommunity),
			CommunityGalleryInfo: info("", "pubname-9fe9c0b0-089c-4b65-875b-fcd05ae84ade")}}}
	if d := Diff(desired, &existing); len(d) != 0 {
		t.Errorf("Diff = %v, want none", d)
	}
	existing.Properties.SharingProfile.CommunityGalleryInfo = info("", "other-9fe9c0b0-089c-4b65-875b-fcd05ae84ade")
	if d := Diff(desired, &existing); len(d) == 0 {
		t.Error("a different prefix shows no drift")
	}
}
