package importer

import (
	"context"
	"fmt"
	"reflect"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
)

// profileMapping imports inVMAccessControlProfiles
// (Microsoft.Compute/galleries/inVMAccessControlProfiles) as GalleryInVMAccessControlProfile
// objects that reference their Gallery object with spec.galleryRef.
type profileMapping struct{}

func (profileMapping) kind() string       { return "GalleryInVMAccessControlProfile" }
func (profileMapping) parentKind() string { return "Gallery" }

// list lists the profiles of the parent gallery.
func (profileMapping) list(ctx context.Context, c *azure.Connection, _ Options, parent *Node) ([]*Node, error) {
	var out []*Node
	pager := c.Compute.NewGalleryInVMAccessControlProfilesClient().NewListByGalleryPager(parent.Ref.ResourceGroup, parent.Ref.Gallery, nil)
	for pager.More() {
		var page armcompute.GalleryInVMAccessControlProfilesClientListByGalleryResponse
		if err := retry(ctx, func() (err error) { page, err = pager.NextPage(ctx); return err }); err != nil {
			return nil, fmt.Errorf("listing the inVMAccessControlProfiles of %s: %w", parent.Ref, azure.Classify(err))
		}
		for _, p := range page.Value {
			if p != nil && p.Name != nil {
				ref := parent.Ref
				ref.Profile = *p.Name
				out = append(out, &Node{Ref: ref, Body: p})
			}
		}
	}
	return out, nil
}

func (profileMapping) object(n *Node, name string, o Options) (client.Object, error) {
	spec, warnings := ProfileSpecFrom(n.Body.(*armcompute.GalleryInVMAccessControlProfile))
	n.Warnings = append(n.Warnings, warnings...)
	spec.GalleryRef = &v1alpha1.LocalObjectReference{Name: n.Parent.Object.GetName()}
	if name != n.Ref.Profile {
		spec.AzureName = n.Ref.Profile
	}
	spec.DeletionPolicy = policy(o)
	return &v1alpha1.GalleryInVMAccessControlProfile{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "GalleryInVMAccessControlProfile"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: o.Namespace},
		Spec:       spec,
	}, nil
}

// ProfileSpecFrom maps a profile as Azure returns it to the spec that describes it: location as
// Azure spells it, tags, the description and the enums in their canonical spelling; nothing
// read-only.
func ProfileSpecFrom(p *armcompute.GalleryInVMAccessControlProfile) (v1alpha1.GalleryInVMAccessControlProfileSpec, []string) {
	spec := v1alpha1.GalleryInVMAccessControlProfileSpec{Location: azure.StrOf(p.Location), Tags: tagsFrom(p.Tags)}
	pp := p.Properties
	if pp == nil {
		return spec, []string{"Azure returned the inVMAccessControlProfile without properties"}
	}
	spec.Properties = v1alpha1.GalleryInVMAccessControlProfileProperties{Description: azure.StrOf(pp.Description),
		OSType:                 v1alpha1.OperatingSystemType(canonical(azure.StrOf(pp.OSType), armcompute.PossibleOperatingSystemTypesValues())),
		ApplicableHostEndpoint: v1alpha1.EndpointType(canonical(azure.StrOf(pp.ApplicableHostEndpoint), armcompute.PossibleEndpointTypesValues()))}
	return spec, stateWarning(azure.StrOf(pp.ProvisioningState))
}

// profileVersionMapping imports inVMAccessControlProfile versions as
// GalleryInVMAccessControlProfileVersion objects that reference their profile object with
// spec.profileRef.
type profileVersionMapping struct{}

func (profileVersionMapping) kind() string       { return "GalleryInVMAccessControlProfileVersion" }
func (profileVersionMapping) parentKind() string { return "GalleryInVMAccessControlProfile" }

// wantedName prefixes the version with its profile's object name: "wireserver-linux-1-0-0".
func (profileVersionMapping) wantedName(n *Node) string {
	return joinName(n.Parent.Object.GetName(), n.AzureName())
}

// list lists the versions of the parent profile.
func (profileVersionMapping) list(ctx context.Context, c *azure.Connection, _ Options, parent *Node) ([]*Node, error) {
	var out []*Node
	pager := c.Compute.NewGalleryInVMAccessControlProfileVersionsClient().NewListByGalleryInVMAccessControlProfilePager(
		parent.Ref.ResourceGroup, parent.Ref.Gallery, parent.Ref.Profile, nil)
	for pager.More() {
		var page armcompute.GalleryInVMAccessControlProfileVersionsClientListByGalleryInVMAccessControlProfileResponse
		if err := retry(ctx, func() (err error) { page, err = pager.NextPage(ctx); return err }); err != nil {
			return nil, fmt.Errorf("listing the versions of %s: %w", parent.Ref, azure.Classify(err))
		}
		for _, v := range page.Value {
			if v != nil && v.Name != nil {
				ref := parent.Ref
				ref.Version = *v.Name
				out = append(out, &Node{Ref: ref, Body: v})
			}
		}
	}
	return out, nil
}

