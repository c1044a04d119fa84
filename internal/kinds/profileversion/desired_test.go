package profileversion

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
)

// spec is the version of Azure's example (GalleryInVMAccessControlProfileVersion_Create.json).
func spec() *v1alpha1.GalleryInVMAccessControlProfileVersionSpec {
	return &v1alpha1.GalleryInVMAccessControlProfileVersionSpec{
		ProfileRef: &v1alpha1.LocalObjectReference{Name: "p"}, Location: "West US", Tags: map[string]string{"team": "platform"},
		Properties: v1alpha1.GalleryInVMAccessControlProfileVersionProperties{
			Mode: "Audit", DefaultAccess: "Allow",
			Rules: &v1alpha1.AccessControlRules{
				Privileges: []v1alpha1.AccessControlRulesPrivilege{{Name: "GoalState", Path: "/machine", QueryParameters: map[string]string{"comp": "goalstate"}}},
				Roles:      []v1alpha1.AccessControlRulesRole{{Name: "Provisioning", Privileges: []string{"GoalState"}}},
				Identities: []v1alpha1.AccessControlRulesIdentity{{Name: "WinPA", UserName: "SYSTEM", GroupName: "Administrators",
					ExePath: `C:\Windows\System32\cscript.exe`, ProcessName: "cscript"}},
				RoleAssignments: []v1alpha1.AccessControlRulesRoleAssignment{{Role: "Provisioning", Identities: []string{"WinPA"}}},
			},
			TargetLocations:   []v1alpha1.TargetRegion{{Name: "West US"}, {Name: "South Central US"}},
			ExcludeFromLatest: to.Ptr(false),
		},
	}
}

// azureVersion is the example's version as Azure returns it, with Azure's defaults, the
// replication and read-only fields.
func azureVersion(t *testing.T) *body {
	t.Helper()
	var v body
	if err := json.Unmarshal([]byte(`{"name": "1.0.0", "location": "westus", "tags": {"team": "platform"},
		"properties": {"mode": "Audit", "defaultAccess": "Allow",
			"rules": {
				"privileges": [{"name": "GoalState", "path": "/machine", "queryParameters": {"comp": "goalstate"}}],
				"roles": [{"name": "Provisioning", "privileges": ["GoalState"]}],
				"identities": [{"name": "WinPA", "userName": "SYSTEM", "groupName": "Administrators", "exePath": "C:\\Windows\\System32\\cscript.exe", "processName": "cscript"}],
				"roleAssignments": [{"role": "Provisioning", "identities": ["WinPA"]}]},
			"targetLocations": [{"name": "West US", "regionalReplicaCount": 1, "storageAccountType": "Standard_LRS"},
				{"name": "South Central US", "regionalReplicaCount": 1, "storageAccountType": "Standard_LRS"}],
			"excludeFromLatest": false, "publishedDate": "2024-01-01T00:00:00Z", "provisioningState": "Succeeded",
			"replicationStatus": {"aggregatedState": "Completed", "summary": [{"region": "West US", "state": "Completed", "progress": 100},
				{"region": "South Central US", "state": "Completed", "progress": 100}]}}}`), &v); err != nil {
		t.Fatal(err)
	}
	return &v
}

