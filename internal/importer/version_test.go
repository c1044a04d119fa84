package importer

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/kinds/version"
)

const managedImage = "/subscriptions/` + sub + `/resourceGroups/rg/providers/Microsoft.Compute/images/build"

// Image versions as Azure returns them (with its defaults filled in, as in
// GalleryImageVersion_Get_WithReplicationStatus.json).
var azureVersions = map[string]string{
	"defaults_only": `{"name": "1.0.0", "location": "westeurope",
		"properties": {"provisioningState": "Succeeded",
			"publishingProfile": {"replicaCount": 1, "storageAccountType": "Standard_LRS", "excludeFromLatest": false,
				"publishedDate": "2026-01-01T00:00:00Z",
				"targetRegions": [{"name": "West Europe", "regionalReplicaCount": 1, "storageAccountType": "Standard_LRS", "excludeFromLatest": false}]},
			"storageProfile": {"source": {"id": "` + managedImage + `"},
				"osDiskImage": {"sizeInGB": 30, "hostCaching": "ReadOnly"},
				"dataDiskImages": [{"lun": 0, "sizeInGB": 10, "hostCaching": "None"}]},
			"safetyProfile": {"allowDeletionOfReplicatedLocations": false, "blockDeletionBeforeEndOfLife": false, "reportedForPolicyViolation": false},
			"replicationStatus": {"aggregatedState": "Completed", "summary": [{"region": "West Europe", "state": "Completed", "progress": 100}]}}}`,
	"regions": `{"name": "2.3.4", "location": "westeurope", "tags": {"build": "42", "Channel": "stable"},
		"properties": {
			"publishingProfile": {"replicaCount": 2, "storageAccountType": "Premium_LRS", "excludeFromLatest": true,
				"endOfLifeDate": "2030-01-01T00:00:00+00:00", "replicationMode": "Full",
				"targetRegions": [
					{"name": "West Europe", "regionalReplicaCount": 2, "storageAccountType": "Premium_LRS"},
					{"name": "eastus", "regionalReplicaCount": 5, "storageAccountType": "Standard_ZRS", "excludeFromLatest": true,
						"encryption": {"osDiskImage": {"diskEncryptionSetId": "/subscriptions/` + sub + `/resourceGroups/rg/providers/Microsoft.Compute/diskEncryptionSets/des"},
							"dataDiskImages": [{"lun": 1, "diskEncryptionSetId": "/subscriptions/` + sub + `/resourceGroups/rg/providers/Microsoft.Compute/diskEncryptionSets/des"}]}}]},
			"storageProfile": {"source": {"virtualMachineId": "/subscriptions/` + sub + `/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm"}},
			"safetyProfile": {"allowDeletionOfReplicatedLocations": true, "blockDeletionBeforeEndOfLife": true},
			"securityProfile": {"uefiSettings": {"signatureTemplateNames": ["MicrosoftUefiCertificateAuthorityTemplate"]}}}}`,
	"snapshots_shallow": `{"name": "0.0.1", "location": "eastus",
		"properties": {
			"publishingProfile": {"replicaCount": 1, "storageAccountType": "Standard_LRS", "replicationMode": "Shallow",
				"targetRegions": [{"name": "East US"}]},
			"storageProfile": {
				"osDiskImage": {"hostCaching": "ReadWrite", "sizeInGB": 64, "source": {"id": "/subscriptions/` + sub + `/resourceGroups/rg/providers/Microsoft.Compute/snapshots/os"}},
				"dataDiskImages": [{"lun": 0, "hostCaching": "None", "source": {"id": "/subscriptions/` + sub + `/resourceGroups/rg/providers/Microsoft.Compute/snapshots/d0"}},
					{"lun": 1, "hostCaching": "ReadOnly", "source": {"uri": "https://acct.blob.core.windows.net/vhds/d1.vhd",
						"storageAccountId": "/subscriptions/` + sub + `/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct"}}]}}}`,
	"region_other_than_location": `{"name": "3.0.0", "location": "westeurope",
		"properties": {"publishingProfile": {"targetRegions": [{"name": "westeurope"}, {"name": "northeurope"}]},
			"storageProfile": {"source": {"communityGalleryImageId": "/CommunityGalleries/contoso-1234/Images/base/Versions/1.0.0"}}}}`,
}

