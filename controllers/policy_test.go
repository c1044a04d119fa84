package controllers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/reconcile"
)

// policyCase is one kind's object under test of the management policies: its ARM path, and its
// spec's policy and tags (a change that needs a PUT in every kind).
type policyCase struct {
	obj  reconcile.Object
	path string
	spec func(reconcile.Object) (*v1alpha1.ManagementPolicy, map[string]string)
}

// policyCases build, for each kind, a new object in namespace ns.
var policyCases = map[string]func(t *testing.T, ns string) policyCase{
	"Gallery": func(t *testing.T, ns string) policyCase {
		g := newGallery(ns, "policy")
		return policyCase{g, galleryPath(g), func(o reconcile.Object) (*v1alpha1.ManagementPolicy, map[string]string) {
			s := &o.(*v1alpha1.Gallery).Spec
			return &s.ManagementPolicy, s.Tags
		}}
	},
	"GalleryImage": func(t *testing.T, ns string) policyCase {
		img := newImage(ns, "policy")
		return policyCase{img, imagePath(img), func(o reconcile.Object) (*v1alpha1.ManagementPolicy, map[string]string) {
			s := &o.(*v1alpha1.GalleryImage).Spec
			return &s.ManagementPolicy, s.Tags
		}}
	},
	"GalleryImageVersion": func(t *testing.T, ns string) policyCase {
		f := newVersionFixture(t, "policy")
		v := f.version("1.0.0", location)
		return policyCase{v, f.versionPath("1.0.0"), func(o reconcile.Object) (*v1alpha1.ManagementPolicy, map[string]string) {
			s := &o.(*v1alpha1.GalleryImageVersion).Spec
			return &s.ManagementPolicy, s.Tags
		}}
	},
	"GalleryApplication": func(t *testing.T, ns string) policyCase {
		app := newApplication(ns, "policy")
		return policyCase{app, applicationPath(app), func(o reconcile.Object) (*v1alpha1.ManagementPolicy, map[string]string) {
			s := &o.(*v1alpha1.GalleryApplication).Spec
			return &s.ManagementPolicy, s.Tags
		}}
	},
	"GalleryApplicationVersion": func(t *testing.T, ns string) policyCase {
		f := newAppVersionFixture(t, "policy")
		v := f.version("1.0.0", location)
		return policyCase{v, f.versionPath("1.0.0"), func(o reconcile.Object) (*v1alpha1.ManagementPolicy, map[string]string) {
			s := &o.(*v1alpha1.GalleryApplicationVersion).Spec
			return &s.ManagementPolicy, s.Tags
		}}
	},
	"GalleryInVMAccessControlProfile": func(t *testing.T, ns string) policyCase {
		p := newProfile(ns, "policy")
		return policyCase{p, profilePath(p), func(o reconcile.Object) (*v1alpha1.ManagementPolicy, map[string]string) {
			s := &o.(*v1alpha1.GalleryInVMAccessControlProfile).Spec
			return &s.ManagementPolicy, s.Tags
		}}
	},
	"GalleryInVMAccessControlProfileVersion": func(t *testing.T, ns string) policyCase {
		p := newProfile(ns, "policy-parent")
		createAll(t, p)
		waitFor(t, p, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
		v := newProfileVersion(p, "1.0.0", location)
		v.Spec.Tags = map[string]string{"owner": "suite"}
		return policyCase{v, profilePath(p) + "/versions/1.0.0", func(o reconcile.Object) (*v1alpha1.ManagementPolicy, map[string]string) {
			s := &o.(*v1alpha1.GalleryInVMAccessControlProfileVersion).Spec
			return &s.ManagementPolicy, s.Tags
		}}
	},
}

// TestManagementPolicies, for every kind: Paused sends no request over two sync periods and
// across a restart; Manage then creates it with one PUT; Observe writes nothing even when the
// spec differs (no PUT, PATCH, POST or DELETE), and names the fields that differ; switching back
// to Manage adopts it with no PUT when it matches and one when it does not; deleting a Paused or
// an Observe object leaves the resource in Azure.
func TestManagementPolicies(t *testing.T) {
	for kind, build := range policyCases {
		t.Run(kind, func(t *testing.T) {
			mgr := startManager(t)
			c := build(t, newNamespace(t))
			c.set(t, v1alpha1.ManagementPolicyPaused, "", false)
			if err := k8s.Create(context.Background(), c.obj); err != nil {
				t.Fatal(err)
			}
			waitFor(t, c.obj, v1alpha1.ConditionPaused, metav1.ConditionTrue, "Paused", readyTimeout)
			time.Sleep(2 * syncPeriod) // two sync periods: nothing may be sent
			expectRequests(t, c.path, 0, "while Paused")
			mgr.stop()
			startManager(t)
			time.Sleep(2 * syncPeriod)
			expectRequests(t, c.path, 0, "while Paused, across a restart")
			if controllerutil.ContainsFinalizer(fetch(t, c.obj), reconcile.Finalizer) {
				t.Error("a Paused object got the finalizer")
			}

			c.update(t, v1alpha1.ManagementPolicyManage, "", false)
			cur := waitFor(t, c.obj, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
			expectPUTs(t, c.path, 1, "Paused → Manage creates it")
			if meta.FindStatusCondition(cur.GetARMStatus().Conditions, v1alpha1.ConditionPaused) != nil {
				t.Error("the Paused condition outlived the policy")
			}

			writes := writesTo(c.path)
			c.update(t, v1alpha1.ManagementPolicyObserve, "observed", false)
			cur = waitFor(t, c.obj, v1alpha1.ConditionDrifted, metav1.ConditionTrue, "DiffersFromSpec", readyTimeout)
			if d := meta.FindStatusCondition(cur.GetARMStatus().Conditions, v1alpha1.ConditionDrifted); !strings.Contains(d.Message, "tags") {
				t.Errorf("Drifted must name the field that differs (tags): %q", d.Message)
			}
			waitFor(t, c.obj, v1alpha1.ConditionReady, metav1.ConditionTrue, "Observed", readyTimeout)
			time.Sleep(2 * syncPeriod)
			if n := writesTo(c.path) - writes; n != 0 {
				t.Errorf("Observe, with a spec that differs: %d writes (PUT, PATCH, POST or DELETE), want 0", n)
			}

			c.update(t, v1alpha1.ManagementPolicyObserve, "", true) // the spec matches Azure again
			eventually(t, readyTimeout, "Drifted gone once the spec matches", func() (bool, string) {
				d := meta.FindStatusCondition(fetch(t, c.obj).GetARMStatus().Conditions, v1alpha1.ConditionDrifted)
				return d == nil, ""
			})
			c.update(t, v1alpha1.ManagementPolicyManage, "", true)
			waitFor(t, c.obj, v1alpha1.ConditionReady, metav1.ConditionTrue, "Succeeded", readyTimeout)
			expectPUTs(t, c.path, 1, "Observe → Manage of a resource that matches")

			c.update(t, v1alpha1.ManagementPolicyObserve, "adopted", false)
			waitFor(t, c.obj, v1alpha1.ConditionDrifted, metav1.ConditionTrue, "DiffersFromSpec", readyTimeout)
			c.update(t, v1alpha1.ManagementPolicyManage, "adopted", false)
			waitFor(t, c.obj, v1alpha1.ConditionReady, metav1.ConditionTrue, "Succeeded", readyTimeout)
			expectPUTs(t, c.path, 2, "Observe → Manage of a resource that differs")

			c.update(t, v1alpha1.ManagementPolicyPaused, "adopted", false)
			waitFor(t, c.obj, v1alpha1.ConditionPaused, metav1.ConditionTrue, "Paused", readyTimeout)
			if err := k8s.Delete(context.Background(), c.obj); err != nil {
				t.Fatal(err)
			}
			waitDeleted(t, c.obj, readyTimeout)
			if n := azureEnv.count(t, "DELETE", c.path); n != 0 {
				t.Errorf("deleting a Paused object sent %d DELETEs", n)
			}
			if !azureEnv.existsAt(t, c.path) {
				t.Error("the resource is gone from Azure after deleting a Paused object")
			}

			c.obj = recreated(c.obj) // the same resource, now only observed, then deleted
			c.set(t, v1alpha1.ManagementPolicyObserve, "adopted", false)
			if err := k8s.Create(context.Background(), c.obj); err != nil {
				t.Fatal(err)
			}
			waitFor(t, c.obj, v1alpha1.ConditionReady, metav1.ConditionTrue, "Observed", readyTimeout)
			if err := k8s.Delete(context.Background(), c.obj); err != nil {
				t.Fatal(err)
			}
			waitDeleted(t, c.obj, readyTimeout)
			if n := azureEnv.count(t, "DELETE", c.path); n != 0 {
				t.Errorf("deleting an Observe object sent %d DELETEs", n)
			}
			if !azureEnv.existsAt(t, c.path) {
				t.Error("the resource is gone from Azure after deleting an Observe object")
			}
		})
	}
}

// set sets the policy and the "policy" tag ("" or drop: removed) of the object in memory.
func (c policyCase) set(t *testing.T, p v1alpha1.ManagementPolicy, tag string, drop bool) {
	t.Helper()
	policy, tags := c.spec(c.obj)
	*policy = p
	switch {
	case drop:
		delete(tags, "policy")
	case tag != "":
		tags["policy"] = tag
	}
}

// update writes the policy and tag change to the API server.
func (c policyCase) update(t *testing.T, p v1alpha1.ManagementPolicy, tag string, drop bool) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(c.obj), c.obj); err != nil {
			return err
		}
		c.set(t, p, tag, drop)
		return k8s.Update(context.Background(), c.obj)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// expectRequests checks how many ARM requests were served for path and the paths below it.
func expectRequests(t *testing.T, path string, want int, when string) {
	t.Helper()
	n := 0
	for _, r := range azureEnv.server.Requests() {
		if strings.HasPrefix(strings.ToLower(r.Path), strings.ToLower(path)) {
			n++
		}
	}
	if n != want {
		t.Errorf("%s: %d ARM requests for %s, want %d", when, n, path, want)
	}
}

// expectPUTs checks how many PUTs were served for path.
func expectPUTs(t *testing.T, path string, want int, when string) {
	t.Helper()
	if n := azureEnv.count(t, "PUT", path); n != want {
		t.Errorf("%s: %d PUTs, want %d", when, n, want)
	}
}

// writesTo is how many ARM writes (any method but GET) were served for path and the paths below
// it (a gallery's share action).
func writesTo(path string) int {
	n := 0
	for _, r := range azureEnv.server.Requests() {
		if r.Method != "GET" && strings.HasPrefix(strings.ToLower(r.Path), strings.ToLower(path)) {
			n++
		}
	}
	return n
}

// recreated is a new object of obj's kind, name and spec, as a user would apply it again after
// deleting it.
func recreated(obj reconcile.Object) reconcile.Object {
	again := obj.DeepCopyObject().(reconcile.Object)
	again.SetResourceVersion("")
	again.SetUID("")
	again.SetGeneration(0)
	again.SetCreationTimestamp(metav1.Time{})
	again.SetDeletionTimestamp(nil)
	again.SetFinalizers(nil)
	again.SetManagedFields(nil)
	return again
}
