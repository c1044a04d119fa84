package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// StorageAccountType is the storage of an image version's replicas.
// +kubebuilder:validation:Enum=Standard_LRS;Standard_ZRS;Premium_LRS;PremiumV2_LRS
type StorageAccountType string

// EdgeZoneStorageAccountType is the storage of an image version's replicas in an edge zone.
// +kubebuilder:validation:Enum=Standard_LRS;Standard_ZRS;StandardSSD_LRS;Premium_LRS
type EdgeZoneStorageAccountType string

// ReplicationMode says whether a version is copied in full or shallowly (for testing).
// +kubebuilder:validation:Enum=Full;Shallow
type ReplicationMode string

// HostCaching is the host caching of a disk image.
// +kubebuilder:validation:Enum=None;ReadOnly;ReadWrite
type HostCaching string

// GalleryImageVersionSpec is the desired image version: the path parameters of Azure's "Gallery
// Image Versions - Create Or Update" request (or a reference to a GalleryImage object that
// supplies them), its body (location, tags, properties) with Azure's own JSON names, and the
// operator's own settings.
//
// +kubebuilder:validation:XValidation:rule="has(self.imageRef) || (has(self.resourceGroupName) && has(self.galleryName) && has(self.galleryImageName))",message="Required value: set spec.resourceGroupName, spec.galleryName and spec.galleryImageName, or spec.imageRef",fieldPath=".imageRef"
// +kubebuilder:validation:XValidation:rule="!has(self.imageRef) || !(has(self.resourceGroupName) || has(self.galleryName) || has(self.galleryImageName) || has(self.subscriptionId))",message="spec.imageRef excludes spec.subscriptionId, spec.resourceGroupName, spec.galleryName and spec.galleryImageName: the version takes them from the GalleryImage object",fieldPath=".imageRef"
// +kubebuilder:validation:XValidation:rule="has(self.imageRef) == has(oldSelf.imageRef) && (!has(self.imageRef) || self.imageRef.name == oldSelf.imageRef.name)",message="imageRef is immutable: the version would move to another image definition; create a new GalleryImageVersion instead",fieldPath=".imageRef"
// +kubebuilder:validation:XValidation:rule="has(self.subscriptionId) == has(oldSelf.subscriptionId) && (!has(self.subscriptionId) || self.subscriptionId == oldSelf.subscriptionId)",message="subscriptionId is immutable",fieldPath=".subscriptionId"
// +kubebuilder:validation:XValidation:rule="has(self.azureName) == has(oldSelf.azureName) && (!has(self.azureName) || self.azureName == oldSelf.azureName)",message="azureName is immutable: Azure cannot rename an image version",fieldPath=".azureName"
// +kubebuilder:validation:XValidation:rule="!has(self.properties.publishingProfile) || !has(self.properties.publishingProfile.targetRegions) || size(self.properties.publishingProfile.targetRegions) == 0 || self.properties.publishingProfile.targetRegions.exists(r, r.name.lowerAscii().replace(' ', \"\") == self.location.lowerAscii().replace(' ', \"\"))",message="spec.properties.publishingProfile.targetRegions must include the version's own location (spec.location): Azure replicates from there",fieldPath=".properties.publishingProfile.targetRegions"
type GalleryImageVersionSpec struct {
	// subscriptionId is the Azure subscription that holds the gallery. When unset, the
	// subscription of the credentials in use is used. Not with imageRef. Immutable.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	SubscriptionID string `json:"subscriptionId,omitempty"`

	// resourceGroupName is the resource group of the gallery. Required unless imageRef is set.
	// Immutable.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=90
	// +kubebuilder:validation:Pattern=`^[-\w._()]*[-\w_()]$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="resourceGroupName is immutable"
	ResourceGroupName string `json:"resourceGroupName,omitempty"`

	// galleryName is the gallery of the image definition. Required unless imageRef is set.
	// Immutable.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=80
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([A-Za-z0-9._]*[A-Za-z0-9])?$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="galleryName is immutable"
	GalleryName string `json:"galleryName,omitempty"`

	// galleryImageName is the image definition the version belongs to. Required unless imageRef
	// is set. Immutable.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=80
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="galleryImageName is immutable"
	GalleryImageName string `json:"galleryImageName,omitempty"`

	// imageRef names a GalleryImage object in this namespace that the version belongs to,
	// instead of the path parameters. The version waits until that GalleryImage is Ready, and
	// uses its credentials unless credentialsSecretRef is set. Immutable.
	// +optional
	ImageRef *LocalObjectReference `json:"imageRef,omitempty"`

	// azureName is the version's name in Azure, major.minor.patch with each part a 32-bit
	// integer, for example 1.0.0. Defaults to metadata.name. Immutable.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^[0-9]{1,10}\.[0-9]{1,10}\.[0-9]{1,10}$`
	// +kubebuilder:validation:XValidation:rule="self.split('.').all(p, int(p) <= 2147483647)",message="azureName: each part of major.minor.patch must be a 32-bit integer (at most 2147483647)"
	AzureName string `json:"azureName,omitempty"`

	// location is the Azure region of the version, where its source is; it must be one of the
	// target regions. Immutable.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self.lowerAscii().replace(' ', '') == oldSelf.lowerAscii().replace(' ', '')",message="location is immutable: create a new GalleryImageVersion instead"
	Location string `json:"location"`

	// tags are Azure resource tags on the version. At most 50.
	// +optional
	// +kubebuilder:validation:MaxProperties=50
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.size() <= 512 && self[k].size() <= 256)",message="tag names may have at most 512 characters and values at most 256"
	Tags map[string]string `json:"tags,omitempty"`

	// properties are the version's properties, as in Azure's request body.
	// +required
	Properties GalleryImageVersionProperties `json:"properties"`

	// managementPolicy says what the operator may do with the Azure resource: Manage (make it
	// match the spec), Observe (read only: report it and where it differs, never write or
	// delete) or Paused (no Azure request at all). Unset: the operator's default
	// (--default-management-policy, Manage unless set).
	// +optional
	ManagementPolicy ManagementPolicy `json:"managementPolicy,omitempty"`

	// deletionPolicy says what happens in Azure when this object is deleted: Delete (the default)
	// deletes the version, Orphan leaves it in Azure.
	// +optional
	// +kubebuilder:default=Delete
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// credentialsSecretRef names a Secret in this namespace with the service principal used for
	// this version instead of the operator's (or the referenced GalleryImage's) credentials.
	// +optional
	CredentialsSecretRef *SecretReference `json:"credentialsSecretRef,omitempty"`
}

