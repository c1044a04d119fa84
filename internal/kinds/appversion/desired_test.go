package appversion

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/kinds/replication"
)

var eol = time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)

const mediaLink = "https://mystorageaccount.blob.core.windows.net/mycontainer/package.zip?sig=x"

// spec is a full application version spec, as in Azure's GalleryApplicationVersion_Create
// example, with settings and a second region.
func spec() *v1alpha1.GalleryApplicationVersionSpec {
	return &v1alpha1.GalleryApplicationVersionSpec{
		ApplicationRef: &v1alpha1.LocalObjectReference{Name: "app"},
		Location:       "West US",
		Tags:           map[string]string{"team": "apps"},
		Properties: v1alpha1.GalleryApplicationVersionProperties{
			PublishingProfile: v1alpha1.GalleryApplicationVersionPublishingProfile{
				GalleryArtifactPublishingProfile: v1alpha1.GalleryArtifactPublishingProfile{
					TargetRegions: []v1alpha1.TargetRegion{
						{Name: "West US", RegionalReplicaCount: to.Ptr[int32](1), StorageAccountType: "Standard_LRS"},
						{Name: "eastus"},
					},
					ReplicaCount:  to.Ptr[int32](1),
					EndOfLifeDate: &metav1.Time{Time: eol},
				},
				Source:           v1alpha1.UserArtifactSource{MediaLink: mediaLink},
				ManageActions:    v1alpha1.UserArtifactManage{Install: `powershell -command "Expand-Archive -Path package.zip"`, Remove: `del C:\package`},
				Settings:         &v1alpha1.UserArtifactSettings{ConfigFileName: "app.cfg"},
				AdvancedSettings: map[string]string{"timeout": "300"},
				CustomActions: []v1alpha1.GalleryApplicationCustomAction{{Name: "myCustomAction", Script: "myCustomActionScript",
					Parameters: []v1alpha1.GalleryApplicationCustomActionParameter{{Name: "p", Type: "String"}}}},
			},
			SafetyProfile: &v1alpha1.GalleryApplicationVersionSafetyProfile{AllowDeletionOfReplicatedLocations: to.Ptr(false)},
		},
	}
}

// echo is desired as Azure's GET returns it: through the SDK's JSON, with Azure's defaults
// (storage type, replication mode, excludeFromLatest, health check, each region's storage type
// and replica count, the package file name, an advanced setting of its own), canonical region
// names, read-only fields.
func echo(t *testing.T, desired body) *body {
	t.Helper()
	b, err := json.Marshal(desired)
	if err != nil {
		t.Fatal(err)
	}
	var e body
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	e.ID, e.Name = to.Ptr("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/applications/app/versions/1.0.0"), to.Ptr("1.0.0")
	e.Location = to.Ptr(azure.CanonicalLocation(*e.Location))
	pp := e.Properties.PublishingProfile
	if pp.StorageAccountType == nil {
		pp.StorageAccountType = to.Ptr(armcompute.StorageAccountTypeStandardLRS)
	}
	if pp.ReplicaCount == nil {
		pp.ReplicaCount = to.Ptr[int32](1)
	}
	if pp.ReplicationMode == nil {
		pp.ReplicationMode = to.Ptr(armcompute.ReplicationModeFull)
	}
	if pp.ExcludeFromLatest == nil {
		pp.ExcludeFromLatest = to.Ptr(false)
	}
	pp.PublishedDate = to.Ptr(time.Now())
	if pp.EnableHealthCheck == nil {
		pp.EnableHealthCheck = to.Ptr(false)
	}
	if len(pp.TargetRegions) == 0 {
		pp.TargetRegions = []*armcompute.TargetRegion{{Name: e.Location}}
	}
	for _, r := range pp.TargetRegions {
		r.Name = to.Ptr(azure.CanonicalLocation(*r.Name))
		if r.StorageAccountType == nil {
			r.StorageAccountType = pp.StorageAccountType
		}
		if r.RegionalReplicaCount == nil {
			r.RegionalReplicaCount = pp.ReplicaCount
		}
	}
	slices.Reverse(pp.TargetRegions)
	if pp.Settings == nil {
		pp.Settings = &armcompute.UserArtifactSettings{}
	}
	if pp.Settings.PackageFileName == nil {
		pp.Settings.PackageFileName = to.Ptr("package.zip")
	}
	if pp.AdvancedSettings == nil {
		pp.AdvancedSettings = map[string]*string{}
	}
	if _, ok := pp.AdvancedSettings["user"]; !ok {
		pp.AdvancedSettings["user"] = to.Ptr("root")
	}
	if e.Properties.SafetyProfile == nil {
		e.Properties.SafetyProfile = &armcompute.GalleryApplicationVersionSafetyProfile{AllowDeletionOfReplicatedLocations: to.Ptr(false)}
	}
	e.Properties.ProvisioningState = to.Ptr(armcompute.GalleryProvisioningStateSucceeded)
	return &e
}

