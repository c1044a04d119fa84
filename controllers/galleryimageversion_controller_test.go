package controllers_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	azruntime "github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	kstatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/reconcile"
)

// replicationPerRegion is how long the emulator takes to replicate a version to one region in
// these suites.
const replicationPerRegion = 1.5

// createManagedImage makes a managed image (a version's source) in Azure directly, in location.
func (e *emulatorEnv) createManagedImage(t *testing.T, name, loc string) string {
	t.Helper()
	c, err := armcompute.NewImagesClient(e.subscription, e.cred, e.clientOptions())
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.BeginCreateOrUpdate(context.Background(), group, name, armcompute.Image{
		Location: to.Ptr(loc),
		Properties: &armcompute.ImageProperties{StorageProfile: &armcompute.ImageStorageProfile{OSDisk: &armcompute.ImageOSDisk{
			OSType: to.Ptr(armcompute.OperatingSystemTypesLinux), OSState: to.Ptr(armcompute.OperatingSystemStateTypesGeneralized),
			DiskSizeGB: to.Ptr[int32](30)}}},
	}, nil)
	if err != nil {
		t.Fatalf("creating managed image %s: %v", name, err)
	}
	res, err := p.PollUntilDone(context.Background(), &azruntime.PollUntilDoneOptions{Frequency: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("creating managed image %s: %v", name, err)
	}
	return *res.ID
}

// azureVersion reads v from Azure with its replication status; nil when absent.
func (e *emulatorEnv) azureVersion(t *testing.T, v *v1alpha1.GalleryImageVersion) *armcompute.GalleryImageVersion {
	t.Helper()
	cur := fetch(t, v)
	if cur.Status.ID == "" {
		return nil
	}
	c, err := armcompute.NewGalleryImageVersionsClient(e.subscription, e.cred, e.clientOptions())
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(cur.Status.ID, "/")
	n := len(parts)
	resp, err := c.Get(context.Background(), parts[4], parts[n-5], parts[n-3], parts[n-1],
		&armcompute.GalleryImageVersionsClientGetOptions{Expand: to.Ptr(armcompute.ReplicationStatusTypesReplicationStatus)})
	if azure.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatalf("reading version %s: %v", cur.Status.ID, err)
	}
	return &resp.GalleryImageVersion
}

// versionFixture is a Ready GalleryImage in the suite's gallery and a managed image to publish.
type versionFixture struct {
	ns     string
	image  *v1alpha1.GalleryImage
	source string
}

func newVersionFixture(t *testing.T, name string) versionFixture {
	t.Helper()
	ns := newNamespace(t)
	img := newImage(ns, name)
	createImage(t, img)
	waitReady(t, img, readyTimeout)
	return versionFixture{ns: ns, image: img, source: azureEnv.createManagedImage(t, strings.ReplaceAll(ns+"-"+name, "_", "-"), location)}
}

// version returns a GalleryImageVersion of the fixture's image, replicated to regions.
func (f versionFixture) version(name string, regions ...string) *v1alpha1.GalleryImageVersion {
	v := &v1alpha1.GalleryImageVersion{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: name},
		Spec: v1alpha1.GalleryImageVersionSpec{
			ImageRef: &v1alpha1.LocalObjectReference{Name: f.image.Name},
			Location: location,
			Tags:     map[string]string{"owner": "suite"},
			Properties: v1alpha1.GalleryImageVersionProperties{
				PublishingProfile: &v1alpha1.GalleryArtifactPublishingProfile{},
				StorageProfile:    v1alpha1.GalleryImageVersionStorageProfile{Source: &v1alpha1.GalleryArtifactVersionFullSource{ID: f.source}},
			},
		},
	}
	for _, r := range regions {
		v.Spec.Properties.PublishingProfile.TargetRegions = append(v.Spec.Properties.PublishingProfile.TargetRegions,
			v1alpha1.TargetRegion{Name: r, RegionalReplicaCount: ptr.To[int32](1)})
	}
	return v
}

