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

var (
	profileGVR        = schema.GroupVersionResource{Group: "compute.azgallery.io", Version: "v1alpha1", Resource: "galleryinvmaccesscontrolprofiles"}
	profileVersionGVR = schema.GroupVersionResource{Group: "compute.azgallery.io", Version: "v1alpha1", Resource: "galleryinvmaccesscontrolprofileversions"}
)

// validProfile is a complete, valid GalleryInVMAccessControlProfile manifest; each case breaks
// one thing.
func validProfile(name string) map[string]any {
	return map[string]any{
		"apiVersion": "compute.azgallery.io/v1alpha1",
		"kind":       "GalleryInVMAccessControlProfile",
		"metadata":   map[string]any{"name": name, "namespace": "default"},
		"spec": map[string]any{
			"resourceGroupName": "rg-images",
			"galleryName":       "platform_gallery",
			"location":          "West Europe",
			"tags":              map[string]any{"team": "platform"},
			"properties": map[string]any{
				"description":            "WireServer access for Linux VMs",
				"osType":                 "Linux",
				"applicableHostEndpoint": "WireServer",
			},
		},
	}
}

// validProfileVersion is a complete, valid GalleryInVMAccessControlProfileVersion manifest (the
// rules of Azure's example); each case breaks one thing.
func validProfileVersion(name string) map[string]any {
	return map[string]any{
		"apiVersion": "compute.azgallery.io/v1alpha1",
		"kind":       "GalleryInVMAccessControlProfileVersion",
		"metadata":   map[string]any{"name": name, "namespace": "default"},
		"spec": map[string]any{
			"profileRef": map[string]any{"name": "wireserver"},
			"azureName":  "1.0.0",
			"location":   "West Europe",
			"properties": map[string]any{
				"mode":          "Audit",
				"defaultAccess": "Allow",
				"rules": map[string]any{
					"privileges": []any{map[string]any{"name": "GoalState", "path": "/machine", "queryParameters": map[string]any{"comp": "goalstate"}}},
					"roles":      []any{map[string]any{"name": "Provisioning", "privileges": []any{"GoalState"}}},
					"identities": []any{map[string]any{"name": "WinPA", "userName": "SYSTEM", "groupName": "Administrators",
						"exePath": `C:\Windows\System32\cscript.exe`, "processName": "cscript"}},
					"roleAssignments": []any{map[string]any{"role": "Provisioning", "identities": []any{"WinPA"}}},
				},
				"targetLocations":   []any{map[string]any{"name": "West Europe"}, map[string]any{"name": "northeurope", "regionalReplicaCount": int64(2)}},
				"excludeFromLatest": false,
			},
		},
	}
}

// invalidCase breaks one field of a valid manifest; the API server's error must name wantField
// and say wantText.
type invalidCase struct {
	name      string
	path      string
	value     any
	wantField string
	wantText  string
}

