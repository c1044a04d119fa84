package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// The storage profile of an image version: its sources (a managed image, snapshots, managed disks,
// another image version, a VHD, a virtual machine or a community image), normalized and resolved
// against the emulated sources.

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

// hostCachings are the host caching values of version disks.
var hostCachings = []string{"None", "ReadOnly", "ReadWrite"}

// normalizeStorage validates the request-only rules of a storage profile: host caching enums,
// data disk LUNs (required, unique); read-only sizes are dropped.
func normalizeStorage(sp *versionStorageProfile) *apiError {
	if sp == nil {
		return missingProp(imageVersionType, "storageProfile")
	}
	if sp.Source != nil && *sp.Source == (versionSource{}) {
		sp.Source = nil
	}
	if o := sp.OSDiskImage; o != nil {
		o.SizeInGB = nil
		if e := enumProp(imageVersionType, "storageProfile.osDiskImage.hostCaching", &o.HostCaching, hostCachings); e != nil {
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
			return missingProp(imageVersionType, name+".lun")
		}
		if seen[*d.Lun] {
			return invalidProp(imageVersionType, name+".lun", "The logical unit number %d of data disk images is used more than once.", *d.Lun)
		}
		seen[*d.Lun] = true
		if e := enumProp(imageVersionType, name+".hostCaching", &d.HostCaching, hostCachings); e != nil {
			return e
		}
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
		return propertyChange(imageVersionType, "storageProfile.source.id")
	case !strings.EqualFold(os.VirtualMachineID, us.VirtualMachineID):
		return propertyChange(imageVersionType, "storageProfile.source.virtualMachineId")
	case !strings.EqualFold(os.CommunityGalleryImageID, us.CommunityGalleryImageID):
		return propertyChange(imageVersionType, "storageProfile.source.communityGalleryImageId")
	}
	diskSrc := func(d *diskImage) diskSource {
		if d == nil || d.Source == nil {
			return diskSource{}
		}
		return *d.Source
	}
	od, ud := diskSrc(old.OSDiskImage), diskSrc(upd.OSDiskImage)
	if !strings.EqualFold(od.ID, ud.ID) || od.URI != ud.URI {
		return propertyChange(imageVersionType, "storageProfile.osDiskImage.source")
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
		return propertyChange(imageVersionType, "storageProfile.dataDiskImages")
	}
	for lun, src := range ol {
		n, ok := ul[lun]
		if !ok {
			return propertyChange(imageVersionType, "storageProfile.dataDiskImages")
		}
		if !strings.EqualFold(src.ID, n.ID) || src.URI != n.URI {
			return propertyChange(imageVersionType, fmt.Sprintf("storageProfile.dataDiskImages[lun=%d].source", lun))
		}
	}
	return nil
}

// keepSource returns the stored storage profile for an update that names no source, with the OS
// disk's host caching of the update (upd may be nil).
func (sp versionStorageProfile) keepSource(upd *versionStorageProfile) *versionStorageProfile {
	out := &versionStorageProfile{}
	b, _ := json.Marshal(sp)
	_ = json.Unmarshal(b, out)
	if upd != nil && upd.OSDiskImage != nil && out.OSDiskImage != nil {
		out.OSDiskImage.HostCaching = upd.OSDiskImage.HostCaching
	}
	return out
}

// wholeSource is the data of a source that brings a whole image (OS and data disks): a managed
// image or an image version.
type wholeSource interface {
	// osDisk returns the OS disk's size in GB (0 when unknown) and host caching ("" when none).
	osDisk() (int32, string)
	// dataDisks lists the data disks with their sizes and host caching.
	dataDisks() []dataDiskImage
}

// diskSized is the data of a source that is one disk: a snapshot or a managed disk.
type diskSized interface {
	diskSizeGB() int32
}

// osDisk implements wholeSource.
func (d *versionData) osDisk() (int32, string) {
	o := d.props.StorageProfile.OSDiskImage
	if o == nil {
		return 0, ""
	}
	size := int32(0)
	if o.SizeInGB != nil {
		size = *o.SizeInGB
	}
	return size, o.HostCaching
}

// dataDisks implements wholeSource.
func (d *versionData) dataDisks() []dataDiskImage {
	var out []dataDiskImage
	for _, dd := range d.props.StorageProfile.DataDiskImages {
		out = append(out, dataDiskImage{Lun: dd.Lun, SizeInGB: dd.SizeInGB, HostCaching: dd.HostCaching})
	}
	return out
}

// lookupSourceLocked resolves a source resource id to its node. allowed lists the accepted types.
// Other ids give 400 InvalidParameter, missing resources 404 ResourceNotFound.
func (s *Server) lookupSourceLocked(id, name string, allowed ...*resourceType) (*node, *apiError) {
	rt, e := parseRoute(id)
	if e != nil || rt.list || rt.action != "" || !slices.Contains(allowed, rt.typ) {
		var labels []string
		for _, t := range allowed {
			labels = append(labels, t.label)
		}
		return nil, invalidProp(imageVersionType, name, "The source id '%s' of parameter '%s' is invalid: it must be the "+
			"resource id of a %s.", id, propPath(imageVersionType, name), strings.Join(labels, " or "))
	}
	parent, e := s.parentLocked(rt, false)
	var n *node
	if e == nil {
		n = s.childLocked(parent, childKey(rt.typ, rt.name()))
	}
	if n == nil { // the message as Microsoft's troubleshooting page for shared images quotes it; the code is a guess
		return nil, errf(http.StatusNotFound, "ResourceNotFound", "Source %s is not found. Please check source exists, "+
			"and is in the same region as gallery image version being created.", id).withTarget(propPath(imageVersionType, name))
	}
	return n, nil
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
	r := storageResolution{s: s, loc: loc, out: req.keepSource(nil)}
	if e := r.source(req.Source); e != nil {
		return nil, e
	}
	if e := r.osDiskSource(); e != nil {
		return nil, e
	}
	if e := r.dataDiskSources(); e != nil {
		return nil, e
	}
	r.fromWhole()
	r.defaults()
	return r.out, nil
}

