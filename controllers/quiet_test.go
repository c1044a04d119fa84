package controllers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/reconcile"
)

// The operator is quiet toward Kubernetes: an object whose spec and Azure resource do not change
// is never written (time passing is no change), and an object costs at most three writes from
// creation to Ready (the finalizer, the status once Azure accepted the PUT, the status once
// Ready).

// observedAfter is how many reads of the resource at path (a GET of it, or a page of its
// collection's list) the emulator served after since.
func (e *emulatorEnv) observedAfter(t *testing.T, path string, since time.Time) int {
	t.Helper()
	collection := path[:strings.LastIndex(path, "/")]
	n := 0
	for _, r := range e.server.Requests() {
		if r.Method == "GET" && r.Time.After(since) && (strings.EqualFold(r.Path, path) || strings.EqualFold(r.Path, collection)) {
			n++
		}
	}
	return n
}

// TestNoWritesAtRest: over two sync periods in which neither the specs nor Azure change, the
// resourceVersion of no object moves, for every kind, though each is observed in Azure again;
// nor after a restart of the manager.
func TestNoWritesAtRest(t *testing.T) {
	mgr := startManager(t)
	f := newVersionFixture(t, "quiet")
	g := newGallery(f.ns, "quiet")
	v := f.version("1.0.0", location)
	apps := appVersionFixture{ns: f.ns, app: newApplication(f.ns, "quiet")}
	av := apps.version("1.0.0", location)
	p := newProfile(f.ns, "quiet")
	pv := newProfileVersion(p, "1.0.0", location)
	createAll(t, g, v, apps.app, av, p, pv)
	objects := map[string]reconcile.Object{galleryPath(g): g, imagePath(f.image): f.image, f.versionPath("1.0.0"): v,
		applicationPath(apps.app): apps.app, apps.versionPath("1.0.0"): av, profilePath(p): p, profilePath(p) + "/versions/1.0.0": pv}
	for _, o := range objects {
		waitFor(t, o, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	}

	snapshot := func() map[string]reconcile.Object {
		before := map[string]reconcile.Object{}
		for path, o := range objects {
			before[path] = fetch(t, o)
		}
		return before
	}
	expectQuiet := func(what string, before map[string]reconcile.Object) {
		t.Helper()
		start := time.Now()
		for path := range objects {
			eventually(t, 5*time.Minute, "two observations of "+path, func() (bool, string) {
				n := azureEnv.observedAfter(t, path, start)
				return n >= 2 && time.Since(start) >= 2*syncPeriod, fmt.Sprintf("%d reads, %s", n, time.Since(start))
			})
		}
		for path, o := range objects {
			if after := fetch(t, o); after.GetResourceVersion() != before[path].GetResourceVersion() {
				was, _ := json.Marshal(before[path])
				is, _ := json.Marshal(after)
				t.Errorf("%s: %s was written at rest: resourceVersion %s → %s\nstatus before: %s\nstatus after:  %s",
					what, o.GetName(), before[path].GetResourceVersion(), after.GetResourceVersion(), was, is)
			}
		}
	}
	expectQuiet("running", snapshot())
	// Taken before the restart, so that the new manager's first reconciles are inside the check.
	before := snapshot()
	mgr.stop()
	startManager(t)
	expectQuiet("after a restart", before)
}

// countWrites watches the objects of list's kind in ns and counts, per object, the changes of
// its resourceVersion after it was created (the test makes none), until ready says it is Ready.
// It returns a function that waits for every name to be Ready and returns the counts.
func countWrites(t *testing.T, list client.ObjectList, ns string, names ...string) func() map[string]int {
	t.Helper()
	wc, err := client.NewWithWatch(restConfig, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	w, err := wc.Watch(ctx, list, client.InNamespace(ns))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	writes, ready, seen := map[string]int{}, map[string]bool{}, map[string][]string{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			o, ok := ev.Object.(reconcile.Object)
			if !ok || !slices.Contains(names, o.GetName()) || ready[o.GetName()] {
				continue // other objects of the namespace are not counted
			}
			if ev.Type == watch.Modified {
				writes[o.GetName()]++
				st, _ := json.Marshal(o.GetARMStatus())
				seen[o.GetName()] = append(seen[o.GetName()], fmt.Sprintf("finalizers %v, status %s", o.GetFinalizers(), st))
			}
			c := meta.FindStatusCondition(o.GetARMStatus().Conditions, v1alpha1.ConditionReady)
			if c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == o.GetGeneration() {
				ready[o.GetName()] = true
				if len(ready) == len(names) {
					return
				}
			}
		}
	}()
	return func() map[string]int {
		t.Helper()
		defer cancel()
		select {
		case <-done:
		case <-ctx.Done():
		}
		w.Stop()
		<-done
		if len(ready) != len(names) {
			t.Fatalf("not all of %v became Ready in 5 minutes: %v Ready, writes %v", names, ready, writes)
		}
		for name, n := range writes {
			if n > 3 {
				t.Logf("the writes of %s:\n%s", name, strings.Join(seen[name], "\n"))
			}
		}
		return writes
	}
}

// TestAtMostThreeWritesToReady: from creation to Ready the manager writes each object at most
// three times, for every kind (the finalizer, the write accepted, Ready); a version whose
// replication ends within seconds goes from accepted to Ready without showing its progress.
func TestAtMostThreeWritesToReady(t *testing.T) {
	startManager(t)
	f := newVersionFixture(t, "writes")
	// the parents of the application and profile versions, Ready before the count begins, as the
	// image of the image versions is
	apps := appVersionFixture{ns: f.ns, app: newApplication(f.ns, "writes-parent")}
	prof := newProfile(f.ns, "writes-parent")
	createAll(t, apps.app, prof)
	waitFor(t, apps.app, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)
	waitFor(t, prof, v1alpha1.ConditionReady, metav1.ConditionTrue, "", readyTimeout)

	counts := map[string]func() map[string]int{
		"Gallery":                                countWrites(t, &v1alpha1.GalleryList{}, f.ns, "g1", "g2"),
		"GalleryImage":                           countWrites(t, &v1alpha1.GalleryImageList{}, f.ns, "i1", "i2"),
		"GalleryImageVersion":                    countWrites(t, &v1alpha1.GalleryImageVersionList{}, f.ns, "1.0.0", "1.0.1"),
		"GalleryApplication":                     countWrites(t, &v1alpha1.GalleryApplicationList{}, f.ns, "a1", "a2"),
		"GalleryApplicationVersion":              countWrites(t, &v1alpha1.GalleryApplicationVersionList{}, f.ns, "1.0.0", "1.0.1"),
		"GalleryInVMAccessControlProfile":        countWrites(t, &v1alpha1.GalleryInVMAccessControlProfileList{}, f.ns, "p1", "p2"),
		"GalleryInVMAccessControlProfileVersion": countWrites(t, &v1alpha1.GalleryInVMAccessControlProfileVersionList{}, f.ns, "1.0.0", "1.0.1"),
	}
	createAll(t, newGallery(f.ns, "g1"), newGallery(f.ns, "g2"), newImage(f.ns, "i1"), newImage(f.ns, "i2"),
		f.version("1.0.0", location), f.version("1.0.1", location),
		newApplication(f.ns, "a1"), newApplication(f.ns, "a2"), apps.version("1.0.0", location), apps.version("1.0.1", location),
		newProfile(f.ns, "p1"), newProfile(f.ns, "p2"), newProfileVersion(prof, "1.0.0", location), newProfileVersion(prof, "1.0.1", location))
	for kind, wait := range counts {
		for name, n := range wait() {
			t.Logf("%s %s: %d writes from creation to Ready", kind, name, n)
			if n > 3 {
				t.Errorf("%s %s: %d writes from creation to Ready, want at most 3", kind, name, n)
			}
		}
	}
}
