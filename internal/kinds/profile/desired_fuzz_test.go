package profile

import (
	"encoding/json"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/kinds/kindfuzz"
)

// Fuzz tests of the pure part of the GalleryInVMAccessControlProfile kind: DesiredProfile, Diff
// and SpecHash. Specs are built from the fuzzed bytes within what admission accepts (enums from
// their values, tag names unique ignoring case); FuzzProfileArbitraryBodies feeds arbitrary JSON
// straight to the functions.

// locations are regions as a spec may spell them and as Azure answers.
var locations = [][2]string{{"West Europe", "westeurope"}, {"East US 2", "eastus2"}, {"westus", "West US"}}

// fuzzSpec builds a profile spec admission accepts; loc indexes locations.
func fuzzSpec(f *kindfuzz.Bytes) (*v1alpha1.GalleryInVMAccessControlProfileSpec, int) {
	loc := f.Intn(len(locations))
	s := &v1alpha1.GalleryInVMAccessControlProfileSpec{GalleryRef: &v1alpha1.LocalObjectReference{Name: "g"}, Location: locations[loc][0],
		Tags: fuzzTags(f), Properties: v1alpha1.GalleryInVMAccessControlProfileProperties{Description: f.Text(12),
			OSType:                 v1alpha1.OperatingSystemType(f.Pick("Windows", "Linux")),
			ApplicableHostEndpoint: v1alpha1.EndpointType(f.Pick("WireServer", "IMDS"))}}
	return s, loc
}

// fuzzTags are up to three tags whose names differ ignoring case.
func fuzzTags(f *kindfuzz.Bytes) map[string]string {
	var tags map[string]string
	for i := range f.Intn(4) {
		if tags == nil {
			tags = map[string]string{}
		}
		tags[f.Pick("env", "Team", "x")+string(rune('0'+i))] = f.Text(8)
	}
	return tags
}

// echo is desired as Azure's GET returns it: through the SDK's JSON, with read-only fields, the
// location, tag names and enums in Azure's spelling.
func echo(t *testing.T, f *kindfuzz.Bytes, desired body, loc string) *body {
	t.Helper()
	b, err := json.Marshal(desired)
	if err != nil {
		t.Fatal(err)
	}
	var e body
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("Azure's JSON of the desired body does not read back: %v\n%s", err, b)
	}
	e.ID, e.Name = to.Ptr("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/inVMAccessControlProfiles/p"), to.Ptr("p")
	e.Location = to.Ptr(loc)
	tags := map[string]*string{}
	for k, v := range e.Tags {
		if f.Flag() {
			k = kindfuzz.SwapCase(k)
		}
		tags[k] = v
	}
	if len(tags) > 0 {
		e.Tags = tags
	}
	e.Properties.ProvisioningState = to.Ptr(armcompute.GalleryProvisioningStateSucceeded)
	if f.Flag() {
		e.Properties.OSType = to.Ptr(armcompute.OperatingSystemTypes(kindfuzz.SwapCase(string(*e.Properties.OSType))))
	}
	return &e
}

var seeds = [][]byte{nil, []byte("\x01\x02\x03\x01\x05\x06\x07\x08\x01\x01\x01\x02\x03"), []byte("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4")}

// FuzzProfileDesired: for any spec admission accepts, the desired profile never differs from
// itself nor from Azure's echo of it, hashes alike every time, and neither differs from nor
// hashes otherwise than the spec with the location spelled Azure's way; a new description
// differs in exactly that and hashes otherwise.
func FuzzProfileDesired(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fb := kindfuzz.NewBytes(data)
		s, loc := fuzzSpec(fb)
		d := DesiredProfile(s)
		pure := kindfuzz.Pure[body]{Diff: Diff, Hash: SpecHash}
		h := pure.SelfConsistent(t, d)
		if diff := Diff(d, echo(t, fb, d, locations[loc][1])); len(diff) != 0 {
			t.Errorf("desired differs from Azure's echo in %q", diff)
		}
		re := s.DeepCopy()
		re.Location, re.AzureName, re.DeletionPolicy = locations[loc][1], "other", v1alpha1.DeletionPolicyOrphan
		d2 := DesiredProfile(re)
		if SpecHash(d2) != h {
			t.Error("respelling the location or operator-only fields changed the hash")
		}
		pure.HashAgreesWithDiff(t, d, d2)
		re.Properties.Description += "!"
		if diff := Diff(DesiredProfile(re), echo(t, fb, d, locations[loc][1])); len(diff) != 1 || diff[0] != "properties.description" {
			t.Errorf("a new description: Diff = %q", diff)
		}
	})
}

// FuzzProfileArbitraryBodies feeds arbitrary JSON, as a spec and as Azure's profiles, to
// DesiredProfile, Diff and SpecHash: nothing panics, a body never differs from itself, its hash
// is stable, bodies that hash alike do not differ.
func FuzzProfileArbitraryBodies(f *testing.F) {
	full, _ := json.Marshal(DesiredProfile(spec()))
	f.Add(full, full)
	f.Add([]byte(`{"tags":{"A":null,"a":"x"},"properties":{"osType":"linux"}}`), []byte(`{"properties":null}`))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var x, y body
		if json.Unmarshal(b, &y) != nil {
			return
		}
		var s v1alpha1.GalleryInVMAccessControlProfileSpec
		if json.Unmarshal(a, &s) == nil {
			_ = Diff(DesiredProfile(&s), &y)
		}
		if json.Unmarshal(a, &x) != nil {
			return
		}
		pure := kindfuzz.Pure[body]{Diff: Diff, Hash: SpecHash}
		pure.SelfConsistent(t, x)
		pure.HashAgreesWithDiff(t, x, y)
		_ = Diff(x, nil)
	})
}
