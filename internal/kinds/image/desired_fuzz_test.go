package image

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/kinds/kindfuzz"
)

// Fuzz tests of the pure part of the GalleryImage kind: DesiredImage, Diff, Parameters and
// SpecHash. Specs are built from the fuzzed bytes within what admission accepts (required fields
// set, enums from their values, identifier patterns, unique feature names and tag names ignoring
// case, whole seconds); FuzzImageArbitraryBodies feeds arbitrary JSON straight to the functions.

// locations are regions as a spec may spell them and as Azure answers.
var locations = [][2]string{{"West Europe", "westeurope"}, {"North Europe", "northeurope"}, {"East US 2", "eastus2"},
	{"westus", "West US"}, {"Sweden Central", "swedencentral"}, {"uksouth", "UK South"}}

const (
	idChars   = "ABCXYZabcxyz0189._-"
	idLast    = "Ab9_-"
	anyLetter = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)

// fuzzTags are up to five tags whose names differ ignoring case (Azure's tag names are
// case-insensitive).
func fuzzTags(f *kindfuzz.Bytes) map[string]string {
	n := f.Intn(6)
	if n == 0 {
		return nil
	}
	tags := map[string]string{}
	seen := map[string]bool{}
	for range n {
		k := f.Pick("env", "Team", "owner", "CostCenter", f.Word(anyLetter, anyLetter, 6), f.Text(8))
		if seen[strings.ToLower(k)] {
			continue
		}
		seen[strings.ToLower(k)] = true
		tags[k] = f.Text(12)
	}
	return tags
}

// fuzzTime is a whole-second instant between 1970 and 2200 in some zone, or nil.
func fuzzTime(f *kindfuzz.Bytes) *metav1.Time {
	if !f.Flag() {
		return nil
	}
	secs := (int64(f.Next())<<24 | int64(f.Next())<<16 | int64(f.Next())<<8 | int64(f.Next())) * 2
	zone := time.FixedZone("z", (f.Intn(27)-12)*3600)
	return &metav1.Time{Time: time.Unix(secs, 0).In(zone)}
}

// fuzzRange is a resource range with min <= max, or nil.
func fuzzRange(f *kindfuzz.Bytes) *v1alpha1.ResourceRange {
	if !f.Flag() {
		return nil
	}
	r := &v1alpha1.ResourceRange{}
	lo, hi := f.Int32n(1000), f.Int32n(1000)
	if lo > hi {
		lo, hi = hi, lo
	}
	if f.Flag() {
		r.Min = to.Ptr(lo)
	}
	if f.Flag() {
		r.Max = to.Ptr(hi)
	}
	return r
}

