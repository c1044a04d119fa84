package emulator_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/azgallery/gallery-operator/internal/emulator"
)

// appPath is the path of a gallery application.
func (e *tenv) appPath(rg, g, a string) string { return e.galPath(rg, g) + "/applications/" + a }

// appBody is a raw application PUT body: supportedOSType Linux, then props (a nil value
// removes a property).
func appBody(loc string, props map[string]any) map[string]any {
	p := map[string]any{"supportedOSType": "Linux"}
	for k, v := range props {
		if v == nil {
			delete(p, k)
		} else {
			p[k] = v
		}
	}
	return map[string]any{"location": loc, "properties": p}
}

// appVersionBody is a raw application version PUT body in westus replicating to regions (none:
// the default).
func appVersionBody(regions ...string) map[string]any {
	pp := map[string]any{
		"source":        map[string]any{"mediaLink": "https://account.blob.core.windows.net/packages/app.zip"},
		"manageActions": map[string]any{"install": "install.sh", "remove": "remove.sh"},
	}
	if len(regions) > 0 {
		var trs []any
		for _, r := range regions {
			trs = append(trs, map[string]any{"name": r})
		}
		pp["targetRegions"] = trs
	}
	return map[string]any{"location": "westus", "properties": map[string]any{"publishingProfile": pp}}
}

// refusal is a write the emulator must refuse with status and code; want is found in the
// error's target or message.
type refusal struct {
	name   string
	method string
	path   string
	body   any
	status int
	code   string
	want   string
}

// mustRefuse sends each refusal and checks the answer.
func mustRefuse(t *testing.T, e *tenv, cases []refusal) {
	t.Helper()
	for _, c := range cases {
		method := c.method
		if method == "" {
			method = "PUT"
		}
		r := e.do(method, q(c.path, computeAPI), c.body)
		if r.status != c.status || r.errCode() != c.code ||
			!(strings.Contains(r.errField("target"), c.want) || strings.Contains(r.errField("message"), c.want)) {
			t.Errorf("%s: got %d %s, want %d %s naming %q", c.name, r.status, r.raw, c.status, c.code, c.want)
		}
	}
}

