package importer

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
	gallerykind "github.com/azgallery/gallery-operator/internal/kinds/gallery"
)

// galleryMapping imports galleries (Microsoft.Compute/galleries) as Gallery objects.
type galleryMapping struct{}

func (galleryMapping) kind() string       { return "Gallery" }
func (galleryMapping) parentKind() string { return "" }

// list lists the galleries of the subscription or resource group, keeps the one o.Gallery names
// (if any), and reads each again with its sharing groups, which a list does not return.
func (galleryMapping) list(ctx context.Context, c *azure.Connection, o Options, _ *Node) ([]*Node, error) {
	galleries := c.Compute.NewGalleriesClient()
	var found []*armcompute.Gallery
	if o.ResourceGroup != "" && o.Gallery != "" {
		found = []*armcompute.Gallery{{Name: to.Ptr(o.Gallery), ID: to.Ptr(fmt.Sprintf(
			"/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/galleries/%s", o.SubscriptionID, o.ResourceGroup, o.Gallery))}}
	} else {
		more, next := listGalleries(ctx, galleries, o.ResourceGroup)
		for more() {
			var page []*armcompute.Gallery
			if err := retry(ctx, func() (err error) { page, err = next(); return err }); err != nil {
				return nil, fmt.Errorf("listing galleries: %w", azure.Classify(err))
			}
			for _, g := range page {
				if g != nil && g.Name != nil && (o.Gallery == "" || strings.EqualFold(*g.Name, o.Gallery)) {
					found = append(found, g)
				}
			}
		}
		if o.Gallery != "" && len(found) == 0 {
			return nil, fmt.Errorf("no gallery %q in subscription %s", o.Gallery, o.SubscriptionID)
		}
	}
	var out []*Node
	for _, g := range found {
		id, err := arm.ParseResourceID(azure.StrOf(g.ID))
		if err != nil {
			return nil, fmt.Errorf("gallery %s: %w", azure.StrOf(g.Name), err)
		}
		ref := Ref{SubscriptionID: id.SubscriptionID, ResourceGroup: id.ResourceGroupName, Gallery: id.Name}
		var resp armcompute.GalleriesClientGetResponse
		err = retry(ctx, func() (err error) {
			resp, err = galleries.Get(ctx, ref.ResourceGroup, ref.Gallery,
				&armcompute.GalleriesClientGetOptions{Expand: to.Ptr(armcompute.GalleryExpandParamsSharingProfileGroups)})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("reading gallery %s: %w", ref, azure.Classify(err))
		}
		if resp.Name != nil { // Azure's spelling of the name
			ref.Gallery = *resp.Name
		}
		out = append(out, &Node{Ref: ref, Body: &resp.Gallery})
	}
	return out, nil
}

func (galleryMapping) object(n *Node, name string, o Options) (client.Object, error) {
	spec, warnings := GallerySpecFrom(n.Body.(*armcompute.Gallery), n.Ref)
	n.Warnings = append(n.Warnings, warnings...)
	if name != n.Ref.Gallery {
		spec.AzureName = n.Ref.Gallery
	}
	if !o.OmitSubscriptionID {
		spec.SubscriptionID = n.Ref.SubscriptionID
	}
	spec.DeletionPolicy = policy(o)
	return &v1alpha1.Gallery{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "Gallery"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: o.Namespace},
		Spec:       spec,
	}, nil
}

// listGalleries pages through the galleries of a resource group, or of the whole subscription
// when group is empty.
func listGalleries(ctx context.Context, c *armcompute.GalleriesClient, group string) (more func() bool, next func() ([]*armcompute.Gallery, error)) {
	if group != "" {
		p := c.NewListByResourceGroupPager(group, nil)
		return p.More, func() ([]*armcompute.Gallery, error) {
			page, err := p.NextPage(ctx)
			return page.Value, err
		}
	}
	p := c.NewListPager(nil)
	return p.More, func() ([]*armcompute.Gallery, error) {
		page, err := p.NextPage(ctx)
		return page.Value, err
	}
}

// policy is the deletion policy to write: empty (the API server's default) for Delete.
func policy(o Options) v1alpha1.DeletionPolicy {
	if o.DeletionPolicy == v1alpha1.DeletionPolicyDelete {
		return ""
	}
	return o.DeletionPolicy
}

