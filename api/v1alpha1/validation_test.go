package v1alpha1_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	kstatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"

	"github.com/azgallery/gallery-operator/internal/testenv"
)

// These tests run the generated CRD (schema and CEL rules) in a real kube-apiserver: a bad
// manifest must fail at `kubectl apply`, with a message that names the field.

var (
	gvr = schema.GroupVersionResource{Group: "compute.azgallery.io", Version: "v1alpha1", Resource: "galleryimages"}
	dyn dynamic.Interface
)

func TestMain(m *testing.M) {
	env, cfg, err := testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dyn = dynamic.NewForConfigOrDie(cfg)
	code := m.Run()
	_ = env.Stop()
	os.Exit(code)
}

// validImage is a complete, valid manifest; each case breaks one thing in a copy of it.
func validImage(name string) map[string]any {
	return map[string]any{
		"apiVersion": "compute.azgallery.io/v1alpha1",
		"kind":       "GalleryImage",
		"metadata":   map[string]any{"name": name, "namespace": "default"},
		"spec": map[string]any{
			"resourceGroupName": "rg-images",
			"galleryName":       "platform_gallery",
			"location":          "West Europe",
			"tags":              map[string]any{"team": "platform"},
			"properties": map[string]any{
				"description":      "Ubuntu 24.04 base image",
				"osType":           "Linux",
				"osState":          "Generalized",
				"hyperVGeneration": "V2",
				"architecture":     "x64",
				"eula":             "https://example.com/eula",
				"identifier":       map[string]any{"publisher": "contoso", "offer": "ubuntu", "sku": "24_04-lts"},
				"recommended": map[string]any{
					"vCPUs":  map[string]any{"min": int64(2), "max": int64(16)},
					"memory": map[string]any{"min": int64(4), "max": int64(64)},
				},
				"features": []any{
					map[string]any{"name": "SecurityType", "value": "TrustedLaunch"},
					map[string]any{"name": "IsAcceleratedNetworkSupported", "value": "true", "startsAtVersion": "1.0.0"},
				},
			},
		},
	}
}

// set writes value at a dotted path below the object ("spec.properties.osType"); a nil value
// deletes the field.
func set(obj map[string]any, path string, value any) {
	parts := strings.Split(path, ".")
	m := obj
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	if value == nil {
		delete(m, parts[len(parts)-1])
		return
	}
	m[parts[len(parts)-1]] = value
}

func create(t *testing.T, obj map[string]any) (*unstructured.Unstructured, error) {
	t.Helper()
	return dyn.Resource(gvr).Namespace("default").Create(context.Background(), &unstructured.Unstructured{Object: obj}, metav1.CreateOptions{})
}

