package emulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"

	"github.com/azgallery/gallery-operator/internal/emulator"
	"github.com/azgallery/gallery-operator/internal/emulator/emulatortest"
)

const (
	computeAPI = "2024-03-03"
	groupsAPI  = "2021-04-01"
)

// tenv is a test environment with SDK clients.
type tenv struct {
	*emulatortest.Env
	t        testing.TB
	groups   *armresources.ResourceGroupsClient
	gals     *armcompute.GalleriesClient
	images   *armcompute.GalleryImagesClient
	versions *armcompute.GalleryImageVersionsClient
	tokenMu  sync.Mutex
	token    string
	// contract counts the answers validated against the spec (see contract_test.go).
	contract *contractStats
}

// newEnv starts an emulator and builds SDK clients for it; every answer they get to an operation of
// the 2024-03-03 spec is validated against it (contract_test.go).
func newEnv(t testing.TB, configure ...func(*emulator.Config)) *tenv {
	t.Helper()
	env := emulatortest.Start(t, configure...)
	e := &tenv{Env: env, t: t, contract: withContract(t, env)}
	var err error
	sub := env.SubscriptionID
	if e.groups, err = armresources.NewResourceGroupsClient(sub, env.Credential, env.ClientOptions); err != nil {
		t.Fatal(err)
	}
	if e.gals, err = armcompute.NewGalleriesClient(sub, env.Credential, env.ClientOptions); err != nil {
		t.Fatal(err)
	}
	if e.images, err = armcompute.NewGalleryImagesClient(sub, env.Credential, env.ClientOptions); err != nil {
		t.Fatal(err)
	}
	if e.versions, err = armcompute.NewGalleryImageVersionsClient(sub, env.Credential, env.ClientOptions); err != nil {
		t.Fatal(err)
	}
	return e
}

// testCtx returns a context that ends a hung test: generous, so that a busy machine does not
// end one that would pass.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// pollOpts polls quickly.
var pollOpts = &runtime.PollUntilDoneOptions{Frequency: 10 * time.Millisecond}

// bearer returns a cached access token of the default principal.
func (e *tenv) bearer() string {
	e.tokenMu.Lock()
	defer e.tokenMu.Unlock()
	if e.token == "" {
		tok, err := e.Credential.GetToken(context.Background(), policy.TokenRequestOptions{
			Scopes: []string{"https://management.azure.com/.default"},
		})
		if err != nil {
			e.t.Fatalf("get token: %v", err)
		}
		e.token = tok.Token
	}
	return e.token
}

// resp is a raw HTTP response with its decoded JSON body.
type resp struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// errCode returns body.error.code.
func (r resp) errCode() string {
	m, _ := r.body["error"].(map[string]any)
	s, _ := m["code"].(string)
	return s
}

// errField returns body.error.<k>.
func (r resp) errField(k string) string {
	m, _ := r.body["error"].(map[string]any)
	s, _ := m[k].(string)
	return s
}

// prop returns body.properties.<k>.
func (r resp) prop(k string) any {
	m, _ := r.body["properties"].(map[string]any)
	return m[k]
}

// do sends a raw request with the default principal's token (unless a
// header "Authorization" is given in hdr) to path (absolute URL or path).
func (e *tenv) do(method, path string, body any, hdr ...string) resp {
	e.t.Helper()
	u := path
	if !strings.HasPrefix(u, "https://") {
		u = e.Server.URL() + path
	}
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			rd = strings.NewReader(b)
		default:
			j, _ := json.Marshal(b)
			rd = strings.NewReader(string(j))
		}
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.bearer())
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	res, err := e.HTTPClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, u, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, header: res.Header, raw: string(b)}
	if len(b) > 0 {
		_ = json.Unmarshal(b, &r.body)
	}
	return r
}

// paths for the default subscription.
func (e *tenv) rgPath(rg string) string {
	return "/subscriptions/" + e.SubscriptionID + "/resourceGroups/" + rg
}

func (e *tenv) galPath(rg, g string) string {
	return e.rgPath(rg) + "/providers/Microsoft.Compute/galleries/" + g
}

func (e *tenv) imgPath(rg, g, i string) string {
	return e.galPath(rg, g) + "/images/" + i
}

// q appends an api-version.
func q(path, v string) string { return path + "?api-version=" + url.QueryEscape(v) }

// mustStatus fails unless r has the status.
func mustStatus(t testing.TB, r resp, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status = %d, want %d; body %s", r.status, want, r.raw)
	}
}

// mustError fails unless r is an ARM error with status and code.
func mustError(t testing.TB, r resp, status int, code string) {
	t.Helper()
	if r.status != status || r.errCode() != code {
		t.Fatalf("got %d %q, want %d %q; body %s", r.status, r.errCode(), status, code, r.raw)
	}
}

// setupGallery creates a resource group and a gallery (westus) with the SDK.
func (e *tenv) setupGallery(ctx context.Context, rg, g string) {
	e.t.Helper()
	if _, err := e.groups.CreateOrUpdate(ctx, rg, armresources.ResourceGroup{Location: to.Ptr("westus")}, nil); err != nil {
		e.t.Fatalf("create group: %v", err)
	}
	p, err := e.gals.BeginCreateOrUpdate(ctx, rg, g, armcompute.Gallery{Location: to.Ptr("West US")}, nil)
	if err != nil {
		e.t.Fatalf("create gallery: %v", err)
	}
	if _, err := p.PollUntilDone(ctx, pollOpts); err != nil {
		e.t.Fatalf("create gallery: %v", err)
	}
}

