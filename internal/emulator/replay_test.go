package emulator_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/azgallery/gallery-operator/internal/emulator"
)

// recording is a trimmed recorded session of real Azure traffic (see
// testdata/recordings/README.md for origin and licence).
type recording struct {
	Source        map[string]string `json:"source"`
	Prerequisites []struct {
		URI  string         `json:"uri"`
		Body map[string]any `json:"body"`
	} `json:"prerequisites"`
	Interactions []interaction `json:"interactions"`
}

// interaction is one recorded request and Azure's answer.
type interaction struct {
	Method       string            `json:"method"`
	URI          string            `json:"uri"`
	RequestBody  any               `json:"requestBody"`
	Status       int               `json:"status"`
	Headers      map[string]string `json:"headers"`
	ResponseBody map[string]any    `json:"responseBody"`
}

var subscriptionRE = regexp.MustCompile(`(?i)/subscriptions/([0-9a-f-]{36})`)

// recordedSubscription is the subscription of the recording's requests; the
// emulator is started with it, so ids compare unchanged.
func recordedSubscription(rec recording) string {
	for _, in := range rec.Interactions {
		if m := subscriptionRE.FindStringSubmatch(in.URI); m != nil {
			return m[1]
		}
	}
	return emulator.DefaultSubscriptionID
}

// replayTally counts a recording's requests and those that matched Azure.
type replayTally struct {
	requests, status, shape, headers, writes, errors, errorCodes, values, allowed int
}

// TestReplayRecordedAzureTraffic replays each recording under
// testdata/recordings against a fresh emulator and fails on any difference
// from Azure's recorded answers that replayAllowed does not list.
func TestReplayRecordedAzureTraffic(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "recordings", "*.json"))
	if len(files) == 0 {
		t.Fatal("no recordings under testdata/recordings")
	}
	var rows []string
	var total replayTally
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		var tally replayTally
		t.Run(name, func(t *testing.T) {
			tally = replayRecording(t, loadRecording(t, f))
		})
		rows = append(rows, tallyRow(name, tally))
		total = addTally(total, tally)
	}
	rows = append(rows, tallyRow(fmt.Sprintf("total (%d recordings)", len(files)), total))
	t.Logf("replay of recorded Azure traffic (equal answers; allowed = listed differences):\n"+
		"%-62s %8s %7s %7s %8s %7s %7s %8s\n%s", "recording", "requests", "status", "shape", "headers", "errors",
		"values", "allowed", strings.Join(rows, "\n"))
	for i, a := range replayAllowances {
		if !usedAllowances[i] {
			t.Errorf("allow-list entry %+v matched no difference: remove it", a)
		}
	}
}

// usedAllowances marks the allow-list entries that matched a difference.
var usedAllowances = map[int]bool{}

// tallyRow formats one table row.
func tallyRow(name string, c replayTally) string {
	return fmt.Sprintf("%-62s %8d %7d %7d %5d/%-2d %4d/%-2d %7d %8d", name, c.requests, c.status, c.shape,
		c.headers, c.writes, c.errorCodes, c.errors, c.values, c.allowed)
}

func addTally(a, b replayTally) replayTally {
	return replayTally{a.requests + b.requests, a.status + b.status, a.shape + b.shape, a.headers + b.headers,
		a.writes + b.writes, a.errors + b.errors, a.errorCodes + b.errorCodes, a.values + b.values,
		a.allowed + b.allowed}
}

