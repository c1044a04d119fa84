package v1alpha1_test

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

var applicationVersionGVR = schema.GroupVersionResource{Group: "compute.azgallery.io", Version: "v1alpha1", Resource: "galleryapplicationversions"}

const packageBlob = "https://mystorageaccount.blob.core.windows.net/mycontainer/package.zip?sv=2024&sig=abc"

// validApplicationVersion is a complete, valid GalleryApplicationVersion manifest (after Azure's
// GalleryApplicationVersion_Create example); each case breaks one thing.
func validApplicationVersion(name string) map[string]any {
	return map[string]any{
		"apiVersion": "compute.azgallery.io/v1alpha1",
		"kind":       "GalleryApplicationVersion",
		"metadata":   map[string]any{"name": name, "namespace": "default"},
		"spec": map[string]any{
			"applicationRef": map[string]any{"name": "myapp"},
			"azureName":      "1.0.0",
			"location":       "West US",
			"properties": map[string]any{
				"publishingProfile": map[string]any{
					"source": map[string]any{"mediaLink": packageBlob},
					"manageActions": map[string]any{
						"install": `powershell -command "Expand-Archive -Path package.zip -DestinationPath C:\package"`,
						"remove":  `del C:\package`,
					},
					"settings":         map[string]any{"packageFileName": "package.zip", "scriptBehaviorAfterReboot": "Rerun"},
					"advancedSettings": map[string]any{"timeout": "300"},
					"targetRegions": []any{
						map[string]any{"name": "West US", "regionalReplicaCount": int64(1), "storageAccountType": "Standard_LRS"},
						map[string]any{"name": "eastus"},
					},
					"replicaCount":      int64(1),
					"endOfLifeDate":     "2030-07-01T07:00:00Z",
					"customActions":     []any{map[string]any{"name": "myCustomAction", "script": "myCustomActionScript"}},
					"enableHealthCheck": false,
				},
				"safetyProfile": map[string]any{"allowDeletionOfReplicatedLocations": false},
			},
		},
	}
}

func TestApplicationVersionAdmissionRejectsInvalidManifests(t *testing.T) {
	const pp = "spec.properties.publishingProfile"
	expectRefused(t, applicationVersionGVR, validApplicationVersion, []refusal{
		{"no source", pp + ".source", nil, pp + ".source", "Required"},
		{"no mediaLink", pp + ".source.mediaLink", nil, pp + ".source.mediaLink", "Required"},
		{"mediaLink over http", pp + ".source.mediaLink", "http://sa.blob.core.windows.net/c/package.zip", pp + ".source.mediaLink", "should match"},
		{"mediaLink not a URI", pp + ".source.mediaLink", "package.zip", pp + ".source.mediaLink", "should match"},
		{"mediaLink not a blob", pp + ".source.mediaLink", "https://example.com/package.zip", pp + ".source.mediaLink", "should match"},
		{"mediaLink without a container", pp + ".source.mediaLink", "https://sa.blob.core.windows.net/package.zip", pp + ".source.mediaLink", "should match"},
		{"defaultConfigurationLink not https", pp + ".source.defaultConfigurationLink", "ftp://sa/c/app.cfg", pp + ".source.defaultConfigurationLink", "should match"},
		{"no manageActions", pp + ".manageActions", nil, pp + ".manageActions", "Required"},
		{"no install command", pp + ".manageActions.install", nil, pp + ".manageActions.install", "Required"},
		{"no remove command", pp + ".manageActions.remove", nil, pp + ".manageActions.remove", "Required"},
		{"install command over 4096 characters", pp + ".manageActions.install", strings.Repeat("x", 4097), pp + ".manageActions.install", "4096"},
		{"update command over 4096 characters", pp + ".manageActions.update", strings.Repeat("x", 4097), pp + ".manageActions.update", "4096"},
		{"packageFileName over 4096 characters", pp + ".settings.packageFileName", strings.Repeat("p", 4097), pp + ".settings.packageFileName", "4096"},
		{"unknown scriptBehaviorAfterReboot", pp + ".settings.scriptBehaviorAfterReboot", "Retry", pp + ".settings.scriptBehaviorAfterReboot", "Unsupported value"},
		{"custom action without a script", pp + ".customActions", []any{map[string]any{"name": "a"}}, pp + ".customActions[0].script", "Required"},
		{"azureName not major.minor.patch", "spec.azureName", "1.0", "spec.azureName", "should match"},
		{"azureName part beyond int32", "spec.azureName", "1.0.2147483648", "spec.azureName", "32-bit integer"},
		{"metadata.name not a version and no azureName", "spec.azureName", nil, "metadata.name", "major.minor.patch"},
		{"no applicationRef and no path", "spec.applicationRef", nil, "spec.applicationRef", "Required value"},
		{"applicationRef and a path", "spec.galleryApplicationName", "myapp", "spec.applicationRef", "excludes"},
		{"location not among target regions", "spec.location", "northeurope", pp + ".targetRegions", "own location"},
		{"a region twice", pp + ".targetRegions", []any{map[string]any{"name": "West US"}, map[string]any{"name": "westus"}}, pp + ".targetRegions", "names a region twice"},
		{"replica count 0", pp + ".replicaCount", int64(0), pp + ".replicaCount", "greater than or equal to 1"},
		{"unknown storage account type", pp + ".storageAccountType", "Ultra_LRS", pp + ".storageAccountType", "Unsupported value"},
		{"unknown replication mode", pp + ".replicationMode", "Partial", pp + ".replicationMode", "Unsupported value"},
		{"endOfLifeDate not a date-time", pp + ".endOfLifeDate", "soon", pp + ".endOfLifeDate", "date-time"},
		{"no publishingProfile", "spec.properties.publishingProfile", nil, pp, "Required"},
	})
}

