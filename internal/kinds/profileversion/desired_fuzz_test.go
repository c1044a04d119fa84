package profileversion

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/kinds/kindfuzz"
)

// Fuzz tests of the pure part of the GalleryInVMAccessControlProfileVersion kind: DesiredVersion,
// Diff, PutBody and SpecHash. Specs are built from the fuzzed bytes within what admission accepts
// (enums from their values, unique names, every name a role or an assignment lists defined, the
// version's location among its target locations); FuzzProfileVersionArbitraryBodies feeds
// arbitrary JSON straight to the functions.

// locations are regions as a spec may spell them and as Azure answers.
var locations = [][2]string{{"West Europe", "westeurope"}, {"East US 2", "eastus2"}, {"westus", "West US"}}

// fuzzSpec builds a profile version spec admission accepts.
func fuzzSpec(f *kindfuzz.Bytes) *v1alpha1.GalleryInVMAccessControlProfileVersionSpec {
	loc := f.Intn(len(locations))
	s := &v1alpha1.GalleryInVMAccessControlProfileVersionSpec{ProfileRef: &v1alpha1.LocalObjectReference{Name: "p"}, Location: locations[loc][0],
		Properties: v1alpha1.GalleryInVMAccessControlProfileVersionProperties{
			Mode:              v1alpha1.AccessControlRulesMode(f.Pick("Audit", "Enforce", "Disabled")),
			DefaultAccess:     v1alpha1.EndpointAccess(f.Pick("Allow", "Deny")),
			ExcludeFromLatest: []*bool{nil, to.Ptr(true), to.Ptr(false)}[f.Intn(3)],
		}}
	if f.Flag() {
		s.Tags = map[string]string{f.Pick("env", "Team"): f.Text(6)}
	}
	if f.Flag() {
		s.Properties.Rules = fuzzRules(f)
	}
	for i, l := range locations {
		if i == loc || f.Flag() {
			r := v1alpha1.TargetRegion{Name: l[f.Intn(2)]}
			if f.Flag() {
				r.RegionalReplicaCount = to.Ptr(int32(f.Intn(3) + 1))
			}
			s.Properties.TargetLocations = append(s.Properties.TargetLocations, r)
		}
	}
	if f.Flag() {
		s.Properties.TargetLocations = nil
	}
	return s
}

// fuzzRules are up to three of each, every reference defined.
func fuzzRules(f *kindfuzz.Bytes) *v1alpha1.AccessControlRules {
	r := &v1alpha1.AccessControlRules{}
	names := func(prefix string, n int) []string {
		var out []string
		for i := range n {
			out = append(out, prefix+string(rune('0'+i)))
		}
		return out
	}
	some := func(from []string) []string {
		var out []string
		for _, n := range from {
			if f.Flag() {
				out = append(out, n)
			}
		}
		return out
	}
	privileges, roles, identities := names("priv", f.Intn(4)), names("role", f.Intn(4)), names("id", f.Intn(4))
	for _, n := range privileges {
		p := v1alpha1.AccessControlRulesPrivilege{Name: n, Path: f.Pick("/machine", "/metadata/identity/oauth2/token", "/"+f.Text(6))}
		if f.Flag() {
			p.QueryParameters = map[string]string{f.Pick("comp", "api-version"): f.Text(6)}
		}
		r.Privileges = append(r.Privileges, p)
	}
	for _, n := range roles {
		r.Roles = append(r.Roles, v1alpha1.AccessControlRulesRole{Name: n, Privileges: some(privileges)})
		if f.Flag() {
			r.RoleAssignments = append(r.RoleAssignments, v1alpha1.AccessControlRulesRoleAssignment{Role: n, Identities: some(identities)})
		}
	}
	for _, n := range identities {
		r.Identities = append(r.Identities, v1alpha1.AccessControlRulesIdentity{Name: n, UserName: f.Pick("", "SYSTEM", f.Text(4)),
			GroupName: f.Pick("", "Administrators"), ExePath: f.Pick("", `C:\x.exe`, f.Text(6)), ProcessName: f.Pick("", "cscript")})
	}
	return r
}

