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
