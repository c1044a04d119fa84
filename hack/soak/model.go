package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
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

func crdGVR(resource string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: "compute.azgallery.io", Version: "v1alpha1", Resource: resource}
}

var (
	secretGVR = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
	nsGVR     = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	eventGVR  = schema.GroupVersionResource{Version: "v1", Resource: "events"}
)

// kindInfo is what the soak needs to know of one kind.
type kindInfo struct {
	gvr      schema.GroupVersionResource
	refField string   // the spec field naming the parent object; "" for a Gallery
	segment  string   // the Azure path segment under the parent
	regions  []string // path under properties of the target regions (versions); nil when none
	noState  bool     // Azure reports no provisioningState (applications are written at once)
}

// Kinds in creation order: parents before children.
const (
	kindGallery        = "Gallery"
	kindImage          = "GalleryImage"
	kindVersion        = "GalleryImageVersion"
	kindApp            = "GalleryApplication"
	kindAppVersion     = "GalleryApplicationVersion"
	kindProfile        = "GalleryInVMAccessControlProfile"
	kindProfileVersion = "GalleryInVMAccessControlProfileVersion"
)

var kindOrder = []string{kindGallery, kindImage, kindVersion, kindApp, kindAppVersion, kindProfile, kindProfileVersion}

var kinds = map[string]kindInfo{
	kindGallery:        {gvr: crdGVR("galleries")},
	kindImage:          {gvr: crdGVR("galleryimages"), refField: "galleryRef", segment: "images"},
	kindVersion:        {gvr: crdGVR("galleryimageversions"), refField: "imageRef", segment: "versions", regions: []string{"publishingProfile", "targetRegions"}},
	kindApp:            {gvr: crdGVR("galleryapplications"), refField: "galleryRef", segment: "applications", noState: true},
	kindAppVersion:     {gvr: crdGVR("galleryapplicationversions"), refField: "applicationRef", segment: "versions", regions: []string{"publishingProfile", "targetRegions"}},
	kindProfile:        {gvr: crdGVR("galleryinvmaccesscontrolprofiles"), refField: "galleryRef", segment: "inVMAccessControlProfiles"},
	kindProfileVersion: {gvr: crdGVR("galleryinvmaccesscontrolprofileversions"), refField: "profileRef", segment: "versions", regions: []string{"targetLocations"}},
}

// obj is one Kubernetes object of the soak and what its spec last said (as far as it was
// accepted by the kube-apiserver).
type obj struct {
	kind     string // one of kindOrder
	name     string // metadata.name
	gallery  int    // index of its gallery
	index    int    // index within its kind
	parent   *obj   // nil for a gallery
	azureID  string
	gen      int      // the soak-gen tag and the description's generation
	regions  []string // versions: target regions
	changes  int      // spec changes accepted by the kube-apiserver
	deleted  bool     // deletion requested (accepted)
	creds    bool     // uses the rotated principal (its gallery has credentialsSecretRef)
	children []*obj   // images, applications and profiles of a gallery; the version of each
}

func (o *obj) gvr() schema.GroupVersionResource { return kinds[o.kind].gvr }

// isVersion reports whether the object replicates to target regions (no description then).
func (o *obj) isVersion() bool { return kinds[o.kind].regions != nil }

func (o *obj) description() string {
	return fmt.Sprintf("soak %s %s generation %d", o.kind, o.name, o.gen)
}

func galleryName(g int) string      { return fmt.Sprintf("g-%02d", g) }
func galleryAzureName(g int) string { return fmt.Sprintf("soak_g%02d", g) }

func galleryID(g int) string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/galleries/%s", localenv.SubscriptionID, group, galleryAzureName(g))
}

// model is every object of the soak.
type model struct {
	mu      sync.Mutex
	objs    map[string][]*obj // kind -> objects
	sources []string          // managed image ids
}

// counts is how many objects of each kind the soak creates: galleries, images, image versions (one
// each on the first images), applications and profiles (spread over the galleries, one version
// each).
type counts struct{ galleries, images, versions, applications, profiles int }

func newModel(n counts, sources []string) *model {
	m := &model{sources: sources, objs: map[string][]*obj{}}
	for g := 0; g < n.galleries; g++ {
		m.add(&obj{kind: kindGallery, name: galleryName(g), gallery: g, index: g, azureID: galleryID(g), creds: g%2 == 1})
	}
	galleries := m.objs[kindGallery]
	for i := 0; i < n.images; i++ {
		m.child(kindImage, fmt.Sprintf("img-%04d", i), "", i, galleries[i%n.galleries])
	}
	for i := 0; i < n.versions; i++ {
		m.child(kindVersion, fmt.Sprintf("img-%04d-v1", i), "1.0.0", i, m.objs[kindImage][i])
	}
	for i := 0; i < n.applications; i++ {
		app := m.child(kindApp, fmt.Sprintf("app-%03d", i), "", i, galleries[i%n.galleries])
		m.child(kindAppVersion, fmt.Sprintf("app-%03d-v1", i), "1.0.0", i, app)
	}
	for i := 0; i < n.profiles; i++ {
		p := m.child(kindProfile, fmt.Sprintf("prof-%03d", i), "", i, galleries[i%n.galleries])
		m.child(kindProfileVersion, fmt.Sprintf("prof-%03d-v1", i), "1.0.0", i, p)
	}
	return m
}