func TestAdmissionRejectsInvalidManifests(t *testing.T) {
	manyTags := map[string]any{}
	for i := 0; i < 51; i++ {
		manyTags[fmt.Sprintf("tag%d", i)] = "v"
	}
	cases := []struct {
		name      string
		path      string
		value     any
		wantField string // the field the message must name
		wantText  string // and a word of why
	}{
		{"missing resourceGroupName", "spec.resourceGroupName", nil, "spec.resourceGroupName", "Required"},
		{"missing galleryName", "spec.galleryName", nil, "spec.galleryName", "Required"},
		{"missing location", "spec.location", nil, "spec.location", "Required"},
		{"missing properties", "spec.properties", nil, "spec.properties", "Required"},
		{"missing osType", "spec.properties.osType", nil, "spec.properties.osType", "Required"},
		{"missing osState", "spec.properties.osState", nil, "spec.properties.osState", "Required"},
		{"missing identifier", "spec.properties.identifier", nil, "spec.properties.identifier", "Required"},
		{"missing publisher", "spec.properties.identifier.publisher", nil, "spec.properties.identifier.publisher", "Required"},
		{"missing sku", "spec.properties.identifier.sku", nil, "spec.properties.identifier.sku", "Required"},
		{"unknown osType", "spec.properties.osType", "Ubuntu", "spec.properties.osType", "Unsupported value"},
		{"unknown osState", "spec.properties.osState", "Sealed", "spec.properties.osState", "Unsupported value"},
		{"unknown hyperVGeneration", "spec.properties.hyperVGeneration", "V3", "spec.properties.hyperVGeneration", "Unsupported value"},
		{"architecture in wrong case", "spec.properties.architecture", "arm64", "spec.properties.architecture", "Unsupported value"},
		{"azureName too long", "spec.azureName", strings.Repeat("a", 81), "spec.azureName", "more than 80"},
		{"azureName starts with a dash", "spec.azureName", "-image", "spec.azureName", "should match"},
		{"azureName ends with a dot", "spec.azureName", "image.", "spec.azureName", "should match"},
		{"azureName with a slash", "spec.azureName", "my/image", "spec.azureName", "should match"},
		{"publisher ends with a dot", "spec.properties.identifier.publisher", "contoso.", "spec.properties.identifier.publisher", "should match"},
		{"publisher too long", "spec.properties.identifier.publisher", strings.Repeat("p", 129), "spec.properties.identifier.publisher", "more than 128"},
		{"offer too long", "spec.properties.identifier.offer", strings.Repeat("o", 65), "spec.properties.identifier.offer", "more than 64"},
		{"sku with a space", "spec.properties.identifier.sku", "24 04", "spec.properties.identifier.sku", "should match"},
		{"vCPUs min above max", "spec.properties.recommended.vCPUs", map[string]any{"min": int64(8), "max": int64(2)}, "spec.properties.recommended.vCPUs", "min must be less than or equal to max"},
		{"memory min above max", "spec.properties.recommended.memory", map[string]any{"min": int64(64), "max": int64(4)}, "spec.properties.recommended.memory", "min must be less than or equal to max"},
		{"negative vCPUs", "spec.properties.recommended.vCPUs.min", int64(-1), "spec.properties.recommended.vCPUs.min", "greater than or equal to 0"},
		{"trusted launch on generation 1", "spec.properties.hyperVGeneration", "V1", "spec.properties.hyperVGeneration", "must be V2 when the SecurityType feature"},
		{"confidential VM without generation", "spec.properties.hyperVGeneration", nil, "spec.properties.hyperVGeneration", "must be V2 when the SecurityType feature"},
		{"duplicate feature name", "spec.properties.features", []any{map[string]any{"name": "SecurityType", "value": "TrustedLaunch"}, map[string]any{"name": "SecurityType", "value": "Standard"}}, "spec.properties.features", "Duplicate value"},
		{"feature without name", "spec.properties.features", []any{map[string]any{"value": "true"}}, "spec.properties.features[0].name", "Required"},
		{"startsAtVersion not major.minor.patch", "spec.properties.features", []any{map[string]any{"name": "DiskControllerTypes", "value": "SCSI,NVMe", "startsAtVersion": "1.0"}}, "spec.properties.features[0].startsAtVersion", "should match"},
		{"unknown deletionPolicy", "spec.deletionPolicy", "Keep", "spec.deletionPolicy", "Unsupported value"},
		{"subscriptionId not a GUID", "spec.subscriptionId", "my-subscription", "spec.subscriptionId", "should match"},
		{"galleryName with a dash", "spec.galleryName", "platform-gallery", "spec.galleryName", "should match"},
		{"resourceGroupName ends with a dot", "spec.resourceGroupName", "rg.", "spec.resourceGroupName", "should match"},
		{"resourceGroupName too long", "spec.resourceGroupName", strings.Repeat("r", 91), "spec.resourceGroupName", "more than 90"},
		{"more than 50 tags", "spec.tags", manyTags, "spec.tags", "at most 50"},
		{"endOfLifeDate not a date-time", "spec.properties.endOfLifeDate", "next year", "spec.properties.endOfLifeDate", "date-time"},
		{"duplicate disallowed disk type", "spec.properties.disallowed.diskTypes", []any{"Standard_LRS", "Standard_LRS"}, "spec.properties.disallowed.diskTypes", "Duplicate value"},
		{"credentials secret without name", "spec.credentialsSecretRef", map[string]any{}, "spec.credentialsSecretRef.name", "Required"},
		{"metadata.name too long for Azure", "metadata.name", strings.Repeat("n", 81), "metadata.name", "1-80 letters"},
	}
	if len(cases) < 30 {
		t.Fatalf("the table must hold at least 30 invalid manifests, has %d", len(cases))
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := validImage(fmt.Sprintf("invalid-%d", i))
			if tc.name == "confidential VM without generation" {
				set(obj, "spec.properties.features", []any{map[string]any{"name": "SecurityType", "value": "ConfidentialVM"}})
			}
			set(obj, tc.path, tc.value)
			_, err := create(t, obj)
			if err == nil {
				t.Fatalf("manifest with %s was accepted", tc.name)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.wantField) || !strings.Contains(msg, tc.wantText) {
				t.Fatalf("error does not name %q with %q:\n%s", tc.wantField, tc.wantText, msg)
			}
		})
	}
}

