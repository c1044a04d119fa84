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

var galleryGVR = schema.GroupVersionResource{Group: "compute.azgallery.io", Version: "v1alpha1", Resource: "galleries"}

// validGallery is a complete, valid Gallery manifest; each case breaks one thing in a copy.
func validGallery(name string) map[string]any {
	return map[string]any{
		"apiVersion": "compute.azgallery.io/v1alpha1",
		"kind":       "Gallery",
		"metadata":   map[string]any{"name": name, "namespace": "default"},
		"spec": map[string]any{
			"resourceGroupName": "rg-images",
			"azureName":         "platform_gallery",
			"location":          "West Europe",
			"tags":              map[string]any{"team": "platform"},
			"identity":          map[string]any{"type": "SystemAssigned"},
			"properties": map[string]any{
				"description": "Platform images",
				"sharingProfile": map[string]any{
					"permissions": "Groups",
					"groups":      []any{map[string]any{"type": "Subscriptions", "ids": []any{"00000000-0000-0000-0000-00000000000a"}}},
				},
				"softDeletePolicy": map[string]any{"isSoftDeleteEnabled": true},
			},
		},
	}
}

func createGallery(obj map[string]any) (*unstructured.Unstructured, error) {
	return dyn.Resource(galleryGVR).Namespace("default").Create(context.Background(), &unstructured.Unstructured{Object: obj}, metav1.CreateOptions{})
}