func (profileVersionMapping) object(n *Node, name string, o Options) (client.Object, error) {
	spec, warnings := ProfileVersionSpecFrom(n.Body.(*armcompute.GalleryInVMAccessControlProfileVersion))
	n.Warnings = append(n.Warnings, warnings...)
	spec.ProfileRef = &v1alpha1.LocalObjectReference{Name: n.Parent.Object.GetName()}
	if name != n.Ref.Version {
		spec.AzureName = n.Ref.Version
	}
	spec.DeletionPolicy = policy(o)
	return &v1alpha1.GalleryInVMAccessControlProfileVersion{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "GalleryInVMAccessControlProfileVersion"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: o.Namespace},
		Spec:       spec,
	}, nil
}

// ProfileVersionSpecFrom maps a profile version as Azure returns it to the spec that describes
// it: location, tags, mode and defaultAccess in their canonical spelling, the rules, the target
// locations without Azure's defaults (one replica, Standard_LRS; none at all when the only one is
// the version's own location), excludeFromLatest when true; nothing read-only (publishedDate,
// replicationStatus, provisioningState).
func ProfileVersionSpecFrom(v *armcompute.GalleryInVMAccessControlProfileVersion) (v1alpha1.GalleryInVMAccessControlProfileVersionSpec, []string) {
	spec := v1alpha1.GalleryInVMAccessControlProfileVersionSpec{Location: azure.StrOf(v.Location), Tags: tagsFrom(v.Tags)}
	p := v.Properties
	if p == nil {
		return spec, []string{"Azure returned the inVMAccessControlProfile version without properties"}
	}
	out := &spec.Properties
	out.Mode = v1alpha1.AccessControlRulesMode(canonical(azure.StrOf(p.Mode), armcompute.PossibleAccessControlRulesModeValues()))
	out.DefaultAccess = v1alpha1.EndpointAccess(canonical(azure.StrOf(p.DefaultAccess), armcompute.PossibleEndpointAccessValues()))
	out.Rules = rulesFrom(p.Rules)
	out.TargetLocations = targetLocationsFrom(p.TargetLocations, spec.Location)
	if azure.ValueOr(p.ExcludeFromLatest, false) {
		out.ExcludeFromLatest = to.Ptr(true)
	}
	return spec, stateWarning(azure.StrOf(p.ProvisioningState))
}

// rulesFrom maps the rules; nil when they are empty. A role or an assignment without names gets
// an empty list (the field is required).
func rulesFrom(r *armcompute.AccessControlRules) *v1alpha1.AccessControlRules {
	out := azure.Convert[v1alpha1.AccessControlRules](r)
	if out == nil || (len(out.Privileges) == 0 && len(out.Roles) == 0 && len(out.Identities) == 0 && len(out.RoleAssignments) == 0) {
		return nil
	}
	for i := range out.Roles {
		if out.Roles[i].Privileges == nil {
			out.Roles[i].Privileges = []string{}
		}
	}
	for i := range out.RoleAssignments {
		if out.RoleAssignments[i].Identities == nil {
			out.RoleAssignments[i].Identities = []string{}
		}
	}
	return out
}

// targetLocationsFrom maps the target locations by canonical name, leaving out Azure's defaults;
// nil when the only one is location with nothing but defaults (Azure's own default).
func targetLocationsFrom(regions []*armcompute.TargetRegion, location string) []v1alpha1.TargetRegion {
	var out []v1alpha1.TargetRegion
	onlyDefault := true
	for _, r := range regions {
		if r == nil || azure.StrOf(r.Name) == "" {
			continue
		}
		region := v1alpha1.TargetRegion{Name: azure.CanonicalLocation(*r.Name),
			Encryption: azure.Convert[v1alpha1.EncryptionImages](r.Encryption)}
		if n := azure.ValueOr(r.RegionalReplicaCount, defaultReplicaCount); n != defaultReplicaCount {
			region.RegionalReplicaCount = to.Ptr(n)
		}
		if t := canonical(azure.StrOrDefault(r.StorageAccountType, defaultStorageType), armcompute.PossibleStorageAccountTypeValues()); t != defaultStorageType {
			region.StorageAccountType = v1alpha1.StorageAccountType(t)
		}
		if azure.ValueOr(r.ExcludeFromLatest, false) {
			region.ExcludeFromLatest = to.Ptr(true)
		}
		for _, set := range r.AdditionalReplicaSets {
			if set != nil {
				region.AdditionalReplicaSets = append(region.AdditionalReplicaSets, *azure.Convert[v1alpha1.AdditionalReplicaSet](set))
			}
		}
		if !reflect.DeepEqual(region, v1alpha1.TargetRegion{Name: azure.CanonicalLocation(location)}) {
			onlyDefault = false
		}
		out = append(out, region)
	}
	if len(out) > 1 || !onlyDefault {
		return out
	}
	return nil
}
