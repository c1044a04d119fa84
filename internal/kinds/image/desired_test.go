package image

import (
	"encoding/json"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/azgallery/gallery-operator/api/v1alpha1"
)

// eol is the end-of-life date of fullSpec.
var eol = time.Date(2030, 12, 31, 0, 0, 0, 0, time.UTC)

// fullSpec returns a spec that sets every field the request body carries.
func fullSpec() *v1alpha1.GalleryImageSpec {
	return &v1alpha1.GalleryImageSpec{
		SubscriptionID:    "00000000-0000-0000-0000-000000000001",
		ResourceGroupName: "rg",
		GalleryName:       "gallery",
		AzureName:         "Ubuntu-22.04",
		Location:          "West US",
		Tags:              map[string]string{"env": "prod", "team": "images"},
		Properties: v1alpha1.GalleryImageProperties{
			Description:         "Ubuntu 22.04 base",
			Eula:                "eula text",
			PrivacyStatementURI: "https://example.com/privacy",
			ReleaseNoteURI:      "https://example.com/notes",
			OSType:              v1alpha1.OperatingSystemTypeLinux,
			OSState:             v1alpha1.OperatingSystemStateGeneralized,
			HyperVGeneration:    v1alpha1.HyperVGenerationV2,
			EndOfLifeDate:       &metav1.Time{Time: eol},
			Identifier:          v1alpha1.GalleryImageIdentifier{Publisher: "Contoso", Offer: "Ubuntu", SKU: "22_04-lts"},
			Recommended: &v1alpha1.RecommendedMachineConfiguration{
				VCPUs:  &v1alpha1.ResourceRange{Min: to.Ptr[int32](2), Max: to.Ptr[int32](16)},
				Memory: &v1alpha1.ResourceRange{Min: to.Ptr[int32](4), Max: to.Ptr[int32](64)},
			},
			Disallowed:   &v1alpha1.Disallowed{DiskTypes: []string{"Standard_LRS", "StandardSSD_LRS"}},
			PurchasePlan: &v1alpha1.ImagePurchasePlan{Name: "plan", Publisher: "planpub", Product: "planprod"},
			Features: []v1alpha1.GalleryImageFeature{
				{Name: "SecurityType", Value: "TrustedLaunch", StartsAtVersion: "1.0.0"},
				{Name: "IsAcceleratedNetworkSupported", Value: "true"},
				{Name: "DiskControllerTypes", Value: "SCSI, NVMe"},
			},
			Architecture:     v1alpha1.ArchitectureArm64,
			AllowUpdateImage: to.Ptr(true),
		},
	}
}

// minimalSpec returns a spec with only the required fields.
func minimalSpec() *v1alpha1.GalleryImageSpec {
	return &v1alpha1.GalleryImageSpec{
		ResourceGroupName: "rg",
		GalleryName:       "gallery",
		Location:          "westus",
		Properties: v1alpha1.GalleryImageProperties{
			OSType:     v1alpha1.OperatingSystemTypeWindows,
			OSState:    v1alpha1.OperatingSystemStateSpecialized,
			Identifier: v1alpha1.GalleryImageIdentifier{Publisher: "p", Offer: "o", SKU: "s"},
		},
	}
}

// azureEcho returns img as Azure's GET would return it: a JSON round trip through the SDK's
// serde, with the read-only fields filled in and allowUpdateImage not echoed.
func azureEcho(t *testing.T, img armcompute.GalleryImage) *armcompute.GalleryImage {
	t.Helper()
	b, err := json.Marshal(img)
	if err != nil {
		t.Fatal(err)
	}
	var out armcompute.GalleryImage
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	out.ID = to.Ptr("/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/galleries/gallery/images/img")
	out.Name = to.Ptr("img")
	out.Type = to.Ptr("Microsoft.Compute/galleries/images")
	out.SystemData = &armcompute.SystemData{CreatedBy: to.Ptr("someone")}
	if out.Properties == nil {
		out.Properties = &armcompute.GalleryImageProperties{}
	}
	out.Properties.ProvisioningState = to.Ptr(armcompute.GalleryProvisioningStateSucceeded)
	out.Properties.AllowUpdateImage = nil
	return &out
}

