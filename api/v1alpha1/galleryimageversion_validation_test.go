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

var versionGVR = schema.GroupVersionResource{Group: "compute.azgallery.io", Version: "v1alpha1", Resource: "galleryimageversions"}

const managedImage = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Compute/images/golden"

// validVersion is a complete, valid GalleryImageVersion manifest; each case breaks one thing.
func validVersion(name string) map[string]any {
	return map[string]any{
		"apiVersion": "compute.azgallery.io/v1alpha1",
		"kind":       "GalleryImageVersion",
		"metadata":   map[string]any{"name": name, "namespace": "default"},
		"spec": map[string]any{
			"imageRef":  map[string]any{"name": "ubuntu"},
			"azureName": "1.0.0",
			"location":  "West Europe",
			"tags":      map[string]any{"team": "platform"},
			"properties": map[string]any{
				"publishingProfile": map[string]any{
					"targetRegions": []any{
						map[string]any{"name": "West Europe", "regionalReplicaCount": int64(2), "storageAccountType": "Standard_ZRS"},
						map[string]any{"name": "northeurope", "regionalReplicaCount": int64(1)},
					},
					"replicaCount":      int64(1),
					"excludeFromLatest": false,
					"endOfLifeDate":     "2030-12-31T00:00:00Z",
				},
				"storageProfile": map[string]any{"source": map[string]any{"id": managedImage}},
				"safetyProfile":  map[string]any{"allowDeletionOfReplicatedLocations": false},
			},
		},
	}
}

func versionClient() interface {
	Create(context.Context, *unstructured.Unstructured, metav1.CreateOptions, ...string) (*unstructured.Unstructured, error)
	Update(context.Context, *unstructured.Unstructured, metav1.UpdateOptions, ...string) (*unstructured.Unstructured, error)
} {
	return dyn.Resource(versionGVR).Namespace("default")
}

func TestVersionAdmissionRejectsInvalidManifests(t *testing.T) {
	region := func(name string) map[string]any { return map[string]any{"name": name} }
	cases := []struct {
		name      string
		path      string
		value     any
		wantField string
		wantText  string
	}{
		{"azureName not major.minor.patch", "spec.azureName", "1.0", "spec.azureName", "should match"},
		{"azureName with letters", "spec.azureName", "1.0.0-beta", "spec.azureName", "should match"},
		{"azureName part beyond int32", "spec.azureName", "1.0.2147483648", "spec.azureName", "32-bit integer"},
		{"metadata.name not a version and no azureName", "spec.azureName", nil, "metadata.name", "major.minor.patch"},
		{"no imageRef and no path", "spec.imageRef", nil, "spec.imageRef", "Required value"},
		{"imageRef and a path", "spec.galleryName", "platform_gallery", "spec.imageRef", "excludes"},
		{"missing location", "spec.location", nil, "spec.location", "Required"},
		{"location not among target regions", "spec.location", "eastus", "spec.properties.publishingProfile.targetRegions", "own location"},
		{"duplicate region", "spec.properties.publishingProfile.targetRegions", []any{region("West Europe"), region("westeurope")},
			"spec.properties.publishingProfile.targetRegions", "names a region twice"},
		{"the same region name twice", "spec.properties.publishingProfile.targetRegions", []any{region("westeurope"), region("westeurope")},
			"spec.properties.publishingProfile.targetRegions[1]", "Duplicate value"},
		{"replica count 0", "spec.properties.publishingProfile.replicaCount", int64(0), "spec.properties.publishingProfile.replicaCount", "greater than or equal to 1"},
		{"regional replica count 101", "spec.properties.publishingProfile.targetRegions", []any{map[string]any{"name": "westeurope", "regionalReplicaCount": int64(101)}},
			"spec.properties.publishingProfile.targetRegions[0].regionalReplicaCount", "less than or equal to 100"},
		{"unknown storage account type", "spec.properties.publishingProfile.storageAccountType", "Ultra_LRS", "spec.properties.publishingProfile.storageAccountType", "Unsupported value"},
		{"unknown replication mode", "spec.properties.publishingProfile.replicationMode", "Partial", "spec.properties.publishingProfile.replicationMode", "Unsupported value"},
		{"endOfLifeDate not a date-time", "spec.properties.publishingProfile.endOfLifeDate", "soon", "spec.properties.publishingProfile.endOfLifeDate", "date-time"},
		{"no source", "spec.properties.storageProfile", map[string]any{}, "spec.properties.storageProfile", "exactly one kind of source"},
		{"two kinds of source", "spec.properties.storageProfile", map[string]any{"source": map[string]any{"id": managedImage},
			"osDiskImage": map[string]any{"source": map[string]any{"id": managedImage}}}, "spec.properties.storageProfile", "exactly one kind of source"},
		{"source id not an ARM id", "spec.properties.storageProfile.source.id", "golden-image", "spec.properties.storageProfile.source.id", "should match"},
		{"VHD without storage account", "spec.properties.storageProfile", map[string]any{"osDiskImage": map[string]any{"source": map[string]any{"uri": "https://sa.blob.core.windows.net/vhds/os.vhd"}}},
			"spec.properties.storageProfile.osDiskImage.source.storageAccountId", "needs storageAccountId"},
		{"unknown host caching", "spec.properties.storageProfile", map[string]any{"source": map[string]any{"id": managedImage}, "osDiskImage": map[string]any{"hostCaching": "WriteBack"}},
			"spec.properties.storageProfile.osDiskImage.hostCaching", "Unsupported value"},
		{"data disk LUN twice", "spec.properties.storageProfile", map[string]any{"source": map[string]any{"id": managedImage},
			"dataDiskImages": []any{map[string]any{"lun": int64(1)}, map[string]any{"lun": int64(1)}}}, "spec.properties.storageProfile.dataDiskImages[1]", "Duplicate value"},
		{"data disk LUN 64", "spec.properties.storageProfile", map[string]any{"source": map[string]any{"id": managedImage},
			"dataDiskImages": []any{map[string]any{"lun": int64(64)}}}, "spec.properties.storageProfile.dataDiskImages[0].lun", "less than or equal to 63"},
		{"unknown UEFI template", "spec.properties.securityProfile", map[string]any{"uefiSettings": map[string]any{"signatureTemplateNames": []any{"AnyTemplate"}}},
			"spec.properties.securityProfile.uefiSettings.signatureTemplateNames[0]", "Unsupported value"},
		{"more than 50 tags", "spec.tags", manyTags(51), "spec.tags", "at most 50"},
		{"unknown deletionPolicy", "spec.deletionPolicy", "Keep", "spec.deletionPolicy", "Unsupported value"},
	}
	if len(cases) < 20 {
		t.Fatalf("the table must hold at least 20 invalid manifests, has %d", len(cases))
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := validVersion(fmt.Sprintf("invalid-version-%d", i))
			set(obj, tc.path, tc.value)
			_, err := versionClient().Create(context.Background(), &unstructured.Unstructured{Object: obj}, metav1.CreateOptions{})
			if err == nil {
				t.Fatalf("manifest with %s was accepted", tc.name)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.wantField) || !strings.Contains(msg, tc.wantText) {
				t.Fatalf("error does not name %q with %q:\n%s", tc.wantField, tc.wantText, msg)
			}
		})
	}
}

