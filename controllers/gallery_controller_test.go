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
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	kstatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
	gallerykind "github.com/azgallery/gallery-operator/internal/kinds/gallery"
	"github.com/azgallery/gallery-operator/internal/reconcile"
)

const (
	shareSubA = "00000000-0000-0000-0000-0000000000a1"
	shareSubB = "00000000-0000-0000-0000-0000000000b2"
)

// newGallery returns a valid Gallery in ns whose Azure name is unique to the test.
func newGallery(ns, name string) *v1alpha1.Gallery {
	return &v1alpha1.Gallery{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.GallerySpec{
			ResourceGroupName: group,
			AzureName:         strings.ReplaceAll(ns+"_"+name, "-", "_"),
			Location:          "West Europe",
			Tags:              map[string]string{"owner": "suite"},
			Properties:        v1alpha1.GalleryProperties{Description: "suite gallery"},
		},
	}
}

// galleryPath is the ARM path of g, lower-cased like the emulator's request log.
func galleryPath(g *v1alpha1.Gallery) string {
	return strings.ToLower(fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/galleries/%s",
		azureEnv.subscription, g.Spec.ResourceGroupName, g.AzureGalleryName()))
}

// azureGallery reads g from Azure with its sharing groups; nil when absent.
func (e *emulatorEnv) azureGallery(t *testing.T, g *v1alpha1.Gallery) *armcompute.Gallery {
	t.Helper()
	c, err := armcompute.NewGalleriesClient(e.subscription, e.cred, e.clientOptions())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(context.Background(), g.Spec.ResourceGroupName, g.AzureGalleryName(),
		&armcompute.GalleriesClientGetOptions{Expand: to.Ptr(armcompute.GalleryExpandParamsSharingProfileGroups)})
	if err != nil {
		if azure.IsNotFound(err) {
			return nil
		}
		t.Fatalf("reading gallery %s: %v", g.AzureGalleryName(), err)
	}
	return &resp.Gallery
}

// fetch reads the current version of obj into a copy.
func fetch[T client.Object](t *testing.T, obj T) T {
	t.Helper()
	out := obj.DeepCopyObject().(T)
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), out); err != nil {
		t.Fatalf("getting %s: %v", obj.GetName(), err)
	}
	return out
}

// waitFor waits until obj has condType with status (and reason, when not empty) for its
// current generation.
func waitFor[T reconcile.Object](t *testing.T, obj T, condType string, status metav1.ConditionStatus, reason string, timeout time.Duration) T {
	t.Helper()
	var cur T
	eventually(t, timeout, fmt.Sprintf("%s %s=%s (%s)", obj.GetName(), condType, status, reason), func() (bool, string) {
		cur = fetch(t, obj)
		c := meta.FindStatusCondition(cur.GetARMStatus().Conditions, condType)
		return c != nil && c.Status == status && (reason == "" || c.Reason == reason) && c.ObservedGeneration == cur.GetGeneration(),
			fmt.Sprintf("%+v", cur.GetARMStatus().Conditions)
	})
	return cur
}

