package parent

import "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"

// GalleryID is the ARM ID of the gallery name in the resource group rg of subscription sub.
func GalleryID(sub, rg, name string) (*arm.ResourceID, error) {
	return arm.ParseResourceID("/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/galleries/" + name)
}

// ImageID is the ARM ID of the image definition name in the gallery galleryID.
func ImageID(galleryID *arm.ResourceID, name string) (*arm.ResourceID, error) {
	return arm.ParseResourceID(galleryID.String() + "/images/" + name)
}

// VersionID is the ARM ID of the version name of the image or application definition parentID.
func VersionID(parentID *arm.ResourceID, name string) (*arm.ResourceID, error) {
	return arm.ParseResourceID(parentID.String() + "/versions/" + name)
}

// ApplicationID is the ARM ID of the application definition name in the gallery galleryID.
func ApplicationID(galleryID *arm.ResourceID, name string) (*arm.ResourceID, error) {
	return arm.ParseResourceID(galleryID.String() + "/applications/" + name)
}

// ProfileID is the ARM ID of the inVMAccessControlProfile name in the gallery galleryID.
func ProfileID(galleryID *arm.ResourceID, name string) (*arm.ResourceID, error) {
	return arm.ParseResourceID(galleryID.String() + "/inVMAccessControlProfiles/" + name)
}
