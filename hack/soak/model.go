package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/azgallery/gallery-operator/internal/localenv"
)

const (
	namespace   = "soak"
	group       = "soak-rg"
	location    = "westeurope"
	credsSecret = "soak-creds"
	genTag      = "soak-gen"
	// rotClientID is the second principal, used through spec.credentialsSecretRef; its secret rotates.
	rotClientID = "0d7c4b1a-6e2f-4a3b-8c9d-1e2f3a4b5c6d"
)

// regionPool: versions start with the first two or three and gain more with spec changes.
var regionPool = []string{"westeurope", "northeurope", "eastus", "francecentral"}

var (
	galleryGVR = schema.GroupVersionResource{Group: "compute.azgallery.io", Version: "v1alpha1", Resource: "galleries"}
	imageGVR   = schema.GroupVersionResource{Group: "compute.azgallery.io", Version: "v1alpha1", Resource: "galleryimages"}
	versionGVR = schema.GroupVersionResource{Group: "compute.azgallery.io", Version: "v1alpha1", Resource: "galleryimageversions"}
	secretGVR  = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
	nsGVR      = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	eventGVR   = schema.GroupVersionResource{Version: "v1", Resource: "events"}
)

// obj is one Kubernetes object of the soak and what its spec last said (as far as it was
// accepted by the kube-apiserver).
type obj struct {
	kind     string // Gallery, GalleryImage, GalleryImageVersion
	name     string // metadata.name
	gallery  int
	image    int // images and versions
	azureID  string
	gen      int      // the soak-gen tag and the description's generation
	regions  []string // versions: target regions
	changes  int      // spec changes accepted by the kube-apiserver
	deleted  bool     // deletion requested (accepted)
	creds    bool     // uses the rotated principal (its gallery has credentialsSecretRef)
	children []*obj   // images of a gallery, the version of an image
}

func (o *obj) gvr() schema.GroupVersionResource {
	switch o.kind {
	case "Gallery":
		return galleryGVR
	case "GalleryImage":
		return imageGVR
	}
	return versionGVR
}

func (o *obj) description() string {
	return fmt.Sprintf("soak %s %s generation %d", o.kind, o.name, o.gen)
}

func galleryName(g int) string      { return fmt.Sprintf("g-%02d", g) }
func galleryAzureName(g int) string { return fmt.Sprintf("soak_g%02d", g) }
func imageName(i int) string        { return fmt.Sprintf("img-%04d", i) }
func versionName(i int) string      { return fmt.Sprintf("img-%04d-v1", i) }

func galleryID(g int) string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/galleries/%s", localenv.SubscriptionID, group, galleryAzureName(g))
}

// model is every object of the soak.
type model struct {
	mu        sync.Mutex
	galleries []*obj
	images    []*obj
	versions  []*obj
	sources   []string // managed image ids
}

func newModel(nGal, nImg, nVer int, sources []string) *model {
	m := &model{sources: sources}
	for g := 0; g < nGal; g++ {
		m.galleries = append(m.galleries, &obj{kind: "Gallery", name: galleryName(g), gallery: g, azureID: galleryID(g), creds: g%2 == 1})
	}
	for i := 0; i < nImg; i++ {
		g := i % nGal
		o := &obj{kind: "GalleryImage", name: imageName(i), gallery: g, image: i, azureID: galleryID(g) + "/images/" + imageName(i), creds: g%2 == 1}
		m.images = append(m.images, o)
		m.galleries[g].children = append(m.galleries[g].children, o)
	}
	for i := 0; i < nVer; i++ {
		img := m.images[i]
		o := &obj{kind: "GalleryImageVersion", name: versionName(i), gallery: img.gallery, image: i, azureID: img.azureID + "/versions/1.0.0",
			creds: img.creds, regions: append([]string(nil), regionPool[:2+i%2]...)}
		m.versions = append(m.versions, o)
		img.children = append(img.children, o)
	}
	return m
}

func (m *model) all() []*obj {
	out := append(append(append([]*obj(nil), m.galleries...), m.images...), m.versions...)
	return out
}

func tagsOf(o *obj) map[string]any {
	return map[string]any{genTag: strconv.Itoa(o.gen), "soak": "true"}
}