// reversed returns the slice in reverse order.
func reversed[T any](s []T) []T {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

func TestDiffAndParameters(t *testing.T) {
	type props = armcompute.GalleryImageProperties
	tests := []struct {
		name     string
		spec     func(*v1alpha1.GalleryImageSpec)           // changes the spec the desired body is built from
		existing func(*armcompute.GalleryImage)             // changes what Azure returns
		minimal  bool                                       // start from minimalSpec instead of fullSpec
		want     []string                                   // Diff; nil means Parameters returns nil
		extra    func(*testing.T, *armcompute.GalleryImage) // more checks on the body to PUT
	}{
		{name: "identical"},
		{name: "identical minimal", minimal: true},
		{name: "read-only fields and allowUpdateImage ignored", existing: func(e *armcompute.GalleryImage) {
			e.ID, e.Name, e.Type = to.Ptr("other"), to.Ptr("other"), to.Ptr("other")
			e.Properties.ProvisioningState = to.Ptr(armcompute.GalleryProvisioningStateFailed)
			e.Properties.AllowUpdateImage = to.Ptr(false)
		}},
		{name: "location display name vs canonical", existing: func(e *armcompute.GalleryImage) { e.Location = to.Ptr("westus") }},
		{name: "location canonical in spec, display name in Azure", spec: func(s *v1alpha1.GalleryImageSpec) { s.Location = "westus" },
			existing: func(e *armcompute.GalleryImage) { e.Location = to.Ptr("West US") }},
		{name: "unset hyperVGeneration matches Azure's V1", minimal: true,
			existing: func(e *armcompute.GalleryImage) {
				e.Properties.HyperVGeneration = to.Ptr(armcompute.HyperVGenerationV1)
			}},
		{name: "V1 matches hyperVGeneration Azure left unset", minimal: true,
			spec:     func(s *v1alpha1.GalleryImageSpec) { s.Properties.HyperVGeneration = v1alpha1.HyperVGenerationV1 },
			existing: func(e *armcompute.GalleryImage) { e.Properties.HyperVGeneration = nil }},
		{name: "unset architecture matches Azure's x64", minimal: true,
			existing: func(e *armcompute.GalleryImage) { e.Properties.Architecture = to.Ptr(armcompute.ArchitectureX64) }},
		{name: "x64 matches architecture Azure left unset", minimal: true,
			spec:     func(s *v1alpha1.GalleryImageSpec) { s.Properties.Architecture = v1alpha1.ArchitectureX64 },
			existing: func(e *armcompute.GalleryImage) { e.Properties.Architecture = nil }},
		{name: "nil tags match empty tags", minimal: true,
			existing: func(e *armcompute.GalleryImage) { e.Tags = map[string]*string{} }},
		{name: "tag names ignore case, nil value is empty", spec: func(s *v1alpha1.GalleryImageSpec) { s.Tags["empty"] = "" },
			existing: func(e *armcompute.GalleryImage) {
				e.Tags = map[string]*string{"Env": to.Ptr("prod"), "TEAM": to.Ptr("images"), "empty": nil}
			}},
		{name: "features in another order", existing: func(e *armcompute.GalleryImage) {
			e.Properties.Features = reversed(e.Properties.Features)
		}},
		{name: "feature value and startsAtVersion nil match empty", existing: func(e *armcompute.GalleryImage) {
			for _, f := range e.Properties.Features {
				if *f.Name == "IsAcceleratedNetworkSupported" {
					f.StartsAtVersion = to.Ptr("")
				}
			}
			e.Properties.Features = append(e.Properties.Features, &armcompute.GalleryImageFeature{Name: to.Ptr("Empty"), Value: nil})
		}, spec: func(s *v1alpha1.GalleryImageSpec) {
			s.Properties.Features = append(s.Properties.Features, v1alpha1.GalleryImageFeature{Name: "Empty"})
		}},
		{name: "disk types in another order", existing: func(e *armcompute.GalleryImage) {
			e.Properties.Disallowed.DiskTypes = reversed(e.Properties.Disallowed.DiskTypes)
		}},
		{name: "nil disallowed matches empty disk types", minimal: true, existing: func(e *armcompute.GalleryImage) {
			e.Properties.Disallowed = &armcompute.Disallowed{DiskTypes: []*string{}}
		}},
		{name: "endOfLifeDate same instant in another zone", existing: func(e *armcompute.GalleryImage) {
			e.Properties.EndOfLifeDate = to.Ptr(eol.In(time.FixedZone("PST", -8*3600)))
		}},
		{name: "empty strings match nil", minimal: true, existing: func(e *armcompute.GalleryImage) {
			p := e.Properties
			p.Description, p.Eula, p.PrivacyStatementURI, p.ReleaseNoteURI = to.Ptr(""), to.Ptr(""), to.Ptr(""), to.Ptr("")
		}},
		{name: "nil recommended matches empty ranges", minimal: true, existing: func(e *armcompute.GalleryImage) {
			e.Properties.Recommended = &armcompute.RecommendedMachineConfiguration{Memory: &armcompute.ResourceRange{}}
		}},
		{name: "recommended compared by value", existing: func(e *armcompute.GalleryImage) {
			e.Properties.Recommended.VCPUs.Max = to.Ptr[int32](16)
		}},
		{name: "nil purchasePlan matches empty plan", minimal: true, existing: func(e *armcompute.GalleryImage) {
			e.Properties.PurchasePlan = &armcompute.ImagePurchasePlan{Name: to.Ptr("")}
		}},
		{name: "identifier case-insensitive", existing: func(e *armcompute.GalleryImage) {
			e.Properties.Identifier = &armcompute.GalleryImageIdentifier{Publisher: to.Ptr("CONTOSO"), Offer: to.Ptr("ubuntu"), SKU: to.Ptr("22_04-LTS")}
		}},
		{name: "immutable properties set only in Azure need no write", minimal: true, existing: func(e *armcompute.GalleryImage) {
			p := e.Properties
			p.Eula, p.PrivacyStatementURI = to.Ptr("eula"), to.Ptr("https://example.com/p")
			p.PurchasePlan = &armcompute.ImagePurchasePlan{Name: to.Ptr("plan")}
			p.HyperVGeneration, p.Architecture = to.Ptr(armcompute.HyperVGenerationV2), to.Ptr(armcompute.ArchitectureArm64)
		}},
		{name: "description changed", spec: func(s *v1alpha1.GalleryImageSpec) { s.Properties.Description = "new" },
			want: []string{"properties.description"},
			extra: func(t *testing.T, b *armcompute.GalleryImage) {
				if *b.Properties.Description != "new" || *b.Properties.AllowUpdateImage != true {
					t.Errorf("body description %q allowUpdateImage %v", *b.Properties.Description, *b.Properties.AllowUpdateImage)
				}
			}},
		{name: "description only in Azure is removed", minimal: true,
			existing: func(e *armcompute.GalleryImage) { e.Properties.Description = to.Ptr("hand-made") },
			want:     []string{"properties.description"}},
		{name: "tag value changed", existing: func(e *armcompute.GalleryImage) { e.Tags["env"] = to.Ptr("dev") }, want: []string{"tags"}},
		{name: "tag added in Azure", existing: func(e *armcompute.GalleryImage) { e.Tags["extra"] = to.Ptr("x") }, want: []string{"tags"}},
		{name: "tags only in Azure are removed", minimal: true,
			existing: func(e *armcompute.GalleryImage) { e.Tags = map[string]*string{"a": to.Ptr("b")} }, want: []string{"tags"}},
		{name: "releaseNoteUri changed", spec: func(s *v1alpha1.GalleryImageSpec) { s.Properties.ReleaseNoteURI = "https://x" },
			want: []string{"properties.releaseNoteUri"}},
		{name: "releaseNoteUri only in Azure", minimal: true,
			existing: func(e *armcompute.GalleryImage) { e.Properties.ReleaseNoteURI = to.Ptr("https://x") },
			want:     []string{"properties.releaseNoteUri"}},
		{name: "endOfLifeDate changed", spec: func(s *v1alpha1.GalleryImageSpec) {
			s.Properties.EndOfLifeDate = &metav1.Time{Time: eol.Add(24 * time.Hour)}
		}, want: []string{"properties.endOfLifeDate"}},
		{name: "endOfLifeDate only in Azure", minimal: true,
			existing: func(e *armcompute.GalleryImage) { e.Properties.EndOfLifeDate = to.Ptr(eol) },
			want:     []string{"properties.endOfLifeDate"}},
		{name: "recommended vCPUs max changed", spec: func(s *v1alpha1.GalleryImageSpec) {
			s.Properties.Recommended.VCPUs.Max = to.Ptr[int32](32)
		}, want: []string{"properties.recommended"}},
		{name: "recommended memory min unset", spec: func(s *v1alpha1.GalleryImageSpec) {
			s.Properties.Recommended.Memory.Min = nil
		}, want: []string{"properties.recommended"}},
		{name: "recommended only in Azure", minimal: true, existing: func(e *armcompute.GalleryImage) {
			e.Properties.Recommended = &armcompute.RecommendedMachineConfiguration{VCPUs: &armcompute.ResourceRange{Min: to.Ptr[int32](1)}}
		}, want: []string{"properties.recommended"}},
		{name: "disk type added", spec: func(s *v1alpha1.GalleryImageSpec) {
			s.Properties.Disallowed.DiskTypes = append(s.Properties.Disallowed.DiskTypes, "Premium_LRS")
		}, want: []string{"properties.disallowed"}},
		{name: "disallowed only in Azure", minimal: true, existing: func(e *armcompute.GalleryImage) {
			e.Properties.Disallowed = &armcompute.Disallowed{DiskTypes: []*string{to.Ptr("Standard_LRS")}}
		}, want: []string{"properties.disallowed"}},
		{name: "feature value changed", spec: func(s *v1alpha1.GalleryImageSpec) {
			s.Properties.Features[1].Value = "false"
		}, want: []string{"properties.features"}},
		{name: "feature startsAtVersion changed", spec: func(s *v1alpha1.GalleryImageSpec) {
			s.Properties.Features[0].StartsAtVersion = "2.0.0"
		}, want: []string{"properties.features"}},
		{name: "feature only in Azure", existing: func(e *armcompute.GalleryImage) {
			e.Properties.Features = append(e.Properties.Features, &armcompute.GalleryImageFeature{Name: to.Ptr("IsHibernateSupported"), Value: to.Ptr("true")})
		}, want: []string{"properties.features"}},
		{name: "osType changed", spec: func(s *v1alpha1.GalleryImageSpec) { s.Properties.OSType = v1alpha1.OperatingSystemTypeWindows },
			want: []string{"properties.osType"}},
		{name: "osState compared exactly", existing: func(e *armcompute.GalleryImage) {
			e.Properties.OSState = to.Ptr(armcompute.OperatingSystemStateTypes("generalized"))
		}, want: []string{"properties.osState"}},
		{name: "identifier changed", spec: func(s *v1alpha1.GalleryImageSpec) { s.Properties.Identifier.SKU = "24_04-lts" },
			want: []string{"properties.identifier"}},
		{name: "hyperVGeneration V2 wanted, Azure has default", minimal: true,
			spec: func(s *v1alpha1.GalleryImageSpec) { s.Properties.HyperVGeneration = v1alpha1.HyperVGenerationV2 },
			want: []string{"properties.hyperVGeneration"}},
		{name: "eula and purchasePlan and location changed",
			spec: func(s *v1alpha1.GalleryImageSpec) {
				s.Location, s.Properties.Eula = "East US", "other"
				s.Properties.PurchasePlan.Product = "other"
			},
			want: []string{"location", "properties.eula", "properties.purchasePlan"}},
		{name: "several updatable changes in a stable order",
			spec: func(s *v1alpha1.GalleryImageSpec) {
				s.Tags = nil
				s.Properties.Description = ""
				s.Properties.Features = s.Properties.Features[:1]
				s.Properties.Disallowed = nil
			},
			want: []string{"tags", "properties.description", "properties.disallowed", "properties.features"}},
		{name: "Azure returned no properties", existing: func(e *armcompute.GalleryImage) { e.Properties = nil },
			want: []string{"properties.description", "properties.eula", "properties.privacyStatementUri",
				"properties.releaseNoteUri", "properties.osType", "properties.osState", "properties.hyperVGeneration",
				"properties.architecture", "properties.endOfLifeDate", "properties.identifier", "properties.recommended",
				"properties.disallowed", "properties.purchasePlan", "properties.features"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := fullSpec()
			if tt.minimal {
				base = minimalSpec()
			}
			existing := azureEcho(t, DesiredImage(base))
			if tt.existing != nil {
				tt.existing(existing)
			}
			if tt.spec != nil {
				tt.spec(base)
			}
			desired := DesiredImage(base)
			if got := Diff(desired, existing); !slices.Equal(got, tt.want) {
				t.Errorf("Diff = %q, want %q", got, tt.want)
			}
			got := Parameters(desired, existing)
			if (got == nil) != (tt.want == nil) {
				t.Fatalf("Parameters = %v, want a body: %v", got, tt.want != nil)
			}
			if got != nil {
				if Diff(*got, azureEcho(t, desired)) != nil {
					t.Errorf("Parameters returned a body other than desired")
				}
				if tt.extra != nil {
					tt.extra(t, got)
				}
			}
		})
	}
}

func TestParametersExistingNil(t *testing.T) {
	for _, spec := range []*v1alpha1.GalleryImageSpec{fullSpec(), minimalSpec()} {
		desired := DesiredImage(spec)
		got := Parameters(desired, nil)
		if got == nil {
			t.Fatal("Parameters(desired, nil) = nil, want desired")
		}
		if gb, db := mustJSON(t, *got), mustJSON(t, desired); gb != db {
			t.Errorf("Parameters(desired, nil) = %s, want %s", gb, db)
		}
		if d := Diff(desired, nil); !slices.Contains(d, "location") || !slices.Contains(d, "properties.identifier") {
			t.Errorf("Diff(desired, nil) = %q, want every property desired sets", d)
		}
	}
}

// mustJSON returns img in the SDK's JSON form.
func mustJSON(t *testing.T, img armcompute.GalleryImage) string {
	t.Helper()
	b, err := json.Marshal(img)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDesiredImageMapsEveryField(t *testing.T) {
	spec := fullSpec()
	got := DesiredImage(spec)
	p := got.Properties
	checks := []struct {
		field     string
		got, want any
	}{
		{"location (as given)", *got.Location, "West US"},
		{"tags", map[string]string{"env": *got.Tags["env"], "team": *got.Tags["team"]}, spec.Tags},
		{"tags count", len(got.Tags), 2},
		{"description", *p.Description, "Ubuntu 22.04 base"},
		{"eula", *p.Eula, "eula text"},
		{"privacyStatementUri", *p.PrivacyStatementURI, "https://example.com/privacy"},
		{"releaseNoteUri", *p.ReleaseNoteURI, "https://example.com/notes"},
		{"osType", *p.OSType, armcompute.OperatingSystemTypesLinux},
		{"osState", *p.OSState, armcompute.OperatingSystemStateTypesGeneralized},
		{"hyperVGeneration", *p.HyperVGeneration, armcompute.HyperVGenerationV2},
		{"architecture", *p.Architecture, armcompute.ArchitectureArm64},
		{"endOfLifeDate", p.EndOfLifeDate.Equal(eol), true},
		{"identifier", [3]string{*p.Identifier.Publisher, *p.Identifier.Offer, *p.Identifier.SKU}, [3]string{"Contoso", "Ubuntu", "22_04-lts"}},
		{"recommended.vCPUs", [2]int32{*p.Recommended.VCPUs.Min, *p.Recommended.VCPUs.Max}, [2]int32{2, 16}},
		{"recommended.memory", [2]int32{*p.Recommended.Memory.Min, *p.Recommended.Memory.Max}, [2]int32{4, 64}},
		{"disallowed.diskTypes", derefAll(p.Disallowed.DiskTypes), []string{"Standard_LRS", "StandardSSD_LRS"}},
		{"purchasePlan", [3]string{*p.PurchasePlan.Name, *p.PurchasePlan.Publisher, *p.PurchasePlan.Product}, [3]string{"plan", "planpub", "planprod"}},
		{"features count", len(p.Features), 3},
		{"features[0]", [3]string{*p.Features[0].Name, *p.Features[0].Value, *p.Features[0].StartsAtVersion}, [3]string{"SecurityType", "TrustedLaunch", "1.0.0"}},
		{"features[1]", [2]string{*p.Features[1].Name, *p.Features[1].Value}, [2]string{"IsAcceleratedNetworkSupported", "true"}},
		{"features[1].startsAtVersion unset", p.Features[1].StartsAtVersion == nil, true},
		{"features[2]", *p.Features[2].Value, "SCSI, NVMe"},
		{"allowUpdateImage", *p.AllowUpdateImage, true},
		{"provisioningState not sent", p.ProvisioningState == nil, true},
		{"read-only fields not sent", got.ID == nil && got.Name == nil && got.Type == nil, true},
	}
	for _, c := range checks {
		if !jsonEqual(t, c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.field, c.got, c.want)
		}
	}
	// The JSON Azure receives carries the same values.
	body := mustJSON(t, got)
	for _, want := range []string{`"allowUpdateImage":true`, `"endOfLifeDate":"2030-12-31T00:00:00Z"`,
		`"startsAtVersion":"1.0.0"`, `"location":"West US"`, `"architecture":"Arm64"`} {
		if !regexp.MustCompile(regexp.QuoteMeta(want)).MatchString(body) {
			t.Errorf("body %s lacks %s", body, want)
		}
	}
	// The body shares nothing with the spec.
	*spec.Properties.Recommended.VCPUs.Min = 99
	*spec.Properties.AllowUpdateImage = false
	spec.Tags["env"] = "changed"
	if *p.Recommended.VCPUs.Min != 2 || !*p.AllowUpdateImage || *got.Tags["env"] != "prod" {
		t.Error("DesiredImage aliases the spec")
	}
}

func TestDesiredImageLeavesUnsetFieldsNil(t *testing.T) {
	got := DesiredImage(minimalSpec())
	p := got.Properties
	if got.Tags != nil || p.Description != nil || p.Eula != nil || p.PrivacyStatementURI != nil || p.ReleaseNoteURI != nil ||
		p.HyperVGeneration != nil || p.Architecture != nil || p.EndOfLifeDate != nil || p.Recommended != nil ||
		p.Disallowed != nil || p.PurchasePlan != nil || p.Features != nil || p.AllowUpdateImage != nil {
		t.Errorf("unset spec fields are set in the body: %s", mustJSON(t, got))
	}
	if *got.Location != "westus" || *p.OSType != armcompute.OperatingSystemTypesWindows ||
		*p.OSState != armcompute.OperatingSystemStateTypesSpecialized || *p.Identifier.SKU != "s" {
		t.Errorf("required fields wrong: %s", mustJSON(t, got))
	}
	spec := minimalSpec()
	spec.Properties.AllowUpdateImage = to.Ptr(false)
	if p := DesiredImage(spec).Properties; p.AllowUpdateImage == nil || *p.AllowUpdateImage {
		t.Errorf("allowUpdateImage false not carried: %v", p.AllowUpdateImage)
	}
}

// derefAll dereferences every string.
func derefAll(ss []*string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		out = append(out, *s)
	}
	return out
}