// fuzzSpec builds a GalleryImage spec admission accepts from the bytes; the location is the
// spec's spelling of locations[loc].
func fuzzSpec(f *kindfuzz.Bytes) (spec *v1alpha1.GalleryImageSpec, loc int) {
	loc = f.Intn(len(locations))
	p := v1alpha1.GalleryImageProperties{
		Description:         f.Text(20),
		OSType:              v1alpha1.OperatingSystemType(f.Pick("Windows", "Linux")),
		OSState:             v1alpha1.OperatingSystemState(f.Pick("Generalized", "Specialized")),
		HyperVGeneration:    v1alpha1.HyperVGeneration(f.Pick("", "V1", "V2")),
		Architecture:        v1alpha1.Architecture(f.Pick("", "x64", "Arm64")),
		EndOfLifeDate:       fuzzTime(f),
		Identifier:          v1alpha1.GalleryImageIdentifier{Publisher: f.Word(idChars, idLast, 8), Offer: f.Word(idChars, idLast, 8), SKU: f.Word(idChars, idLast, 8)},
		AllowUpdateImage:    [](*bool){nil, to.Ptr(true), to.Ptr(false)}[f.Intn(3)],
		Eula:                f.Pick("", "eula", f.Text(10)),
		PrivacyStatementURI: f.Pick("", "https://example.com/privacy", f.Text(10)),
		ReleaseNoteURI:      f.Pick("", "https://example.com/notes", f.Text(10)),
	}
	if f.Flag() {
		p.Recommended = &v1alpha1.RecommendedMachineConfiguration{VCPUs: fuzzRange(f), Memory: fuzzRange(f)}
	}
	if f.Flag() {
		p.Disallowed = &v1alpha1.Disallowed{}
		for range f.Intn(4) {
			t := f.Pick("Standard_LRS", "StandardSSD_LRS", "Premium_LRS", "PremiumV2_LRS", f.Text(6))
			if !slices.Contains(p.Disallowed.DiskTypes, t) { // listType=set
				p.Disallowed.DiskTypes = append(p.Disallowed.DiskTypes, t)
			}
		}
	}
	if f.Flag() {
		p.PurchasePlan = &v1alpha1.ImagePurchasePlan{Name: f.Text(5), Publisher: f.Text(5), Product: f.Text(5)}
	}
	seen := map[string]bool{}
	for range f.Intn(5) {
		name := f.Pick("SecurityType", "IsAcceleratedNetworkSupported", "DiskControllerTypes", "IsHibernateSupported", f.Word(anyLetter, anyLetter, 10))
		if seen[strings.ToLower(name)] {
			continue
		}
		seen[strings.ToLower(name)] = true
		feat := v1alpha1.GalleryImageFeature{Name: name, Value: f.Pick("", "true", "TrustedLaunch", f.Text(8))}
		if f.Flag() {
			feat.StartsAtVersion = f.Pick("1.0.0", "0.0.1", "10.20.30")
		}
		p.Features = append(p.Features, feat)
	}
	return &v1alpha1.GalleryImageSpec{
		ResourceGroupName: "rg", GalleryName: "gallery",
		Location:   locations[loc][0],
		Tags:       fuzzTags(f),
		Properties: p,
	}, loc
}

// echoOf is desired as Azure's GET returns it: through the SDK's JSON, with read-only fields
// and Azure's defaults added, allowUpdateImage not echoed, the location spelled otherwise, tag
// names, enums (where Azure ignores case), identifier and feature names in another case,
// features and disk types reordered, the end-of-life date in another zone.
func echoOf(t *testing.T, f *kindfuzz.Bytes, desired armcompute.GalleryImage, loc string) *armcompute.GalleryImage {
	t.Helper()
	b, err := json.Marshal(desired)
	if err != nil {
		t.Fatal(err)
	}
	var e armcompute.GalleryImage
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("Azure's JSON of the desired body does not read back: %v\n%s", err, b)
	}
	e.ID = to.Ptr("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/gallery/images/img")
	e.Name, e.Type = to.Ptr("img"), to.Ptr("Microsoft.Compute/galleries/images")
	e.SystemData = &armcompute.SystemData{CreatedBy: to.Ptr("someone"), CreatedAt: to.Ptr(time.Now())}
	e.Location = to.Ptr(loc)
	if len(e.Tags) > 0 {
		tags := map[string]*string{}
		for k, v := range e.Tags {
			if f.Flag() {
				k = kindfuzz.SwapCase(k)
			}
			tags[k] = v
		}
		e.Tags = tags
	}
	if e.Properties == nil {
		e.Properties = &armcompute.GalleryImageProperties{}
	}
	p := e.Properties
	p.ProvisioningState = to.Ptr(armcompute.GalleryProvisioningStateSucceeded)
	p.AllowUpdateImage = nil
	if p.HyperVGeneration == nil {
		p.HyperVGeneration = to.Ptr(armcompute.HyperVGenerationV1)
	}
	if p.Architecture == nil {
		p.Architecture = to.Ptr(armcompute.ArchitectureX64)
	}
	if f.Flag() {
		p.HyperVGeneration = to.Ptr(armcompute.HyperVGeneration(strings.ToLower(string(*p.HyperVGeneration))))
		p.Architecture = to.Ptr(armcompute.Architecture(kindfuzz.SwapCase(string(*p.Architecture))))
	}
	if id := p.Identifier; id != nil && f.Flag() {
		id.Publisher, id.Offer, id.SKU = to.Ptr(kindfuzz.SwapCase(*id.Publisher)), to.Ptr(kindfuzz.SwapCase(*id.Offer)), to.Ptr(kindfuzz.SwapCase(*id.SKU))
	}
	kindfuzz.Shuffle(f, p.Features)
	for _, ft := range p.Features {
		if f.Flag() {
			ft.Name = to.Ptr(kindfuzz.SwapCase(*ft.Name))
		}
	}
	if p.Disallowed != nil {
		kindfuzz.Shuffle(f, p.Disallowed.DiskTypes)
	}
	if p.EndOfLifeDate != nil {
		p.EndOfLifeDate = to.Ptr(p.EndOfLifeDate.In(time.FixedZone("azure", -7*3600)))
	}
	return &e
}

