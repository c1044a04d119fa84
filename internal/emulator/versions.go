package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// versionSource is GalleryArtifactVersionFullSource.
type versionSource struct {
	ID                      string `json:"id,omitempty"`
	VirtualMachineID        string `json:"virtualMachineId,omitempty"`
	CommunityGalleryImageID string `json:"communityGalleryImageId,omitempty"`
}

// diskSource is GalleryDiskImageSource.
type diskSource struct {
	ID               string `json:"id,omitempty"`
	URI              string `json:"uri,omitempty"`
	StorageAccountID string `json:"storageAccountId,omitempty"`
}

// empty reports whether s names no source.
func (s *diskSource) empty() bool { return s == nil || (s.ID == "" && s.URI == "") }

// diskImage is GalleryOSDiskImage (sizeInGB is read-only).
type diskImage struct {
	SizeInGB    *int32      `json:"sizeInGB,omitempty"`
	HostCaching string      `json:"hostCaching,omitempty"`
	Source      *diskSource `json:"source,omitempty"`
}

// dataDiskImage is GalleryDataDiskImage.
type dataDiskImage struct {
	Lun         *int32      `json:"lun,omitempty"`
	SizeInGB    *int32      `json:"sizeInGB,omitempty"`
	HostCaching string      `json:"hostCaching,omitempty"`
	Source      *diskSource `json:"source,omitempty"`
}

// versionStorageProfile is GalleryImageVersionStorageProfile.
type versionStorageProfile struct {
	Source         *versionSource  `json:"source,omitempty"`
	OSDiskImage    *diskImage      `json:"osDiskImage,omitempty"`
	DataDiskImages []dataDiskImage `json:"dataDiskImages,omitempty"`
}

// targetRegion is TargetRegion.
type targetRegion struct {
	Name                  string           `json:"name"`
	RegionalReplicaCount  *int32           `json:"regionalReplicaCount,omitempty"`
	StorageAccountType    string           `json:"storageAccountType,omitempty"`
	Encryption            map[string]any   `json:"encryption,omitempty"`
	ExcludeFromLatest     *bool            `json:"excludeFromLatest,omitempty"`
	AdditionalReplicaSets []map[string]any `json:"additionalReplicaSets,omitempty"`
}

// versionPublishingProfile is GalleryImageVersionPublishingProfile.
type versionPublishingProfile struct {
	TargetRegions           []targetRegion   `json:"targetRegions,omitempty"`
	ReplicaCount            *int32           `json:"replicaCount,omitempty"`
	ExcludeFromLatest       *bool            `json:"excludeFromLatest,omitempty"`
	PublishedDate           string           `json:"publishedDate,omitempty"`
	EndOfLifeDate           string           `json:"endOfLifeDate,omitempty"`
	StorageAccountType      string           `json:"storageAccountType,omitempty"`
	ReplicationMode         string           `json:"replicationMode,omitempty"`
	TargetExtendedLocations []map[string]any `json:"targetExtendedLocations,omitempty"`
}

// versionSafetyProfile is GalleryImageVersionSafetyProfile.
type versionSafetyProfile struct {
	AllowDeletionOfReplicatedLocations *bool            `json:"allowDeletionOfReplicatedLocations,omitempty"`
	ReportedForPolicyViolation         *bool            `json:"reportedForPolicyViolation,omitempty"`
	PolicyViolations                   []map[string]any `json:"policyViolations,omitempty"`
	BlockDeletionBeforeEndOfLife       *bool            `json:"blockDeletionBeforeEndOfLife,omitempty"`
}

// versionProperties is GalleryImageVersionProperties without the read-only
// provisioningState, replicationStatus and validationsProfile.
type versionProperties struct {
	PublishingProfile *versionPublishingProfile `json:"publishingProfile,omitempty"`
	StorageProfile    *versionStorageProfile    `json:"storageProfile,omitempty"`
	SafetyProfile     *versionSafetyProfile     `json:"safetyProfile,omitempty"`
	SecurityProfile   map[string]any            `json:"securityProfile,omitempty"`

	// storageRequested carries the storage profile as requested from
	// checkVersionWriteLocked to replicateLocked.
	storageRequested *versionStorageProfile
}

// regionReplication is the replication of a version to one target region:
// Replicating from start to end, then Completed (or Failed with failure).
type regionReplication struct {
	canon      string
	start, end time.Time
	failure    *apiError
}

// versionData is an image version's stored state.
type versionData struct {
	props   versionProperties     // as returned (defaults and derived disk sizes applied)
	storage versionStorageProfile // the storage profile as requested (for change detection)
	regions map[string]*regionReplication
}

// Enum values of the image version API.
var (
	storageAccountTypes = []string{"Standard_LRS", "Standard_ZRS", "Premium_LRS", "PremiumV2_LRS"}
	replicationModes    = []string{"Full", "Shallow"}
	hostCachings        = []string{"None", "ReadOnly", "ReadWrite"}
)

// verParam is the message/target path of a version property.
func verParam(name string) string { return "galleryImageVersion.properties." + name }

// verInvalid is a 400 InvalidParameter for a version property.
func verInvalid(name, format string, args ...any) *apiError {
	return errf(http.StatusBadRequest, "InvalidParameter", format, args...).withTarget(verParam(name))
}

