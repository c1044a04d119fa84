package controllers_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/reconcile"
	"github.com/azgallery/gallery-operator/internal/tenancy"
	"github.com/azgallery/gallery-operator/internal/testenv"
)

// tenantNamespace creates a namespace with labels and annotations.
func tenantNamespace(t *testing.T, labels, annotations map[string]string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "tenant-", Labels: labels, Annotations: annotations}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// annotateNamespace replaces the tenancy annotations of ns.
func annotateNamespace(t *testing.T, ns string, annotations map[string]string) {
	t.Helper()
	eventually(t, readyTimeout, "annotating "+ns, func() (bool, string) {
		cur := &corev1.Namespace{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Name: ns}, cur); err != nil {
			return false, err.Error()
		}
		cur.Annotations = annotations
		err := k8s.Update(context.Background(), cur)
		return err == nil, fmt.Sprint(err)
	})
}

// readComponentFile decodes a file of config/components/tenancy into obj.
func readComponentFile(t *testing.T, name string, obj any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "components", "tenancy", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, obj); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// applyTenancyPolicy creates the ValidatingAdmissionPolicy and binding of
// config/components/tenancy, as shipped, except that the binding only matches namespaces labelled
// with this test's label (other tests' namespaces have no tenancy annotations), and removes them
// when the test ends.
func applyTenancyPolicy(t *testing.T) (label map[string]string) {
	t.Helper()
	ctx := context.Background()
	policy := &admissionv1.ValidatingAdmissionPolicy{}
	binding := &admissionv1.ValidatingAdmissionPolicyBinding{}
	readComponentFile(t, "policy.yaml", policy)
	readComponentFile(t, "binding.yaml", binding)
	suffix := fmt.Sprintf("-%d", time.Now().UnixNano())
	policy.Name += suffix
	binding.Name += suffix
	binding.Spec.PolicyName = policy.Name
	label = map[string]string{"tenancy-test": strings.TrimPrefix(suffix, "-")}
	binding.Spec.MatchResources = &admissionv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{MatchLabels: label}}
	if err := k8s.Create(ctx, policy); err != nil {
		t.Fatalf("creating the policy: %v", err)
	}
	t.Cleanup(func() { _ = k8s.Delete(ctx, policy) })
	if err := k8s.Create(ctx, binding); err != nil {
		t.Fatalf("creating the binding: %v", err)
	}
	t.Cleanup(func() { _ = k8s.Delete(ctx, binding) })
	// (Its status.typeChecking is written by kube-controller-manager, which envtest does not run;
	// the cases below exercise every expression.)
	return label
}

// admissionErr creates obj in dry-run mode, so that admission runs and nothing is stored.
func admissionErr(obj client.Object) error {
	return k8s.Create(context.Background(), obj.DeepCopyObject().(client.Object), client.DryRunAll)
}

