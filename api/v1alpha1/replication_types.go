package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Replication, shared by image versions and application versions: where and how a version is
// replicated, and what Azure reports of its replication.

// StorageAccountType is the storage of an image version's replicas.
// +kubebuilder:validation:Enum=Standard_LRS;Standard_ZRS;Premium_LRS;PremiumV2_LRS
type StorageAccountType string

// EdgeZoneStorageAccountType is the storage of an image version's replicas in an edge zone.
// +kubebuilder:validation:Enum=Standard_LRS;Standard_ZRS;StandardSSD_LRS;Premium_LRS
type EdgeZoneStorageAccountType string

// ReplicationMode says whether a version is copied in full or shallowly (for testing).
// +kubebuilder:validation:Enum=Full;Shallow
type ReplicationMode string

// GalleryArtifactPublishingProfile says where and how a version (of an image or an application) is
// replicated: the publishing profile Azure's image and application versions share
// (GalleryArtifactPublishingProfileBase).
// +kubebuilder:validation:XValidation:rule="has(self.replicationMode) == has(oldSelf.replicationMode) && (!has(self.replicationMode) || self.replicationMode == oldSelf.replicationMode)",message="publishingProfile.replicationMode is immutable",fieldPath=".replicationMode"
// +kubebuilder:validation:XValidation:rule="has(self.storageAccountType) == has(oldSelf.storageAccountType) && (!has(self.storageAccountType) || self.storageAccountType == oldSelf.storageAccountType)",message="publishingProfile.storageAccountType is immutable",fieldPath=".storageAccountType"
type GalleryArtifactPublishingProfile struct {
	// targetRegions are the regions the version is replicated to, each at most once (names
	// compared as Azure does: "West Europe" is "westeurope"). They must include the version's
	// location. Removing one needs safetyProfile.allowDeletionOfReplicatedLocations.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:XValidation:rule="self.all(r, self.filter(o, o.name.lowerAscii().replace(' ', '') == r.name.lowerAscii().replace(' ', '')).size() == 1)",message="targetRegions names a region twice (Azure compares region names ignoring case and spaces)"
	TargetRegions []TargetRegion `json:"targetRegions,omitempty"`

	// replicaCount is the number of replicas per region where targetRegions do not say
	// otherwise (1 to 100).
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	ReplicaCount *int32 `json:"replicaCount,omitempty"`

	// excludeFromLatest keeps VMs that ask for the latest version from using this one.
	// +optional
	ExcludeFromLatest *bool `json:"excludeFromLatest,omitempty"`

	// endOfLifeDate of the version (RFC 3339). Azure rejects a date in the past.
	// +optional
	EndOfLifeDate *metav1.Time `json:"endOfLifeDate,omitempty"`

	// storageAccountType of the replicas where targetRegions do not say otherwise. Immutable.
	// +optional
	StorageAccountType StorageAccountType `json:"storageAccountType,omitempty"`

	// replicationMode: Full (the default) or Shallow (for testing; no copies). Immutable.
	// +optional
	ReplicationMode ReplicationMode `json:"replicationMode,omitempty"`

	// targetExtendedLocations are the edge zones the version is replicated to.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=16
	TargetExtendedLocations []GalleryTargetExtendedLocation `json:"targetExtendedLocations,omitempty"`
}

// TargetRegion is a region a version is replicated to.
// +kubebuilder:validation:XValidation:rule="has(self.storageAccountType) == has(oldSelf.storageAccountType) && (!has(self.storageAccountType) || self.storageAccountType == oldSelf.storageAccountType)",message="a target region's storageAccountType is immutable",fieldPath=".storageAccountType"
type TargetRegion struct {
	// name of the region, for example westeurope.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	Name string `json:"name"`

	// regionalReplicaCount is the number of replicas in this region (1 to 100).
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	RegionalReplicaCount *int32 `json:"regionalReplicaCount,omitempty"`

	// storageAccountType of the replicas in this region. Immutable.
	// +optional
	StorageAccountType StorageAccountType `json:"storageAccountType,omitempty"`

	// encryption of the replicas with customer-managed keys.
	// +optional
	Encryption *EncryptionImages `json:"encryption,omitempty"`

	// excludeFromLatest in this region only.
	// +optional
	ExcludeFromLatest *bool `json:"excludeFromLatest,omitempty"`

	// additionalReplicaSets of other storage types in this region.
	// +optional
	// +kubebuilder:validation:MaxItems=4
	AdditionalReplicaSets []AdditionalReplicaSet `json:"additionalReplicaSets,omitempty"`
}

// AdditionalReplicaSet is a set of replicas of another storage type.
type AdditionalReplicaSet struct {
	// storageAccountType of the set.
	// +optional
	StorageAccountType StorageAccountType `json:"storageAccountType,omitempty"`
	// regionalReplicaCount of the set (1 to 100).
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	RegionalReplicaCount *int32 `json:"regionalReplicaCount,omitempty"`
}

