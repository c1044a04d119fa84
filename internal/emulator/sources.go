package emulator

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The image-version source types: managed images (Microsoft.Compute/images),
// snapshots and managed disks, each a row of the table (managedimages.go,
// snapshots.go, disks.go). They are minimal: a body is stored as sent
// (read-only properties dropped) with provisioningState and, for disks and
// snapshots, timeCreated, uniqueId and a default diskSizeGB.

// sourceOps are the write rules of a source type.
type sourceOps struct {
	// validate checks the required properties of a body.
	validate func(typ *resourceType, props map[string]any) *apiError
	// disk: the type is a disk or snapshot (diskData), otherwise a managed image.
	disk bool
	// diskState: the type reports diskState (managed disks).
	diskState bool
}

// sourceName returns the checkName of a source type whose body is called body.
func sourceName(body string) func(string) *apiError {
	return func(n string) *apiError {
		if nameRule(n, "-._") {
			return nil
		}
		param := body + "Name"
		return errf(http.StatusBadRequest, "InvalidParameter",
			"The entity name '%s' is invalid: it must be 1-80 letters, digits, underscores, periods or hyphens, start with "+
				"a letter or digit and not end with a period or hyphen.", param).withTarget(param)
	}
}

// checkRequest implements typeOps.
func (sourceOps) checkRequest(*write) *apiError { return nil }

// apply implements typeOps: the body (merged over the stored one for a PATCH) without its
// read-only properties, validated; disks and snapshots get a default size.
func (o sourceOps) apply(_ *Server, w *write) (resourceData, *apiError) {
	var current map[string]any
	if w.cur != nil {
		current = w.cur.data.(sourceProps).stored()
	}
	props := deepCopy(w.merged(current))
	for _, ro := range []string{"provisioningState", "timeCreated", "uniqueId", "diskState"} {
		delete(props, ro)
	}
	if e := o.validate(w.typ, props); e != nil {
		return nil, e
	}
	if !o.disk {
		return &managedImageData{props: props}, nil
	}
	if _, ok := props["diskSizeGB"]; !ok {
		props["diskSizeGB"] = float64(defaultDiskSizeGB)
	}
	return &diskData{props: props, diskState: o.diskState}, nil
}

// sourceProps is the data of a source type.
type sourceProps interface {
	stored() map[string]any
}

// missingSourceParam is the 400 for a missing required property of a source body.
func missingSourceParam(typ *resourceType, name string) *apiError {
	p := typ.body + ".properties." + name
	return errf(http.StatusBadRequest, "InvalidParameter", "Required parameter '%s' is missing (null).", p).withTarget(p)
}

// diskData is a snapshot's or managed disk's stored body.
type diskData struct {
	props     map[string]any
	diskState bool
}

// stored implements sourceProps.
func (d *diskData) stored() map[string]any { return d.props }

// diskSizeGB implements diskSized.
func (d *diskData) diskSizeGB() int32 { return jsonInt(d.props["diskSizeGB"]) }

// properties implements resourceData: the body with provisioningState and the read-only
// timeCreated and uniqueId (and a disk's diskState).
func (d *diskData) properties(_ *Server, n *node, _ url.Values) map[string]any {
	p := deepCopy(d.props)
	p["provisioningState"] = n.state
	p["timeCreated"] = n.created.Format(time.RFC3339Nano)
	p["uniqueId"] = deterministicGUID("unique:" + strings.ToLower(n.id()))
	if d.diskState {
		p["diskState"] = "Unattached"
	}
	return p
}

// jsonInt reads a JSON number as int32 (0 when absent).
func jsonInt(v any) int32 {
	f, _ := v.(float64)
	return int32(f)
}

// validateDiskBody checks a disk's or snapshot's required creationData.createOption.
func validateDiskBody(typ *resourceType, props map[string]any) *apiError {
	cd, _ := props["creationData"].(map[string]any)
	if cd == nil {
		return missingSourceParam(typ, "creationData")
	}
	if v, _ := cd["createOption"].(string); v == "" {
		return missingSourceParam(typ, "creationData.createOption")
	}
	return nil
}