// GalleryImageVersionProperties mirror the "properties" object of Azure's request body.
//
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.publishingProfile) || !has(oldSelf.publishingProfile.targetRegions) || oldSelf.publishingProfile.targetRegions.all(o, has(self.publishingProfile) && has(self.publishingProfile.targetRegions) && self.publishingProfile.targetRegions.exists(r, r.name.lowerAscii().replace(' ', \"\") == o.name.lowerAscii().replace(' ', \"\"))) || (has(self.safetyProfile) && has(self.safetyProfile.allowDeletionOfReplicatedLocations) && self.safetyProfile.allowDeletionOfReplicatedLocations)",message="removing a target region deletes its replicas: set properties.safetyProfile.allowDeletionOfReplicatedLocations to true to allow it",fieldPath=".publishingProfile.targetRegions"
type GalleryImageVersionProperties struct {
	// publishingProfile says where and how the version is replicated. Updatable, except
	// replicationMode and the storage account types.
	// +optional
	PublishingProfile *GalleryImageVersionPublishingProfile `json:"publishingProfile,omitempty"`

	// storageProfile is the version's source. Immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="properties.storageProfile is immutable: Azure cannot change an image version's source or its data disk LUNs; create a new version instead"
	StorageProfile GalleryImageVersionStorageProfile `json:"storageProfile"`

	// safetyProfile protects the version from accidental deletion. Updatable.
	// +optional
	SafetyProfile *GalleryImageVersionSafetyProfile `json:"safetyProfile,omitempty"`

	// securityProfile holds the UEFI settings of the version. Immutable.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="properties.securityProfile is immutable"
	SecurityProfile *ImageVersionSecurityProfile `json:"securityProfile,omitempty"`
}

// GalleryImageVersionPublishingProfile says where and how a version is replicated.
// +kubebuilder:validation:XValidation:rule="has(self.replicationMode) == has(oldSelf.replicationMode) && (!has(self.replicationMode) || self.replicationMode == oldSelf.replicationMode)",message="publishingProfile.replicationMode is immutable",fieldPath=".replicationMode"
// +kubebuilder:validation:XValidation:rule="has(self.storageAccountType) == has(oldSelf.storageAccountType) && (!has(self.storageAccountType) || self.storageAccountType == oldSelf.storageAccountType)",message="publishingProfile.storageAccountType is immutable",fieldPath=".storageAccountType"
type GalleryImageVersionPublishingProfile struct {
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

// GalleryImageVersionStorageProfile is a version's source: exactly one of source.id (a managed
// image, another gallery image version), source.virtualMachineId, source.communityGalleryImageId,
// or disk images (osDiskImage.source, from a snapshot or a VHD).
// +kubebuilder:validation:XValidation:rule="(has(self.source) && has(self.source.id) ? 1 : 0) + (has(self.source) && has(self.source.virtualMachineId) ? 1 : 0) + (has(self.source) && has(self.source.communityGalleryImageId) ? 1 : 0) + (has(self.osDiskImage) && has(self.osDiskImage.source) ? 1 : 0) == 1",message="storageProfile needs exactly one kind of source: source.id, source.virtualMachineId, source.communityGalleryImageId, or osDiskImage.source"
type GalleryImageVersionStorageProfile struct {
	// source is the managed image, VM or image version the version is made from.
	// +optional
	Source *GalleryArtifactVersionFullSource `json:"source,omitempty"`
	// osDiskImage is the OS disk image, from a snapshot or VHD when source is not set.
	// +optional
	OSDiskImage *GalleryOSDiskImage `json:"osDiskImage,omitempty"`
	// dataDiskImages are the data disk images, each LUN at most once.
	// +optional
	// +listType=map
	// +listMapKey=lun
	// +kubebuilder:validation:MaxItems=64
	DataDiskImages []GalleryDataDiskImage `json:"dataDiskImages,omitempty"`
}

// GalleryArtifactVersionFullSource is the source of a version.
type GalleryArtifactVersionFullSource struct {
	// id is the ARM ID of a managed image, a gallery image version or a VM.
	// +optional
	// +kubebuilder:validation:Pattern=`^/subscriptions/`
	ID string `json:"id,omitempty"`
	// virtualMachineId is the ARM ID of a VM.
	// +optional
	// +kubebuilder:validation:Pattern=`^/subscriptions/`
	VirtualMachineID string `json:"virtualMachineId,omitempty"`
	// communityGalleryImageId is the ID of a community gallery image version.
	// +optional
	// +kubebuilder:validation:MinLength=1
	CommunityGalleryImageID string `json:"communityGalleryImageId,omitempty"`
}

// GalleryOSDiskImage is the OS disk image of a version.
type GalleryOSDiskImage struct {
	// hostCaching of the disk.
	// +optional
	HostCaching HostCaching `json:"hostCaching,omitempty"`
	// source is the snapshot, disk or VHD of the disk.
	// +optional
	Source *GalleryDiskImageSource `json:"source,omitempty"`
}

// GalleryDataDiskImage is a data disk image of a version.
type GalleryDataDiskImage struct {
	// lun of the data disk (0 to 63).
	// +required
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=63
	Lun int32 `json:"lun"`
	// hostCaching of the disk.
	// +optional
	HostCaching HostCaching `json:"hostCaching,omitempty"`
	// source is the snapshot, disk or VHD of the disk.
	// +optional
	Source *GalleryDiskImageSource `json:"source,omitempty"`
}

// GalleryDiskImageSource is the source of a disk image: a snapshot or disk (id), or a VHD (uri
// and storageAccountId).
// +kubebuilder:validation:XValidation:rule="has(self.id) != has(self.uri)",message="a disk image source is either id (a snapshot or disk) or uri (a VHD, with storageAccountId)"
// +kubebuilder:validation:XValidation:rule="!has(self.uri) || has(self.storageAccountId)",message="a VHD source (uri) needs storageAccountId",fieldPath=".storageAccountId"
type GalleryDiskImageSource struct {
	// id is the ARM ID of a snapshot or managed disk.
	// +optional
	// +kubebuilder:validation:Pattern=`^/subscriptions/`
	ID string `json:"id,omitempty"`
	// uri of a VHD.
	// +optional
	// +kubebuilder:validation:Pattern=`^https://`
	URI string `json:"uri,omitempty"`
	// storageAccountId of the VHD's storage account.
	// +optional
	// +kubebuilder:validation:Pattern=`^/subscriptions/`
	StorageAccountID string `json:"storageAccountId,omitempty"`
}

// GalleryImageVersionSafetyProfile protects a version from accidental deletion.
type GalleryImageVersionSafetyProfile struct {
	// allowDeletionOfReplicatedLocations allows removing target regions (and their replicas).
	// +optional
	AllowDeletionOfReplicatedLocations *bool `json:"allowDeletionOfReplicatedLocations,omitempty"`
	// blockDeletionBeforeEndOfLife refuses to delete the version before its endOfLifeDate.
	// +optional
	BlockDeletionBeforeEndOfLife *bool `json:"blockDeletionBeforeEndOfLife,omitempty"`
}

// ImageVersionSecurityProfile holds a version's UEFI settings.
type ImageVersionSecurityProfile struct {
	// uefiSettings of VMs created from the version.
	// +optional
	UefiSettings *GalleryImageVersionUefiSettings `json:"uefiSettings,omitempty"`
}

// GalleryImageVersionUefiSettings are the UEFI keys of a version.
type GalleryImageVersionUefiSettings struct {
	// signatureTemplateNames are the templates of the UEFI keys.
	// +optional
	// +listType=set
	SignatureTemplateNames []UefiSignatureTemplateName `json:"signatureTemplateNames,omitempty"`
	// additionalSignatures added to the templates' keys.
	// +optional
	AdditionalSignatures *UefiKeySignatures `json:"additionalSignatures,omitempty"`
}

// UefiSignatureTemplateName names a template of UEFI keys.
// +kubebuilder:validation:Enum=NoSignatureTemplate;MicrosoftUefiCertificateAuthorityTemplate;MicrosoftWindowsTemplate
type UefiSignatureTemplateName string

// UefiKeySignatures are additional UEFI keys.
type UefiKeySignatures struct {
	// pk is the platform key.
	// +optional
	Pk *UefiKey `json:"pk,omitempty"`
	// kek are the key exchange keys.
	// +optional
	Kek []UefiKey `json:"kek,omitempty"`
	// db are the allowed signatures.
	// +optional
	Db []UefiKey `json:"db,omitempty"`
	// dbx are the forbidden signatures.
	// +optional
	Dbx []UefiKey `json:"dbx,omitempty"`
}

// UefiKey is a UEFI key.
type UefiKey struct {
	// type of the key: sha256 or x509.
	// +optional
	// +kubebuilder:validation:Enum=sha256;x509
	Type string `json:"type,omitempty"`
	// value of the key, base64.
	// +optional
	Value []string `json:"value,omitempty"`
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

// GalleryImageVersionStatus is what the operator observed in Azure.
type GalleryImageVersionStatus struct {
	ARMStatus `json:",inline"`

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

// GalleryImageVersion is an Azure Compute Gallery image version
// (Microsoft.Compute/galleries/images/versions, api-version 2024-03-03): the bits VMs boot from,
// replicated to its target regions, kept in the state its spec describes.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=giv;galver,categories=azure
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Replicated",type=string,JSONPath=`.status.replication`
// +kubebuilder:printcolumn:name="Replication",type=string,JSONPath=`.status.replicationStatus.aggregatedState`
// +kubebuilder:printcolumn:name="ProvisioningState",type=string,JSONPath=`.status.provisioningState`,priority=1
// +kubebuilder:printcolumn:name="Image Ref",type=string,JSONPath=`.spec.imageRef.name`,priority=1
// +kubebuilder:printcolumn:name="Policy",type=string,JSONPath=`.spec.managementPolicy`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="has(self.spec.azureName) || (self.metadata.name.matches('^[0-9]{1,10}[.][0-9]{1,10}[.][0-9]{1,10}$') && self.metadata.name.split('.').all(p, int(p) <= 2147483647))",message="metadata.name is the Azure version name when spec.azureName is unset: it must be major.minor.patch with each part a 32-bit integer, for example 1.0.0; or set spec.azureName"
type GalleryImageVersion struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the image version wanted in Azure.
	// +required
	Spec GalleryImageVersionSpec `json:"spec"`

	// status is what the operator last observed.
	// +optional
	// +kubebuilder:default={}
	Status GalleryImageVersionStatus `json:"status,omitempty"`
}

// GetARMStatus returns the status every kind shares.
func (v *GalleryImageVersion) GetARMStatus() *ARMStatus { return &v.Status.ARMStatus }

// GetManagementPolicy is the policy the spec sets; "" for the operator's default.
func (v *GalleryImageVersion) GetManagementPolicy() ManagementPolicy { return v.Spec.ManagementPolicy }

// AzureVersionName is the version's name in Azure: spec.azureName or metadata.name.
func (v *GalleryImageVersion) AzureVersionName() string {
	if v.Spec.AzureName != "" {
		return v.Spec.AzureName
	}
	return v.Name
}

// GalleryImageVersionList is a list of GalleryImageVersions.
// +kubebuilder:object:root=true
type GalleryImageVersionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []GalleryImageVersion `json:"items"`
}

func init() {
	SchemeBuilder.Register(&GalleryImageVersion{}, &GalleryImageVersionList{})
}
