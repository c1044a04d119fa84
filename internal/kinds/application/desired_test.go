package application

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/reconcile"
)

var eol = time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)

// spec is a full application spec, as in Azure's GalleryApplication_Create example.
func spec() *v1alpha1.GalleryApplicationSpec {
	return &v1alpha1.GalleryApplicationSpec{
		GalleryRef: &v1alpha1.LocalObjectReference{Name: "g"},
		Location:   "West US",
		Tags:       map[string]string{"team": "apps"},
		Properties: v1alpha1.GalleryApplicationProperties{
			SupportedOSType:     v1alpha1.OperatingSystemTypeWindows,
			Description:         "This is the gallery application description.",
			Eula:                "This is the gallery application EULA.",
			PrivacyStatementURI: "https://example.com/privacy",
			ReleaseNoteURI:      "https://example.com/notes",
			EndOfLifeDate:       &metav1.Time{Time: eol},
			CustomActions: []v1alpha1.GalleryApplicationCustomAction{{
				Name: "myCustomAction", Script: "myCustomActionScript", Description: "This is the custom action description.",
				Parameters: []v1alpha1.GalleryApplicationCustomActionParameter{
					{Name: "p1", Required: to.Ptr(false), Type: "String", DefaultValue: "default value", Description: "first"},
					{Name: "p2", Type: "LogOutputBlob"},
				},
			}, {Name: "other", Script: "other.ps1"}},
		},
	}
}

// echo is desired as Azure's GET returns it: through the SDK's JSON, with read-only fields, the
// location spelled canonically, custom actions and parameters in another order, a parameter's
// type and required flag filled in.
func echo(t *testing.T, desired body) *body {
	t.Helper()
	b, err := json.Marshal(desired)
	if err != nil {
		t.Fatal(err)
	}
	var e body
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	e.ID, e.Name, e.Type = to.Ptr("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/applications/a"), to.Ptr("a"),
		to.Ptr("Microsoft.Compute/galleries/applications")
	e.Location = to.Ptr(azure.CanonicalLocation(*e.Location))
	if p := e.Properties; p != nil {
		slices.Reverse(p.CustomActions)
		for _, a := range p.CustomActions {
			slices.Reverse(a.Parameters)
			for _, prm := range a.Parameters {
				if prm.Type == nil {
					prm.Type = to.Ptr(armcompute.GalleryApplicationCustomActionParameterTypeString)
				}
				if prm.Required == nil {
					prm.Required = to.Ptr(false)
				}
			}
		}
	}
	return &e
}

