// Package e2e drives the operator exactly as a user does: the built manager binary as its own
// process, a real control plane, the Azure emulator as its own process, and kubectl.
package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/azgallery/gallery-operator/internal/localenv"
	"github.com/azgallery/gallery-operator/internal/testenv"
)

const (
	group    = "e2e-rg"
	gallery  = "e2e_gallery"
	location = "westeurope"
)

var (
	cp       *localenv.ControlPlane
	emulator *localenv.Emulator
	manager  *localenv.Manager
	kubectl  string
)

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e setup:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

// run builds the binaries, starts everything and runs the tests.
func run(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "gallery-e2e-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	root := testenv.RepoRoot()
	for bin, pkg := range map[string]string{"manager": ".", "azure-emulator": "./cmd/azure-emulator"} {
		build := exec.Command("go", "build", "-o", filepath.Join(dir, bin), pkg)
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			return 0, fmt.Errorf("building %s: %w\n%s", bin, err, out)
		}
	}
	kubectl = filepath.Join(testenv.AssetsDir(), "kubectl")
	if cp, err = localenv.StartControlPlane(dir, testenv.AssetsDir(), filepath.Join(root, "config", "crd", "bases")); err != nil {
		return 0, err
	}
	defer cp.Stop()
	if emulator, err = localenv.StartEmulator(dir, filepath.Join(dir, "azure-emulator"), "--operation-duration=500ms"); err != nil {
		return 0, err
	}
	defer emulator.Stop()
	if err := emulator.CreateGallery(context.Background(), group, gallery, location); err != nil {
		return 0, err
	}
	if manager, err = localenv.StartManager(dir, filepath.Join(dir, "manager"), cp.Kubeconfig, emulator, "--drift-resync=1m", "--zap-log-level=debug"); err != nil {
		return 0, err
	}
	defer manager.Stop()
	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "manager log:\n%s\n", manager.Log())
	}
	return code, nil
}

// waitTimeout bounds every wait for the operator (kubectl wait, kubectl delete, a kubectl command):
// generous, so that a busy machine does not fail a test that would pass.
const waitTimeout = 5 * time.Minute

// waitFlag is kubectl's --timeout for wait.
var waitFlag = "--timeout=" + waitTimeout.String()

func k(t *testing.T, args ...string) string {
	t.Helper()
	// Longer than any --timeout given to kubectl, so that kubectl reports its own timeout.
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout+time.Minute)
	defer cancel()
	out, err := localenv.Kubectl(ctx, kubectl, cp.Kubeconfig, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const manifest = `apiVersion: compute.azgallery.io/v1alpha1
kind: GalleryImage
metadata:
  name: e2e-ubuntu
  namespace: default
spec:
  resourceGroupName: e2e-rg
  galleryName: e2e_gallery
  azureName: E2E-Ubuntu
  location: West Europe
  properties:
    description: %s
    osType: Linux
    osState: Generalized
    hyperVGeneration: V2
    identifier:
      publisher: e2e
      offer: ubuntu
      sku: "24_04"
    features:
      - name: SecurityType
        value: TrustedLaunch
`

// apply writes the manifest with description and applies it with kubectl.
func apply(t *testing.T, description string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "image.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(manifest, description)), 0o644); err != nil {
		t.Fatal(err)
	}
	k(t, "apply", "-f", path)
}

// azureDescription is the description the emulator holds for the image, "" when it has none.
func azureDescription(t *testing.T) (string, bool) {
	t.Helper()
	images, err := emulator.Images(context.Background(), group, gallery)
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range images {
		if img.Name != nil && *img.Name == "E2E-Ubuntu" {
			if img.Properties.Description == nil {
				return "", true
			}
			return *img.Properties.Description, true
		}
	}
	return "", false
}

func TestUserWorkflowWithKubectl(t *testing.T) {
	apply(t, "first description")
	k(t, "wait", "--for=condition=Ready", "galleryimage/e2e-ubuntu", waitFlag)
	if d, ok := azureDescription(t); !ok || d != "first description" {
		t.Fatalf("Azure holds %q (exists %t) after apply", d, ok)
	}
	wide := k(t, "get", "galleryimages", "-o", "wide")
	for _, want := range []string{"e2e-ubuntu", "True", "Succeeded", "e2e_gallery"} {
		if !strings.Contains(wide, want) {
			t.Errorf("kubectl get -o wide lacks %q:\n%s", want, wide)
		}
	}

	apply(t, "second description")
	k(t, "wait", "--for=jsonpath={.status.observedGeneration}=2", "galleryimage/e2e-ubuntu", waitFlag)
	k(t, "wait", "--for=condition=Ready", "galleryimage/e2e-ubuntu", waitFlag)
	if d, _ := azureDescription(t); d != "second description" {
		t.Fatalf("Azure holds %q after the edit", d)
	}

	// An immutable change is refused at admission, by kubectl apply itself.
	path := filepath.Join(t.TempDir(), "bad.yaml")
	bad := strings.Replace(fmt.Sprintf(manifest, "second description"), "osState: Generalized", "osState: Specialized", 1)
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if out, err := localenv.Kubectl(ctx, kubectl, cp.Kubeconfig, "apply", "-f", path); err == nil || !strings.Contains(out, "osState is immutable") {
		t.Errorf("kubectl apply of an osState change: err %v, output %s", err, out)
	}

	scrapeMetrics(t)

	k(t, "delete", "galleryimage/e2e-ubuntu", waitFlag)
	if _, ok := azureDescription(t); ok {
		t.Fatal("the image is still in Azure after kubectl delete returned")
	}
}

// scrapeMetrics checks the operator's own metrics on the manager's /metrics endpoint.
func scrapeMetrics(t *testing.T) {
	t.Helper()
	resp, err := http.Get(manager.MetricsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`gallery_operator_azure_requests_total{code="201",kind="GalleryImage",method="PUT",operation="galleryImages.CreateOrUpdate",subscription="`,
		`gallery_operator_azure_requests_total{code="200",kind="GalleryImage",method="GET",operation="galleryImages.Get",subscription="`,
		`gallery_operator_azure_request_duration_seconds_bucket{kind="GalleryImage",method="PUT",operation="galleryImages.CreateOrUpdate"`,
		`gallery_operator_azure_operation_duration_seconds_count{kind="GalleryImage",operation="CreateOrUpdate",outcome="succeeded"}`,
		`gallery_operator_resources{kind="GalleryImage",provisioning_state="Succeeded"} 1`,
		`gallery_operator_objects{condition="Ready",kind="GalleryImage",namespace=`,
		`gallery_operator_azure_budget_tokens{bucket="writes",client_id=`,
		`controller_runtime_reconcile_total{controller="galleryimage"`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
