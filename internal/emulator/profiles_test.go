package emulator_test

import (
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/azgallery/gallery-operator/internal/emulator"
)

// profilePath is the path of an inVMAccessControlProfile.
func (e *tenv) profilePath(rg, g, p string) string {
	return e.galPath(rg, g) + "/inVMAccessControlProfiles/" + p
}

// profileBody is a raw profile PUT body (Linux, WireServer), then props (nil removes).
func profileBody(loc string, props map[string]any) map[string]any {
	p := map[string]any{"osType": "Linux", "applicableHostEndpoint": "WireServer"}
	for k, v := range props {
		if v == nil {
			delete(p, k)
		} else {
			p[k] = v
		}
	}
	return map[string]any{"location": loc, "properties": p}
}

// rules is a consistent set of access control rules.
func rules() map[string]any {
	return map[string]any{
		"privileges":      []any{map[string]any{"name": "GoalState", "path": "/machine", "queryParameters": map[string]any{"comp": "goalstate"}}},
		"roles":           []any{map[string]any{"name": "Provisioning", "privileges": []any{"GoalState"}}},
		"identities":      []any{map[string]any{"name": "WinPA", "userName": "SYSTEM"}},
		"roleAssignments": []any{map[string]any{"role": "Provisioning", "identities": []any{"WinPA"}}},
	}
}

// profileVersionBody is a raw profile version PUT body in westus (Audit, Allow, rules()), then
// props (nil removes).
func profileVersionBody(props map[string]any) map[string]any {
	p := map[string]any{"mode": "Audit", "defaultAccess": "Allow", "rules": rules()}
	for k, v := range props {
		if v == nil {
			delete(p, k)
		} else {
			p[k] = v
		}
	}
	return map[string]any{"location": "westus", "properties": p}
}

