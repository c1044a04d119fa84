package version

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

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/kinds/kindfuzz"
)

// Fuzz tests of the pure part of the GalleryImageVersion kind: DesiredVersion, PutBody, Diff and
// SpecHash. Specs are built from the fuzzed bytes within what admission accepts (target regions
// unique as Azure compares them and including the location, exactly one source, enums from
// their values, replica counts 1-100, whole seconds); FuzzVersionArbitraryBodies feeds arbitrary
// JSON straight to the functions.

// count is nil or 1..100.
func count(f *kindfuzz.Bytes) *int32 {
	if !f.Flag() {
		return nil
	}
	return to.Ptr(int32(f.Intn(100) + 1))
}

func optBool(f *kindfuzz.Bytes) *bool { return []*bool{nil, to.Ptr(true), to.Ptr(false)}[f.Intn(3)] }

// regions are spellings of a region: a spec's, and Azure's canonical name.
var regions = [][2]string{{"West Europe", "westeurope"}, {"North Europe", "northeurope"}, {"East US 2", "eastus2"},
	{"westus", "westus"}, {"Sweden Central", "swedencentral"}, {"UK South", "uksouth"}}

var storageTypes = []string{"Standard_LRS", "Standard_ZRS", "Premium_LRS", "PremiumV2_LRS"}

const des = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/diskEncryptionSets/des"

