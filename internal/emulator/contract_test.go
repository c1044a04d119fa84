package emulator_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/azgallery/gallery-operator/internal/azurespec"
	"github.com/azgallery/gallery-operator/internal/emulator/emulatortest"
)

// The contract tests: every answer the emulator gives to an operation of the 2024-03-03 spec, in
// every test of this package that talks to it through newEnv's clients, is validated against the
// spec's response schema for its status (the default CloudError schema for errors) by
// contractTransport. TestContractCoverage lists the operations the emulator does not implement and
// exercises every one it does; TestMain reports the counts.

// notImplemented are the spec's operations the emulator does not implement, with the reason.
var notImplemented = map[string]string{
	"SoftDeletedResource_ListByArtifactName": "soft deletion is not emulated",
}

// contractStats counts validated response bodies per operation and status.
type contractStats struct {
	mu     sync.Mutex
	counts map[string]map[int]int
}

// add counts one validated body.
func (c *contractStats) add(op string, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = map[string]map[int]int{}
	}
	if c.counts[op] == nil {
		c.counts[op] = map[int]int{}
	}
	c.counts[op][status]++
}

// statuses returns the statuses validated for op.
func (c *contractStats) statuses(op string) map[int]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[int]int{}
	for s, n := range c.counts[op] {
		out[s] = n
	}
	return out
}

// summary is "N bodies over K operations" with the per-operation statuses.
func (c *contractStats) summary() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ops []string
	total := 0
	for op, byStatus := range c.counts {
		var parts []string
		for s, n := range byStatus {
			parts = append(parts, fmt.Sprintf("%d×%d", n, s))
			total += n
		}
		sort.Strings(parts)
		ops = append(ops, op+" "+strings.Join(parts, " "))
	}
	sort.Strings(ops)
	return fmt.Sprintf("%d response bodies validated over %d operations:\n  %s", total, len(ops), strings.Join(ops, "\n  "))
}

// allContract counts over the whole package run.
var allContract = &contractStats{}

func TestMain(m *testing.M) {
	code := m.Run()
	fmt.Printf("contract (emulator responses against the 2024-03-03 spec): %s\n", allContract.summary())
	os.Exit(code)
}

