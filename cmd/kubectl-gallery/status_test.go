package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/azgallery/gallery-operator/internal/localenv"
	"github.com/azgallery/gallery-operator/internal/statusview"
	"github.com/azgallery/gallery-operator/internal/testenv"
)

// The status tests run the command against a real kube-apiserver with the CRDs installed and
// objects in every state; no operator runs, the tests write the statuses it would write.

var cluster struct {
	once sync.Once
	dir  string
	cp   *localenv.ControlPlane
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if cluster.cp != nil {
		if err := cluster.cp.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping the control plane:", err)
		}
	}
	if cluster.dir != "" {
		_ = os.RemoveAll(cluster.dir)
	}
	os.Exit(code)
}

// controlPlane starts the control plane for the first test that needs it and returns the path
// of its kubeconfig and a client.
func controlPlane(t *testing.T) (string, dynamic.Interface) {
	t.Helper()
	cluster.once.Do(func() {
		if cluster.dir, cluster.err = os.MkdirTemp("", "kubectl-gallery-status-"); cluster.err != nil {
			return
		}
		cluster.cp, cluster.err = localenv.StartControlPlane(cluster.dir, testenv.AssetsDir(), filepath.Join(testenv.RepoRoot(), "config", "crd", "bases"))
	})
	if cluster.err != nil {
		t.Fatal(cluster.err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", cluster.cp.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	return cluster.cp.Kubeconfig, dynamic.NewForConfigOrDie(cfg)
}

var namespaces = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}

// fixture creates namespace ns and the objects of manifests (YAML documents) in it, then gives
// each object named in statuses that status, as the operator would.
func fixture(t *testing.T, dyn dynamic.Interface, ns, manifests string, statuses map[string]map[string]any) {
	t.Helper()
	ctx := context.Background()
	nsObj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}}}
	if _, err := dyn.Resource(namespaces).Create(ctx, nsObj, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, doc := range strings.Split(manifests, "\n---\n") {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
			t.Fatalf("%v\n%s", err, doc)
		}
		res := resource(t, u.GetKind())
		created, err := res.Namespace(ns).Create(ctx, u, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("creating %s %s: %v", u.GetKind(), u.GetName(), err)
		}
		if st, ok := statuses[u.GetKind()+"/"+u.GetName()]; ok {
			setStatus(t, dyn, created, st)
		}
	}
}

// resource is the client of kind's resource.
func resource(t *testing.T, kind string) dynamic.NamespaceableResourceInterface {
	t.Helper()
	for _, k := range statusview.Kinds() {
		if k.Name == kind {
			_, dyn := controlPlane(t)
			return dyn.Resource(k.GVR())
		}
	}
	t.Fatalf("no kind %s", kind)
	return nil
}

// setStatus writes status to obj through the status subresource.
func setStatus(t *testing.T, dyn dynamic.Interface, obj *unstructured.Unstructured, status map[string]any) {
	t.Helper()
	obj = obj.DeepCopy()
	obj.Object["status"] = status
	if _, err := resource(t, obj.GetKind()).Namespace(obj.GetNamespace()).UpdateStatus(context.Background(), obj, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("status of %s %s: %v", obj.GetKind(), obj.GetName(), err)
	}
}

// cond is a condition of generation 1.
func cond(typ, status, reason string) map[string]any {
	return map[string]any{"type": typ, "status": status, "reason": reason, "message": reason + " message",
		"lastTransitionTime": "2026-01-01T00:00:00Z", "observedGeneration": int64(1)}
}

func ready() map[string]any {
	return map[string]any{"observedGeneration": int64(1), "provisioningState": "Succeeded", "conditions": []any{cond("Ready", "True", "Succeeded")}}
}

