// Package statusview shows a gallery's family as the cluster holds it: a Gallery, the objects
// below it (image definitions and their versions, application definitions and their versions,
// inVMAccessControlProfiles and their versions), each with its readiness and management policy,
// and for versions the replication per region. It reads the cluster only, never Azure, once or
// as the objects change.
package statusview

import (
	"slices"

	"k8s.io/apimachinery/pkg/runtime/schema"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
)

// Kind is one kind of the family: its name and its resource in the operator's API group. The
// objects are read as unstructured objects, so a kind works here without its Go type.
type Kind struct {
	Name     string // the kind, for example GalleryImage
	Resource string // its plural resource, for example galleryimages
}

// GVR is the kind's resource.
func (k Kind) GVR() schema.GroupVersionResource {
	return v1alpha1.GroupVersion.WithResource(k.Resource)
}

// The kinds of the family.
var (
	Gallery            = Kind{"Gallery", "galleries"}
	Image              = Kind{"GalleryImage", "galleryimages"}
	ImageVersion       = Kind{"GalleryImageVersion", "galleryimageversions"}
	Application        = Kind{"GalleryApplication", "galleryapplications"}
	ApplicationVersion = Kind{"GalleryApplicationVersion", "galleryapplicationversions"}
	Profile            = Kind{"GalleryInVMAccessControlProfile", "galleryinvmaccesscontrolprofiles"}
	ProfileVersion     = Kind{"GalleryInVMAccessControlProfileVersion", "galleryinvmaccesscontrolprofileversions"}
)

// Root is the kind at the top of every tree. Its own Azure path is spec.resourceGroupName and its
// Azure name, in the subscription spec.subscriptionId (else the one status.subscriptionId records).
var Root = Gallery

// Link says that Child objects belong to Parent objects, and how a child names its parent: by
// spec.<Ref>.name, a Parent object's metadata.name in the child's namespace; or, without Ref, by
// the spec fields Path, which name the parent's Azure resource from the resource group down (with
// spec.subscriptionId when set).
type Link struct {
	Parent, Child Kind
	Ref           string
	Path          []string
}

// Family is every link, one row per child kind; children are shown in this order. Every kind has
// spec.azureName, its Azure name, defaulting to metadata.name.
var Family = []Link{
	{Gallery, Image, "galleryRef", []string{"resourceGroupName", "galleryName"}},
	{Image, ImageVersion, "imageRef", []string{"resourceGroupName", "galleryName", "galleryImageName"}},
	{Gallery, Application, "galleryRef", []string{"resourceGroupName", "galleryName"}},
	{Application, ApplicationVersion, "applicationRef", []string{"resourceGroupName", "galleryName", "galleryApplicationName"}},
	{Gallery, Profile, "galleryRef", []string{"resourceGroupName", "galleryName"}},
	{Profile, ProfileVersion, "profileRef", []string{"resourceGroupName", "galleryName", "inVMAccessControlProfileName"}},
}

// Kinds is every kind of the family, the root first.
func Kinds() []Kind {
	kinds := []Kind{Root}
	for _, l := range Family {
		kinds = append(kinds, l.Child)
	}
	return kinds
}

// kindOrder is the place of the kind named name in Kinds.
func kindOrder(name string) int {
	return slices.IndexFunc(Kinds(), func(k Kind) bool { return k.Name == name })
}

// linkTo is the link whose child is kind; false for the root.
func linkTo(kind Kind) (Link, bool) {
	for _, l := range Family {
		if l.Child == kind {
			return l, true
		}
	}
	return Link{}, false
}

// linksFrom are the links whose parent is kind, in the family's order.
func linksFrom(kind Kind) []Link {
	var out []Link
	for _, l := range Family {
		if l.Parent == kind {
			out = append(out, l)
		}
	}
	return out
}