// versionNode maps an Azure version body the way Run does, under an image object "ubuntu".
func versionNode(t *testing.T, body string) (*Node, *armcompute.GalleryImageVersion) {
	t.Helper()
	var v armcompute.GalleryImageVersion
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	img := &Node{Object: &v1alpha1.GalleryImage{}}
	img.Object.SetName("ubuntu")
	n := &Node{Kind: "GalleryImageVersion", Parent: img, Body: &v,
		Ref: Ref{SubscriptionID: sub, ResourceGroup: "rg", Gallery: "g", Image: "Ubuntu", Version: *v.Name}}
	obj, err := versionMapping{}.object(n, versionMapping{}.wantedName(n), Options{DeletionPolicy: v1alpha1.DeletionPolicyOrphan})
	if err != nil {
		t.Fatal(err)
	}
	n.Object = obj
	return n, &v
}

func TestImportedVersionsRoundTrip(t *testing.T) {
	for name, body := range azureVersions {
		t.Run(name, func(t *testing.T) {
			n, existing := versionNode(t, body)
			doc, err := Manifest(n)
			if err != nil {
				t.Fatal(err)
			}
			var got v1alpha1.GalleryImageVersion
			readBack(t, doc, &got)
			if d := version.Diff(version.DesiredVersion(&got.Spec), existing); len(d) > 0 {
				t.Errorf("Diff(Desired(imported spec), Azure) = %v, want none\n%s", d, doc)
			}
			checkCommon(t, doc, got.Name, got.Spec.AzureName, *existing.Name)
			if got.Spec.ImageRef == nil || got.Spec.ImageRef.Name != "ubuntu" || got.Spec.DeletionPolicy != v1alpha1.DeletionPolicyOrphan ||
				!strings.HasPrefix(got.Name, "ubuntu-") {
				t.Errorf("name %q, spec %+v", got.Name, got.Spec)
			}
			for _, unwanted := range []string{"publishedDate", "replicationStatus", "sizeInGB", "reportedForPolicyViolation",
				"provisioningState", "replicaCount: 1\n", "Standard_LRS", "hostCaching: ReadOnly\n        source", "replicationMode: Full", ": false", "{}"} {
				if strings.Contains(string(doc), unwanted) {
					t.Errorf("the manifest holds %q:\n%s", unwanted, doc)
				}
			}
		})
	}
}

func TestImportedVersionFields(t *testing.T) {
	n, _ := versionNode(t, azureVersions["defaults_only"])
	v := n.Object.(*v1alpha1.GalleryImageVersion)
	if p := v.Spec.Properties; p.PublishingProfile != nil || p.SafetyProfile != nil || p.StorageProfile.Source == nil ||
		p.StorageProfile.OSDiskImage != nil || p.StorageProfile.DataDiskImages != nil {
		t.Errorf("defaults only: %+v", p)
	}
	if v.Name != "ubuntu-1-0-0" || v.Spec.AzureName != "1.0.0" {
		t.Errorf("name %q azureName %q", v.Name, v.Spec.AzureName)
	}
	n, _ = versionNode(t, azureVersions["regions"])
	pp := n.Object.(*v1alpha1.GalleryImageVersion).Spec.Properties.PublishingProfile
	if pp == nil || len(pp.TargetRegions) != 2 || pp.TargetRegions[0].RegionalReplicaCount != nil || pp.TargetRegions[0].StorageAccountType != "" ||
		*pp.TargetRegions[1].RegionalReplicaCount != 5 || pp.TargetRegions[1].StorageAccountType != "Standard_ZRS" || pp.TargetRegions[1].Encryption == nil ||
		*pp.ReplicaCount != 2 || pp.StorageAccountType != "Premium_LRS" || pp.ReplicationMode != "" || pp.EndOfLifeDate == nil {
		t.Errorf("publishing profile %+v", pp)
	}
	// Azure returns target regions by display name ("West Europe"); the manifest has the canonical one.
	if pp != nil && len(pp.TargetRegions) == 2 && (pp.TargetRegions[0].Name != "westeurope" || pp.TargetRegions[1].Name != "eastus") {
		t.Errorf("target region names %q, %q", pp.TargetRegions[0].Name, pp.TargetRegions[1].Name)
	}
	n, _ = versionNode(t, azureVersions["snapshots_shallow"])
	p := n.Object.(*v1alpha1.GalleryImageVersion).Spec.Properties
	if sp := p.StorageProfile; sp.Source != nil || sp.OSDiskImage == nil || sp.OSDiskImage.HostCaching != "ReadWrite" || len(sp.DataDiskImages) != 2 ||
		sp.DataDiskImages[0].HostCaching != "" || sp.DataDiskImages[1].HostCaching != "ReadOnly" || sp.DataDiskImages[1].Source.StorageAccountID == "" {
		t.Errorf("storage profile %+v", sp)
	}
	if p.PublishingProfile == nil || p.PublishingProfile.ReplicationMode != "Shallow" || p.PublishingProfile.TargetRegions != nil {
		t.Errorf("publishing profile %+v", p.PublishingProfile)
	}
}
