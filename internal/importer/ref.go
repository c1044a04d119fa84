package importer

import "fmt"

// Ref locates an imported resource in Azure: a gallery, an image or application definition in
// it, or a version of that. Kinds fill the names their resource needs.
type Ref struct {
	SubscriptionID string
	ResourceGroup  string
	Gallery        string
	Image          string
	Application    string
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
	if r.Application != "" {
		s += "/applications/" + r.Application
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
	case r.Application != "":
		return r.Application
	}
	return r.Gallery
}