func TestGalleryAdmissionRejectsInvalidManifests(t *testing.T) {
	manyTags := map[string]any{}
	for i := 0; i < 51; i++ {
		manyTags[fmt.Sprintf("tag%d", i)] = "v"
	}
	community := map[string]any{"publisherUri": "https://contoso.com", "publisherContact": "images@contoso.com",
		"eula": "https://contoso.com/eula", "publicNamePrefix": "contoso"}
	cases := []struct {
		name      string
		path      string
		value     any
		wantField string
		wantText  string
	}{
		{"missing resourceGroupName", "spec.resourceGroupName", nil, "spec.resourceGroupName", "Required"},
		{"missing location", "spec.location", nil, "spec.location", "Required"},
		{"azureName with a dash", "spec.azureName", "platform-gallery", "spec.azureName", "should match"},
		{"azureName ends with a dot", "spec.azureName", "gallery.", "spec.azureName", "should match"},
		{"azureName too long", "spec.azureName", strings.Repeat("g", 81), "spec.azureName", "80"},
		{"metadata.name with a dash and no azureName", "spec.azureName", nil, "metadata.name", "azureName"},
		{"resourceGroupName ends with a dot", "spec.resourceGroupName", "rg.", "spec.resourceGroupName", "should match"},
		{"subscriptionId not a GUID", "spec.subscriptionId", "my-subscription", "spec.subscriptionId", "should match"},
		{"more than 50 tags", "spec.tags", manyTags, "spec.tags", "at most 50"},
		{"tag value over 256 characters", "spec.tags", map[string]any{"k": strings.Repeat("v", 257)}, "spec.tags", "at most 256"},
		{"unknown permissions", "spec.properties.sharingProfile.permissions", "Everyone", "spec.properties.sharingProfile.permissions", "Unsupported value"},
		{"Community without communityGalleryInfo", "spec.properties.sharingProfile", map[string]any{"permissions": "Community"},
			"spec.properties.sharingProfile.communityGalleryInfo", "required when sharingProfile.permissions is Community"},
		{"communityGalleryInfo without publisherContact", "spec.properties.sharingProfile", map[string]any{"permissions": "Community",
			"communityGalleryInfo": map[string]any{"publisherUri": "https://c.com", "eula": "e", "publicNamePrefix": "c"}},
			"spec.properties.sharingProfile.communityGalleryInfo.publisherContact", "Required"},
		{"publicNamePrefix with a dash", "spec.properties.sharingProfile", map[string]any{"permissions": "Community",
			"communityGalleryInfo": withValue(community, "publicNamePrefix", "con-toso")},
			"spec.properties.sharingProfile.communityGalleryInfo.publicNamePrefix", "should match"},
		{"groups without permissions Groups", "spec.properties.sharingProfile.permissions", "Private",
			"spec.properties.sharingProfile.groups", "need sharingProfile.permissions Groups"},
		{"unknown group type", "spec.properties.sharingProfile.groups", []any{map[string]any{"type": "Users", "ids": []any{"00000000-0000-0000-0000-00000000000a"}}},
			"spec.properties.sharingProfile.groups[0].type", "Unsupported value"},
		{"group id not a GUID", "spec.properties.sharingProfile.groups", []any{map[string]any{"type": "Subscriptions", "ids": []any{"sub-a"}}},
			"spec.properties.sharingProfile.groups[0].ids[0]", "should match"},
		{"the same group type twice", "spec.properties.sharingProfile.groups", []any{
			map[string]any{"type": "Subscriptions", "ids": []any{"00000000-0000-0000-0000-00000000000a"}},
			map[string]any{"type": "Subscriptions", "ids": []any{"00000000-0000-0000-0000-00000000000b"}}},
			"spec.properties.sharingProfile.groups[1]", "Duplicate value"},
		{"unknown identity type", "spec.identity", map[string]any{"type": "Managed"}, "spec.identity.type", "Unsupported value"},
		{"user-assigned identities with SystemAssigned", "spec.identity", map[string]any{"type": "SystemAssigned",
			"userAssignedIdentities": map[string]any{"/subscriptions/x/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id": map[string]any{}}},
			"spec.identity.userAssignedIdentities", "needs identity.type UserAssigned"},
		{"description too long", "spec.properties.description", strings.Repeat("d", 2049), "spec.properties.description", "2048"},
		{"unknown deletionPolicy", "spec.deletionPolicy", "Keep", "spec.deletionPolicy", "Unsupported value"},
		{"credentials secret without name", "spec.credentialsSecretRef", map[string]any{}, "spec.credentialsSecretRef.name", "Required"},
	}
	if len(cases) < 15 {
		t.Fatalf("the table must hold at least 15 invalid manifests, has %d", len(cases))
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := validGallery(fmt.Sprintf("invalid-gallery-%d", i))
			set(obj, tc.path, tc.value)
			_, err := createGallery(obj)
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

func withValue(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for key, val := range m {
		out[key] = val
	}
	out[k] = v
	return out
}

func TestGalleryAdmissionImmutablesAndUpdates(t *testing.T) {
	immutable := []struct {
		name, path string
		value      any
		wantText   string
	}{
		{"location", "spec.location", "North Europe", "location is immutable"},
		{"resourceGroupName", "spec.resourceGroupName", "rg-other", "resourceGroupName is immutable"},
		{"azureName", "spec.azureName", "other_gallery", "azureName is immutable"},
		{"subscriptionId set later", "spec.subscriptionId", "00000000-0000-0000-0000-000000000001", "subscriptionId is immutable"},
	}
	for i, tc := range immutable {
		t.Run(tc.name, func(t *testing.T) {
			obj, err := createGallery(validGallery(fmt.Sprintf("immutable-gallery-%d", i)))
			if err != nil {
				t.Fatal(err)
			}
			set(obj.Object, tc.path, tc.value)
			_, err = dyn.Resource(galleryGVR).Namespace("default").Update(context.Background(), obj, metav1.UpdateOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.wantText) {
				t.Fatalf("changing %s: got %v, want an error with %q", tc.name, err, tc.wantText)
			}
		})
	}
	obj, err := createGallery(validGallery("updatable-gallery"))
	if err != nil {
		t.Fatal(err)
	}
	set(obj.Object, "spec.properties.description", "changed")
	set(obj.Object, "spec.location", "westeurope") // the same region, spelled as Azure does
	set(obj.Object, "spec.properties.sharingProfile.groups", []any{map[string]any{"type": "AADTenants", "ids": []any{"00000000-0000-0000-0000-00000000000c"}}})
	if _, err := dyn.Resource(galleryGVR).Namespace("default").Update(context.Background(), obj, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("an update of updatable fields was refused: %v", err)
	}
}