// jsonEqual compares two values by their JSON form.
func jsonEqual(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(ja) == string(jb)
}

func TestSpecHash(t *testing.T) {
	base := SpecHash(DesiredImage(fullSpec()))
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(base) {
		t.Fatalf("SpecHash = %q, want 16 hex characters", base)
	}
	same := map[string]func(*v1alpha1.GalleryImageSpec){
		"features reordered": func(s *v1alpha1.GalleryImageSpec) { s.Properties.Features = reversed(s.Properties.Features) },
		"disk types reordered": func(s *v1alpha1.GalleryImageSpec) {
			s.Properties.Disallowed.DiskTypes = reversed(s.Properties.Disallowed.DiskTypes)
		},
		"tags rebuilt":      func(s *v1alpha1.GalleryImageSpec) { s.Tags = map[string]string{"team": "images", "env": "prod"} },
		"allowUpdateImage":  func(s *v1alpha1.GalleryImageSpec) { s.Properties.AllowUpdateImage = nil },
		"location spelling": func(s *v1alpha1.GalleryImageSpec) { s.Location = "westus" },
		"endOfLifeDate zone": func(s *v1alpha1.GalleryImageSpec) {
			s.Properties.EndOfLifeDate = &metav1.Time{Time: eol.In(time.FixedZone("X", 3600))}
		},
		"operator-only fields":   func(s *v1alpha1.GalleryImageSpec) { s.DeletionPolicy, s.AzureName = v1alpha1.DeletionPolicyOrphan, "x" },
		"identifier case":        func(s *v1alpha1.GalleryImageSpec) { s.Properties.Identifier.Publisher = "CONTOSO" },
		"nothing (repeated)":     func(*v1alpha1.GalleryImageSpec) {},
		"recommended same value": func(s *v1alpha1.GalleryImageSpec) { s.Properties.Recommended.VCPUs.Max = to.Ptr[int32](16) },
	}
	for name, change := range same {
		spec := fullSpec()
		change(spec)
		for range 5 { // map iteration order varies between runs
			if got := SpecHash(DesiredImage(spec)); got != base {
				t.Errorf("%s: SpecHash = %s, want unchanged %s", name, got, base)
			}
		}
	}
	differ := map[string]func(*v1alpha1.GalleryImageSpec){
		"description":   func(s *v1alpha1.GalleryImageSpec) { s.Properties.Description = "changed" },
		"tag value":     func(s *v1alpha1.GalleryImageSpec) { s.Tags["env"] = "dev" },
		"feature value": func(s *v1alpha1.GalleryImageSpec) { s.Properties.Features[0].Value = "Standard" },
		"disk type": func(s *v1alpha1.GalleryImageSpec) {
			s.Properties.Disallowed.DiskTypes = s.Properties.Disallowed.DiskTypes[:1]
		},
		"endOfLifeDate":   func(s *v1alpha1.GalleryImageSpec) { s.Properties.EndOfLifeDate = nil },
		"recommended max": func(s *v1alpha1.GalleryImageSpec) { s.Properties.Recommended.Memory.Max = to.Ptr[int32](128) },
	}
	for name, change := range differ {
		spec := fullSpec()
		change(spec)
		if got := SpecHash(DesiredImage(spec)); got == base {
			t.Errorf("%s changed but SpecHash stayed %s", name, got)
		}
	}
	minimal := minimalSpec()
	minimal.Properties.HyperVGeneration, minimal.Properties.Architecture = v1alpha1.HyperVGenerationV1, v1alpha1.ArchitectureX64
	if SpecHash(DesiredImage(minimal)) != SpecHash(DesiredImage(minimalSpec())) {
		t.Error("explicit V1/x64 hash differently from unset")
	}
}
