package emulator_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/azgallery/gallery-operator/internal/emulator"
)

// specDir is Microsoft's 2024-03-03 spec and examples, kept in the repository as test data (see
// testdata/azure-spec/README.md for their origin and licence).
func specDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("testdata", "azure-spec", "2024-03-03")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("the spec test data is missing: %v", err)
	}
	return dir
}

// specExample is an x-ms-examples file.
type specExample struct {
	Parameters map[string]json.RawMessage `json:"parameters"`
	Responses  map[string]struct {
		Body    map[string]any    `json:"body"`
		Headers map[string]string `json:"headers"`
	} `json:"responses"`
}

// param returns a string parameter of the example.
func (x specExample) param(name string) string {
	var s string
	_ = json.Unmarshal(x.Parameters[name], &s)
	return s
}

// TestReplayGalleryImageExamples replays every GalleryImage_*.json example
// and checks status codes, headers and the JSON shape of the responses.
func TestReplayGalleryImageExamples(t *testing.T) {
	dir := specDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "examples", "galleryExamples", "GalleryImage_*.json"))
	if len(files) == 0 {
		t.Fatal("no GalleryImage_*.json examples found")
	}
	var create specExample
	readExample(t, filepath.Join(dir, "examples", "galleryExamples", "GalleryImage_Create.json"), &create)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			var x specExample
			readExample(t, f, &x)
			replayExample(t, name, x, create)
		})
	}
}

// readExample decodes an example file.
func readExample(t *testing.T, path string, x *specExample) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, x); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// replayExample runs one example against a fresh emulator.
func replayExample(t *testing.T, name string, x, create specExample) {
	e := newEnv(t, func(c *emulator.Config) { c.Settings.PageSize = 1 })
	rg, gal, img := x.param("resourceGroupName"), x.param("galleryName"), x.param("galleryImageName")
	apiVersion := x.param("api-version")
	if img == "" {
		img = "myGalleryImageName" // the list example names the listed image in its response only
	}
	mustStatus(t, e.do("PUT", q(e.rgPath(rg), groupsAPI), map[string]any{"location": "westus"}), 201)
	mustStatus(t, e.do("PUT", q(e.galPath(rg, gal), apiVersion), map[string]any{"location": "West US"}), 201)
	e.waitIdle(e.galPath(rg, gal))

	var method, path string
	var body any
	switch strings.TrimPrefix(name, "GalleryImage_") {
	case "Create":
		method, path, body = "PUT", e.imgPath(rg, gal, img), x.Parameters["galleryImage"]
	case "Update", "UpdateFeatures":
		method, path, body = "PATCH", e.imgPath(rg, gal, img), x.Parameters["galleryImage"]
	case "Get":
		method, path = "GET", e.imgPath(rg, gal, img)
	case "Delete":
		method, path = "DELETE", e.imgPath(rg, gal, img)
	case "ListByGallery":
		method, path = "GET", e.galPath(rg, gal)+"/images"
	default:
		t.Fatalf("no replay mapping for example %s", name)
	}
	if method != "PUT" {
		// Pre-create the image the example operates on (and, for a list, a
		// second one so that the list has a nextLink as in the example).
		seed := seedImage(x, create)
		mustStatus(t, e.do("PUT", q(e.imgPath(rg, gal, img), apiVersion), seed), 201)
		e.waitIdle(e.imgPath(rg, gal, img))
		if name == "GalleryImage_ListByGallery" {
			other := seedImage(x, create)
			other["properties"].(map[string]any)["identifier"] = map[string]any{"publisher": "p", "offer": "o", "sku": "zz"}
			mustStatus(t, e.do("PUT", q(e.imgPath(rg, gal, "zzImage"), apiVersion), other), 201)
			e.waitIdle(e.imgPath(rg, gal, "zzImage"))
		}
	}
	var reqBody any
	if body != nil {
		reqBody = string(body.(json.RawMessage))
	}
	r := e.do(method, q(path, apiVersion), reqBody)
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
	compareShape(t, "", want.Body, r.body)
	// Values that must match the documented ones.
	exp := want.Body
	got := r.body
	if v, ok := exp["value"].([]any); ok {
		exp = v[0].(map[string]any)
		got = r.body["value"].([]any)[0].(map[string]any)
	}
	if got["name"] != exp["name"] {
		t.Errorf("name = %v, want %v", got["name"], exp["name"])
	}
	ep, gp := exp["properties"].(map[string]any), got["properties"].(map[string]any)
	for _, k := range []string{"osType", "osState", "hyperVGeneration", "identifier", "features", "provisioningState"} {
		if !reflect.DeepEqual(ep[k], gp[k]) {
			t.Errorf("properties.%s = %v, want %v", k, gp[k], ep[k])
		}
	}
}

// seedImage is the image a non-create example expects to exist.
func seedImage(x, create specExample) map[string]any {
	var src map[string]any
	raw := x.Parameters["galleryImage"]
	if raw == nil {
		raw = create.Parameters["galleryImage"]
	}
	_ = json.Unmarshal(raw, &src)
	props := src["properties"].(map[string]any)
	delete(props, "features")
	delete(props, "allowUpdateImage")
	return map[string]any{"location": "West US", "properties": props}
}

// allowedExtra are keys Azure returns beyond some examples: id/type are
// always present, architecture has a default.
var allowedExtra = map[string]bool{"id": true, "type": true, "architecture": true, "publicNamePrefix": true}

// compareShape checks that got has every key of want (recursively) and no
// undocumented keys beyond allowedExtra.
func compareShape(t *testing.T, at string, want, got map[string]any) {
	t.Helper()
	for k, wv := range want {
		gv, ok := got[k]
		if !ok {
			t.Errorf("response lacks %s%s", at, k)
			continue
		}
		switch w := wv.(type) {
		case map[string]any:
			g, ok := gv.(map[string]any)
			if !ok {
				t.Errorf("%s%s is %T, want object", at, k, gv)
				continue
			}
			compareShape(t, at+k+".", w, g)
		case []any:
			g, ok := gv.([]any)
			if !ok || len(g) == 0 || len(w) == 0 {
				if !ok || len(g) != len(w) {
					t.Errorf("%s%s = %v, want array like %v", at, k, gv, wv)
				}
				continue
			}
			if wm, ok := w[0].(map[string]any); ok {
				compareShape(t, at+k+"[0].", wm, g[0].(map[string]any))
			}
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok && !allowedExtra[k] {
			t.Errorf("response has undocumented key %s%s", at, k)
		}
	}
}

// keys returns the sorted keys of a map.
func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
