package emulator

import (
	"fmt"
	"net/url"
)

// applicationType is Microsoft.Compute/galleries/applications, a gallery application definition.
// Azure answers its writes and deletions at once, without an operation, and returns no
// provisioningState (recorded by the az CLI, test_gallery_application: PUT 201 and 200, DELETE
// 200, no Azure-AsyncOperation; the spec's GalleryApplicationProperties has no
// provisioningState).
var applicationType = &resourceType{
	namespace: computeNamespace, name: "galleries/applications", segment: "applications", parent: galleryType,
	label: "gallery application", body: "galleryApplication", noun: "GalleryApplication",
	apiVersions: computeAPIVersions,
	checkName:   ruleName("galleryApplicationName", "-._", `^[^_\W][\w-._]{0,79}(?<![-.])$`),
	lro:         lroMode{sync: true}, paged: true, ops: applicationOps{},
}

// customActionParameter is GalleryApplicationCustomActionParameter.
type customActionParameter struct {
	Name         string `json:"name"`
	Required     *bool  `json:"required,omitempty"`
	Type         string `json:"type,omitempty"`
	DefaultValue string `json:"defaultValue,omitempty"`
	Description  string `json:"description,omitempty"`
}

// customAction is GalleryApplicationCustomAction.
type customAction struct {
	Name        string                  `json:"name"`
	Script      string                  `json:"script"`
	Description string                  `json:"description,omitempty"`
	Parameters  []customActionParameter `json:"parameters,omitempty"`
}

// applicationProperties is GalleryApplicationProperties.
type applicationProperties struct {
	Description         string         `json:"description,omitempty"`
	Eula                string         `json:"eula,omitempty"`
	PrivacyStatementURI string         `json:"privacyStatementUri,omitempty"`
	ReleaseNoteURI      string         `json:"releaseNoteUri,omitempty"`
	EndOfLifeDate       string         `json:"endOfLifeDate,omitempty"`
	SupportedOSType     string         `json:"supportedOSType,omitempty"`
	CustomActions       []customAction `json:"customActions,omitempty"`
}

// Enum values of the application API.
var (
	osTypes               = []string{"Windows", "Linux"}
	customActionParamType = []string{"String", "ConfigurationDataBlob", "LogOutputBlob"}
)

// properties implements resourceData (no provisioningState, as Azure answers).
func (p *applicationProperties) properties(*Server, *node, url.Values) map[string]any {
	return toMap(p)
}

// applicationOps are the write rules of an application definition.
type applicationOps struct{}

// checkRequest implements typeOps: a PUT needs valid properties.
func (applicationOps) checkRequest(w *write) *apiError {
	if w.patch {
		return nil
	}
	_, e := toApplicationProperties(w.merged(nil))
	return e
}

// toApplicationProperties converts a JSON map to validated applicationProperties:
// supportedOSType is required, custom actions valid.
func toApplicationProperties(m map[string]any) (*applicationProperties, *apiError) {
	var p applicationProperties
	if e := convert(m, &p); e != nil {
		return nil, e
	}
	if e := requiredEnum(applicationType, "supportedOSType", &p.SupportedOSType, osTypes); e != nil {
		return nil, e
	}
	if e := validateCustomActions(applicationType, "customActions", p.CustomActions); e != nil {
		return nil, e
	}
	return &p, nil
}

// apply implements typeOps: supportedOSType cannot change; a new end of life date is in the future.
func (applicationOps) apply(_ *Server, w *write) (resourceData, *apiError) {
	var old *applicationProperties
	var current any
	if w.cur != nil {
		old = w.cur.data.(*applicationProperties)
		current = old
	}
	p, e := toApplicationProperties(w.merged(current))
	if e != nil {
		return nil, e
	}
	oldEOL := ""
	if old != nil {
		if old.SupportedOSType != p.SupportedOSType {
			return nil, propertyChange(applicationType, "supportedOSType")
		}
		oldEOL = old.EndOfLifeDate
	}
	label := applicationType.label + " '" + w.name + "'"
	if e := endOfLife(applicationType, "endOfLifeDate", &p.EndOfLifeDate, oldEOL, label); e != nil {
		return nil, e
	}
	return p, nil
}

// validateCustomActions checks custom actions (of an application or application version, at
// field): names and scripts required, names unique; parameters named, unique, of a known type,
// with a default value only for String parameters.
func validateCustomActions(typ *resourceType, field string, actions []customAction) *apiError {
	seen := map[string]bool{}
	for i, a := range actions {
		at := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case a.Name == "":
			return missingProp(typ, at+".name")
		case a.Script == "":
			return missingProp(typ, at+".script")
		case seen[a.Name]:
			return invalidProp(typ, at+".name", "The custom action name '%s' is used more than once; custom action "+
				"names must be unique.", a.Name)
		}
		seen[a.Name] = true
		if e := validateActionParameters(typ, at+".parameters", a.Parameters); e != nil {
			return e
		}
	}
	return nil
}

// validateActionParameters checks a custom action's parameters.
func validateActionParameters(typ *resourceType, field string, params []customActionParameter) *apiError {
	seen := map[string]bool{}
	for i := range params {
		p := &params[i]
		at := fmt.Sprintf("%s[%d]", field, i)
		if p.Name == "" {
			return missingProp(typ, at+".name")
		}
		if seen[p.Name] {
			return invalidProp(typ, at+".name", "The parameter name '%s' is used more than once; parameter names "+
				"must be unique within a custom action.", p.Name)
		}
		seen[p.Name] = true
		if e := enumProp(typ, at+".type", &p.Type, customActionParamType); e != nil {
			return e
		}
		if p.DefaultValue != "" && p.Type != "" && p.Type != "String" {
			return invalidProp(typ, at+".defaultValue", "The parameter '%s' of type '%s' cannot have a default value: "+
				"a default value only applies to String parameters.", p.Name, p.Type)
		}
	}
	return nil
}
