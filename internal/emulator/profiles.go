package emulator

import (
	"net/http"
	"net/url"
	"regexp"
)

// profileType is Microsoft.Compute/galleries/inVMAccessControlProfiles, a gallery
// inVMAccessControlProfile: the OS type and host endpoint (WireServer or IMDS) its versions'
// access rules apply to. Writes are long-running operations, as for image definitions.
var profileType = &resourceType{
	namespace: computeNamespace, name: "galleries/inVMAccessControlProfiles", segment: "inVMAccessControlProfiles",
	parent: galleryType, label: "gallery inVMAccessControlProfile", body: "galleryInVMAccessControlProfile",
	noun: "GalleryInVMAccessControlProfile", apiVersions: computeAPIVersions,
	checkName: checkProfileName, paged: true, ops: profileOps{},
}

// profileNamePattern is the spec's inVMAccessControlProfileName pattern (at most 80 characters).
var profileNamePattern = regexp.MustCompile(`^[a-zA-Z0-9]+([-._]?[a-zA-Z0-9]+)*$`)

// checkProfileName validates a profile name.
func checkProfileName(n string) *apiError {
	if len(n) > 80 || !profileNamePattern.MatchString(n) {
		return invalidName("inVMAccessControlProfileName", `^[a-zA-Z0-9]+([-._]?[a-zA-Z0-9]+)*$ (at most 80 characters)`)
	}
	return nil
}

// profileProperties is GalleryInVMAccessControlProfileProperties without the read-only
// provisioningState.
type profileProperties struct {
	Description            string `json:"description,omitempty"`
	OSType                 string `json:"osType,omitempty"`
	ApplicableHostEndpoint string `json:"applicableHostEndpoint,omitempty"`
}

// hostEndpoints are the EndpointTypes values.
var hostEndpoints = []string{"WireServer", "IMDS"}

// properties implements resourceData.
func (p *profileProperties) properties(_ *Server, n *node, _ url.Values) map[string]any {
	m := toMap(p)
	m["provisioningState"] = n.state
	return m
}

// profileOps are the write rules of a profile.
type profileOps struct{}

// checkRequest implements typeOps: a PUT needs valid properties.
func (profileOps) checkRequest(w *write) *apiError {
	if w.patch {
		return nil
	}
	if w.req.props == nil {
		return errf(http.StatusBadRequest, "InvalidParameter", "Required parameter '%s.properties' is missing (null).",
			profileType.body).withTarget(profileType.body + ".properties")
	}
	_, e := toProfileProperties(w.merged(nil))
	return e
}

// toProfileProperties converts a JSON map to validated profileProperties: osType and
// applicableHostEndpoint are required.
func toProfileProperties(m map[string]any) (*profileProperties, *apiError) {
	delete(m, "provisioningState")
	var p profileProperties
	if e := convert(m, &p); e != nil {
		return nil, e
	}
	if e := requiredEnum(profileType, "osType", &p.OSType, osTypes); e != nil {
		return nil, e
	}
	if e := requiredEnum(profileType, "applicableHostEndpoint", &p.ApplicableHostEndpoint, hostEndpoints); e != nil {
		return nil, e
	}
	return &p, nil
}

// apply implements typeOps: osType and applicableHostEndpoint cannot change.
func (profileOps) apply(_ *Server, w *write) (resourceData, *apiError) {
	var old *profileProperties
	var current any
	if w.cur != nil {
		old = w.cur.data.(*profileProperties)
		current = old
	}
	p, e := toProfileProperties(w.merged(current))
	if e != nil {
		return nil, e
	}
	if old != nil && old.OSType != p.OSType {
		return nil, propertyChange(profileType, "osType")
	}
	if old != nil && old.ApplicableHostEndpoint != p.ApplicableHostEndpoint {
		return nil, propertyChange(profileType, "applicableHostEndpoint")
	}
	return p, nil
}