func (m *model) add(o *obj) *obj {
	m.objs[o.kind] = append(m.objs[o.kind], o)
	return o
}

// child adds an object under parent; azureName "" means the Azure name is metadata.name.
func (m *model) child(kind, name, azureName string, i int, parent *obj) *obj {
	if azureName == "" {
		azureName = name
	}
	o := &obj{kind: kind, name: name, gallery: parent.gallery, index: i, parent: parent, creds: parent.creds,
		azureID: parent.azureID + "/" + kinds[kind].segment + "/" + azureName}
	if o.isVersion() {
		o.regions = append([]string(nil), regionPool[:2+i%2]...)
	}
	parent.children = append(parent.children, o)
	return m.add(o)
}

func (m *model) of(kind string) []*obj { return m.objs[kind] }

func (m *model) all() []*obj {
	var out []*obj
	for _, k := range kindOrder {
		out = append(out, m.objs[k]...)
	}
	return out
}

func tagsOf(o *obj) map[string]any {
	return map[string]any{genTag: strconv.Itoa(o.gen), "soak": "true"}
}

// manifest is the object's full desired state.
func (m *model) manifest(o *obj) *unstructured.Unstructured {
	spec := map[string]any{"location": location, "tags": tagsOf(o)}
	props := map[string]any{}
	if ref := kinds[o.kind].refField; ref != "" {
		spec[ref] = map[string]any{"name": o.parent.name}
	}
	if o.isVersion() {
		spec["azureName"] = "1.0.0"
	}
	switch o.kind {
	case kindGallery:
		spec["resourceGroupName"], spec["azureName"] = group, galleryAzureName(o.gallery)
		if o.creds {
			spec["credentialsSecretRef"] = map[string]any{"name": credsSecret}
		}
	case kindImage:
		props = map[string]any{"osType": "Linux", "osState": "Generalized", "hyperVGeneration": "V2",
			"identifier": map[string]any{"publisher": "soak", "offer": fmt.Sprintf("offer-%04d", o.index), "sku": "sku"}}
	case kindVersion:
		props["storageProfile"] = map[string]any{"source": map[string]any{"id": m.sources[o.index%len(m.sources)]}}
	case kindApp:
		props["supportedOSType"] = "Linux"
	case kindAppVersion:
		props["publishingProfile"] = map[string]any{
			"source":        map[string]any{"mediaLink": "https://soakstore.blob.core.windows.net/apps/" + o.name + ".tar.gz"},
			"manageActions": map[string]any{"install": "./install.sh", "remove": "./remove.sh"},
		}
	case kindProfile:
		props = map[string]any{"osType": "Linux", "applicableHostEndpoint": "WireServer"}
	case kindProfileVersion:
		props = map[string]any{"mode": "Audit", "defaultAccess": "Allow"}
	}
	setChanging(props, o)
	spec["properties"] = props
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "compute.azgallery.io/v1alpha1", "kind": o.kind,
		"metadata": map[string]any{"name": o.name, "namespace": namespace, "labels": map[string]any{"soak": "true"}},
		"spec":     spec,
	}}
}

// setChanging sets in props what the spec changes touch: a version's target regions, anything
// else's description.
func setChanging(props map[string]any, o *obj) {
	path := kinds[o.kind].regions
	if path == nil {
		props["description"] = o.description()
		return
	}
	at := props
	for _, k := range path[:len(path)-1] {
		next, _ := at[k].(map[string]any)
		if next == nil {
			next = map[string]any{}
			at[k] = next
		}
		at = next
	}
	at[path[len(path)-1]] = regionsSpec(o.regions)
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
	props := map[string]any{}
	setChanging(props, o)
	b, _ := json.Marshal(map[string]any{"spec": map[string]any{"tags": tagsOf(o), "properties": props}})
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

// countLine is "N Gallery, N GalleryImage, …" in creation order.
func (m *model) countLine() string {
	var s []string
	for _, k := range kindOrder {
		s = append(s, fmt.Sprintf("%d %s", len(m.objs[k]), k))
	}
	return strings.Join(s, ", ")
}