// replicating is a version's status while northeurope replicates (progress percent), or
// completed when progress is 100.
func replicating(progress int64) map[string]any {
	st := map[string]any{"observedGeneration": int64(1), "provisioningState": "Updating", "replication": "1/2",
		"conditions": []any{cond("Ready", "False", "Replicating"), cond("Reconciling", "True", "Replicating")}}
	state, aggregated := "Replicating", "InProgress"
	if progress == 100 {
		st = ready()
		st["replication"] = "2/2"
		state, aggregated = "Completed", "Completed"
	}
	st["replicationStatus"] = map[string]any{"aggregatedState": aggregated, "summary": []any{
		map[string]any{"region": "westeurope", "state": "Completed", "progress": int64(100)},
		map[string]any{"region": "northeurope", "state": state, "progress": progress},
	}}
	return st
}

const (
	galleryYAML = `apiVersion: compute.azgallery.io/v1alpha1
kind: Gallery
metadata: {name: platform}
spec: {resourceGroupName: images-rg, location: westeurope}`
	ubuntuYAML = `apiVersion: compute.azgallery.io/v1alpha1
kind: GalleryImage
metadata: {name: ubuntu}
spec:
  galleryRef: {name: platform}
  managementPolicy: Manage
  location: westeurope
  properties: {osType: Linux, osState: Generalized, identifier: {publisher: contoso, offer: ubuntu, sku: "24_04"}}`
	windowsYAML = `apiVersion: compute.azgallery.io/v1alpha1
kind: GalleryImage
metadata: {name: windows}
spec:
  resourceGroupName: images-rg
  galleryName: platform
  managementPolicy: Observe
  location: westeurope
  properties: {osType: Windows, osState: Generalized, identifier: {publisher: contoso, offer: windows, sku: "2025"}}`
	versionProps = `
  location: westeurope
  properties:
    publishingProfile: {targetRegions: [{name: westeurope}, {name: northeurope}]}
    storageProfile: {source: {id: /subscriptions/8d1f7c6e-2b3a-4c5d-9e8f-0a1b2c3d4e5f/resourceGroups/images-rg/providers/Microsoft.Compute/images/base}}`
)

// version is a GalleryImageVersion manifest; parent is its imageRef or path fields.
func version(name, parent string) string {
	return "apiVersion: compute.azgallery.io/v1alpha1\nkind: GalleryImageVersion\nmetadata: {name: " + name + "}\nspec:\n  " + parent + versionProps
}

// byPath names the image of a version by path fields.
func byPath(image string) string {
	return "resourceGroupName: images-rg\n  galleryName: platform\n  galleryImageName: " + image
}

// everyState is a gallery with children by reference and by path, Ready, Reconciling while
// replicating, Stalled, Paused without a status yet, one whose image is not in the cluster, and a
// version whose imageRef names no GalleryImage.
func everyState(t *testing.T, dyn dynamic.Interface, ns string) {
	stalled := map[string]any{"observedGeneration": int64(1), "conditions": []any{cond("Ready", "False", "InvalidParameter"), cond("Stalled", "True", "InvalidParameter")}}
	galleryStatus := ready()
	galleryStatus["subscriptionId"] = "8d1f7c6e-2b3a-4c5d-9e8f-0a1b2c3d4e5f"
	fixture(t, dyn, ns, strings.Join([]string{galleryYAML, ubuntuYAML, windowsYAML,
		version("1.0.0", "imageRef: {name: ubuntu}"),
		version("1.1.0", "imageRef: {name: ubuntu}"),
		version("2.0.0", byPath("windows")+"\n  managementPolicy: Paused"),
		version("3.0.0", byPath("retired")),
		version("9.0.0", "imageRef: {name: ghost}"),
	}, "\n---\n"), map[string]map[string]any{
		"Gallery/platform": galleryStatus, "GalleryImage/ubuntu": ready(), "GalleryImage/windows": stalled,
		"GalleryImageVersion/1.0.0": replicating(100), "GalleryImageVersion/1.1.0": replicating(40),
	})
}

