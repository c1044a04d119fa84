package emulator

import (
	"net/url"
	"strings"
	"time"
)

// applicationVersionType is Microsoft.Compute/galleries/applications/versions. Like an image
// version, a write is a long-running operation that lasts until its target regions are
// replicated (recorded by the az CLI, test_gallery_application_version: the PUT's
// Azure-AsyncOperation stays InProgress for minutes).
var applicationVersionType = &resourceType{
	namespace: computeNamespace, name: "galleries/applications/versions", segment: "versions", parent: applicationType,
	label: "gallery application version", body: "galleryApplicationVersion", noun: "GalleryApplicationVersion",
	apiVersions: computeAPIVersions,
	checkName:   semverName("gallery application version", "galleryApplicationVersionName"),
	paged:       true, ops: applicationVersionOps{},
}

// userArtifactSource is UserArtifactSource.
type userArtifactSource struct {
	MediaLink                string `json:"mediaLink"`
	DefaultConfigurationLink string `json:"defaultConfigurationLink,omitempty"`
}

// userArtifactManage is UserArtifactManage.
type userArtifactManage struct {
	Install string `json:"install"`
	Remove  string `json:"remove"`
	Update  string `json:"update,omitempty"`
}

// userArtifactSettings is UserArtifactSettings.
type userArtifactSettings struct {
	PackageFileName           string `json:"packageFileName,omitempty"`
	ConfigFileName            string `json:"configFileName,omitempty"`
	ScriptBehaviorAfterReboot string `json:"scriptBehaviorAfterReboot,omitempty"`
}

// appVersionPublishing is GalleryApplicationVersionPublishingProfile.
type appVersionPublishing struct {
	publishingProfile
	Source            *userArtifactSource   `json:"source,omitempty"`
	ManageActions     *userArtifactManage   `json:"manageActions,omitempty"`
	Settings          *userArtifactSettings `json:"settings,omitempty"`
	AdvancedSettings  map[string]string     `json:"advancedSettings,omitempty"`
	EnableHealthCheck *bool                 `json:"enableHealthCheck,omitempty"`
	CustomActions     []customAction        `json:"customActions,omitempty"`
}

// appVersionProperties is GalleryApplicationVersionProperties without the read-only
// provisioningState and replicationStatus.
type appVersionProperties struct {
	PublishingProfile *appVersionPublishing `json:"publishingProfile,omitempty"`
	SafetyProfile     *artifactSafety       `json:"safetyProfile,omitempty"`
}

// appVersionData is an application version's stored state.
type appVersionData struct {
	props appVersionProperties
	rep   replication
}

// replication implements replicated.
func (d *appVersionData) replication() *replication { return &d.rep }

// properties implements resourceData; $expand=ReplicationStatus adds replicationStatus.
func (d *appVersionData) properties(_ *Server, n *node, q url.Values) map[string]any {
	m := toMap(d.props)
	m["provisioningState"] = n.state
	d.rep.addStatus(m, q)
	return m
}

// requested returns the properties in request form (without publishedDate).
func (d *appVersionData) requested() appVersionProperties {
	p := d.props
	pp := *p.PublishingProfile
	pp.PublishedDate = ""
	p.PublishingProfile = &pp
	return p
}

// maxCommandLength is the documented limit of the install, remove and update commands and of the
// package and config file names ("This is limited to 4096 characters").
const maxCommandLength = 4096

// Enum values of the application version API.
var scriptBehaviors = []string{"None", "Rerun"}

// applicationVersionOps are the write rules of an application version.
type applicationVersionOps struct{}

// checkRequest implements typeOps: a PUT needs publishingProfile.source.mediaLink (required by the
// spec).
func (applicationVersionOps) checkRequest(w *write) *apiError {
	if w.patch {
		return nil
	}
	p, e := toAppVersionProperties(w.merged(nil))
	if e != nil {
		return e
	}
	return checkArtifact(p.PublishingProfile)
}

// toAppVersionProperties converts a JSON map to appVersionProperties, dropping read-only
// properties.
func toAppVersionProperties(m map[string]any) (*appVersionProperties, *apiError) {
	for _, ro := range []string{"provisioningState", "replicationStatus"} {
		delete(m, ro)
	}
	var p appVersionProperties
	if e := convert(m, &p); e != nil {
		return nil, e
	}
	return &p, nil
}

