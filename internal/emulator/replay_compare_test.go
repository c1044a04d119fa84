package emulator_test

import (
	"fmt"
	"regexp"
	"strings"
)

// replayDiff is one difference between Azure's recorded answer and the
// emulator's.
type replayDiff struct {
	resource string // galleries, images, versions, applications, share, operations, groups
	method   string
	kind     string // status, header, error, shape, value
	path     string // JSON path without indexes ("" = the body), or the header name
	detail   string
}

func (d replayDiff) String() string {
	return d.resource + " " + d.method + " " + d.kind + " " + d.path + ": " + d.detail
}

// replayAllowance is a difference we accept, with its reason. Empty fields
// match anything; path matches as a prefix.
type replayAllowance struct {
	resource, method, kind, path string
	// before: the allowance applies only to recordings made with an
	// api-version older than this ("" = any).
	before string
	reason string
}

func (a replayAllowance) matches(d replayDiff, apiVersion string) bool {
	return (a.resource == "" || a.resource == d.resource) && (a.method == "" || a.method == d.method) &&
		(a.kind == "" || a.kind == d.kind) && strings.HasPrefix(d.path, a.path) &&
		(a.before == "" || apiVersion < a.before)
}

// replayAllowances are the differences that are not emulator errors (also in
// docs/emulator.md, "Replayed recordings"), each with its reason.
var replayAllowances = []replayAllowance{
	{resource: "versions", kind: "shape", path: "properties.safetyProfile.blockDeletionBeforeEndOfLife", before: "2023-07-03",
		reason: "blockDeletionBeforeEndOfLife is returned from api-version 2023-07-03 on"},
	{resource: "versions", kind: "shape", path: "properties.publishingProfile.targetRegions[].excludeFromLatest",
		before: "2022-08-03", reason: "a target region's excludeFromLatest is returned from api-version 2022-08-03 on"},
	{resource: "galleries", method: "GET", kind: "shape", path: "properties.sharingProfile", before: "2020-09-31",
		reason: "at 2020-09-30 a plain GET returns no sharingProfile; the 2024-03-03 example CommunityGallery_Get.json " +
			"shows it, which the emulator follows"},
	{resource: "share", method: "POST", kind: "shape", path: "", before: "2022-01-04",
		reason: "at 2020-09-30 and 2022-01-03 the share action answers 202 without a body; the 2024-03-03 example " +
			"Gallery_AddToSharingProfile.json has the SharingUpdate as body and result, which the emulator follows"},
	{resource: "operations", method: "GET", kind: "shape", path: "", before: "2022-01-04",
		reason: "the share action's Location result: as for its 202 body (2020-09-30 and 2022-01-03 empty, " +
			"2024-03-03 example the SharingUpdate)"},
	{resource: "communitygalleries", reason: "community gallery endpoints (/locations/{l}/communityGalleries) are not emulated"},
	{resource: "galleries", kind: "shape", path: "properties.sharingStatus", before: "2022-08-03",
		reason: "a community gallery's sharingStatus is returned from api-version 2022-08-03 on"},
	{resource: "images", kind: "shape", path: "properties.architecture", before: "2021-10-01",
		reason: "an image definition's architecture is returned from api-version 2021-10-01 on"},
	{resource: "versions", kind: "shape", path: "properties.safetyProfile", before: "2022-01-03",
		reason: "an image version's safetyProfile is returned from api-version 2022-01-03 on"},
	{resource: "versions", method: "GET", kind: "shape", path: "properties.storageProfile.osDiskImage.source",
		before: "2021-07-02", reason: "at 2021-07-01 a version made from a managed image reports an empty " +
			"osDiskImage.source; the 2024-03-03 examples (GalleryImageVersion_Create/Get.json) show none, which the emulator follows"},
}

// replayAllowed returns the index of the allow-list entry that accepts a
// difference of a recording made at apiVersion, or -1.
func replayAllowed(d replayDiff, apiVersion string) int {
	for i, a := range replayAllowances {
		if a.matches(d, apiVersion) {
			usedAllowances[i] = true
			return i
		}
	}
	return -1
}

// volatileKeys hold values that differ between any two runs.
var volatileKeys = map[string]bool{
	"uniqueName": true, "publishedDate": true, "startTime": true, "endTime": true, "timeCreated": true,
	"publicNames": true, // "<prefix>-<guid>", the guid Azure's
}

var resourceRE = regexp.MustCompile(`(?i)/(galleries|images|versions|applications|capsOperations|operationresults|share|resourceGroups)(?:/[^/?]+)?(?:\?|$)`)

// resourceKind names the resource type an URI addresses.
func resourceKind(uri string) string {
	if strings.Contains(strings.ToLower(uri), "/communitygalleries/") {
		return "communitygalleries"
	}
	m := resourceRE.FindStringSubmatch(uri)
	if m == nil {
		return "other"
	}
	switch strings.ToLower(m[1]) {
	case "capsoperations", "operationresults":
		return "operations"
	case "resourcegroups":
		return "groups"
	}
	return strings.ToLower(m[1])
}

