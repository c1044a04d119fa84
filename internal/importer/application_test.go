package importer

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/kinds/application"
	"github.com/azgallery/gallery-operator/internal/kinds/appversion"
)

// Application definitions as Azure returns them (GalleryApplication_Get.json's shape: no
// provisioningState).
var azureApplications = map[string]string{
	"minimal": `{"id": "/subscriptions/` + sub + `/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/applications/minimal",
		"name": "minimal", "type": "Microsoft.Compute/galleries/applications", "location": "westeurope",
		"properties": {"supportedOSType": "Linux"}}`,
	"full": `{"name": "Tools_App", "location": "West US", "tags": {"team": "apps"},
		"properties": {"description": "This is the gallery application description.", "eula": "This is the gallery application EULA.",
			"privacyStatementUri": "https://contoso.example/privacy", "releaseNoteUri": "https://contoso.example/notes",
			"endOfLifeDate": "2030-01-01T00:00:00+00:00", "supportedOSType": "windows",
			"customActions": [{"name": "myCustomAction", "script": "myCustomActionScript", "description": "This is the custom action description.",
				"parameters": [{"name": "myCustomActionParameter", "required": false, "type": "String", "defaultValue": "default value of parameter.",
					"description": "This is the description of the parameter"}]}]}}`,
}

// Application versions as Azure returns them (after GalleryApplicationVersion_Get_WithReplicationStatus.json).
var azureAppVersions = map[string]string{
	"example": `{"name": "1.0.0", "location": "West US",
		"properties": {"provisioningState": "Succeeded",
			"publishingProfile": {"source": {"mediaLink": "https://mystorageaccount.blob.core.windows.net/mycontainer/package.zip?sv=1"},
				"manageActions": {"install": "powershell -command \"Expand-Archive -Path package.zip -DestinationPath C:\\package\"", "remove": "del C:\\package "},
				"enableHealthCheck": false, "settings": {"packageFileName": "package.zip", "configFileName": "configuration.cfg"},
				"advancedSettings": {"timeout": "300", "user": "root"},
				"targetRegions": [{"name": "West US", "regionalReplicaCount": 1, "storageAccountType": "Standard_LRS", "excludeFromLatest": false}],
				"replicaCount": 1, "excludeFromLatest": false, "publishedDate": "2019-06-21T17:13:57.5972568+00:00",
				"endOfLifeDate": "2030-07-01T07:00:00+00:00", "storageAccountType": "Standard_LRS",
				"customActions": [{"name": "myCustomAction", "script": "myCustomActionScript", "parameters": [{"name": "p", "required": false, "type": "String"}]}]},
			"safetyProfile": {"allowDeletionOfReplicatedLocations": false},
			"replicationStatus": {"aggregatedState": "Completed", "summary": [{"region": "West US", "state": "Completed", "details": "", "progress": 100}]}}}`,
	"regions_and_safety": `{"name": "2.1.0", "location": "westeurope", "tags": {"build": "7"},
		"properties": {"publishingProfile": {"source": {"mediaLink": "https://sa.blob.core.windows.net/apps/tools.zip",
				"defaultConfigurationLink": "https://sa.blob.core.windows.net/apps/tools.cfg"},
				"manageActions": {"install": "install.cmd", "remove": "remove.cmd", "update": "update.cmd"},
				"enableHealthCheck": true, "replicaCount": 2, "storageAccountType": "Premium_LRS", "replicationMode": "Full",
				"targetRegions": [{"name": "West Europe", "regionalReplicaCount": 2, "storageAccountType": "Premium_LRS"},
					{"name": "East US", "regionalReplicaCount": 3, "storageAccountType": "Standard_ZRS"}]},
			"safetyProfile": {"allowDeletionOfReplicatedLocations": true}}}`,
}

// applicationNode maps an Azure application body the way Run does, under a gallery object "g".
func applicationNode(t *testing.T, body string) (*Node, *armcompute.GalleryApplication) {
	t.Helper()
	var a armcompute.GalleryApplication
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatal(err)
	}
	g := &Node{Object: &v1alpha1.Gallery{}}
	g.Object.SetName("g")
	n := &Node{Kind: "GalleryApplication", Parent: g, Body: &a, Ref: Ref{SubscriptionID: sub, ResourceGroup: "rg", Gallery: "g", Application: *a.Name}}
	obj, err := applicationMapping{}.object(n, ObjectName(*a.Name), Options{DeletionPolicy: v1alpha1.DeletionPolicyOrphan})
	if err != nil {
		t.Fatal(err)
	}
	n.Object = obj
	return n, &a
}

