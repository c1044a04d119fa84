package manifests_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
)

// The Argo CD health check: one script for every kind, and in the layout of Argo CD's
// resource_customizations one directory of test cases per kind; argocd-cm.yaml is generated from
// the script (hack/chart-gen).
const (
	argoScript    = "config/argocd/health.lua"
	argoConfigMap = "config/argocd/argocd-cm.yaml"
)

// argoKinds are the kinds with a health check, and an empty object of each to decode their
// test inputs strictly.
var argoKinds = map[string]any{
	"GalleryImage":                           &v1alpha1.GalleryImage{},
	"Gallery":                                &v1alpha1.Gallery{},
	"GalleryImageVersion":                    &v1alpha1.GalleryImageVersion{},
	"GalleryApplication":                     &v1alpha1.GalleryApplication{},
	"GalleryApplicationVersion":              &v1alpha1.GalleryApplicationVersion{},
	"GalleryInVMAccessControlProfile":        &v1alpha1.GalleryInVMAccessControlProfile{},
	"GalleryInVMAccessControlProfileVersion": &v1alpha1.GalleryInVMAccessControlProfileVersion{},
}

func argoDirOf(kind string) string { return "config/argocd/compute.azgallery.io/" + kind }

func argoKeyOf(kind string) string {
	return "resource.customizations.health.compute.azgallery.io_" + kind
}

