package manifests_test

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	"k8s.io/kube-openapi/pkg/validation/validate"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
)

// azureImageName is the CRD's rule for metadata.name when spec.azureName is unset.
var azureImageName = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`)

// TestSamples checks config/samples: the demo Gallery, three GalleryImages, an image version, an application with a version and
// an access control profile with a version, all referencing it, that decode
// strictly into the API types, pass the CRD's OpenAPI schema, and satisfy the CEL rules that
// apply on create (the envtest suites apply them to a real API server too).
func TestSamples(t *testing.T) {
	out := build(t, "config/samples")
	if len(out) != 9 {
		t.Fatalf("%d objects in config/samples, want 9", len(out))
	}
	schema := crdSchema(t)
	identifiers := map[string]string{}
	images := map[string]*v1alpha1.GalleryImage{}
	for _, o := range out {
		switch o.Kind {
		case "Gallery":
			checkSampleGallery(t, o)
			continue
		case "GalleryImageVersion":
			checkSampleVersion(t, o)
			continue
		case "GalleryApplication", "GalleryApplicationVersion":
			checkSampleApplication(t, o)
			continue
		case "GalleryInVMAccessControlProfile", "GalleryInVMAccessControlProfileVersion":
			checkSampleProfile(t, o)
			continue
		}
		t.Run(o.Name, func(t *testing.T) {
			if o.APIVersion != "compute.azgallery.io/v1alpha1" || o.Kind != "GalleryImage" {
				t.Fatalf("%s %s, want compute.azgallery.io/v1alpha1 GalleryImage", o.APIVersion, o.Kind)
			}
			if o.Namespace != "" {
				t.Errorf("namespace %q: samples are applied to the namespace of the user's choice", o.Namespace)
			}
			raw, err := json.Marshal(o.Raw)
			if err != nil {
				t.Fatal(err)
			}
			img := &v1alpha1.GalleryImage{}
			if err := yaml.UnmarshalStrict(raw, img); err != nil {
				t.Fatalf("strict decoding into v1alpha1.GalleryImage: %v", err)
			}
			images[o.Name] = img

			if res := validate.NewSchemaValidator(schema, nil, "", strfmt.Default).Validate(o.Raw); !res.IsValid() {
				for _, e := range res.Errors {
					t.Errorf("CRD schema: %v", e)
				}
			}
			checkCreateRules(t, img)

			s := img.Spec
			if s.GalleryRef == nil || s.GalleryRef.Name != "demo-gallery" || s.ResourceGroupName != "" || s.GalleryName != "" || s.Location != "westeurope" {
				t.Errorf("galleryRef/location %+v/%s, want the demo-gallery object in westeurope", s.GalleryRef, s.Location)
			}
			if s.SubscriptionID != "" || s.CredentialsSecretRef != nil {
				t.Error("samples must use the operator's own credentials and subscription")
			}
			id := strings.ToLower(s.Properties.Identifier.Publisher + "/" + s.Properties.Identifier.Offer + "/" + s.Properties.Identifier.SKU)
			if other, ok := identifiers[id]; ok {
				t.Errorf("identifier %s already used by %s: Azure requires it unique in a gallery", id, other)
			}
			identifiers[id] = o.Name
			if img.Status.ObservedGeneration != 0 || len(img.Status.Conditions) != 0 {
				t.Error("samples must not carry a status")
			}
		})
	}

	// What each sample is there to show.
	var trustedLaunch, windows, plan bool
	for name, img := range images {
		p := img.Spec.Properties
		if p.OSType == v1alpha1.OperatingSystemTypeLinux && p.HyperVGeneration == v1alpha1.HyperVGenerationV2 &&
			feature(p, "SecurityType") == "TrustedLaunch" && feature(p, "IsAcceleratedNetworkSupported") == "true" &&
			strings.Contains(feature(p, "DiskControllerTypes"), "NVMe") && p.Recommended != nil && p.Recommended.VCPUs != nil &&
			p.Recommended.Memory != nil && p.Disallowed != nil && len(p.Disallowed.DiskTypes) > 0 && len(img.Spec.Tags) > 0 {
			trustedLaunch = true
			for _, f := range p.Features {
				if f.Name == "DiskControllerTypes" && f.StartsAtVersion == "" {
					t.Errorf("%s: DiskControllerTypes should show startsAtVersion", name)
				}
			}
		}
		if p.OSType == v1alpha1.OperatingSystemTypeWindows && p.OSState == v1alpha1.OperatingSystemStateGeneralized &&
			p.HyperVGeneration == v1alpha1.HyperVGenerationV2 && strings.Contains(strings.ToLower(p.Identifier.SKU+p.Description), "2025") {
			windows = true
		}
		if p.PurchasePlan != nil && p.PurchasePlan.Name != "" && p.PurchasePlan.Publisher != "" && p.PurchasePlan.Product != "" &&
			p.EndOfLifeDate != nil && p.Eula != "" {
			plan = true
			if !p.EndOfLifeDate.After(time.Now().AddDate(1, 0, 0)) {
				t.Errorf("%s: endOfLifeDate %s is (nearly) past; Azure rejects a past date", name, p.EndOfLifeDate.UTC().Format(time.RFC3339))
			}
		}
	}
	if !trustedLaunch || !windows || !plan {
		t.Errorf("want a Linux Gen2 TrustedLaunch sample (%v), a Windows Server 2025 Gen2 sample (%v) and one with purchasePlan, endOfLifeDate and eula (%v)",
			trustedLaunch, windows, plan)
	}
}

// TestSampleFilesDecodeStrictly decodes each file of config/samples on its own, so that a typo is
// reported with the file's name.
func TestSampleFilesDecodeStrictly(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot, "config", "samples", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		n++
		data := readRepoFile(t, filepath.Join("config", "samples", filepath.Base(f)))
		var into any = &v1alpha1.GalleryImage{}
		switch {
		case strings.Contains(string(data), "\nkind: Gallery\n"):
			into = &v1alpha1.Gallery{}
		case strings.Contains(string(data), "\nkind: GalleryImageVersion\n"):
			into = &v1alpha1.GalleryImageVersion{}
		case strings.Contains(string(data), "\nkind: GalleryApplication\n"):
			into = &v1alpha1.GalleryApplication{}
		case strings.Contains(string(data), "\nkind: GalleryApplicationVersion\n"):
			into = &v1alpha1.GalleryApplicationVersion{}
		case strings.Contains(string(data), "\nkind: GalleryInVMAccessControlProfile\n"):
			into = &v1alpha1.GalleryInVMAccessControlProfile{}
		case strings.Contains(string(data), "\nkind: GalleryInVMAccessControlProfileVersion\n"):
			into = &v1alpha1.GalleryInVMAccessControlProfileVersion{}
		}
		if err := yaml.UnmarshalStrict(data, into); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
	}
	if n != 9 {
		t.Errorf("%d sample files, want 9", n)
	}
}

// crdSchema is the OpenAPI schema of the v1alpha1 version of the generated CRD.
func crdSchema(t *testing.T) *spec.Schema {
	t.Helper()
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(readRepoFile(t, "config/crd/bases/compute.azgallery.io_galleryimages.yaml"), &crd); err != nil {
		t.Fatal(err)
	}
	for _, v := range crd.Spec.Versions {
		if v.Name != "v1alpha1" || v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
			continue
		}
		raw, err := json.Marshal(v.Schema.OpenAPIV3Schema)
		if err != nil {
			t.Fatal(err)
		}
		s := &spec.Schema{}
		if err := json.Unmarshal(raw, s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	t.Fatal("the CRD has no v1alpha1 schema")
	return nil
}

// checkCreateRules checks what the CRD's CEL rules require of a new object (the rules comparing
// with oldSelf apply only to updates).
func checkCreateRules(t *testing.T, img *v1alpha1.GalleryImage) {
	t.Helper()
	if errs := validation.IsDNS1123Subdomain(img.Name); len(errs) > 0 {
		t.Errorf("metadata.name %q: %v", img.Name, errs)
	}
	if img.Spec.AzureName == "" && (len(img.Name) > 80 || !azureImageName.MatchString(img.Name)) {
		t.Errorf("metadata.name %q is not a valid Azure image name", img.Name)
	}
	p := img.Spec.Properties
	if st := feature(p, "SecurityType"); st != "" && !strings.EqualFold(st, "Standard") && p.HyperVGeneration != v1alpha1.HyperVGenerationV2 {
		t.Errorf("SecurityType %s needs hyperVGeneration V2", st)
	}
	if r := p.Recommended; r != nil {
		for name, rr := range map[string]*v1alpha1.ResourceRange{"vCPUs": r.VCPUs, "memory": r.Memory} {
			if rr != nil && rr.Min != nil && rr.Max != nil && *rr.Min > *rr.Max {
				t.Errorf("recommended.%s: min %d > max %d", name, *rr.Min, *rr.Max)
			}
		}
	}
	seen := map[string]bool{}
	for _, f := range p.Features {
		if seen[f.Name] {
			t.Errorf("feature %s listed twice", f.Name)
		}
		seen[f.Name] = true
	}
}

// feature returns the value of the named feature, or "".
func feature(p v1alpha1.GalleryImageProperties, name string) string {
	for _, f := range p.Features {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// TestSchemaCheckRejects makes sure the checks above are not vacuous: broken copies of a sample
// fail the schema check, and an unknown field (which the API server would prune silently) fails
// strict decoding.
func TestSchemaCheckRejects(t *testing.T) {
	schema := crdSchema(t)
	for name, breakIt := range map[string]func(spec map[string]any){
		"osType not in the enum":  func(s map[string]any) { s["properties"].(map[string]any)["osType"] = "Linuxx" },
		"galleryName pattern":     func(s map[string]any) { s["galleryName"] = "demo-gallery" },
		"identifier missing":      func(s map[string]any) { delete(s["properties"].(map[string]any), "identifier") },
		"location longer than 64": func(s map[string]any) { s["location"] = strings.Repeat("x", 65) },
	} {
		t.Run(name, func(t *testing.T) {
			obj := build(t, "config/samples")[0].Raw
			breakIt(obj["spec"].(map[string]any))
			if validate.NewSchemaValidator(schema, nil, "", strfmt.Default).Validate(obj).IsValid() {
				t.Error("the schema check accepted a broken object")
			}
		})
	}
	t.Run("unknown field", func(t *testing.T) {
		obj := build(t, "config/samples")[0].Raw
		obj["spec"].(map[string]any)["properties"].(map[string]any)["osStat"] = "Generalized"
		raw, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.UnmarshalStrict(raw, &v1alpha1.GalleryImage{}); err == nil {
			t.Error("strict decoding accepted an unknown field")
		}
	})
}

// checkSampleGallery checks the demo Gallery: it decodes strictly, lives where the demo expects
// it, and its Azure name is valid for a gallery.
func checkSampleGallery(t *testing.T, o object) {
	t.Helper()
	raw, err := json.Marshal(o.Raw)
	if err != nil {
		t.Fatal(err)
	}
	g := &v1alpha1.Gallery{}
	if err := yaml.UnmarshalStrict(raw, g); err != nil {
		t.Fatalf("strict decoding into v1alpha1.Gallery: %v", err)
	}
	if g.Name != "demo-gallery" || g.Spec.ResourceGroupName != "demo-rg" || g.AzureGalleryName() != "demo_gallery" || g.Spec.Location != "westeurope" {
		t.Errorf("the sample gallery is %s (%s/%s in %s), want demo-gallery (demo-rg/demo_gallery in westeurope)",
			g.Name, g.Spec.ResourceGroupName, g.AzureGalleryName(), g.Spec.Location)
	}
	if g.Namespace != "" || g.Spec.SubscriptionID != "" || g.Spec.CredentialsSecretRef != nil {
		t.Error("the sample gallery must have no namespace and use the operator's own credentials and subscription")
	}
}

// checkSampleApplication checks the demo's application and its version: they decode strictly,
// the application is in the demo gallery, and the version references it and replicates to two
// regions starting with its own location.
func checkSampleApplication(t *testing.T, o object) {
	t.Helper()
	raw, err := json.Marshal(o.Raw)
	if err != nil {
		t.Fatal(err)
	}
	if o.Kind == "GalleryApplication" {
		a := &v1alpha1.GalleryApplication{}
		if err := yaml.UnmarshalStrict(raw, a); err != nil {
			t.Fatalf("strict decoding into v1alpha1.GalleryApplication: %v", err)
		}
		if a.Spec.GalleryRef == nil || a.Spec.GalleryRef.Name != "demo-gallery" || a.Spec.Properties.SupportedOSType == "" {
			t.Errorf("the sample application: %+v", a.Spec)
		}
		return
	}
	v := &v1alpha1.GalleryApplicationVersion{}
	if err := yaml.UnmarshalStrict(raw, v); err != nil {
		t.Fatalf("strict decoding into v1alpha1.GalleryApplicationVersion: %v", err)
	}
	pp := v.Spec.Properties.PublishingProfile
	if v.Spec.ApplicationRef == nil || v.Spec.ApplicationRef.Name != "platform-tools" || len(pp.TargetRegions) != 2 ||
		pp.TargetRegions[0].Name != v.Spec.Location || pp.Source.MediaLink == "" || pp.ManageActions.Install == "" {
		t.Errorf("the sample application version: %+v", v.Spec)
	}
}

// checkSampleVersion checks the demo's image version: it decodes strictly, references a sample
// image, and replicates to two regions from a managed image in its own location.
func checkSampleVersion(t *testing.T, o object) {
	t.Helper()
	raw, err := json.Marshal(o.Raw)
	if err != nil {
		t.Fatal(err)
	}
	v := &v1alpha1.GalleryImageVersion{}
	if err := yaml.UnmarshalStrict(raw, v); err != nil {
		t.Fatalf("strict decoding into v1alpha1.GalleryImageVersion: %v", err)
	}
	if v.Spec.ImageRef == nil || v.Spec.ImageRef.Name != "ubuntu-2404-lts-gen2" {
		t.Errorf("the sample version references %+v, want the ubuntu-2404-lts-gen2 sample", v.Spec.ImageRef)
	}
	pp := v.Spec.Properties.PublishingProfile
	if pp == nil || len(pp.TargetRegions) != 2 || pp.TargetRegions[0].Name != v.Spec.Location {
		t.Errorf("the sample version should replicate to two regions, starting with its own location: %+v", pp)
	}
	src := v.Spec.Properties.StorageProfile.Source
	if src == nil || !strings.Contains(src.ID, "/providers/Microsoft.Compute/images/") || !strings.Contains(src.ID, "/resourceGroups/demo-rg/") {
		t.Errorf("the sample version's source is not a managed image in demo-rg: %+v", src)
	}
}

// checkSampleProfile checks the demo's inVMAccessControlProfile and its version: they decode
// strictly and reference the sample gallery and profile.
func checkSampleProfile(t *testing.T, o object) {
	t.Helper()
	raw, err := json.Marshal(o.Raw)
	if err != nil {
		t.Fatal(err)
	}
	if o.Kind == "GalleryInVMAccessControlProfile" {
		p := &v1alpha1.GalleryInVMAccessControlProfile{}
		if err := yaml.UnmarshalStrict(raw, p); err != nil {
			t.Fatalf("strict decoding into v1alpha1.GalleryInVMAccessControlProfile: %v", err)
		}
		if p.Spec.GalleryRef == nil || p.Spec.GalleryRef.Name != "demo-gallery" {
			t.Errorf("the sample profile references %+v, want demo-gallery", p.Spec.GalleryRef)
		}
		return
	}
	v := &v1alpha1.GalleryInVMAccessControlProfileVersion{}
	if err := yaml.UnmarshalStrict(raw, v); err != nil {
		t.Fatalf("strict decoding into v1alpha1.GalleryInVMAccessControlProfileVersion: %v", err)
	}
	if v.Spec.ProfileRef == nil || v.Spec.ProfileRef.Name != "wireserver-linux" || len(v.Spec.Properties.TargetLocations) != 2 ||
		v.Spec.Properties.TargetLocations[0].Name != v.Spec.Location {
		t.Errorf("the sample profile version references %+v and replicates to %+v", v.Spec.ProfileRef, v.Spec.Properties.TargetLocations)
	}
}