// runOK runs the command and returns its output; it fails the test unless it exits 0.
func runOK(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr strings.Builder
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("%q: exit %d: %s", args, code, stderr.String())
	}
	return stdout.String()
}

// outline is a tree as "Kind/name linkedBy state policy" lines, indented by depth.
func outline(nodes []*statusview.Node, depth int) string {
	var b strings.Builder
	for _, n := range nodes {
		fmt.Fprintf(&b, "%s%s/%s %s %s %s\n", strings.Repeat("  ", depth), n.Kind, n.Name, n.LinkedBy, n.State, n.Policy)
		b.WriteString(outline(n.Children, depth+1))
	}
	return b.String()
}

func TestStatusEveryState(t *testing.T) {
	kubeconfig, dyn := controlPlane(t)
	everyState(t, dyn, "every-state")
	var v statusview.View
	if err := json.Unmarshal([]byte(runOK(t, "status", "platform", "--kubeconfig", kubeconfig, "-n", "every-state", "-o", "json")), &v); err != nil {
		t.Fatal(err)
	}
	want := `Gallery/platform  Ready 
  GalleryImage/retired path Missing 
    GalleryImageVersion/3.0.0 path Pending 
  GalleryImage/ubuntu galleryRef Ready Manage
    GalleryImageVersion/1.0.0 imageRef Ready 
    GalleryImageVersion/1.1.0 imageRef Reconciling 
  GalleryImage/windows path Stalled Observe
    GalleryImageVersion/2.0.0 path Pending Paused
`
	if got := outline(v.Items, 0); got != want {
		t.Errorf("tree:\n%s\nwant:\n%s", got, want)
	}
	if r := v.Items[0].Children[1].Children[1].Replication; r == nil || r.Replicated != "1/2" || len(r.Regions) != 2 || r.Regions[1].Progress != 40 {
		t.Errorf("replication of 1.1.0: %+v", r)
	}

	// The table: names in a tree, the policy left to the operator shown as such, and the regions of
	// the version that replicates (only: 1.0.0 has completed).
	table := runOK(t, "status", "--kubeconfig", kubeconfig, "platform", "--namespace", "every-state")
	for _, want := range [][]string{
		{"Gallery/platform ", "True", "Ready", "Succeeded", "(default)"},
		{"│  ├─ GalleryImageVersion/1.0.0 ", "True", "2/2 Completed"},
		{"│  └─ GalleryImageVersion/1.1.0 ", "False", "Reconciling", "Replicating", "1/2 InProgress"},
		{"│     └─ northeurope ", "Replicating 40%"},
		{"└─ GalleryImage/windows ", "False", "Stalled", "InvalidParameter", "Observe"},
		{"   └─ GalleryImageVersion/2.0.0 ", "Pending", "Paused"},
	} {
		if !hasRow(table, want) {
			t.Errorf("no row with %q in\n%s", want, table)
		}
	}
	if n := strings.Count(table, "westeurope"); n != 1 {
		t.Errorf("westeurope in %d rows, want 1 (the regions of the version that replicates):\n%s", n, table)
	}

	// --all adds what is under no Gallery: the version whose imageRef names no GalleryImage.
	var all statusview.View
	if err := yaml.Unmarshal([]byte(runOK(t, "status", "--all", "--kubeconfig", kubeconfig, "-n", "every-state", "-o", "yaml")), &all); err != nil {
		t.Fatal(err)
	}
	if got, want := outline(all.Items[1:], 0), "GalleryImage/ghost  Missing \n  GalleryImageVersion/9.0.0 imageRef Pending \n"; len(all.Items) != 2 || got != want {
		t.Errorf("--all after the gallery:\n%s\nwant:\n%s", got, want)
	}
}