// respell returns a copy of spec changed only in ways Azure ignores: other spellings of the
// location, tag names, feature names and identifier, reordered features and disk types, the
// allowUpdateImage flag, explicit Azure defaults, another time zone, operator-only fields.
func respell(f *kindfuzz.Bytes, spec *v1alpha1.GalleryImageSpec, loc int) *v1alpha1.GalleryImageSpec {
	s := spec.DeepCopy()
	s.Location = locations[loc][1]
	if len(s.Tags) > 0 {
		tags := map[string]string{}
		for k, v := range s.Tags {
			if f.Flag() {
				k = kindfuzz.SwapCase(k)
			}
			tags[k] = v
		}
		s.Tags = tags
	}
	p := &s.Properties
	kindfuzz.Shuffle(f, p.Features)
	for i := range p.Features {
		if f.Flag() {
			p.Features[i].Name = kindfuzz.SwapCase(p.Features[i].Name)
		}
	}
	if p.Disallowed != nil {
		kindfuzz.Shuffle(f, p.Disallowed.DiskTypes)
	}
	if f.Flag() {
		p.Identifier.Publisher, p.Identifier.SKU = kindfuzz.SwapCase(p.Identifier.Publisher), kindfuzz.SwapCase(p.Identifier.SKU)
	}
	p.AllowUpdateImage = [](*bool){nil, to.Ptr(true), to.Ptr(false)}[f.Intn(3)]
	switch p.HyperVGeneration {
	case "":
		p.HyperVGeneration = v1alpha1.HyperVGenerationV1
	case v1alpha1.HyperVGenerationV1:
		p.HyperVGeneration = ""
	}
	switch p.Architecture {
	case "":
		p.Architecture = v1alpha1.ArchitectureX64
	case v1alpha1.ArchitectureX64:
		p.Architecture = ""
	}
	if p.EndOfLifeDate != nil {
		p.EndOfLifeDate = &metav1.Time{Time: p.EndOfLifeDate.In(time.FixedZone("other", 5*3600+1800))}
	}
	s.AzureName, s.DeletionPolicy = "other-name", v1alpha1.DeletionPolicyOrphan
	s.CredentialsSecretRef = &v1alpha1.SecretReference{Name: "creds"}
	return s
}

var hexHash = regexp.MustCompile(`^[0-9a-f]{16}$`)

// imageSeeds are byte strings that reach most branches of fuzzSpec.
var imageSeeds = [][]byte{
	nil,
	{0},
	[]byte("\x01\x05description\x01\x01\x02\x02\x01\x00\x00\x10\x00\x03"),
	[]byte("\x02\x0aWest Europe image\x00\x00\x01\x01\x01\x12\x34\x56\x78\x05\x03\x04\x05\x06\x07\x08\x01\x01\x01\x01\x01\x01\x01\x01\x01\x03\x04\x05\x01\x01\x03\x00\x01\x02\x03"),
	[]byte("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0\xef\xee\xed\xec\xeb\xea\xe9\xe8\xe7\xe6\xe5\xe4\xe3\xe2\xe1\xe0"),
	[]byte("\x03\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"),
}