// verMissing is the 400 for a missing required version property.
func verMissing(name string) *apiError {
	return verInvalid(name, "Required parameter '%s' is missing (null).", verParam(name))
}

// verEnum canonicalizes an optional enum property.
func verEnum(name string, v *string, allowed []string) *apiError {
	if *v == "" {
		return nil
	}
	c, ok := canonicalEnum(*v, allowed)
	if !ok {
		return verInvalid(name, "The value '%s' of parameter '%s' is invalid. Allowed values are: %s.", *v, verParam(name),
			strings.Join(allowed, ", "))
	}
	*v = c
	return nil
}

// versionPropertyChange is the 409 for changing a property of an image
// version that cannot change.
func versionPropertyChange(name string) *apiError {
	target := verParam(name)
	if name == "location" {
		target = "galleryImageVersion.location"
	}
	return errf(http.StatusConflict, "PropertyChangeNotAllowed", "Changing property '%s' is not allowed.", target).
		withTarget(target)
}

// versionNamePattern is Major.Minor.Patch with int32 parts.
var versionNamePattern = regexp.MustCompile(`^\d{1,10}\.\d{1,10}\.\d{1,10}$`)

// versionNameOK validates an image version name.
func versionNameOK(n string) bool {
	if !versionNamePattern.MatchString(n) {
		return false
	}
	for _, p := range strings.Split(n, ".") {
		if v, err := strconv.ParseInt(p, 10, 64); err != nil || v > 2147483647 {
			return false
		}
	}
	return true
}

// i32 returns a pointer to v.
func i32(v int32) *int32 { return &v }

// boolp returns a pointer to v.
func boolp(v bool) *bool { return &v }

