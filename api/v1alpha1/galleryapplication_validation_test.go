package v1alpha1_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var applicationGVR = schema.GroupVersionResource{Group: "compute.azgallery.io", Version: "v1alpha1", Resource: "galleryapplications"}

// validApplication is a complete, valid GalleryApplication manifest (after Azure's
// GalleryApplication_Create example); each case breaks one thing.
func validApplication(name string) map[string]any {
	return map[string]any{
		"apiVersion": "compute.azgallery.io/v1alpha1",
		"kind":       "GalleryApplication",
		"metadata":   map[string]any{"name": name, "namespace": "default"},
		"spec": map[string]any{
			"galleryRef": map[string]any{"name": "platform"},
			"location":   "West US",
			"tags":       map[string]any{"team": "apps"},
			"properties": map[string]any{
				"supportedOSType":     "Windows",
				"description":         "This is the gallery application description.",
				"eula":                "This is the gallery application EULA.",
				"privacyStatementUri": "https://example.com/privacy",
				"releaseNoteUri":      "https://example.com/release-notes",
				"endOfLifeDate":       "2030-12-31T00:00:00Z",
				"customActions": []any{map[string]any{
					"name": "myCustomAction", "script": "myCustomActionScript", "description": "This is the custom action description.",
					"parameters": []any{map[string]any{"name": "myCustomActionParameter", "required": false, "type": "String",
						"defaultValue": "default value of parameter.", "description": "This is the description of the parameter"}},
				}},
			},
		},
	}
}

// refusal is an invalid manifest: valid but for value at path, refused with a message naming
// wantField and saying wantText.
type refusal struct {
	name      string
	path      string
	value     any
	wantField string
	wantText  string
}

// expectRefused creates each manifest of valid broken as cases say, and checks that admission
// refuses it with a message that names the field.
func expectRefused(t *testing.T, gvr schema.GroupVersionResource, valid func(name string) map[string]any, cases []refusal) {
	t.Helper()
	if len(cases) < 15 {
		t.Fatalf("the table must hold at least 15 invalid manifests, has %d", len(cases))
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := valid(fmt.Sprintf("invalid-%s-%d", strings.TrimSuffix(gvr.Resource, "s"), i))
			set(obj, tc.path, tc.value)
			_, err := dyn.Resource(gvr).Namespace("default").Create(context.Background(), &unstructured.Unstructured{Object: obj}, metav1.CreateOptions{})
			if err == nil {
				t.Fatalf("manifest with %s was accepted", tc.name)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.wantField) || !strings.Contains(msg, tc.wantText) {
				t.Fatalf("error does not name %q with %q:\n%s", tc.wantField, tc.wantText, msg)
			}
		})
	}
}

// expectUpdates creates valid(name) and changes value at path: refused with wantText, or (wantText
// "") accepted.
func expectUpdates(t *testing.T, gvr schema.GroupVersionResource, valid func(name string) map[string]any, cases []refusal) {
	t.Helper()
	client := dyn.Resource(gvr).Namespace("default")
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj, err := client.Create(context.Background(), &unstructured.Unstructured{Object: valid(fmt.Sprintf("update-%s-%d", strings.TrimSuffix(gvr.Resource, "s"), i))}, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			set(obj.Object, tc.path, tc.value)
			_, err = client.Update(context.Background(), obj, metav1.UpdateOptions{})
			switch {
			case tc.wantText == "" && err != nil:
				t.Fatalf("changing %s was refused: %v", tc.name, err)
			case tc.wantText != "" && (err == nil || !strings.Contains(err.Error(), tc.wantText)):
				t.Fatalf("changing %s: got %v, want an error with %q", tc.name, err, tc.wantText)
			}
		})
	}
}

