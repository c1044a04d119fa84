package controllers_test

import (
	"flag"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/azgallery/gallery-operator/internal/azurespec"
	"github.com/azgallery/gallery-operator/internal/emulator"
)

// The contract test of the operator: every request body the operator sends to the emulator in
// these suites (PUT, PATCH, POST; recognised by its User-Agent) is validated against the body
// parameter of its operation in Microsoft's 2024-03-03 spec, strictly: a field the spec does not
// know fails. The emulator passes every entry of its request log to operatorContract.observe as it
// is recorded; TestMain reports the counts and fails the run on a breach.

// specDir is the spec test data.
const specDir = "../internal/emulator/testdata/azure-spec/2024-03-03"

// operatorUserAgent is the SDK telemetry application id the operator's Azure clients send.
const operatorUserAgent = "gallery-operator"

// maxKeptBreaches bounds the breaches kept for the report.
const maxKeptBreaches = 20

// operatorContract validates the operator's request bodies and counts them.
type operatorContract struct {
	spec     *azurespec.Spec
	mu       sync.Mutex
	counts   map[string]int // operationId → bodies validated
	breaches []string
	breached int
}

// contract checks the suites' traffic (set by startEmulator).
var contract *operatorContract

// newOperatorContract loads the spec.
func newOperatorContract() (*operatorContract, error) {
	s, err := azurespec.Load(specDir)
	if err != nil {
		return nil, err
	}
	return &operatorContract{spec: s, counts: map[string]int{}}, nil
}

// observe validates one request log entry, if the operator sent it with a body.
func (c *operatorContract) observe(r emulator.RequestRecord) {
	if !strings.Contains(r.UserAgent, operatorUserAgent) ||
		(r.Method != http.MethodPut && r.Method != http.MethodPatch && r.Method != http.MethodPost) {
		return
	}
	op := c.spec.Find(r.Method, r.Path)
	var err error
	switch {
	case op == nil:
		err = fmt.Errorf("not an operation of the spec")
	case r.APIVersion != "2024-03-03":
		err = fmt.Errorf("api-version %q, want 2024-03-03", r.APIVersion)
	case r.BodyTruncated:
		err = fmt.Errorf("the body is longer than the request log keeps")
	default:
		err = op.ValidateRequest([]byte(r.Body))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.breached++
		if len(c.breaches) < maxKeptBreaches {
			c.breaches = append(c.breaches, fmt.Sprintf("%s %s: %v", r.Method, r.Path, err))
		}
		return
	}
	c.counts[op.ID]++
}

// report prints the counts and the breaches; it returns the exit code of the run.
func (c *operatorContract) report(code int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ops []string
	total := 0
	for op, n := range c.counts {
		ops = append(ops, fmt.Sprintf("%s %d", op, n))
		total += n
	}
	sort.Strings(ops)
	fmt.Printf("contract (operator request bodies against the 2024-03-03 spec): %d validated over %d operations (%s), %d breaches\n",
		total, len(ops), strings.Join(ops, ", "), c.breached)
	if total == 0 && flag.Lookup("test.run").Value.String() == "" { // the whole suite ran
		fmt.Println("FAIL: no operator request body was captured (is the User-Agent still recognised?), so none was checked")
		return 1
	}
	if c.breached == 0 {
		return code
	}
	fmt.Printf("FAIL: the operator sent %d request bodies the spec rejects, among them:\n  %s\n",
		c.breached, strings.Join(c.breaches, "\n  "))
	return 1
}

// TestOperatorContractCatchesBreaches: the check fails an unknown field, a wrong api-version and
// a path outside the spec, and ignores requests that are not the operator's.
func TestOperatorContractCatchesBreaches(t *testing.T) {
	c, err := newOperatorContract()
	if err != nil {
		t.Fatal(err)
	}
	path := "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i"
	valid := `{"location":"westus","properties":{"osType":"Linux","osState":"Generalized",` +
		`"identifier":{"publisher":"p","offer":"o","sku":"s"}}}`
	op := func(path, apiVersion, body, ua string) emulator.RequestRecord {
		return emulator.RequestRecord{Method: "PUT", Path: path, APIVersion: apiVersion, Body: body,
			UserAgent: ua + " azsdk-go-armcompute/v7.2.0"}
	}
	c.observe(op(path, "2024-03-03", valid, operatorUserAgent))
	c.observe(op(path, "2024-03-03", strings.Replace(valid, `"osType"`, `"colour":"red","osType"`, 1), "someone-else"))
	if c.breached != 0 || c.counts["GalleryImages_CreateOrUpdate"] != 1 {
		t.Fatalf("valid or foreign requests counted as breaches: %v %v", c.counts, c.breaches)
	}
	c.observe(op(path, "2024-03-03", strings.Replace(valid, `"osType"`, `"colour":"red","osType"`, 1), operatorUserAgent))
	c.observe(op(path, "2023-07-03", valid, operatorUserAgent))
	c.observe(op(path+"/nope", "2024-03-03", valid, operatorUserAgent))
	if c.breached != 3 || !strings.Contains(c.breaches[0], "colour") {
		t.Fatalf("breaches = %d: %v", c.breached, c.breaches)
	}
}