// fuzzVersionSpec builds a version spec admission accepts; loc indexes regions.
func fuzzVersionSpec(f *kindfuzz.Bytes) (*v1alpha1.GalleryImageVersionSpec, int) {
	loc := f.Intn(len(regions))
	s := &v1alpha1.GalleryImageVersionSpec{ImageRef: &v1alpha1.LocalObjectReference{Name: "img"}, Location: regions[loc][0]}
	seen := map[string]bool{}
	for range f.Intn(4) {
		k := f.Pick("env", "Team", f.Text(6))
		if !seen[strings.ToLower(k)] {
			seen[strings.ToLower(k)] = true
			if s.Tags == nil {
				s.Tags = map[string]string{}
			}
			s.Tags[k] = f.Text(8)
		}
	}
	p := &s.Properties
	if f.Flag() {
		pp := &v1alpha1.GalleryArtifactPublishingProfile{ReplicaCount: count(f), ExcludeFromLatest: optBool(f)}
		if f.Flag() {
			pp.EndOfLifeDate = &metav1.Time{Time: time.Unix(int64(f.Next())<<24|int64(f.Next())<<16|int64(f.Next()), 0).In(time.FixedZone("z", 3600*(f.Intn(25)-12)))}
		}
		if f.Flag() {
			pp.StorageAccountType = v1alpha1.StorageAccountType(f.Pick(storageTypes...))
		}
		pp.ReplicationMode = v1alpha1.ReplicationMode(f.Pick("", "Full", "Shallow"))
		if n := f.Intn(5); n > 0 {
			// the location first (it must be a target region), then others, each once
			idx := []int{loc}
			for range n - 1 {
				if i := f.Intn(len(regions)); !slices.Contains(idx, i) {
					idx = append(idx, i)
				}
			}
			for _, i := range idx {
				r := v1alpha1.TargetRegion{Name: regions[i][f.Intn(2)], RegionalReplicaCount: count(f), ExcludeFromLatest: optBool(f)}
				if f.Flag() {
					r.StorageAccountType = v1alpha1.StorageAccountType(f.Pick(storageTypes...))
				}
				if f.Flag() {
					r.Encryption = &v1alpha1.EncryptionImages{OSDiskImage: &v1alpha1.OSDiskImageEncryption{DiskEncryptionSetID: des}}
					if f.Flag() {
						r.Encryption.DataDiskImages = []v1alpha1.DataDiskImageEncryption{{Lun: int32(f.Intn(64)), DiskEncryptionSetID: des}}
					}
				}
				if f.Flag() {
					r.AdditionalReplicaSets = []v1alpha1.AdditionalReplicaSet{{StorageAccountType: "PremiumV2_LRS", RegionalReplicaCount: count(f)}}
				}
				pp.TargetRegions = append(pp.TargetRegions, r)
			}
			kindfuzz.Shuffle(f, pp.TargetRegions)
		}
		p.PublishingProfile = pp
	}
	switch f.Intn(4) {
	case 0:
		p.StorageProfile.Source = &v1alpha1.GalleryArtifactVersionFullSource{ID: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/" + f.Pick("golden", "Golden-2")}
	case 1:
		p.StorageProfile.Source = &v1alpha1.GalleryArtifactVersionFullSource{VirtualMachineID: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm"}
	case 2:
		p.StorageProfile.Source = &v1alpha1.GalleryArtifactVersionFullSource{CommunityGalleryImageID: "/CommunityGalleries/c-1/Images/i/Versions/1.0.0"}
	default:
		src := &v1alpha1.GalleryDiskImageSource{ID: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/snapshots/os"}
		if f.Flag() {
			src = &v1alpha1.GalleryDiskImageSource{URI: "https://sa.blob.core.windows.net/vhds/os.vhd", StorageAccountID: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa"}
		}
		p.StorageProfile.OSDiskImage = &v1alpha1.GalleryOSDiskImage{HostCaching: v1alpha1.HostCaching(f.Pick("", "ReadOnly", "None")), Source: src}
	}
	if f.Flag() {
		p.StorageProfile.DataDiskImages = []v1alpha1.GalleryDataDiskImage{{Lun: int32(f.Intn(64)), HostCaching: "ReadOnly",
			Source: &v1alpha1.GalleryDiskImageSource{ID: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/snapshots/data"}}}
	}
	if f.Flag() {
		p.SafetyProfile = &v1alpha1.GalleryImageVersionSafetyProfile{AllowDeletionOfReplicatedLocations: optBool(f), BlockDeletionBeforeEndOfLife: optBool(f)}
	}
	if f.Flag() {
		p.SecurityProfile = &v1alpha1.ImageVersionSecurityProfile{}
	}
	return s, loc
}

// versionEcho is desired as Azure's GET returns it: through the SDK's JSON, with Azure's
// defaults (replica counts, storage types, replication mode, excludeFromLatest, the location as
// the only target region when none is given, the safety profile), read-only fields, canonical
// region names in another order, the source id in another case, the OS disk's size.
func versionEcho(t *testing.T, f *kindfuzz.Bytes, desired armcompute.GalleryImageVersion, loc string) *armcompute.GalleryImageVersion {
	t.Helper()
	b, err := json.Marshal(desired)
	if err != nil {
		t.Fatal(err)
	}
	var e armcompute.GalleryImageVersion
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("Azure's JSON of the desired version does not read back: %v\n%s", err, b)
	}
	e.ID, e.Name = to.Ptr("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i/versions/1.0.0"), to.Ptr("1.0.0")
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
	p := e.Properties
	if p.PublishingProfile == nil {
		p.PublishingProfile = &armcompute.GalleryImageVersionPublishingProfile{}
	}
	pp := p.PublishingProfile
	if pp.ReplicaCount == nil {
		pp.ReplicaCount = to.Ptr[int32](1)
	}
	if pp.ExcludeFromLatest == nil {
		pp.ExcludeFromLatest = to.Ptr(false)
	}
	if pp.StorageAccountType == nil {
		pp.StorageAccountType = to.Ptr(armcompute.StorageAccountTypeStandardLRS)
	}
	if pp.ReplicationMode == nil {
		pp.ReplicationMode = to.Ptr(armcompute.ReplicationModeFull)
	}
	pp.PublishedDate = to.Ptr(time.Now())
	if len(pp.TargetRegions) == 0 {
		pp.TargetRegions = []*armcompute.TargetRegion{{Name: to.Ptr(loc)}}
	}
	for _, r := range pp.TargetRegions {
		r.Name = to.Ptr(strings.ToLower(strings.ReplaceAll(*r.Name, " ", "")))
		if r.RegionalReplicaCount == nil {
			r.RegionalReplicaCount = pp.ReplicaCount
		}
		if r.StorageAccountType == nil {
			r.StorageAccountType = pp.StorageAccountType
		}
		if r.ExcludeFromLatest == nil {
			r.ExcludeFromLatest = to.Ptr(false)
		}
	}
	kindfuzz.Shuffle(f, pp.TargetRegions)
	if pp.EndOfLifeDate != nil {
		pp.EndOfLifeDate = to.Ptr(pp.EndOfLifeDate.In(time.FixedZone("azure", -3600)))
	}
	sp := p.StorageProfile
	if src := sp.Source; src != nil && src.ID != nil && f.Flag() {
		src.ID = to.Ptr(strings.ToUpper(*src.ID))
	}
	if sp.OSDiskImage == nil {
		sp.OSDiskImage = &armcompute.GalleryOSDiskImage{}
	}
	sp.OSDiskImage.SizeInGB = to.Ptr[int32](30)
	if sp.OSDiskImage.HostCaching == nil {
		sp.OSDiskImage.HostCaching = to.Ptr(armcompute.HostCachingReadOnly)
	}
	if p.SafetyProfile == nil {
		p.SafetyProfile = &armcompute.GalleryImageVersionSafetyProfile{}
	}
	if p.SafetyProfile.AllowDeletionOfReplicatedLocations == nil {
		p.SafetyProfile.AllowDeletionOfReplicatedLocations = to.Ptr(false)
	}
	p.SafetyProfile.ReportedForPolicyViolation = to.Ptr(false)
	p.ProvisioningState = to.Ptr(armcompute.GalleryProvisioningStateSucceeded)
	return &e
}

// respellVersion changes spec only in ways Azure ignores: spelling of the location and region
// names, region order, tag-name case, the source id's case, another time zone, operator-only
// fields.
func respellVersion(f *kindfuzz.Bytes, spec *v1alpha1.GalleryImageVersionSpec, loc int) *v1alpha1.GalleryImageVersionSpec {
	s := spec.DeepCopy()
	s.Location = regions[loc][1]
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
	if pp := s.Properties.PublishingProfile; pp != nil {
		kindfuzz.Shuffle(f, pp.TargetRegions)
		for i := range pp.TargetRegions {
			r := &pp.TargetRegions[i]
			for _, sp := range regions {
				if strings.EqualFold(strings.ReplaceAll(r.Name, " ", ""), sp[1]) {
					r.Name = sp[f.Intn(2)]
				}
			}
			if f.Flag() {
				r.Name = kindfuzz.SwapCase(r.Name)
			}
		}
		if pp.EndOfLifeDate != nil {
			pp.EndOfLifeDate = &metav1.Time{Time: pp.EndOfLifeDate.UTC()}
		}
	}
	if src := s.Properties.StorageProfile.Source; src != nil {
		src.ID = kindfuzz.SwapCase(src.ID)
	}
	s.AzureName, s.DeletionPolicy = "2.0.0", v1alpha1.DeletionPolicyOrphan
	return s
}

var hexHash = regexp.MustCompile(`^[0-9a-f]{16}$`)

var versionSeeds = [][]byte{
	nil,
	[]byte("\x00\x01\x01\x02\x03\x01\x02\x01\x01\x00\x00\x01\x04\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d"),
	[]byte("\x02\x00\x01\x01\x05\x00\x01\x05\x06\x07\x01\x02\x01\x04\x03\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x03\x01\x01\x01\x01"),
	[]byte("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0\xef\xee\xed\xec\xeb\xea\xe9\xe8\xe7\xe6\xe5\xe4\xe3\xe2\xe1\xe0\xdf\xde\xdd\xdc\xdb\xda\xd9\xd8"),
}

// FuzzVersionDesired: for any spec admission accepts, the desired version
//   - never differs from itself, and hashes alike every time;
//   - never differs from Azure's echo of it with Azure's defaults, nor does the body PutBody
//     builds over that echo; PutBody leaves desired unchanged and keeps Azure's storage types;
//   - neither differs from nor hashes otherwise than the version of the spec respelled in ways
//     Azure ignores (region and location spelling, region order, tag-name case, source id case);
//   - differs in exactly targetRegions when a region is added, and then hashes otherwise.
func FuzzVersionDesired(f *testing.F) {
	for _, s := range versionSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fb := kindfuzz.NewBytes(data)
		spec, loc := fuzzVersionSpec(fb)
		before, _ := json.Marshal(spec)
		d := DesiredVersion(spec)
		if after, _ := json.Marshal(spec); string(after) != string(before) {
			t.Fatal("DesiredVersion changed the spec")
		}
		if diff := Diff(d, &d); len(diff) != 0 {
			t.Errorf("Diff(d, &d) = %q\nspec: %s", diff, before)
		}
		h := SpecHash(d)
		if !hexHash.MatchString(h) || SpecHash(DesiredVersion(spec)) != h {
			t.Errorf("SpecHash unstable: %s", h)
		}
		echo := versionEcho(t, fb, d, regions[loc][1])
		if diff := Diff(d, echo); len(diff) != 0 {
			eb, _ := json.Marshal(echo)
			t.Errorf("desired differs from Azure's echo in %q\nspec: %s\necho: %s", diff, before, eb)
		}
		dj, _ := json.Marshal(d)
		put := PutBody(d, echo)
		if after, _ := json.Marshal(d); string(after) != string(dj) {
			t.Errorf("PutBody changed desired:\n%s\n%s", dj, after)
		}
		if diff := Diff(put, echo); len(diff) != 0 {
			pb, _ := json.Marshal(put)
			eb, _ := json.Marshal(echo)
			t.Errorf("PutBody's body differs from Azure's echo in %q\ndesired: %s\nput: %s\necho: %s", diff, dj, pb, eb)
		}
		if put.Properties.PublishingProfile != nil {
			for _, r := range put.Properties.PublishingProfile.TargetRegions {
				if r.StorageAccountType == nil {
					t.Errorf("PutBody leaves region %s without Azure's storage type", *r.Name)
				}
			}
		}
		re := respellVersion(fb, spec, loc)
		d2 := DesiredVersion(re)
		if h2 := SpecHash(d2); h2 != h {
			rb, _ := json.Marshal(re)
			t.Errorf("respelling changed the hash %s -> %s\nspec: %s\nrespelled: %s", h, h2, before, rb)
		}
		if diff := Diff(d2, echo); len(diff) != 0 {
			t.Errorf("respelled spec differs from Azure's echo in %q", diff)
		}
		if diff := Diff(d, versionEcho(t, fb, d2, regions[loc][1])); len(diff) != 0 {
			t.Errorf("spec differs from Azure's echo of the respelled spec in %q", diff)
		}
		// A new region is a targetRegions change and a new hash.
		if pp := spec.Properties.PublishingProfile; pp != nil && len(pp.TargetRegions) > 0 {
			more := spec.DeepCopy()
			more.Properties.PublishingProfile.TargetRegions = append(more.Properties.PublishingProfile.TargetRegions, v1alpha1.TargetRegion{Name: "Brazil South"})
			d3 := DesiredVersion(more)
			if diff := Diff(d3, echo); !slices.Equal(diff, []string{"properties.publishingProfile.targetRegions"}) {
				t.Errorf("a new region: Diff = %q", diff)
			}
			if SpecHash(d3) == h {
				t.Error("a new region kept the hash")
			}
		}
	})
}

// FuzzVersionArbitraryBodies feeds arbitrary JSON, as a spec and as Azure's versions, to
// DesiredVersion, PutBody, Diff and SpecHash: nothing panics, a version whose target regions are
// unique never differs from itself, PutBody never changes its input, the hash is stable.
func FuzzVersionArbitraryBodies(f *testing.F) {
	full, _ := json.Marshal(DesiredVersion(spec()))
	echoed, _ := json.Marshal(echo(DesiredVersion(spec())))
	f.Add(full, echoed)
	f.Add([]byte(`{"properties":{"publishingProfile":{"targetRegions":[null,{"name":"West Europe","encryption":{}},{}]},"storageProfile":{"osDiskImage":{"source":{}}}}}`),
		[]byte(`{"properties":{"publishingProfile":{"targetRegions":[{"name":"westeurope","storageAccountType":"Premium_LRS"}]},"safetyProfile":{},"securityProfile":{}}}`))
	f.Add([]byte(`{"properties":{"publishingProfile":{"targetRegions":[{"name":"x","additionalReplicaSets":[{}]}],"targetExtendedLocations":[{"name":"y","extendedLocation":{}}]},"storageProfile":{"dataDiskImages":[{"lun":1}]}}}`), []byte(`{}`))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var x, y armcompute.GalleryImageVersion
		if json.Unmarshal(b, &y) != nil {
			return
		}
		var s v1alpha1.GalleryImageVersionSpec
		if json.Unmarshal(a, &s) == nil {
			d := DesiredVersion(&s)
			_ = SpecHash(d)
			_ = Diff(d, &y)
			_ = PutBody(d, &y) // desired from a spec, Azure's answer arbitrary
		}
		if json.Unmarshal(a, &x) != nil {
			return
		}
		if uniqueRegions(&x) {
			if diff := Diff(x, &x); len(diff) != 0 {
				t.Errorf("Diff(x, &x) = %q for %s", diff, a)
			}
		}
		_ = Diff(x, nil)
		_ = Diff(x, &y)
		if slices.Contains(regionsOf(&x), nil) {
			return // PutBody's desired comes from DesiredVersion, which never has a null region
		}
		xj, _ := json.Marshal(x)
		_ = PutBody(x, &y)
		if after, _ := json.Marshal(x); string(after) != string(xj) {
			t.Errorf("PutBody changed desired:\n%s\n%s", xj, after)
		}
		if h := SpecHash(x); !hexHash.MatchString(h) || h != SpecHash(x) {
			t.Errorf("SpecHash unstable: %s", h)
		}
	})
}

// uniqueRegions reports whether v names each target region once, as Azure compares names (what
// admission guarantees for a spec).
func uniqueRegions(v *armcompute.GalleryImageVersion) bool {
	if v.Properties == nil || v.Properties.PublishingProfile == nil {
		return true
	}
	seen := map[string]bool{}
	for _, r := range regionsOf(v) {
		if r == nil {
			continue
		}
		n := strings.ToLower(strings.ReplaceAll(deref(r.Name), " ", ""))
		if seen[n] {
			return false
		}
		seen[n] = true
	}
	return true
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func regionsOf(v *armcompute.GalleryImageVersion) []*armcompute.TargetRegion {
	if v.Properties == nil || v.Properties.PublishingProfile == nil {
		return nil
	}
	return v.Properties.PublishingProfile.TargetRegions
}
