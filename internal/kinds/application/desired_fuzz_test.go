package application

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/kinds/kindfuzz"
)

// Fuzz tests of the pure part of the GalleryApplication kind: DesiredApplication, Diff and
// SpecHash. Specs are built from the fuzzed bytes within what admission accepts (the OS type and
// parameter types from their enums, unique action and parameter names, tag names unique
// ignoring case, whole seconds); FuzzApplicationArbitraryBodies feeds arbitrary JSON straight to
// the functions.

// locations are regions as a spec may spell them and as Azure answers.
var locations = [][2]string{{"West Europe", "westeurope"}, {"East US 2", "eastus2"}, {"westus", "westus"}}

// fuzzSpec builds an application spec admission accepts; loc indexes locations.
func fuzzSpec(f *kindfuzz.Bytes) (*v1alpha1.GalleryApplicationSpec, int) {
	loc := f.Intn(len(locations))
	s := &v1alpha1.GalleryApplicationSpec{GalleryRef: &v1alpha1.LocalObjectReference{Name: "g"}, Location: locations[loc][0]}
	for range f.Intn(4) {
		k := f.Pick("env", "Team", f.Text(6))
		if !hasFold(s.Tags, k) {
			if s.Tags == nil {
				s.Tags = map[string]string{}
			}
			s.Tags[k] = f.Text(8)
		}
	}
	p := &s.Properties
	p.SupportedOSType = v1alpha1.OperatingSystemType(f.Pick("Windows", "Linux"))
	p.Description, p.Eula = f.Text(10), f.Text(6)
	p.PrivacyStatementURI, p.ReleaseNoteURI = f.Pick("", "https://example.com/p"), f.Pick("", "https://example.com/n")
	if f.Flag() {
		secs := int64(f.Next())<<24 | int64(f.Next())<<16 | int64(f.Next())<<8
		p.EndOfLifeDate = &metav1.Time{Time: time.Unix(secs, 0).In(time.FixedZone("z", (f.Intn(25)-12)*3600))}
	}
	p.CustomActions = fuzzActions(f)
	return s, loc
}

// fuzzActions are up to three custom actions with up to three parameters each, names unique.
func fuzzActions(f *kindfuzz.Bytes) []v1alpha1.GalleryApplicationCustomAction {
	var out []v1alpha1.GalleryApplicationCustomAction
	for i := range f.Intn(4) {
		a := v1alpha1.GalleryApplicationCustomAction{Name: f.Pick("a", "B", "c") + string(rune('0'+i)), Script: f.Text(8) + "x", Description: f.Text(4)}
		for j := range f.Intn(4) {
			a.Parameters = append(a.Parameters, v1alpha1.GalleryApplicationCustomActionParameter{
				Name: f.Pick("p", "Q") + string(rune('0'+j)), Required: []*bool{nil, to.Ptr(true), to.Ptr(false)}[f.Intn(3)],
				Type:         v1alpha1.GalleryApplicationCustomActionParameterType(f.Pick("", "String", "ConfigurationDataBlob", "LogOutputBlob")),
				DefaultValue: f.Text(4), Description: f.Text(4)})
		}
		out = append(out, a)
	}
	return out
}

func hasFold(m map[string]string, k string) bool {
	for have := range m {
		if strings.EqualFold(have, k) {
			return true
		}
	}
	return false
}

// respell changes spec only in ways Azure ignores: the location's spelling, tag-name case, the
// order of actions and parameters, a parameter's unset type as String, another time zone,
// operator-only fields.
func respell(f *kindfuzz.Bytes, spec *v1alpha1.GalleryApplicationSpec, loc int) *v1alpha1.GalleryApplicationSpec {
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
	kindfuzz.Shuffle(f, s.Properties.CustomActions)
	for i := range s.Properties.CustomActions {
		prms := s.Properties.CustomActions[i].Parameters
		kindfuzz.Shuffle(f, prms)
		for j := range prms {
			if prms[j].Type == "" && f.Flag() {
				prms[j].Type = "String"
			}
		}
	}
	if t := s.Properties.EndOfLifeDate; t != nil {
		s.Properties.EndOfLifeDate = &metav1.Time{Time: t.UTC()}
	}
	s.AzureName, s.DeletionPolicy = "other", v1alpha1.DeletionPolicyOrphan
	return s
}

var seeds = [][]byte{nil, []byte("\x01\x02\x03\x01\x05\x06\x07\x08\x01\x01\x01\x02\x03\x03\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c"),
	[]byte("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0\xef\xee\xed\xec\xeb\xea\xe9\xe8\xe7\xe6\xe5\xe4")}

// FuzzApplicationDesired: for any spec admission accepts, the desired application never differs
// from itself nor from Azure's echo of it, hashes alike every time, and neither differs from nor
// hashes otherwise than the spec respelled in ways Azure ignores.
func FuzzApplicationDesired(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fb := kindfuzz.NewBytes(data)
		s, loc := fuzzSpec(fb)
		d := DesiredApplication(s)
		pure := kindfuzz.Pure[body]{Diff: Diff, Hash: SpecHash}
		h := pure.SelfConsistent(t, d)
		if diff := Diff(d, echo(t, d)); len(diff) != 0 {
			sj, _ := json.Marshal(s)
			t.Errorf("desired differs from Azure's echo in %q\nspec: %s", diff, sj)
		}
		d2 := DesiredApplication(respell(fb, s, loc))
		if h2 := SpecHash(d2); h2 != h {
			t.Errorf("respelling changed the hash %s -> %s", h, h2)
		}
		if diff := Diff(d, echo(t, d2)); len(diff) != 0 {
			t.Errorf("spec differs from Azure's echo of the respelled spec in %q", diff)
		}
		pure.HashAgreesWithDiff(t, d, d2)
	})
}

// FuzzApplicationArbitraryBodies feeds arbitrary JSON, as a spec and as Azure's applications, to
// DesiredApplication, Diff and SpecHash: nothing panics, a body never differs from itself, its
// hash is stable, bodies that hash alike do not differ.
func FuzzApplicationArbitraryBodies(f *testing.F) {
	full, _ := json.Marshal(DesiredApplication(spec()))
	f.Add(full, full)
	f.Add([]byte(`{"properties":{"customActions":[null,{"parameters":[null,{}]},{}]}}`), []byte(`{"properties":{}}`))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var x, y body
		if json.Unmarshal(b, &y) != nil {
			return
		}
		var s v1alpha1.GalleryApplicationSpec
		if json.Unmarshal(a, &s) == nil {
			_ = Diff(DesiredApplication(&s), &y)
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