// GallerySpecFrom maps a gallery as Azure returns it (read with $expand=SharingProfile/Groups)
// to the spec that describes it: resource group, location as Azure spells it, tags, identity,
// and the user-controlled properties, leaving out Azure's defaults (permissions Private, soft
// deletion off, identity None) and everything read-only (id, provisioningState, uniqueName,
// sharingStatus, community publicNames). Sharing groups are user-controlled: they go to
// spec.properties.sharingProfile.groups. The path fields other than the resource group
// (subscription, Azure name) and the operator's settings are left to the caller.
func GallerySpecFrom(g *armcompute.Gallery, ref Ref) (v1alpha1.GallerySpec, []string) {
	var warnings []string
	spec := v1alpha1.GallerySpec{
		ResourceGroupName: ref.ResourceGroup,
		Location:          azure.StrOf(g.Location),
		Tags:              tagsFrom(g.Tags),
	}
	if id := g.Identity; id != nil && !strings.EqualFold(strings.ReplaceAll(azure.StrOf(id.Type), " ", ""), "none") {
		spec.Identity = &v1alpha1.GalleryIdentity{Type: v1alpha1.GalleryIdentityType(canonical(azure.StrOf(id.Type), armcompute.PossibleResourceIdentityTypeValues()))}
		if len(id.UserAssignedIdentities) > 0 {
			spec.Identity.UserAssignedIdentities = map[string]v1alpha1.UserAssignedIdentity{}
			for k := range id.UserAssignedIdentities {
				spec.Identity.UserAssignedIdentities[k] = v1alpha1.UserAssignedIdentity{}
			}
		}
	}
	p := g.Properties
	if p == nil {
		return spec, warnings
	}
	warnings = append(warnings, stateWarning(azure.StrOf(p.ProvisioningState))...)
	spec.Properties.Description = azure.StrOf(p.Description)
	if p.SoftDeletePolicy != nil && p.SoftDeletePolicy.IsSoftDeleteEnabled != nil && *p.SoftDeletePolicy.IsSoftDeleteEnabled {
		spec.Properties.SoftDeletePolicy = &v1alpha1.SoftDeletePolicy{IsSoftDeleteEnabled: to.Ptr(true)}
	}
	if s := p.SharingProfile; s != nil {
		perm := canonical(azure.StrOrDefault(s.Permissions, string(v1alpha1.SharingPrivate)), armcompute.PossibleGallerySharingPermissionTypesValues())
		sp := &v1alpha1.SharingProfile{}
		if perm != string(v1alpha1.SharingPrivate) {
			sp.Permissions = v1alpha1.GallerySharingPermission(perm)
		}
		groups := groupsFrom(s.Groups)
		switch {
		case len(groups) > 0 && perm == string(v1alpha1.SharingGroups):
			sp.Groups = groups
		case len(groups) > 0:
			warnings = append(warnings, fmt.Sprintf("Azure reports sharing groups with permissions %s; the groups are left out (they need permissions Groups)", perm))
		}
		if c := s.CommunityGalleryInfo; c != nil && perm == string(v1alpha1.SharingCommunity) {
			sp.CommunityGalleryInfo = &v1alpha1.CommunityGalleryInfo{PublisherURI: azure.StrOf(c.PublisherURI),
				PublisherContact: azure.StrOf(c.PublisherContact), Eula: azure.StrOf(c.Eula), PublicNamePrefix: gallerykind.PublicNamePrefix(c)}
			if c.CommunityGalleryEnabled == nil || !*c.CommunityGalleryEnabled {
				warnings = append(warnings, "permissions are Community but community sharing is not enabled: the operator will enable it (share action EnableCommunity)")
			}
		}
		if sp.Permissions != "" || sp.Groups != nil || sp.CommunityGalleryInfo != nil {
			spec.Properties.SharingProfile = sp
		}
	}
	return spec, warnings
}

// groupsFrom merges Azure's sharing groups by type (Azure's spelling), ids deduplicated without
// case in Azure's order; groups without ids are dropped.
func groupsFrom(groups []*armcompute.SharingProfileGroup) []v1alpha1.SharingProfileGroup {
	var out []v1alpha1.SharingProfileGroup
	index := map[string]int{}
	for _, g := range groups {
		if g == nil {
			continue
		}
		t := canonical(azure.StrOf(g.Type), armcompute.PossibleSharingProfileGroupTypesValues())
		for _, id := range g.IDs {
			s := azure.StrOf(id)
			if s == "" {
				continue
			}
			i, ok := index[strings.ToLower(t)]
			if !ok {
				i = len(out)
				index[strings.ToLower(t)] = i
				out = append(out, v1alpha1.SharingProfileGroup{Type: v1alpha1.SharingGroupType(t)})
			}
			if !slices.ContainsFunc(out[i].IDs, func(x string) bool { return strings.EqualFold(x, s) }) {
				out[i].IDs = append(out[i].IDs, s)
			}
		}
	}
	return out
}

// tagsFrom copies Azure's tags; a nil value becomes "". No tags is nil.
func tagsFrom(tags map[string]*string) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	out := make(map[string]string, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out[k] = azure.StrOf(tags[k])
	}
	return out
}

// canonical returns the value of values that equals s without case (Azure matches enums without
// case; the CRDs want the canonical spelling), or s itself.
func canonical[T ~string](s string, values []T) string {
	for _, v := range values {
		if strings.EqualFold(string(v), s) || strings.EqualFold(strings.ReplaceAll(string(v), " ", ""), strings.ReplaceAll(s, " ", "")) {
			return string(v)
		}
	}
	return s
}

// stateWarning warns about a resource whose provisioning state is not Succeeded: the operator
// rewrites a Failed resource, and waits for one in progress.
func stateWarning(state string) []string {
	switch {
	case state == "" || strings.EqualFold(state, "Succeeded"):
		return nil
	case strings.EqualFold(state, "Failed"):
		return []string{"Azure reports provisioningState Failed: the operator will send the spec again (a PUT) to repair it"}
	}
	return []string{"Azure reports provisioningState " + state + ": the operator waits for it to finish"}
}
