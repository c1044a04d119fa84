// Package azurespec is test support: it loads Microsoft's Compute Gallery REST specification
// (api-version 2024-03-03, kept as test data in internal/emulator/testdata/azure-spec) with
// go-openapi's Swagger 2.0 loader and validates request and response bodies against the schemas of
// its operations with go-openapi's validator. Only _test.go files import it; production code must
// not (TestNotImportedByProduction checks).
//
// Requests and responses are validated strictly: an object schema that does not say whether it
// allows additional properties is closed, so a field the spec does not know fails (see strict.go).
// In responses, Azure's extensible enums (x-ms-enum modelAsString: true) accept values the spec
// does not list; requests must use the listed ones.
package azurespec

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/go-openapi/loads"
	"github.com/go-openapi/spec"
	"github.com/go-openapi/strfmt"
	"github.com/go-openapi/swag/loading"
	"github.com/go-openapi/validate"
)

// Spec is a loaded, expanded specification.
type Spec struct {
	ops []*Operation
}

// Operation is one method on one path template of the spec.
type Operation struct {
	// ID is the operationId, e.g. GalleryImages_CreateOrUpdate.
	ID     string
	Method string
	// Path is the path template, e.g. /subscriptions/{subscriptionId}/....
	Path string
	segs []string
	// Examples are the x-ms-examples files of the operation, relative to the spec's folder.
	Examples []string
	// BodyParameter is the name of the body parameter ("" when the operation takes none), the key
	// of the request body in an example's parameters.
	BodyParameter string
	// request is the strict schema of the body parameter (nil when the operation takes none).
	request *spec.Schema
	// responses maps a documented status to its schema (nil: no body); deflt is "default".
	responses map[int]*spec.Schema
	deflt     *spec.Schema
}

var (
	cacheMu sync.Mutex
	cache   = map[string]*Spec{}
)

// Load loads <dir>/gallery.json and the common types it references (<dir>/common-types), expands
// every $ref and indexes the operations. Specs are cached by directory.
func Load(dir string) (*Spec, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if s, ok := cache[abs]; ok {
		return s, nil
	}
	s, err := load(abs)
	if err != nil {
		return nil, err
	}
	cache[abs] = s
	return s, nil
}

// load reads and expands the spec in dir.
func load(dir string) (*Spec, error) {
	loader := commonTypesLoader(dir)
	docLoader := func(p string, _ ...loading.Option) (json.RawMessage, error) { return loader(p) }
	doc, err := loads.Spec(filepath.Join(dir, "gallery.json"), loads.WithDocLoader(docLoader))
	if err != nil {
		return nil, fmt.Errorf("loading the spec: %w", err)
	}
	exp, err := doc.Expanded(&spec.ExpandOptions{PathLoader: loader})
	if err != nil {
		return nil, fmt.Errorf("expanding the spec: %w", err)
	}
	s := &Spec{}
	for path, item := range exp.Spec().Paths.Paths {
		for method, op := range map[string]*spec.Operation{
			http.MethodGet: item.Get, http.MethodPut: item.Put, http.MethodPatch: item.Patch,
			http.MethodPost: item.Post, http.MethodDelete: item.Delete, http.MethodHead: item.Head,
		} {
			if op == nil {
				continue
			}
			o, err := newOperation(method, path, item.Parameters, op)
			if err != nil {
				return nil, err
			}
			s.ops = append(s.ops, o)
		}
	}
	sort.Slice(s.ops, func(i, j int) bool { return s.ops[i].ID < s.ops[j].ID })
	return s, nil
}

// commonTypesLoader reads spec files; the references to Azure's shared common-types folder
// (../../../common-types/... in the upstream layout) are read from <dir>/common-types, where the
// test data keeps the copies.
func commonTypesLoader(dir string) func(string) (json.RawMessage, error) {
	return func(p string) (json.RawMessage, error) {
		p = strings.TrimPrefix(filepath.ToSlash(p), "file://")
		if i := strings.LastIndex(p, "/common-types/"); i >= 0 {
			p = filepath.Join(dir, "common-types", filepath.FromSlash(p[i+len("/common-types/"):]))
		}
		b, err := os.ReadFile(p)
		return json.RawMessage(b), err
	}
}