// TestApplicationLifecycleWithSDK creates, reads, lists, updates and deletes a gallery application
// with the SDK: Azure answers at once, without an operation or provisioningState (recorded).
func TestApplicationLifecycleWithSDK(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	e.setupGallery(ctx, "rg", "gal")
	apps, err := armcompute.NewGalleryApplicationsClient(e.SubscriptionID, e.Credential, e.ClientOptions)
	if err != nil {
		t.Fatal(err)
	}
	p, err := apps.BeginCreateOrUpdate(ctx, "rg", "gal", "app", armcompute.GalleryApplication{
		Location: to.Ptr("westus"),
		Properties: &armcompute.GalleryApplicationProperties{
			SupportedOSType: to.Ptr(armcompute.OperatingSystemTypesLinux),
			Description:     to.Ptr("first"),
			CustomActions: []*armcompute.GalleryApplicationCustomAction{{Name: to.Ptr("restart"), Script: to.Ptr("restart.sh"),
				Parameters: []*armcompute.GalleryApplicationCustomActionParameter{{Name: to.Ptr("delay"),
					Type: to.Ptr(armcompute.GalleryApplicationCustomActionParameterTypeString), DefaultValue: to.Ptr("5")}}}},
		},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.PollUntilDone(ctx, pollOpts)
	if err != nil || *res.Properties.SupportedOSType != armcompute.OperatingSystemTypesLinux {
		t.Fatalf("create: %v %+v", err, res)
	}
	r := e.do("GET", q(e.appPath("rg", "gal", "app"), computeAPI), nil)
	if r.prop("provisioningState") != nil || r.body["type"] != "Microsoft.Compute/galleries/applications" {
		t.Errorf("get: %s", r.raw)
	}
	raw := e.do("PUT", q(e.appPath("rg", "gal", "app2"), computeAPI), appBody("westus", nil))
	if raw.status != 201 || raw.header.Get("Azure-AsyncOperation") != "" || raw.prop("provisioningState") != nil {
		t.Errorf("a create is not complete at once: %d %v %s", raw.status, raw.header, raw.raw)
	}
	mustStatus(t, e.do("DELETE", q(e.appPath("rg", "gal", "app2"), computeAPI), nil), 200)
	up, err := apps.BeginUpdate(ctx, "rg", "gal", "app", armcompute.GalleryApplicationUpdate{
		Properties: &armcompute.GalleryApplicationProperties{SupportedOSType: to.Ptr(armcompute.OperatingSystemTypesLinux),
			Description: to.Ptr("second")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if u, err := up.PollUntilDone(ctx, pollOpts); err != nil || *u.Properties.Description != "second" || len(u.Properties.CustomActions) != 1 {
		t.Fatalf("update: %v %+v", err, u)
	}
	pager := apps.NewListByGalleryPager("rg", "gal", nil)
	page, err := pager.NextPage(ctx)
	if err != nil || len(page.Value) != 1 || *page.Value[0].Name != "app" {
		t.Fatalf("list: %v %+v", err, page)
	}
	del, err := apps.BeginDelete(ctx, "rg", "gal", "app", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := del.PollUntilDone(ctx, pollOpts); err != nil {
		t.Fatal(err)
	}
	mustError(t, e.do("GET", q(e.appPath("rg", "gal", "app"), computeAPI), nil), 404, "ResourceNotFound")
	mustStatus(t, e.do("DELETE", q(e.appPath("rg", "gal", "app"), computeAPI), nil), 204)
}

// TestApplicationValidation refuses every write that breaks a rule of the spec or of Azure's
// documented behaviour, with Azure's code.
func TestApplicationValidation(t *testing.T) {
	e := newEnv(t)
	e.setupGallery(testCtx(t), "rg", "gal")
	path := e.appPath("rg", "gal", "app")
	action := func(a map[string]any) map[string]any {
		return appBody("westus", map[string]any{"customActions": []any{a}})
	}
	mustRefuse(t, e, []refusal{
		{name: "no supportedOSType", path: path, body: appBody("westus", map[string]any{"supportedOSType": nil}),
			status: 400, code: "InvalidParameter", want: "galleryApplication.properties.supportedOSType"},
		{name: "unknown supportedOSType", path: path, body: appBody("westus", map[string]any{"supportedOSType": "BeOS"}),
			status: 400, code: "InvalidParameter", want: "galleryApplication.properties.supportedOSType"},
		{name: "bad name", path: e.appPath("rg", "gal", "-app"), body: appBody("westus", nil),
			status: 400, code: "InvalidParameter", want: "galleryApplicationName"},
		{name: "no location", path: path, body: map[string]any{"properties": map[string]any{"supportedOSType": "Linux"}},
			status: 400, code: "LocationRequired"},
		{name: "past endOfLifeDate", path: path, body: appBody("westus", map[string]any{"endOfLifeDate": "2020-01-01T00:00:00Z"}),
			status: 400, code: "InvalidParameter", want: "galleryApplication.properties.endOfLifeDate"},
		{name: "action without script", path: path, body: action(map[string]any{"name": "a"}),
			status: 400, code: "InvalidParameter", want: "customActions[0].script"},
		{name: "action without name", path: path, body: action(map[string]any{"script": "s"}),
			status: 400, code: "InvalidParameter", want: "customActions[0].name"},
		{name: "duplicate action", path: path, body: appBody("westus", map[string]any{"customActions": []any{
			map[string]any{"name": "a", "script": "s"}, map[string]any{"name": "a", "script": "t"}}}),
			status: 400, code: "InvalidParameter", want: "customActions[1].name"},
		{name: "parameter of unknown type", path: path, body: action(map[string]any{"name": "a", "script": "s",
			"parameters": []any{map[string]any{"name": "p", "type": "Number"}}}),
			status: 400, code: "InvalidParameter", want: "customActions[0].parameters[0].type"},
		{name: "default value of a blob parameter", path: path, body: action(map[string]any{"name": "a", "script": "s",
			"parameters": []any{map[string]any{"name": "p", "type": "LogOutputBlob", "defaultValue": "x"}}}),
			status: 400, code: "InvalidParameter", want: "customActions[0].parameters[0].defaultValue"},
		{name: "parameter without name", path: path, body: action(map[string]any{"name": "a", "script": "s",
			"parameters": []any{map[string]any{"type": "String"}}}),
			status: 400, code: "InvalidParameter", want: "customActions[0].parameters[0].name"},
		{name: "missing gallery", path: e.appPath("rg", "nogal", "app"), body: appBody("westus", nil),
			status: 404, code: "ParentResourceNotFound"},
		{name: "patch of a missing application", method: "PATCH", path: path,
			body: map[string]any{"properties": map[string]any{"description": "x"}}, status: 404, code: "ResourceNotFound"},
	})
	mustStatus(t, e.do("PUT", q(path, computeAPI), appBody("westus", map[string]any{"supportedOSType": "windows"})), 201)
	if r := e.do("GET", q(path, computeAPI), nil); r.prop("supportedOSType") != "Windows" {
		t.Errorf("supportedOSType is not canonical: %s", r.raw)
	}
	mustRefuse(t, e, []refusal{
		{name: "supportedOSType change", path: path, body: appBody("westus", nil),
			status: 409, code: "PropertyChangeNotAllowed", want: "galleryApplication.properties.supportedOSType"},
		{name: "location change", path: path, body: appBody("eastus", map[string]any{"supportedOSType": "Windows"}),
			status: 409, code: "PropertyChangeNotAllowed", want: "galleryApplication.location"},
	})
}

// appVersionEnv is an emulator with a gallery and an application in resource group rg.
func appVersionEnv(t *testing.T, configure ...func(*emulator.Config)) (*tenv, context.Context, string) {
	e := newEnv(t, configure...)
	ctx := testCtx(t)
	e.setupGallery(ctx, "rg", "gal")
	app := e.appPath("rg", "gal", "app")
	mustStatus(t, e.do("PUT", q(app, computeAPI), appBody("westus", nil)), 201)
	return e, ctx, app
}

// TestApplicationVersionLifecycleWithSDK creates an application version replicating to two
// regions, follows the replication region by region with $expand=ReplicationStatus, updates and
// deletes it; a gallery or application holding versions cannot be deleted.
func TestApplicationVersionLifecycleWithSDK(t *testing.T) {
	// Each region replicates for per, one after the other.
	const per = time.Second
	e, ctx, app := appVersionEnv(t, func(c *emulator.Config) { c.Settings.ReplicationSecondsPerRegion = per.Seconds() })
	versions, err := armcompute.NewGalleryApplicationVersionsClient(e.SubscriptionID, e.Credential, e.ClientOptions)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	p, err := versions.BeginCreateOrUpdate(ctx, "rg", "gal", "app", "1.0.0", armcompute.GalleryApplicationVersion{
		Location: to.Ptr("westus"),
		Properties: &armcompute.GalleryApplicationVersionProperties{PublishingProfile: &armcompute.GalleryApplicationVersionPublishingProfile{
			Source:        &armcompute.UserArtifactSource{MediaLink: to.Ptr("https://account.blob.core.windows.net/packages/app.zip?sv=1")},
			ManageActions: &armcompute.UserArtifactManage{Install: to.Ptr("install.sh"), Remove: to.Ptr("remove.sh")},
			TargetRegions: []*armcompute.TargetRegion{{Name: to.Ptr("westus")}, {Name: to.Ptr("eastus")}},
			Settings:      &armcompute.UserArtifactSettings{ScriptBehaviorAfterReboot: to.Ptr(armcompute.GalleryApplicationScriptRebootBehaviorRerun)},
		}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	expand := &armcompute.GalleryApplicationVersionsClientGetOptions{Expand: to.Ptr(armcompute.ReplicationStatusTypesReplicationStatus)}
	got, err := versions.Get(ctx, "rg", "gal", "app", "1.0.0", expand)
	if err != nil {
		t.Fatal(err)
	}
	// Within the first region's per both regions are Replicating (a slow machine may be past it).
	if rs := got.Properties.ReplicationStatus; within(t, start, per, "the replication in progress") &&
		(*rs.AggregatedState != armcompute.AggregatedReplicationStateInProgress ||
			!mapsEqual(regionStates(rs), map[string]string{"West US": "Replicating", "East US": "Replicating"})) {
		t.Errorf("while creating: %v", regionStates(rs))
	}
	res, err := p.PollUntilDone(ctx, pollOpts)
	if err != nil || *res.Properties.ProvisioningState != armcompute.GalleryProvisioningStateSucceeded {
		t.Fatalf("create: %v %+v", err, res)
	}
	pp := res.Properties.PublishingProfile
	if *pp.EnableHealthCheck || *pp.ReplicaCount != 1 || *pp.StorageAccountType != armcompute.StorageAccountTypeStandardLRS ||
		*pp.TargetRegions[1].Name != "East US" || pp.PublishedDate == nil {
		t.Errorf("defaults: %+v", pp)
	}
	got, _ = versions.Get(ctx, "rg", "gal", "app", "1.0.0", expand)
	if rs := got.Properties.ReplicationStatus; *rs.AggregatedState != armcompute.AggregatedReplicationStateCompleted ||
		!mapsEqual(regionStates(rs), map[string]string{"West US": "Completed", "East US": "Completed"}) {
		t.Errorf("after creation: %v", regionStates(rs))
	}
	if plain, _ := versions.Get(ctx, "rg", "gal", "app", "1.0.0", nil); plain.Properties.ReplicationStatus != nil {
		t.Error("replicationStatus without $expand")
	}
	mustError(t, e.do("DELETE", q(app, computeAPI), nil), 409, "CannotDeleteResource")
	mustError(t, e.do("DELETE", q(e.galPath("rg", "gal"), computeAPI), nil), 409, "CannotDeleteResource")
	up, err := versions.BeginUpdate(ctx, "rg", "gal", "app", "1.0.0", armcompute.GalleryApplicationVersionUpdate{
		Properties: &armcompute.GalleryApplicationVersionProperties{PublishingProfile: &armcompute.GalleryApplicationVersionPublishingProfile{
			ExcludeFromLatest: to.Ptr(true)}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if u, err := up.PollUntilDone(ctx, pollOpts); err != nil || !*u.Properties.PublishingProfile.ExcludeFromLatest {
		t.Fatalf("update: %v", err)
	}
	pager := versions.NewListByGalleryApplicationPager("rg", "gal", "app", nil)
	if page, err := pager.NextPage(ctx); err != nil || len(page.Value) != 1 {
		t.Fatalf("list: %v %+v", err, page)
	}
	del, err := versions.BeginDelete(ctx, "rg", "gal", "app", "1.0.0", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := del.PollUntilDone(ctx, pollOpts); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, e.do("DELETE", q(app, computeAPI), nil), 200)
}

// TestApplicationVersionValidation refuses every write that breaks a rule of the spec or of
// Azure's documented behaviour; the source cannot change, nor can a replicated region be removed
// without safetyProfile.allowDeletionOfReplicatedLocations.
func TestApplicationVersionValidation(t *testing.T) {
	e, _, app := appVersionEnv(t)
	path := app + "/versions/1.0.0"
	with := func(mutate func(pp map[string]any)) map[string]any {
		b := appVersionBody()
		mutate(b["properties"].(map[string]any)["publishingProfile"].(map[string]any))
		return b
	}
	long := strings.Repeat("x", 4097)
	mustRefuse(t, e, []refusal{
		{name: "no publishing profile", path: path, body: map[string]any{"location": "westus", "properties": map[string]any{}},
			status: 400, code: "InvalidParameter", want: "galleryApplicationVersion.properties.publishingProfile"},
		{name: "no source", path: path, body: with(func(pp map[string]any) { delete(pp, "source") }),
			status: 400, code: "InvalidParameter", want: "publishingProfile.source"},
		{name: "no mediaLink", path: path, body: with(func(pp map[string]any) { pp["source"] = map[string]any{} }),
			status: 400, code: "InvalidParameter", want: "publishingProfile.source.mediaLink"},
		{name: "mediaLink not a blob", path: path, body: with(func(pp map[string]any) {
			pp["source"] = map[string]any{"mediaLink": "https://example.com/app.zip"}
		}), status: 400, code: "InvalidParameter", want: "publishingProfile.source.mediaLink"},
		{name: "defaultConfigurationLink not a blob", path: path, body: with(func(pp map[string]any) {
			pp["source"].(map[string]any)["defaultConfigurationLink"] = "config.json"
		}), status: 400, code: "InvalidParameter", want: "publishingProfile.source.defaultConfigurationLink"},
		{name: "no manageActions", path: path, body: with(func(pp map[string]any) { delete(pp, "manageActions") }),
			status: 400, code: "InvalidParameter", want: "publishingProfile.manageActions"},
		{name: "no install", path: path, body: with(func(pp map[string]any) { pp["manageActions"] = map[string]any{"remove": "r"} }),
			status: 400, code: "InvalidParameter", want: "publishingProfile.manageActions.install"},
		{name: "no remove", path: path, body: with(func(pp map[string]any) { pp["manageActions"] = map[string]any{"install": "i"} }),
			status: 400, code: "InvalidParameter", want: "publishingProfile.manageActions.remove"},
		{name: "install too long", path: path, body: with(func(pp map[string]any) {
			pp["manageActions"] = map[string]any{"install": long, "remove": "r"}
		}), status: 400, code: "InvalidParameter", want: "publishingProfile.manageActions.install"},
		{name: "update too long", path: path, body: with(func(pp map[string]any) {
			pp["manageActions"] = map[string]any{"install": "i", "remove": "r", "update": long}
		}), status: 400, code: "InvalidParameter", want: "publishingProfile.manageActions.update"},
		{name: "package file name too long", path: path, body: with(func(pp map[string]any) {
			pp["settings"] = map[string]any{"packageFileName": long}
		}), status: 400, code: "InvalidParameter", want: "publishingProfile.settings.packageFileName"},
		{name: "unknown reboot behaviour", path: path, body: with(func(pp map[string]any) {
			pp["settings"] = map[string]any{"scriptBehaviorAfterReboot": "Sometimes"}
		}), status: 400, code: "InvalidParameter", want: "publishingProfile.settings.scriptBehaviorAfterReboot"},
		{name: "custom action without script", path: path, body: with(func(pp map[string]any) {
			pp["customActions"] = []any{map[string]any{"name": "a"}}
		}), status: 400, code: "InvalidParameter", want: "publishingProfile.customActions[0].script"},
		{name: "location not a target", path: path, body: appVersionBody("eastus"),
			status: 400, code: "InvalidParameter", want: "publishingProfile.targetRegions"},
		{name: "unknown storage account type", path: path, body: with(func(pp map[string]any) { pp["storageAccountType"] = "Tape" }),
			status: 400, code: "InvalidParameter", want: "publishingProfile.storageAccountType"},
		{name: "replica count out of range", path: path, body: with(func(pp map[string]any) { pp["replicaCount"] = 101 }),
			status: 400, code: "InvalidParameter", want: "publishingProfile.replicaCount"},
		{name: "past endOfLifeDate", path: path, body: with(func(pp map[string]any) { pp["endOfLifeDate"] = "2019-07-01T07:00:00Z" }),
			status: 400, code: "InvalidParameter", want: "publishingProfile.endOfLifeDate"},
		{name: "not a semantic version", path: app + "/versions/1.0", body: appVersionBody(),
			status: 400, code: "InvalidParameter", want: "galleryApplicationVersionName"},
		{name: "missing application", path: e.appPath("rg", "gal", "none") + "/versions/1.0.0", body: appVersionBody(),
			status: 404, code: "ParentResourceNotFound", want: "gal/none"},
	})
	mustStatus(t, e.do("PUT", q(path, computeAPI), appVersionBody("westus", "eastus")), 201)
	e.waitIdle(path)
	mustRefuse(t, e, []refusal{
		{name: "mediaLink change", path: path, body: with(func(pp map[string]any) {
			pp["source"] = map[string]any{"mediaLink": "https://account.blob.core.windows.net/packages/other.zip"}
			pp["targetRegions"] = []any{map[string]any{"name": "westus"}, map[string]any{"name": "eastus"}}
		}), status: 409, code: "PropertyChangeNotAllowed", want: "publishingProfile.source.mediaLink"},
		{name: "storage account type change", method: "PATCH", path: path, body: map[string]any{"properties": map[string]any{
			"publishingProfile": map[string]any{"storageAccountType": "Premium_LRS"}}},
			status: 409, code: "PropertyChangeNotAllowed", want: "publishingProfile.storageAccountType"},
		{name: "replicated region removed", path: path, body: appVersionBody("westus"),
			status: 400, code: "InvalidParameter", want: "allowDeletionOfReplicatedLocations"},
	})
	allowed := appVersionBody("westus")
	allowed["properties"].(map[string]any)["safetyProfile"] = map[string]any{"allowDeletionOfReplicatedLocations": true}
	mustStatus(t, e.do("PUT", q(path, computeAPI), allowed), 200)
	if r := e.waitIdle(path); r.prop("provisioningState") != "Succeeded" {
		t.Errorf("after removing a region: %s", r.raw)
	}
}

// TestApplicationVersionReplicationFailure: a failReplication rule fails one region of an
// application version, as for image versions.
func TestApplicationVersionReplicationFailure(t *testing.T) {
	e, ctx, app := appVersionEnv(t)
	if _, err := e.Control.PatchConfig(ctx, map[string]any{"failReplication": []any{map[string]any{
		"versionPathPattern": "/applications/app/versions/", "region": "eastus", "code": "ReplicationFailed", "count": 1}}}); err != nil {
		t.Fatal(err)
	}
	path := app + "/versions/1.0.0"
	mustStatus(t, e.do("PUT", q(path, computeAPI), appVersionBody("westus", "eastus")), 201)
	if r := e.waitIdle(path); r.prop("provisioningState") != "Failed" {
		t.Fatalf("after the failure: %s", r.raw)
	}
	r := e.do("GET", q(path, computeAPI)+"&$expand=ReplicationStatus", nil)
	rs, _ := r.prop("replicationStatus").(map[string]any)
	summary, _ := rs["summary"].([]any)
	if rs["aggregatedState"] != "Failed" || len(summary) != 2 || summary[0].(map[string]any)["state"] != "Completed" ||
		summary[1].(map[string]any)["state"] != "Failed" {
		t.Errorf("replicationStatus = %v", rs)
	}
}
