package emulator

import (
	"net/http"
	"net/url"
	"time"
)

// imageVersionType is Microsoft.Compute/galleries/images/versions. A write lasts until the
// target regions that need it are replicated (replication.go).
var imageVersionType = &resourceType{
	namespace: computeNamespace, name: "galleries/images/versions", segment: "versions", parent: imageType,
	label: "gallery image version", body: "galleryImageVersion", noun: "GalleryImageVersion",
	apiVersions: computeAPIVersions,
	checkName:   semverName("gallery image version", "galleryImageVersionName"),
	paged:       true, ops: imageVersionOps{},
}

// versionSafetyProfile is GalleryImageVersionSafetyProfile.
type versionSafetyProfile struct {
	artifactSafety
	ReportedForPolicyViolation   *bool            `json:"reportedForPolicyViolation,omitempty"`
	PolicyViolations             []map[string]any `json:"policyViolations,omitempty"`
	BlockDeletionBeforeEndOfLife *bool            `json:"blockDeletionBeforeEndOfLife,omitempty"`
}

// versionProperties is GalleryImageVersionProperties without the read-only
// provisioningState, replicationStatus and validationsProfile.
type versionProperties struct {
	PublishingProfile *publishingProfile     `json:"publishingProfile,omitempty"`
	StorageProfile    *versionStorageProfile `json:"storageProfile,omitempty"`
	SafetyProfile     *versionSafetyProfile  `json:"safetyProfile,omitempty"`
	SecurityProfile   map[string]any         `json:"securityProfile,omitempty"`
}

// versionData is an image version's stored state.
type versionData struct {
	props   versionProperties     // as returned (defaults and derived disk sizes applied)
	storage versionStorageProfile // the storage profile as requested (for change detection)
	rep     replication
}

// replication implements replicated.
func (d *versionData) replication() *replication { return &d.rep }

// requested returns the version's properties in request form (the storage
// profile as requested, without read-only values).
func (d *versionData) requested() versionProperties {
	p := d.props
	st := d.storage
	p.StorageProfile = &st
	if p.PublishingProfile != nil {
		pp := *p.PublishingProfile
		pp.PublishedDate = ""
		p.PublishingProfile = &pp
	}
	if p.SafetyProfile != nil {
		sf := *p.SafetyProfile
		sf.ReportedForPolicyViolation, sf.PolicyViolations = nil, nil
		p.SafetyProfile = &sf
	}
	return p
}

// properties implements resourceData; $expand=ReplicationStatus adds replicationStatus.
func (d *versionData) properties(_ *Server, n *node, q url.Values) map[string]any {
	m := toMap(d.props)
	m["provisioningState"] = n.state
	if n.state == "Creating" {
		// While creating, Azure answers with the storage profile as requested; the disks it derives
		// (sizes, host caching, a managed image's disks) appear once the version is created
		// (recorded by the Python SDK and the az CLI).
		m["storageProfile"] = toMap(d.storage)
	}
	d.rep.addStatus(m, q)
	return m
}

// deleteGuard refuses to delete a version whose safety profile blocks deletion before its
// end-of-life date.
func (d *versionData) deleteGuard(n *node) *apiError {
	sf, pp := d.props.SafetyProfile, d.props.PublishingProfile
	if sf == nil || sf.BlockDeletionBeforeEndOfLife == nil || !*sf.BlockDeletionBeforeEndOfLife || pp.EndOfLifeDate == "" {
		return nil
	}
	eol, err := parseDate(pp.EndOfLifeDate)
	if err != nil || !time.Now().Before(eol) {
		return nil
	}
	// Code and message as Microsoft's troubleshooting page for shared images quotes them; the
	// status is a guess (docs/emulator.md).
	return errf(http.StatusConflict, "DeleteGalleryImageVersionBlockedBeforeEndOfLife",
		"Deletion of Gallery image version is not allowed because the image is enabled for "+
			"blockDeletionBeforeEndOfLife and its endOfLifeDate has not reached yet")
}

// imageVersionOps are the write rules of an image version.
type imageVersionOps struct{}

// checkRequest implements typeOps: storageProfile is required by the spec; an update may send
// it empty to keep the source.
func (imageVersionOps) checkRequest(w *write) *apiError {
	if !w.patch && w.req.props["storageProfile"] == nil {
		return missingProp(imageVersionType, "storageProfile")
	}
	return nil
}