func TestApplicationVersionAdmissionUpdates(t *testing.T) {
	const pp = "spec.properties.publishingProfile"
	expectUpdates(t, applicationVersionGVR, validApplicationVersion, []refusal{
		{name: "the package", path: pp + ".source.mediaLink", value: packageBlob + "2", wantText: "source is immutable"},
		{name: "a default configuration", path: pp + ".source.defaultConfigurationLink", value: "https://sa.blob.core.windows.net/c/app.cfg", wantText: "source is immutable"},
		{name: "replicationMode", path: pp + ".replicationMode", value: "Shallow", wantText: "replicationMode is immutable"},
		{name: "storageAccountType", path: pp + ".storageAccountType", value: "Premium_LRS", wantText: "storageAccountType is immutable"},
		{name: "a region's storageAccountType", path: pp + ".targetRegions", value: []any{
			map[string]any{"name": "West US", "regionalReplicaCount": int64(1), "storageAccountType": "Premium_LRS"}, map[string]any{"name": "eastus"}},
			wantText: "storageAccountType is immutable"},
		{name: "removing a region without the safety flag", path: pp + ".targetRegions", value: []any{
			map[string]any{"name": "West US", "regionalReplicaCount": int64(1), "storageAccountType": "Standard_LRS"}}, wantText: "allowDeletionOfReplicatedLocations"},
		{name: "azureName", path: "spec.azureName", value: "2.0.0", wantText: "azureName is immutable"},
		{name: "applicationRef", path: "spec.applicationRef.name", value: "other", wantText: "applicationRef is immutable"},
		{name: "a region added", path: pp + ".targetRegions", value: []any{
			map[string]any{"name": "West US", "regionalReplicaCount": int64(2), "storageAccountType": "Standard_LRS"},
			map[string]any{"name": "eastus"}, map[string]any{"name": "northeurope"}}},
		{name: "install command", path: pp + ".manageActions.install", value: "setup.exe /quiet"},
		{name: "endOfLifeDate", path: pp + ".endOfLifeDate", value: "2031-01-01T00:00:00Z"},
		{name: "the safety flag", path: "spec.properties.safetyProfile.allowDeletionOfReplicatedLocations", value: true},
	})
}