func TestDesiredVersionIsTheRequestBody(t *testing.T) {
	got, err := json.Marshal(DesiredVersion(spec()).Properties)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"defaultAccess":"Allow","excludeFromLatest":false,"mode":"Audit",` +
		`"rules":{"identities":[{"exePath":"C:\\Windows\\System32\\cscript.exe","groupName":"Administrators","name":"WinPA","processName":"cscript","userName":"SYSTEM"}],` +
		`"privileges":[{"name":"GoalState","path":"/machine","queryParameters":{"comp":"goalstate"}}],` +
		`"roleAssignments":[{"identities":["WinPA"],"role":"Provisioning"}],"roles":[{"name":"Provisioning","privileges":["GoalState"]}]},` +
		`"targetLocations":[{"name":"West US"},{"name":"South Central US"}]}`
	if string(got) != want {
		t.Errorf("properties\n%s\nwant\n%s", got, want)
	}
}

func TestDiff(t *testing.T) {
	if d := Diff(DesiredVersion(spec()), azureVersion(t)); len(d) != 0 {
		t.Errorf("Azure's answer to the spec differs in %q", d)
	}
	cases := map[string]struct {
		change func(*v1alpha1.GalleryInVMAccessControlProfileVersionSpec)
		want   []string
	}{
		"mode":          {func(s *v1alpha1.GalleryInVMAccessControlProfileVersionSpec) { s.Properties.Mode = "Enforce" }, []string{"properties.mode"}},
		"defaultAccess": {func(s *v1alpha1.GalleryInVMAccessControlProfileVersionSpec) { s.Properties.DefaultAccess = "Deny" }, []string{"properties.defaultAccess"}},
		"a privilege's path": {func(s *v1alpha1.GalleryInVMAccessControlProfileVersionSpec) {
			s.Properties.Rules.Privileges[0].Path = "/machine/"
		}, []string{"properties.rules"}},
		"a query parameter": {func(s *v1alpha1.GalleryInVMAccessControlProfileVersionSpec) {
			s.Properties.Rules.Privileges[0].QueryParameters = nil
		}, []string{"properties.rules"}},
		"an identity's process": {func(s *v1alpha1.GalleryInVMAccessControlProfileVersionSpec) {
			s.Properties.Rules.Identities[0].ProcessName = "wscript"
		}, []string{"properties.rules"}},
		"no rules (Azure has some)": {func(s *v1alpha1.GalleryInVMAccessControlProfileVersionSpec) { s.Properties.Rules = nil }, []string{"properties.rules"}},
		"a target location added": {func(s *v1alpha1.GalleryInVMAccessControlProfileVersionSpec) {
			s.Properties.TargetLocations = append(s.Properties.TargetLocations, v1alpha1.TargetRegion{Name: "eastus"})
		}, []string{"properties.targetLocations"}},
		"a replica count": {func(s *v1alpha1.GalleryInVMAccessControlProfileVersionSpec) {
			s.Properties.TargetLocations[1].RegionalReplicaCount = to.Ptr[int32](2)
		}, []string{"properties.targetLocations"}},
		"excludeFromLatest": {func(s *v1alpha1.GalleryInVMAccessControlProfileVersionSpec) {
			s.Properties.ExcludeFromLatest = to.Ptr(true)
		}, []string{"properties.excludeFromLatest"}},
		"tags": {func(s *v1alpha1.GalleryInVMAccessControlProfileVersionSpec) { s.Tags = nil }, []string{"tags"}},
		"spellings Azure ignores": {func(s *v1alpha1.GalleryInVMAccessControlProfileVersionSpec) {
			s.Location, s.Properties.Mode = "westus", "audit"
			s.Properties.TargetLocations = []v1alpha1.TargetRegion{{Name: "southcentralus"}, {Name: "westus"}}
		}, nil},
		"no target locations (Azure's default)": {func(s *v1alpha1.GalleryInVMAccessControlProfileVersionSpec) { s.Properties.TargetLocations = nil }, nil},
		"excludeFromLatest unset (false)":       {func(s *v1alpha1.GalleryInVMAccessControlProfileVersionSpec) { s.Properties.ExcludeFromLatest = nil }, nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := spec()
			tc.change(s)
			if got := Diff(DesiredVersion(s), azureVersion(t)); !slices.Equal(got, tc.want) {
				t.Errorf("Diff = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRulesCompareAsSets: the order of privileges, roles, identities and assignments, and of the
// names a role or an assignment lists, means nothing.
func TestRulesCompareAsSets(t *testing.T) {
	s := spec()
	r := s.Properties.Rules
	r.Privileges = append(r.Privileges, v1alpha1.AccessControlRulesPrivilege{Name: "Token", Path: "/metadata/identity/oauth2/token"})
	r.Roles[0].Privileges = []string{"GoalState", "Token"}
	r.Identities = append(r.Identities, v1alpha1.AccessControlRulesIdentity{Name: "Agent", ProcessName: "waagent"})
	r.RoleAssignments[0].Identities = []string{"WinPA", "Agent"}
	reordered := s.DeepCopy()
	rr := reordered.Properties.Rules
	slices.Reverse(rr.Privileges)
	slices.Reverse(rr.Roles[0].Privileges)
	slices.Reverse(rr.Identities)
	slices.Reverse(rr.RoleAssignments[0].Identities)
	a, b := DesiredVersion(s), DesiredVersion(reordered)
	if d := Diff(a, &b); len(d) != 0 || SpecHash(a) != SpecHash(b) {
		t.Errorf("reordered rules differ in %q (hashes %s, %s)", d, SpecHash(a), SpecHash(b))
	}
}

// TestPutBodyRepeatsStorageTypes: a target location's storage account type, which the spec
// leaves unset and Azure will not see change, is repeated from Azure; the spec's body is not
// changed.
func TestPutBodyRepeatsStorageTypes(t *testing.T) {
	desired := DesiredVersion(spec())
	desired.Properties.TargetLocations = append(desired.Properties.TargetLocations, &armcompute.TargetRegion{Name: to.Ptr("eastus")})
	put := PutBody(desired, azureVersion(t))
	for i, want := range []string{"Standard_LRS", "Standard_LRS", ""} {
		if got := azure.StrOf(put.Properties.TargetLocations[i].StorageAccountType); got != want {
			t.Errorf("target location %d: storageAccountType %q, want %q", i, got, want)
		}
	}
	if desired.Properties.TargetLocations[0].StorageAccountType != nil {
		t.Error("PutBody changed the desired body")
	}
	if got := PutBody(desired, nil); !slices.Equal(got.Properties.TargetLocations, desired.Properties.TargetLocations) {
		t.Error("over nothing, the body is not the desired one")
	}
}

// TestObserveRecordsReplication: the status shows the replication Azure reports per region, the
// REPLICATED column's n/m, and the version is in progress until every region completed.
func TestObserveRecordsReplication(t *testing.T) {
	v := &v1alpha1.GalleryInVMAccessControlProfileVersion{}
	existing := azureVersion(t)
	existing.Properties.ReplicationStatus.AggregatedState = to.Ptr(armcompute.AggregatedReplicationStateInProgress)
	existing.Properties.ReplicationStatus.Summary[1].State = to.Ptr(armcompute.ReplicationStateReplicating)
	existing.Properties.ReplicationStatus.Summary[1].Progress = to.Ptr[int32](40)
	Kind{}.ReportStatus(v, existing)
	if v.Status.Replication != "1/2" || v.Status.PublishedDate == nil || len(v.Status.ReplicationStatus.Summary) != 2 {
		t.Errorf("status %+v", v.Status.ReplicatedStatus)
	}
	if msg, busy := (Kind{}).InProgress(v, existing); !busy || msg != "Replicated to 1/2 regions (InProgress): West US Completed, South Central US Replicating 40%" {
		t.Errorf("InProgress = %q, %v", msg, busy)
	}
	before := v.DeepCopy()
	Kind{}.ReportStatus(v, azureVersion(t))
	if _, busy := (Kind{}).InProgress(v, nil); busy || v.Status.Replication != "2/2" {
		t.Errorf("replicated everywhere: busy %v, %q", busy, v.Status.Replication)
	}
	if n := (Kind{}).Notices(before, v); len(n) != 1 || n[0].Message != "Replicated to South Central US" {
		t.Errorf("notices %+v", n)
	}
	Kind{}.ReportStatus(v, nil)
	if v.Status.ReplicationStatus != nil || v.Status.Replication != "" {
		t.Errorf("absent version: status %+v", v.Status.ReplicatedStatus)
	}
}