// EncryptionImages are the disk encryption sets of a version's replicas.
type EncryptionImages struct {
	// osDiskImage encryption.
	// +optional
	OSDiskImage *OSDiskImageEncryption `json:"osDiskImage,omitempty"`
	// dataDiskImages encryption, by LUN.
	// +optional
	// +listType=map
	// +listMapKey=lun
	DataDiskImages []DataDiskImageEncryption `json:"dataDiskImages,omitempty"`
}

// OSDiskImageEncryption is the encryption of the OS disk image.
type OSDiskImageEncryption struct {
	// diskEncryptionSetId is the ARM ID of the disk encryption set.
	// +optional
	DiskEncryptionSetID string `json:"diskEncryptionSetId,omitempty"`
	// securityProfile of confidential VMs.
	// +optional
	SecurityProfile *OSDiskImageSecurityProfile `json:"securityProfile,omitempty"`
}

// OSDiskImageSecurityProfile is the confidential VM encryption of the OS disk image.
type OSDiskImageSecurityProfile struct {
	// confidentialVMEncryptionType of the OS disk.
	// +optional
	// +kubebuilder:validation:Enum=EncryptedVMGuestStateOnlyWithPmk;EncryptedWithPmk;EncryptedWithCmk;NonPersistedTPM
	ConfidentialVMEncryptionType string `json:"confidentialVMEncryptionType,omitempty"`
	// secureVMDiskEncryptionSetId is the ARM ID of the disk encryption set.
	// +optional
	SecureVMDiskEncryptionSetID string `json:"secureVMDiskEncryptionSetId,omitempty"`
}

// DataDiskImageEncryption is the encryption of one data disk image.
type DataDiskImageEncryption struct {
	// lun of the data disk.
	// +required
	// +kubebuilder:validation:Minimum=0
	Lun int32 `json:"lun"`
	// diskEncryptionSetId is the ARM ID of the disk encryption set.
	// +optional
	DiskEncryptionSetID string `json:"diskEncryptionSetId,omitempty"`
}

// GalleryTargetExtendedLocation is an edge zone a version is replicated to.
type GalleryTargetExtendedLocation struct {
	// name of the region of the edge zone.
	// +required
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// extendedLocation is the edge zone.
	// +optional
	ExtendedLocation *GalleryExtendedLocation `json:"extendedLocation,omitempty"`
	// extendedLocationReplicaCount is the number of replicas in the edge zone.
	// +optional
	// +kubebuilder:validation:Minimum=1
	ExtendedLocationReplicaCount *int32 `json:"extendedLocationReplicaCount,omitempty"`
	// storageAccountType of the replicas in the edge zone.
	// +optional
	StorageAccountType EdgeZoneStorageAccountType `json:"storageAccountType,omitempty"`
	// encryption of the replicas.
	// +optional
	Encryption *EncryptionImages `json:"encryption,omitempty"`
}

// GalleryExtendedLocation names an edge zone.
type GalleryExtendedLocation struct {
	// name of the edge zone.
	// +optional
	Name string `json:"name,omitempty"`
	// type of the extended location: EdgeZone.
	// +optional
	// +kubebuilder:validation:Enum=EdgeZone;Unknown
	Type string `json:"type,omitempty"`
}

// RegionalReplicationStatus is the replication of a version to one region.
type RegionalReplicationStatus struct {
	// region name.
	Region string `json:"region,omitempty"`
	// state: Unknown, Replicating, Completed or Failed.
	// +optional
	State string `json:"state,omitempty"`
	// progress in percent.
	// +optional
	Progress int32 `json:"progress,omitempty"`
	// details of the state.
	// +optional
	Details string `json:"details,omitempty"`
}

// ReplicationStatus is a version's replication, as Azure reports it.
type ReplicationStatus struct {
	// aggregatedState: Unknown, InProgress, Completed or Failed.
	// +optional
	AggregatedState string `json:"aggregatedState,omitempty"`
	// summary per region.
	// +optional
	Summary []RegionalReplicationStatus `json:"summary,omitempty"`
}

// ReplicatedStatus is the replication part of a version's status.
type ReplicatedStatus struct {
	// replicationStatus as Azure reports it ($expand=ReplicationStatus).
	// +optional
	ReplicationStatus *ReplicationStatus `json:"replicationStatus,omitempty"`

	// replication summarises the replication for kubectl: regions completed / target regions,
	// for example 2/3.
	// +optional
	Replication string `json:"replication,omitempty"`

	// publishedDate is when the version was published.
	// +optional
	PublishedDate *metav1.Time `json:"publishedDate,omitempty"`
}