func manyTags(n int) map[string]any {
	m := map[string]any{}
	for i := 0; i < n; i++ {
		m[fmt.Sprintf("tag%d", i)] = "v"
	}
	return m
}

func TestVersionAdmissionUpdates(t *testing.T) {
	refused := []struct {
		name, path string
		value      any
		wantText   string
	}{
		{"source", "spec.properties.storageProfile.source.id", managedImage + "2", "storageProfile is immutable"},
		{"data disk LUNs", "spec.properties.storageProfile.dataDiskImages", []any{map[string]any{"lun": int64(2)}}, "storageProfile is immutable"},
		{"replicationMode", "spec.properties.publishingProfile.replicationMode", "Shallow", "replicationMode is immutable"},
		{"a region's storageAccountType", "spec.properties.publishingProfile.targetRegions", []any{
			map[string]any{"name": "West Europe", "regionalReplicaCount": int64(2), "storageAccountType": "Premium_LRS"},
			map[string]any{"name": "northeurope", "regionalReplicaCount": int64(1)}}, "storageAccountType is immutable"},
		{"removing a region without the safety flag", "spec.properties.publishingProfile.targetRegions", []any{
			map[string]any{"name": "West Europe", "regionalReplicaCount": int64(2), "storageAccountType": "Standard_ZRS"}}, "allowDeletionOfReplicatedLocations"},
		{"azureName", "spec.azureName", "2.0.0", "azureName is immutable"},
		{"imageRef", "spec.imageRef.name", "other", "imageRef is immutable"},
	}
	for i, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			obj, err := versionClient().Create(context.Background(), &unstructured.Unstructured{Object: validVersion(fmt.Sprintf("update-version-%d", i))}, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			set(obj.Object, tc.path, tc.value)
			_, err = versionClient().Update(context.Background(), obj, metav1.UpdateOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.wantText) {
				t.Fatalf("changing %s: got %v, want an error with %q", tc.name, err, tc.wantText)
			}
		})
	}
	t.Run("updatable fields and removing a region with the safety flag", func(t *testing.T) {
		obj, err := versionClient().Create(context.Background(), &unstructured.Unstructured{Object: validVersion("updatable-version")}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		set(obj.Object, "spec.properties.publishingProfile.targetRegions", []any{
			map[string]any{"name": "West Europe", "regionalReplicaCount": int64(3), "storageAccountType": "Standard_ZRS"},
			map[string]any{"name": "eastus", "regionalReplicaCount": int64(1)}})
		set(obj.Object, "spec.properties.publishingProfile.excludeFromLatest", true)
		set(obj.Object, "spec.properties.publishingProfile.endOfLifeDate", "2031-01-01T00:00:00Z")
		set(obj.Object, "spec.properties.safetyProfile.allowDeletionOfReplicatedLocations", true)
		set(obj.Object, "spec.tags.extra", "1")
		if _, err := versionClient().Update(context.Background(), obj, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("an update of updatable fields was refused: %v", err)
		}
	})
}
