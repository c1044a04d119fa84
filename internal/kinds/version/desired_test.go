package version

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
	"github.com/azgallery/gallery-operator/internal/kinds/replication"
)

const source = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/golden"

var eol = time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)

func spec() *v1alpha1.GalleryImageVersionSpec {
	return &v1alpha1.GalleryImageVersionSpec{
		Location: "West Europe", Tags: map[string]string{"team": "platform"},
		Properties: v1alpha1.GalleryImageVersionProperties{
			PublishingProfile: &v1alpha1.GalleryArtifactPublishingProfile{
				TargetRegions: []v1alpha1.TargetRegion{
					{Name: "West Europe", RegionalReplicaCount: to.Ptr[int32](2)},
					{Name: "northeurope"},
				},
				EndOfLifeDate: &metav1.Time{Time: eol},
			},
			StorageProfile: v1alpha1.GalleryImageVersionStorageProfile{Source: &v1alpha1.GalleryArtifactVersionFullSource{ID: source}},
		},
	}
}

// echo is the desired version as Azure returns it: defaults filled in, names canonical, read-only
// fields, the source ID in other case.
func echo(d armcompute.GalleryImageVersion) *armcompute.GalleryImageVersion {
	b, _ := json.Marshal(d)
	var e armcompute.GalleryImageVersion
	_ = json.Unmarshal(b, &e)
	e.Location = to.Ptr("westeurope")
	pp := e.Properties.PublishingProfile
	pp.ReplicaCount = to.Ptr[int32](1)
	pp.ExcludeFromLatest = to.Ptr(false)
	pp.StorageAccountType = to.Ptr(armcompute.StorageAccountTypeStandardLRS)
	pp.ReplicationMode = to.Ptr(armcompute.ReplicationModeFull)
	pp.PublishedDate = to.Ptr(time.Now())
	for _, r := range pp.TargetRegions {
		r.Name = to.Ptr(strings.ToLower(strings.ReplaceAll(*r.Name, " ", "")))
		if r.RegionalReplicaCount == nil {
			r.RegionalReplicaCount = to.Ptr[int32](1)
		}
		r.StorageAccountType = to.Ptr(armcompute.StorageAccountTypeStandardLRS)
		r.ExcludeFromLatest = to.Ptr(false)
	}
	e.Properties.StorageProfile.Source.ID = to.Ptr(strings.ToUpper(source))
	e.Properties.StorageProfile.OSDiskImage = &armcompute.GalleryOSDiskImage{HostCaching: to.Ptr(armcompute.HostCachingReadOnly), SizeInGB: to.Ptr[int32](30)}
	e.Properties.SafetyProfile = &armcompute.GalleryImageVersionSafetyProfile{AllowDeletionOfReplicatedLocations: to.Ptr(false), ReportedForPolicyViolation: to.Ptr(false)}
	e.Properties.ProvisioningState = to.Ptr(armcompute.GalleryProvisioningStateSucceeded)
	return &e
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name   string
		spec   func(*v1alpha1.GalleryImageVersionSpec)
		mutate func(*armcompute.GalleryImageVersion)
		want   []string
	}{
		{"Azure's echo with its defaults matches", nil, nil, nil},
		{"a region added", func(s *v1alpha1.GalleryImageVersionSpec) {
			s.Properties.PublishingProfile.TargetRegions = append(s.Properties.PublishingProfile.TargetRegions, v1alpha1.TargetRegion{Name: "eastus"})
		}, nil, []string{"properties.publishingProfile.targetRegions"}},
		{"a region's replica count changed", func(s *v1alpha1.GalleryImageVersionSpec) {
			s.Properties.PublishingProfile.TargetRegions[0].RegionalReplicaCount = to.Ptr[int32](3)
		}, nil, []string{"properties.publishingProfile.targetRegions"}},
		{"a region's replica count changed in Azure but unset in the spec", nil, func(e *armcompute.GalleryImageVersion) {
			e.Properties.PublishingProfile.TargetRegions[1].RegionalReplicaCount = to.Ptr[int32](5)
		}, nil},
		{"excludeFromLatest set", func(s *v1alpha1.GalleryImageVersionSpec) {
			s.Properties.PublishingProfile.ExcludeFromLatest = to.Ptr(true)
		}, nil, []string{"properties.publishingProfile.excludeFromLatest"}},
		{"endOfLifeDate moved", func(s *v1alpha1.GalleryImageVersionSpec) {
			s.Properties.PublishingProfile.EndOfLifeDate = &metav1.Time{Time: eol.AddDate(1, 0, 0)}
		}, nil, []string{"properties.publishingProfile.endOfLifeDate"}},
		{"endOfLifeDate in another zone, same instant", func(s *v1alpha1.GalleryImageVersionSpec) {
			s.Properties.PublishingProfile.EndOfLifeDate = &metav1.Time{Time: eol.In(time.FixedZone("x", 3600))}
		}, nil, nil},
		{"safety flag set", func(s *v1alpha1.GalleryImageVersionSpec) {
			s.Properties.SafetyProfile = &v1alpha1.GalleryImageVersionSafetyProfile{AllowDeletionOfReplicatedLocations: to.Ptr(true)}
		}, nil, []string{"properties.safetyProfile"}},
		{"tag changed in Azure", nil, func(e *armcompute.GalleryImageVersion) { e.Tags["team"] = to.Ptr("other") }, []string{"tags"}},
		{"another source in Azure", nil, func(e *armcompute.GalleryImageVersion) {
			e.Properties.StorageProfile.Source.ID = to.Ptr(source + "2")
		}, []string{"properties.storageProfile"}},
		{"storage type wanted differs", func(s *v1alpha1.GalleryImageVersionSpec) {
			s.Properties.PublishingProfile.StorageAccountType = v1alpha1.StorageAccountType("Premium_LRS")
		}, nil, []string{"properties.publishingProfile.storageAccountType"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			existing := echo(DesiredVersion(spec()))
			if tt.mutate != nil {
				tt.mutate(existing)
			}
			s := spec()
			if tt.spec != nil {
				tt.spec(s)
			}
			if got := Diff(DesiredVersion(s), existing); !slices.Equal(got, tt.want) {
				t.Errorf("Diff = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSpecHashIgnoresSpelling(t *testing.T) {
	a := SpecHash(DesiredVersion(spec()))
	s := spec()
	s.Location = "westeurope"
	s.Properties.PublishingProfile.TargetRegions[0].Name = "westeurope"
	if b := SpecHash(DesiredVersion(s)); a != b {
		t.Errorf("region spelling changed the hash: %s vs %s", a, b)
	}
	s.Properties.PublishingProfile.TargetRegions = s.Properties.PublishingProfile.TargetRegions[:1]
	if SpecHash(DesiredVersion(s)) == a {
		t.Error("removing a region did not change the hash")
	}
}

// TestPutBodyRepeatsWhatAzureHolds: a PUT over an existing version sends each region's storage
// account type (and the profile's) that Azure holds and the spec leaves unset, since Azure treats
// a missing one as a change.
func TestPutBodyRepeatsWhatAzureHolds(t *testing.T) {
	desired := DesiredVersion(spec())
	existing := echo(desired)
	existing.Properties.PublishingProfile.TargetRegions[1].StorageAccountType = to.Ptr(armcompute.StorageAccountTypeStandardZRS)
	s := spec()
	s.Properties.PublishingProfile.TargetRegions = append(s.Properties.PublishingProfile.TargetRegions, v1alpha1.TargetRegion{Name: "eastus"})
	body := PutBody(DesiredVersion(s), existing)
	got := map[string]string{}
	for _, r := range body.Properties.PublishingProfile.TargetRegions {
		got[*r.Name] = string(ptrOr(r.StorageAccountType))
	}
	want := map[string]string{"West Europe": "Standard_LRS", "northeurope": "Standard_ZRS", "eastus": ""}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("region %s storageAccountType %q, want %q", k, got[k], v)
		}
	}
	if *body.Properties.PublishingProfile.StorageAccountType != armcompute.StorageAccountTypeStandardLRS ||
		*body.Properties.PublishingProfile.ReplicationMode != armcompute.ReplicationModeFull {
		t.Error("the profile's storage type and replication mode are not repeated")
	}
	if desired.Properties.PublishingProfile.StorageAccountType != nil {
		t.Error("PutBody changed the desired body")
	}
}

func ptrOr[T ~string](p *T) T {
	if p == nil {
		return ""
	}
	return *p
}

func TestInProgressAndNotices(t *testing.T) {
	o := &v1alpha1.GalleryImageVersion{}
	k := Kind{}
	replicating := echo(DesiredVersion(spec()))
	replicating.Properties.ReplicationStatus = &armcompute.ReplicationStatus{AggregatedState: to.Ptr(armcompute.AggregatedReplicationStateInProgress),
		Summary: []*armcompute.RegionalReplicationStatus{
			{Region: to.Ptr("West Europe"), State: to.Ptr(armcompute.ReplicationStateCompleted), Progress: to.Ptr[int32](100)},
			{Region: to.Ptr("North Europe"), State: to.Ptr(armcompute.ReplicationStateReplicating), Progress: to.Ptr[int32](40)}}}
	before := o.DeepCopy()
	k.ReportStatus(o, replicating)
	msg, busy := k.InProgress(o, replicating)
	if !busy || o.Status.Replication != "1/2" || !strings.Contains(msg, "North Europe Replicating 40%") {
		t.Errorf("while replicating: busy %v, replication %q, message %q", busy, o.Status.Replication, msg)
	}
	if n := k.Notices(before, o); len(n) != 1 || n[0].Reason != replication.ReasonRegionReplicated || !strings.Contains(n[0].Message, "West Europe") {
		t.Errorf("notices after the first region: %+v", n)
	}
	done := echo(DesiredVersion(spec()))
	done.Properties.ReplicationStatus = &armcompute.ReplicationStatus{AggregatedState: to.Ptr(armcompute.AggregatedReplicationStateCompleted),
		Summary: []*armcompute.RegionalReplicationStatus{
			{Region: to.Ptr("West Europe"), State: to.Ptr(armcompute.ReplicationStateCompleted)},
			{Region: to.Ptr("North Europe"), State: to.Ptr(armcompute.ReplicationStateFailed), Details: to.Ptr("disk copy failed")}}}
	before = o.DeepCopy()
	k.ReportStatus(o, done)
	if n := k.Notices(before, o); len(n) != 1 || !n[0].Warning || n[0].Reason != replication.ReasonRegionFailed || !strings.Contains(n[0].Message, "disk copy failed") {
		t.Errorf("notices after a failed region: %+v", n)
	}
	plain := echo(DesiredVersion(spec())) // a read without $expand keeps what was known
	k.ReportStatus(o, plain)
	if o.Status.ReplicationStatus == nil {
		t.Error("a read without replication status erased it")
	}
}

func TestDeleteBlocked(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	v := echo(DesiredVersion(spec()))
	if e := (Kind{}).DeleteBlocked(nil, v, now); e != nil {
		t.Errorf("blocked without the flag: %v", e)
	}
	v.Properties.SafetyProfile.BlockDeletionBeforeEndOfLife = to.Ptr(true)
	if e := (Kind{}).DeleteBlocked(nil, v, now); e == nil || !e.Terminal || !strings.Contains(e.Message, "2031-01-01") {
		t.Errorf("before end of life: %+v", e)
	}
	if e := (Kind{}).DeleteBlocked(nil, v, eol.Add(time.Hour)); e != nil {
		t.Errorf("after end of life: %v", e)
	}
}