func TestApplicationAdmissionRejectsInvalidManifests(t *testing.T) {
	action := func(name, script string, params ...any) []any {
		return []any{map[string]any{"name": name, "script": script, "parameters": params}}
	}
	expectRefused(t, applicationGVR, validApplication, []refusal{
		{"missing supportedOSType", "spec.properties.supportedOSType", nil, "spec.properties.supportedOSType", "Required"},
		{"unknown supportedOSType", "spec.properties.supportedOSType", "MacOS", "spec.properties.supportedOSType", "Unsupported value"},
		{"supportedOSType in the wrong case", "spec.properties.supportedOSType", "linux", "spec.properties.supportedOSType", "Unsupported value"},
		{"missing location", "spec.location", nil, "spec.location", "Required"},
		{"missing properties", "spec.properties", nil, "spec.properties", "Required"},
		{"no galleryRef and no path", "spec.galleryRef", nil, "spec.resourceGroupName", "Required value"},
		{"galleryRef and a path", "spec.galleryName", "platform_gallery", "spec.galleryRef", "excludes"},
		{"resource group with a slash", "spec.resourceGroupName", "rg/x", "spec.resourceGroupName", "should match"},
		{"azureName with a space", "spec.azureName", "my app", "spec.azureName", "should match"},
		{"metadata.name not an Azure name and no azureName", "metadata.name", "app-", "metadata.name", "Azure application name"},
		{"endOfLifeDate not a date-time", "spec.properties.endOfLifeDate", "next year", "spec.properties.endOfLifeDate", "date-time"},
		{"eula too long", "spec.properties.eula", strings.Repeat("e", 4097), "spec.properties.eula", "4096"},
		{"custom action without a script", "spec.properties.customActions", []any{map[string]any{"name": "a"}},
			"spec.properties.customActions[0].script", "Required"},
		{"custom action without a name", "spec.properties.customActions", []any{map[string]any{"script": "s"}},
			"spec.properties.customActions[0].name", "Required"},
		{"custom action named twice", "spec.properties.customActions", append(action("a", "s"), action("a", "t")...),
			"spec.properties.customActions[1]", "Duplicate value"},
		{"parameter of an unknown type", "spec.properties.customActions", action("a", "s", map[string]any{"name": "p", "type": "Integer"}),
			"spec.properties.customActions[0].parameters[0].type", "Unsupported value"},
		{"default value of a blob parameter", "spec.properties.customActions", action("a", "s", map[string]any{"name": "p", "type": "LogOutputBlob", "defaultValue": "x"}),
			"spec.properties.customActions[0].parameters[0].defaultValue", "only to String"},
		{"azureName ending with a dot", "spec.azureName", "app.", "spec.azureName", "should match"},
		{"parameter without a name", "spec.properties.customActions", action("a", "s", map[string]any{"type": "String"}),
			"spec.properties.customActions[0].parameters[0].name", "Required"},
		{"parameter named twice", "spec.properties.customActions", action("a", "s", map[string]any{"name": "p"}, map[string]any{"name": "p"}),
			"spec.properties.customActions[0].parameters[1]", "Duplicate value"},
		{"more than 50 tags", "spec.tags", manyTags(51), "spec.tags", "at most 50"},
		{"unknown deletionPolicy", "spec.deletionPolicy", "Keep", "spec.deletionPolicy", "Unsupported value"},
	})
}

func TestApplicationAdmissionUpdates(t *testing.T) {
	expectUpdates(t, applicationGVR, validApplication, []refusal{
		{name: "supportedOSType", path: "spec.properties.supportedOSType", value: "Linux", wantText: "supportedOSType is immutable"},
		{name: "galleryRef", path: "spec.galleryRef.name", value: "other", wantText: "galleryRef is immutable"},
		{name: "azureName", path: "spec.azureName", value: "other", wantText: "azureName is immutable"},
		{name: "location", path: "spec.location", value: "eastus", wantText: "location is immutable"},
		{name: "location's spelling", path: "spec.location", value: "westus"},
		{name: "eula", path: "spec.properties.eula", value: "v2"},
		{name: "description", path: "spec.properties.description", value: "new"},
		{name: "endOfLifeDate", path: "spec.properties.endOfLifeDate", value: "2031-06-30T00:00:00Z"},
		{name: "custom actions", path: "spec.properties.customActions", value: []any{map[string]any{"name": "b", "script": "b.ps1"}}},
	})
}
