package importer

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/kinds/profile"
	"github.com/azgallery/gallery-operator/internal/kinds/profileversion"
)

// inVMAccessControlProfiles as Azure returns them (GalleryInVMAccessControlProfile_Get.json and
// variations).
var azureProfiles = map[string]string{
	"example": `{"id": "/subscriptions/` + sub + `/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/inVMAccessControlProfiles/myInVMAccessControlProfileName",
		"name": "myInVMAccessControlProfileName", "location": "West US",
		"properties": {"osType": "Linux", "applicableHostEndpoint": "WireServer", "provisioningState": "Succeeded"}}`,
	"described_odd_spellings": `{"name": "imds.windows", "location": "westeurope", "tags": {"Team": "platform", "empty": ""},
		"properties": {"description": "IMDS for Windows", "osType": "windows", "applicableHostEndpoint": "imds"}}`,
}

// inVMAccessControlProfile versions as Azure returns them
// (GalleryInVMAccessControlProfileVersion_Get.json and variations).
var azureProfileVersions = map[string]string{
	"example": `{"name": "1.0.0", "location": "West US",
		"properties": {"mode": "Audit", "defaultAccess": "Allow",
			"rules": {
				"privileges": [{"name": "GoalState", "path": "/machine", "queryParameters": {"comp": "goalstate"}}],
				"roles": [{"name": "Provisioning", "privileges": ["GoalState"]}],
				"identities": [{"name": "WinPA", "userName": "SYSTEM", "groupName": "Administrators", "exePath": "C:\\Windows\\System32\\cscript.exe", "processName": "cscript"}],
				"roleAssignments": [{"role": "Provisioning", "identities": ["WinPA"]}]},
			"targetLocations": [{"name": "West US"}, {"name": "South Central US"}, {"name": "East US"}],
			"excludeFromLatest": false, "publishedDate": "2024-01-01T00:00:00Z", "provisioningState": "Succeeded"}}`,
	"defaults_only": `{"name": "0.0.1", "location": "westeurope", "tags": {"build": "7"},
		"properties": {"mode": "disabled", "defaultAccess": "deny", "rules": {"privileges": [], "roles": []},
			"targetLocations": [{"name": "West Europe", "regionalReplicaCount": 1, "storageAccountType": "Standard_LRS", "excludeFromLatest": false}],
			"replicationStatus": {"aggregatedState": "Completed", "summary": [{"region": "West Europe", "state": "Completed", "progress": 100}]}}}`,
	"regions_with_settings": `{"name": "2.1.0", "location": "westeurope",
		"properties": {"mode": "Enforce", "defaultAccess": "Deny", "excludeFromLatest": true,
			"rules": {"privileges": [{"name": "Token", "path": "/metadata/identity/oauth2/token"}], "roles": [{"name": "Reader", "privileges": ["Token"]}]},
			"targetLocations": [{"name": "westeurope", "regionalReplicaCount": 2}, {"name": "North Europe", "storageAccountType": "Standard_ZRS", "excludeFromLatest": true}]}}`,
}

// profileNodes maps an Azure profile body, and a version body under it, the way Run does, under
// a Gallery object "platform".
func profileNodes(t *testing.T, profileBody, versionBody string) (*Node, *armcompute.GalleryInVMAccessControlProfile, *Node, *armcompute.GalleryInVMAccessControlProfileVersion) {
	t.Helper()
	var p armcompute.GalleryInVMAccessControlProfile
	var v armcompute.GalleryInVMAccessControlProfileVersion
	if err := json.Unmarshal([]byte(profileBody), &p); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(versionBody), &v); err != nil {
		t.Fatal(err)
	}
	g := &Node{Object: &v1alpha1.Gallery{}}
	g.Object.SetName("platform")
	o := Options{DeletionPolicy: v1alpha1.DeletionPolicyOrphan}
	pn := &Node{Kind: "GalleryInVMAccessControlProfile", Parent: g, Body: &p,
		Ref: Ref{SubscriptionID: sub, ResourceGroup: "rg", Gallery: "g", Profile: *p.Name}}
	obj, err := profileMapping{}.object(pn, ObjectName(*p.Name), o)
	if err != nil {
		t.Fatal(err)
	}
	pn.Object = obj
	vn := &Node{Kind: "GalleryInVMAccessControlProfileVersion", Parent: pn, Body: &v, Ref: pn.Ref}
	vn.Ref.Version = *v.Name
	if obj, err = (profileVersionMapping{}).object(vn, profileVersionMapping{}.wantedName(vn), o); err != nil {
		t.Fatal(err)
	}
	vn.Object = obj
	return pn, &p, vn, &v
}