// refuseAll creates valid(name) broken by each case and checks that the API server refuses it,
// naming the field.
func refuseAll(t *testing.T, gvr schema.GroupVersionResource, valid func(string) map[string]any, cases []invalidCase) {
	t.Helper()
	if len(cases) < 15 {
		t.Fatalf("the table must hold at least 15 invalid manifests, has %d", len(cases))
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := valid(fmt.Sprintf("invalid-%s-%d", gvr.Resource, i))
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

// updates creates valid(name) and applies each change: refused ones must fail with their text,
// accepted ones must pass.
func updates(t *testing.T, gvr schema.GroupVersionResource, valid func(string) map[string]any, refused []invalidCase, accepted map[string]map[string]any) {
	t.Helper()
	client := dyn.Resource(gvr).Namespace("default")
	update := func(name string, edits map[string]any) error {
		obj, err := client.Create(context.Background(), &unstructured.Unstructured{Object: valid(name)}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("creating the valid manifest: %v", err)
		}
		for path, value := range edits {
			set(obj.Object, path, value)
		}
		_, err = client.Update(context.Background(), obj, metav1.UpdateOptions{})
		return err
	}
	for i, tc := range refused {
		t.Run("refused "+tc.name, func(t *testing.T) {
			err := update(fmt.Sprintf("immutable-%s-%d", gvr.Resource, i), map[string]any{tc.path: tc.value})
			if err == nil || !strings.Contains(err.Error(), tc.wantField) || !strings.Contains(err.Error(), tc.wantText) {
				t.Fatalf("changing %s: got %v, want an error naming %q with %q", tc.name, err, tc.wantField, tc.wantText)
			}
		})
	}
	i := 0
	for name, edits := range accepted {
		i++
		t.Run("accepted "+name, func(t *testing.T) {
			if err := update(fmt.Sprintf("updatable-%s-%d", gvr.Resource, i), edits); err != nil {
				t.Fatalf("valid edit of %s refused: %v", name, err)
			}
		})
	}
}

func TestProfileAdmissionRejectsInvalidManifests(t *testing.T) {
	refuseAll(t, profileGVR, validProfile, []invalidCase{
		{"missing osType", "spec.properties.osType", nil, "spec.properties.osType", "Required value"},
		{"unknown osType", "spec.properties.osType", "BSD", "spec.properties.osType", "Unsupported value"},
		{"missing applicableHostEndpoint", "spec.properties.applicableHostEndpoint", nil, "spec.properties.applicableHostEndpoint", "Required value"},
		{"unknown applicableHostEndpoint", "spec.properties.applicableHostEndpoint", "HostGAPlugin", "spec.properties.applicableHostEndpoint", "Unsupported value"},
		{"description too long", "spec.properties.description", strings.Repeat("d", 2049), "spec.properties.description", "may not be more than 2048"},
		{"azureName longer than 80", "spec.azureName", strings.Repeat("a", 81), "spec.azureName", "may not be more than 80"},
		{"azureName ending in a dot", "spec.azureName", "wireserver.", "spec.azureName", "should match"},
		{"azureName with two separators in a row", "spec.azureName", "wire--server", "spec.azureName", "should match"},
		{"azureName with a space", "spec.azureName", "wire server", "spec.azureName", "should match"},
		{"metadata.name longer than 80 and no azureName", "metadata.name", strings.Repeat("p", 81), "metadata.name", "at most 80"},
		{"no galleryRef and no resourceGroupName", "spec.resourceGroupName", nil, "spec.resourceGroupName", "Required value"},
		{"galleryRef and a path", "spec.galleryRef", map[string]any{"name": "platform"}, "spec.galleryRef", "excludes"},
		{"galleryName with a dot", "spec.galleryName", "platform.gallery", "spec.galleryName", "should match"},
		{"missing location", "spec.location", nil, "spec.location", "Required value"},
		{"subscriptionId not a GUID", "spec.subscriptionId", "my-subscription", "spec.subscriptionId", "should match"},
		{"more than 50 tags", "spec.tags", manyTags(51), "spec.tags", "at most 50"},
		{"tag value longer than 256", "spec.tags", map[string]any{"t": strings.Repeat("v", 257)}, "spec.tags", "at most 256"},
		{"unknown deletionPolicy", "spec.deletionPolicy", "Keep", "spec.deletionPolicy", "Unsupported value"},
	})
}

func TestProfileAdmissionUpdates(t *testing.T) {
	updates(t, profileGVR, validProfile, []invalidCase{
		{"osType", "spec.properties.osType", "Windows", "spec.properties.osType", "osType is immutable"},
		{"applicableHostEndpoint", "spec.properties.applicableHostEndpoint", "IMDS", "spec.properties.applicableHostEndpoint", "applicableHostEndpoint is immutable"},
		{"location", "spec.location", "northeurope", "spec.location", "location is immutable"},
		{"galleryName", "spec.galleryName", "other_gallery", "spec.galleryName", "galleryName is immutable"},
		{"azureName set later", "spec.azureName", "WireServer-Linux", "spec.azureName", "azureName is immutable"},
	}, map[string]map[string]any{
		"description":                  {"spec.properties.description": "WireServer access, audited"},
		"tags":                         {"spec.tags": map[string]any{"team": "platform", "cost-center": "42"}},
		"location in another spelling": {"spec.location": "westeurope"},
		"deletionPolicy":               {"spec.deletionPolicy": "Orphan"},
	})
}

func TestProfileVersionAdmissionRejectsInvalidManifests(t *testing.T) {
	rules := func(edit func(r map[string]any)) map[string]any {
		r := validProfileVersion("x")["spec"].(map[string]any)["properties"].(map[string]any)["rules"].(map[string]any)
		edit(r)
		return r
	}
	region := func(name string) map[string]any { return map[string]any{"name": name} }
	refuseAll(t, profileVersionGVR, validProfileVersion, []invalidCase{
		{"missing mode", "spec.properties.mode", nil, "spec.properties.mode", "Required value"},
		{"unknown mode", "spec.properties.mode", "Monitor", "spec.properties.mode", "Unsupported value"},
		{"missing defaultAccess", "spec.properties.defaultAccess", nil, "spec.properties.defaultAccess", "Required value"},
		{"unknown defaultAccess", "spec.properties.defaultAccess", "Block", "spec.properties.defaultAccess", "Unsupported value"},
		{"a role names an undefined privilege", "spec.properties.rules", rules(func(r map[string]any) {
			r["roles"] = []any{map[string]any{"name": "Provisioning", "privileges": []any{"GoalState", "Extensions"}}}
		}), "spec.properties.rules.roles", "must be defined in properties.rules.privileges"},
		{"roles without any privileges", "spec.properties.rules", rules(func(r map[string]any) { delete(r, "privileges") }),
			"spec.properties.rules.roles", "properties.rules.privileges"},
		{"an assignment names an undefined role", "spec.properties.rules", rules(func(r map[string]any) {
			r["roleAssignments"] = []any{map[string]any{"role": "Admin", "identities": []any{"WinPA"}}}
		}), "spec.properties.rules.roleAssignments", "must be defined in properties.rules.roles"},
		{"an assignment names an undefined identity", "spec.properties.rules", rules(func(r map[string]any) {
			r["roleAssignments"] = []any{map[string]any{"role": "Provisioning", "identities": []any{"WinPA", "Nobody"}}}
		}), "spec.properties.rules.roleAssignments", "must be defined in properties.rules.identities"},
		{"a privilege defined twice", "spec.properties.rules", rules(func(r map[string]any) {
			r["privileges"] = []any{map[string]any{"name": "GoalState", "path": "/machine"}, map[string]any{"name": "GoalState", "path": "/other"}}
		}), "spec.properties.rules.privileges[1]", "Duplicate value"},
		{"a privilege without a path", "spec.properties.rules", rules(func(r map[string]any) {
			r["privileges"] = []any{map[string]any{"name": "GoalState"}}
		}), "spec.properties.rules.privileges[0].path", "Required value"},
		{"a relative privilege path", "spec.properties.rules", rules(func(r map[string]any) {
			r["privileges"] = []any{map[string]any{"name": "GoalState", "path": "machine"}}
		}), "spec.properties.rules.privileges[0].path", "should match"},
		{"a role without its privileges list", "spec.properties.rules", rules(func(r map[string]any) {
			r["roles"] = []any{map[string]any{"name": "Provisioning"}}
		}), "spec.properties.rules.roles[0].privileges", "Required value"},
		{"an identity without a name", "spec.properties.rules", rules(func(r map[string]any) {
			r["identities"] = []any{map[string]any{"userName": "SYSTEM"}}
		}), "spec.properties.rules.identities[0].name", "Required value"},
		{"an assignment without identities", "spec.properties.rules", rules(func(r map[string]any) {
			r["roleAssignments"] = []any{map[string]any{"role": "Provisioning"}}
		}), "spec.properties.rules.roleAssignments[0].identities", "Required value"},
		{"a role assigned twice", "spec.properties.rules", rules(func(r map[string]any) {
			a := map[string]any{"role": "Provisioning", "identities": []any{"WinPA"}}
			r["roleAssignments"] = []any{a, a}
		}), "spec.properties.rules.roleAssignments[1]", "Duplicate value"},
		{"azureName not major.minor.patch", "spec.azureName", "1.0", "spec.azureName", "should match"},
		{"azureName part beyond int32", "spec.azureName", "1.0.2147483648", "spec.azureName", "32-bit integer"},
		{"metadata.name not a version and no azureName", "spec.azureName", nil, "metadata.name", "major.minor.patch"},
		{"no profileRef and no path", "spec.profileRef", nil, "spec.profileRef", "Required value"},
		{"profileRef and a path", "spec.inVMAccessControlProfileName", "wireserver", "spec.profileRef", "excludes"},
		{"profile name with two separators in a row", "spec.inVMAccessControlProfileName", "wire..server", "spec.inVMAccessControlProfileName", "should match"},
		{"location not among target locations", "spec.location", "eastus", "spec.properties.targetLocations", "own location"},
		{"a target location twice", "spec.properties.targetLocations", []any{region("West Europe"), region("westeurope")},
			"spec.properties.targetLocations", "names a region twice"},
		{"regional replica count 0", "spec.properties.targetLocations", []any{map[string]any{"name": "westeurope", "regionalReplicaCount": int64(0)}},
			"spec.properties.targetLocations[0].regionalReplicaCount", "greater than or equal to 1"},
		{"unknown storage account type", "spec.properties.targetLocations", []any{map[string]any{"name": "westeurope", "storageAccountType": "Ultra_LRS"}},
			"spec.properties.targetLocations[0].storageAccountType", "Unsupported value"},
	})
}

func TestProfileVersionAdmissionUpdates(t *testing.T) {
	updates(t, profileVersionGVR, validProfileVersion, []invalidCase{
		{"azureName", "spec.azureName", "2.0.0", "spec.azureName", "azureName is immutable"},
		{"profileRef", "spec.profileRef.name", "other", "spec.profileRef", "profileRef is immutable"},
		{"location", "spec.location", "northeurope", "spec.location", "location is immutable"},
		{"a target location's storageAccountType", "spec.properties.targetLocations", []any{
			map[string]any{"name": "West Europe", "storageAccountType": "Premium_LRS"}, map[string]any{"name": "northeurope", "regionalReplicaCount": int64(2)}},
			"spec.properties.targetLocations[0].storageAccountType", "storageAccountType is immutable"},
	}, map[string]map[string]any{
		"mode and defaultAccess": {"spec.properties.mode": "Enforce", "spec.properties.defaultAccess": "Deny"},
		"rules": {"spec.properties.rules": map[string]any{
			"privileges":      []any{map[string]any{"name": "GoalState", "path": "/machine"}, map[string]any{"name": "Token", "path": "/metadata/identity/oauth2/token"}},
			"roles":           []any{map[string]any{"name": "Provisioning", "privileges": []any{"GoalState", "Token"}}},
			"identities":      []any{map[string]any{"name": "Agent", "processName": "waagent"}},
			"roleAssignments": []any{map[string]any{"role": "Provisioning", "identities": []any{"Agent"}}},
		}},
		"no rules":                        {"spec.properties.rules": nil},
		"target locations added, removed": {"spec.properties.targetLocations": []any{map[string]any{"name": "westeurope"}, map[string]any{"name": "eastus"}}},
		"excludeFromLatest":               {"spec.properties.excludeFromLatest": true},
		"tags":                            {"spec.tags": map[string]any{"channel": "stable"}},
	})
}