// manifest is the object's full desired state.
func (m *model) manifest(o *obj) *unstructured.Unstructured {
	var spec map[string]any
	switch o.kind {
	case "Gallery":
		spec = map[string]any{"resourceGroupName": group, "azureName": galleryAzureName(o.gallery), "location": location,
			"tags": tagsOf(o), "properties": map[string]any{"description": o.description()}}
		if o.creds {
			spec["credentialsSecretRef"] = map[string]any{"name": credsSecret}
		}
	case "GalleryImage":
		spec = map[string]any{"galleryRef": map[string]any{"name": galleryName(o.gallery)}, "location": location, "tags": tagsOf(o),
			"properties": map[string]any{"description": o.description(), "osType": "Linux", "osState": "Generalized",
				"hyperVGeneration": "V2", "identifier": map[string]any{"publisher": "soak", "offer": fmt.Sprintf("offer-%04d", o.image), "sku": "sku"}}}
	default:
		spec = map[string]any{"imageRef": map[string]any{"name": imageName(o.image)}, "azureName": "1.0.0", "location": location,
			"tags": tagsOf(o), "properties": map[string]any{
				"publishingProfile": map[string]any{"targetRegions": regionsSpec(o.regions)},
				"storageProfile":    map[string]any{"source": map[string]any{"id": m.sources[o.image%len(m.sources)]}},
			}}
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "compute.azgallery.io/v1alpha1", "kind": o.kind,
		"metadata": map[string]any{"name": o.name, "namespace": namespace, "labels": map[string]any{"soak": "true"}},
		"spec":     spec,
	}}
}

func regionsSpec(regions []string) []any {
	var out []any
	for _, r := range regions {
		out = append(out, map[string]any{"name": r})
	}
	return out
}

// changePatch is the merge patch of the object's next generation (o.gen already incremented).
func changePatch(o *obj) []byte {
	spec := map[string]any{"tags": tagsOf(o)}
	switch o.kind {
	case "Gallery", "GalleryImage":
		spec["properties"] = map[string]any{"description": o.description()}
	default:
		spec["properties"] = map[string]any{"publishingProfile": map[string]any{"targetRegions": regionsSpec(o.regions)}}
	}
	b, _ := json.Marshal(map[string]any{"spec": spec})
	return b
}

// kube is a dynamic client of the control plane.
type kube struct{ dyn dynamic.Interface }

func newKube(kubeconfig string) (*kube, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 200, 400
	cfg.Timeout = 20e9
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &kube{dyn: dyn}, nil
}

func (k *kube) res(gvr schema.GroupVersionResource) dynamic.ResourceInterface {
	return k.dyn.Resource(gvr).Namespace(namespace)
}

func (k *kube) create(ctx context.Context, gvr schema.GroupVersionResource, u *unstructured.Unstructured) error {
	_, err := k.res(gvr).Create(ctx, u, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

func (k *kube) patch(ctx context.Context, gvr schema.GroupVersionResource, name string, patch []byte) error {
	_, err := k.res(gvr).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{})
	return err
}

func (k *kube) delete(ctx context.Context, gvr schema.GroupVersionResource, name string) error {
	err := k.res(gvr).Delete(ctx, name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// list returns the objects of a kind by name.
func (k *kube) list(ctx context.Context, gvr schema.GroupVersionResource) (map[string]*unstructured.Unstructured, error) {
	l, err := k.res(gvr).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := map[string]*unstructured.Unstructured{}
	for i := range l.Items {
		out[l.Items[i].GetName()] = &l.Items[i]
	}
	return out, nil
}

// secretManifest is the credentials Secret of the rotated principal.
func secretManifest(clientSecret string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Secret",
		"metadata": map[string]any{"name": credsSecret, "namespace": namespace},
		"stringData": map[string]any{"AZURE_TENANT_ID": localenv.TenantID, "AZURE_CLIENT_ID": rotClientID,
			"AZURE_CLIENT_SECRET": clientSecret, "AZURE_SUBSCRIPTION_ID": localenv.SubscriptionID},
	}}
}

// readyAt reports whether u is Ready for its current generation, and a short reason otherwise.
func readyAt(u *unstructured.Unstructured) (bool, string) {
	if u.GetDeletionTimestamp() != nil {
		return false, "being deleted"
	}
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		cm, _ := c.(map[string]any)
		if cm["type"] != "Ready" {
			continue
		}
		og, _ := cm["observedGeneration"].(int64)
		if cm["status"] == "True" && og == u.GetGeneration() {
			return true, ""
		}
		return false, fmt.Sprintf("Ready=%v reason=%v gen=%d observed=%d: %.160v", cm["status"], cm["reason"], u.GetGeneration(), og, cm["message"])
	}
	return false, "no Ready condition"
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