// versionPath is the ARM path of the fixture's version name, lower-cased.
func (f versionFixture) versionPath(name string) string {
	return imagePath(f.image) + "/versions/" + name
}

// regionStates lists region=state of the version in Azure, sorted.
func regionStates(v *armcompute.GalleryImageVersion) []string {
	var out []string
	if v == nil || v.Properties == nil || v.Properties.ReplicationStatus == nil {
		return nil
	}
	for _, r := range v.Properties.ReplicationStatus.Summary {
		out = append(out, azure.CanonicalLocation(*r.Region)+"="+string(*r.State))
	}
	slices.Sort(out)
	return out
}

// TestVersionReplicatesThenReady: create → one PUT → progress visible while replicating → Ready
// only once every region is replicated; adding a region is one PUT and replicates only it;
// removing one (with the safety flag) is one PUT; at rest nothing is written.
func TestVersionReplicatesThenReady(t *testing.T) {
	startManager(t)
	f := newVersionFixture(t, "replicated")
	// long enough for its progress to be shown (a write shows it after 10 s)
	azureEnv.patchConfig(t, map[string]any{"replicationSecondsPerRegion": 8})
	t.Cleanup(func() { azureEnv.patchConfig(t, map[string]any{"replicationSecondsPerRegion": replicationPerRegion}) })
	v := f.version("1.0.0", location, "northeurope")
	path := f.versionPath("1.0.0")
	if err := k8s.Create(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	// Progress is visible before Ready: Reconciling with the regions, and the printer column.
	var progress *v1alpha1.GalleryImageVersion
	eventually(t, readyTimeout, "replication progress in the status", func() (bool, string) {
		progress = fetch(t, v)
		c := meta.FindStatusCondition(progress.Status.Conditions, v1alpha1.ConditionReconciling)
		return c != nil && strings.Contains(c.Message, "Replicated to") && progress.Status.ReplicationStatus != nil &&
			strings.HasSuffix(progress.Status.Replication, "/2"), fmt.Sprintf("%+v", progress.Status)
	})
	if s := kstatusOf(t, progress, "GalleryImageVersion"); s != kstatus.InProgressStatus {
		t.Errorf("kstatus while replicating is %s, want InProgress", s)
	}
	cur := waitFor(t, v, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	if got := regionStates(azureEnv.azureVersion(t, v)); !slices.Equal(got, []string{"northeurope=Completed", "westeurope=Completed"}) {
		t.Fatalf("Ready while Azure reports %v", got)
	}
	if cur.Status.Replication != "2/2" || cur.Status.PublishedDate == nil {
		t.Errorf("status after replication: replication %q, publishedDate %v", cur.Status.Replication, cur.Status.PublishedDate)
	}
	if n := azureEnv.count(t, "PUT", path); n != 1 {
		t.Fatalf("create → Ready sent %d PUTs, want 1", n)
	}
	waitEvent(t, v.Namespace, v.Name, "RegionReplicated")

	// Add a region: one PUT, only the new region replicates.
	cur.Spec.Properties.PublishingProfile.TargetRegions = append(cur.Spec.Properties.PublishingProfile.TargetRegions,
		v1alpha1.TargetRegion{Name: "eastus", RegionalReplicaCount: ptr.To[int32](1)})
	if err := k8s.Update(context.Background(), cur); err != nil {
		t.Fatal(err)
	}
	eventually(t, readyTimeout, "the new region replicating alone", func() (bool, string) {
		got := regionStates(azureEnv.azureVersion(t, v))
		return len(got) == 3 && got[0] != "eastus=Completed", fmt.Sprint(got)
	})
	if got := regionStates(azureEnv.azureVersion(t, v)); !slices.Contains(got, "northeurope=Completed") || !slices.Contains(got, "westeurope=Completed") {
		t.Errorf("the regions already replicated started again: %v", got)
	}
	cur = waitFor(t, v, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	if n := azureEnv.count(t, "PUT", path); n != 2 {
		t.Fatalf("adding a region: %d PUTs in all, want 2", n)
	}

	// Remove a region, with the safety flag: one PUT, the region is gone.
	cur.Spec.Properties.SafetyProfile = &v1alpha1.GalleryImageVersionSafetyProfile{AllowDeletionOfReplicatedLocations: ptr.To(true)}
	cur.Spec.Properties.PublishingProfile.TargetRegions = slices.DeleteFunc(cur.Spec.Properties.PublishingProfile.TargetRegions,
		func(r v1alpha1.TargetRegion) bool { return r.Name == "northeurope" })
	if err := k8s.Update(context.Background(), cur); err != nil {
		t.Fatal(err)
	}
	waitFor(t, v, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	if got := regionStates(azureEnv.azureVersion(t, v)); !slices.Equal(got, []string{"eastus=Completed", "westeurope=Completed"}) {
		t.Fatalf("after removing northeurope Azure reports %v", got)
	}
	if n := azureEnv.count(t, "PUT", path); n != 3 {
		t.Fatalf("removing a region: %d PUTs in all, want 3", n)
	}
	time.Sleep(2 * syncPeriod)
	if n := azureEnv.count(t, "PUT", path); n != 3 {
		t.Fatalf("at rest: %d PUTs in all, want 3", n)
	}
}

// TestVersionRestartMidReplication: a manager stopped while a version replicates is replaced by
// another that resumes polling from the status, without a PUT.
func TestVersionRestartMidReplication(t *testing.T) {
	mgr := startManager(t)
	f := newVersionFixture(t, "restarted")
	v := f.version("1.0.0", location, "northeurope", "eastus")
	path := f.versionPath("1.0.0")
	if err := k8s.Create(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	eventually(t, readyTimeout, "the operation recorded in the status", func() (bool, string) {
		cur := fetch(t, v)
		return cur.Status.Operation != nil && cur.Status.Operation.ResumeToken != "", ""
	})
	mgr.stop()
	if got := regionStates(azureEnv.azureVersion(t, v)); slices.Equal(got, []string{"eastus=Completed", "northeurope=Completed", "westeurope=Completed"}) {
		t.Fatal("replication ended before the restart; the test proves nothing")
	}
	startManager(t)
	waitFor(t, v, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	if n := azureEnv.count(t, "PUT", path); n != 1 {
		t.Fatalf("a restart mid-replication sent PUTs: %d in all, want 1", n)
	}
}

// TestVersionMissingSourceReportsAzureError: a source that does not exist fails as in Azure, and
// stalls: only the user can fix the reference, so it is not retried on a transient backoff.
func TestVersionMissingSourceReportsAzureError(t *testing.T) {
	startManager(t, func(o *reconcile.Options) { o.TerminalRetry = time.Hour })
	f := newVersionFixture(t, "nosource")
	v := f.version("1.0.0", location)
	v.Spec.Properties.StorageProfile.Source.ID = strings.Replace(f.source, "/images/", "/images/missing-", 1)
	if err := k8s.Create(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	cur := waitFor(t, v, v1alpha1.ConditionReady, metav1.ConditionFalse, "", readyTimeout)
	eventually(t, readyTimeout, "Azure's error in the status", func() (bool, string) {
		cur = fetch(t, v)
		return cur.Status.Error != nil && cur.Status.Error.Code != "", fmt.Sprintf("%+v", cur.Status)
	})
	ready := meta.FindStatusCondition(cur.Status.Conditions, v1alpha1.ConditionReady)
	if ready.Reason != cur.Status.Error.Code || !strings.Contains(strings.ToLower(cur.Status.Error.Message), "missing-") {
		t.Errorf("Ready %s/%q does not carry Azure's error %+v", ready.Reason, ready.Message, cur.Status.Error)
	}
	cur = waitFor(t, v, v1alpha1.ConditionStalled, metav1.ConditionTrue, cur.Status.Error.Code, readyTimeout)
	if !cur.Status.Error.Terminal {
		t.Errorf("a missing source is not terminal: %+v", cur.Status.Error)
	}
	// Not retried every few seconds (a transient backoff of 2 s, doubling, would have sent four
	// more PUTs by now), but at once when the spec changes (the source itself is immutable: a
	// change of tags here, which Azure refuses again for the same source).
	time.Sleep(20 * time.Second)
	if n := azureEnv.count(t, "PUT", f.versionPath("1.0.0")); n != 1 {
		t.Errorf("a version with a missing source was PUT %d times, want 1 until its spec changes", n)
	}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(v), v); err != nil {
			return err
		}
		v.Spec.Tags = map[string]string{"retry": "now"}
		return k8s.Update(context.Background(), v)
	})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, readyTimeout, "one more PUT after the spec changed", func() (bool, string) {
		n := azureEnv.count(t, "PUT", f.versionPath("1.0.0"))
		return n == 2, fmt.Sprintf("%d PUTs", n)
	})
	waitFor(t, v, v1alpha1.ConditionStalled, metav1.ConditionTrue, cur.Status.Error.Code, readyTimeout)
}

// TestVersionDeleteAndImageWaitsForVersions: deleting the image first waits, visibly, while its
// version exists; deleting the version removes it from Azure; then the image goes too.
func TestVersionDeleteAndImageWaitsForVersions(t *testing.T) {
	startManager(t)
	f := newVersionFixture(t, "deleted")
	v := f.version("1.0.0", location)
	if err := k8s.Create(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	waitFor(t, v, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	deleteImage(t, f.image)
	waitFor(t, f.image, v1alpha1.ConditionReconciling, metav1.ConditionTrue, "WaitingForImageVersions", readyTimeout)
	if !azureEnv.exists(t, f.image) {
		t.Fatal("the image definition is gone from Azure while it had a version")
	}
	azID := fetch(t, v).Status.ID
	if err := k8s.Delete(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	waitDeleted(t, v, readyTimeout)
	if n := azureEnv.count(t, "DELETE", strings.ToLower(azID)); n != 1 {
		t.Errorf("sent %d DELETEs for the version, want 1", n)
	}
	waitGone(t, f.image, readyTimeout)
	if azureEnv.exists(t, f.image) {
		t.Fatal("the image definition is still in Azure")
	}
}

// TestVersionFailedRegionReportsAzureError: a region whose replication fails is reported with
// Azure's error (classified like any other), with a warning event naming the region; once the
// fault is gone, the version is written again and becomes Ready.
func TestVersionFailedRegionReportsAzureError(t *testing.T) {
	startManager(t)
	f := newVersionFixture(t, "regionfails")
	v := f.version("1.0.0", location, "northeurope")
	azureEnv.patchConfig(t, map[string]any{"failReplication": []map[string]any{{
		"versionPathPattern": "(?i)" + f.versionPath("1.0.0") + "$", "region": "northeurope",
		"code": "InternalExecutionError", "message": "Replication to northeurope failed: storage unavailable.", "count": 1}}})
	t.Cleanup(func() { azureEnv.patchConfig(t, map[string]any{"failReplication": []any{}}) })
	if err := k8s.Create(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	var cur *v1alpha1.GalleryImageVersion
	eventually(t, readyTimeout, "the failed region in the status", func() (bool, string) {
		cur = fetch(t, v)
		e := cur.Status.Error
		return e != nil && e.Code == "InternalExecutionError" && strings.Contains(e.Message, "northeurope"), fmt.Sprintf("%+v", cur.Status)
	})
	waitEvent(t, v.Namespace, v.Name, "OperationFailed")
	waitFor(t, v, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	if got := regionStates(azureEnv.azureVersion(t, v)); !slices.Equal(got, []string{"northeurope=Completed", "westeurope=Completed"}) {
		t.Fatalf("after the retry Azure reports %v", got)
	}
}