// image returns a valid image definition body.
func image(loc, publisher, offer, sku string) armcompute.GalleryImage {
	return armcompute.GalleryImage{
		Location: to.Ptr(loc),
		Properties: &armcompute.GalleryImageProperties{
			OSType:  to.Ptr(armcompute.OperatingSystemTypesLinux),
			OSState: to.Ptr(armcompute.OperatingSystemStateTypesGeneralized),
			Identifier: &armcompute.GalleryImageIdentifier{
				Publisher: to.Ptr(publisher), Offer: to.Ptr(offer), SKU: to.Ptr(sku),
			},
		},
	}
}

// createImage creates an image with the SDK and waits for it.
func (e *tenv) createImage(ctx context.Context, rg, g, name string, img armcompute.GalleryImage) armcompute.GalleryImage {
	e.t.Helper()
	p, err := e.images.BeginCreateOrUpdate(ctx, rg, g, name, img, nil)
	if err != nil {
		e.t.Fatalf("create image %s: %v", name, err)
	}
	res, err := p.PollUntilDone(ctx, pollOpts)
	if err != nil {
		e.t.Fatalf("create image %s: %v", name, err)
	}
	return res.GalleryImage
}

// waitIdle waits until the resource's provisioningState is terminal.
func (e *tenv) waitIdle(path string) resp {
	e.t.Helper()
	return e.waitIdleAt(path, computeAPI)
}

// waitIdleAt is waitIdle with another api-version (for the source types).
func (e *tenv) waitIdleAt(path, apiVersion string) resp {
	e.t.Helper()
	deadline := time.Now().Add(opWait)
	var p poll
	for {
		r := e.do("GET", q(path, apiVersion), nil)
		st, _ := r.prop("provisioningState").(string)
		// A gallery application has no provisioningState: its writes complete at once.
		if r.status != 429 && (r.status != 200 || st == "" || st == "Succeeded" || st == "Failed") || time.Now().After(deadline) {
			return r
		}
		p.wait(r)
	}
}

// poll paces the GETs of a wait: 10 ms apart at first, then backing off to 100 ms so that a long
// wait stays within the emulator's read throttling (25 reads a second); after a 429 it waits the
// Retry-After the emulator asks for.
type poll struct{ interval time.Duration }

func (p *poll) wait(r resp) {
	if r.status == 429 {
		s, _ := strconv.Atoi(r.header.Get("Retry-After"))
		time.Sleep(time.Duration(max(s, 1)) * time.Second)
		return
	}
	p.interval = min(max(p.interval*3/2, 10*time.Millisecond), 100*time.Millisecond)
	time.Sleep(p.interval)
}

// opWait bounds the waits for the end of an operation: generous, so that a busy machine does not
// fail a test that would pass.
const opWait = 2 * time.Minute

// waitOp polls the URL of an operation (paced by poll) until the operation has ended — an
// Azure-AsyncOperation URL until its status is no longer InProgress, a Location URL until it no
// longer answers 202 — and returns the last answer. It fails the test after opWait.
func (e *tenv) waitOp(u string) resp {
	e.t.Helper()
	deadline := time.Now().Add(opWait)
	var p poll
	for {
		r := e.do("GET", u, nil)
		if r.status != 429 && r.status != 202 && !(r.status == 200 && r.body["status"] == "InProgress") {
			return r
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("operation %s still running after %v: %d %s", u, opWait, r.status, r.raw)
		}
		p.wait(r)
	}
}

// within guards a check of a state that lasts window from a write: start is taken just before
// the write is sent, and within is called once the answer to check has arrived. The emulator
// started the state after start and answered before now, so when less than window has passed the
// answer was given during the state and within reports true. Otherwise (a machine too slow to ask
// in time) it logs that the check of what was skipped and reports false.
func within(t testing.TB, start time.Time, window time.Duration, what string) bool {
	t.Helper()
	if took := time.Since(start); took >= window {
		t.Logf("not checked %s: the answer came %v after the write, past the %v it lasts (a slow machine)", what, took, window)
		return false
	}
	return true
}

// conflictWhileRunning sends a write that must be refused with 409 OperationNotAllowed because the
// operation started by a write sent just after start, lasting window, still runs. When the window
// has passed already it sends nothing; when the answer arrives after the window it is not checked
// (the operation may have ended before the write reached the emulator, which then accepted it). In
// both cases it returns false, with the answer if any, so that the caller can undo an accepted write.
func (e *tenv) conflictWhileRunning(start time.Time, window time.Duration, method, path string, body any) (resp, bool) {
	e.t.Helper()
	what := "that a " + method + " conflicts with the running operation"
	if !within(e.t, start, window, what) {
		return resp{}, false
	}
	r := e.do(method, path, body)
	if !within(e.t, start, window, what) {
		return r, false
	}
	mustError(e.t, r, 409, "OperationNotAllowed")
	return r, true
}

// respErr extracts an *azcore.ResponseError.
func respErr(t testing.TB, err error) *azcore.ResponseError {
	t.Helper()
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("error %v (%T) is not a ResponseError", err, err)
	}
	return re
}
