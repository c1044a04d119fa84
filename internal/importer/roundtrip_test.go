package importer

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/kinds/gallery"
	"github.com/azgallery/gallery-operator/internal/kinds/image"
)

// The import must round-trip: the manifest written for an Azure resource, read back as the
// API server would store it, must give a desired body that the kind's own Diff finds equal to
// what Azure returned (and, for a gallery, no share action), so that applying it writes nothing.

const sub = "8d1f7c6e-2b3a-4c5d-9e8f-0a1b2c3d4e5f"

// Galleries as Azure returns them for GET ...?$expand=SharingProfile/Groups.
var azureGalleries = map[string]string{
	"minimal": `{"id": "/subscriptions/` + sub + `/resourceGroups/rg/providers/Microsoft.Compute/galleries/minimal",
		"name": "minimal", "type": "Microsoft.Compute/galleries", "location": "westeurope",
		"properties": {"identifier": {"uniqueName": "` + sub + `-MINIMAL"}, "provisioningState": "Succeeded"}}`,
	"Platform_Gallery.v2": `{"name": "Platform_Gallery.v2", "location": "westeurope",
		"tags": {"CostCenter": "1234", "team": "platform", "empty": ""},
		"properties": {"description": "Platform team's golden images", "provisioningState": "Succeeded",
			"identifier": {"uniqueName": "` + sub + `-PLATFORM_GALLERY.V2"},
			"softDeletePolicy": {"isSoftDeleteEnabled": true},
			"sharingProfile": {"permissions": "Groups", "groups": [
				{"type": "Subscriptions", "ids": ["00000000-0000-0000-0000-0000000000a1", "00000000-0000-0000-0000-0000000000A2"]},
				{"type": "AADTenants", "ids": ["72f988bf-86f1-41af-91ab-2d7cd011db47"]}]}}}`,
	"groups_lower_case_and_split": `{"name": "split", "location": "eastus",
		"properties": {"sharingProfile": {"permissions": "groups", "groups": [
			{"type": "subscriptions", "ids": ["00000000-0000-0000-0000-0000000000a1"]},
			{"type": "Subscriptions", "ids": ["00000000-0000-0000-0000-0000000000A1", "00000000-0000-0000-0000-0000000000b2"]},
			{"type": "AADTenants", "ids": []}]}}}`,
	"community": `{"name": "community", "location": "westus2",
		"properties": {"provisioningState": "Succeeded",
			"sharingProfile": {"permissions": "Community", "communityGalleryInfo": {
				"publisherUri": "https://contoso.example", "publisherContact": "images@contoso.example",
				"eula": "https://contoso.example/eula", "publicNamePrefix": "contoso",
				"communityGalleryEnabled": true, "publicNames": ["contoso-1a2b3c4d-0000-0000-0000-000000000000"]}},
			"sharingStatus": {"aggregatedState": "Succeeded", "summary": [{"region": "westus2", "state": "Succeeded"}]}}}`,
	"identity_and_defaults": `{"name": "ident", "location": "westeurope",
		"identity": {"type": "UserAssigned", "principalId": "p", "tenantId": "t", "userAssignedIdentities": {
			"/subscriptions/` + sub + `/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1": {"principalId": "x", "clientId": "y"}}},
		"properties": {"description": "", "softDeletePolicy": {"isSoftDeleteEnabled": false},
			"sharingProfile": {"permissions": "Private", "groups": []}}}`,
	"identity_none": `{"name": "none", "location": "westeurope", "identity": {"type": "None"}, "properties": {}}`,
}