// loadSpec loads the spec test data.
func loadSpec(t testing.TB) *azurespec.Spec {
	t.Helper()
	s, err := azurespec.Load(filepath.Join("testdata", "azure-spec", "2024-03-03"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// contractTransport validates every answer to a spec operation (at api-version 2024-03-03, or an
// error at any) against the spec, and fails the test on a mismatch.
type contractTransport struct {
	base  http.RoundTripper
	t     testing.TB
	spec  *azurespec.Spec
	stats *contractStats
}

// RoundTrip implements http.RoundTripper.
func (c *contractTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := c.base.RoundTrip(req)
	if err != nil {
		return res, err
	}
	op := c.spec.Find(req.Method, req.URL.Path)
	if op == nil || (req.URL.Query().Get("api-version") != computeAPI && res.StatusCode < 400) {
		return res, nil
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return res, nil // the caller sees the short body; a dropped connection is no contract breach
	}
	if verr := op.ValidateResponse(res.StatusCode, body); verr != nil {
		c.t.Errorf("the emulator's answer to %s %s breaks the spec: %v", req.Method, req.URL.Path, verr)
		return res, nil
	}
	c.stats.add(op.ID, res.StatusCode)
	allContract.add(op.ID, res.StatusCode)
	return res, nil
}

// withContract makes env's ARM clients validate every answer; it returns the env's counts.
func withContract(t testing.TB, env *emulatortest.Env) *contractStats {
	stats := &contractStats{}
	client := *env.HTTPClient
	client.Transport = &contractTransport{base: env.HTTPClient.Transport, t: t, spec: loadSpec(t), stats: stats}
	env.HTTPClient = &client
	env.ClientOptions = emulatortest.ClientOptions(env.Server.URL(), env.HTTPClient)
	return stats
}

// TestContractCoverage accounts for every operation of the spec: the ones the emulator does not
// implement answer an error (validated as CloudError); every other one is exercised here, its
// success and error answers validated against the spec.
func TestContractCoverage(t *testing.T) {
	e := newEnv(t)
	spec := loadSpec(t)
	implemented := 0
	for _, op := range spec.Operations() {
		if _, ok := notImplemented[op.ID]; !ok {
			implemented++
		}
	}
	exerciseOperations(t, e)
	for _, op := range spec.Operations() {
		got := e.contract.statuses(op.ID)
		ok, failed := 0, 0
		for s, n := range got {
			if s < 400 {
				ok += n
			} else {
				failed += n
			}
		}
		if why, skip := notImplemented[op.ID]; skip {
			if ok > 0 {
				t.Errorf("%s is listed as not implemented (%s) but answered %v", op.ID, why, got)
			}
			continue
		}
		if ok == 0 || failed == 0 {
			t.Errorf("%s: the test did not validate both a success and an error answer: %v", op.ID, got)
		}
	}
	t.Logf("%d of %d operations implemented and validated, %d not implemented; %s",
		implemented, len(spec.Operations()), len(notImplemented), e.contract.summary())
	if implemented+len(notImplemented) != len(spec.Operations()) {
		t.Errorf("notImplemented names operations the spec does not have")
	}
}

// replayFamilies are the example files the replay tests run, by name pattern.
var replayFamilies = []struct{ pattern, test string }{
	{"Gallery_*", "TestReplayGalleryExamples"},
	{"CommunityGallery_*", "TestReplayGalleryExamples"},
	{"GalleryImage_*", "TestReplayGalleryImageExamples"},
	{"GalleryImageVersion_*", "TestReplayGalleryImageVersionExamples"},
	{"GalleryApplication_*", "TestReplayArtifactExamples"},
	{"GalleryApplicationVersion_*", "TestReplayArtifactExamples"},
	{"GalleryInVMAccessControlProfile_*", "TestReplayArtifactExamples"},
	{"GalleryInVMAccessControlProfileVersion_*", "TestReplayArtifactExamples"},
}

// TestContractExamples accounts for every example file of the spec (examples/): each example of
// an operation the emulator implements is replayed against it by a replay test (whose answers the
// contract transport validates), unless it is listed as unsupported with a reason; the examples of
// the operations the emulator does not implement are not covered.
func TestContractExamples(t *testing.T) {
	opOf := map[string]string{} // example name → operationId
	for _, op := range loadSpec(t).Operations() {
		for _, f := range op.Examples {
			opOf[strings.TrimSuffix(filepath.Base(f), ".json")] = op.ID
		}
	}
	files, _ := filepath.Glob(filepath.Join(specDir(t), "examples", "*", "*.json"))
	replayed, notCovered := 0, map[string]string{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		why, skip := notImplemented[opOf[name]]
		if !skip {
			why, skip = unsupportedGalleryExamples[name]
		}
		if !skip {
			why, skip = unsupportedVersionExamples[name]
		}
		switch {
		case skip:
			notCovered[name] = why
		case replayedBy(name) == "":
			t.Errorf("example %s (operation %q) is replayed by no test and not listed as unsupported", f, opOf[name])
		default:
			replayed++
		}
	}
	var lines []string
	for name, why := range notCovered {
		lines = append(lines, name+": "+why)
	}
	sort.Strings(lines)
	t.Logf("%d example files: %d replayed, %d not covered:\n  %s", len(files), replayed, len(notCovered), strings.Join(lines, "\n  "))
	if replayed < 30 {
		t.Errorf("only %d examples replayed", replayed)
	}
}

// replayedBy names the replay test that runs the example.
func replayedBy(name string) string {
	for _, f := range replayFamilies {
		if ok, _ := filepath.Match(f.pattern, name); ok {
			return f.test
		}
	}
	return ""
}
