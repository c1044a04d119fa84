package controllers_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kstatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/kinds/profile"
	"github.com/azgallery/gallery-operator/internal/reconcile"
)

// newProfile returns a valid GalleryInVMAccessControlProfile in the suite's gallery whose Azure
// name is unique to the test.
func newProfile(ns, name string) *v1alpha1.GalleryInVMAccessControlProfile {
	return &v1alpha1.GalleryInVMAccessControlProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.GalleryInVMAccessControlProfileSpec{
			ResourceGroupName: group, GalleryName: gallery, AzureName: ns + "-" + name, Location: "West Europe",
			Tags: map[string]string{"owner": "suite"},
			Properties: v1alpha1.GalleryInVMAccessControlProfileProperties{Description: "suite profile",
				OSType: v1alpha1.OperatingSystemTypeLinux, ApplicableHostEndpoint: v1alpha1.EndpointTypeWireServer},
		},
	}
}

// newProfileVersion returns a version of the profile object p (by profileRef) with Azure's
// example rules, replicated to regions.
func newProfileVersion(p *v1alpha1.GalleryInVMAccessControlProfile, name string, regions ...string) *v1alpha1.GalleryInVMAccessControlProfileVersion {
	v := &v1alpha1.GalleryInVMAccessControlProfileVersion{
		ObjectMeta: metav1.ObjectMeta{Namespace: p.Namespace, Name: name},
		Spec: v1alpha1.GalleryInVMAccessControlProfileVersionSpec{
			ProfileRef: &v1alpha1.LocalObjectReference{Name: p.Name}, Location: location,
			Properties: v1alpha1.GalleryInVMAccessControlProfileVersionProperties{Mode: "Audit", DefaultAccess: "Allow",
				Rules: &v1alpha1.AccessControlRules{
					Privileges:      []v1alpha1.AccessControlRulesPrivilege{{Name: "GoalState", Path: "/machine", QueryParameters: map[string]string{"comp": "goalstate"}}},
					Roles:           []v1alpha1.AccessControlRulesRole{{Name: "Provisioning", Privileges: []string{"GoalState"}}},
					Identities:      []v1alpha1.AccessControlRulesIdentity{{Name: "Agent", UserName: "root", ProcessName: "waagent"}},
					RoleAssignments: []v1alpha1.AccessControlRulesRoleAssignment{{Role: "Provisioning", Identities: []string{"Agent"}}},
				}},
		},
	}
	for _, r := range regions {
		v.Spec.Properties.TargetLocations = append(v.Spec.Properties.TargetLocations, v1alpha1.TargetRegion{Name: r})
	}
	return v
}

// profilePath is the ARM path of p in the suite's gallery, lower-cased like the request log.
func profilePath(p *v1alpha1.GalleryInVMAccessControlProfile) string {
	return strings.ToLower(fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/galleries/%s/inVMAccessControlProfiles/%s",
		azureEnv.subscription, group, gallery, p.AzureProfileName()))
}

func createAll(t *testing.T, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		if err := k8s.Create(context.Background(), o); err != nil {
			t.Fatalf("creating %s: %v", o.GetName(), err)
		}
	}
}

// expandReplication asks for a version's replication status, which the SDK's options cannot.
type expandReplication struct{}

func (expandReplication) Do(req *policy.Request) (*http.Response, error) {
	q := req.Raw().URL.Query()
	q.Set("$expand", "ReplicationStatus")
	req.Raw().URL.RawQuery = q.Encode()
	return req.Next()
}

// azureProfileVersion reads the version whose ARM ID is id, with its replication; nil when
// absent.
func (e *emulatorEnv) azureProfileVersion(t *testing.T, id string) *armcompute.GalleryInVMAccessControlProfileVersion {
	t.Helper()
	opts := *e.clientOptions()
	opts.PerCallPolicies = append(slices.Clone(opts.PerCallPolicies), expandReplication{})
	c, err := armcompute.NewGalleryInVMAccessControlProfileVersionsClient(e.subscription, e.cred, &opts)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(id, "/")
	n := len(parts)
	resp, err := c.Get(context.Background(), parts[4], parts[n-5], parts[n-3], parts[n-1], nil)
	if azure.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatalf("reading %s: %v", id, err)
	}
	return &resp.GalleryInVMAccessControlProfileVersion
}