// TestImportedProfilesRoundTrip: the manifests of profiles and versions, read back, give bodies
// their kinds' Diff finds equal to Azure's, reference their parents, and hold nothing read-only
// nor Azure's defaults.
func TestImportedProfilesRoundTrip(t *testing.T) {
	for pname, pbody := range azureProfiles {
		for vname, vbody := range azureProfileVersions {
			t.Run(pname+"/"+vname, func(t *testing.T) {
				pn, p, vn, v := profileNodes(t, pbody, vbody)
				doc, err := Manifest(pn)
				if err != nil {
					t.Fatal(err)
				}
				var gotP v1alpha1.GalleryInVMAccessControlProfile
				readBack(t, doc, &gotP)
				if d := profile.Diff(profile.DesiredProfile(&gotP.Spec), p); len(d) > 0 {
					t.Errorf("profile: Diff(Desired(imported spec), Azure) = %v\n%s", d, doc)
				}
				checkCommon(t, doc, gotP.Name, gotP.Spec.AzureName, *p.Name)
				if gotP.Spec.GalleryRef == nil || gotP.Spec.GalleryRef.Name != "platform" || strings.Contains(string(doc), "provisioningState") {
					t.Errorf("profile manifest:\n%s", doc)
				}
				vdoc, err := Manifest(vn)
				if err != nil {
					t.Fatal(err)
				}
				var gotV v1alpha1.GalleryInVMAccessControlProfileVersion
				readBack(t, vdoc, &gotV)
				if d := profileversion.Diff(profileversion.DesiredVersion(&gotV.Spec), v); len(d) > 0 {
					t.Errorf("version: Diff(Desired(imported spec), Azure) = %v\n%s", d, vdoc)
				}
				checkCommon(t, vdoc, gotV.Name, gotV.Spec.AzureName, *v.Name)
				if gotV.Spec.ProfileRef == nil || gotV.Spec.ProfileRef.Name != gotP.Name || !strings.HasPrefix(gotV.Name, gotP.Name+"-") {
					t.Errorf("version %q references %+v", gotV.Name, gotV.Spec.ProfileRef)
				}
				for _, unwanted := range []string{"publishedDate", "replicationStatus", "provisioningState", "regionalReplicaCount: 1\n",
					"Standard_LRS", ": false", "{}", "[]"} {
					if strings.Contains(string(vdoc), unwanted) {
						t.Errorf("the version's manifest holds %q:\n%s", unwanted, vdoc)
					}
				}
			})
		}
	}
}

func TestImportedProfileFields(t *testing.T) {
	pn, _, vn, _ := profileNodes(t, azureProfiles["described_odd_spellings"], azureProfileVersions["defaults_only"])
	p := pn.Object.(*v1alpha1.GalleryInVMAccessControlProfile)
	if p.Name != "imds-windows" || p.Spec.AzureName != "imds.windows" || p.Spec.Properties.OSType != "Windows" ||
		p.Spec.Properties.ApplicableHostEndpoint != "IMDS" || p.Spec.Properties.Description != "IMDS for Windows" {
		t.Errorf("profile %q: %+v", p.Name, p.Spec)
	}
	v := vn.Object.(*v1alpha1.GalleryInVMAccessControlProfileVersion)
	if v.Name != "imds-windows-0-0-1" || v.Spec.AzureName != "0.0.1" || v.Spec.Properties.Mode != "Disabled" || v.Spec.Properties.DefaultAccess != "Deny" ||
		v.Spec.Properties.Rules != nil || v.Spec.Properties.TargetLocations != nil || v.Spec.Properties.ExcludeFromLatest != nil {
		t.Errorf("defaults only: %q %+v", v.Name, v.Spec)
	}
	_, _, vn, _ = profileNodes(t, azureProfiles["example"], azureProfileVersions["regions_with_settings"])
	pp := vn.Object.(*v1alpha1.GalleryInVMAccessControlProfileVersion).Spec.Properties
	tl := pp.TargetLocations
	if len(tl) != 2 || tl[0].Name != "westeurope" || *tl[0].RegionalReplicaCount != 2 || tl[1].Name != "northeurope" ||
		tl[1].StorageAccountType != "Standard_ZRS" || tl[1].RegionalReplicaCount != nil || !*tl[1].ExcludeFromLatest || !*pp.ExcludeFromLatest {
		t.Errorf("target locations %+v", tl)
	}
	if r := pp.Rules; r == nil || len(r.Roles) != 1 || r.Identities != nil || r.RoleAssignments != nil {
		t.Errorf("rules %+v", r)
	}
}
