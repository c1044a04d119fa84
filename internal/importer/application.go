package importer

import (
	"context"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
)

// applicationMapping imports application definitions (Microsoft.Compute/galleries/applications)
// as GalleryApplication objects that reference their Gallery object with spec.galleryRef.
type applicationMapping struct{}

func (applicationMapping) kind() string       { return "GalleryApplication" }
func (applicationMapping) parentKind() string { return "Gallery" }

// list lists the application definitions of the parent gallery.
func (applicationMapping) list(ctx context.Context, c *azure.Connection, _ Options, parent *Node) ([]*Node, error) {
	var out []*Node
	pager := c.Compute.NewGalleryApplicationsClient().NewListByGalleryPager(parent.Ref.ResourceGroup, parent.Ref.Gallery, nil)
	for pager.More() {
		var page armcompute.GalleryApplicationsClientListByGalleryResponse
		if err := retry(ctx, func() (err error) { page, err = pager.NextPage(ctx); return err }); err != nil {
			return nil, fmt.Errorf("listing the application definitions of %s: %w", parent.Ref, azure.Classify(err))
		}
		for _, a := range page.Value {
			if a != nil && a.Name != nil {
				ref := parent.Ref
				ref.Application = *a.Name
				out = append(out, &Node{Ref: ref, Body: a})
			}
		}
	}
	return out, nil
}

func (applicationMapping) object(n *Node, name string, o Options) (client.Object, error) {
	spec, warnings := ApplicationSpecFrom(n.Body.(*armcompute.GalleryApplication))
	n.Warnings = append(n.Warnings, warnings...)
	spec.GalleryRef = &v1alpha1.LocalObjectReference{Name: n.Parent.Object.GetName()}
	if name != n.Ref.Application {
		spec.AzureName = n.Ref.Application
	}
	spec.DeletionPolicy = policy(o)
	return &v1alpha1.GalleryApplication{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "GalleryApplication"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: o.Namespace},
		Spec:       spec,
	}, nil
}

// ApplicationSpecFrom maps an application definition as Azure returns it to the spec that
// describes it: location as Azure spells it, tags, and the properties (the OS type in its
// canonical spelling, custom actions as they are); nothing read-only.
func ApplicationSpecFrom(a *armcompute.GalleryApplication) (v1alpha1.GalleryApplicationSpec, []string) {
	spec := v1alpha1.GalleryApplicationSpec{Location: azure.StrOf(a.Location), Tags: tagsFrom(a.Tags)}
	p := a.Properties
	if p == nil {
		return spec, []string{"Azure returned the application definition without properties"}
	}
	spec.Properties = *azure.Convert[v1alpha1.GalleryApplicationProperties](p)
	spec.Properties.CustomActions = actionsFrom(spec.Properties.CustomActions)
	spec.Properties.SupportedOSType = v1alpha1.OperatingSystemType(canonical(azure.StrOf(p.SupportedOSType), armcompute.PossibleOperatingSystemTypesValues()))
	var warnings []string
	spec.Properties.EndOfLifeDate, warnings = endOfLifeFrom(p.EndOfLifeDate)
	return spec, warnings
}

// actionsFrom leaves out of custom actions what is Azure's default: a parameter's required false.
func actionsFrom(actions []v1alpha1.GalleryApplicationCustomAction) []v1alpha1.GalleryApplicationCustomAction {
	for i := range actions {
		for j := range actions[i].Parameters {
			if p := &actions[i].Parameters[j]; !azure.ValueOr(p.Required, false) {
				p.Required = nil
			}
		}
	}
	return actions
}

// endOfLifeFrom is an end-of-life date for a manifest (UTC), with a warning when it has
// fractions of a second, which a manifest cannot hold.
func endOfLifeFrom(t *time.Time) (*metav1.Time, []string) {
	if t == nil {
		return nil, nil
	}
	u := t.UTC()
	if !u.Equal(u.Truncate(time.Second)) {
		return &metav1.Time{Time: u}, []string{fmt.Sprintf("endOfLifeDate %s has fractions of a second, which the manifest cannot hold", u.Format(time.RFC3339Nano))}
	}
	return &metav1.Time{Time: u}, nil
}