// Image definitions as Azure returns them.
var azureImages = map[string]string{
	"minimal": `{"id": "/subscriptions/` + sub + `/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/minimal",
		"name": "minimal", "type": "Microsoft.Compute/galleries/images", "location": "westeurope",
		"properties": {"osType": "Linux", "osState": "Generalized", "hyperVGeneration": "V1", "architecture": "x64",
			"identifier": {"publisher": "contoso", "offer": "ubuntu", "sku": "22_04"}, "provisioningState": "Succeeded"}}`,
	"everything": `{"name": "Ubuntu_24.04-Gen2", "location": "westeurope",
		"tags": {"Team": "platform", "cost-center": "1234", "empty": ""},
		"properties": {"description": "Ubuntu 24.04 LTS, hardened", "eula": "https://contoso.example/eula",
			"privacyStatementUri": "https://contoso.example/privacy", "releaseNoteUri": "https://contoso.example/notes",
			"osType": "Linux", "osState": "Generalized", "hyperVGeneration": "V2", "architecture": "Arm64",
			"endOfLifeDate": "2031-06-30T00:00:00+00:00",
			"identifier": {"publisher": "Contoso", "offer": "Ubuntu", "sku": "24_04-lts-gen2"},
			"recommended": {"vCPUs": {"min": 2, "max": 16}, "memory": {"min": 4}},
			"disallowed": {"diskTypes": ["Standard_LRS", "StandardSSD_LRS"]},
			"purchasePlan": {"name": "plan", "publisher": "marketplace-publisher", "product": "product"},
			"features": [{"name": "SecurityType", "value": "TrustedLaunch"},
				{"name": "IsAcceleratedNetworkSupported", "value": "true"},
				{"name": "DiskControllerTypes", "value": "SCSI, NVMe", "startsAtVersion": "1.2.0"}],
			"provisioningState": "Succeeded"}}`,
	// Azure returns osType and osState in canonical spelling (the kind's Diff compares them
	// with case); hyperVGeneration and architecture are compared without case.
	"windows_odd_spellings": `{"name": "win2022", "location": "East US",
		"properties": {"osType": "Windows", "osState": "Specialized", "hyperVGeneration": "v2", "architecture": "X64",
			"identifier": {"publisher": "contoso", "offer": "windows", "sku": "2022"},
			"recommended": {"vCPUs": {}, "memory": {"max": 64}},
			"disallowed": {"diskTypes": ["Premium_LRS", "Premium_LRS", ""]},
			"purchasePlan": {},
			"features": [{"name": "IsHibernateSupported", "value": "True"}, {"name": "ishibernatesupported", "value": "False"},
				{"name": "", "value": "ignored"}]}}`,
	"empty_collections": `{"name": "empties", "location": "westeurope", "tags": {},
		"properties": {"osType": "Linux", "osState": "Generalized", "description": "",
			"identifier": {"publisher": "p", "offer": "o", "sku": "s"},
			"recommended": {}, "disallowed": {"diskTypes": []}, "features": []}}`,
	"end_of_life_with_offset": `{"name": "eol", "location": "westeurope",
		"properties": {"osType": "Linux", "osState": "Generalized", "endOfLifeDate": "2032-01-01T01:30:00+01:30",
			"identifier": {"publisher": "p", "offer": "o", "sku": "eol"}}}`,
}

// readBack decodes a manifest strictly into out, as the API server would store it.
func readBack(t *testing.T, doc []byte, out any) {
	t.Helper()
	if err := yaml.UnmarshalStrict(doc, out); err != nil {
		t.Fatalf("the manifest does not decode into its kind: %v\n%s", err, doc)
	}
}

// galleryNode maps an Azure gallery body the way Run does.
func galleryNode(t *testing.T, body string, o Options) (*Node, *armcompute.Gallery) {
	t.Helper()
	var g armcompute.Gallery
	if err := json.Unmarshal([]byte(body), &g); err != nil {
		t.Fatal(err)
	}
	n := &Node{Kind: "Gallery", Ref: Ref{SubscriptionID: sub, ResourceGroup: "rg", Gallery: *g.Name}, Body: &g}
	obj, err := galleryMapping{}.object(n, ObjectName(*g.Name), o)
	if err != nil {
		t.Fatal(err)
	}
	n.Object = obj
	return n, &g
}

func TestImportedGalleriesRoundTrip(t *testing.T) {
	for name, body := range azureGalleries {
		t.Run(name, func(t *testing.T) {
			n, existing := galleryNode(t, body, Options{DeletionPolicy: v1alpha1.DeletionPolicyOrphan})
			doc, err := Manifest(n)
			if err != nil {
				t.Fatal(err)
			}
			var got v1alpha1.Gallery
			readBack(t, doc, &got)
			desired := gallery.DesiredGallery(&got.Spec)
			if diff := gallery.Diff(desired, existing); len(diff) > 0 {
				t.Errorf("Diff(Desired(imported spec), Azure) = %v, want none\n%s", diff, doc)
			}
			if a := gallery.NextSharingAction(&desired, existing); a != nil {
				t.Errorf("the imported gallery needs a share action %s (%s)\n%s", a.Reason, a.Message, doc)
			}
			checkCommon(t, doc, got.Name, got.Spec.AzureName, *existing.Name)
			if got.Spec.SubscriptionID != sub || got.Spec.ResourceGroupName != "rg" || got.Spec.DeletionPolicy != v1alpha1.DeletionPolicyOrphan {
				t.Errorf("path or policy: %+v", got.Spec)
			}
			if got.Spec.Location != *existing.Location {
				t.Errorf("location %q, Azure spells it %q", got.Spec.Location, *existing.Location)
			}
			for _, unwanted := range []string{"Private", "uniqueName", "provisioningState", "sharingStatus", "publicNames",
				"communityGalleryEnabled", "principalId", "isSoftDeleteEnabled: false", "description: \"\"", "type: None"} {
				if strings.Contains(string(doc), unwanted) {
					t.Errorf("the manifest holds %q:\n%s", unwanted, doc)
				}
			}
		})
	}
}

