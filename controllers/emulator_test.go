package controllers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	azruntime "github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/emulator"
	"github.com/azgallery/gallery-operator/internal/emulator/emulatortest"
	"github.com/azgallery/gallery-operator/internal/kinds/image"
)

// A second service principal with access to the suite's subscription, for per-resource Secrets.
const (
	secondClientID     = "3c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f"
	secondClientSecret = "second-principal-secret"
	fastOperations     = 300 * time.Millisecond
)

// emulatorEnv is the in-process Azure emulator and what the suites need to drive and inspect it.
type emulatorEnv struct {
	server       *emulator.Server
	tenant       string
	clientID     string
	subscription string
	cred         azcore.TokenCredential
}

// fault is one rule of PUT /_emulator/faults.
type fault = emulator.Fault

// startEmulator starts the emulator on a free loopback port with fast operations; every request
// body the operator sends is checked against the spec (contract_test.go).
func startEmulator() (*emulatorEnv, error) {
	var err error
	if contract, err = newOperatorContract(); err != nil {
		return nil, err
	}
	cfg := emulator.Config{
		Listen: "127.0.0.1:0",
		Principals: []emulator.Principal{{ClientID: secondClientID, ClientSecret: secondClientSecret,
			Subscriptions: []string{emulator.DefaultSubscriptionID}}},
		Settings: emulator.Settings{OperationDurationMs: int(fastOperations / time.Millisecond), RetryAfterMs: 200,
			ReplicationSecondsPerRegion: replicationPerRegion},
		OnRequest: contract.observe,
	}
	server, err := emulator.New(cfg)
	if err != nil {
		return nil, err
	}
	if err := server.Start(context.Background()); err != nil {
		return nil, err
	}
	e := &emulatorEnv{server: server, tenant: server.TenantID(), clientID: server.ClientID(), subscription: server.SubscriptionID()}
	e.cred, err = emulatortest.Credential(server.URL(), server.HTTPClient(), e.tenant, e.clientID, server.ClientSecret())
	if err != nil {
		return nil, err
	}
	return e, nil
}

// Close stops the emulator.
func (e *emulatorEnv) Close() { _ = e.server.Close() }

// cloud points the operator's Azure factory at the emulator.
func (e *emulatorEnv) cloud() azure.Cloud {
	return azure.Cloud{AuthorityHost: e.server.URL() + "/", ResourceManagerEndpoint: e.server.URL(),
		ResourceManagerAudience: "https://management.core.windows.net/", CABundle: e.server.CACertPEM()}
}

// defaultCredentials are the operator's own credentials: the emulator's default principal.
func (e *emulatorEnv) defaultCredentials() azure.Credentials {
	return azure.Credentials{TenantID: e.tenant, ClientID: e.clientID, ClientSecret: e.server.ClientSecret(), SubscriptionID: e.subscription}
}

// clientOptions are SDK options for the suites' own clients ("outside Kubernetes").
func (e *emulatorEnv) clientOptions() *arm.ClientOptions {
	return emulatortest.ClientOptions(e.server.URL(), e.server.HTTPClient())
}

// createGallery creates a resource group and gallery through ARM.
func (e *emulatorEnv) createGallery(groupName, galleryName string) error {
	ctx := context.Background()
	groups, err := armresources.NewResourceGroupsClient(e.subscription, e.cred, e.clientOptions())
	if err != nil {
		return err
	}
	if _, err := groups.CreateOrUpdate(ctx, groupName, armresources.ResourceGroup{Location: to.Ptr(location)}, nil); err != nil {
		return fmt.Errorf("creating resource group: %w", err)
	}
	galleries, err := armcompute.NewGalleriesClient(e.subscription, e.cred, e.clientOptions())
	if err != nil {
		return err
	}
	poller, err := galleries.BeginCreateOrUpdate(ctx, groupName, galleryName, armcompute.Gallery{Location: to.Ptr(location)}, nil)
	if err != nil {
		return fmt.Errorf("creating gallery: %w", err)
	}
	_, err = poller.PollUntilDone(ctx, &azruntime.PollUntilDoneOptions{Frequency: time.Second})
	return err
}

// images is an SDK client for the suites' own reads and writes.
func (e *emulatorEnv) images(t *testing.T) *armcompute.GalleryImagesClient {
	t.Helper()
	c, err := armcompute.NewGalleryImagesClient(e.subscription, e.cred, e.clientOptions())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// get reads img from Azure; nil when Azure answers 404.
func (e *emulatorEnv) get(t *testing.T, img *v1alpha1.GalleryImage) *armcompute.GalleryImage {
	t.Helper()
	resp, err := e.images(t).Get(context.Background(), img.Spec.ResourceGroupName, img.Spec.GalleryName, img.AzureImageName(), nil)
	if azure.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatalf("reading %s from Azure: %v", img.AzureImageName(), err)
	}
	return &resp.GalleryImage
}

// exists reports whether Azure holds img.
func (e *emulatorEnv) exists(t *testing.T, img *v1alpha1.GalleryImage) bool {
	return e.get(t, img) != nil
}