func TestDesiredVersionCarriesTheSpec(t *testing.T) {
	got, err := json.Marshal(DesiredVersion(spec()).Properties.PublishingProfile)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"source":{"mediaLink":"` + mediaLink + `"}`, `"manageActions":{"install":"powershell -command \"Expand-Archive -Path package.zip\"","remove":"del C:\\package"}`,
		`"settings":{"configFileName":"app.cfg"}`, `"advancedSettings":{"timeout":"300"}`, `"endOfLifeDate":"2031-01-01T00:00:00Z"`, `"replicaCount":1`,
		`"targetRegions":[{"name":"West US","regionalReplicaCount":1,"storageAccountType":"Standard_LRS"},{"name":"eastus"}]`,
		`"customActions":[{"name":"myCustomAction","parameters":[{"name":"p","type":"String"}],"script":"myCustomActionScript"}]`} {
		if !strings.Contains(string(got), want) {
			t.Errorf("publishing profile lacks %s:\n%s", want, got)
		}
	}
	var sent map[string]any
	if err := json.Unmarshal(got, &sent); err != nil {
		t.Fatal(err)
	}
	for _, unset := range []string{"enableHealthCheck", "storageAccountType", "replicationMode", "excludeFromLatest", "targetExtendedLocations"} {
		if _, ok := sent[unset]; ok {
			t.Errorf("publishing profile sends %s, which the spec leaves unset:\n%s", unset, got)
		}
	}
}

func TestDiff(t *testing.T) {
	type specChange = func(*v1alpha1.GalleryApplicationVersionSpec)
	pp := func(s *v1alpha1.GalleryApplicationVersionSpec) *v1alpha1.GalleryApplicationVersionPublishingProfile {
		return &s.Properties.PublishingProfile
	}
	tests := []struct {
		name  string
		spec  specChange
		azure func(*body)
		want  []string
	}{
		{name: "Azure's echo with its defaults"},
		{name: "install command", spec: func(s *v1alpha1.GalleryApplicationVersionSpec) { pp(s).ManageActions.Install = "setup.exe" },
			want: []string{"properties.publishingProfile.manageActions"}},
		{name: "an update command", spec: func(s *v1alpha1.GalleryApplicationVersionSpec) { pp(s).ManageActions.Update = "upd.exe" },
			want: []string{"properties.publishingProfile.manageActions"}},
		{name: "the package", spec: func(s *v1alpha1.GalleryApplicationVersionSpec) { pp(s).Source.MediaLink += "2" },
			want: []string{"properties.publishingProfile.source.mediaLink"}},
		{name: "a default configuration", spec: func(s *v1alpha1.GalleryApplicationVersionSpec) {
			pp(s).Source.DefaultConfigurationLink = "https://sa.blob.core.windows.net/c/app.cfg"
		}, want: []string{"properties.publishingProfile.source.defaultConfigurationLink"}},
		{name: "a region added", spec: func(s *v1alpha1.GalleryApplicationVersionSpec) {
			pp(s).TargetRegions = append(pp(s).TargetRegions, v1alpha1.TargetRegion{Name: "northeurope"})
		}, want: []string{"properties.publishingProfile.targetRegions"}},
		{name: "a setting changed", spec: func(s *v1alpha1.GalleryApplicationVersionSpec) { pp(s).Settings.ConfigFileName = "b.cfg" },
			want: []string{"properties.publishingProfile.settings"}},
		{name: "a setting Azure filled in set as Azure has it", spec: func(s *v1alpha1.GalleryApplicationVersionSpec) { pp(s).Settings.PackageFileName = "package.zip" }},
		{name: "an advanced setting changed", spec: func(s *v1alpha1.GalleryApplicationVersionSpec) { pp(s).AdvancedSettings["timeout"] = "60" },
			want: []string{"properties.publishingProfile.advancedSettings"}},
		{name: "health check", spec: func(s *v1alpha1.GalleryApplicationVersionSpec) { pp(s).EnableHealthCheck = to.Ptr(true) },
			want: []string{"properties.publishingProfile.enableHealthCheck"}},
		{name: "a custom action's script", spec: func(s *v1alpha1.GalleryApplicationVersionSpec) { pp(s).CustomActions[0].Script = "v2" },
			want: []string{"properties.publishingProfile.customActions"}},
		{name: "the safety flag", spec: func(s *v1alpha1.GalleryApplicationVersionSpec) {
			s.Properties.SafetyProfile.AllowDeletionOfReplicatedLocations = to.Ptr(true)
		}, want: []string{"properties.safetyProfile"}},
		{name: "end of life", spec: func(s *v1alpha1.GalleryApplicationVersionSpec) { pp(s).EndOfLifeDate = nil },
			want: []string{"properties.publishingProfile.endOfLifeDate"}},
		{name: "a script changed in Azure", azure: func(b *body) { b.Properties.PublishingProfile.ManageActions.Remove = to.Ptr("rm") },
			want: []string{"properties.publishingProfile.manageActions"}},
		{name: "tags", spec: func(s *v1alpha1.GalleryApplicationVersionSpec) { s.Tags = nil }, want: []string{"tags"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			existing := echo(t, DesiredVersion(spec()))
			if tt.azure != nil {
				tt.azure(existing)
			}
			s := spec()
			if tt.spec != nil {
				tt.spec(s)
			}
			if got := Diff(DesiredVersion(s), existing); !slices.Equal(got, tt.want) {
				t.Errorf("Diff = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSpecHash(t *testing.T) {
	base := SpecHash(DesiredVersion(spec()))
	same := spec()
	same.Location, same.Tags, same.AzureName = "westus", map[string]string{"TEAM": "apps"}, "2.0.0"
	slices.Reverse(same.Properties.PublishingProfile.TargetRegions)
	if h := SpecHash(DesiredVersion(same)); h != base {
		t.Errorf("spelling and order changed the hash: %s vs %s", h, base)
	}
	other := spec()
	other.Properties.PublishingProfile.ManageActions.Remove = "rm -rf /opt/app"
	if SpecHash(DesiredVersion(other)) == base {
		t.Error("a remove command did not change the hash")
	}
}

// TestPutBodyRepeatsWhatAzureHolds: a PUT over an existing version sends the storage account
// types and replication mode Azure holds and the spec leaves unset.
func TestPutBodyRepeatsWhatAzureHolds(t *testing.T) {
	desired := DesiredVersion(spec())
	put := PutBody(desired, echo(t, desired))
	pp := put.Properties.PublishingProfile
	if azure.StrOf(pp.StorageAccountType) != "Standard_LRS" || azure.StrOf(pp.ReplicationMode) != "Full" {
		t.Errorf("storage type %q and replication mode %q not repeated", azure.StrOf(pp.StorageAccountType), azure.StrOf(pp.ReplicationMode))
	}
	for _, r := range pp.TargetRegions {
		if r.StorageAccountType == nil {
			t.Errorf("region %s sent without Azure's storage type", *r.Name)
		}
	}
	if desired.Properties.PublishingProfile.StorageAccountType != nil || desired.Properties.PublishingProfile.TargetRegions[1].StorageAccountType != nil {
		t.Error("PutBody changed the desired body")
	}
	if got := PutBody(desired, nil); got.Properties.PublishingProfile.StorageAccountType != nil {
		t.Error("a PUT that creates repeats something")
	}
}

// TestObserveFollowsReplication: the status shows each region's replication; the version is in
// progress until all are done; a completed region is announced.
func TestObserveFollowsReplication(t *testing.T) {
	o, k := &v1alpha1.GalleryApplicationVersion{}, Kind{}
	v := echo(t, DesiredVersion(spec()))
	v.Properties.ReplicationStatus = &armcompute.ReplicationStatus{AggregatedState: to.Ptr(armcompute.AggregatedReplicationStateInProgress),
		Summary: []*armcompute.RegionalReplicationStatus{
			{Region: to.Ptr("West US"), State: to.Ptr(armcompute.ReplicationStateCompleted), Progress: to.Ptr[int32](100)},
			{Region: to.Ptr("East US"), State: to.Ptr(armcompute.ReplicationStateReplicating), Progress: to.Ptr[int32](30)}}}
	before := o.DeepCopy()
	k.ReportStatus(o, v)
	if msg, busy := k.InProgress(o, v); !busy || o.Status.Replication != "1/2" || o.Status.PublishedDate == nil || !strings.Contains(msg, "East US Replicating 30%") {
		t.Errorf("while replicating: busy %v, status %+v, message %q", busy, o.Status.ReplicatedStatus, msg)
	}
	if n := k.Notices(before, o); len(n) != 1 || n[0].Reason != replication.ReasonRegionReplicated {
		t.Errorf("notices: %+v", n)
	}
	k.ReportStatus(o, nil)
	if o.Status.ReplicationStatus != nil || o.Status.Replication != "" {
		t.Errorf("an absent version keeps replication status %+v", o.Status.ReplicatedStatus)
	}
}