// newOperation indexes one operation: its strict body schema and its response schemas.
func newOperation(method, path string, common []spec.Parameter, op *spec.Operation) (*Operation, error) {
	o := &Operation{ID: op.ID, Method: method, Path: path, segs: strings.Split(strings.Trim(path, "/"), "/"),
		responses: map[int]*spec.Schema{}}
	for _, p := range append(append([]spec.Parameter(nil), common...), op.Parameters...) {
		if p.In == "body" && p.Schema != nil {
			strictSchema, err := Strict(p.Schema)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", op.ID, err)
			}
			o.request, o.BodyParameter = strictSchema, p.Name
		}
	}
	o.Examples = exampleFiles(op)
	if op.Responses == nil {
		return o, nil
	}
	var err error
	for code, r := range op.Responses.StatusCodeResponses {
		if o.responses[code], err = responseSchema(r.Schema); err != nil {
			return nil, fmt.Errorf("%s: %w", op.ID, err)
		}
	}
	if d := op.Responses.Default; d != nil {
		if o.deflt, err = responseSchema(d.Schema); err != nil {
			return nil, fmt.Errorf("%s: %w", op.ID, err)
		}
		if o.deflt == nil {
			o.deflt = &spec.Schema{}
		}
	}
	return o, nil
}

// responseSchema is the schema a response body is validated with (nil when none is documented):
// strict, with open extensible enums.
func responseSchema(s *spec.Schema) (*spec.Schema, error) {
	if s == nil {
		return nil, nil
	}
	x, err := Extensible(s)
	if err != nil {
		return nil, err
	}
	return Strict(x)
}

// exampleFiles lists the files the operation's x-ms-examples reference.
func exampleFiles(op *spec.Operation) []string {
	examples, _ := op.Extensions["x-ms-examples"].(map[string]any)
	var out []string
	for _, x := range examples {
		if m, ok := x.(map[string]any); ok {
			if ref, ok := m["$ref"].(string); ok {
				out = append(out, filepath.FromSlash(strings.TrimPrefix(ref, "./")))
			}
		}
	}
	sort.Strings(out)
	return out
}

// Operations lists the spec's operations, by operationId.
func (s *Spec) Operations() []*Operation { return append([]*Operation(nil), s.ops...) }

// Find returns the operation that serves method on the request path (without query string), or
// nil. Fixed segments match case-insensitively, as ARM matches them.
func (s *Spec) Find(method, path string) *Operation {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for _, o := range s.ops {
		if o.Method == method && o.matches(segs) {
			return o
		}
	}
	return nil
}

// matches reports whether the request path segments fit the template.
func (o *Operation) matches(segs []string) bool {
	if len(segs) != len(o.segs) {
		return false
	}
	for i, t := range o.segs {
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			if segs[i] == "" {
				return false
			}
			continue
		}
		if !strings.EqualFold(t, segs[i]) {
			return false
		}
	}
	return true
}

// HasRequestBody reports whether the operation takes a body parameter.
func (o *Operation) HasRequestBody() bool { return o.request != nil }

// ValidateRequest validates a request body (JSON) against the operation's strict body schema.
func (o *Operation) ValidateRequest(body []byte) error {
	if o.request == nil {
		if len(strings.TrimSpace(string(body))) == 0 {
			return nil
		}
		return fmt.Errorf("%s takes no request body, got %s", o.ID, body)
	}
	return against(o.ID+" request", o.request, body)
}

// ValidateResponse validates a response body (JSON) with status against the schema the spec
// documents for that status, or, for an error status the spec does not list, its default
// (CloudError) schema. A status the spec does not document at all fails.
func (o *Operation) ValidateResponse(status int, body []byte) error {
	schema, ok := o.responses[status]
	if !ok {
		if status < 400 || o.deflt == nil {
			return fmt.Errorf("%s does not document status %d (documented: %s)", o.ID, status, o.statuses())
		}
		schema = o.deflt
	}
	if schema == nil {
		if len(strings.TrimSpace(string(body))) != 0 {
			return fmt.Errorf("%s documents no body for status %d, got %s", o.ID, status, body)
		}
		return nil
	}
	return against(fmt.Sprintf("%s %d response", o.ID, status), schema, body)
}

// statuses lists the documented statuses.
func (o *Operation) statuses() string {
	var out []string
	for c := range o.responses {
		out = append(out, strconv.Itoa(c))
	}
	sort.Strings(out)
	if o.deflt != nil {
		out = append(out, "default")
	}
	return strings.Join(out, ", ")
}

// against decodes body and validates it against schema with go-openapi's validator.
func against(what string, schema *spec.Schema, body []byte) error {
	var data any
	if err := json.Unmarshal(body, &data); err != nil {
		return fmt.Errorf("%s: not JSON: %v: %q", what, err, truncate(body))
	}
	if err := validate.AgainstSchema(schema, data, strfmt.Default); err != nil {
		return fmt.Errorf("%s does not validate: %v; body %s", what, err, truncate(body))
	}
	return nil
}

// truncate shortens a body for an error message.
func truncate(b []byte) string {
	const max = 300
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
