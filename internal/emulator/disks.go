package emulator

// diskType is Microsoft.Compute/disks, a managed disk, an image version source. Writes answer 202
// as for snapshots.
var diskType = &resourceType{
	namespace: computeNamespace, name: "disks", segment: "disks", parent: groupType,
	label: "managed disk", body: "disk", noun: "Disk",
	apiVersions: []string{"2023-04-02", "2023-10-02", "2024-03-02", "2025-01-02"},
	checkName:   sourceName("disk"), lro: lroMode{accepted: true},
	ops: sourceOps{validate: validateDiskBody, disk: true, diskState: true},
}