// existsAt reports whether Azure has the resource at the ARM path.
func (e *emulatorEnv) existsAt(t *testing.T, path string) bool {
	t.Helper()
	c, err := armresources.NewClient(e.subscription, e.cred, e.clientOptions())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetByID(context.Background(), path, "2024-03-03", nil)
	if azure.IsNotFound(err) {
		return false
	}
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	return true
}

// description is img's description in Azure.
func (e *emulatorEnv) description(t *testing.T, img *v1alpha1.GalleryImage) string {
	t.Helper()
	got := e.get(t, img)
	if got == nil || got.Properties == nil || got.Properties.Description == nil {
		return ""
	}
	return *got.Properties.Description
}

// patchDescription changes img's description in Azure, as someone in the portal would.
func (e *emulatorEnv) patchDescription(t *testing.T, img *v1alpha1.GalleryImage, description string) {
	t.Helper()
	poller, err := e.images(t).BeginUpdate(context.Background(), img.Spec.ResourceGroupName, img.Spec.GalleryName, img.AzureImageName(),
		armcompute.GalleryImageUpdate{Properties: &armcompute.GalleryImageProperties{Description: to.Ptr(description)}}, nil)
	if err != nil {
		t.Fatalf("changing the image outside Kubernetes: %v", err)
	}
	if _, err := poller.PollUntilDone(context.Background(), &azruntime.PollUntilDoneOptions{Frequency: time.Second}); err != nil {
		t.Fatal(err)
	}
}

// createImageOutside creates img in Azure directly, from its spec as the operator would send it
// after mutate changed the JSON body.
func (e *emulatorEnv) createImageOutside(t *testing.T, img *v1alpha1.GalleryImage, mutate func(map[string]any)) {
	t.Helper()
	raw, err := json.Marshal(image.DesiredImage(&img.Spec))
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	mutate(body)
	raw, _ = json.Marshal(body)
	var changed armcompute.GalleryImage
	if err := json.Unmarshal(raw, &changed); err != nil {
		t.Fatal(err)
	}
	poller, err := e.images(t).BeginCreateOrUpdate(context.Background(), img.Spec.ResourceGroupName, img.Spec.GalleryName, img.AzureImageName(), changed, nil)
	if err != nil {
		t.Fatalf("creating the image outside Kubernetes: %v", err)
	}
	if _, err := poller.PollUntilDone(context.Background(), &azruntime.PollUntilDoneOptions{Frequency: time.Second}); err != nil {
		t.Fatal(err)
	}
	e.server.ResetRequests()
}

// requestsFor lists the ARM requests served for path (any method when method is empty).
func (e *emulatorEnv) requestsFor(t *testing.T, method, path string) []emulator.RequestRecord {
	t.Helper()
	var out []emulator.RequestRecord
	for _, r := range e.server.Requests() {
		if strings.EqualFold(r.Path, path) && (method == "" || r.Method == method) {
			out = append(out, r)
		}
	}
	return out
}

// reads is how many requests read img: GETs of it and list pages of its gallery's images.
func (e *emulatorEnv) reads(t *testing.T, img *v1alpha1.GalleryImage) int {
	t.Helper()
	path := imagePath(img)
	return e.count(t, "GET", path) + e.count(t, "GET", path[:strings.LastIndex(path, "/")])
}

// count is how many method requests were served for path.
func (e *emulatorEnv) count(t *testing.T, method, path string) int {
	t.Helper()
	return len(e.requestsFor(t, method, path))
}

// countStatus is how many method requests for path were answered with status.
func (e *emulatorEnv) countStatus(t *testing.T, method, path string, status int) int {
	t.Helper()
	n := 0
	for _, r := range e.requestsFor(t, method, path) {
		if r.Status == status {
			n++
		}
	}
	return n
}

// setFaults replaces the fault rules (nil clears them).
func (e *emulatorEnv) setFaults(t *testing.T, faults []fault) {
	t.Helper()
	if err := e.server.SetFaults(faults); err != nil {
		t.Fatal(err)
	}
}

// patchConfig sends PATCH /_emulator/config.
func (e *emulatorEnv) patchConfig(t *testing.T, patch map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(patch)
	req, _ := http.NewRequest(http.MethodPatch, e.server.URL()+"/_emulator/config", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.server.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PATCH /_emulator/config answered %d", resp.StatusCode)
	}
}

// setOperationDuration sets how long Azure operations run.
func (e *emulatorEnv) setOperationDuration(t *testing.T, d time.Duration) {
	t.Helper()
	e.patchConfig(t, map[string]any{"operationDurationMs": d.Milliseconds()})
}

// failNextOperation makes Azure fail the next operation on img.
func (e *emulatorEnv) failNextOperation(t *testing.T, img *v1alpha1.GalleryImage) {
	t.Helper()
	e.patchConfig(t, map[string]any{"failOperations": []emulator.OperationFailure{{
		Method: "PUT", PathPattern: "(?i)" + imagePath(img) + "$", Code: "InternalExecutionError",
		Message: "An internal execution error occurred. Please retry later.", Count: 1}}})
}