func TestImportedGallerySharingGroupsAreInTheSpec(t *testing.T) {
	n, _ := galleryNode(t, azureGalleries["Platform_Gallery.v2"], Options{})
	g := n.Object.(*v1alpha1.Gallery)
	sp := g.Spec.Properties.SharingProfile
	if sp == nil || sp.Permissions != v1alpha1.SharingGroups || len(sp.Groups) != 2 ||
		sp.Groups[0].Type != "Subscriptions" || len(sp.Groups[0].IDs) != 2 || sp.Groups[1].Type != "AADTenants" {
		t.Fatalf("sharing profile %+v", sp)
	}
	if g.Name != "platform-gallery-v2" || g.Spec.AzureName != "Platform_Gallery.v2" {
		t.Errorf("name %q azureName %q", g.Name, g.Spec.AzureName)
	}
	n, _ = galleryNode(t, azureGalleries["groups_lower_case_and_split"], Options{})
	sp = n.Object.(*v1alpha1.Gallery).Spec.Properties.SharingProfile
	if sp == nil || len(sp.Groups) != 1 || sp.Groups[0].Type != "Subscriptions" || len(sp.Groups[0].IDs) != 2 || sp.Permissions != "Groups" {
		t.Fatalf("merged groups %+v", sp)
	}
	n, _ = galleryNode(t, azureGalleries["minimal"], Options{OmitSubscriptionID: true})
	if g := n.Object.(*v1alpha1.Gallery); g.Spec.AzureName != "" || g.Spec.SubscriptionID != "" || g.Spec.DeletionPolicy != "" {
		t.Errorf("minimal gallery, Delete policy, subscription omitted: %+v", g.Spec)
	}
}

// imageNode maps an Azure image body the way Run does, under a gallery object "parent".
func imageNode(t *testing.T, body string) (*Node, *armcompute.GalleryImage) {
	t.Helper()
	var img armcompute.GalleryImage
	if err := json.Unmarshal([]byte(body), &img); err != nil {
		t.Fatal(err)
	}
	parent, _ := galleryNode(t, azureGalleries["Platform_Gallery.v2"], Options{})
	n := &Node{Kind: "GalleryImage", Parent: parent, Body: &img,
		Ref: Ref{SubscriptionID: sub, ResourceGroup: "rg", Gallery: "Platform_Gallery.v2", Image: *img.Name}}
	obj, err := imageMapping{}.object(n, ObjectName(*img.Name), Options{Namespace: "images", DeletionPolicy: v1alpha1.DeletionPolicyOrphan})
	if err != nil {
		t.Fatal(err)
	}
	n.Object = obj
	return n, &img
}

func TestImportedImagesRoundTrip(t *testing.T) {
	for name, body := range azureImages {
		t.Run(name, func(t *testing.T) {
			n, existing := imageNode(t, body)
			doc, err := Manifest(n)
			if err != nil {
				t.Fatal(err)
			}
			var got v1alpha1.GalleryImage
			readBack(t, doc, &got)
			if diff := image.Diff(image.DesiredImage(&got.Spec), existing); len(diff) > 0 {
				t.Errorf("Diff(Desired(imported spec), Azure) = %v, want none\n%s", diff, doc)
			}
			checkCommon(t, doc, got.Name, got.Spec.AzureName, *existing.Name)
			if got.Namespace != "images" || got.Spec.GalleryRef == nil || got.Spec.GalleryRef.Name != "platform-gallery-v2" ||
				got.Spec.ResourceGroupName != "" || got.Spec.GalleryName != "" || got.Spec.SubscriptionID != "" {
				t.Errorf("where: namespace %q, spec %+v", got.Namespace, got.Spec)
			}
			if got.Spec.Location != *existing.Location {
				t.Errorf("location %q, Azure spells it %q", got.Spec.Location, *existing.Location)
			}
			for _, unwanted := range []string{"V1", "x64", "X64", "provisioningState", "allowUpdateImage", "purchasePlan: {}",
				"vCPUs: {}", "recommended: {}", "diskTypes: []", "features: []", "tags: {}", "description: \"\""} {
				if strings.Contains(string(doc), unwanted) {
					t.Errorf("the manifest holds %q:\n%s", unwanted, doc)
				}
			}
		})
	}
}