func TestAdmissionRejectsImmutableChanges(t *testing.T) {
	cases := []struct {
		name      string
		path      string
		value     any
		wantField string
		wantText  string
	}{
		{"subscriptionId set later", "spec.subscriptionId", "11111111-2222-3333-4444-555555555555", "spec", "subscriptionId is immutable"},
		{"resourceGroupName", "spec.resourceGroupName", "rg-other", "spec.resourceGroupName", "resourceGroupName is immutable"},
		{"galleryName", "spec.galleryName", "other_gallery", "spec.galleryName", "galleryName is immutable"},
		{"azureName set later", "spec.azureName", "Ubuntu-Base", "spec", "azureName is immutable"},
		{"location", "spec.location", "northeurope", "spec.location", "location is immutable"},
		{"identifier", "spec.properties.identifier.sku", "22_04-lts", "spec.properties.identifier", "identifier is immutable"},
		{"osType", "spec.properties.osType", "Windows", "spec.properties.osType", "osType is immutable"},
		{"osState", "spec.properties.osState", "Specialized", "spec.properties.osState", "osState is immutable"},
		{"hyperVGeneration", "spec.properties.hyperVGeneration", nil, "spec.properties.hyperVGeneration", "hyperVGeneration is immutable"},
		{"architecture", "spec.properties.architecture", "Arm64", "spec.properties.architecture", "architecture is immutable"},
		{"eula", "spec.properties.eula", "https://example.com/eula-v2", "spec.properties.eula", "eula is immutable"},
		{"privacyStatementUri added", "spec.properties.privacyStatementUri", "https://example.com/privacy", "spec.properties.privacyStatementUri", "privacyStatementUri is immutable"},
		{"purchasePlan added", "spec.properties.purchasePlan", map[string]any{"name": "plan", "publisher": "pub", "product": "prod"}, "spec.properties.purchasePlan", "purchasePlan is immutable"},
		{"features without allowUpdateImage", "spec.properties.features", []any{map[string]any{"name": "SecurityType", "value": "TrustedLaunch"}}, "spec.properties.features", "allowUpdateImage is true"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj, err := create(t, validImage(fmt.Sprintf("immutable-%d", i)))
			if err != nil {
				t.Fatalf("creating the valid manifest: %v", err)
			}
			set(obj.Object, tc.path, tc.value)
			_, err = dyn.Resource(gvr).Namespace("default").Update(context.Background(), obj, metav1.UpdateOptions{})
			if err == nil {
				t.Fatalf("change of %s was accepted", tc.name)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.wantField) || !strings.Contains(msg, tc.wantText) {
				t.Fatalf("error does not name %q with %q:\n%s", tc.wantField, tc.wantText, msg)
			}
		})
	}
}