// echo is desired as Azure's GET returns it: through the SDK's JSON, with read-only fields, the
// replication, each target location's defaults filled in, the rules and names in another order.
func echo(t *testing.T, f *kindfuzz.Bytes, desired body) *body {
	t.Helper()
	b, err := json.Marshal(desired)
	if err != nil {
		t.Fatal(err)
	}
	var e body
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("Azure's JSON of the desired body does not read back: %v\n%s", err, b)
	}
	e.Name, e.Location = to.Ptr("1.0.0"), to.Ptr(kindfuzz.SwapCase(*e.Location))
	p := e.Properties
	p.ProvisioningState = to.Ptr(armcompute.GalleryProvisioningStateSucceeded)
	p.ReplicationStatus = &armcompute.ReplicationStatus{AggregatedState: to.Ptr(armcompute.AggregatedReplicationStateCompleted)}
	for _, r := range p.TargetLocations {
		if r.RegionalReplicaCount == nil {
			r.RegionalReplicaCount = to.Ptr[int32](1)
		}
		r.StorageAccountType = to.Ptr(armcompute.StorageAccountTypeStandardLRS)
	}
	kindfuzz.Shuffle(f, p.TargetLocations)
	if r := p.Rules; r != nil {
		kindfuzz.Shuffle(f, r.Privileges)
		kindfuzz.Shuffle(f, r.Roles)
		kindfuzz.Shuffle(f, r.Identities)
		kindfuzz.Shuffle(f, r.RoleAssignments)
		for _, role := range r.Roles {
			slices.Reverse(role.Privileges)
		}
	}
	return &e
}

var seeds = [][]byte{nil, []byte("\x01\x02\x03\x01\x05\x06\x07\x08\x01\x01\x01\x02\x03\x03\x03\x03\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"),
	[]byte("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0\xef\xee\xed\xec\xeb\xea\xe9\xe8")}

// FuzzProfileVersionDesired: for any spec admission accepts, the desired version never differs
// from itself nor from Azure's echo of it, hashes alike every time, the PUT over that echo never
// differs from it either, and a changed mode differs in exactly that and hashes otherwise.
func FuzzProfileVersionDesired(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fb := kindfuzz.NewBytes(data)
		s := fuzzSpec(fb)
		d := DesiredVersion(s)
		pure := kindfuzz.Pure[body]{Diff: Diff, Hash: SpecHash}
		h := pure.SelfConsistent(t, d)
		e := echo(t, fb, d)
		if diff := Diff(d, e); len(diff) != 0 {
			sj, _ := json.Marshal(s)
			t.Errorf("desired differs from Azure's echo in %q\nspec: %s", diff, sj)
		}
		if diff := Diff(PutBody(d, e), e); len(diff) != 0 {
			t.Errorf("the PUT body differs from Azure's echo in %q", diff)
		}
		changed := s.DeepCopy()
		changed.Properties.Mode = map[v1alpha1.AccessControlRulesMode]v1alpha1.AccessControlRulesMode{"Audit": "Enforce", "Enforce": "Disabled", "Disabled": "Audit"}[s.Properties.Mode]
		d2 := DesiredVersion(changed)
		if diff := Diff(d2, e); !slices.Equal(diff, []string{"properties.mode"}) || SpecHash(d2) == h {
			t.Errorf("a new mode: Diff = %q, hash kept: %v", diff, SpecHash(d2) == h)
		}
		pure.HashAgreesWithDiff(t, d, d2)
	})
}

// FuzzProfileVersionArbitraryBodies feeds arbitrary JSON, as a spec and as Azure's versions, to
// DesiredVersion, Diff, PutBody and SpecHash: nothing panics, a body never differs from itself,
// its hash is stable, bodies that hash alike do not differ.
func FuzzProfileVersionArbitraryBodies(f *testing.F) {
	full, _ := json.Marshal(DesiredVersion(spec()))
	f.Add(full, full)
	f.Add([]byte(`{"properties":{"rules":{"privileges":[null,{}],"roles":[{"privileges":[null,""]}],"roleAssignments":[null]},"targetLocations":[null,{}]}}`),
		[]byte(`{"properties":{"targetLocations":[]}}`))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var x, y body
		if json.Unmarshal(b, &y) != nil {
			return
		}
		var s v1alpha1.GalleryInVMAccessControlProfileVersionSpec
		if json.Unmarshal(a, &s) == nil {
			_ = Diff(PutBody(DesiredVersion(&s), &y), &y)
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