// toVersionProperties converts a JSON map to versionProperties, dropping
// read-only and unsupported request properties.
func toVersionProperties(m map[string]any) (*versionProperties, *apiError) {
	for _, ro := range []string{"provisioningState", "replicationStatus", "validationsProfile", "restore"} {
		delete(m, ro)
	}
	var p versionProperties
	if e := convert(m, &p); e != nil {
		return nil, e
	}
	return &p, nil
}

// apply implements typeOps: the request rules, the rules against the stored version, the
// sources (which must exist) and the quota.
func (imageVersionOps) apply(s *Server, w *write) (resourceData, *apiError) {
	var old *versionData
	var current any
	if w.cur != nil {
		old = w.cur.data.(*versionData)
		current = old.requested()
	}
	props, e := toVersionProperties(w.merged(current))
	if e != nil {
		return nil, e
	}
	if old != nil && !props.StorageProfile.hasSource() {
		// An update may omit the source (GalleryImageVersion_Update_WithoutSourceId.json).
		props.StorageProfile = old.storage.keepSource(props.StorageProfile)
	}
	if e := normalizeVersion(props, w.loc, w.shownLoc); e != nil {
		return nil, e
	}
	if e := checkVersionAgainst(old, props, w.name); e != nil {
		return nil, e
	}
	requested := *props.StorageProfile
	if props.StorageProfile, e = s.resolveStorageLocked(&requested, w.loc); e != nil {
		return nil, e
	}
	if old == nil {
		if used, limit := s.countLocked(w.ar.rt.sub, imageVersionType, w.loc), s.settings.ImageVersionQuota; used >= limit {
			return nil, quotaExceeded("Gallery Image Versions", w.loc, limit, used)
		}
		props.PublishingProfile.PublishedDate = time.Now().UTC().Format(time.RFC3339Nano)
	} else {
		props.PublishingProfile.PublishedDate = old.props.PublishingProfile.PublishedDate
	}
	return &versionData{props: *props, storage: requested, rep: newReplication(props.PublishingProfile.regionNames())}, nil
}

// normalizeVersion validates the request-only rules of a version body and applies Azure's
// defaults to its storage, publishing and safety profiles.
func normalizeVersion(p *versionProperties, loc, shownLoc string) *apiError {
	if e := normalizeStorage(p.StorageProfile); e != nil {
		return e
	}
	if p.PublishingProfile == nil {
		p.PublishingProfile = &publishingProfile{}
	}
	if e := normalizePublishing(imageVersionType, p.PublishingProfile, loc, shownLoc); e != nil {
		return e
	}
	if p.SafetyProfile == nil {
		p.SafetyProfile = &versionSafetyProfile{}
	}
	sf := p.SafetyProfile
	sf.ReportedForPolicyViolation, sf.PolicyViolations = boolp(false), nil
	if sf.AllowDeletionOfReplicatedLocations == nil {
		sf.AllowDeletionOfReplicatedLocations = boolp(false)
	}
	if sf.BlockDeletionBeforeEndOfLife == nil {
		sf.BlockDeletionBeforeEndOfLife = boolp(false)
	}
	return nil
}

// checkVersionAgainst applies the rules that compare a write with the stored version (old, nil on
// create): a source is required, sources cannot change, nor the publishing profile's immutable
// properties; replicated regions stay unless allowed; a new end of life is in the future.
func checkVersionAgainst(old *versionData, props *versionProperties, name string) *apiError {
	if !props.StorageProfile.hasSource() {
		return invalidProp(imageVersionType, "storageProfile.source",
			"Required parameter '%s' is missing (null): specify 'storageProfile.source' (id, virtualMachineId or "+
				"communityGalleryImageId) or 'storageProfile.osDiskImage.source'.", propPath(imageVersionType, "storageProfile.source"))
	}
	var rep *replication
	var oldPP *publishingProfile
	if old != nil {
		if e := sourceChange(&old.storage, props.StorageProfile); e != nil {
			return e
		}
		rep, oldPP = &old.rep, old.props.PublishingProfile
	}
	return checkPublishingWrite(imageVersionType, rep, oldPP, props.PublishingProfile,
		*props.SafetyProfile.AllowDeletionOfReplicatedLocations, imageVersionType.label+" '"+name+"'")
}
