package main

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

// The kinds the benchmark applies, by Kubernetes kind.
const (
	kindGallery = "Gallery"
	kindImage   = "GalleryImage"
	kindVersion = "GalleryImageVersion"
	// kindAppVersion is a GalleryApplicationVersion, in an application made directly in Azure.
	kindAppVersion = "GalleryApplicationVersion"
)

var gvrs = map[string]schema.GroupVersionResource{
	kindGallery:    {Group: "compute.azgallery.io", Version: "v1alpha1", Resource: "galleries"},
	kindImage:      {Group: "compute.azgallery.io", Version: "v1alpha1", Resource: "galleryimages"},
	kindVersion:    {Group: "compute.azgallery.io", Version: "v1alpha1", Resource: "galleryimageversions"},
	kindAppVersion: {Group: "compute.azgallery.io", Version: "v1alpha1", Resource: "galleryapplicationversions"},
}

const namespace = "default"

// kube creates the operator's objects and watches them become Ready.
type kube struct {
	dyn    dynamic.Interface
	rest   rest.Interface // reads kube-apiserver's /metrics
	track  *tracker
	events eventCounter
	stop   chan struct{}
}

// startKube connects with kubeconfig (without client-side rate limits, so that applying is not the
// bottleneck) and starts an informer per kind.
func startKube(kubeconfig string) (*kube, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 5000, 5000
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	k := &kube{dyn: dyn, rest: cs.Discovery().RESTClient(), track: newTracker(), stop: make(chan struct{})}
	factory := dynamicinformer.NewFilteredDynamicSharedInformerFactory(dyn, 0, namespace, nil)
	var synced []cache.InformerSynced
	for kind, gvr := range gvrs {
		inf := factory.ForResource(gvr).Informer()
		if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { k.events.add(kind, "ADDED"); k.track.observe(obj) },
			UpdateFunc: func(_, obj any) { k.events.add(kind, "MODIFIED"); k.track.observe(obj) },
			DeleteFunc: func(any) { k.events.add(kind, "DELETED") },
		}); err != nil {
			return nil, err
		}
		synced = append(synced, inf.HasSynced)
	}
	factory.Start(k.stop)
	syncCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if !cache.WaitForCacheSync(syncCtx.Done(), synced...) {
		close(k.stop)
		return nil, fmt.Errorf("the informers did not sync")
	}
	return k, nil
}

func (k *kube) close() { close(k.stop) }

// key names an object in the tracker: kind/name.
func key(obj *unstructured.Unstructured) string { return obj.GetKind() + "/" + obj.GetName() }

func object(kind, name string, spec map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "compute.azgallery.io/v1alpha1",
		"kind":       kind,
		"metadata": map[string]any{
			"name":      name,
			"namespace": namespace,
			"labels":    map[string]any{"bench": "scale"},
		},
		"spec": spec,
	}}
}

// imageObject is a GalleryImage in the plain path form (resourceGroupName + galleryName), in
// subscription sub (empty: the manager's default subscription).
func imageObject(name, sub, group, gallery, location string) *unstructured.Unstructured {
	spec := map[string]any{
		"resourceGroupName": group,
		"galleryName":       gallery,
		"location":          location,
		"tags":              map[string]any{"bench": "scale"},
		"properties": map[string]any{
			"description":      "bench-scale image " + name,
			"osType":           "Linux",
			"osState":          "Generalized",
			"hyperVGeneration": "V2",
			"architecture":     "x64",
			"identifier":       map[string]any{"publisher": "bench", "offer": "scale", "sku": name},
		},
	}
	if sub != "" {
		spec["subscriptionId"] = sub
	}
	return object(kindImage, name, spec)
}

// galleryObject is a Gallery in group; Azure's gallery names allow no hyphen, so the Azure name
// is given.
func galleryObject(name, azureName, group, location string) *unstructured.Unstructured {
	return object(kindGallery, name, map[string]any{
		"resourceGroupName": group,
		"azureName":         azureName,
		"location":          location,
		"tags":              map[string]any{"bench": "scale"},
		"properties":        map[string]any{"description": "bench-scale gallery " + name},
	})
}

