package emulator_test

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/azgallery/gallery-operator/internal/emulator"
)

// artifactFamily is a family of examples of one of the gallery's other artifact types: gallery
// applications, their versions, inVMAccessControlProfiles and their versions.
type artifactFamily struct {
	dir, prefix string
	// nameParams are the example parameters naming the resource's ancestors below the gallery,
	// then the resource; segments are the collection segments matching them.
	nameParams, segments []string
	// bodyParam is the example parameter holding the request body.
	bodyParam string
	// parent is the family whose Create example makes the resource's parent (nil: the gallery).
	parent *artifactFamily
	// compared are the properties whose values must be the documented ones.
	compared []string
}

var (
	applicationFamily = &artifactFamily{dir: "galleryExamples", prefix: "GalleryApplication_",
		nameParams: []string{"galleryApplicationName"}, segments: []string{"applications"}, bodyParam: "galleryApplication",
		compared: []string{"supportedOSType", "description", "eula", "customActions"}}
	applicationVersionFamily = &artifactFamily{dir: "galleryExamples", prefix: "GalleryApplicationVersion_",
		nameParams: []string{"galleryApplicationName", "galleryApplicationVersionName"}, segments: []string{"applications", "versions"},
		bodyParam: "galleryApplicationVersion", parent: applicationFamily,
		compared: []string{"safetyProfile", "provisioningState", "replicationStatus"}}
	profileFamily = &artifactFamily{dir: "galleryResourceProfileExamples", prefix: "GalleryInVMAccessControlProfile_",
		nameParams: []string{"inVMAccessControlProfileName"}, segments: []string{"inVMAccessControlProfiles"},
		bodyParam: "galleryInVMAccessControlProfile",
		compared:  []string{"osType", "applicableHostEndpoint", "provisioningState"}}
	profileVersionFamily = &artifactFamily{dir: "galleryResourceProfileExamples", prefix: "GalleryInVMAccessControlProfileVersion_",
		nameParams: []string{"inVMAccessControlProfileName", "inVMAccessControlProfileVersionName"},
		segments:   []string{"inVMAccessControlProfiles", "versions"}, bodyParam: "galleryInVMAccessControlProfileVersion",
		parent: profileFamily, compared: []string{"mode", "defaultAccess", "rules", "excludeFromLatest", "provisioningState"}}
)

// TestReplayArtifactExamples replays every example of gallery applications, application
// versions, inVMAccessControlProfiles and profile versions, and checks status codes, headers, the
// JSON shape and the documented values of the answers.
func TestReplayArtifactExamples(t *testing.T) {
	for _, f := range []*artifactFamily{applicationFamily, applicationVersionFamily, profileFamily, profileVersionFamily} {
		files, _ := filepath.Glob(filepath.Join(specDir(t), "examples", f.dir, f.prefix+"*.json"))
		if len(files) < 5 {
			t.Fatalf("only %d %s examples found", len(files), f.prefix)
		}
		for _, file := range files {
			name := strings.TrimSuffix(filepath.Base(file), ".json")
			t.Run(name, func(t *testing.T) {
				var x specExample
				readExample(t, file, &x)
				replayArtifactExample(t, f, strings.TrimPrefix(name, f.prefix), x)
			})
		}
	}
}

// create reads the family's Create example.
func (f *artifactFamily) create(t *testing.T) specExample {
	var x specExample
	readExample(t, filepath.Join(specDir(t), "examples", f.dir, f.prefix+"Create.json"), &x)
	return x
}

// path returns the resource's path (collection when list) with the example's names.
func (f *artifactFamily) path(e *tenv, x specExample, list bool) string {
	p := e.galPath(x.param("resourceGroupName"), x.param("galleryName"))
	for i, seg := range f.segments {
		p += "/" + seg
		if i < len(f.segments)-1 || !list {
			p += "/" + f.name(x, i)
		}
	}
	return p
}

// name returns the example's name parameter i; a list example names the listed resource in its
// answer only.
func (f *artifactFamily) name(x specExample, i int) string {
	if n := x.param(f.nameParams[i]); n != "" {
		return n
	}
	listed, _ := x.Responses["200"].Body["value"].([]any)
	if len(listed) == 0 {
		return ""
	}
	n, _ := listed[0].(map[string]any)["name"].(string)
	return n
}

// seedBody is the family's Create request body, with a future end of life date: the examples'
// (2019) is in the past, which the emulator refuses for a new date as for image versions.
func (f *artifactFamily) seedBody(t *testing.T, x specExample) map[string]any {
	var body map[string]any
	_ = json.Unmarshal(x.Parameters[f.bodyParam], &body)
	if pp, ok := body["properties"].(map[string]any)["publishingProfile"].(map[string]any); ok && pp["endOfLifeDate"] != nil {
		pp["endOfLifeDate"] = time.Now().AddDate(1, 0, 0).UTC().Format(time.RFC3339)
	}
	if body["location"] == nil {
		body["location"] = "West US"
	}
	return body
}

