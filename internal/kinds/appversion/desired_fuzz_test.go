package appversion

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/kinds/kindfuzz"
)

// Fuzz tests of the pure part of the GalleryApplicationVersion kind: DesiredVersion, PutBody,
// Diff and SpecHash. Specs are built from the fuzzed bytes within what admission accepts (target
// regions unique as Azure compares them and including the location, enums from their values,
// replica counts 1-100, unique action names, whole seconds); FuzzAppVersionArbitraryBodies feeds
// arbitrary JSON straight to the functions.

// regions are spellings of a region: a spec's, and Azure's canonical name.
var regions = [][2]string{{"West Europe", "westeurope"}, {"North Europe", "northeurope"}, {"East US 2", "eastus2"}, {"westus", "westus"}}

func count(f *kindfuzz.Bytes) *int32 {
	if !f.Flag() {
		return nil
	}
	return to.Ptr(int32(f.Intn(100) + 1))
}

func optBool(f *kindfuzz.Bytes) *bool { return []*bool{nil, to.Ptr(true), to.Ptr(false)}[f.Intn(3)] }

// fuzzSpec builds a version spec admission accepts; loc indexes regions.
func fuzzSpec(f *kindfuzz.Bytes) (*v1alpha1.GalleryApplicationVersionSpec, int) {
	loc := f.Intn(len(regions))
	s := &v1alpha1.GalleryApplicationVersionSpec{ApplicationRef: &v1alpha1.LocalObjectReference{Name: "app"}, Location: regions[loc][0]}
	if f.Flag() {
		s.Tags = map[string]string{f.Pick("env", "Team"): f.Text(6)}
	}
	pp := &s.Properties.PublishingProfile
	pp.ReplicaCount, pp.ExcludeFromLatest = count(f), optBool(f)
	if f.Flag() {
		pp.EndOfLifeDate = &metav1.Time{Time: time.Unix(int64(f.Next())<<24|int64(f.Next())<<16, 0).In(time.FixedZone("z", 3600*(f.Intn(25)-12)))}
	}
	pp.StorageAccountType = v1alpha1.StorageAccountType(f.Pick("", "Standard_LRS", "Standard_ZRS", "Premium_LRS"))
	pp.ReplicationMode = v1alpha1.ReplicationMode(f.Pick("", "Full", "Shallow"))
	if n := f.Intn(4); n > 0 {
		idx := []int{loc}
		for range n - 1 {
			if i := f.Intn(len(regions)); !slices.Contains(idx, i) {
				idx = append(idx, i)
			}
		}
		for _, i := range idx {
			pp.TargetRegions = append(pp.TargetRegions, v1alpha1.TargetRegion{Name: regions[i][f.Intn(2)], RegionalReplicaCount: count(f),
				ExcludeFromLatest: optBool(f), StorageAccountType: v1alpha1.StorageAccountType(f.Pick("", "Standard_LRS", "Premium_LRS"))})
		}
	}
	pp.Source = v1alpha1.UserArtifactSource{MediaLink: "https://sa.blob.core.windows.net/c/" + f.Pick("app.zip", "App.zip?sig=x"),
		DefaultConfigurationLink: f.Pick("", "https://sa.blob.core.windows.net/c/app.cfg")}
	pp.ManageActions = v1alpha1.UserArtifactManage{Install: "i" + f.Text(6), Remove: "r" + f.Text(6), Update: f.Text(4)}
	if f.Flag() {
		pp.Settings = &v1alpha1.UserArtifactSettings{PackageFileName: f.Pick("", "app.zip"), ConfigFileName: f.Pick("", "app.cfg"),
			ScriptBehaviorAfterReboot: v1alpha1.ScriptBehaviorAfterReboot(f.Pick("", "None", "Rerun"))}
	}
	if f.Flag() {
		pp.AdvancedSettings = map[string]string{f.Pick("timeout", "user"): f.Text(4)}
	}
	pp.EnableHealthCheck = optBool(f)
	for i := range f.Intn(3) {
		pp.CustomActions = append(pp.CustomActions, v1alpha1.GalleryApplicationCustomAction{Name: f.Pick("a", "b") + string(rune('0'+i)), Script: "s" + f.Text(4),
			Parameters: []v1alpha1.GalleryApplicationCustomActionParameter{{Name: "p", Required: optBool(f),
				Type: v1alpha1.GalleryApplicationCustomActionParameterType(f.Pick("", "String", "LogOutputBlob"))}}})
	}
	if f.Flag() {
		s.Properties.SafetyProfile = &v1alpha1.GalleryApplicationVersionSafetyProfile{AllowDeletionOfReplicatedLocations: optBool(f)}
	}
	return s, loc
}