// versionObject is a GalleryImageVersion of the GalleryImage object image (imageRef form),
// published from the managed image source and replicated to location only.
func versionObject(name, image, azureName, location, source string) *unstructured.Unstructured {
	return object(kindVersion, name, map[string]any{
		"imageRef":  map[string]any{"name": image},
		"azureName": azureName,
		"location":  location,
		"tags":      map[string]any{"bench": "scale"},
		"properties": map[string]any{
			"publishingProfile": map[string]any{"targetRegions": []any{map[string]any{"name": location}}},
			"storageProfile":    map[string]any{"source": map[string]any{"id": source}},
		},
	})
}

// appVersionObject is a GalleryApplicationVersion of the application app of gallery in group
// (path form), its package a blob, replicated to location only.
func appVersionObject(name, group, gallery, app, azureName, location string) *unstructured.Unstructured {
	return object(kindAppVersion, name, map[string]any{
		"resourceGroupName":      group,
		"galleryName":            gallery,
		"galleryApplicationName": app,
		"azureName":              azureName,
		"location":               location,
		"tags":                   map[string]any{"bench": "scale"},
		"properties": map[string]any{"publishingProfile": map[string]any{
			"source":        map[string]any{"mediaLink": "https://benchstore.blob.core.windows.net/apps/" + app + "-" + azureName + ".zip"},
			"manageActions": map[string]any{"install": "install.cmd", "remove": "remove.cmd"},
			"targetRegions": []any{map[string]any{"name": location}},
		}},
	})
}

// create creates obj, retrying a few times on errors other than AlreadyExists and invalid.
func (k *kube) create(ctx context.Context, obj *unstructured.Unstructured) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		_, err = k.dyn.Resource(gvrs[obj.GetKind()]).Namespace(namespace).Create(ctx, obj, metav1.CreateOptions{FieldManager: "bench-scale"})
		if err == nil || apierrors.IsInvalid(err) || apierrors.IsAlreadyExists(err) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
	}
	return err
}

// createAll creates objs with workers goroutines and returns when all are created.
func (k *kube) createAll(ctx context.Context, objs []*unstructured.Unstructured, workers int) error {
	ch := make(chan *unstructured.Unstructured)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			for obj := range ch {
				if err := k.create(ctx, obj); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("creating %s: %w", key(obj), err)
					}
					mu.Unlock()
				}
			}
		})
	}
	for _, obj := range objs {
		ch <- obj
	}
	close(ch)
	wg.Wait()
	return firstErr
}

// tracker records when each object (by key) was first seen Ready=True at its generation.
type tracker struct {
	mu      sync.Mutex
	readyAt map[string]time.Time
	last    map[string]string // name -> short state, for reporting images that are not Ready
	changed chan struct{}
}

func newTracker() *tracker {
	return &tracker{readyAt: map[string]time.Time{}, last: map[string]string{}, changed: make(chan struct{})}
}

func (t *tracker) observe(obj any) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return
	}
	now := time.Now()
	ready, state := readyState(u)
	t.mu.Lock()
	defer t.mu.Unlock()
	k := key(u)
	t.last[k] = state
	if !ready {
		return
	}
	if _, seen := t.readyAt[k]; seen {
		return
	}
	t.readyAt[k] = now
	close(t.changed)
	t.changed = make(chan struct{})
}

// readyState reports whether u has Ready=True for its generation, and a short description.
func readyState(u *unstructured.Unstructured) (bool, string) {
	gen := u.GetGeneration()
	statusGen, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	state := "no Ready condition"
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if !ok || m["type"] != "Ready" {
			continue
		}
		og, found, _ := unstructured.NestedInt64(m, "observedGeneration")
		if !found {
			og = statusGen
		}
		state = fmt.Sprintf("Ready=%v reason=%v observedGeneration=%d/%d", m["status"], m["reason"], og, gen)
		if m["status"] == "True" && og == gen {
			return true, state
		}
	}
	return false, state
}

// wait returns a channel closed at the next newly Ready object.
func (t *tracker) wait() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.changed
}

// readyTimes returns when each of keys became Ready (missing: not yet).
func (t *tracker) readyTimes(names []string) map[string]time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]time.Time, len(names))
	for _, n := range names {
		if at, ok := t.readyAt[n]; ok {
			out[n] = at
		}
	}
	return out
}

// notReady describes up to max of keys that are not Ready yet.
func (t *tracker) notReady(names []string, max int) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, n := range names {
		if _, ok := t.readyAt[n]; !ok {
			out = append(out, n+": "+t.last[n])
		}
	}
	sort.Strings(out)
	if len(out) > max {
		out = append(out[:max], fmt.Sprintf("... and %d more", len(out)-max))
	}
	return out
}