// FuzzImageDesired: for any spec admission accepts, the desired body
//   - never differs from itself (Diff(d, &d) empty) and hashes alike every time (16 hex chars);
//   - never differs from Azure's echo of it (JSON round trip, Azure's defaults and read-only
//     fields, other spellings and orders), so Parameters sends nothing;
//   - neither differs from nor hashes otherwise than the body of the spec respelled in ways
//     Azure ignores;
//   - differs in exactly properties.description when only the description changes, and then
//     hashes otherwise;
//   - is built without changing the spec.
func FuzzImageDesired(f *testing.F) {
	for _, s := range imageSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fb := kindfuzz.NewBytes(data)
		spec, loc := fuzzSpec(fb)
		before, _ := json.Marshal(spec)
		d := DesiredImage(spec)
		if after, _ := json.Marshal(spec); string(after) != string(before) {
			t.Fatalf("DesiredImage changed the spec:\n%s\n%s", before, after)
		}
		if diff := Diff(d, &d); len(diff) != 0 {
			t.Errorf("Diff(d, &d) = %q", diff)
		}
		h := SpecHash(d)
		if !hexHash.MatchString(h) || SpecHash(DesiredImage(spec)) != h {
			t.Errorf("SpecHash not a stable 16-hex hash: %q then %q", h, SpecHash(DesiredImage(spec)))
		}
		echo := echoOf(t, fb, d, locations[loc][1])
		if diff := Diff(d, echo); len(diff) != 0 {
			t.Errorf("desired differs from Azure's echo of it in %q\nspec: %s\necho: %s", diff, before, mustJSON(t, *echo))
		}
		if Parameters(d, echo) != nil {
			t.Error("Parameters wants a PUT over Azure's echo of the same body")
		}
		re := respell(fb, spec, loc)
		d2 := DesiredImage(re)
		if h2 := SpecHash(d2); h2 != h {
			t.Errorf("respelling the spec changed the hash %s -> %s\nspec: %s\nrespelled: %s", h, h2, before, mustJSON(t, d2))
		}
		if diff := Diff(d2, echo); len(diff) != 0 {
			t.Errorf("respelled spec differs from Azure's echo in %q", diff)
		}
		if diff := Diff(d, echoOf(t, fb, d2, locations[loc][0])); len(diff) != 0 {
			t.Errorf("spec differs from Azure's echo of the respelled spec in %q", diff)
		}
		changed := spec.DeepCopy()
		changed.Properties.Description += "!"
		d3 := DesiredImage(changed)
		if diff := Diff(d3, echo); !slices.Equal(diff, []string{"properties.description"}) {
			t.Errorf("a new description: Diff = %q, want [properties.description]", diff)
		}
		if SpecHash(d3) == h {
			t.Error("a new description kept the hash")
		}
	})
}

// FuzzImageArbitraryBodies feeds arbitrary JSON, as a spec and as Azure's bodies, to
// DesiredImage, Diff, Parameters and SpecHash: nothing panics, a body never differs from itself,
// the hash is stable, and bodies that hash alike never differ (and vice versa, both ways).
func FuzzImageArbitraryBodies(f *testing.F) {
	full, _ := json.Marshal(DesiredImage(fullSpec()))
	minimal, _ := json.Marshal(DesiredImage(minimalSpec()))
	f.Add(full, minimal)
	f.Add(minimal, minimal)
	f.Add([]byte(`{"location":"West US","properties":{"features":[null,{"name":""},{"name":"A","value":"1"},{"name":"a","value":"2"}],"disallowed":{"diskTypes":[null,""]},"identifier":{}}}`),
		[]byte(`{"location":"westus","tags":{"A":null,"a":"x"},"properties":{"recommended":{"vCPUs":{}},"purchasePlan":{},"endOfLifeDate":"2030-01-01T00:00:00+01:00"}}`))
	f.Add([]byte(`{}`), []byte(`{"properties":null}`))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var spec v1alpha1.GalleryImageSpec
		if json.Unmarshal(a, &spec) == nil {
			_ = SpecHash(DesiredImage(&spec))
		}
		var x, y armcompute.GalleryImage
		if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
			return
		}
		pure := kindfuzz.Pure[armcompute.GalleryImage]{Diff: Diff, Hash: SpecHash}
		pure.SelfConsistent(t, x)
		pure.HashAgreesWithDiff(t, x, y)
		_ = Diff(x, nil)
		hx, hy := SpecHash(x), SpecHash(y)
		dxy, dyx := Diff(x, &y), Diff(y, &x)
		if !slices.Equal(dxy, Diff(x, &y)) {
			t.Error("Diff is not deterministic")
		}
		if (Parameters(x, &y) == nil) != (len(dxy) == 0) {
			t.Error("Parameters and Diff disagree")
		}
		if hx != hy && len(dxy) == 0 && len(dyx) == 0 {
			t.Errorf("no Diff either way but hashes differ\nx: %s\ny: %s", a, b)
		}
	})
}
