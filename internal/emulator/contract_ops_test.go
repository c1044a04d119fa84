package emulator_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/azgallery/gallery-operator/internal/azurespec"
)

// exerciseOperations calls every operation of the spec at least once with a success (the
// implemented ones) and once with an error; e's contract transport validates the answers.
func exerciseOperations(t *testing.T, e *tenv) {
	rg := "rg"
	gal, img, ver := e.galPath(rg, "g"), e.imgPath(rg, "g", "img"), e.verPath(rg, "g", "img", "1.0.0")
	mustStatus(t, e.do("PUT", q(e.rgPath(rg), groupsAPI), map[string]any{"location": "westus"}), 201)
	c := contractCalls{t: t, e: e}

	c.fails("PUT", gal, "{")
	c.succeeds("PUT", gal, galBody(map[string]any{"sharingProfile": map[string]any{"permissions": "Groups"}}))
	c.waitSucceeded(gal)
	c.succeeds("GET", gal, nil)
	c.fails("GET", e.galPath(rg, "missing"), nil)
	c.succeeds("PATCH", gal, map[string]any{"properties": map[string]any{"description": "contract"}})
	c.fails("PATCH", e.galPath(rg, "missing"), map[string]any{"properties": map[string]any{"description": "contract"}})
	c.waitSucceeded(gal)
	c.succeeds("GET", e.rgPath(rg)+"/providers/Microsoft.Compute/galleries", nil)
	c.fails("GET", e.rgPath("missing")+"/providers/Microsoft.Compute/galleries", nil)
	c.succeeds("GET", "/subscriptions/"+e.SubscriptionID+"/providers/Microsoft.Compute/galleries", nil)
	c.fails("GET", "/subscriptions/11111111-2222-3333-4444-555555555555/providers/Microsoft.Compute/galleries", nil)
	c.succeeds("POST", gal+"/share", map[string]any{"operationType": "Add", "groups": []any{
		map[string]any{"type": "Subscriptions", "ids": []any{"34a4ab42-0d72-47d9-bd1a-aed207386dac"}}}})
	c.waitSucceeded(gal)
	c.fails("POST", gal+"/share", map[string]any{"operationType": "Bogus"})

	c.fails("PUT", img, imgBody("westus", map[string]any{"osType": nil}))
	c.succeeds("PUT", img, imgBody("westus", nil))
	c.waitSucceeded(img)
	c.succeeds("GET", img, nil)
	c.fails("GET", e.imgPath(rg, "g", "missing"), nil)
	c.succeeds("PATCH", img, map[string]any{"properties": map[string]any{"description": "contract"}})
	c.fails("PATCH", e.imgPath(rg, "g", "missing"), map[string]any{"properties": map[string]any{"description": "contract"}})
	c.waitSucceeded(img)
	c.succeeds("GET", gal+"/images", nil)
	c.fails("GET", e.galPath(rg, "missing")+"/images", nil)

	src := e.createManagedImage(testCtx(t), rg, "src")
	c.fails("PUT", ver, "{")
	c.succeeds("PUT", ver, verBody(*src.ID, "westus", "eastus"))
	c.waitSucceeded(ver)
	c.succeeds("GET", ver, nil)
	c.succeedsQuery("GET", ver, "&$expand=ReplicationStatus")
	c.fails("GET", e.verPath(rg, "g", "img", "9.9.9"), nil)
	c.succeeds("PATCH", ver, map[string]any{"properties": map[string]any{"publishingProfile": map[string]any{"excludeFromLatest": true}}})
	c.fails("PATCH", e.verPath(rg, "g", "img", "9.9.9"), map[string]any{"properties": map[string]any{}})
	c.waitSucceeded(ver)
	c.succeeds("GET", img+"/versions", nil)
	c.fails("GET", e.imgPath(rg, "g", "missing")+"/versions", nil)

	app, appVer := exerciseApplications(c, gal)
	prof, profVer := exerciseProfiles(c, gal)

	c.fails("DELETE", gal, nil) // it holds an image
	c.fails("DELETE", img, nil) // it holds a version
	c.fails("DELETE", ver, nil, "api-version", "2015-01-01")
	c.fails("DELETE", app, nil) // it holds a version
	c.fails("DELETE", appVer, nil, "api-version", "2015-01-01")
	c.fails("DELETE", prof, nil) // it holds a version
	c.fails("DELETE", profVer, nil, "api-version", "2015-01-01")
	c.succeeds("POST", gal+"/share", map[string]any{"operationType": "Reset"}) // Azure refuses to delete a shared gallery
	c.waitSucceeded(gal)
	for _, p := range []string{ver, img, appVer, app, profVer, prof, gal} {
		c.succeeds("DELETE", p, nil)
		c.waitGone(p)
	}
	c.notImplemented(loadSpec(t))
}

// exerciseApplications calls the operations of gallery applications and their versions in
// gallery gal; it returns the application and version made.
func exerciseApplications(c contractCalls, gal string) (app, ver string) {
	app, ver = gal+"/applications/app", gal+"/applications/app/versions/1.0.0"
	c.fails("PUT", app, appBody("westus", map[string]any{"supportedOSType": nil}))
	c.succeeds("PUT", app, appBody("westus", nil))
	c.succeeds("GET", app, nil)
	c.fails("GET", gal+"/applications/missing", nil)
	c.succeeds("PATCH", app, map[string]any{"properties": map[string]any{"description": "contract"}})
	c.fails("PATCH", gal+"/applications/missing", map[string]any{"properties": map[string]any{"description": "contract"}})
	c.succeeds("GET", gal+"/applications", nil)
	c.fails("GET", gal+"x/applications", nil)

	c.fails("PUT", ver, "{")
	c.succeeds("PUT", ver, appVersionBody("westus", "eastus"))
	c.waitSucceeded(ver)
	c.succeeds("GET", ver, nil)
	c.succeedsQuery("GET", ver, "&$expand=ReplicationStatus")
	c.fails("GET", app+"/versions/9.9.9", nil)
	c.succeeds("PATCH", ver, map[string]any{"properties": map[string]any{"publishingProfile": map[string]any{"excludeFromLatest": true}}})
	c.fails("PATCH", app+"/versions/9.9.9", map[string]any{"properties": map[string]any{}})
	c.waitSucceeded(ver)
	c.succeeds("GET", app+"/versions", nil)
	c.fails("GET", gal+"/applications/missing/versions", nil)
	return app, ver
}