func TestDesiredApplicationCarriesTheSpec(t *testing.T) {
	got, err := json.Marshal(DesiredApplication(spec()))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"location":"West US","properties":{"customActions":[{"description":"This is the custom action description.","name":"myCustomAction",` +
		`"parameters":[{"defaultValue":"default value","description":"first","name":"p1","required":false,"type":"String"},{"name":"p2","type":"LogOutputBlob"}],` +
		`"script":"myCustomActionScript"},{"name":"other","script":"other.ps1"}],"description":"This is the gallery application description.",` +
		`"endOfLifeDate":"2031-01-01T00:00:00Z","eula":"This is the gallery application EULA.","privacyStatementUri":"https://example.com/privacy",` +
		`"releaseNoteUri":"https://example.com/notes","supportedOSType":"Windows"},"tags":{"team":"apps"}}`
	if string(got) != want {
		t.Errorf("body\n%s\nwant\n%s", got, want)
	}
	minimal := &v1alpha1.GalleryApplicationSpec{Location: "westus", Properties: v1alpha1.GalleryApplicationProperties{SupportedOSType: "Linux"}}
	if got, _ := json.Marshal(DesiredApplication(minimal)); string(got) != `{"location":"westus","properties":{"supportedOSType":"Linux"}}` {
		t.Errorf("unset spec fields are sent: %s", got)
	}
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name  string
		spec  func(*v1alpha1.GalleryApplicationSpec)
		azure func(*body)
		want  []string
	}{
		{name: "Azure's echo", want: nil},
		{name: "description", spec: func(s *v1alpha1.GalleryApplicationSpec) { s.Properties.Description = "new" }, want: []string{"properties.description"}},
		{name: "a description only in Azure", spec: func(s *v1alpha1.GalleryApplicationSpec) { s.Properties.Description = "" }, want: []string{"properties.description"}},
		{name: "eula", spec: func(s *v1alpha1.GalleryApplicationSpec) { s.Properties.Eula = "v2" }, want: []string{"properties.eula"}},
		{name: "end of life", spec: func(s *v1alpha1.GalleryApplicationSpec) { s.Properties.EndOfLifeDate = nil }, want: []string{"properties.endOfLifeDate"}},
		{name: "end of life in another zone", spec: func(s *v1alpha1.GalleryApplicationSpec) {
			s.Properties.EndOfLifeDate = &metav1.Time{Time: eol.In(time.FixedZone("x", 7200))}
		}, want: nil},
		{name: "a script", spec: func(s *v1alpha1.GalleryApplicationSpec) { s.Properties.CustomActions[1].Script = "v2.ps1" }, want: []string{"properties.customActions"}},
		{name: "a parameter's type", spec: func(s *v1alpha1.GalleryApplicationSpec) {
			s.Properties.CustomActions[0].Parameters[1].Type = "ConfigurationDataBlob"
		}, want: []string{"properties.customActions"}},
		{name: "an action only in Azure", azure: func(b *body) {
			b.Properties.CustomActions = append(b.Properties.CustomActions, &armcompute.GalleryApplicationCustomAction{Name: to.Ptr("x"), Script: to.Ptr("x")})
		}, want: []string{"properties.customActions"}},
		{name: "tag name case", spec: func(s *v1alpha1.GalleryApplicationSpec) { s.Tags = map[string]string{"TEAM": "apps"} }, want: nil},
		{name: "tag value", spec: func(s *v1alpha1.GalleryApplicationSpec) { s.Tags["team"] = "x" }, want: []string{"tags"}},
		{name: "OS type", spec: func(s *v1alpha1.GalleryApplicationSpec) { s.Properties.SupportedOSType = "Linux" }, want: []string{"properties.supportedOSType"}},
		{name: "OS type's case", azure: func(b *body) { b.Properties.SupportedOSType = to.Ptr(armcompute.OperatingSystemTypes("windows")) }, want: nil},
		{name: "location", spec: func(s *v1alpha1.GalleryApplicationSpec) { s.Location = "eastus" }, want: []string{"location"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			existing := echo(t, DesiredApplication(spec()))
			if tt.azure != nil {
				tt.azure(existing)
			}
			s := spec()
			if tt.spec != nil {
				tt.spec(s)
			}
			if got := Diff(DesiredApplication(s), existing); !slices.Equal(got, tt.want) {
				t.Errorf("Diff = %q, want %q", got, tt.want)
			}
		})
	}
	if got := Diff(DesiredApplication(spec()), nil); len(got) < 5 {
		t.Errorf("against no application Diff names only %q", got)
	}
}

func TestSpecHash(t *testing.T) {
	base := SpecHash(DesiredApplication(spec()))
	same := spec()
	same.Location, same.Tags = "westus", map[string]string{"Team": "apps"}
	slices.Reverse(same.Properties.CustomActions)
	same.DeletionPolicy, same.AzureName = v1alpha1.DeletionPolicyOrphan, "other"
	if h := SpecHash(DesiredApplication(same)); h != base {
		t.Errorf("spelling and order changed the hash: %s vs %s", h, base)
	}
	other := spec()
	other.Properties.CustomActions[0].Parameters[0].DefaultValue = "x"
	if SpecHash(DesiredApplication(other)) == base {
		t.Error("a parameter's default value did not change the hash")
	}
}

// TestHintWaitsForVersions: Azure refusing to delete an application definition that has
// versions is a wait, not a failure.
func TestHintWaitsForVersions(t *testing.T) {
	f := &reconcile.Failure{Terminal: true, Azure: &azure.Error{HTTPStatus: 409, Code: "CannotDeleteResource", Message: "has versions"}}
	Kind{}.Hint(f)
	if f.Terminal || f.Reason != ReasonWaitingForVersions || !strings.Contains(f.Message, "has versions") {
		t.Errorf("hinted failure: %+v", f)
	}
	other := &reconcile.Failure{Terminal: true, Azure: &azure.Error{HTTPStatus: 400, Code: "InvalidParameter"}}
	Kind{}.Hint(other)
	if !other.Terminal || other.Reason != "" {
		t.Errorf("another error was changed: %+v", other)
	}
}