func TestImportedImageFields(t *testing.T) {
	n, _ := imageNode(t, azureImages["everything"])
	spec := n.Object.(*v1alpha1.GalleryImage).Spec
	p := spec.Properties
	if p.HyperVGeneration != "V2" || p.Architecture != "Arm64" || len(p.Features) != 3 || p.Features[2].StartsAtVersion != "1.2.0" ||
		p.PurchasePlan == nil || p.PurchasePlan.Product != "product" || p.Recommended.Memory.Max != nil || *p.Recommended.VCPUs.Max != 16 ||
		len(p.Disallowed.DiskTypes) != 2 || p.EndOfLifeDate == nil || p.Identifier.Publisher != "Contoso" || spec.Tags["Team"] != "platform" ||
		spec.Tags["empty"] != "" || len(spec.Tags) != 3 {
		t.Errorf("spec %+v", spec)
	}
	if spec.AzureName != "Ubuntu_24.04-Gen2" || n.Object.GetName() != "ubuntu-24-04-gen2" {
		t.Errorf("name %q azureName %q", n.Object.GetName(), spec.AzureName)
	}
	n, _ = imageNode(t, azureImages["windows_odd_spellings"])
	p = n.Object.(*v1alpha1.GalleryImage).Spec.Properties
	if p.OSType != "Windows" || p.OSState != "Specialized" || p.HyperVGeneration != "V2" || p.Architecture != "" ||
		len(p.Features) != 1 || p.Features[0].Value != "True" || len(p.Disallowed.DiskTypes) != 1 || p.PurchasePlan != nil ||
		p.Recommended.VCPUs != nil || *p.Recommended.Memory.Max != 64 {
		t.Errorf("properties %+v", p)
	}
	if len(n.Warnings) != 1 || !strings.Contains(n.Warnings[0], "more than once") {
		t.Errorf("warnings %q", n.Warnings)
	}
	if n.Object.GetName() != "win2022" || n.Object.(*v1alpha1.GalleryImage).Spec.AzureName != "" {
		t.Errorf("an Azure name that is a valid object name needs no azureName")
	}
}

// An endOfLifeDate with fractions of a second cannot round-trip through metav1.Time (whole
// seconds): the importer says so.
func TestImportWarnsAboutSubSecondEndOfLife(t *testing.T) {
	n, _ := imageNode(t, `{"name": "eol", "location": "westeurope", "properties": {"osType": "Linux", "osState": "Generalized",
		"endOfLifeDate": "2032-01-01T00:00:00.5Z", "identifier": {"publisher": "p", "offer": "o", "sku": "s"}}}`)
	if len(n.Warnings) != 1 || !strings.Contains(n.Warnings[0], "fractions of a second") {
		t.Errorf("warnings %q", n.Warnings)
	}
	doc, _ := Manifest(n)
	if !strings.Contains(string(doc), "# WARNING: endOfLifeDate") {
		t.Errorf("the manifest does not carry the warning:\n%s", doc)
	}
}

func TestImportWarnsAboutFailedResources(t *testing.T) {
	n, _ := galleryNode(t, `{"name": "broken", "location": "westeurope", "properties": {"provisioningState": "Failed"}}`, Options{})
	if len(n.Warnings) != 1 || !strings.Contains(n.Warnings[0], "Failed") {
		t.Errorf("warnings %q", n.Warnings)
	}
}

// checkCommon checks what every manifest must satisfy: a valid object name, azureName set
// exactly when the name differs from Azure's, and no status.
func checkCommon(t *testing.T, doc []byte, name, azureName, azure string) {
	t.Helper()
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 || strings.Contains(name, ".") {
		t.Errorf("object name %q: %v", name, errs)
	}
	if (name != azure) != (azureName != "") || (azureName != "" && azureName != azure) {
		t.Errorf("object name %q, azureName %q, Azure name %q", name, azureName, azure)
	}
	for _, unwanted := range []string{"status:", "creationTimestamp", "\nid:", "uniqueName"} {
		if strings.Contains(string(doc), unwanted) {
			t.Errorf("the manifest holds %q:\n%s", unwanted, doc)
		}
	}
}