// healthStatus is what a health script returns.
type healthStatus struct {
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

// healthTests is health_test.yaml.
type healthTests struct {
	Tests []struct {
		HealthStatus healthStatus `json:"healthStatus"`
		InputPath    string       `json:"inputPath"`
	} `json:"tests"`
}

// TestArgoCDHealth runs the health script on every case of each kind's health_test.yaml, as
// Argo CD does.
func TestArgoCDHealth(t *testing.T) {
	for kind, empty := range argoKinds {
		t.Run(kind, func(t *testing.T) { testArgoCDHealth(t, argoDirOf(kind), empty) })
	}
}

func testArgoCDHealth(t *testing.T, argoDir string, empty any) {
	script := string(readRepoFile(t, argoScript))
	var tests healthTests
	if err := yaml.UnmarshalStrict(readRepoFile(t, filepath.Join(argoDir, "health_test.yaml")), &tests); err != nil {
		t.Fatalf("health_test.yaml: %v", err)
	}
	if len(tests.Tests) == 0 {
		t.Fatal("health_test.yaml has no tests")
	}
	used := map[string]bool{}
	statuses := map[string]bool{}
	for _, tc := range tests.Tests {
		used[filepath.Clean(tc.InputPath)] = true
		statuses[tc.HealthStatus.Status] = true
		t.Run(tc.InputPath, func(t *testing.T) {
			data := readRepoFile(t, filepath.Join(argoDir, tc.InputPath))
			// The input is a real object of the kind: no typos in its fields.
			if err := yaml.UnmarshalStrict(data, empty); err != nil {
				t.Errorf("%s is not a valid %T: %v", tc.InputPath, empty, err)
			}
			obj := &unstructured.Unstructured{}
			jsonData, err := yaml.YAMLToJSON(data)
			if err != nil {
				t.Fatal(err)
			}
			if err := obj.UnmarshalJSON(jsonData); err != nil {
				t.Fatal(err)
			}
			// Custom checks in argocd-cm run without Lua's standard libraries unless useOpenLibs
			// is set; built-in ones run with them. The script must work both ways.
			for _, openLibs := range []bool{false, true} {
				got, err := executeHealthLua(obj, script, openLibs)
				if err != nil {
					t.Fatalf("useOpenLibs=%v: %v", openLibs, err)
				}
				if got != tc.HealthStatus {
					t.Errorf("useOpenLibs=%v: got %+v, want %+v", openLibs, got, tc.HealthStatus)
				}
			}
		})
	}
	for _, s := range []string{"Healthy", "Progressing", "Degraded"} {
		if !statuses[s] {
			t.Errorf("health_test.yaml has no %s case", s)
		}
	}
	// Every input file is used by a test.
	files, err := filepath.Glob(filepath.Join(repoRoot, argoDir, "testdata", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if p := filepath.Join("testdata", filepath.Base(f)); !used[p] {
			t.Errorf("%s is not used by health_test.yaml", p)
		}
	}
}

// TestArgoCDConfigMapSnippet checks that argocd-cm.yaml carries health.lua byte for byte under
// the key Argo CD looks up for each kind.
func TestArgoCDConfigMapSnippet(t *testing.T) {
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict(readRepoFile(t, argoConfigMap), &cm); err != nil {
		t.Fatalf("%s: %v", argoConfigMap, err)
	}
	if cm.Kind != "ConfigMap" || cm.Name != "argocd-cm" {
		t.Errorf("%s is %s %s, want ConfigMap argocd-cm", argoConfigMap, cm.Kind, cm.Name)
	}
	want := string(readRepoFile(t, argoScript))
	for kind := range argoKinds {
		got, ok := cm.Data[argoKeyOf(kind)]
		if !ok {
			t.Errorf("%s has no key %s", argoConfigMap, argoKeyOf(kind))
			continue
		}
		if got != want {
			t.Errorf("the script for %s in %s differs from health.lua; run make manifests", kind, argoConfigMap)
		}
	}
	if len(cm.Data) != len(argoKinds) {
		t.Errorf("%s has %d keys, want one per kind (%d)", argoConfigMap, len(cm.Data), len(argoKinds))
	}
}

// TestArgoCDHealthEdgeCases covers what health_test.yaml does not: unusual shapes that must not
// make the script fail.
func TestArgoCDHealthEdgeCases(t *testing.T) {
	script := string(readRepoFile(t, argoScript))
	base := func() map[string]any {
		return map[string]any{
			"apiVersion": "compute.azgallery.io/v1alpha1", "kind": "GalleryImage",
			"metadata": map[string]any{"name": "x", "namespace": "y", "generation": int64(1)},
		}
	}
	for name, tc := range map[string]struct {
		status map[string]any
		want   healthStatus
	}{
		"empty status": {map[string]any{},
			healthStatus{"Progressing", "Waiting for the operator to observe the latest spec"}},
		"observed, no conditions": {map[string]any{"observedGeneration": int64(1)},
			healthStatus{"Progressing", "Waiting for the Ready condition"}},
		"ready unknown without message": {map[string]any{"observedGeneration": int64(1), "conditions": []any{
			map[string]any{"type": "Ready", "status": "Unknown", "reason": "Pending", "message": ""}}},
			healthStatus{"Progressing", "Pending"}},
		"stalled wins over ready": {map[string]any{"observedGeneration": int64(1), "conditions": []any{
			map[string]any{"type": "Ready", "status": "True", "reason": "Succeeded", "message": "ok"},
			map[string]any{"type": "Stalled", "status": "True", "reason": "CredentialSecretsDisabled", "message": "disabled"}}},
			healthStatus{"Degraded", "disabled"}},
		"stalled false is ignored": {map[string]any{"observedGeneration": int64(1), "conditions": []any{
			map[string]any{"type": "Stalled", "status": "False", "reason": "X", "message": "old"},
			map[string]any{"type": "Ready", "status": "True", "reason": "Succeeded", "message": "ok"}}},
			healthStatus{"Healthy", "ok"}},
		"paused": {map[string]any{"observedGeneration": int64(1), "conditions": []any{
			map[string]any{"type": "Ready", "status": "True", "reason": "Succeeded", "message": "ok"},
			map[string]any{"type": "Paused", "status": "True", "reason": "Paused", "message": "managementPolicy Paused"}}},
			healthStatus{"Suspended", "managementPolicy Paused"}},
		"newer observedGeneration": {map[string]any{"observedGeneration": int64(2), "conditions": []any{
			map[string]any{"type": "Ready", "status": "True", "reason": "Succeeded", "message": "ok"}}},
			healthStatus{"Healthy", "ok"}},
	} {
		t.Run(name, func(t *testing.T) {
			obj := &unstructured.Unstructured{Object: base()}
			obj.Object["status"] = tc.status
			got, err := executeHealthLua(obj, script, false)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// executeHealthLua runs a health script the way Argo CD's util/lua does (VM.runLua and
// VM.ExecuteHealthLua): a fresh state with only the package, base, table and a safe os library
// unless openLibs, a one-second deadline, the object as the global obj, and the returned table
// read as {status, message}.
func executeHealthLua(obj *unstructured.Unstructured, script string, openLibs bool) (healthStatus, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: !openLibs})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.OsLibName, openSafeOs},
	} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return healthStatus{}, err
		}
	}
	// The bound stops a script that never ends; it is generous so that a busy machine does not
	// fail a script that would finish.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, obj.Object))
	if err := l.DoString(script); err != nil {
		return healthStatus{}, err
	}
	ret, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return healthStatus{}, fmt.Errorf("expect table output from Lua script, not %s", l.Get(-1).Type())
	}
	var hs healthStatus
	ret.ForEach(func(k, v lua.LValue) {
		switch k.String() {
		case "status":
			hs.Status = v.String()
		case "message":
			hs.Message = v.String()
		default:
			hs.Status = "unexpected key " + k.String()
		}
	})
	if !slices.Contains([]string{"Unknown", "Progressing", "Suspended", "Healthy", "Degraded", "Missing"}, hs.Status) {
		return healthStatus{}, fmt.Errorf("Lua returned an invalid health status %q", hs.Status)
	}
	return hs, nil
}

// openSafeOs is Argo CD's restricted os library: only os.time and os.date.
func openSafeOs(l *lua.LState) int {
	mod := l.RegisterModule(lua.OsLibName, map[string]lua.LGFunction{
		"time": func(l *lua.LState) int { l.Push(lua.LNumber(time.Now().Unix())); return 1 },
		"date": func(l *lua.LState) int { l.Push(lua.LString(time.Now().Format(time.RFC3339))); return 1 },
	})
	l.Push(mod)
	return 1
}

// toLua converts a JSON-shaped value into Lua as Argo CD's decodeValue does: objects become
// tables keyed by string, arrays 1-based tables, numbers LNumber.
func toLua(l *lua.LState, value any) lua.LValue {
	switch v := value.(type) {
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case int32:
		return lua.LNumber(v)
	case int:
		return lua.LNumber(v)
	case string:
		return lua.LString(v)
	case []any:
		arr := l.CreateTable(len(v), 0)
		for _, item := range v {
			arr.Append(toLua(l, item))
		}
		return arr
	case map[string]any:
		tbl := l.CreateTable(0, len(v))
		for k, item := range v {
			tbl.RawSetH(lua.LString(k), toLua(l, item))
		}
		return tbl
	}
	return lua.LNil
}