// waitDeleted waits until obj no longer exists in Kubernetes.
func waitDeleted(t *testing.T, obj client.Object, timeout time.Duration) {
	t.Helper()
	eventually(t, timeout, obj.GetName()+" gone", func() (bool, string) {
		err := k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj.DeepCopyObject().(client.Object))
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
}

// kstatusOf computes kstatus for any of our objects.
func kstatusOf(t *testing.T, obj client.Object, kind string) kstatus.Status {
	t.Helper()
	u := toUnstructured(t, obj, kind)
	res, err := kstatus.Compute(u)
	if err != nil {
		t.Fatal(err)
	}
	return res.Status
}

// TestGalleryLifecycle: a Gallery becomes Ready with exactly one PUT, a description change is one
// more, nothing is written at rest or after a restart, and drift is corrected.
func TestGalleryLifecycle(t *testing.T) {
	mgr := startManager(t)
	g := newGallery(newNamespace(t), "lifecycle")
	path := galleryPath(g)
	if err := k8s.Create(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	cur := waitFor(t, g, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	if n := azureEnv.count(t, "PUT", path); n != 1 {
		t.Fatalf("create → Ready sent %d PUTs, want 1", n)
	}
	if cur.Status.Identifier == nil || cur.Status.Identifier.UniqueName == "" || !strings.EqualFold(cur.Status.ID, path) {
		t.Errorf("status lacks Azure's identity: %+v", cur.Status)
	}
	if s := kstatusOf(t, cur, "Gallery"); s != kstatus.CurrentStatus {
		t.Errorf("kstatus of a Ready gallery is %s", s)
	}

	cur.Spec.Properties.Description = "changed"
	if err := k8s.Update(context.Background(), cur); err != nil {
		t.Fatal(err)
	}
	waitFor(t, g, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	if d := azure.StrOf(azureEnv.azureGallery(t, g).Properties.Description); d != "changed" {
		t.Fatalf("Azure holds description %q", d)
	}
	if n := azureEnv.count(t, "PUT", path); n != 2 {
		t.Fatalf("a description change: %d PUTs in all, want 2", n)
	}

	time.Sleep(2*syncPeriod + syncPeriod/2)
	if n := azureEnv.count(t, "PUT", path); n != 2 {
		t.Fatalf("at rest: %d PUTs in all, want 2", n)
	}
	mgr.stop()
	startManager(t)
	time.Sleep(2 * time.Second)
	if n := azureEnv.count(t, "PUT", path); n != 2 {
		t.Fatalf("after a restart: %d PUTs in all, want 2", n)
	}

	azureEnv.putGalleryOutside(t, g, "changed in the portal")
	eventually(t, readyTimeout, "drift corrected", func() (bool, string) {
		d := azure.StrOf(azureEnv.azureGallery(t, g).Properties.Description)
		return d == "changed", d
	})
	if n := azureEnv.count(t, "PUT", path); n != 4 { // ours, the portal's, ours
		t.Fatalf("drift: %d PUTs in all, want 4 (2 + the outside change + one correction)", n)
	}
}

// createSharedGallery creates a Gallery shared with one subscription and waits until it is
// Ready; it returns it, its share action's path and the Ready object.
func createSharedGallery(t *testing.T, name string) (*v1alpha1.Gallery, string, *v1alpha1.Gallery) {
	t.Helper()
	g := newGallery(newNamespace(t), name)
	g.Spec.Properties.SharingProfile = &v1alpha1.SharingProfile{Permissions: v1alpha1.SharingGroups,
		Groups: []v1alpha1.SharingProfileGroup{{Type: "Subscriptions", IDs: []string{shareSubA}}}}
	if err := k8s.Create(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	return g, galleryPath(g) + "/share", waitFor(t, g, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
}

// TestGallerySharingGroups: groups declared in the spec reach Azure through the share action,
// once per change, and nothing is sent when they match.
func TestGallerySharingGroups(t *testing.T) {
	startManager(t)
	g, share, cur := createSharedGallery(t, "shared")
	if n := azureEnv.count(t, "POST", share); n != 1 {
		t.Fatalf("sharing with one subscription sent %d share actions, want 1", n)
	}
	if got := sharedIDs(azureEnv.azureGallery(t, g)); !slices.Equal(got, []string{shareSubA}) {
		t.Fatalf("Azure shares with %v, want [%s]", got, shareSubA)
	}
	if cur.Status.SharingProfile == nil || len(cur.Status.SharingProfile.Groups) != 1 {
		t.Errorf("status does not show the groups: %+v", cur.Status.SharingProfile)
	}

	cur.Spec.Properties.SharingProfile.Groups[0].IDs = []string{shareSubB}
	if err := k8s.Update(context.Background(), cur); err != nil {
		t.Fatal(err)
	}
	waitFor(t, g, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	if got := sharedIDs(azureEnv.azureGallery(t, g)); !slices.Equal(got, []string{shareSubB}) {
		t.Fatalf("Azure shares with %v, want [%s]", got, shareSubB)
	}
	if n := azureEnv.count(t, "POST", share); n != 3 {
		t.Fatalf("replacing a subscription sent %d share actions in all, want 3 (add, then remove and add)", n)
	}
	if n := azureEnv.count(t, "PUT", galleryPath(g)); n != 1 {
		t.Errorf("a change of groups sent PUTs: %d in all, want 1", n)
	}
	time.Sleep(2 * syncPeriod)
	if n := azureEnv.count(t, "POST", share); n != 3 {
		t.Fatalf("at rest: %d share actions in all, want 3", n)
	}

	// Azure refuses to delete a shared gallery: the deletion unshares it (Reset) first.
	if err := k8s.Delete(context.Background(), cur); err != nil {
		t.Fatal(err)
	}
	waitDeleted(t, g, readyTimeout)
	if azureEnv.azureGallery(t, g) != nil {
		t.Fatal("the shared gallery is still in Azure after its object went away")
	}
	if n := azureEnv.count(t, "POST", share); n != 4 {
		t.Errorf("deletion sent %d share actions in all, want 4 (3 + the Reset)", n)
	}
}

// TestGalleryMadePrivate: a gallery whose spec drops its sharing is made private with the share
// action Reset (a PUT without a sharing profile keeps Azure's permissions), once, and then rests.
func TestGalleryMadePrivate(t *testing.T) {
	startManager(t)
	g, share, cur := createSharedGallery(t, "private")
	cur.Spec.Properties.SharingProfile = nil
	if err := k8s.Update(context.Background(), cur); err != nil {
		t.Fatal(err)
	}
	eventually(t, readyTimeout, "Azure's gallery private", func() (bool, string) {
		sp := azureEnv.azureGallery(t, g).Properties.SharingProfile
		p := ""
		if sp != nil {
			p = string(azure.ValueOr(sp.Permissions, ""))
		}
		return p == string(armcompute.GallerySharingPermissionTypesPrivate) && (sp == nil || len(sp.Groups) == 0), p
	})
	waitFor(t, g, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	if n := azureEnv.count(t, "POST", share); n != 2 {
		t.Errorf("sharing and making private sent %d share actions, want 2 (Add, Reset)", n)
	}
	puts := azureEnv.count(t, "PUT", galleryPath(g))
	time.Sleep(2 * syncPeriod)
	if n := azureEnv.count(t, "PUT", galleryPath(g)); n != puts {
		t.Errorf("at rest after making it private: %d PUTs, then %d", puts, n)
	}
}

// sharedIDs lists the subscription ids Azure shares g with, lower-cased and sorted.
func sharedIDs(g *armcompute.Gallery) []string {
	var out []string
	if g == nil || g.Properties == nil || g.Properties.SharingProfile == nil {
		return nil
	}
	for _, grp := range g.Properties.SharingProfile.Groups {
		for _, id := range grp.IDs {
			out = append(out, strings.ToLower(*id))
		}
	}
	slices.Sort(out)
	return out
}

// TestGalleryRefWaitsAndDeletionOrder: an image referencing a Gallery that does not exist yet
// waits, visibly, and becomes Ready once the Gallery does; deleting the Gallery first waits,
// visibly, until the image definition is gone, then completes.
func TestGalleryRefWaitsAndDeletionOrder(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	g := newGallery(ns, "parent")
	img := newImage(ns, "child")
	img.Spec.ResourceGroupName, img.Spec.GalleryName = "", ""
	img.Spec.GalleryRef = &v1alpha1.LocalObjectReference{Name: g.Name}
	createImage(t, img)
	waitFor(t, img, v1alpha1.ConditionReconciling, metav1.ConditionTrue, "WaitingForGallery", readyTimeout)
	if s := kstatusOf(t, fetch(t, img), "GalleryImage"); s != kstatus.InProgressStatus {
		t.Errorf("kstatus of a waiting image is %s, want InProgress", s)
	}

	if err := k8s.Create(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	waitFor(t, g, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	cur := waitFor(t, img, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	imgPath := strings.ToLower(galleryPath(g) + "/images/" + img.AzureImageName())
	if !strings.EqualFold(cur.Status.ID, imgPath) {
		t.Fatalf("the image was written to %q, want under the referenced gallery %q", cur.Status.ID, imgPath)
	}

	if err := k8s.Delete(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	waiting := waitFor(t, g, v1alpha1.ConditionReconciling, metav1.ConditionTrue, "WaitingForNestedResources", readyTimeout)
	if c := meta.FindStatusCondition(waiting.Status.Conditions, v1alpha1.ConditionReady); c == nil || c.Status != metav1.ConditionFalse ||
		!strings.Contains(c.Message, "image definitions") {
		t.Errorf("Ready while waiting for the images: %+v", c)
	}
	if azureEnv.azureGallery(t, g) == nil {
		t.Fatal("the gallery is gone from Azure while it still held an image")
	}
	deleteImage(t, img)
	waitDeleted(t, img, readyTimeout)
	waitDeleted(t, g, readyTimeout)
	if azureEnv.azureGallery(t, g) != nil {
		t.Fatal("the gallery is still in Azure after its object went away")
	}
}

// putGalleryOutside changes g's description in Azure directly, as a user in the portal would.
func (e *emulatorEnv) putGalleryOutside(t *testing.T, g *v1alpha1.Gallery, description string) {
	t.Helper()
	c, err := armcompute.NewGalleriesClient(e.subscription, e.cred, e.clientOptions())
	if err != nil {
		t.Fatal(err)
	}
	body := gallerykind.DesiredGallery(&g.Spec)
	body.Properties.Description = to.Ptr(description)
	body.Properties.SharingProfile = nil
	poller, err := c.BeginCreateOrUpdate(context.Background(), g.Spec.ResourceGroupName, g.AzureGalleryName(), body, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := poller.PollUntilDone(context.Background(), &azruntime.PollUntilDoneOptions{Frequency: 100 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
}

// toUnstructured converts one of our objects, with its kind set, for kstatus.
func toUnstructured(t *testing.T, obj client.Object, kind string) *unstructured.Unstructured {
	t.Helper()
	obj = obj.DeepCopyObject().(client.Object)
	obj.GetObjectKind().SetGroupVersionKind(v1alpha1.GroupVersion.WithKind(kind))
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		t.Fatal(err)
	}
	return &unstructured.Unstructured{Object: m}
}