// put creates the resource the example x names from body and waits for it.
func (f *artifactFamily) put(t *testing.T, e *tenv, x specExample, body any) {
	t.Helper()
	path := f.path(e, x, false)
	if r := e.do("PUT", q(path, computeAPI), body); r.status != 200 && r.status != 201 {
		t.Fatalf("seed %s: %d %s", path, r.status, r.raw)
	}
	e.waitIdle(path)
}

// replayArtifactExample runs one example against a fresh emulator.
func replayArtifactExample(t *testing.T, f *artifactFamily, kind string, x specExample) {
	e := newEnv(t, func(c *emulator.Config) { c.Settings.PageSize = 1 })
	rg, gal := x.param("resourceGroupName"), x.param("galleryName")
	mustStatus(t, e.do("PUT", q(e.rgPath(rg), groupsAPI), map[string]any{"location": "westus"}), 201)
	mustStatus(t, e.do("PUT", q(e.galPath(rg, gal), computeAPI), map[string]any{"location": "West US"}), 201)
	e.waitIdle(e.galPath(rg, gal))
	if p := f.parent; p != nil {
		p.put(t, e, x, p.seedBody(t, p.create(t)))
	}
	method, path, query := "GET", f.path(e, x, false), ""
	var body any
	switch {
	case kind == "Create":
		method, body = "PUT", f.seedBody(t, x)
	case kind == "Update":
		method, body = "PATCH", f.seedBody(t, x)
		delete(body.(map[string]any), "location")
	case kind == "Delete":
		method = "DELETE"
	case strings.HasPrefix(kind, "ListBy"):
		path = f.path(e, x, true)
	case strings.HasPrefix(kind, "Get"):
		if ex := x.param("$expand"); ex != "" {
			query = "&$expand=" + ex
		}
	default:
		t.Fatalf("no replay mapping for example %s%s", f.prefix, kind)
	}
	if method != "PUT" {
		f.seedFor(t, e, x, kind)
	}
	r := e.do(method, q(path, computeAPI)+query, body)
	want, ok := x.Responses[strconv.Itoa(r.status)]
	if !ok {
		t.Fatalf("%s %s answered %d, which the example does not document (%v): %s", method, path, r.status, keys(x.Responses), r.raw)
	}
	for h := range want.Headers {
		if r.header.Get(h) == "" {
			t.Errorf("response lacks header %s", h)
		}
	}
	if want.Body == nil {
		if len(strings.TrimSpace(r.raw)) != 0 {
			t.Errorf("example has no body, got %s", r.raw)
		}
		return
	}
	f.compare(t, want.Body, r.body)
}

// seedFor creates what a non-create example operates on: the resource (for an Update, from its
// own body, whose answer the example describes) and, for a list, a second one so that the first
// page has a nextLink as in the example.
func (f *artifactFamily) seedFor(t *testing.T, e *tenv, x specExample, kind string) {
	create := f.create(t)
	seed := f.seedBody(t, create)
	if kind == "Update" && f == applicationVersionFamily {
		seed = f.seedBody(t, x) // the Update example's answer has no custom actions
	}
	f.put(t, e, x, seed)
	if strings.HasPrefix(kind, "ListBy") {
		other := x
		other.Parameters = map[string]json.RawMessage{}
		for k, v := range x.Parameters {
			other.Parameters[k] = v
		}
		last := f.nameParams[len(f.nameParams)-1]
		otherName := "zz" + f.name(x, len(f.nameParams)-1)
		if strings.Contains(last, "Version") {
			otherName = "9.9.9"
		}
		other.Parameters[last], _ = json.Marshal(otherName)
		f.put(t, e, other, seed)
	}
}

// compare checks the answer's shape against the example's and the documented values of the
// family's compared properties.
func (f *artifactFamily) compare(t *testing.T, wantBody, got map[string]any) {
	t.Helper()
	exp := wantBody
	if v, ok := exp["value"].([]any); ok {
		exp, got = v[0].(map[string]any), got["value"].([]any)[0].(map[string]any)
	}
	ep, gp := exp["properties"].(map[string]any), got["properties"].(map[string]any)
	if epp, ok := ep["publishingProfile"].(map[string]any); ok {
		// The examples' answers show settings and advancedSettings their requests do not send.
		gpp := gp["publishingProfile"].(map[string]any)
		for _, k := range []string{"settings", "advancedSettings"} {
			if gpp[k] == nil {
				delete(epp, k)
			}
		}
		for _, k := range []string{"source", "manageActions", "replicaCount", "storageAccountType", "excludeFromLatest"} {
			if !reflect.DeepEqual(epp[k], gpp[k]) {
				t.Errorf("publishingProfile.%s = %v, want %v", k, gpp[k], epp[k])
			}
		}
	}
	compareShape(t, "", exp, got)
	if got["name"] != exp["name"] {
		t.Errorf("name = %v, want %v", got["name"], exp["name"])
	}
	for _, k := range f.compared {
		if !reflect.DeepEqual(ep[k], gp[k]) {
			t.Errorf("properties.%s = %v, want %v", k, gp[k], ep[k])
		}
	}
}
