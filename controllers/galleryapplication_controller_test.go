package controllers_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	kstatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
)

// newApplication returns a valid GalleryApplication in ns, in the suite's gallery, whose Azure
// name is unique to the test.
func newApplication(ns, name string) *v1alpha1.GalleryApplication {
	return &v1alpha1.GalleryApplication{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.GalleryApplicationSpec{
			ResourceGroupName: group,
			GalleryName:       gallery,
			AzureName:         ns + "-" + name,
			Location:          "West Europe",
			Tags:              map[string]string{"owner": "suite"},
			Properties: v1alpha1.GalleryApplicationProperties{
				SupportedOSType: v1alpha1.OperatingSystemTypeLinux,
				Description:     "suite application",
				CustomActions: []v1alpha1.GalleryApplicationCustomAction{{Name: "restart", Script: "systemctl restart app",
					Parameters: []v1alpha1.GalleryApplicationCustomActionParameter{{Name: "delay", Type: "String", DefaultValue: "5"}}}},
			},
		},
	}
}

// applicationPath is the ARM path of app in the suite's gallery, lower-cased like the emulator's
// request log.
func applicationPath(app *v1alpha1.GalleryApplication) string {
	return strings.ToLower(fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/galleries/%s/applications/%s",
		azureEnv.subscription, group, gallery, app.AzureApplicationName()))
}