func TestAdmissionAcceptsUpdatableChanges(t *testing.T) {
	cases := []struct {
		name  string
		edits map[string]any
	}{
		{"description", map[string]any{"spec.properties.description": "Ubuntu 24.04, hardened"}},
		{"tags", map[string]any{"spec.tags": map[string]any{"team": "platform", "cost-center": "42"}}},
		{"endOfLifeDate", map[string]any{"spec.properties.endOfLifeDate": "2031-12-31T00:00:00Z"}},
		{"recommended", map[string]any{"spec.properties.recommended.vCPUs": map[string]any{"min": int64(4), "max": int64(32)}}},
		{"disallowed", map[string]any{"spec.properties.disallowed.diskTypes": []any{"Standard_LRS", "StandardSSD_LRS"}}},
		{"releaseNoteUri", map[string]any{"spec.properties.releaseNoteUri": "https://example.com/notes"}},
		{"features with allowUpdateImage", map[string]any{
			"spec.properties.allowUpdateImage": true,
			"spec.properties.features": []any{
				map[string]any{"name": "SecurityType", "value": "TrustedLaunchSupported"},
				map[string]any{"name": "DiskControllerTypes", "value": "SCSI, NVMe", "startsAtVersion": "2.0.0"},
			},
		}},
		{"location in another spelling", map[string]any{"spec.location": "westeurope"}},
		{"deletionPolicy", map[string]any{"spec.deletionPolicy": "Orphan"}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj, err := create(t, validImage(fmt.Sprintf("valid-%d", i)))
			if err != nil {
				t.Fatalf("creating the valid manifest: %v", err)
			}
			for path, value := range tc.edits {
				set(obj.Object, path, value)
			}
			if _, err := dyn.Resource(gvr).Namespace("default").Update(context.Background(), obj, metav1.UpdateOptions{}); err != nil {
				t.Fatalf("valid edit of %s rejected: %v", tc.name, err)
			}
		})
	}
}

func TestAdmissionDefaultsOnlyDeletionPolicy(t *testing.T) {
	obj := validImage("defaults")
	set(obj, "spec.properties.hyperVGeneration", nil)
	set(obj, "spec.properties.architecture", nil)
	set(obj, "spec.properties.features", nil)
	got, err := create(t, obj)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	policy, _, _ := unstructured.NestedString(got.Object, "spec", "deletionPolicy")
	if policy != "Delete" {
		t.Errorf("deletionPolicy defaulted to %q, want Delete", policy)
	}
	// Fields Azure defaults must stay unset, or GitOps tools see a perpetual diff.
	for _, field := range []string{"hyperVGeneration", "architecture", "allowUpdateImage"} {
		if _, found, _ := unstructured.NestedFieldNoCopy(got.Object, "spec", "properties", field); found {
			t.Errorf("spec.properties.%s was defaulted by the API server; Azure defaults it", field)
		}
	}
}

// TestNewObjectReadsInProgress: before the operator writes anything, a new object has
// status.observedGeneration 0 (defaulted), so that kstatus (Flux, kubectl wait, cli-utils) reads
// it as in progress rather than Current; the operator need not write a status while it waits.
func TestNewObjectReadsInProgress(t *testing.T) {
	got, err := create(t, validImage("not-yet-reconciled"))
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	read, err := dyn.Resource(gvr).Namespace("default").Get(context.Background(), got.GetName(), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for what, o := range map[string]*unstructured.Unstructured{"create": got, "get": read} {
		if g, found, _ := unstructured.NestedInt64(o.Object, "status", "observedGeneration"); !found || g != 0 {
			t.Errorf("%s: status.observedGeneration %d (found %v), want a defaulted 0", what, g, found)
		}
		res, err := kstatus.Compute(o)
		if err != nil || res.Status != kstatus.InProgressStatus {
			t.Errorf("%s: kstatus %v (%v), want InProgress", what, res, err)
		}
	}
}