// newDirectVersion is a GalleryImageVersion that names its image's path parameters.
func newDirectVersion(ns, name, rg string) *v1alpha1.GalleryImageVersion {
	return &v1alpha1.GalleryImageVersion{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.GalleryImageVersionSpec{
			AzureName:         "1.0.0",
			ResourceGroupName: rg, GalleryName: gallery, GalleryImageName: "some-image",
			Location: location,
			Properties: v1alpha1.GalleryImageVersionProperties{
				StorageProfile: v1alpha1.GalleryImageVersionStorageProfile{Source: &v1alpha1.GalleryArtifactVersionFullSource{
					ID: "/subscriptions/" + azureEnv.subscription + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/images/src"}},
			},
		},
	}
}

// TestTenancyPolicyAdmission applies the shipped ValidatingAdmissionPolicy to the real API server
// and creates (dry run) objects of every kind in namespaces with and without the tenancy
// annotations: allowed scopes are admitted, others refused with a message that names the field
// and the namespace's annotation, and references (galleryRef, imageRef) are admitted.
func TestTenancyPolicyAdmission(t *testing.T) {
	label := applyTenancyPolicy(t)
	allowed := tenantNamespace(t, label, map[string]string{
		tenancy.AllowedResourceGroups: "team-a-rg, " + strings.ToUpper(group),
		tenancy.AllowedSubscriptions:  azureEnv.subscription,
	})
	bare := tenantNamespace(t, label, nil)
	anyGroup := tenantNamespace(t, label, map[string]string{tenancy.AllowedResourceGroups: "*"})
	otherSub := "00000000-0000-0000-0000-00000000beef"

	// The binding takes effect asynchronously: wait for the first refusal.
	eventually(t, readyTimeout, "the policy in force", func() (bool, string) {
		err := admissionErr(newGallery(bare, "probe"))
		return apierrors.IsForbidden(err) || apierrors.IsInvalid(err), fmt.Sprint(err)
	})

	withSub := func(g *v1alpha1.Gallery, sub string) *v1alpha1.Gallery { g.Spec.SubscriptionID = sub; return g }
	withRG := func(g *v1alpha1.Gallery, rg string) *v1alpha1.Gallery { g.Spec.ResourceGroupName = rg; return g }
	imgRG := func(img *v1alpha1.GalleryImage, rg string) *v1alpha1.GalleryImage {
		img.Spec.ResourceGroupName = rg
		return img
	}
	imgRef := func(img *v1alpha1.GalleryImage) *v1alpha1.GalleryImage {
		img.Spec.ResourceGroupName, img.Spec.GalleryName = "", ""
		img.Spec.GalleryRef = &v1alpha1.LocalObjectReference{Name: "some-gallery"}
		return img
	}
	verRef := func(v *v1alpha1.GalleryImageVersion) *v1alpha1.GalleryImageVersion {
		v.Spec.ResourceGroupName, v.Spec.GalleryName, v.Spec.GalleryImageName = "", "", ""
		v.Spec.ImageRef = &v1alpha1.LocalObjectReference{Name: "some-image"}
		return v
	}
	cases := []struct {
		name string
		obj  client.Object
		// refused names what the message must contain; nil: admitted
		refused []string
	}{
		{"Gallery in an allowed group (case-insensitive) and subscription", withSub(newGallery(allowed, "ok"), azureEnv.subscription), nil},
		{"Gallery in the default subscription", newGallery(allowed, "ok-default-sub"), nil},
		{"Gallery in another group", withRG(newGallery(allowed, "other-rg"), "team-b-rg"),
			[]string{"spec.resourceGroupName", `"team-b-rg"`, "namespace " + allowed, tenancy.AllowedResourceGroups, "allows only"}},
		{"Gallery in another subscription", withSub(newGallery(allowed, "other-sub"), otherSub),
			[]string{"spec.subscriptionId", otherSub, "namespace " + allowed, tenancy.AllowedSubscriptions}},
		{"Gallery in a namespace without annotations", newGallery(bare, "bare"),
			[]string{"spec.resourceGroupName", "namespace " + bare, "has no annotation " + tenancy.AllowedResourceGroups}},
		{"Gallery in any group, default subscription", withRG(newGallery(anyGroup, "any"), "whatever-rg"), nil},
		{"Gallery naming a subscription where none is granted", withSub(newGallery(anyGroup, "any-sub"), azureEnv.subscription),
			[]string{"spec.subscriptionId", "has no annotation " + tenancy.AllowedSubscriptions, "default subscription"}},
		{"GalleryImage in an allowed group", newImage(allowed, "ok"), nil},
		{"GalleryImage in another group", imgRG(newImage(allowed, "other-rg"), "team-b-rg"),
			[]string{"spec.resourceGroupName", `"team-b-rg"`, tenancy.AllowedResourceGroups}},
		{"GalleryImage in a namespace without annotations", newImage(bare, "bare"),
			[]string{"spec.resourceGroupName", "has no annotation " + tenancy.AllowedResourceGroups}},
		{"GalleryImage with a galleryRef, even without annotations", imgRef(newImage(bare, "ref")), nil},
		{"GalleryImageVersion in an allowed group", newDirectVersion(allowed, "ok", group), nil},
		{"GalleryImageVersion in another group", newDirectVersion(allowed, "other-rg", "team-b-rg"),
			[]string{"spec.resourceGroupName", `"team-b-rg"`, tenancy.AllowedResourceGroups}},
		{"GalleryImageVersion in a namespace without annotations", newDirectVersion(bare, "bare", group),
			[]string{"has no annotation " + tenancy.AllowedResourceGroups}},
		{"GalleryImageVersion with an imageRef, even without annotations", verRef(newDirectVersion(bare, "ref", group)), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := admissionErr(c.obj)
			if c.refused == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("admitted")
			}
			var status apierrors.APIStatus
			if !errors.As(err, &status) || status.Status().Code != 403 && status.Status().Code != 422 {
				t.Fatalf("not an admission refusal: %v", err)
			}
			for _, want := range c.refused {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message lacks %q: %v", want, err)
				}
			}
		})
	}
	// Updates are never refused (the scope fields are immutable): a finalizer can always be removed.
	g := newGallery(allowed, "kept")
	if err := k8s.Create(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	annotateNamespace(t, allowed, map[string]string{tenancy.AllowedResourceGroups: "team-a-rg"})
	g.Finalizers = []string{"example.com/hold"}
	if err := k8s.Update(context.Background(), g); err != nil {
		t.Errorf("an update of an object the namespace no longer allows was refused: %v", err)
	}
	g.Finalizers = nil
	if err := k8s.Update(context.Background(), g); err != nil {
		t.Errorf("removing a finalizer was refused: %v", err)
	}
	_ = k8s.Delete(context.Background(), g)
}