// TestProfileLifecycleAndValidation creates, reads, lists, updates and deletes an
// inVMAccessControlProfile with the SDK, and refuses what breaks its rules.
func TestProfileLifecycleAndValidation(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	e.setupGallery(ctx, "rg", "gal")
	profiles, err := armcompute.NewGalleryInVMAccessControlProfilesClient(e.SubscriptionID, e.Credential, e.ClientOptions)
	if err != nil {
		t.Fatal(err)
	}
	path := e.profilePath("rg", "gal", "prof")
	mustRefuse(t, e, []refusal{
		{name: "no osType", path: path, body: profileBody("westus", map[string]any{"osType": nil}),
			status: 400, code: "InvalidParameter", want: "galleryInVMAccessControlProfile.properties.osType"},
		{name: "no applicableHostEndpoint", path: path, body: profileBody("westus", map[string]any{"applicableHostEndpoint": nil}),
			status: 400, code: "InvalidParameter", want: "galleryInVMAccessControlProfile.properties.applicableHostEndpoint"},
		{name: "unknown applicableHostEndpoint", path: path, body: profileBody("westus", map[string]any{"applicableHostEndpoint": "Metadata"}),
			status: 400, code: "InvalidParameter", want: "applicableHostEndpoint"},
		{name: "no properties", path: path, body: map[string]any{"location": "westus"},
			status: 400, code: "InvalidParameter", want: "galleryInVMAccessControlProfile.properties"},
		{name: "name with two separators", path: e.profilePath("rg", "gal", "a--b"), body: profileBody("westus", nil),
			status: 400, code: "InvalidParameter", want: "inVMAccessControlProfileName"},
		{name: "name of 81 characters", path: e.profilePath("rg", "gal", strings.Repeat("a", 81)), body: profileBody("westus", nil),
			status: 400, code: "InvalidParameter", want: "inVMAccessControlProfileName"},
	})
	p, err := profiles.BeginCreateOrUpdate(ctx, "rg", "gal", "prof", armcompute.GalleryInVMAccessControlProfile{
		Location: to.Ptr("westus"),
		Properties: &armcompute.GalleryInVMAccessControlProfileProperties{
			OSType: to.Ptr(armcompute.OperatingSystemTypesWindows), ApplicableHostEndpoint: to.Ptr(armcompute.EndpointTypesIMDS)},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.PollUntilDone(ctx, pollOpts)
	if err != nil || *res.Properties.ProvisioningState != armcompute.GalleryProvisioningStateSucceeded {
		t.Fatalf("create: %v %+v", err, res)
	}
	mustRefuse(t, e, []refusal{
		{name: "osType change", method: "PATCH", path: path, body: map[string]any{"properties": map[string]any{"osType": "Linux"}},
			status: 409, code: "PropertyChangeNotAllowed", want: "galleryInVMAccessControlProfile.properties.osType"},
		{name: "applicableHostEndpoint change", path: path,
			body:   profileBody("westus", map[string]any{"osType": "Windows", "applicableHostEndpoint": "WireServer"}),
			status: 409, code: "PropertyChangeNotAllowed", want: "applicableHostEndpoint"},
	})
	up, err := profiles.BeginUpdate(ctx, "rg", "gal", "prof", armcompute.GalleryInVMAccessControlProfileUpdate{
		Properties: &armcompute.GalleryInVMAccessControlProfileProperties{Description: to.Ptr("imds"),
			OSType: to.Ptr(armcompute.OperatingSystemTypesWindows), ApplicableHostEndpoint: to.Ptr(armcompute.EndpointTypesIMDS)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if u, err := up.PollUntilDone(ctx, pollOpts); err != nil || *u.Properties.Description != "imds" {
		t.Fatalf("update: %v", err)
	}
	pager := profiles.NewListByGalleryPager("rg", "gal", nil)
	if page, err := pager.NextPage(ctx); err != nil || len(page.Value) != 1 {
		t.Fatalf("list: %v %+v", err, page)
	}
	del, err := profiles.BeginDelete(ctx, "rg", "gal", "prof", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := del.PollUntilDone(ctx, pollOpts); err != nil {
		t.Fatal(err)
	}
	mustError(t, e.do("GET", q(path, computeAPI), nil), 404, "ResourceNotFound")
}

// TestProfileVersions: a profile version's rules must be consistent; it replicates to its target
// locations region by region (a failReplication rule fails one); a profile or gallery holding
// versions cannot be deleted.
func TestProfileVersions(t *testing.T) {
	// Each region replicates for per, one after the other.
	const per = time.Second
	e := newEnv(t, func(c *emulator.Config) { c.Settings.ReplicationSecondsPerRegion = per.Seconds() })
	ctx := testCtx(t)
	e.setupGallery(ctx, "rg", "gal")
	prof := e.profilePath("rg", "gal", "prof")
	mustStatus(t, e.do("PUT", q(prof, computeAPI), profileBody("westus", nil)), 201)
	e.waitIdle(prof)
	path := prof + "/versions/1.0.0"
	withRules := func(mutate func(r map[string]any)) map[string]any {
		r := rules()
		mutate(r)
		return profileVersionBody(map[string]any{"rules": r})
	}
	mustRefuse(t, e, []refusal{
		{name: "no mode", path: path, body: profileVersionBody(map[string]any{"mode": nil}),
			status: 400, code: "InvalidParameter", want: "galleryInVMAccessControlProfileVersion.properties.mode"},
		{name: "unknown mode", path: path, body: profileVersionBody(map[string]any{"mode": "Observe"}),
			status: 400, code: "InvalidParameter", want: "properties.mode"},
		{name: "no defaultAccess", path: path, body: profileVersionBody(map[string]any{"defaultAccess": nil}),
			status: 400, code: "InvalidParameter", want: "properties.defaultAccess"},
		{name: "unknown defaultAccess", path: path, body: profileVersionBody(map[string]any{"defaultAccess": "Maybe"}),
			status: 400, code: "InvalidParameter", want: "properties.defaultAccess"},
		{name: "privilege without path", path: path, body: withRules(func(r map[string]any) {
			r["privileges"] = []any{map[string]any{"name": "GoalState"}}
		}), status: 400, code: "InvalidParameter", want: "rules.privileges[0].path"},
		{name: "duplicate privilege", path: path, body: withRules(func(r map[string]any) {
			r["privileges"] = append(r["privileges"].([]any), map[string]any{"name": "GoalState", "path": "/other"})
		}), status: 400, code: "InvalidParameter", want: "rules.privileges[1].name"},
		{name: "role naming an unknown privilege", path: path, body: withRules(func(r map[string]any) {
			r["roles"] = []any{map[string]any{"name": "Provisioning", "privileges": []any{"Telemetry"}}}
		}), status: 400, code: "InvalidParameter", want: "Telemetry"},
		{name: "role without privileges", path: path, body: withRules(func(r map[string]any) {
			r["roles"] = []any{map[string]any{"name": "Provisioning"}}
		}), status: 400, code: "InvalidParameter", want: "rules.roles[0].privileges"},
		{name: "assignment of an unknown role", path: path, body: withRules(func(r map[string]any) {
			r["roleAssignments"] = []any{map[string]any{"role": "Admin", "identities": []any{"WinPA"}}}
		}), status: 400, code: "InvalidParameter", want: "Admin"},
		{name: "assignment to an unknown identity", path: path, body: withRules(func(r map[string]any) {
			r["roleAssignments"] = []any{map[string]any{"role": "Provisioning", "identities": []any{"Nobody"}}}
		}), status: 400, code: "InvalidParameter", want: "Nobody"},
		{name: "identity without name", path: path, body: withRules(func(r map[string]any) {
			r["identities"] = []any{map[string]any{"userName": "SYSTEM"}}
		}), status: 400, code: "InvalidParameter", want: "rules.identities[0].name"},
		{name: "unknown target location", path: path, body: profileVersionBody(map[string]any{
			"targetLocations": []any{map[string]any{"name": "Atlantis"}}}), status: 400, code: "LocationNotAvailableForResourceType"},
		{name: "duplicate target location", path: path, body: profileVersionBody(map[string]any{
			"targetLocations": []any{map[string]any{"name": "westus"}, map[string]any{"name": "West US"}}}),
			status: 400, code: "InvalidParameter", want: "targetLocations"},
		{name: "not a semantic version", path: prof + "/versions/one", body: profileVersionBody(nil),
			status: 400, code: "InvalidParameter", want: "inVMAccessControlProfileVersionName"},
	})
	if _, err := e.Control.PatchConfig(ctx, map[string]any{"failReplication": []any{map[string]any{
		"versionPathPattern": "/inVMAccessControlProfiles/prof/versions/2\\.0\\.0$", "region": "South Central US"}}}); err != nil {
		t.Fatal(err)
	}
	targets := []any{map[string]any{"name": "westus"}, map[string]any{"name": "southcentralus"}}
	start := time.Now()
	mustStatus(t, e.do("PUT", q(path, computeAPI), profileVersionBody(map[string]any{"targetLocations": targets})), 201)
	r := e.do("GET", q(path, computeAPI)+"&$expand=ReplicationStatus", nil)
	// Within the two regions' 2 × per the replication is in progress (a slow machine may be past it).
	if rs, _ := r.prop("replicationStatus").(map[string]any); within(t, start, 2*per, "the replication in progress") &&
		rs["aggregatedState"] != "InProgress" {
		t.Errorf("while replicating: %s", r.raw)
	}
	if r := e.waitIdle(path); r.prop("provisioningState") != "Succeeded" || r.prop("excludeFromLatest") != false ||
		r.prop("publishedDate") == nil {
		t.Fatalf("created: %s", r.raw)
	}
	r = e.do("GET", q(path, computeAPI)+"&$expand=ReplicationStatus", nil)
	rs, _ := r.prop("replicationStatus").(map[string]any)
	if summary, _ := rs["summary"].([]any); rs["aggregatedState"] != "Completed" || len(summary) != 2 ||
		summary[1].(map[string]any)["region"] != "South Central US" {
		t.Errorf("replicationStatus = %v", rs)
	}
	failing := prof + "/versions/2.0.0"
	mustStatus(t, e.do("PUT", q(failing, computeAPI), profileVersionBody(map[string]any{"targetLocations": targets})), 201)
	if r := e.waitIdle(failing); r.prop("provisioningState") != "Failed" {
		t.Errorf("a failed region: %s", r.raw)
	}
	mustStatus(t, e.do("PATCH", q(path, computeAPI), map[string]any{"properties": map[string]any{"mode": "Enforce"}}), 200)
	if r := e.waitIdle(path); r.prop("mode") != "Enforce" || r.prop("rules") == nil {
		t.Errorf("after PATCH: %s", r.raw)
	}
	mustError(t, e.do("DELETE", q(prof, computeAPI), nil), 409, "CannotDeleteResource")
	mustError(t, e.do("DELETE", q(e.galPath("rg", "gal"), computeAPI), nil), 409, "CannotDeleteResource")
	if r := e.do("GET", q(prof+"/versions", computeAPI), nil); len(r.body["value"].([]any)) != 2 {
		t.Errorf("list: %s", r.raw)
	}
}