// The other families under a gallery: an application with a version that replicates, and an
// access control profile whose version is being deleted (held by a finalizer of another
// controller); -o wide shows every region of the version.
const (
	toolsYAML = `apiVersion: compute.azgallery.io/v1alpha1
kind: GalleryApplication
metadata: {name: tools}
spec: {galleryRef: {name: platform}, location: westeurope, properties: {supportedOSType: Linux}}`
	toolsVersionYAML = `apiVersion: compute.azgallery.io/v1alpha1
kind: GalleryApplicationVersion
metadata: {name: tools-1.0.0}
spec:
  applicationRef: {name: tools}
  azureName: 1.0.0
  location: westeurope
  properties:
    publishingProfile:
      source: {mediaLink: "https://store.blob.core.windows.net/apps/tools.tar.gz"}
      manageActions: {install: ./install.sh, remove: ./remove.sh}
      targetRegions: [{name: westeurope}, {name: northeurope}]`
	guardYAML = `apiVersion: compute.azgallery.io/v1alpha1
kind: GalleryInVMAccessControlProfile
metadata: {name: guard}
spec: {galleryRef: {name: platform}, location: westeurope, properties: {osType: Linux, applicableHostEndpoint: WireServer}}`
	guardVersionYAML = `apiVersion: compute.azgallery.io/v1alpha1
kind: GalleryInVMAccessControlProfileVersion
metadata: {name: guard-1.0.0, finalizers: [example.com/hold]}
spec:
  profileRef: {name: guard}
  azureName: 1.0.0
  location: westeurope
  properties: {mode: Audit, defaultAccess: Allow, targetLocations: [{name: westeurope}]}`
)

func TestStatusApplicationsAndProfiles(t *testing.T) {
	kubeconfig, dyn := controlPlane(t)
	ns := "apps-profiles"
	fixture(t, dyn, ns, strings.Join([]string{galleryYAML, toolsYAML, toolsVersionYAML, guardYAML, guardVersionYAML}, "\n---\n"),
		map[string]map[string]any{"Gallery/platform": ready(), "GalleryApplication/tools": ready(),
			"GalleryApplicationVersion/tools-1.0.0": replicating(40), "GalleryInVMAccessControlProfile/guard": ready(),
			"GalleryInVMAccessControlProfileVersion/guard-1.0.0": ready()})
	versions := resource(t, "GalleryInVMAccessControlProfileVersion").Namespace(ns)
	if err := versions.Delete(context.Background(), "guard-1.0.0", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		patch := []byte(`{"metadata":{"finalizers":null}}`)
		_, _ = versions.Patch(context.Background(), "guard-1.0.0", types.MergePatchType, patch, metav1.PatchOptions{})
	})

	var v statusview.View
	if err := json.Unmarshal([]byte(runOK(t, "status", "platform", "--kubeconfig", kubeconfig, "-n", ns, "-o", "json")), &v); err != nil {
		t.Fatal(err)
	}
	want := `Gallery/platform  Ready 
  GalleryApplication/tools galleryRef Ready 
    GalleryApplicationVersion/tools-1.0.0 applicationRef Reconciling 
  GalleryInVMAccessControlProfile/guard galleryRef Ready 
    GalleryInVMAccessControlProfileVersion/guard-1.0.0 profileRef Deleting 
`
	if got := outline(v.Items, 0); got != want {
		t.Errorf("tree:\n%s\nwant:\n%s", got, want)
	}

	wide := runOK(t, "status", "platform", "--kubeconfig", kubeconfig, "-n", ns, "-o", "wide")
	if header := strings.SplitN(wide, "\n", 2)[0]; !strings.Contains(header, "PROVISIONING") || !strings.Contains(header, "LINKED BY") {
		t.Errorf("wide header %q", header)
	}
	for _, want := range [][]string{
		{"├─ GalleryApplication/tools ", "True", "Ready", "galleryRef"},
		{"│  └─ GalleryApplicationVersion/tools-1.0.0 ", "False", "Reconciling", "Replicating", "1/2 InProgress", "applicationRef"},
		{"│     ├─ westeurope ", "Completed 100%"},
		{"│     └─ northeurope ", "Replicating 40%"},
		{"   └─ GalleryInVMAccessControlProfileVersion/guard-1.0.0 ", "Deleting", "profileRef"},
	} {
		if !hasRow(wide, want) {
			t.Errorf("no row with %q in\n%s", want, wide)
		}
	}
}

