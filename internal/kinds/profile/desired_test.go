package profile

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/reconcile"
)

// spec is a profile with every field set.
func spec() *v1alpha1.GalleryInVMAccessControlProfileSpec {
	return &v1alpha1.GalleryInVMAccessControlProfileSpec{
		GalleryRef: &v1alpha1.LocalObjectReference{Name: "g"}, Location: "West Europe", Tags: map[string]string{"team": "platform"},
		Properties: v1alpha1.GalleryInVMAccessControlProfileProperties{Description: "WireServer for Linux",
			OSType: v1alpha1.OperatingSystemTypeLinux, ApplicableHostEndpoint: v1alpha1.EndpointTypeWireServer},
	}
}

// azureProfile is the profile as Azure returns it (GalleryInVMAccessControlProfile_Get.json,
// with the spec's description and tags): location and enums spelled Azure's way, read-only
// fields added.
func azureProfile(t *testing.T) *body {
	t.Helper()
	var p body
	if err := json.Unmarshal([]byte(`{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/inVMAccessControlProfiles/p",
		"name": "p", "location": "westeurope", "tags": {"Team": "platform"},
		"properties": {"description": "WireServer for Linux", "osType": "Linux", "applicableHostEndpoint": "WireServer", "provisioningState": "Succeeded"}}`), &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

func TestDesiredProfileIsTheRequestBody(t *testing.T) {
	got, err := json.Marshal(DesiredProfile(spec()))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"location":"West Europe","properties":{"applicableHostEndpoint":"WireServer","description":"WireServer for Linux","osType":"Linux"},"tags":{"team":"platform"}}`
	if string(got) != want {
		t.Errorf("body\n%s\nwant\n%s", got, want)
	}
	bare := spec()
	bare.Tags, bare.Properties.Description = nil, ""
	if p := DesiredProfile(bare); p.Tags != nil || p.Properties.Description != nil {
		t.Errorf("unset fields are sent: %+v", p)
	}
}

func TestDiff(t *testing.T) {
	if d := Diff(DesiredProfile(spec()), azureProfile(t)); len(d) != 0 {
		t.Errorf("Azure's answer to the spec differs in %q", d)
	}
	cases := map[string]struct {
		change func(*body)
		want   []string
	}{
		"description changed in Azure": {func(p *body) { p.Properties.Description = to.Ptr("other") }, []string{"properties.description"}},
		"description only in Azure":    {func(p *body) { p.Properties.Description = nil }, []string{"properties.description"}},
		"a tag added in Azure":         {func(p *body) { p.Tags["extra"] = to.Ptr("1") }, []string{"tags"}},
		"another osType":               {func(p *body) { p.Properties.OSType = to.Ptr(armcompute.OperatingSystemTypesWindows) }, []string{"properties.osType"}},
		"another endpoint":             {func(p *body) { p.Properties.ApplicableHostEndpoint = to.Ptr(armcompute.EndpointTypesIMDS) }, []string{"properties.applicableHostEndpoint"}},
		"another location":             {func(p *body) { p.Location = to.Ptr("northeurope") }, []string{"location"}},
		"enums in another case":        {func(p *body) { p.Properties.OSType = to.Ptr(armcompute.OperatingSystemTypes("LINUX")) }, nil},
		"no properties":                {func(p *body) { p.Properties = nil }, []string{"properties.description", "properties.osType", "properties.applicableHostEndpoint"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			existing := azureProfile(t)
			tc.change(existing)
			if got := Diff(DesiredProfile(spec()), existing); !slices.Equal(got, tc.want) {
				t.Errorf("Diff = %q, want %q", got, tc.want)
			}
		})
	}
	if got := Diff(DesiredProfile(spec()), nil); len(got) != 5 {
		t.Errorf("against nothing: %q, want every property", got)
	}
}

func TestSpecHash(t *testing.T) {
	h := SpecHash(DesiredProfile(spec()))
	same := spec()
	same.Location, same.Tags = "westeurope", map[string]string{"TEAM": "platform"}
	same.DeletionPolicy, same.AzureName = v1alpha1.DeletionPolicyOrphan, "other"
	if SpecHash(DesiredProfile(same)) != h {
		t.Error("spellings Azure ignores and operator-only fields changed the hash")
	}
	other := spec()
	other.Properties.Description = "changed"
	if SpecHash(DesiredProfile(other)) == h {
		t.Error("a new description kept the hash")
	}
}

// TestHintWaitsForVersions: Azure refuses to delete a profile that has versions; that is a wait
// for the versions' deletion, not a failure for the user.
func TestHintWaitsForVersions(t *testing.T) {
	f := &reconcile.Failure{Terminal: true, Azure: &azure.Error{HTTPStatus: 409, Code: "CannotDeleteResource", Message: "has versions"}}
	Kind{}.Hint(f)
	if f.Terminal || f.Reason != ReasonWaitingForVersions {
		t.Errorf("CannotDeleteResource: terminal %v, reason %q", f.Terminal, f.Reason)
	}
	f = &reconcile.Failure{Azure: &azure.Error{HTTPStatus: 409, Code: "Conflict"}}
	Kind{}.Hint(f)
	if f.Reason != "" {
		t.Errorf("another conflict got reason %q", f.Reason)
	}
}
