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
)

// Fuzz tests of the pure part of the GalleryImage kind: DesiredImage, Diff, Parameters and
// SpecHash. Specs are built from the fuzzed bytes within what admission accepts (required fields
// set, enums from their values, identifier patterns, unique feature names and tag names ignoring
// case, whole seconds); FuzzImageArbitraryBodies feeds arbitrary JSON straight to the functions.

// fuzzBytes hands out choices taken from fuzzed bytes; zeros once they run out.
type fuzzBytes struct{ b []byte }

func (f *fuzzBytes) next() byte {
	if len(f.b) == 0 {
		return 0
	}
	c := f.b[0]
	f.b = f.b[1:]
	return c
}

func (f *fuzzBytes) intn(n int) int { return int(f.next()) % max(n, 1) }
func (f *fuzzBytes) flag() bool     { return f.next()&1 == 1 }

// int32n is 0..n-1 from two bytes.
func (f *fuzzBytes) int32n(n int) int32 { return int32((int(f.next())<<8 | int(f.next())) % max(n, 1)) }

func (f *fuzzBytes) pick(ss ...string) string { return ss[f.intn(len(ss))] }

// text is up to maxLen arbitrary bytes, made valid UTF-8 as the API server's JSON would.
func (f *fuzzBytes) text(maxLen int) string {
	n := f.intn(maxLen + 1)
	var b []byte
	for range n {
		b = append(b, f.next())
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// word is 1..maxLen characters of alphabet, ending with one of last.
func (f *fuzzBytes) word(alphabet, last string, maxLen int) string {
	n := f.intn(maxLen)
	var b []byte
	for range n {
		b = append(b, alphabet[f.intn(len(alphabet))])
	}
	return string(append(b, last[f.intn(len(last))]))
}

// shuffle permutes s in place (Fisher-Yates driven by the bytes).
func shuffle[T any](f *fuzzBytes, s []T) {
	for i := len(s) - 1; i > 0; i-- {
		j := f.intn(i + 1)
		s[i], s[j] = s[j], s[i]
	}
}

// swapCase swaps the case of ASCII letters (Azure compares names ignoring ASCII case).
func swapCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = c - 32
		case c >= 'A' && c <= 'Z':
			b[i] = c + 32
		}
	}
	return string(b)
}

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
func fuzzTags(f *fuzzBytes) map[string]string {
	n := f.intn(6)
	if n == 0 {
		return nil
	}
	tags := map[string]string{}
	seen := map[string]bool{}
	for range n {
		k := f.pick("env", "Team", "owner", "CostCenter", f.word(anyLetter, anyLetter, 6), f.text(8))
		if seen[strings.ToLower(k)] {
			continue
		}
		seen[strings.ToLower(k)] = true
		tags[k] = f.text(12)
	}
	return tags
}

// fuzzTime is a whole-second instant between 1970 and 2200 in some zone, or nil.
func fuzzTime(f *fuzzBytes) *metav1.Time {
	if !f.flag() {
		return nil
	}
	secs := (int64(f.next())<<24 | int64(f.next())<<16 | int64(f.next())<<8 | int64(f.next())) * 2
	zone := time.FixedZone("z", (f.intn(27)-12)*3600)
	return &metav1.Time{Time: time.Unix(secs, 0).In(zone)}
}

// fuzzRange is a resource range with min <= max, or nil.
func fuzzRange(f *fuzzBytes) *v1alpha1.ResourceRange {
	if !f.flag() {
		return nil
	}
	r := &v1alpha1.ResourceRange{}
	lo, hi := f.int32n(1000), f.int32n(1000)
	if lo > hi {
		lo, hi = hi, lo
	}
	if f.flag() {
		r.Min = to.Ptr(lo)
	}
	if f.flag() {
		r.Max = to.Ptr(hi)
	}
	return r
}

