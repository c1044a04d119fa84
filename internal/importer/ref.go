package importer

import "fmt"

// Ref locates an imported resource in Azure: a gallery, an image definition in it, or an
// image version of that. Kinds fill the names their resource needs.
type Ref struct {
	SubscriptionID string
	ResourceGroup  string
	Gallery        string
	Image          string
	Version        string
	// Profile is an inVMAccessControlProfile (Image is then empty).
	Profile string
}

// String is the resource's ARM path.
func (r Ref) String() string {
	s := fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/galleries/%s",
		r.SubscriptionID, r.ResourceGroup, r.Gallery)
	if r.Profile != "" {
		s += "/inVMAccessControlProfiles/" + r.Profile
	}
	if r.Image != "" {
		s += "/images/" + r.Image
	}
	if r.Version != "" {
		s += "/versions/" + r.Version
	}
	return s
}

// Name is the resource's own name: the last one the reference names.
func (r Ref) Name() string {
	switch {
	case r.Version != "":
		return r.Version
	case r.Profile != "":
		return r.Profile
	case r.Image != "":
		return r.Image
	}
	return r.Gallery
}