// normalizeVersion validates the request-only rules of a version body and
// applies Azure's defaults: replicaCount 1, storageAccountType Standard_LRS,
// one target region (the version's location) when none is given, each
// region's regionalReplicaCount/storageAccountType/excludeFromLatest, and
// the safety profile flags. loc is the canonical location.
//
// shownLoc is the location as the request wrote it, for messages.
func normalizeVersion(p *versionProperties, loc, shownLoc string) *apiError {
	if p.StorageProfile == nil {
		return verMissing("storageProfile")
	}
	sp := p.StorageProfile
	if sp.Source != nil && *sp.Source == (versionSource{}) {
		sp.Source = nil
	}
	if o := sp.OSDiskImage; o != nil {
		o.SizeInGB = nil
		if e := verEnum("storageProfile.osDiskImage.hostCaching", &o.HostCaching, hostCachings); e != nil {
			return e
		}
		if o.Source != nil && *o.Source == (diskSource{}) {
			o.Source = nil
		}
	}
	seen := map[int32]bool{}
	for i := range sp.DataDiskImages {
		d := &sp.DataDiskImages[i]
		d.SizeInGB = nil
		name := fmt.Sprintf("storageProfile.dataDiskImages[%d]", i)
		if d.Lun == nil {
			return verMissing(name + ".lun")
		}
		if seen[*d.Lun] {
			return verInvalid(name+".lun", "The logical unit number %d of data disk images is used more than once.", *d.Lun)
		}
		seen[*d.Lun] = true
		if e := verEnum(name+".hostCaching", &d.HostCaching, hostCachings); e != nil {
			return e
		}
	}
	if p.PublishingProfile == nil {
		p.PublishingProfile = &versionPublishingProfile{}
	}
	pp := p.PublishingProfile
	pp.PublishedDate = ""
	if pp.ExcludeFromLatest == nil {
		pp.ExcludeFromLatest = boolp(false) // Azure returns the default (recorded by the Python SDK)
	}
	if pp.ReplicaCount == nil {
		pp.ReplicaCount = i32(1)
	}
	if e := replicaCountOK("publishingProfile.replicaCount", *pp.ReplicaCount); e != nil {
		return e
	}
	if pp.StorageAccountType == "" {
		pp.StorageAccountType = "Standard_LRS"
	}
	if e := verEnum("publishingProfile.storageAccountType", &pp.StorageAccountType, storageAccountTypes); e != nil {
		return e
	}
	if e := verEnum("publishingProfile.replicationMode", &pp.ReplicationMode, replicationModes); e != nil {
		return e
	}
	if pp.EndOfLifeDate != "" {
		t, err := parseDate(pp.EndOfLifeDate)
		if err != nil {
			return verInvalid("publishingProfile.endOfLifeDate", "The value '%s' of parameter '%s' is not a valid date-time.",
				pp.EndOfLifeDate, verParam("publishingProfile.endOfLifeDate"))
		}
		pp.EndOfLifeDate = t.UTC().Format(time.RFC3339)
	}
	if len(pp.TargetRegions) == 0 {
		pp.TargetRegions = []targetRegion{{Name: loc}}
	}
	names := map[string]bool{}
	var display []string
	for i := range pp.TargetRegions {
		r := &pp.TargetRegions[i]
		name := fmt.Sprintf("publishingProfile.targetRegions[%d]", i)
		if strings.TrimSpace(r.Name) == "" {
			return verMissing(name + ".name")
		}
		c, e := checkLocation(r.Name, "Microsoft.Compute/galleries/images/versions")
		if e != nil {
			return e.withTarget(verParam(name + ".name"))
		}
		if names[c] {
			return verInvalid("publishingProfile.targetRegions", "Duplicate regions are not allowed in target publishing regions.")
		}
		names[c] = true
		display = append(display, r.Name)
		r.Name = displayLocation(c) // Azure returns target regions by display name
		if r.RegionalReplicaCount == nil {
			r.RegionalReplicaCount = i32(*pp.ReplicaCount)
		}
		if e := replicaCountOK(name+".regionalReplicaCount", *r.RegionalReplicaCount); e != nil {
			return e
		}
		if r.StorageAccountType == "" {
			r.StorageAccountType = pp.StorageAccountType
		}
		if e := verEnum(name+".storageAccountType", &r.StorageAccountType, storageAccountTypes); e != nil {
			return e
		}
		if r.ExcludeFromLatest == nil {
			r.ExcludeFromLatest = boolp(false)
		}
	}
	if !names[loc] {
		return verInvalid("publishingProfile.targetRegions",
			"Gallery image version publishing profile regions '%s' must contain the location of image version '%s'.",
			strings.Join(display, ", "), shownLoc)
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

// maxReplicas is the documented limit of replicas per image version and
// region (Azure Compute Gallery limits: "100 replicas per image version").
const maxReplicas = 100

// replicaCountOK checks a replica count: 1 to maxReplicas. Azure names the
// parameter galleryArtifactVersion.properties.publishingProfile... without
// an index and calls it "out of range" (quoted in
// hashicorp/terraform-provider-azurerm#12332).
func replicaCountOK(name string, n int32) *apiError {
	if n < 1 || n > maxReplicas {
		if i := strings.Index(name, "["); i >= 0 {
			name = name[:i] + name[strings.Index(name, "]")+1:]
		}
		param := "galleryArtifactVersion.properties." + name
		return errf(http.StatusBadRequest, "InvalidParameter",
			"The value %d of parameter '%s' is out of range. The value must be between 1 and %d, inclusive.",
			n, param, maxReplicas).withTarget(param)
	}
	return nil
}

// hasSource reports whether the storage profile names any source.
func (sp *versionStorageProfile) hasSource() bool {
	if sp == nil {
		return false
	}
	return sp.Source != nil || (sp.OSDiskImage != nil && !sp.OSDiskImage.Source.empty())
}

// sourceChange returns the 409 for a change of the version's sources or of
// its data disk LUNs between old and upd (both as requested).
func sourceChange(old, upd *versionStorageProfile) *apiError {
	os, us := old.Source, upd.Source
	if os == nil {
		os = &versionSource{}
	}
	if us == nil {
		us = &versionSource{}
	}
	switch {
	case !strings.EqualFold(os.ID, us.ID):
		return versionPropertyChange("storageProfile.source.id")
	case !strings.EqualFold(os.VirtualMachineID, us.VirtualMachineID):
		return versionPropertyChange("storageProfile.source.virtualMachineId")
	case !strings.EqualFold(os.CommunityGalleryImageID, us.CommunityGalleryImageID):
		return versionPropertyChange("storageProfile.source.communityGalleryImageId")
	}
	diskSrc := func(d *diskImage) diskSource {
		if d == nil || d.Source == nil {
			return diskSource{}
		}
		return *d.Source
	}
	od, ud := diskSrc(old.OSDiskImage), diskSrc(upd.OSDiskImage)
	if !strings.EqualFold(od.ID, ud.ID) || od.URI != ud.URI {
		return versionPropertyChange("storageProfile.osDiskImage.source")
	}
	luns := func(sp *versionStorageProfile) map[int32]diskSource {
		m := map[int32]diskSource{}
		for _, d := range sp.DataDiskImages {
			var src diskSource
			if d.Source != nil {
				src = *d.Source
			}
			m[*d.Lun] = src
		}
		return m
	}
	ol, ul := luns(old), luns(upd)
	if len(ol) != len(ul) {
		return versionPropertyChange("storageProfile.dataDiskImages")
	}
	for lun, src := range ol {
		n, ok := ul[lun]
		if !ok {
			return versionPropertyChange("storageProfile.dataDiskImages")
		}
		if !strings.EqualFold(src.ID, n.ID) || src.URI != n.URI {
			return versionPropertyChange(fmt.Sprintf("storageProfile.dataDiskImages[lun=%d].source", lun))
		}
	}
	return nil
}

// parseResourceID splits an ARM id into subscription, resource group and the
// type/name pairs after the provider namespace (lowercased types).
func parseResourceID(id string) (sub, rg, namespace string, pairs [][2]string, ok bool) {
	segs := strings.Split(strings.Trim(id, "/"), "/")
	if len(segs) < 6 || !strings.EqualFold(segs[0], "subscriptions") || !strings.EqualFold(segs[2], "resourceGroups") ||
		!strings.EqualFold(segs[4], "providers") || len(segs)%2 != 0 {
		return "", "", "", nil, false
	}
	sub, rg, namespace = segs[1], segs[3], segs[5]
	for i := 6; i+1 < len(segs); i += 2 {
		pairs = append(pairs, [2]string{strings.ToLower(segs[i]), segs[i+1]})
	}
	return sub, rg, namespace, pairs, len(pairs) > 0
}

// lookupSourceLocked resolves a source resource id to its node. allowed
// lists the accepted types ("images", "snapshots", "disks", "versions").
// Unknown types give 400 InvalidParameter, missing resources 404 NotFound.
func (s *Server) lookupSourceLocked(id, param string, allowed ...string) (*node, *apiError) {
	sub, rg, ns, pairs, ok := parseResourceID(id)
	typ := ""
	if ok && strings.EqualFold(ns, "Microsoft.Compute") {
		switch {
		case len(pairs) == 1:
			typ = pairs[0][0]
		case len(pairs) == 3 && pairs[0][0] == "galleries" && pairs[1][0] == "images" && pairs[2][0] == "versions":
			typ = "versions"
		}
	}
	if typ == "" || !slices.Contains(allowed, typ) {
		return nil, verInvalid(param, "The source id '%s' of parameter '%s' is invalid: it must be the resource id of a %s.",
			id, verParam(param), strings.Join(sourceLabels(allowed), " or "))
	}
	var typePath string
	for _, p := range pairs {
		typePath += "/" + p[0] + "/" + p[1]
	}
	missing := notFound("ResourceNotFound", "Microsoft.Compute"+typePath, rg).withTarget(verParam(param))
	root := s.roots[strings.ToLower(sub)]
	if root == nil {
		return nil, missing
	}
	n := s.childLocked(root, rg)
	if n == nil {
		return nil, missing
	}
	if typ != "versions" {
		n = s.childLocked(n, childKey(typ, pairs[0][1]))
	} else {
		for _, p := range pairs {
			if n = s.childLocked(n, p[1]); n == nil {
				break
			}
		}
	}
	if n == nil {
		return nil, missing
	}
	return n, nil
}

// sourceLabels names source types for messages.
func sourceLabels(types []string) []string {
	labels := map[string]string{"images": "managed image", "snapshots": "snapshot", "disks": "managed disk",
		"versions": "gallery image version"}
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = labels[t]
	}
	return out
}

// diskSizeOf returns the size in GB a source node reports for its OS disk
// (data disk lun when lun >= 0), or 0.
func diskSizeOf(n *node, lun int32) int32 {
	num := func(v any) int32 {
		f, _ := v.(float64)
		return int32(f)
	}
	switch {
	case n.kind == kindSource && n.srcType != "images":
		return num(n.props["diskSizeGB"])
	case n.kind == kindSource:
		sp, _ := n.props["storageProfile"].(map[string]any)
		if lun < 0 {
			od, _ := sp["osDisk"].(map[string]any)
			return num(od["diskSizeGB"])
		}
		dds, _ := sp["dataDisks"].([]any)
		for _, d := range dds {
			dm, _ := d.(map[string]any)
			if l, ok := dm["lun"].(float64); ok && int32(l) == lun {
				return num(dm["diskSizeGB"])
			}
		}
	case n.kind == kindVersion && n.ver != nil:
		sp := n.ver.props.StorageProfile
		if lun < 0 && sp.OSDiskImage != nil && sp.OSDiskImage.SizeInGB != nil {
			return *sp.OSDiskImage.SizeInGB
		}
		for _, d := range sp.DataDiskImages {
			if lun >= 0 && *d.Lun == lun && d.SizeInGB != nil {
				return *d.SizeInGB
			}
		}
	}
	return 0
}

// defaultDiskSizeGB is the size reported when a source does not tell.
const defaultDiskSizeGB = 30

// resolveStorageLocked checks that the requested sources exist and returns
// the storage profile Azure reports: osDiskImage and dataDiskImages with
// sizeInGB and hostCaching (taken from a managed image or image version
// source when the request does not list disks). A virtual machine, a
// community gallery image and a VHD uri are accepted without checks (not
// emulated).
func (s *Server) resolveStorageLocked(req *versionStorageProfile, loc string) (*versionStorageProfile, *apiError) {
	sameRegion := func(n *node, param string) *apiError {
		if n.location == loc {
			return nil
		}
		return verInvalid(param, "The source '%s' is in region '%s', but the gallery image version is in '%s'. "+
			"The source must be in the region of the image version.", n.id(), n.location, loc)
	}
	out := &versionStorageProfile{}
	b, _ := json.Marshal(req)
	_ = json.Unmarshal(b, out)
	var whole *node      // a managed image or image version source
	var diskSourced bool // the OS disk is a snapshot or managed disk
	if src := req.Source; src != nil && src.ID != "" {
		n, e := s.lookupSourceLocked(src.ID, "storageProfile.source.id", "images", "snapshots", "disks", "versions")
		if e == nil && n.kind == kindSource {
			e = sameRegion(n, "storageProfile.source.id")
		}
		if e != nil {
			return nil, e
		}
		if n.kind == kindVersion || n.srcType == "images" {
			whole = n
		} else if out.OSDiskImage == nil || out.OSDiskImage.Source.empty() {
			// A snapshot or disk as the source is the OS disk.
			if out.OSDiskImage == nil {
				out.OSDiskImage = &diskImage{}
			}
			out.OSDiskImage.SizeInGB = i32(diskSizeOf(n, -1))
			diskSourced = true
		}
	}
	if o := out.OSDiskImage; o != nil && o.Source != nil && o.Source.ID != "" {
		n, e := s.lookupSourceLocked(o.Source.ID, "storageProfile.osDiskImage.source.id", "snapshots", "disks")
		if e == nil {
			e = sameRegion(n, "storageProfile.osDiskImage.source.id")
		}
		if e != nil {
			return nil, e
		}
		o.SizeInGB = i32(diskSizeOf(n, -1))
		diskSourced = true
	}
	for i := range out.DataDiskImages {
		d := &out.DataDiskImages[i]
		if d.Source != nil && d.Source.ID != "" {
			param := fmt.Sprintf("storageProfile.dataDiskImages[%d].source.id", i)
			n, e := s.lookupSourceLocked(d.Source.ID, param, "snapshots", "disks")
			if e == nil {
				e = sameRegion(n, param)
			}
			if e != nil {
				return nil, e
			}
			d.SizeInGB = i32(diskSizeOf(n, -1))
		} else if whole != nil {
			d.SizeInGB = i32(diskSizeOf(whole, *d.Lun))
		}
	}
	if whole != nil {
		if out.OSDiskImage == nil {
			out.OSDiskImage = &diskImage{}
		}
		if out.OSDiskImage.SizeInGB == nil {
			out.OSDiskImage.SizeInGB = i32(diskSizeOf(whole, -1))
		}
		if out.OSDiskImage.HostCaching == "" {
			out.OSDiskImage.HostCaching = osCachingOf(whole)
		}
		if len(out.DataDiskImages) == 0 {
			out.DataDiskImages = wholeDataDisks(whole)
		}
	}
	if out.OSDiskImage == nil {
		out.OSDiskImage = &diskImage{}
	}
	// A VHD's size is not known (Azure's VHD examples report none); other
	// sources without a size report the default.
	isVHD := func(src *diskSource) bool { return src != nil && src.ID == "" && src.URI != "" }
	if (out.OSDiskImage.SizeInGB == nil || *out.OSDiskImage.SizeInGB == 0) && !isVHD(out.OSDiskImage.Source) {
		out.OSDiskImage.SizeInGB = i32(defaultDiskSizeGB)
	}
	defaultHostCaching(out, diskSourced)
	for i := range out.DataDiskImages {
		d := &out.DataDiskImages[i]
		if (d.SizeInGB == nil || *d.SizeInGB == 0) && !isVHD(d.Source) {
			d.SizeInGB = i32(defaultDiskSizeGB)
		}
	}
	return out, nil
}

// defaultHostCaching fills the host caching Azure reports when none is sent:
// from snapshots or disks ReadWrite for the OS disk and ReadOnly for data
// disks (issue "Azure as it really answers", from recordings), otherwise
// ReadOnly for the OS disk and None for data disks.
func defaultHostCaching(sp *versionStorageProfile, diskSourced bool) {
	osCaching, dataCaching := "ReadOnly", "None"
	if diskSourced {
		osCaching = "ReadWrite"
	}
	if sp.OSDiskImage.HostCaching == "" {
		sp.OSDiskImage.HostCaching = osCaching
	}
	for i := range sp.DataDiskImages {
		d := &sp.DataDiskImages[i]
		if d.HostCaching != "" {
			continue
		}
		d.HostCaching = dataCaching
		if d.Source != nil && d.Source.ID != "" {
			d.HostCaching = "ReadOnly"
		}
	}
}

// osCachingOf is the OS disk caching of a managed image (storageProfile.osDisk.caching) or
// image version source, "" when it has none: Azure reports it as the version's OS disk
// hostCaching (recorded by the az CLI: a managed image with caching ReadWrite).
func osCachingOf(n *node) string {
	if n.kind == kindVersion && n.ver != nil {
		if o := n.ver.props.StorageProfile.OSDiskImage; o != nil {
			return o.HostCaching
		}
		return ""
	}
	sp, _ := n.props["storageProfile"].(map[string]any)
	od, _ := sp["osDisk"].(map[string]any)
	caching, _ := od["caching"].(string)
	if c, ok := canonicalEnum(caching, hostCachings); ok {
		return c
	}
	return ""
}

// wholeDataDisks lists the data disks of a managed image or image version
// source.
func wholeDataDisks(n *node) []dataDiskImage {
	var out []dataDiskImage
	if n.kind == kindVersion && n.ver != nil {
		for _, d := range n.ver.props.StorageProfile.DataDiskImages {
			out = append(out, dataDiskImage{Lun: d.Lun, SizeInGB: d.SizeInGB, HostCaching: d.HostCaching})
		}
		return out
	}
	sp, _ := n.props["storageProfile"].(map[string]any)
	dds, _ := sp["dataDisks"].([]any)
	for _, d := range dds {
		dm, _ := d.(map[string]any)
		l, ok := dm["lun"].(float64)
		if !ok {
			continue
		}
		caching, _ := dm["caching"].(string)
		if c, ok := canonicalEnum(caching, hostCachings); ok {
			caching = c
		} else {
			caching = ""
		}
		size := int32(0)
		if f, ok := dm["diskSizeGB"].(float64); ok {
			size = int32(f)
		}
		out = append(out, dataDiskImage{Lun: i32(int32(l)), SizeInGB: i32(size), HostCaching: caching})
	}
	return out
}

// handleVersion serves a gallery image version.
func (s *Server) handleVersion(ar *armRequest) {
	switch ar.r.Method {
	case http.MethodGet:
		expand := false
		for _, x := range strings.Split(ar.r.URL.Query().Get("$expand"), ",") {
			expand = expand || strings.EqualFold(strings.TrimSpace(x), "ReplicationStatus")
		}
		s.mu.Lock()
		img, e := s.imageLocked(ar.rt, false)
		var m map[string]any
		if e == nil {
			if v := s.childLocked(img, ar.rt.ver); v != nil {
				m = s.renderExpandLocked(v, expand)
			} else {
				e = versionNotFound(ar.rt)
			}
		}
		s.mu.Unlock()
		if e != nil {
			writeError(ar.w, e)
			return
		}
		writeJSON(ar.w, http.StatusOK, m)
	case http.MethodPut, http.MethodPatch:
		s.putVersion(ar)
	case http.MethodDelete:
		s.deleteChild(ar, func() (*node, *apiError) { return s.imageLocked(ar.rt, true) }, ar.rt.ver, versionDeleteGuard)
	default:
		methodNotAllowed(ar)
	}
}

// versionNotFound is the 404 of a missing image version.
func versionNotFound(rt route) *apiError {
	return notFound("ResourceNotFound", "Microsoft.Compute/galleries/"+rt.gallery+"/images/"+rt.image+"/versions/"+rt.ver, rt.rg)
}

// versionDeleteGuard refuses to delete a version whose safety profile
// blocks deletion before its end-of-life date.
func versionDeleteGuard(n *node) *apiError {
	if n.ver == nil {
		return nil
	}
	sf, pp := n.ver.props.SafetyProfile, n.ver.props.PublishingProfile
	if sf == nil || sf.BlockDeletionBeforeEndOfLife == nil || !*sf.BlockDeletionBeforeEndOfLife || pp.EndOfLifeDate == "" {
		return nil
	}
	eol, err := parseDate(pp.EndOfLifeDate)
	if err != nil || !time.Now().Before(eol) {
		return nil
	}
	return errf(http.StatusConflict, "OperationNotAllowed",
		"Gallery image version '%s' cannot be deleted before its end of life date '%s' because "+
			"'safetyProfile.blockDeletionBeforeEndOfLife' is true.", n.name, pp.EndOfLifeDate)
}

// toVersionProperties converts a JSON map to versionProperties, dropping
// read-only and unsupported request properties.
func toVersionProperties(m map[string]any) (*versionProperties, *apiError) {
	for _, ro := range []string{"provisioningState", "replicationStatus", "validationsProfile", "restore"} {
		delete(m, ro)
	}
	b, _ := json.Marshal(m)
	var p versionProperties
	if e := decodeJSON(b, &p); e != nil {
		return nil, e
	}
	return &p, nil
}

// putVersion creates or replaces (PUT) or merges (PATCH) an image version and
// starts its long-running operation, which lasts until the target regions
// that need it are replicated.
func (s *Server) putVersion(ar *armRequest) {
	patch := ar.r.Method == http.MethodPatch
	b, e := readBody(ar.r)
	var req *imageRequest
	if e == nil {
		req, e = decodeImageRequest(b)
	}
	if e == nil {
		e = validateTags(req.tags)
	}
	if e == nil && !versionNameOK(ar.rt.ver) {
		e = errf(http.StatusBadRequest, "InvalidParameter",
			"The gallery image version name '%s' is invalid. It must be in the format Major(int32).Minor(int32).Patch(int32).",
			ar.rt.ver).withTarget("galleryImageVersionName")
	}
	var loc string
	if e == nil && !patch {
		loc, e = checkLocation(req.location, "Microsoft.Compute/galleries/images/versions")
	}
	if e == nil && !patch && req.props["storageProfile"] == nil {
		// Required by the spec; an update may send it empty to keep the source.
		e = verMissing("storageProfile")
	}
	if e != nil {
		writeError(ar.w, e)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	img, e := s.imageLocked(ar.rt, true)
	if e != nil {
		writeError(ar.w, e)
		return
	}
	v := s.childLocked(img, ar.rt.ver)
	switch {
	case v == nil && patch:
		writeError(ar.w, versionNotFound(ar.rt))
		return
	case v != nil && s.busyLocked(v):
		writeError(ar.w, conflictBusy(v, ar.r.Method))
		return
	case v != nil && !patch && v.location != loc:
		writeError(ar.w, versionPropertyChange("location"))
		return
	case v != nil:
		loc = v.location
	}
	raw := req.props
	if patch {
		cur, _ := json.Marshal(v.ver.requested())
		var m map[string]any
		_ = json.Unmarshal(cur, &m)
		raw = mergePatch(m, req.props)
	}
	props, e := toVersionProperties(raw)
	if e == nil {
		shown := loc
		if !patch && strings.TrimSpace(req.location) != "" {
			shown = req.location
		}
		e = s.checkVersionWriteLocked(ar, v, props, loc, shown)
	}
	if e != nil {
		writeError(ar.w, e)
		return
	}
	status := http.StatusOK
	if v == nil {
		v = newNode(kindVersion, ar.rt.ver, img)
		v.location = loc
		v.ver = &versionData{regions: map[string]*regionReplication{}}
		v.attach()
		v.state, status = "Creating", http.StatusCreated
		props.PublishingProfile.PublishedDate = time.Now().UTC().Format(time.RFC3339Nano)
	} else {
		v.state = "Updating"
		props.PublishingProfile.PublishedDate = v.ver.props.PublishingProfile.PublishedDate
	}
	if !patch || req.hasTags {
		v.tags = req.tags
	}
	until := s.replicateLocked(v, props)
	op := s.startOpUntilLocked(ar, v, false, until)
	if op.failure == nil {
		op.failure = v.ver.replicationFailure()
	}
	s.setAsyncHeaderLocked(ar, op)
	writeJSON(ar.w, status, s.renderLocked(v))
}

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

// checkVersionWriteLocked validates a version write against the request
// rules and the existing version (v, nil on create) and resolves its
// sources; on success props is normalized and its storage profile is the
// one Azure reports.
func (s *Server) checkVersionWriteLocked(ar *armRequest, v *node, props *versionProperties, loc, shownLoc string) *apiError {
	if v != nil && !props.StorageProfile.hasSource() {
		// An update may omit the source (GalleryImageVersion_Update_WithoutSourceId.json).
		st := v.ver.storage
		if props.StorageProfile != nil && props.StorageProfile.OSDiskImage != nil && st.OSDiskImage != nil {
			st.OSDiskImage.HostCaching = props.StorageProfile.OSDiskImage.HostCaching
		}
		props.StorageProfile = &st
	}
	if e := normalizeVersion(props, loc, shownLoc); e != nil {
		return e
	}
	if !props.StorageProfile.hasSource() {
		return verInvalid("storageProfile.source",
			"Required parameter '%s' is missing (null): specify 'storageProfile.source' (id, virtualMachineId or "+
				"communityGalleryImageId) or 'storageProfile.osDiskImage.source'.", verParam("storageProfile.source"))
	}
	pp := props.PublishingProfile
	if v != nil {
		old := v.ver.props.PublishingProfile
		if e := sourceChange(&v.ver.storage, props.StorageProfile); e != nil {
			return e
		}
		if mode := func(m string) string {
			if m == "" {
				return "Full"
			}
			return m
		}; mode(old.ReplicationMode) != mode(pp.ReplicationMode) {
			return versionPropertyChange("publishingProfile.replicationMode")
		}
		if old.StorageAccountType != pp.StorageAccountType {
			return versionPropertyChange("publishingProfile.storageAccountType")
		}
		now := time.Now()
		for _, or := range old.TargetRegions {
			c := canonicalLocation(or.Name)
			i := slices.IndexFunc(pp.TargetRegions, func(r targetRegion) bool { return canonicalLocation(r.Name) == c })
			if i >= 0 {
				if pp.TargetRegions[i].StorageAccountType != or.StorageAccountType {
					return versionPropertyChange(fmt.Sprintf("publishingProfile.targetRegions[%d].storageAccountType", i))
				}
				continue
			}
			rr := v.ver.regions[c]
			replicated := rr != nil && rr.failure == nil && !now.Before(rr.end)
			if replicated && !*props.SafetyProfile.AllowDeletionOfReplicatedLocations {
				return verInvalid("publishingProfile.targetRegions",
					"Removing the replicated region '%s' from the target regions of gallery image version '%s' is not "+
						"allowed unless '%s' is true.", or.Name, v.name, verParam("safetyProfile.allowDeletionOfReplicatedLocations"))
			}
		}
	}
	if pp.EndOfLifeDate != "" && (v == nil || v.ver.props.PublishingProfile.EndOfLifeDate != pp.EndOfLifeDate) {
		if t, _ := parseDate(pp.EndOfLifeDate); !t.After(time.Now()) {
			return verInvalid("publishingProfile.endOfLifeDate",
				"The end of life date '%s' of gallery image version '%s' must be in the future.", pp.EndOfLifeDate, ar.rt.ver)
		}
	}
	requested := *props.StorageProfile
	resolved, e := s.resolveStorageLocked(&requested, loc)
	if e != nil {
		return e
	}
	if v == nil {
		if used, limit := s.versionCountLocked(ar.rt.sub, loc), s.settings.ImageVersionQuota; used >= limit {
			return errf(http.StatusConflict, "QuotaExceeded",
				"Operation could not be completed as it results in exceeding approved Gallery Image Versions quota. "+
					"Additional details - Location: %s, Current Limit: %d, Current Usage: %d, Additional Required: 1, "+
					"(Minimum) New Limit Required: %d.", loc, limit, used, used+1)
		}
	}
	props.StorageProfile = resolved
	props.storageRequested = &requested
	return nil
}

// versionCountLocked counts the image versions of a subscription in a
// region.
func (s *Server) versionCountLocked(sub, loc string) int {
	n := 0
	for _, g := range s.rootLocked(sub).children {
		for _, gal := range g.children {
			if gal.kind != kindGallery {
				continue
			}
			for _, img := range gal.children {
				for _, v := range img.children {
					if v.location == loc {
						n++
					}
				}
			}
		}
	}
	return n
}

// replicateLocked installs props on v and schedules the replication of the
// target regions that need it (new ones and those that failed), one after
// the other, each taking replicationSecondsPerRegion; regions already
// replicated stay Completed, removed regions are dropped. It returns when
// the last replication ends.
func (s *Server) replicateLocked(v *node, props *versionProperties) time.Time {
	d := v.ver
	d.storage = *props.storageRequested
	props.storageRequested = nil
	d.props = *props
	now := time.Now()
	per := time.Duration(s.settings.ReplicationSecondsPerRegion * float64(time.Second))
	if per < 0 {
		per = 0
	}
	cursor := now
	next := map[string]*regionReplication{}
	for _, r := range d.props.PublishingProfile.TargetRegions {
		c := canonicalLocation(r.Name)
		if old := d.regions[c]; old != nil && old.failure == nil && !now.Before(old.end) {
			next[c] = old
			continue
		}
		rr := &regionReplication{canon: c, start: cursor, end: cursor.Add(per)}
		rr.failure = s.replicationFailureLocked(v.id(), c)
		cursor = rr.end
		next[c] = rr
	}
	d.regions = next
	return cursor
}

// replicationFailureLocked consumes a matching failReplication rule.
func (s *Server) replicationFailureLocked(path, region string) *apiError {
	rules := s.settings.FailReplication
	for i, f := range rules {
		if f.Region != "" && canonicalLocation(f.Region) != region {
			continue
		}
		if f.VersionPathPattern != "" {
			re, err := regexp.Compile("(?i)" + f.VersionPathPattern)
			if err != nil || !re.MatchString(path) {
				continue
			}
		}
		if f.Count > 0 {
			rules[i].Count--
			if rules[i].Count == 0 {
				s.settings.FailReplication = append(rules[:i:i], rules[i+1:]...)
			}
		}
		code, msg := f.Code, f.Message
		if code == "" {
			code = "ReplicationFailed"
		}
		if msg == "" {
			msg = "Replication to region '" + region + "' failed."
		}
		return &apiError{status: http.StatusInternalServerError, Code: code, Message: msg}
	}
	return nil
}

// replicationFailure returns the error of the first region set to fail.
func (d *versionData) replicationFailure() *apiError {
	for _, r := range d.props.PublishingProfile.TargetRegions {
		if rr := d.regions[canonicalLocation(r.Name)]; rr != nil && rr.failure != nil {
			return rr.failure
		}
	}
	return nil
}

// replicationStatus renders ReplicationStatus at now.
func (d *versionData) replicationStatus(now time.Time) map[string]any {
	var summary []any
	replicating, failed := false, false
	for _, r := range d.props.PublishingProfile.TargetRegions {
		rr := d.regions[canonicalLocation(r.Name)]
		st := map[string]any{"region": r.Name, "state": "Unknown", "details": "", "progress": 0}
		switch {
		case rr == nil:
		case now.Before(rr.end):
			replicating = true
			st["state"] = "Replicating"
			if total := rr.end.Sub(rr.start); total > 0 && now.After(rr.start) {
				st["progress"] = int(100 * now.Sub(rr.start) / total)
			}
		case rr.failure != nil:
			failed = true
			st["state"], st["details"] = "Failed", rr.failure.Code+": "+rr.failure.Message
		default:
			st["state"], st["progress"] = "Completed", 100
		}
		summary = append(summary, st)
	}
	agg := "Completed"
	switch {
	case len(summary) == 0:
		agg = "Unknown"
	case replicating:
		agg = "InProgress"
	case failed:
		agg = "Failed"
	}
	return map[string]any{"aggregatedState": agg, "summary": summary}
}

// renderVersionLocked returns a version's properties; expand adds
// replicationStatus ($expand=ReplicationStatus).
func (s *Server) renderVersionLocked(n *node, expand bool) map[string]any {
	b, _ := json.Marshal(n.ver.props)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	if m == nil {
		m = map[string]any{}
	}
	m["provisioningState"] = n.state
	if n.state == "Creating" {
		// While creating, Azure answers with the storage profile as requested; the disks it derives
		// (sizes, host caching, a managed image's disks) appear once the version is created
		// (recorded by the Python SDK and the az CLI).
		req := n.ver.requested()
		b, _ := json.Marshal(req.StorageProfile)
		var sp map[string]any
		_ = json.Unmarshal(b, &sp)
		m["storageProfile"] = sp
	}
	if expand {
		m["replicationStatus"] = n.ver.replicationStatus(time.Now())
	}
	return m
}

// handleVersionList lists an image's versions, PageSize at a time.
func (s *Server) handleVersionList(ar *armRequest) {
	if ar.r.Method != http.MethodGet {
		methodNotAllowed(ar)
		return
	}
	s.writePagedChildren(ar, func() (*node, *apiError) { return s.imageLocked(ar.rt, false) }, kindVersion)
}