// exerciseProfiles calls the operations of inVMAccessControlProfiles and their versions in
// gallery gal; it returns the profile and version made.
func exerciseProfiles(c contractCalls, gal string) (prof, ver string) {
	prof, ver = gal+"/inVMAccessControlProfiles/prof", gal+"/inVMAccessControlProfiles/prof/versions/1.0.0"
	c.fails("PUT", prof, profileBody("westus", map[string]any{"osType": nil}))
	c.succeeds("PUT", prof, profileBody("westus", nil))
	c.waitSucceeded(prof)
	c.succeeds("GET", prof, nil)
	c.fails("GET", gal+"/inVMAccessControlProfiles/missing", nil)
	c.succeeds("PATCH", prof, map[string]any{"properties": map[string]any{"description": "contract"}})
	c.fails("PATCH", gal+"/inVMAccessControlProfiles/missing", map[string]any{"properties": map[string]any{}})
	c.waitSucceeded(prof)
	c.succeeds("GET", gal+"/inVMAccessControlProfiles", nil)
	c.fails("GET", gal+"x/inVMAccessControlProfiles", nil)

	c.fails("PUT", ver, profileVersionBody(map[string]any{"mode": nil}))
	c.succeeds("PUT", ver, profileVersionBody(map[string]any{"targetLocations": []any{map[string]any{"name": "westus"},
		map[string]any{"name": "eastus"}}}))
	c.waitSucceeded(ver)
	c.succeeds("GET", ver, nil)
	c.fails("GET", prof+"/versions/9.9.9", nil)
	c.succeeds("PATCH", ver, map[string]any{"properties": map[string]any{"mode": "Enforce"}})
	c.fails("PATCH", prof+"/versions/9.9.9", map[string]any{"properties": map[string]any{}})
	c.waitSucceeded(ver)
	c.succeeds("GET", prof+"/versions", nil)
	c.fails("GET", gal+"/inVMAccessControlProfiles/missing/versions", nil)
	return prof, ver
}

// contractCalls sends the requests of exerciseOperations.
type contractCalls struct {
	t *testing.T
	e *tenv
}

// succeeds sends a request at 2024-03-03 and requires a 2xx answer.
func (c contractCalls) succeeds(method, path string, body any) resp {
	c.t.Helper()
	return c.succeedsQuery(method, path, "", body)
}

// succeedsQuery is succeeds with more query parameters.
func (c contractCalls) succeedsQuery(method, path, query string, body ...any) resp {
	c.t.Helper()
	var b any
	if len(body) > 0 {
		b = body[0]
	}
	r := c.e.do(method, q(path, computeAPI)+query, b)
	if r.status < 200 || r.status > 299 {
		c.t.Fatalf("%s %s answered %d: %s", method, path, r.status, r.raw)
	}
	return r
}

// fails sends a request (at 2024-03-03 unless kv names another api-version) and requires an
// error answer.
func (c contractCalls) fails(method, path string, body any, kv ...string) {
	c.t.Helper()
	v := computeAPI
	if len(kv) == 2 && kv[0] == "api-version" {
		v = kv[1]
	}
	if r := c.e.do(method, q(path, v), body); r.status < 400 {
		c.t.Fatalf("%s %s answered %d, want an error: %s", method, path, r.status, r.raw)
	}
}

// waitSucceeded waits (for minutes at most) until the resource's provisioningState is Succeeded.
func (c contractCalls) waitSucceeded(path string) {
	c.t.Helper()
	c.waitFor(path, func(r resp) bool { return r.status == 200 && r.prop("provisioningState") == "Succeeded" })
}

// waitGone waits (for minutes at most) until the resource is gone.
func (c contractCalls) waitGone(path string) {
	c.t.Helper()
	c.waitFor(path, func(r resp) bool { return r.status == 404 })
}

// waitFor polls GET path until done holds.
func (c contractCalls) waitFor(path string, done func(resp) bool) {
	c.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		r := c.e.do("GET", q(path, computeAPI), nil)
		if done(r) {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: still %d %s", path, r.status, r.raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// parameterRef matches a path template parameter.
var parameterRef = regexp.MustCompile(`\{[^}]+\}`)

// notImplemented calls every operation the emulator does not implement, which must answer an
// error.
func (c contractCalls) notImplemented(spec *azurespec.Spec) {
	c.t.Helper()
	for _, op := range spec.Operations() {
		if _, ok := notImplemented[op.ID]; !ok {
			continue
		}
		path := parameterRef.ReplaceAllStringFunc(op.Path, func(p string) string {
			switch strings.Trim(p, "{}") {
			case "subscriptionId":
				return c.e.SubscriptionID
			case "resourceGroupName":
				return "rg"
			}
			return "x"
		})
		var body any
		if op.HasRequestBody() {
			body = map[string]any{"location": "westus", "properties": map[string]any{}}
		}
		c.fails(op.Method, path, body)
	}
}