// appVersionNode maps an Azure application version body the way Run does, under an application
// object "tools".
func appVersionNode(t *testing.T, body string) (*Node, *armcompute.GalleryApplicationVersion) {
	t.Helper()
	var v armcompute.GalleryApplicationVersion
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	app := &Node{Object: &v1alpha1.GalleryApplication{}}
	app.Object.SetName("tools")
	n := &Node{Kind: "GalleryApplicationVersion", Parent: app, Body: &v,
		Ref: Ref{SubscriptionID: sub, ResourceGroup: "rg", Gallery: "g", Application: "Tools", Version: *v.Name}}
	obj, err := appVersionMapping{}.object(n, appVersionMapping{}.wantedName(n), Options{DeletionPolicy: v1alpha1.DeletionPolicyOrphan})
	if err != nil {
		t.Fatal(err)
	}
	n.Object = obj
	return n, &v
}

func TestImportedApplicationsRoundTrip(t *testing.T) {
	for name, body := range azureApplications {
		t.Run(name, func(t *testing.T) {
			n, existing := applicationNode(t, body)
			doc, err := Manifest(n)
			if err != nil {
				t.Fatal(err)
			}
			var got v1alpha1.GalleryApplication
			readBack(t, doc, &got)
			if d := application.Diff(application.DesiredApplication(&got.Spec), existing); len(d) > 0 {
				t.Errorf("Diff(Desired(imported spec), Azure) = %v, want none\n%s", d, doc)
			}
			checkCommon(t, doc, got.Name, got.Spec.AzureName, *existing.Name)
			if got.Spec.GalleryRef == nil || got.Spec.GalleryRef.Name != "g" || got.Spec.DeletionPolicy != v1alpha1.DeletionPolicyOrphan {
				t.Errorf("spec %+v", got.Spec)
			}
			if got.Spec.Properties.SupportedOSType != v1alpha1.OperatingSystemTypeLinux && got.Spec.Properties.SupportedOSType != v1alpha1.OperatingSystemTypeWindows {
				t.Errorf("supportedOSType %q is not spelled as the CRD wants", got.Spec.Properties.SupportedOSType)
			}
		})
	}
}

func TestImportedApplicationVersionsRoundTrip(t *testing.T) {
	for name, body := range azureAppVersions {
		t.Run(name, func(t *testing.T) {
			n, existing := appVersionNode(t, body)
			doc, err := Manifest(n)
			if err != nil {
				t.Fatal(err)
			}
			var got v1alpha1.GalleryApplicationVersion
			readBack(t, doc, &got)
			if d := appversion.Diff(appversion.DesiredVersion(&got.Spec), existing); len(d) > 0 {
				t.Errorf("Diff(Desired(imported spec), Azure) = %v, want none\n%s", d, doc)
			}
			checkCommon(t, doc, got.Name, got.Spec.AzureName, *existing.Name)
			if got.Spec.ApplicationRef == nil || got.Spec.ApplicationRef.Name != "tools" || !strings.HasPrefix(got.Name, "tools-") {
				t.Errorf("name %q, spec %+v", got.Name, got.Spec)
			}
			for _, unwanted := range []string{"publishedDate", "replicationStatus", "provisioningState", "replicaCount: 1\n", "Standard_LRS",
				"replicationMode: Full", ": false", "{}"} {
				if strings.Contains(string(doc), unwanted) {
					t.Errorf("the manifest holds %q:\n%s", unwanted, doc)
				}
			}
		})
	}
	n, _ := appVersionNode(t, azureAppVersions["regions_and_safety"])
	p := n.Object.(*v1alpha1.GalleryApplicationVersion).Spec.Properties
	if pp := p.PublishingProfile; len(pp.TargetRegions) != 2 || pp.TargetRegions[1].Name != "eastus" || *pp.TargetRegions[1].RegionalReplicaCount != 3 ||
		pp.StorageAccountType != "Premium_LRS" || pp.EnableHealthCheck == nil || pp.ManageActions.Update != "update.cmd" ||
		pp.Source.DefaultConfigurationLink == "" || p.SafetyProfile == nil {
		t.Errorf("imported %+v", p)
	}
}