// appVersionMapping imports application versions
// (Microsoft.Compute/galleries/applications/versions) as GalleryApplicationVersion objects that
// reference their GalleryApplication object with spec.applicationRef.
type appVersionMapping struct{}

func (appVersionMapping) kind() string       { return "GalleryApplicationVersion" }
func (appVersionMapping) parentKind() string { return "GalleryApplication" }

// wantedName prefixes the version with its application's object name: "tools-1-0-0".
func (appVersionMapping) wantedName(n *Node) string {
	return joinName(n.Parent.Object.GetName(), n.AzureName())
}

// list lists the versions of the parent application definition.
func (appVersionMapping) list(ctx context.Context, c *azure.Connection, _ Options, parent *Node) ([]*Node, error) {
	var out []*Node
	pager := c.Compute.NewGalleryApplicationVersionsClient().NewListByGalleryApplicationPager(parent.Ref.ResourceGroup, parent.Ref.Gallery,
		parent.Ref.Application, nil)
	for pager.More() {
		var page armcompute.GalleryApplicationVersionsClientListByGalleryApplicationResponse
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

func (appVersionMapping) object(n *Node, name string, o Options) (client.Object, error) {
	spec, warnings := AppVersionSpecFrom(n.Body.(*armcompute.GalleryApplicationVersion))
	n.Warnings = append(n.Warnings, warnings...)
	spec.ApplicationRef = &v1alpha1.LocalObjectReference{Name: n.Parent.Object.GetName()}
	if name != n.Ref.Version {
		spec.AzureName = n.Ref.Version
	}
	spec.DeletionPolicy = policy(o)
	return &v1alpha1.GalleryApplicationVersion{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "GalleryApplicationVersion"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: o.Namespace},
		Spec:       spec,
	}, nil
}

// AppVersionSpecFrom maps an application version as Azure returns it to the spec that describes
// it: location, tags, the replication as an image version's (without Azure's defaults), the
// package, its commands, settings and custom actions as Azure holds them, the health check and
// the safety setting when on; nothing read-only (publishedDate, replicationStatus,
// provisioningState).
func AppVersionSpecFrom(v *armcompute.GalleryApplicationVersion) (v1alpha1.GalleryApplicationVersionSpec, []string) {
	spec := v1alpha1.GalleryApplicationVersionSpec{Location: azure.StrOf(v.Location), Tags: tagsFrom(v.Tags)}
	p := v.Properties
	if p == nil || p.PublishingProfile == nil {
		return spec, []string{"Azure returned the application version without a publishing profile"}
	}
	warnings := stateWarning(azure.StrOf(p.ProvisioningState))
	pp := p.PublishingProfile
	out := azure.Convert[v1alpha1.GalleryApplicationVersionPublishingProfile](pp)
	replication, w := publishingFrom(azure.Convert[armcompute.GalleryImageVersionPublishingProfile](pp), spec.Location)
	warnings = append(warnings, w...)
	out.GalleryArtifactPublishingProfile = v1alpha1.GalleryArtifactPublishingProfile{}
	if replication != nil {
		out.GalleryArtifactPublishingProfile = *replication
	}
	if !azure.ValueOr(pp.EnableHealthCheck, false) {
		out.EnableHealthCheck = nil
	}
	out.CustomActions = actionsFrom(out.CustomActions)
	spec.Properties.PublishingProfile = *out
	if s := p.SafetyProfile; s != nil && azure.ValueOr(s.AllowDeletionOfReplicatedLocations, false) {
		spec.Properties.SafetyProfile = &v1alpha1.GalleryApplicationVersionSafetyProfile{AllowDeletionOfReplicatedLocations: to.Ptr(true)}
	}
	return spec, warnings
}
