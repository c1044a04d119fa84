package emulator

import (
	"net/url"
)

// managedImageType is Microsoft.Compute/images, a managed image, an image version source. Writes
// carry Azure-AsyncOperation and Location.
var managedImageType = &resourceType{
	namespace: computeNamespace, name: "images", segment: "images", parent: groupType,
	label: "managed image", body: "image", noun: "Image",
	apiVersions: []string{"2023-09-01", "2024-03-01", "2024-07-01", "2024-11-01", "2025-04-01"},
	checkName:   sourceName("image"), lro: lroMode{location: true},
	ops: sourceOps{validate: validateManagedImage},
}

// managedImageData is a managed image's stored body.
type managedImageData struct {
	props map[string]any
}

// stored implements sourceProps.
func (d *managedImageData) stored() map[string]any { return d.props }

// properties implements resourceData.
func (d *managedImageData) properties(_ *Server, n *node, _ url.Values) map[string]any {
	p := deepCopy(d.props)
	p["provisioningState"] = n.state
	return p
}

// validateManagedImage checks that an image has storageProfile.osDisk (with osType and osState)
// or sourceVirtualMachine.
func validateManagedImage(typ *resourceType, props map[string]any) *apiError {
	sp, _ := props["storageProfile"].(map[string]any)
	od, _ := sp["osDisk"].(map[string]any)
	if od == nil {
		if _, ok := props["sourceVirtualMachine"].(map[string]any); ok {
			return nil
		}
		return missingSourceParam(typ, "storageProfile.osDisk")
	}
	for _, f := range []string{"osType", "osState"} {
		if v, _ := od[f].(string); v == "" {
			return missingSourceParam(typ, "storageProfile.osDisk."+f)
		}
	}
	return nil
}

// osDisk implements wholeSource: storageProfile.osDisk's diskSizeGB and caching (Azure reports
// it as the version's OS disk hostCaching, recorded by the az CLI: a managed image with caching
// ReadWrite).
func (d *managedImageData) osDisk() (int32, string) {
	sp, _ := d.props["storageProfile"].(map[string]any)
	od, _ := sp["osDisk"].(map[string]any)
	caching, _ := od["caching"].(string)
	if c, ok := canonicalEnum(caching, hostCachings); ok {
		return jsonInt(od["diskSizeGB"]), c
	}
	return jsonInt(od["diskSizeGB"]), ""
}

// dataDisks implements wholeSource: storageProfile.dataDisks.
func (d *managedImageData) dataDisks() []dataDiskImage {
	var out []dataDiskImage
	sp, _ := d.props["storageProfile"].(map[string]any)
	dds, _ := sp["dataDisks"].([]any)
	for _, dd := range dds {
		dm, _ := dd.(map[string]any)
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
		out = append(out, dataDiskImage{Lun: i32(int32(l)), SizeInGB: i32(jsonInt(dm["diskSizeGB"])), HostCaching: caching})
	}
	return out
}