// apply implements typeOps: the request rules, then those against the stored version (the
// source cannot change; the publishing profile's rules shared with image versions).
func (applicationVersionOps) apply(_ *Server, w *write) (resourceData, *apiError) {
	var old *appVersionData
	var current any
	if w.cur != nil {
		old = w.cur.data.(*appVersionData)
		current = old.requested()
	}
	p, e := toAppVersionProperties(w.merged(current))
	if e != nil {
		return nil, e
	}
	if e := checkArtifact(p.PublishingProfile); e != nil {
		return nil, e
	}
	pp := p.PublishingProfile
	if e := normalizePublishing(applicationVersionType, &pp.publishingProfile, w.loc, w.shownLoc); e != nil {
		return nil, e
	}
	if pp.EnableHealthCheck == nil {
		pp.EnableHealthCheck = boolp(false) // Azure returns the default (GalleryApplicationVersion_Create.json)
	}
	if p.SafetyProfile == nil {
		p.SafetyProfile = &artifactSafety{}
	}
	if p.SafetyProfile.AllowDeletionOfReplicatedLocations == nil {
		p.SafetyProfile.AllowDeletionOfReplicatedLocations = boolp(false)
	}
	if e := checkAppVersionAgainst(old, p, w.name); e != nil {
		return nil, e
	}
	pp.PublishedDate = time.Now().UTC().Format(time.RFC3339Nano)
	if old != nil {
		pp.PublishedDate = old.props.PublishingProfile.PublishedDate
	}
	return &appVersionData{props: *p, rep: newReplication(pp.regionNames())}, nil
}

// checkAppVersionAgainst applies the rules that compare a write with the stored version (old, nil
// on create).
func checkAppVersionAgainst(old *appVersionData, p *appVersionProperties, name string) *apiError {
	var rep *replication
	var oldPP *publishingProfile
	if old != nil {
		os, ns := old.props.PublishingProfile.Source, p.PublishingProfile.Source
		if os.MediaLink != ns.MediaLink {
			return propertyChange(applicationVersionType, "publishingProfile.source.mediaLink")
		}
		if os.DefaultConfigurationLink != ns.DefaultConfigurationLink {
			return propertyChange(applicationVersionType, "publishingProfile.source.defaultConfigurationLink")
		}
		rep, oldPP = &old.rep, &old.props.PublishingProfile.publishingProfile
	}
	return checkPublishingWrite(applicationVersionType, rep, oldPP, &p.PublishingProfile.publishingProfile,
		*p.SafetyProfile.AllowDeletionOfReplicatedLocations, applicationVersionType.label+" '"+name+"'")
}

// checkArtifact validates what an application version's publishing profile says about its
// package: the source blob (required), the install and remove commands (required, at most 4,096
// characters, as the update command and the file names), the reboot behaviour and custom actions.
func checkArtifact(pp *appVersionPublishing) *apiError {
	t := applicationVersionType
	switch {
	case pp == nil:
		return missingProp(t, "publishingProfile")
	case pp.Source == nil:
		return missingProp(t, "publishingProfile.source")
	case pp.Source.MediaLink == "":
		return missingProp(t, "publishingProfile.source.mediaLink")
	case pp.ManageActions == nil:
		return missingProp(t, "publishingProfile.manageActions")
	case pp.ManageActions.Install == "":
		return missingProp(t, "publishingProfile.manageActions.install")
	case pp.ManageActions.Remove == "":
		return missingProp(t, "publishingProfile.manageActions.remove")
	}
	if e := checkBlobURI("publishingProfile.source.mediaLink", pp.Source.MediaLink); e != nil {
		return e
	}
	if e := checkBlobURI("publishingProfile.source.defaultConfigurationLink", pp.Source.DefaultConfigurationLink); e != nil {
		return e
	}
	limited := []struct{ name, v string }{
		{"manageActions.install", pp.ManageActions.Install}, {"manageActions.remove", pp.ManageActions.Remove},
		{"manageActions.update", pp.ManageActions.Update},
	}
	if st := pp.Settings; st != nil {
		limited = append(limited, struct{ name, v string }{"settings.packageFileName", st.PackageFileName},
			struct{ name, v string }{"settings.configFileName", st.ConfigFileName})
		if e := enumProp(t, "publishingProfile.settings.scriptBehaviorAfterReboot", &st.ScriptBehaviorAfterReboot,
			scriptBehaviors); e != nil {
			return e
		}
	}
	for _, l := range limited {
		if n := len([]rune(l.v)); n > maxCommandLength {
			name := "publishingProfile." + l.name
			return invalidProp(t, name, "The value of parameter '%s' is %d characters long; it is limited to %d characters.",
				propPath(t, name), n, maxCommandLength)
		}
	}
	return validateCustomActions(t, "publishingProfile.customActions", pp.CustomActions)
}

// checkBlobURI requires a blob URI (https://{account}.blob.{suffix}/{container}/{blob}, a query
// such as a SAS allowed) for a package or configuration link ("must be a readable storage page
// blob"); empty passes.
func checkBlobURI(name, v string) *apiError {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	parts := []string{}
	if err == nil {
		parts = strings.Split(strings.Trim(u.Path, "/"), "/")
	}
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || !strings.Contains(u.Host, ".blob.") || len(parts) < 2 ||
		parts[0] == "" {
		t := applicationVersionType
		return invalidProp(t, name, "The value '%s' of parameter '%s' is not a valid blob URI: it must be the URI of a "+
			"blob in a storage account (https://{account}.blob.core.windows.net/{container}/{blob}).", v, propPath(t, name))
	}
	return nil
}
