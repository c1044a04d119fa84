package emulator

// snapshotType is Microsoft.Compute/snapshots, an image version source. The disk resource
// provider answers writes with 202 (armcompute's disks and snapshots clients accept 200 and 202
// only).
var snapshotType = &resourceType{
	namespace: computeNamespace, name: "snapshots", segment: "snapshots", parent: groupType,
	label: "snapshot", body: "snapshot", noun: "Snapshot",
	apiVersions: []string{"2023-04-02", "2023-10-02", "2024-03-02", "2025-01-02"},
	checkName:   sourceName("snapshot"), lro: lroMode{accepted: true},
	ops: sourceOps{validate: validateDiskBody, disk: true},
}
