package azurespec_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/azgallery/gallery-operator/internal/azurespec"
)

const dir = "../emulator/testdata/azure-spec/2024-03-03"

// load loads the test data spec.
func load(t *testing.T) *azurespec.Spec {
	t.Helper()
	s, err := azurespec.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// example is an x-ms-examples file.
type example struct {
	Parameters map[string]json.RawMessage `json:"parameters"`
	Responses  map[string]struct {
		Body json.RawMessage `json:"body"`
	} `json:"responses"`
}

// TestLoadIndexesEveryOperation finds the operations of gallery.json by request path.
func TestLoadIndexesEveryOperation(t *testing.T) {
	s := load(t)
	if n := len(s.Operations()); n != 38 {
		t.Errorf("%d operations, want the 38 of gallery.json", n)
	}
	sub := "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g"
	for _, c := range []struct{ method, path, id string }{
		{"PUT", sub + "/images/i", "GalleryImages_CreateOrUpdate"},
		{"GET", strings.ToLower(sub) + "/images/i/versions", "GalleryImageVersions_ListByGalleryImage"},
		{"POST", sub + "/share", "GallerySharingProfile_Update"},
		{"GET", "/subscriptions/s/providers/Microsoft.Compute/galleries", "Galleries_List"},
	} {
		o := s.Find(c.method, c.path)
		if o == nil || o.ID != c.id {
			t.Errorf("Find(%s %s) = %v, want %s", c.method, c.path, o, c.id)
		}
	}
	if o := s.Find("PUT", sub+"/unknown/i"); o != nil {
		t.Errorf("an unknown path found %s", o.ID)
	}
}

// requestDefects are example requests that break the spec, with the field the validator must name.
var requestDefects = map[string]string{
	// storageAccountType "PreviumV2_LRS", a misspelling of PremiumV2_LRS.
	"GalleryImageVersion_Create_WithAdditionalReplicaSets.json": "additionalReplicaSets.0.storageAccountType",
}

// TestExamplesValidate validates every example of the spec against its operation: the request
// body strictly, the responses as documented. This checks the strict schemas against what
// Microsoft itself sends.
func TestExamplesValidate(t *testing.T) {
	requests, responses := 0, 0
	for _, o := range load(t).Operations() {
		for _, f := range o.Examples {
			var x example
			readJSON(t, filepath.Join(dir, f), &x)
			if o.BodyParameter != "" {
				err := o.ValidateRequest(x.Parameters[o.BodyParameter])
				if field, ok := requestDefects[filepath.Base(f)]; ok {
					if err == nil || !strings.Contains(err.Error(), field) {
						t.Errorf("%s: the example's defect in %s is not found: %v", f, field, err)
					}
				} else if err != nil {
					t.Errorf("%s: %v", f, err)
				}
				requests++
			}
			for code, r := range x.Responses {
				status, _ := strconv.Atoi(code)
				body := []byte(r.Body)
				if r.Body == nil {
					body = nil
				}
				if err := o.ValidateResponse(status, body); err != nil {
					t.Errorf("%s: %v", f, err)
				}
				responses++
			}
		}
	}
	if requests < 30 || responses < 70 {
		t.Errorf("only %d request and %d response examples validated", requests, responses)
	}
	t.Logf("%d example requests and %d example responses validate", requests, responses)
}

// TestStrictRequestRejectsUnknownFields: a field the spec does not know fails, at the top and
// nested below allOf; free-form maps (tags) and the declared fields pass.
func TestStrictRequestRejectsUnknownFields(t *testing.T) {
	o := load(t).Find("PUT", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i")
	body := func(mutate func(m map[string]any)) []byte {
		m := map[string]any{"location": "westus", "tags": map[string]any{"any-key": "v"}, "properties": map[string]any{
			"osType": "Linux", "osState": "Generalized",
			"identifier": map[string]any{"publisher": "p", "offer": "o", "sku": "s"}}}
		mutate(m)
		b, _ := json.Marshal(m)
		return b
	}
	if err := o.ValidateRequest(body(func(map[string]any) {})); err != nil {
		t.Fatalf("a valid body fails: %v", err)
	}
	for name, mutate := range map[string]func(map[string]any){
		"top level":  func(m map[string]any) { m["colour"] = "red" },
		"properties": func(m map[string]any) { m["properties"].(map[string]any)["colour"] = "red" },
		"nested": func(m map[string]any) {
			m["properties"].(map[string]any)["identifier"].(map[string]any)["colour"] = "red"
		},
		"wrong enum":      func(m map[string]any) { m["properties"].(map[string]any)["osType"] = "Plan9" },
		"extensible enum": func(m map[string]any) { m["properties"].(map[string]any)["architecture"] = "Arm128" },
		"missing field":   func(m map[string]any) { delete(m["properties"].(map[string]any), "identifier") },
	} {
		if err := o.ValidateRequest(body(mutate)); err == nil {
			t.Errorf("%s: an invalid body validates", name)
		} else if !strings.Contains(name, "enum") && name != "missing field" && !strings.Contains(err.Error(), "colour") {
			t.Errorf("%s: the error does not name the field: %v", name, err)
		}
	}
}

// TestValidateResponse: a response with a field of the wrong type, an unknown field or a value
// outside a closed enum fails; a value outside an extensible enum passes. An undocumented success
// status fails; an error status falls back to the default CloudError schema.
func TestValidateResponse(t *testing.T) {
	o := load(t).Find("PATCH", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i")
	image := func(props string) []byte {
		return []byte(`{"location":"westus","properties":{"identifier":{"publisher":"p","offer":"o","sku":"s"},` + props + `}}`)
	}
	if err := o.ValidateResponse(200, image(`"osType":"Linux","osState":"Generalized","architecture":"Arm128"`)); err != nil {
		t.Errorf("an extensible enum is closed: %v", err)
	}
	for name, props := range map[string]string{
		"wrong type":    `"osType":"Linux","osState":"Generalized","endOfLifeDate":7`,
		"unknown field": `"osType":"Linux","osState":"Generalized","colour":"red"`,
		"closed enum":   `"osType":"Plan9","osState":"Generalized"`,
	} {
		if err := o.ValidateResponse(200, image(props)); err == nil {
			t.Errorf("%s: an invalid response validates", name)
		}
	}
	if err := o.ValidateResponse(201, []byte(`{}`)); err == nil {
		t.Error("an undocumented 201 validates")
	}
	if err := o.ValidateResponse(409, []byte(`{"error":{"code":"Conflict","message":"m"}}`)); err != nil {
		t.Errorf("a CloudError fails: %v", err)
	}
	if err := o.ValidateResponse(409, []byte(`{"error":{"code":7}}`)); err == nil {
		t.Error("a malformed CloudError validates")
	}
}

// TestNotImportedByProduction: only tests import this package.
func TestNotImportedByProduction(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}: {{join .Imports " "}}`, "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		pkg, imports, _ := strings.Cut(line, ": ")
		if strings.Contains(" "+imports+" ", "/internal/azurespec ") {
			t.Errorf("%s imports azurespec outside its tests", pkg)
		}
	}
}

// readJSON decodes a JSON file.
func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