// compareInteraction compares the emulator's answer with the recorded one.
func compareInteraction(in interaction, got resp) ([]replayDiff, replayTally) {
	c := replayTally{requests: 1}
	res := resourceKind(in.URI)
	var diffs []replayDiff
	add := func(kind, path, format string, a ...any) {
		diffs = append(diffs, replayDiff{res, in.Method, kind, path, fmt.Sprintf(format, a...)})
	}
	if got.status == in.Status {
		c.status = 1
	} else {
		add("status", "", "Azure %d, emulator %d (%s)", in.Status, got.status, trimBody(got.raw))
	}
	if in.Method != "GET" {
		c.writes = 1
		c.headers = compareAsyncHeaders(in, got, add)
	}
	if in.Status >= 400 {
		// Error bodies compare by their code (ARM's older bodies spell Error.Code, Target, Details).
		c.errors, c.shape, c.values = 1, 1, 1
		c.errorCodes = compareErrorCode(in, got, add)
		return diffs, c
	}
	shape, values := compareBodies(in.ResponseBody, got.body, res == "operations", add)
	c.shape, c.values = boolInt(shape), boolInt(values)
	return diffs, c
}

type addFunc func(kind, path, format string, a ...any)

// compareAsyncHeaders compares the presence of Azure-AsyncOperation and
// Location on a write.
func compareAsyncHeaders(in interaction, got resp, add addFunc) int {
	ok := 1
	for _, h := range []string{"Azure-AsyncOperation", "Location"} {
		_, want := in.Headers[h]
		if has := got.header.Get(h) != ""; has != want {
			add("header", h, "Azure sends it: %v, emulator: %v", want, has)
			ok = 0
		}
	}
	return ok
}

// compareErrorCode compares error.code (ARM's older bodies spell it Error.Code).
func compareErrorCode(in interaction, got resp, add addFunc) int {
	want, _ := field(in.ResponseBody, "error").(map[string]any)
	if field(want, "code") == got.errCode() {
		return 1
	}
	add("error", "error.code", "Azure %v, emulator %q", field(want, "code"), got.errCode())
	return 0
}

// field returns m[k] with k matched case-insensitively.
func field(m map[string]any, k string) any {
	for mk, v := range m {
		if strings.EqualFold(mk, k) {
			return v
		}
	}
	return nil
}

// compareBodies compares keys at every level (shape) and non-volatile scalar
// values; it reports whether each matched.
func compareBodies(want, got map[string]any, operation bool, add addFunc) (shape, values bool) {
	shape, values = true, true
	onShape := func(path, format string, a ...any) { shape = false; add("shape", path, format, a...) }
	onValue := func(path, format string, a ...any) { values = false; add("value", path, format, a...) }
	if want == nil {
		if len(got) > 0 {
			onShape("", "Azure sends no body, the emulator does")
		}
		return shape, values
	}
	w := &bodyWalker{onShape: onShape, onValue: onValue, operation: operation}
	w.walk("", "", want, anyMap(got))
	return shape, values
}

// bodyWalker walks a recorded body and the emulator's in parallel.
type bodyWalker struct {
	onShape, onValue func(path, format string, a ...any)
	operation        bool
}

func (w *bodyWalker) walk(path, shown string, want, got any) {
	switch wv := want.(type) {
	case map[string]any:
		gv, ok := got.(map[string]any)
		if !ok {
			w.onShape(path, "%s: Azure an object, emulator %T", shown, got)
			return
		}
		w.walkObject(path, shown, wv, gv)
	case []any:
		gv, ok := got.([]any)
		if !ok || len(gv) != len(wv) {
			w.onShape(path, "%s: Azure %d elements, emulator %v", shown, len(wv), got)
			return
		}
		for i := range wv {
			w.walk(path+"[]", fmt.Sprintf("%s[%d]", shown, i), wv[i], gv[i])
		}
	default:
		if fmt.Sprint(want) != fmt.Sprint(got) {
			w.onValue(path, "%s: Azure %v, emulator %v", shown, want, got)
		}
	}
}

func (w *bodyWalker) walkObject(path, shown string, want, got map[string]any) {
	for _, k := range sortedKeys(want) {
		p, s := join(path, k), join(shown, k)
		gv, ok := got[k]
		if !ok {
			w.onShape(p, "%s: Azure returns it (%v), the emulator does not", s, want[k])
			continue
		}
		if volatileKeys[k] || (w.operation && k == "name") {
			continue
		}
		w.walk(p, s, want[k], gv)
	}
	for _, k := range sortedKeys(got) {
		if _, ok := want[k]; !ok {
			w.onShape(join(path, k), "%s: the emulator returns it (%v), Azure does not", join(shown, k), got[k])
		}
	}
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func anyMap(m map[string]any) any {
	if m == nil {
		return nil
	}
	return m
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func trimBody(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