// fuzzSpec builds a GalleryImage spec admission accepts from the bytes; the location is the
// spec's spelling of locations[loc].
func fuzzSpec(f *fuzzBytes) (spec *v1alpha1.GalleryImageSpec, loc int) {
	loc = f.intn(len(locations))
	p := v1alpha1.GalleryImageProperties{
		Description:         f.text(20),
		OSType:              v1alpha1.OperatingSystemType(f.pick("Windows", "Linux")),
		OSState:             v1alpha1.OperatingSystemState(f.pick("Generalized", "Specialized")),
		HyperVGeneration:    v1alpha1.HyperVGeneration(f.pick("", "V1", "V2")),
		Architecture:        v1alpha1.Architecture(f.pick("", "x64", "Arm64")),
		EndOfLifeDate:       fuzzTime(f),
		Identifier:          v1alpha1.GalleryImageIdentifier{Publisher: f.word(idChars, idLast, 8), Offer: f.word(idChars, idLast, 8), SKU: f.word(idChars, idLast, 8)},
		AllowUpdateImage:    [](*bool){nil, to.Ptr(true), to.Ptr(false)}[f.intn(3)],
		Eula:                f.pick("", "eula", f.text(10)),
		PrivacyStatementURI: f.pick("", "https://example.com/privacy", f.text(10)),
		ReleaseNoteURI:      f.pick("", "https://example.com/notes", f.text(10)),
	}
	if f.flag() {
		p.Recommended = &v1alpha1.RecommendedMachineConfiguration{VCPUs: fuzzRange(f), Memory: fuzzRange(f)}
	}
	if f.flag() {
		p.Disallowed = &v1alpha1.Disallowed{}
		for range f.intn(4) {
			t := f.pick("Standard_LRS", "StandardSSD_LRS", "Premium_LRS", "PremiumV2_LRS", f.text(6))
			if !slices.Contains(p.Disallowed.DiskTypes, t) { // listType=set
				p.Disallowed.DiskTypes = append(p.Disallowed.DiskTypes, t)
			}
		}
	}
	if f.flag() {
		p.PurchasePlan = &v1alpha1.ImagePurchasePlan{Name: f.text(5), Publisher: f.text(5), Product: f.text(5)}
	}
	seen := map[string]bool{}
	for range f.intn(5) {
		name := f.pick("SecurityType", "IsAcceleratedNetworkSupported", "DiskControllerTypes", "IsHibernateSupported", f.word(anyLetter, anyLetter, 10))
		if seen[strings.ToLower(name)] {
			continue
		}
		seen[strings.ToLower(name)] = true
		feat := v1alpha1.GalleryImageFeature{Name: name, Value: f.pick("", "true", "TrustedLaunch", f.text(8))}
		if f.flag() {
			feat.StartsAtVersion = f.pick("1.0.0", "0.0.1", "10.20.30")
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
func echoOf(t *testing.T, f *fuzzBytes, desired armcompute.GalleryImage, loc string) *armcompute.GalleryImage {
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
			if f.flag() {
				k = swapCase(k)
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
	if f.flag() {
		p.HyperVGeneration = to.Ptr(armcompute.HyperVGeneration(strings.ToLower(string(*p.HyperVGeneration))))
		p.Architecture = to.Ptr(armcompute.Architecture(swapCase(string(*p.Architecture))))
	}
	if id := p.Identifier; id != nil && f.flag() {
		id.Publisher, id.Offer, id.SKU = to.Ptr(swapCase(*id.Publisher)), to.Ptr(swapCase(*id.Offer)), to.Ptr(swapCase(*id.SKU))
	}
	shuffle(f, p.Features)
	for _, ft := range p.Features {
		if f.flag() {
			ft.Name = to.Ptr(swapCase(*ft.Name))
		}
	}
	if p.Disallowed != nil {
		shuffle(f, p.Disallowed.DiskTypes)
	}
	if p.EndOfLifeDate != nil {
		p.EndOfLifeDate = to.Ptr(p.EndOfLifeDate.In(time.FixedZone("azure", -7*3600)))
	}
	return &e
}

// respell returns a copy of spec changed only in ways Azure ignores: other spellings of the
// location, tag names, feature names and identifier, reordered features and disk types, the
// allowUpdateImage flag, explicit Azure defaults, another time zone, operator-only fields.
func respell(f *fuzzBytes, spec *v1alpha1.GalleryImageSpec, loc int) *v1alpha1.GalleryImageSpec {
	s := spec.DeepCopy()
	s.Location = locations[loc][1]
	if len(s.Tags) > 0 {
		tags := map[string]string{}
		for k, v := range s.Tags {
			if f.flag() {
				k = swapCase(k)
			}
			tags[k] = v
		}
		s.Tags = tags
	}
	p := &s.Properties
	shuffle(f, p.Features)
	for i := range p.Features {
		if f.flag() {
			p.Features[i].Name = swapCase(p.Features[i].Name)
		}
	}
	if p.Disallowed != nil {
		shuffle(f, p.Disallowed.DiskTypes)
	}
	if f.flag() {
		p.Identifier.Publisher, p.Identifier.SKU = swapCase(p.Identifier.Publisher), swapCase(p.Identifier.SKU)
	}
	p.AllowUpdateImage = [](*bool){nil, to.Ptr(true), to.Ptr(false)}[f.intn(3)]
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
		fb := &fuzzBytes{b: data}
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
		if diff := Diff(x, &x); len(diff) != 0 {
			t.Errorf("Diff(x, &x) = %q for %s", diff, a)
		}
		_ = Diff(x, nil)
		hx, hy := SpecHash(x), SpecHash(y)
		if !hexHash.MatchString(hx) || hx != SpecHash(x) {
			t.Errorf("SpecHash unstable: %s", hx)
		}
		dxy, dyx := Diff(x, &y), Diff(y, &x)
		if !slices.Equal(dxy, Diff(x, &y)) {
			t.Error("Diff is not deterministic")
		}
		if (Parameters(x, &y) == nil) != (len(dxy) == 0) {
			t.Error("Parameters and Diff disagree")
		}
		if hx == hy && (len(dxy) != 0 || len(dyx) != 0) {
			t.Errorf("equal hashes but Diff %q / %q\nx: %s\ny: %s", dxy, dyx, a, b)
		}
		if hx != hy && len(dxy) == 0 && len(dyx) == 0 {
			t.Errorf("no Diff either way but hashes differ\nx: %s\ny: %s", a, b)
		}
	})
}