// respell changes spec only in ways Azure ignores: the spelling and order of regions and of the
// location, custom actions' order, another time zone, operator-only fields.
func respell(f *kindfuzz.Bytes, spec *v1alpha1.GalleryApplicationVersionSpec, loc int) *v1alpha1.GalleryApplicationVersionSpec {
	s := spec.DeepCopy()
	s.Location = regions[loc][1]
	pp := &s.Properties.PublishingProfile
	kindfuzz.Shuffle(f, pp.TargetRegions)
	for i := range pp.TargetRegions {
		if f.Flag() {
			pp.TargetRegions[i].Name = kindfuzz.SwapCase(strings.ReplaceAll(pp.TargetRegions[i].Name, " ", ""))
		}
	}
	kindfuzz.Shuffle(f, pp.CustomActions)
	if pp.EndOfLifeDate != nil {
		pp.EndOfLifeDate = &metav1.Time{Time: pp.EndOfLifeDate.UTC()}
	}
	s.AzureName, s.DeletionPolicy = "2.0.0", v1alpha1.DeletionPolicyOrphan
	return s
}

var seeds = [][]byte{nil, []byte("\x00\x01\x01\x02\x03\x01\x02\x01\x01\x00\x00\x01\x04\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12"),
	[]byte("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0\xef\xee\xed\xec\xeb\xea\xe9\xe8\xe7\xe6\xe5\xe4\xe3\xe2\xe1\xe0")}

// FuzzAppVersionDesired: for any spec admission accepts, the desired version never differs from
// itself nor from Azure's echo of it with Azure's defaults, nor does the body PutBody builds
// over that echo, which leaves desired unchanged; it hashes alike every time and alike the spec
// respelled in ways Azure ignores.
func FuzzAppVersionDesired(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fb := kindfuzz.NewBytes(data)
		s, loc := fuzzSpec(fb)
		d := DesiredVersion(s)
		pure := kindfuzz.Pure[body]{Diff: Diff, Hash: SpecHash}
		h := pure.SelfConsistent(t, d)
		e := echo(t, d)
		if diff := Diff(d, e); len(diff) != 0 {
			sj, _ := json.Marshal(s)
			t.Errorf("desired differs from Azure's echo in %q\nspec: %s", diff, sj)
		}
		dj, _ := json.Marshal(d)
		put := PutBody(d, e)
		if after, _ := json.Marshal(d); string(after) != string(dj) {
			t.Errorf("PutBody changed desired:\n%s\n%s", dj, after)
		}
		if diff := Diff(put, e); len(diff) != 0 {
			t.Errorf("PutBody's body differs from Azure's echo in %q", diff)
		}
		d2 := DesiredVersion(respell(fb, s, loc))
		if h2 := SpecHash(d2); h2 != h {
			t.Errorf("respelling changed the hash %s -> %s", h, h2)
		}
		if diff := Diff(d, echo(t, d2)); len(diff) != 0 {
			t.Errorf("spec differs from Azure's echo of the respelled spec in %q", diff)
		}
	})
}

// FuzzAppVersionArbitraryBodies feeds arbitrary JSON, as a spec and as Azure's versions, to
// DesiredVersion, PutBody, Diff and SpecHash: nothing panics, a version whose target regions are
// unique never differs from itself, PutBody never changes its input, the hash is stable.
func FuzzAppVersionArbitraryBodies(f *testing.F) {
	full, _ := json.Marshal(DesiredVersion(spec()))
	f.Add(full, full)
	f.Add([]byte(`{"properties":{"publishingProfile":{"targetRegions":[null,{}],"settings":{},"customActions":[null],"advancedSettings":{"a":null}}}}`),
		[]byte(`{"properties":{"publishingProfile":{"source":{}},"safetyProfile":{}}}`))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var x, y body
		if json.Unmarshal(b, &y) != nil {
			return
		}
		var s v1alpha1.GalleryApplicationVersionSpec
		if json.Unmarshal(a, &s) == nil {
			d := DesiredVersion(&s)
			_, _ = Diff(d, &y), PutBody(d, &y)
		}
		if json.Unmarshal(a, &x) != nil {
			return
		}
		_, _ = Diff(x, nil), Diff(x, &y)
		if !uniqueRegions(&x) {
			return // admission refuses a spec that names a region twice
		}
		kindfuzz.Pure[body]{Diff: Diff, Hash: SpecHash}.SelfConsistent(t, x)
		xj, _ := json.Marshal(x)
		_ = PutBody(x, &y)
		if after, _ := json.Marshal(x); string(after) != string(xj) {
			t.Errorf("PutBody changed desired:\n%s\n%s", xj, after)
		}
	})
}

// uniqueRegions reports whether v names each target region once, none of them null.
func uniqueRegions(v *body) bool {
	pp := publishingOf(v)
	if pp == nil {
		return true
	}
	seen := map[string]bool{}
	for _, r := range pp.TargetRegions {
		if r == nil {
			return false
		}
		n := azure.CanonicalLocation(azure.StrOf(r.Name))
		if seen[n] {
			return false
		}
		seen[n] = true
	}
	return true
}