// TestProfileLifecycle: a profile becomes Ready with one PUT, a description change is one more,
// nothing is written at rest or after a restart of the manager.
func TestProfileLifecycle(t *testing.T) {
	mgr := startManager(t)
	p := newProfile(newNamespace(t), "lifecycle")
	path := profilePath(p)
	createAll(t, p)
	cur := waitFor(t, p, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	if n := azureEnv.count(t, "PUT", path); n != 1 {
		t.Fatalf("create → Ready sent %d PUTs, want 1", n)
	}
	if !strings.EqualFold(cur.Status.ID, path) || cur.Status.ProvisioningState != "Succeeded" {
		t.Errorf("status after create: id %q, provisioningState %q", cur.Status.ID, cur.Status.ProvisioningState)
	}
	if s := kstatusOf(t, cur, "GalleryInVMAccessControlProfile"); s != kstatus.CurrentStatus {
		t.Errorf("kstatus of a Ready profile is %s", s)
	}
	cur.Spec.Properties.Description = "changed"
	if err := k8s.Update(context.Background(), cur); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	if n := azureEnv.count(t, "PUT", path); n != 2 {
		t.Fatalf("a description change: %d PUTs in all, want 2", n)
	}
	time.Sleep(2 * syncPeriod)
	mgr.stop()
	startManager(t)
	time.Sleep(2 * time.Second)
	waitFor(t, p, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	if n := azureEnv.count(t, "PUT", path); n != 2 {
		t.Fatalf("at rest and after a restart: %d PUTs in all, want 2", n)
	}
}

// TestProfileVersionReplicatesThenReady: a version becomes Ready with one PUT, only once every
// target location is replicated, with the progress in its status before; a change of its rules
// is one more PUT; nothing is written at rest or after a restart.
func TestProfileVersionReplicatesThenReady(t *testing.T) {
	mgr := startManager(t)
	p := newProfile(newNamespace(t), "replicated")
	createAll(t, p)
	waitFor(t, p, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	// long enough for its progress to be shown (a write shows it after 10 s)
	azureEnv.patchConfig(t, map[string]any{"replicationSecondsPerRegion": 8})
	t.Cleanup(func() { azureEnv.patchConfig(t, map[string]any{"replicationSecondsPerRegion": replicationPerRegion}) })
	v := newProfileVersion(p, "1.0.0", location, "northeurope")
	path := profilePath(p) + "/versions/1.0.0"
	createAll(t, v)
	var progress *v1alpha1.GalleryInVMAccessControlProfileVersion
	eventually(t, readyTimeout, "replication progress in the status", func() (bool, string) {
		progress = fetch(t, v)
		c := meta.FindStatusCondition(progress.Status.Conditions, v1alpha1.ConditionReconciling)
		return c != nil && strings.Contains(c.Message, "Replicated to") && strings.HasSuffix(progress.Status.Replication, "/2"),
			fmt.Sprintf("%+v", progress.Status)
	})
	if s := kstatusOf(t, progress, "GalleryInVMAccessControlProfileVersion"); s != kstatus.InProgressStatus {
		t.Errorf("kstatus while replicating is %s, want InProgress", s)
	}
	cur := waitFor(t, v, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	rs := azureEnv.azureProfileVersion(t, cur.Status.ID).Properties.ReplicationStatus
	if rs == nil || azure.StrOf(rs.AggregatedState) != "Completed" || cur.Status.Replication != "2/2" || cur.Status.PublishedDate == nil {
		t.Fatalf("Ready with Azure's replication %+v, status %+v", rs, cur.Status.ReplicatedStatus)
	}
	if n := azureEnv.count(t, "PUT", path); n != 1 {
		t.Fatalf("create → Ready sent %d PUTs, want 1", n)
	}
	waitEvent(t, v.Namespace, v.Name, "RegionReplicated")

	cur.Spec.Properties.Mode = "Enforce"
	cur.Spec.Properties.Rules.Identities[0].ProcessName = "walinuxagent"
	if err := k8s.Update(context.Background(), cur); err != nil {
		t.Fatal(err)
	}
	cur = waitFor(t, v, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	got := azureEnv.azureProfileVersion(t, cur.Status.ID).Properties
	if azure.StrOf(got.Mode) != "Enforce" || azure.StrOf(got.Rules.Identities[0].ProcessName) != "walinuxagent" {
		t.Errorf("Azure holds mode %s, identity %+v after the change", azure.StrOf(got.Mode), got.Rules.Identities[0])
	}
	if n := azureEnv.count(t, "PUT", path); n != 2 {
		t.Fatalf("a change of the rules: %d PUTs in all, want 2", n)
	}
	time.Sleep(2 * syncPeriod)
	mgr.stop()
	startManager(t)
	time.Sleep(2 * time.Second)
	waitFor(t, v, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	if n := azureEnv.count(t, "PUT", path); n != 2 {
		t.Fatalf("at rest and after a restart: %d PUTs in all, want 2", n)
	}
}

// TestProfileBadReferencesReportAzureError: a profile in a gallery that does not exist, and a
// version (by path) of a profile that does not exist, show Azure's error in their status.
func TestProfileBadReferencesReportAzureError(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	p := newProfile(ns, "nogallery")
	p.Spec.GalleryName = "missing_gallery"
	v := &v1alpha1.GalleryInVMAccessControlProfileVersion{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "1.0.0"},
		Spec: v1alpha1.GalleryInVMAccessControlProfileVersionSpec{ResourceGroupName: group, GalleryName: gallery,
			InVMAccessControlProfileName: "missing-profile", Location: location,
			Properties: v1alpha1.GalleryInVMAccessControlProfileVersionProperties{Mode: "Audit", DefaultAccess: "Deny"}},
	}
	createAll(t, p, v)
	for _, o := range []reconcile.Object{p, v} {
		eventually(t, readyTimeout, o.GetName()+": Azure's error in the status", func() (bool, string) {
			cur := fetch(t, o)
			st := cur.GetARMStatus()
			ready := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionReady)
			return st.Error != nil && st.Error.Code != "" && ready != nil && ready.Status == metav1.ConditionFalse &&
				ready.Reason == st.Error.Code && strings.Contains(strings.ToLower(st.Error.Message), "missing"), fmt.Sprintf("%+v", st)
		})
	}
}

// TestProfileDeletionOrder: a profile of a Gallery object and its version; deleting the Gallery
// and the profile first waits, visibly, while their children exist in Azure; deleting the
// version lets the profile and then the Gallery go.
func TestProfileDeletionOrder(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	g := newGallery(ns, "parent")
	p := newProfile(ns, "child")
	p.Spec.ResourceGroupName, p.Spec.GalleryName = "", ""
	p.Spec.GalleryRef = &v1alpha1.LocalObjectReference{Name: g.Name}
	v := newProfileVersion(p, "1.0.0")
	createAll(t, g, p, v)
	cur := waitFor(t, v, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	wantID := strings.ToLower(galleryPath(g) + "/inVMAccessControlProfiles/" + p.AzureProfileName() + "/versions/1.0.0")
	if strings.ToLower(cur.Status.ID) != wantID {
		t.Fatalf("the version was written to %q, want %q", cur.Status.ID, wantID)
	}

	for _, o := range []client.Object{g, p} {
		if err := k8s.Delete(context.Background(), o); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, g, v1alpha1.ConditionReconciling, metav1.ConditionTrue, "", readyTimeout)
	waitFor(t, p, v1alpha1.ConditionReconciling, metav1.ConditionTrue, profile.ReasonWaitingForVersions, readyTimeout)
	if azureEnv.azureGallery(t, g) == nil || azureEnv.azureProfileVersion(t, cur.Status.ID) == nil {
		t.Fatal("the gallery or the version is gone from Azure before the version's object was deleted")
	}
	if err := k8s.Delete(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	for _, o := range []client.Object{v, p, g} {
		waitDeleted(t, o, readyTimeout)
	}
	if n := azureEnv.count(t, "DELETE", wantID); n != 1 {
		t.Errorf("sent %d DELETEs for the version, want 1", n)
	}
	if azureEnv.azureGallery(t, g) != nil {
		t.Fatal("the gallery is still in Azure after its object went away")
	}
}