func loadRecording(t *testing.T, path string) recording {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r recording
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

// replayer drives one recording against one emulator.
type replayer struct {
	e   *tenv
	ops map[string]opURLs // recorded operation id → the emulator's operation URLs
	api string            // the api-version of the current request as recorded
}

// replayRecording replays rec and reports its unlisted differences.
func replayRecording(t *testing.T, rec recording) replayTally {
	e := newEnv(t, func(c *emulator.Config) {
		c.SubscriptionID = recordedSubscription(rec)
		c.Settings.OperationDurationMs = 20
		c.Settings.ReplicationSecondsPerRegion = 0.02
	})
	r := &replayer{e: e, ops: map[string]opURLs{}}
	r.createGroups(rec)
	r.createPrerequisites(rec)
	var tally replayTally
	for i, in := range rec.Interactions {
		diffs, c := r.replay(in)
		tally = addTally(tally, c)
		for _, d := range diffs {
			if replayAllowed(d, r.api) < 0 {
				t.Errorf("#%d %s %s: %s", i, in.Method, shortURI(in.URI), d)
			} else {
				tally.allowed++
			}
		}
	}
	return tally
}

var groupRE = regexp.MustCompile(`(?i)/resourceGroups/([^/?]+)`)

// createGroups creates the resource groups the recording's requests use, in
// the location of the first body sent to each.
func (r *replayer) createGroups(rec recording) {
	locs := map[string]string{}
	var order []string
	for _, in := range rec.Interactions {
		m := groupRE.FindStringSubmatch(in.URI)
		if m == nil {
			continue
		}
		if _, ok := locs[m[1]]; !ok {
			order = append(order, m[1])
			locs[m[1]] = "westus"
		}
		if body, ok := in.RequestBody.(map[string]any); ok && locs[m[1]] == "westus" {
			if l, ok := body["location"].(string); ok {
				locs[m[1]] = l
			}
		}
	}
	for _, g := range order {
		res := r.e.do("PUT", q(r.e.rgPath(g), groupsAPI), map[string]any{"location": locs[g]})
		if res.status != 200 && res.status != 201 {
			r.e.t.Fatalf("create group %s: %d %s", g, res.status, res.raw)
		}
	}
}

// createPrerequisites creates the sources the recording relied on.
func (r *replayer) createPrerequisites(rec recording) {
	for _, p := range rec.Prerequisites {
		api := "2025-01-02"
		if strings.Contains(strings.ToLower(p.URI), "/microsoft.compute/images/") {
			api = "2025-04-01"
		}
		res := r.e.do("PUT", q(p.URI, api), p.Body)
		if res.status >= 300 {
			r.e.t.Fatalf("prerequisite %s: %d %s", p.URI, res.status, res.raw)
		}
		if st := r.e.waitIdleAt(p.URI, api); st.prop("provisioningState") != "Succeeded" {
			r.e.t.Fatalf("prerequisite %s did not succeed: %s", p.URI, st.raw)
		}
	}
}

var opIDRE = regexp.MustCompile(`(?i)/(?:capsOperations|operationresults)/([^/?]+)`)

// opURLs are the emulator's Azure-AsyncOperation and Location URLs of an
// operation.
type opURLs struct{ async, location string }

// replay sends one interaction (or, for an operation poll, polls the
// emulator's operation until it ends) and compares the answers.
func (r *replayer) replay(in interaction) ([]replayDiff, replayTally) {
	r.api = recordedAPIVersion(in.URI)
	var got resp
	if m := opIDRE.FindStringSubmatch(in.URI); m != nil {
		got = r.pollOperation(m[1], isMonitorURI(in.URI))
	} else {
		got = r.e.do(in.Method, emulatorURI(in.URI), in.RequestBody)
		r.rememberOperation(in, got)
	}
	return compareInteraction(in, got)
}

// rememberOperation maps the recorded operation to the emulator's.
func (r *replayer) rememberOperation(in interaction, got resp) {
	for _, h := range []string{"Azure-AsyncOperation", "Location"} {
		if m := opIDRE.FindStringSubmatch(in.Headers[h]); m != nil {
			r.ops[m[1]] = opURLs{got.header.Get("Azure-AsyncOperation"), got.header.Get("Location")}
		}
	}
}

// isMonitorURI reports whether a recorded poll is of a Location URL.
func isMonitorURI(uri string) bool {
	return strings.Contains(uri, "monitor=true") || strings.Contains(strings.ToLower(uri), "/operationresults/")
}

// pollOperation polls the emulator's operation until it ends, as a client
// would: the Azure-AsyncOperation URL until its status is no longer
// InProgress, the Location URL until it stops answering 202; within a
// generous bound.
func (r *replayer) pollOperation(recordedID string, monitor bool) resp {
	urls := r.ops[recordedID]
	u := urls.async
	if monitor {
		u = urls.location
	}
	if u == "" {
		return resp{status: 0, raw: "the emulator gave no URL for this operation"}
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		got := r.e.do("GET", u, nil)
		running := got.status == 202 || (got.status == 200 && got.body["status"] == "InProgress")
		if !running || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// emulatorURI maps a recorded URI to the emulator: path and query only, and
// the Compute api-version to 2024-03-03 (the bodies of the recordings'
// versions are compatible with it).
func emulatorURI(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return uri
	}
	qs := u.Query()
	switch path := strings.ToLower(u.Path); {
	case strings.Contains(path, "/microsoft.compute/"):
		qs.Set("api-version", computeAPI)
	case strings.Contains(path, "/resourcegroups/") && !strings.Contains(path, "/providers/"):
		qs.Set("api-version", groupsAPI)
	}
	return u.Path + "?" + qs.Encode()
}

func recordedAPIVersion(uri string) string {
	if u, err := url.Parse(uri); err == nil {
		return u.Query().Get("api-version")
	}
	return ""
}

// shortURI drops the common prefix of a recorded URI for messages.
func shortURI(uri string) string {
	if i := strings.Index(uri, "/providers/"); i >= 0 {
		return "…" + uri[i:]
	}
	return uri
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