// TestTenancyReconcilerRefusesScopes: objects admitted while their namespace allowed them (no
// policy bound here) become Stalled with reason ScopeNotAllowed once its annotation forbids
// their resource group, for every kind, and nothing reaches Azure: no PUT for a spec change or a
// new object, no DELETE on deletion. An object that references a refused parent waits for it,
// with the parent's reason in its message. Allowing the group again lets the deletion through.
func TestTenancyReconcilerRefusesScopes(t *testing.T) {
	startManager(t, func(o *reconcile.Options) {
		o.ScopeCheck = (&tenancy.Checker{Reader: k8s, DefaultSubscription: azureEnv.subscription}).Check
	})
	ctx := context.Background()
	ns := tenantNamespace(t, nil, map[string]string{tenancy.AllowedResourceGroups: group})
	g := newGallery(ns, "tenant-gallery")
	if err := k8s.Create(ctx, g); err != nil {
		t.Fatal(err)
	}
	imgRef := newImage(ns, "tenant-ref")
	imgRef.Spec.ResourceGroupName, imgRef.Spec.GalleryName = "", ""
	imgRef.Spec.GalleryRef = &v1alpha1.LocalObjectReference{Name: g.Name}
	createImage(t, imgRef)
	img := newImage(ns, "tenant-direct")
	createImage(t, img)
	waitFor(t, g, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	imgRef = waitFor(t, imgRef, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	waitReady(t, img, readyTimeout)
	refPath := strings.ToLower(imgRef.Status.ID)
	for path := range map[string]bool{galleryPath(g): true, refPath: true, imagePath(img): true} {
		if n := azureEnv.count(t, "PUT", path); n != 1 {
			t.Fatalf("%d PUTs of %s, want 1", n, path)
		}
	}
	source := azureEnv.createManagedImage(t, "tenant-src-"+ns, location)

	// The namespace's rule changes: the group is no longer allowed.
	annotateNamespace(t, ns, map[string]string{tenancy.AllowedResourceGroups: "team-b-rg"})

	// A spec change of an existing object; new objects of every kind, direct and by reference.
	update(t, img, func(i *v1alpha1.GalleryImage) { i.Spec.Properties.Description = "changed after the rule changed" })
	img2 := newImage(ns, "tenant-ref-2")
	img2.Spec.ResourceGroupName, img2.Spec.GalleryName = "", ""
	img2.Spec.GalleryRef = &v1alpha1.LocalObjectReference{Name: g.Name}
	createImage(t, img2)
	v := newDirectVersion(ns, "tenant-version", group)
	v.Spec.GalleryImageName = img.AzureImageName()
	v.Spec.Properties.StorageProfile.Source.ID = source
	if err := k8s.Create(ctx, v); err != nil {
		t.Fatal(err)
	}
	img2Path := refPath[:strings.LastIndex(refPath, "/")+1] + strings.ToLower(img2.AzureImageName())
	versionPath := imagePath(img) + "/versions/1.0.0"

	for _, obj := range []reconcile.Object{g, img, v} {
		cur := waitFor(t, obj, v1alpha1.ConditionStalled, metav1.ConditionTrue, tenancy.ReasonScopeNotAllowed, readyTimeout)
		st := cur.GetARMStatus()
		msg := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionStalled).Message
		for _, want := range []string{"namespace " + ns, tenancy.AllowedResourceGroups, `"` + group + `"`} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: Stalled message lacks %q: %s", obj.GetName(), want, msg)
			}
		}
		if st.Error == nil || st.Error.Code != tenancy.ReasonScopeNotAllowed || !st.Error.Terminal {
			t.Errorf("%s: status.error %+v, want terminal ScopeNotAllowed", obj.GetName(), st.Error)
		}
	}
	for _, obj := range []*v1alpha1.GalleryImage{imgRef, img2} {
		cur := waitFor(t, obj, v1alpha1.ConditionReconciling, metav1.ConditionTrue, "WaitingForGallery", readyTimeout)
		if msg := meta.FindStatusCondition(cur.Status.Conditions, v1alpha1.ConditionReconciling).Message; !strings.Contains(msg, tenancy.ReasonScopeNotAllowed) {
			t.Errorf("%s waits for its Gallery without saying why: %s", obj.Name, msg)
		}
	}
	time.Sleep(2 * syncPeriod) // a resync or two: still nothing written
	for path, want := range map[string]int{galleryPath(g): 1, refPath: 1, imagePath(img): 1, img2Path: 0, versionPath: 0} {
		if n := azureEnv.count(t, "PUT", path); n != want {
			t.Errorf("%d PUTs of %s, want %d", n, path, want)
		}
	}
	if n := len(azureEnv.requestsFor(t, "", img2Path)) + len(azureEnv.requestsFor(t, "", versionPath)); n != 0 {
		t.Errorf("%d requests reached Azure for objects never allowed", n)
	}

	// Deleting an object the namespace no longer allows sends no DELETE: it stays, Stalled.
	for _, obj := range []client.Object{v, img2} { // never written: they go at once
		if err := k8s.Delete(ctx, obj); err != nil {
			t.Fatal(err)
		}
		waitDeleted(t, obj, readyTimeout)
	}
	deleteImage(t, img)
	time.Sleep(2 * syncPeriod)
	if n := azureEnv.count(t, "DELETE", imagePath(img)); n != 0 {
		t.Errorf("%d DELETEs of an image its namespace no longer allows, want 0", n)
	}
	waitCondition(t, img, v1alpha1.ConditionStalled, metav1.ConditionTrue, tenancy.ReasonScopeNotAllowed, readyTimeout)

	// Allowed again: the deletion goes through, and the rest converges and is cleaned up.
	annotateNamespace(t, ns, map[string]string{tenancy.AllowedResourceGroups: "*"})
	waitGone(t, img, readyTimeout)
	if n := azureEnv.count(t, "DELETE", imagePath(img)); n != 1 {
		t.Errorf("%d DELETEs after the group was allowed again, want 1", n)
	}
	waitFor(t, imgRef, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	for _, obj := range []client.Object{imgRef, g} {
		if err := k8s.Delete(ctx, obj); err != nil {
			t.Fatal(err)
		}
		waitDeleted(t, obj, readyTimeout)
	}
}
