package emulator_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/azgallery/gallery-operator/internal/emulator"
)

// imgBody is a raw image PUT body.
func imgBody(loc string, props map[string]any) map[string]any {
	p := map[string]any{
		"osType": "Linux", "osState": "Generalized",
		"identifier": map[string]any{"publisher": "pub", "offer": "off", "sku": "sku"},
	}
	for k, v := range props {
		if v == nil {
			delete(p, k)
		} else {
			p[k] = v
		}
	}
	return map[string]any{"location": loc, "properties": p}
}

func TestImageLifecycleWithSDK(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	e.setupGallery(ctx, "rg", "gal")

	got := e.createImage(ctx, "rg", "gal", "img", image("West US", "pub", "off", "sku"))
	wantID := "/subscriptions/" + e.SubscriptionID + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/gal/images/img"
	switch {
	case *got.ID != wantID:
		t.Errorf("id = %s, want %s", *got.ID, wantID)
	case *got.Name != "img" || *got.Type != "Microsoft.Compute/galleries/images":
		t.Errorf("name/type = %s %s", *got.Name, *got.Type)
	case *got.Location != "westus":
		t.Errorf("location = %s, want westus", *got.Location)
	case *got.Properties.HyperVGeneration != armcompute.HyperVGenerationV1 || *got.Properties.Architecture != armcompute.ArchitectureX64:
		t.Errorf("defaults = %s %s", *got.Properties.HyperVGeneration, *got.Properties.Architecture)
	case *got.Properties.ProvisioningState != armcompute.GalleryProvisioningStateSucceeded:
		t.Errorf("provisioningState = %s", *got.Properties.ProvisioningState)
	}

	// PATCH merges: description set, everything else kept.
	up, err := e.images.BeginUpdate(ctx, "rg", "gal", "img", armcompute.GalleryImageUpdate{
		Properties: &armcompute.GalleryImageProperties{Description: to.Ptr("drifted")},
		Tags:       map[string]*string{"team": to.Ptr("a")},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := up.PollUntilDone(ctx, pollOpts)
	if err != nil {
		t.Fatal(err)
	}
	if *res.Properties.Description != "drifted" || *res.Properties.Identifier.Publisher != "pub" || *res.Tags["team"] != "a" {
		t.Errorf("after PATCH: %+v", res.Properties)
	}

	// Delete, then GET is 404 NotFound with Azure's message.
	del, err := e.images.BeginDelete(ctx, "rg", "gal", "img", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := del.PollUntilDone(ctx, pollOpts); err != nil {
		t.Fatal(err)
	}
	_, err = e.images.Get(ctx, "rg", "gal", "img", nil)
	re := respErr(t, err)
	if re.StatusCode != 404 || re.ErrorCode != "ResourceNotFound" ||
		!strings.Contains(err.Error(), "The Resource 'Microsoft.Compute/galleries/gal/images/img' under resource group 'rg' was not found.") {
		t.Fatalf("GET after delete: %v", err)
	}
}

func TestResumeToken(t *testing.T) {
	e := newEnv(t, func(c *emulator.Config) { c.Settings.OperationDurationMs = 300 })
	ctx := testCtx(t)
	e.setupGallery(ctx, "rg", "gal")
	p, err := e.images.BeginCreateOrUpdate(ctx, "rg", "gal", "img", image("westus", "p", "o", "s"), nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := p.ResumeToken()
	if err != nil {
		t.Fatal(err)
	}
	resumed, err := e.images.BeginCreateOrUpdate(ctx, "rg", "gal", "img", armcompute.GalleryImage{},
		&armcompute.GalleryImagesClientBeginCreateOrUpdateOptions{ResumeToken: tok})
	if err != nil {
		t.Fatal(err)
	}
	res, err := resumed.PollUntilDone(ctx, pollOpts)
	if err != nil || *res.Properties.ProvisioningState != "Succeeded" {
		t.Fatalf("resumed poller: %v", err)
	}
	d, err := e.images.BeginDelete(ctx, "rg", "gal", "img", nil)
	if err != nil {
		t.Fatal(err)
	}
	dtok, _ := d.ResumeToken()
	rd, err := e.images.BeginDelete(ctx, "rg", "gal", "img", &armcompute.GalleryImagesClientBeginDeleteOptions{ResumeToken: dtok})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rd.PollUntilDone(ctx, pollOpts); err != nil {
		t.Fatal(err)
	}
	mustError(t, e.do("GET", q(e.imgPath("rg", "gal", "img"), computeAPI), nil), 404, "ResourceNotFound")
}

func TestLROProtocolRaw(t *testing.T) {
	// Operations last window: the checks of a running operation are made within it, unless the
	// machine is too slow to ask in time (see within); the checks of its end wait for it.
	const window = 2 * time.Second
	e := newEnv(t)
	ctx := testCtx(t)
	e.setupGallery(ctx, "rg", "gal")
	if err := e.Server.PatchSettings(func(s *emulator.Settings) { s.OperationDurationMs = int(window / time.Millisecond) }); err != nil {
		t.Fatal(err)
	}
	path := e.imgPath("rg", "gal", "img")

	start := time.Now()
	r := e.do("PUT", q(path, computeAPI), imgBody("West US", nil))
	mustStatus(t, r, 201)
	if r.prop("provisioningState") != "Creating" {
		t.Errorf("provisioningState = %v", r.prop("provisioningState"))
	}
	// Azure answers an image PUT with Azure-AsyncOperation alone (recorded traffic, testdata/recordings).
	async, loc := r.header.Get("Azure-AsyncOperation"), r.header.Get("Location")
	if !strings.Contains(async, "/providers/Microsoft.Compute/locations/westus/capsOperations/") ||
		loc != "" || r.header.Get("Retry-After") == "" {
		t.Fatalf("LRO headers: async=%q location=%q retry-after=%q", async, loc, r.header.Get("Retry-After"))
	}
	st := e.do("GET", async, nil)
	mustStatus(t, st, 200)
	if st.body["startTime"] == nil || st.body["name"] == nil {
		t.Errorf("operation status = %s", st.raw)
	}
	if within(t, start, window, "the status of the running operation") && st.body["status"] != "InProgress" {
		t.Errorf("status while running = %s", st.raw)
	}
	// A write while the operation runs conflicts. A write sent too late may have been accepted:
	// then wait for the operation it started (and create the image again after a deletion).
	if w, checked := e.conflictWhileRunning(start, window, "PUT", q(path, computeAPI), imgBody("westus", nil)); !checked && w.status/100 == 2 {
		e.waitIdle(path)
	}
	if w, checked := e.conflictWhileRunning(start, window, "DELETE", q(path, computeAPI), nil); !checked && w.status/100 == 2 {
		mustStatus(t, e.waitOp(w.header.Get("Location")), 200)
		mustStatus(t, e.do("PUT", q(path, computeAPI), imgBody("westus", nil)), 201)
		e.waitIdle(path)
	}

	st = e.waitOp(async)
	if st.body["status"] != "Succeeded" || st.body["endTime"] == nil {
		t.Errorf("status after = %s", st.raw)
	}
	if fin := e.do("GET", q(path, computeAPI), nil); fin.prop("provisioningState") != "Succeeded" {
		t.Errorf("after the operation = %s", fin.raw)
	}

	// Unchanged PUT is still a write: 200 Updating with a new operation.
	r = e.do("PUT", q(path, computeAPI), imgBody("westus", nil))
	mustStatus(t, r, 200)
	if r.prop("provisioningState") != "Updating" || r.header.Get("Azure-AsyncOperation") == async {
		t.Errorf("unchanged PUT = %s", r.raw)
	}
	e.waitIdle(path)

	start = time.Now()
	r = e.do("DELETE", q(path, computeAPI), nil)
	mustStatus(t, r, 202)
	if r.header.Get("Azure-AsyncOperation") == "" || r.header.Get("Location") == "" {
		t.Fatalf("DELETE headers: %v", r.header)
	}
	// The Location URL answers 202 while the deletion runs, then 200.
	mon := e.do("GET", r.header.Get("Location"), nil)
	if within(t, start, window, "the Location URL of the running deletion") {
		mustStatus(t, mon, 202)
	} else if mon.status != 202 && mon.status != 200 {
		t.Errorf("Location URL = %d %s", mon.status, mon.raw)
	}
	mustStatus(t, e.waitOp(r.header.Get("Location")), 200)
	mustError(t, e.do("GET", q(path, computeAPI), nil), 404, "ResourceNotFound")
	mustStatus(t, e.do("DELETE", q(path, computeAPI), nil), 204)
}

func TestOperationFailure(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	e.setupGallery(ctx, "rg", "gal")
	if err := e.Server.FailOperations(emulator.OperationFailure{
		Method: "PUT", PathPattern: "/images/img$", Code: "InternalDiskManagementError", Message: "disk service unavailable",
	}); err != nil {
		t.Fatal(err)
	}
	p, err := e.images.BeginCreateOrUpdate(ctx, "rg", "gal", "img", image("westus", "p", "o", "s"), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.PollUntilDone(ctx, pollOpts)
	if re := respErr(t, err); re.ErrorCode != "InternalDiskManagementError" {
		t.Fatalf("poll error code = %q (%v)", re.ErrorCode, err)
	}
	got, err := e.images.Get(ctx, "rg", "gal", "img", nil)
	if err != nil || *got.Properties.ProvisioningState != armcompute.GalleryProvisioningStateFailed {
		t.Fatalf("image after failure: %v %v", err, got.Properties)
	}
	// The rule was consumed: a retry succeeds.
	res := e.createImage(ctx, "rg", "gal", "img", image("westus", "p", "o", "s"))
	if *res.Properties.ProvisioningState != "Succeeded" {
		t.Fatalf("retry state = %s", *res.Properties.ProvisioningState)
	}
	// Via the control API, with the raw operation status.
	if _, err := e.Control.PatchConfig(ctx, map[string]any{"failOperations": []map[string]any{{"method": "PATCH"}}}); err != nil {
		t.Fatal(err)
	}
	r := e.do("PATCH", q(e.imgPath("rg", "gal", "img"), computeAPI), map[string]any{"properties": map[string]any{"description": "x"}})
	mustStatus(t, r, 200)
	st := e.waitOp(r.header.Get("Azure-AsyncOperation"))
	if st.body["status"] != "Failed" || st.body["error"].(map[string]any)["code"] != "InternalExecutionError" {
		t.Fatalf("failed op status = %s", st.raw)
	}
}

func TestImageValidation(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	e.setupGallery(ctx, "rg", "gal")
	path := q(e.imgPath("rg", "gal", "img"), computeAPI)
	past := time.Now().Add(-48 * time.Hour).UTC().Format(time.RFC3339)
	cases := []struct {
		name   string
		body   any
		path   string
		code   string
		target string
	}{
		{"missing osType", imgBody("westus", map[string]any{"osType": nil}), path, "InvalidParameter", "galleryImage.properties.osType"},
		{"missing osState", imgBody("westus", map[string]any{"osState": nil}), path, "InvalidParameter", "galleryImage.properties.osState"},
		{"missing identifier", imgBody("westus", map[string]any{"identifier": nil}), path, "InvalidParameter", "galleryImage.properties.identifier"},
		{"missing publisher", imgBody("westus", map[string]any{"identifier": map[string]any{"offer": "o", "sku": "s"}}), path,
			"InvalidParameter", "galleryImage.properties.identifier.publisher"},
		{"missing offer", imgBody("westus", map[string]any{"identifier": map[string]any{"publisher": "p", "sku": "s"}}), path,
			"InvalidParameter", "galleryImage.properties.identifier.offer"},
		{"missing sku", imgBody("westus", map[string]any{"identifier": map[string]any{"publisher": "p", "offer": "o"}}), path,
			"InvalidParameter", "galleryImage.properties.identifier.sku"},
		{"bad osType", imgBody("westus", map[string]any{"osType": "BeOS"}), path, "InvalidParameter", "galleryImage.properties.osType"},
		{"bad osState", imgBody("westus", map[string]any{"osState": "Frozen"}), path, "InvalidParameter", "galleryImage.properties.osState"},
		{"bad hyperVGeneration", imgBody("westus", map[string]any{"hyperVGeneration": "V3"}), path, "InvalidParameter", "galleryImage.properties.hyperVGeneration"},
		{"bad architecture", imgBody("westus", map[string]any{"architecture": "sparc"}), path, "InvalidParameter", "galleryImage.properties.architecture"},
		{"past endOfLifeDate", imgBody("westus", map[string]any{"endOfLifeDate": past}), path, "InvalidParameter", "galleryImage.properties.endOfLifeDate"},
		{"bad name", imgBody("westus", nil), q(e.imgPath("rg", "gal", "-bad"), computeAPI), "InvalidParameter", "galleryImageName"},
		{"name too long", imgBody("westus", nil), q(e.imgPath("rg", "gal", strings.Repeat("a", 81)), computeAPI), "InvalidParameter", "galleryImageName"},
		{"missing location", imgBody("", nil), path, "LocationRequired", ""},
		{"unknown location", imgBody("Atlantis", nil), path, "LocationNotAvailableForResourceType", ""},
		{"not JSON", "{", path, "InvalidRequestContent", ""},
		{"wrong type", `{"location":"westus","properties":{"osType":5}}`, path, "InvalidRequestContent", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do("PUT", c.path, c.body)
			mustError(t, r, 400, c.code)
			if r.errField("target") != c.target {
				t.Errorf("target = %q, want %q", r.errField("target"), c.target)
			}
		})
	}
	// Unknown properties are ignored and enums are canonicalized.
	r := e.do("PUT", path, imgBody("westus", map[string]any{"osType": "linux", "bogus": 1}))
	mustStatus(t, r, 201)
	if r.prop("osType") != "Linux" || r.prop("bogus") != nil {
		t.Errorf("canonicalization: %s", r.raw)
	}
}

func TestImmutableProperties(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	e.setupGallery(ctx, "rg", "gal")
	base := map[string]any{
		"eula": "eula", "privacyStatementUri": "https://p", "hyperVGeneration": "V2", "architecture": "x64",
		"purchasePlan": map[string]any{"name": "n", "publisher": "p", "product": "q"},
		"features":     []any{map[string]any{"name": "SecurityType", "value": "TrustedLaunch"}},
	}
	path := e.imgPath("rg", "gal", "img")
	mustStatus(t, e.do("PUT", q(path, computeAPI), imgBody("westus", base)), 201)
	e.waitIdle(path)
	changes := map[string]any{
		"osType": "Windows", "osState": "Specialized", "hyperVGeneration": "V1", "architecture": "Arm64",
		"identifier": map[string]any{"publisher": "pub", "offer": "off", "sku": "other"},
		"eula":       "new", "privacyStatementUri": "https://q",
		"purchasePlan": map[string]any{"name": "n2", "publisher": "p", "product": "q"},
		"features":     []any{map[string]any{"name": "SecurityType", "value": "ConfidentialVM"}},
	}
	for prop, v := range changes {
		t.Run(prop, func(t *testing.T) {
			for _, method := range []string{"PUT", "PATCH"} {
				body := imgBody("westus", base)
				body["properties"].(map[string]any)[prop] = v
				if method == "PATCH" {
					body = map[string]any{"properties": map[string]any{prop: v}}
				}
				r := e.do(method, q(path, computeAPI), body)
				mustError(t, r, 409, "PropertyChangeNotAllowed")
				want := "galleryImage.properties." + prop
				if r.errField("target") != want || !strings.HasPrefix(r.errField("message"), "Changing property '"+want+"' is not allowed.") {
					t.Errorf("%s: %s", method, r.raw)
				}
			}
		})
	}
	// Features may change with allowUpdateImage.
	r := e.do("PATCH", q(path, computeAPI), map[string]any{"properties": map[string]any{
		"allowUpdateImage": true, "features": changes["features"]}})
	mustStatus(t, r, 200)
	if r.prop("allowUpdateImage") != nil {
		t.Errorf("allowUpdateImage echoed: %s", r.raw)
	}
	e.waitIdle(path)
	// Updatable properties change freely; location does not.
	mustStatus(t, e.do("PATCH", q(path, computeAPI), map[string]any{"properties": map[string]any{"description": "d", "releaseNoteUri": "https://r"}}), 200)
	e.waitIdle(path)
	mustError(t, e.do("PUT", q(path, computeAPI), imgBody("eastus", base)), 409, "PropertyChangeNotAllowed")
}

func TestConflictsAndNotFound(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	// Missing parents.
	r := e.do("PUT", q(e.imgPath("norg", "gal", "img"), computeAPI), imgBody("westus", nil))
	mustError(t, r, 404, "ResourceGroupNotFound")
	if r.errField("message") != "Resource group 'norg' could not be found." {
		t.Errorf("message = %q", r.errField("message"))
	}
	e.setupGallery(ctx, "rg", "gal")
	r = e.do("GET", q(e.imgPath("rg", "nogal", "img"), computeAPI), nil)
	mustError(t, r, 404, "ParentResourceNotFound")
	if r.errField("message") != "Can not perform requested operation on nested resource. Parent resource 'nogal' not found." {
		t.Errorf("message = %q", r.errField("message"))
	}
	r = e.do("GET", q(e.imgPath("rg", "gal", "img"), computeAPI), nil)
	mustError(t, r, 404, "ResourceNotFound")
	if r.errField("message") != "The Resource 'Microsoft.Compute/galleries/gal/images/img' under resource group 'rg' was not found. "+
		"For more details please go to https://aka.ms/ARMResourceNotFoundFix" {
		t.Errorf("message = %q", r.errField("message"))
	}
	mustError(t, e.do("PATCH", q(e.imgPath("rg", "gal", "img"), computeAPI), map[string]any{}), 404, "ResourceNotFound")

	// Duplicate publisher/offer/sku in the same gallery.
	e.createImage(ctx, "rg", "gal", "a", image("westus", "P", "O", "S"))
	r = e.do("PUT", q(e.imgPath("rg", "gal", "b"), computeAPI), imgBody("westus", map[string]any{
		"identifier": map[string]any{"publisher": "p", "offer": "o", "sku": "s"}}))
	mustError(t, r, 409, "Conflict")

	// Image with a version cannot be deleted; gallery with images neither.
	src := e.createManagedImage(ctx, "rg", "z")
	vp, err := e.versions.BeginCreateOrUpdate(ctx, "rg", "gal", "a", "1.0.0", armcompute.GalleryImageVersion{
		Location: to.Ptr("westus"),
		Properties: &armcompute.GalleryImageVersionProperties{StorageProfile: &armcompute.GalleryImageVersionStorageProfile{
			Source: &armcompute.GalleryArtifactVersionFullSource{ID: src.ID},
		}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vp.PollUntilDone(ctx, pollOpts); err != nil {
		t.Fatal(err)
	}
	if v, err := e.versions.Get(ctx, "rg", "gal", "a", "1.0.0", nil); err != nil || *v.Name != "1.0.0" {
		t.Fatalf("version get: %v", err)
	}
	_, err = e.images.BeginDelete(ctx, "rg", "gal", "a", nil)
	if re := respErr(t, err); re.StatusCode != 409 || re.ErrorCode != "CannotDeleteResource" {
		t.Fatalf("delete image with version: %v", err)
	}
	_, err = e.gals.BeginDelete(ctx, "rg", "gal", nil)
	if re := respErr(t, err); re.StatusCode != 409 || re.ErrorCode != "CannotDeleteResource" {
		t.Fatalf("delete gallery with image: %v", err)
	}
	mustError(t, e.do("PUT", q(e.galPath("rg", "gal")+"/images/a/versions/1.x", computeAPI), map[string]any{"location": "westus"}), 400, "InvalidParameter")
	dv, err := e.versions.BeginDelete(ctx, "rg", "gal", "a", "1.0.0", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dv.PollUntilDone(ctx, pollOpts); err != nil {
		t.Fatal(err)
	}
	di, err := e.images.BeginDelete(ctx, "rg", "gal", "a", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := di.PollUntilDone(ctx, pollOpts); err != nil {
		t.Fatal(err)
	}
}

func TestQuota(t *testing.T) {
	e := newEnv(t, func(c *emulator.Config) { c.Settings.ImageQuota = 2 })
	ctx := testCtx(t)
	e.setupGallery(ctx, "rg", "gal")
	for i := 0; i < 2; i++ {
		e.createImage(ctx, "rg", "gal", fmt.Sprint("img", i), image("westus", "p", "o", fmt.Sprint("s", i)))
	}
	r := e.do("PUT", q(e.imgPath("rg", "gal", "img2"), computeAPI), imgBody("westus", map[string]any{
		"identifier": map[string]any{"publisher": "p", "offer": "o", "sku": "s2"}}))
	mustError(t, r, 409, "QuotaExceeded")
	// Updates of existing images and other regions are not affected.
	mustStatus(t, e.do("PUT", q(e.imgPath("rg", "gal", "img0"), computeAPI), imgBody("westus", map[string]any{
		"identifier": map[string]any{"publisher": "p", "offer": "o", "sku": "s0"}})), 200)
	mustStatus(t, e.do("PUT", q(e.imgPath("rg", "gal", "east"), computeAPI), imgBody("eastus", map[string]any{
		"identifier": map[string]any{"publisher": "p", "offer": "o", "sku": "e"}})), 201)
}

func TestListPaging(t *testing.T) {
	e := newEnv(t, func(c *emulator.Config) { c.Settings.PageSize = 2 })
	ctx := testCtx(t)
	e.setupGallery(ctx, "rg", "gal")
	for i := 0; i < 5; i++ {
		mustStatus(t, e.do("PUT", q(e.imgPath("rg", "gal", fmt.Sprint("img", i)), computeAPI), imgBody("westus",
			map[string]any{"identifier": map[string]any{"publisher": "p", "offer": "o", "sku": fmt.Sprint(i)}})), 201)
	}
	pager := e.images.NewListByGalleryPager("rg", "gal", nil)
	var names []string
	pages := 0
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, img := range page.Value {
			names = append(names, *img.Name)
		}
	}
	if pages != 3 || strings.Join(names, ",") != "img0,img1,img2,img3,img4" {
		t.Fatalf("pages=%d names=%v", pages, names)
	}
	r := e.do("GET", q(e.galPath("rg", "gal")+"/images", computeAPI), nil)
	if next, _ := r.body["nextLink"].(string); !strings.HasPrefix(next, e.Server.URL()) || !strings.Contains(next, "skiptoken") {
		t.Errorf("nextLink = %q", next)
	}
	mustError(t, e.do("GET", q(e.galPath("rg", "nogal")+"/images", computeAPI), nil), 404, "ParentResourceNotFound")
}

func TestResourceGroupDeleteCascades(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	e.setupGallery(ctx, "rg", "gal")
	e.createImage(ctx, "rg", "gal", "img", image("westus", "p", "o", "s"))
	r := e.do("PUT", q(e.rgPath("rg"), groupsAPI), map[string]any{"location": "eastus"})
	mustError(t, r, 409, "InvalidResourceGroupLocation")
	p, err := e.groups.BeginDelete(ctx, "rg", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.PollUntilDone(ctx, pollOpts); err != nil {
		t.Fatal(err)
	}
	mustError(t, e.do("GET", q(e.imgPath("rg", "gal", "img"), computeAPI), nil), 404, "ResourceGroupNotFound")
	if st := e.Server.State(); len(st) != 0 {
		t.Errorf("state after group delete: %v", st)
	}
	mustStatus(t, e.do("HEAD", q(e.rgPath("rg"), groupsAPI), nil), 404)
}

func TestParallelLoadIsRaceFree(t *testing.T) {
	e := newEnv(t, func(c *emulator.Config) { c.Settings.OperationDurationMs = 5 })
	ctx := testCtx(t)
	e.setupGallery(ctx, "rg", "gal")
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			path := e.imgPath("rg", "gal", fmt.Sprint("img", w))
			for i := 0; i < 10; i++ {
				body := imgBody("westus", map[string]any{
					"identifier":  map[string]any{"publisher": "p", "offer": "o", "sku": fmt.Sprint(w)},
					"description": fmt.Sprint(i),
				})
				r := e.do("PUT", q(path, computeAPI), body)
				if r.status != 200 && r.status != 201 && r.status != 409 {
					errs <- fmt.Sprintf("PUT %d %s", r.status, r.raw)
				}
				if r := e.do("GET", q(path, computeAPI), nil); r.status != 200 {
					errs <- fmt.Sprintf("GET %d", r.status)
				}
				e.do("GET", q(e.galPath("rg", "gal")+"/images", computeAPI), nil)
				time.Sleep(time.Millisecond)
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for s := range errs {
		t.Error(s)
	}
	if n := len(e.Server.Requests()); n < 8*10*3 {
		t.Errorf("request log has %d entries", n)
	}
	_ = http.StatusOK
}