// storageResolution is the state of resolveStorageLocked.
type storageResolution struct {
	s           *Server
	loc         string
	out         *versionStorageProfile
	whole       wholeSource // a managed image or image version source
	diskSourced bool        // the OS disk is a snapshot or managed disk
}

// lookup finds a source of the allowed types in the version's region.
func (r *storageResolution) lookup(id, name string, allowed ...*resourceType) (*node, *apiError) {
	n, e := r.s.lookupSourceLocked(id, name, allowed...)
	if e != nil {
		return nil, e
	}
	if n.typ != imageVersionType && n.location != r.loc {
		return nil, invalidProp(imageVersionType, name, "The source '%s' is in region '%s', but the gallery image version "+
			"is in '%s'. The source must be in the region of the image version.", n.id(), n.location, r.loc)
	}
	return n, nil
}

// source resolves storageProfile.source.id: a managed image or image version is a whole image, a
// snapshot or disk is the OS disk.
func (r *storageResolution) source(src *versionSource) *apiError {
	if src == nil || src.ID == "" {
		return nil
	}
	n, e := r.lookup(src.ID, "storageProfile.source.id", managedImageType, snapshotType, diskType, imageVersionType)
	if e != nil {
		return e
	}
	if w, ok := n.data.(wholeSource); ok {
		r.whole = w
		return nil
	}
	if r.out.OSDiskImage == nil {
		r.out.OSDiskImage = &diskImage{}
	}
	if r.out.OSDiskImage.Source.empty() {
		r.out.OSDiskImage.SizeInGB = i32(n.data.(diskSized).diskSizeGB())
		r.diskSourced = true
	}
	return nil
}

// osDiskSource resolves storageProfile.osDiskImage.source.id (a snapshot or disk).
func (r *storageResolution) osDiskSource() *apiError {
	o := r.out.OSDiskImage
	if o == nil || o.Source == nil || o.Source.ID == "" {
		return nil
	}
	n, e := r.lookup(o.Source.ID, "storageProfile.osDiskImage.source.id", snapshotType, diskType)
	if e != nil {
		return e
	}
	o.SizeInGB = i32(n.data.(diskSized).diskSizeGB())
	r.diskSourced = true
	return nil
}

// dataDiskSources resolves the data disks' sources (snapshots or disks), or takes their sizes from
// a whole-image source.
func (r *storageResolution) dataDiskSources() *apiError {
	for i := range r.out.DataDiskImages {
		d := &r.out.DataDiskImages[i]
		if d.Source == nil || d.Source.ID == "" {
			if r.whole != nil {
				d.SizeInGB = i32(dataDiskSize(r.whole, *d.Lun))
			}
			continue
		}
		n, e := r.lookup(d.Source.ID, fmt.Sprintf("storageProfile.dataDiskImages[%d].source.id", i), snapshotType, diskType)
		if e != nil {
			return e
		}
		d.SizeInGB = i32(n.data.(diskSized).diskSizeGB())
	}
	return nil
}

// dataDiskSize is the size of a whole image's data disk lun, or 0.
func dataDiskSize(w wholeSource, lun int32) int32 {
	for _, d := range w.dataDisks() {
		if *d.Lun == lun && d.SizeInGB != nil {
			return *d.SizeInGB
		}
	}
	return 0
}

// fromWhole fills the OS disk and, when the request lists none, the data disks from a whole-image
// source.
func (r *storageResolution) fromWhole() {
	if r.whole == nil {
		return
	}
	if r.out.OSDiskImage == nil {
		r.out.OSDiskImage = &diskImage{}
	}
	size, caching := r.whole.osDisk()
	if r.out.OSDiskImage.SizeInGB == nil {
		r.out.OSDiskImage.SizeInGB = i32(size)
	}
	if r.out.OSDiskImage.HostCaching == "" {
		r.out.OSDiskImage.HostCaching = caching
	}
	if len(r.out.DataDiskImages) == 0 {
		r.out.DataDiskImages = r.whole.dataDisks()
	}
}

// defaults fills the sizes and host caching Azure reports when nothing tells them. A VHD's size
// is not known (Azure's VHD examples report none); other sources without a size report the
// default.
func (r *storageResolution) defaults() {
	out := r.out
	if out.OSDiskImage == nil {
		out.OSDiskImage = &diskImage{}
	}
	isVHD := func(src *diskSource) bool { return src != nil && src.ID == "" && src.URI != "" }
	if (out.OSDiskImage.SizeInGB == nil || *out.OSDiskImage.SizeInGB == 0) && !isVHD(out.OSDiskImage.Source) {
		out.OSDiskImage.SizeInGB = i32(defaultDiskSizeGB)
	}
	defaultHostCaching(out, r.diskSourced)
	for i := range out.DataDiskImages {
		d := &out.DataDiskImages[i]
		if (d.SizeInGB == nil || *d.SizeInGB == 0) && !isVHD(d.Source) {
			d.SizeInGB = i32(defaultDiskSizeGB)
		}
	}
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