// hasRow says whether a line of table starts with cells[0] and holds the other cells in order.
func hasRow(table string, cells []string) bool {
	for _, line := range strings.Split(table, "\n") {
		rest, ok := strings.CutPrefix(line, cells[0])
		for _, c := range cells[1:] {
			if !ok {
				break
			}
			_, rest, ok = strings.Cut(rest, c)
		}
		if ok {
			return true
		}
	}
	return false
}

func TestStatusErrors(t *testing.T) {
	kubeconfig, dyn := controlPlane(t)
	fixture(t, dyn, "errors", ubuntuYAML, nil)
	var stdout, stderr strings.Builder
	if code := run(context.Background(), []string{"status", "platform", "--kubeconfig", kubeconfig, "-n", "errors"}, &stdout, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), `Gallery "platform" not found in namespace errors`) ||
		!hasRow(stdout.String(), []string{"Gallery/platform ", "Missing"}) || !hasRow(stdout.String(), []string{"└─ GalleryImage/ubuntu ", "Pending", "Manage"}) {
		t.Errorf("a missing Gallery: exit %d, stdout:\n%s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	if out := runOK(t, "status", "--all", "--kubeconfig", kubeconfig, "-n", "empty"); out != "No Gallery objects in namespace empty.\n" {
		t.Errorf("an empty namespace: %q", out)
	}
}

// syncBuffer is a strings.Builder safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor waits until cond holds, failing the test after 3 minutes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Minute); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestStatusWatch(t *testing.T) {
	kubeconfig, dyn := controlPlane(t)
	fixture(t, dyn, "watch", strings.Join([]string{galleryYAML, ubuntuYAML, version("1.1.0", "imageRef: {name: ubuntu}")}, "\n---\n"),
		map[string]map[string]any{"Gallery/platform": ready(), "GalleryImage/ubuntu": ready(), "GalleryImageVersion/1.1.0": replicating(40)})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"status", "platform", "--watch", "--kubeconfig", kubeconfig, "-n", "watch"}, &out, &errOut)
	}()
	// The latest rendering: each starts with the header.
	latest := func() string { s := out.String(); return s[max(strings.LastIndex(s, "NAME "), 0):] }
	waitFor(t, "the first rendering", func() bool { return hasRow(latest(), []string{"      └─ northeurope ", "Replicating 40%"}) })

	versions := resource(t, "GalleryImageVersion").Namespace("watch")
	v, err := versions.Get(ctx, "1.1.0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	setStatus(t, dyn, v, replicating(100))
	waitFor(t, "the completed replication", func() bool {
		return hasRow(latest(), []string{"   └─ GalleryImageVersion/1.1.0 ", "True", "Ready", "2/2 Completed"}) && !strings.Contains(latest(), "northeurope")
	})

	fixtureVersion := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(version("1.2.0", "imageRef: {name: ubuntu}")), &fixtureVersion.Object); err != nil {
		t.Fatal(err)
	}
	if _, err := versions.Create(ctx, fixtureVersion, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the new version", func() bool { return hasRow(latest(), []string{"   └─ GalleryImageVersion/1.2.0 ", "Pending"}) })
	if err := versions.Delete(ctx, "1.1.0", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the deleted version to go", func() bool { return !strings.Contains(latest(), "1.1.0") })

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d after the interrupt: %s", code, errOut.String())
		}
	case <-time.After(3 * time.Minute):
		t.Fatal("--watch did not end with its context")
	}
	if frames := strings.Count(out.String(), "NAME "); frames < 4 {
		t.Errorf("%d renderings, want one per change (4 or more):\n%s", frames, out.String())
	}
}