// TestApplicationLifecycle follows an application definition: one PUT to create, one per spec
// change, none at rest or after a restart of the manager; Azure's own description is drift that
// one PUT corrects.
func TestApplicationLifecycle(t *testing.T) {
	mgr := startManager(t)
	app := newApplication(newNamespace(t), "lifecycle")
	path := applicationPath(app)
	if err := k8s.Create(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	cur := waitFor(t, app, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	if n := azureEnv.count(t, "PUT", path); n != 1 {
		t.Fatalf("create → Ready sent %d PUTs, want 1", n)
	}
	if !strings.EqualFold(cur.Status.ID, path) {
		t.Errorf("status.id %q, want %q", cur.Status.ID, path)
	}
	if s := kstatusOf(t, cur, "GalleryApplication"); s != kstatus.CurrentStatus {
		t.Errorf("kstatus of a Ready application is %s", s)
	}
	cur.Spec.Properties.Description = "changed"
	cur.Spec.Properties.CustomActions[0].Script = "systemctl reload app"
	if err := k8s.Update(context.Background(), cur); err != nil {
		t.Fatal(err)
	}
	waitFor(t, app, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	if n := azureEnv.count(t, "PUT", path); n != 2 {
		t.Fatalf("a change sent %d PUTs in all, want 2", n)
	}
	if got := azureEnv.azureApplication(t, app); azure.StrOf(got.Properties.Description) != "changed" ||
		azure.StrOf(got.Properties.CustomActions[0].Script) != "systemctl reload app" {
		t.Fatalf("Azure holds %+v after the change", got.Properties)
	}
	time.Sleep(2 * syncPeriod)
	if n := azureEnv.count(t, "PUT", path); n != 2 {
		t.Fatalf("at rest: %d PUTs in all, want 2", n)
	}
	mgr.stop()
	startManager(t)
	time.Sleep(2 * syncPeriod)
	if n := azureEnv.count(t, "PUT", path); n != 2 {
		t.Fatalf("a manager restart sent PUTs: %d in all, want 2", n)
	}
	waitFor(t, app, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
}

// TestApplicationMissingGalleryReportsAzureError: an application in a gallery Azure does not
// have shows Azure's error, and converges once the gallery exists.
func TestApplicationMissingGalleryReportsAzureError(t *testing.T) {
	startManager(t)
	app := newApplication(newNamespace(t), "nogallery")
	app.Spec.GalleryName = "apps_late_gallery"
	if err := k8s.Create(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	cur := waitFor(t, app, v1alpha1.ConditionReady, metav1.ConditionFalse, "ParentResourceNotFound", readyTimeout)
	if cur.Status.Error == nil || cur.Status.Error.Code != "ParentResourceNotFound" || !strings.Contains(cur.Status.Error.Message, "apps_late_gallery") {
		t.Errorf("status.error %+v does not carry Azure's error", cur.Status.Error)
	}
	if err := azureEnv.createGallery(group, "apps_late_gallery"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, app, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
}

// TestApplicationGalleryRefAndDeletionOrder: an application referencing a Gallery object is
// written into it; deleting the Gallery first waits, visibly, until the application is gone.
func TestApplicationGalleryRefAndDeletionOrder(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	g := newGallery(ns, "apps")
	app := newApplication(ns, "child")
	app.Spec.ResourceGroupName, app.Spec.GalleryName = "", ""
	app.Spec.GalleryRef = &v1alpha1.LocalObjectReference{Name: g.Name}
	if err := k8s.Create(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	waitFor(t, app, v1alpha1.ConditionReconciling, metav1.ConditionTrue, "WaitingForGallery", readyTimeout)
	if err := k8s.Create(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	cur := waitFor(t, app, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	want := galleryPath(g) + "/applications/" + app.AzureApplicationName()
	if !strings.EqualFold(cur.Status.ID, want) {
		t.Fatalf("the application was written to %q, want %q", cur.Status.ID, want)
	}
	if err := k8s.Delete(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	waitFor(t, g, v1alpha1.ConditionReconciling, metav1.ConditionTrue, "WaitingForNestedResources", readyTimeout)
	if azureEnv.azureGallery(t, g) == nil {
		t.Fatal("the gallery is gone from Azure while it held an application")
	}
	if err := k8s.Delete(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	waitDeleted(t, app, readyTimeout)
	if n := azureEnv.count(t, "DELETE", strings.ToLower(want)); n != 1 {
		t.Errorf("sent %d DELETEs for the application, want 1", n)
	}
	waitDeleted(t, g, readyTimeout)
}

// azureApplication reads app (in the suite's gallery) from Azure; nil when absent.
func (e *emulatorEnv) azureApplication(t *testing.T, app *v1alpha1.GalleryApplication) *armcompute.GalleryApplication {
	t.Helper()
	c, err := armcompute.NewGalleryApplicationsClient(e.subscription, e.cred, e.clientOptions())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(context.Background(), group, gallery, app.AzureApplicationName(), nil)
	if azure.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatalf("reading application %s: %v", app.AzureApplicationName(), err)
	}
	return &resp.GalleryApplication
}

// appVersionFixture is a Ready GalleryApplication in the suite's gallery.
type appVersionFixture struct {
	ns  string
	app *v1alpha1.GalleryApplication
}

func newAppVersionFixture(t *testing.T, name string) appVersionFixture {
	t.Helper()
	ns := newNamespace(t)
	app := newApplication(ns, name)
	if err := k8s.Create(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	waitFor(t, app, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	return appVersionFixture{ns: ns, app: app}
}

// version returns a GalleryApplicationVersion of the fixture's application, replicated to
// regions.
func (f appVersionFixture) version(name string, regions ...string) *v1alpha1.GalleryApplicationVersion {
	v := &v1alpha1.GalleryApplicationVersion{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: name},
		Spec: v1alpha1.GalleryApplicationVersionSpec{
			ApplicationRef: &v1alpha1.LocalObjectReference{Name: f.app.Name},
			Location:       location,
			Tags:           map[string]string{"owner": "suite"},
			Properties: v1alpha1.GalleryApplicationVersionProperties{PublishingProfile: v1alpha1.GalleryApplicationVersionPublishingProfile{
				Source:        v1alpha1.UserArtifactSource{MediaLink: "https://suitestorage.blob.core.windows.net/apps/app.tar.gz?sig=suite"},
				ManageActions: v1alpha1.UserArtifactManage{Install: "tar -xzf app.tar.gz -C /opt/app", Remove: "rm -rf /opt/app"},
				Settings:      &v1alpha1.UserArtifactSettings{PackageFileName: "app.tar.gz"},
			}},
		},
	}
	for _, r := range regions {
		v.Spec.Properties.PublishingProfile.TargetRegions = append(v.Spec.Properties.PublishingProfile.TargetRegions,
			v1alpha1.TargetRegion{Name: r, RegionalReplicaCount: ptr.To[int32](1)})
	}
	return v
}

// versionPath is the ARM path of the fixture's version name, lower-cased.
func (f appVersionFixture) versionPath(name string) string {
	return applicationPath(f.app) + "/versions/" + name
}

// azureAppVersion reads v from Azure with its replication status; nil when absent.
func (e *emulatorEnv) azureAppVersion(t *testing.T, v *v1alpha1.GalleryApplicationVersion) *armcompute.GalleryApplicationVersion {
	t.Helper()
	id := fetch(t, v).Status.ID
	if id == "" {
		return nil
	}
	c, err := armcompute.NewGalleryApplicationVersionsClient(e.subscription, e.cred, e.clientOptions())
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(id, "/")
	n := len(parts)
	resp, err := c.Get(context.Background(), parts[4], parts[n-5], parts[n-3], parts[n-1],
		&armcompute.GalleryApplicationVersionsClientGetOptions{Expand: to.Ptr(armcompute.ReplicationStatusTypesReplicationStatus)})
	if azure.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatalf("reading application version %s: %v", id, err)
	}
	return &resp.GalleryApplicationVersion
}

// appRegionStates lists region=state of the application version in Azure, sorted.
func appRegionStates(v *armcompute.GalleryApplicationVersion) []string {
	if v == nil || v.Properties == nil {
		return nil
	}
	return regionStates(&armcompute.GalleryImageVersion{Properties: &armcompute.GalleryImageVersionProperties{ReplicationStatus: v.Properties.ReplicationStatus}})
}

// TestApplicationVersionReplicatesThenReady: create → one PUT → progress visible while
// replicating → Ready only once every region is replicated; a new install command is one PUT;
// at rest and after a restart nothing is written.
func TestApplicationVersionReplicatesThenReady(t *testing.T) {
	mgr := startManager(t)
	f := newAppVersionFixture(t, "replicated")
	// long enough for its progress to be shown (a write shows it after 10 s)
	azureEnv.patchConfig(t, map[string]any{"replicationSecondsPerRegion": 8})
	t.Cleanup(func() { azureEnv.patchConfig(t, map[string]any{"replicationSecondsPerRegion": replicationPerRegion}) })
	v := f.version("1.0.0", location, "northeurope")
	path := f.versionPath("1.0.0")
	if err := k8s.Create(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	var progress *v1alpha1.GalleryApplicationVersion
	eventually(t, readyTimeout, "replication progress in the status", func() (bool, string) {
		progress = fetch(t, v)
		c := meta.FindStatusCondition(progress.Status.Conditions, v1alpha1.ConditionReconciling)
		return c != nil && strings.Contains(c.Message, "Replicated to") && strings.HasSuffix(progress.Status.Replication, "/2"),
			fmt.Sprintf("%+v", progress.Status)
	})
	if s := kstatusOf(t, progress, "GalleryApplicationVersion"); s != kstatus.InProgressStatus {
		t.Errorf("kstatus while replicating is %s, want InProgress", s)
	}
	cur := waitFor(t, v, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	if got := appRegionStates(azureEnv.azureAppVersion(t, v)); !slices.Equal(got, []string{"northeurope=Completed", "westeurope=Completed"}) {
		t.Fatalf("Ready while Azure reports %v", got)
	}
	if cur.Status.Replication != "2/2" || cur.Status.PublishedDate == nil {
		t.Errorf("status after replication: replication %q, publishedDate %v", cur.Status.Replication, cur.Status.PublishedDate)
	}
	if n := azureEnv.count(t, "PUT", path); n != 1 {
		t.Fatalf("create → Ready sent %d PUTs, want 1", n)
	}
	waitEvent(t, v.Namespace, v.Name, "RegionReplicated")

	cur.Spec.Properties.PublishingProfile.ManageActions.Install = "tar -xzf app.tar.gz -C /opt/app && /opt/app/setup"
	if err := k8s.Update(context.Background(), cur); err != nil {
		t.Fatal(err)
	}
	waitFor(t, v, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	if n := azureEnv.count(t, "PUT", path); n != 2 {
		t.Fatalf("a new install command: %d PUTs in all, want 2", n)
	}
	if got := azureEnv.azureAppVersion(t, v); !strings.HasSuffix(azure.StrOf(got.Properties.PublishingProfile.ManageActions.Install), "/opt/app/setup") {
		t.Errorf("Azure holds install %q", azure.StrOf(got.Properties.PublishingProfile.ManageActions.Install))
	}
	time.Sleep(2 * syncPeriod)
	if n := azureEnv.count(t, "PUT", path); n != 2 {
		t.Fatalf("at rest: %d PUTs in all, want 2", n)
	}
	mgr.stop()
	startManager(t)
	time.Sleep(2 * syncPeriod)
	if n := azureEnv.count(t, "PUT", path); n != 2 {
		t.Fatalf("a manager restart sent PUTs: %d in all, want 2", n)
	}
	waitFor(t, v, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
}

// TestApplicationVersionMissingApplicationReportsAzureError: a version named by path fields in
// an application Azure does not have shows Azure's error.
func TestApplicationVersionMissingApplicationReportsAzureError(t *testing.T) {
	startManager(t)
	f := appVersionFixture{ns: newNamespace(t), app: newApplication("", "unused")}
	v := f.version("1.0.0", location)
	v.Spec.ApplicationRef = nil
	v.Spec.ResourceGroupName, v.Spec.GalleryName, v.Spec.GalleryApplicationName = group, gallery, "missing-application"
	if err := k8s.Create(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	cur := waitFor(t, v, v1alpha1.ConditionReady, metav1.ConditionFalse, "ParentResourceNotFound", readyTimeout)
	if cur.Status.Error == nil || !strings.Contains(cur.Status.Error.Message, "missing-application") {
		t.Errorf("status.error %+v does not carry Azure's error", cur.Status.Error)
	}
}

// TestApplicationVersionDeletionOrder: deleting the application first waits, visibly, while its
// version exists; deleting the version removes it from Azure; then the application goes too.
func TestApplicationVersionDeletionOrder(t *testing.T) {
	startManager(t)
	f := newAppVersionFixture(t, "deleted")
	v := f.version("1.0.0", location)
	if err := k8s.Create(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	waitFor(t, v, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	if err := k8s.Delete(context.Background(), f.app); err != nil {
		t.Fatal(err)
	}
	waitFor(t, f.app, v1alpha1.ConditionReconciling, metav1.ConditionTrue, "WaitingForApplicationVersions", readyTimeout)
	if azureEnv.azureApplication(t, f.app) == nil {
		t.Fatal("the application is gone from Azure while it had a version")
	}
	if err := k8s.Delete(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	waitDeleted(t, v, readyTimeout)
	if n := azureEnv.count(t, "DELETE", f.versionPath("1.0.0")); n != 1 {
		t.Errorf("sent %d DELETEs for the version, want 1", n)
	}
	waitDeleted(t, f.app, readyTimeout)
	if azureEnv.azureApplication(t, f.app) != nil {
		t.Error("the application is still in Azure")
	}
}
