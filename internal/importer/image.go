package importer

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
)

// imageMapping imports image definitions (Microsoft.Compute/galleries/images) as GalleryImage
// objects that reference their Gallery object with spec.galleryRef.
type imageMapping struct{}

func (imageMapping) kind() string       { return "GalleryImage" }
func (imageMapping) parentKind() string { return "Gallery" }

// list lists the image definitions of the parent gallery.
func (imageMapping) list(ctx context.Context, c *azure.Connection, _ Options, parent *Node) ([]*Node, error) {
	images := c.Compute.NewGalleryImagesClient()
	var out []*Node
	pager := images.NewListByGalleryPager(parent.Ref.ResourceGroup, parent.Ref.Gallery, nil)
	for pager.More() {
		var page armcompute.GalleryImagesClientListByGalleryResponse
		if err := retry(ctx, func() (err error) { page, err = pager.NextPage(ctx); return err }); err != nil {
			return nil, fmt.Errorf("listing the image definitions of %s: %w", parent.Ref, azure.Classify(err))
		}
		for _, img := range page.Value {
			if img == nil || img.Name == nil {
				continue
			}
			ref := parent.Ref
			ref.Image = *img.Name
			out = append(out, &Node{Ref: ref, Body: img})
		}
	}
	return out, nil
}

func (imageMapping) object(n *Node, name string, o Options) (client.Object, error) {
	spec, warnings := ImageSpecFrom(n.Body.(*armcompute.GalleryImage))
	n.Warnings = append(n.Warnings, warnings...)
	spec.GalleryRef = &v1alpha1.LocalObjectReference{Name: n.Parent.Object.GetName()}
	if name != n.Ref.Image {
		spec.AzureName = n.Ref.Image
	}
	spec.DeletionPolicy = policy(o)
	return &v1alpha1.GalleryImage{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "GalleryImage"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: o.Namespace},
		Spec:       spec,
	}, nil
}

// ImageSpecFrom maps an image definition as Azure returns it to the spec that describes it:
// location as Azure spells it, tags, and the user-controlled properties, leaving out Azure's
// defaults (hyperVGeneration V1, architecture x64, empty strings, empty ranges and plans) and
// everything read-only (id, provisioningState). Where the image is, and the operator's settings,
// are left to the caller.
func ImageSpecFrom(img *armcompute.GalleryImage) (v1alpha1.GalleryImageSpec, []string) {
	var warnings []string
	spec := v1alpha1.GalleryImageSpec{Location: azure.StrOf(img.Location), Tags: tagsFrom(img.Tags)}
	p := img.Properties
	if p == nil {
		return spec, []string{"Azure returned the image definition without properties"}
	}
	warnings = append(warnings, stateWarning(azure.StrOf(p.ProvisioningState))...)
	out := &spec.Properties
	out.Description = azure.StrOf(p.Description)
	out.Eula = azure.StrOf(p.Eula)
	out.PrivacyStatementURI = azure.StrOf(p.PrivacyStatementURI)
	out.ReleaseNoteURI = azure.StrOf(p.ReleaseNoteURI)
	out.OSType = v1alpha1.OperatingSystemType(canonical(azure.StrOf(p.OSType), armcompute.PossibleOperatingSystemTypesValues()))
	out.OSState = v1alpha1.OperatingSystemState(canonical(azure.StrOf(p.OSState), armcompute.PossibleOperatingSystemStateTypesValues()))
	if g := canonical(azure.StrOf(p.HyperVGeneration), armcompute.PossibleHyperVGenerationValues()); g != "" && g != string(v1alpha1.HyperVGenerationV1) {
		out.HyperVGeneration = v1alpha1.HyperVGeneration(g)
	}
	if a := canonical(azure.StrOf(p.Architecture), armcompute.PossibleArchitectureValues()); a != "" && a != string(v1alpha1.ArchitectureX64) {
		out.Architecture = v1alpha1.Architecture(a)
	}
	if p.EndOfLifeDate != nil {
		t := p.EndOfLifeDate.UTC()
		if !t.Equal(t.Truncate(time.Second)) {
			warnings = append(warnings, fmt.Sprintf("endOfLifeDate %s has fractions of a second, which the manifest cannot hold; applying it changes the date to %s",
				t.Format(time.RFC3339Nano), t.Truncate(time.Second).Format(time.RFC3339)))
		}
		out.EndOfLifeDate = &metav1.Time{Time: t}
	}
	if id := p.Identifier; id != nil {
		out.Identifier = v1alpha1.GalleryImageIdentifier{Publisher: azure.StrOf(id.Publisher), Offer: azure.StrOf(id.Offer), SKU: azure.StrOf(id.SKU)}
	}
	if r := p.Recommended; r != nil {
		rec := v1alpha1.RecommendedMachineConfiguration{VCPUs: rangeFrom(r.VCPUs), Memory: rangeFrom(r.Memory)}
		if rec.VCPUs != nil || rec.Memory != nil {
			out.Recommended = &rec
		}
	}
	if d := p.Disallowed; d != nil {
		var types []string
		seen := map[string]bool{}
		for _, t := range d.DiskTypes {
			if s := azure.StrOf(t); s != "" && !seen[s] {
				seen[s] = true
				types = append(types, s)
			}
		}
		if len(types) > 0 {
			out.Disallowed = &v1alpha1.Disallowed{DiskTypes: types}
		}
	}
	if pp := p.PurchasePlan; pp != nil {
		plan := v1alpha1.ImagePurchasePlan{Name: azure.StrOf(pp.Name), Publisher: azure.StrOf(pp.Publisher), Product: azure.StrOf(pp.Product)}
		if plan != (v1alpha1.ImagePurchasePlan{}) {
			out.PurchasePlan = &plan
		}
	}
	seen := map[string]bool{}
	for _, f := range p.Features {
		if f == nil || azure.StrOf(f.Name) == "" {
			continue
		}
		key := strings.ToLower(*f.Name)
		if seen[key] { // Azure compares feature names without case; the first one counts
			warnings = append(warnings, fmt.Sprintf("feature %s appears more than once; the first one is kept", *f.Name))
			continue
		}
		seen[key] = true
		out.Features = append(out.Features, v1alpha1.GalleryImageFeature{Name: *f.Name, Value: azure.StrOf(f.Value), StartsAtVersion: azure.StrOf(f.StartsAtVersion)})
	}
	return spec, warnings
}

// rangeFrom copies a resource range; nil when it has no bound.
func rangeFrom(r *armcompute.ResourceRange) *v1alpha1.ResourceRange {
	if r == nil || (r.Min == nil && r.Max == nil) {
		return nil
	}
	return &v1alpha1.ResourceRange{Min: azure.ClonePtr(r.Min), Max: azure.ClonePtr(r.Max)}
}
