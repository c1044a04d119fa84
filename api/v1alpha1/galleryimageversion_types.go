package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

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
	PublishingProfile *GalleryArtifactPublishingProfile `json:"publishingProfile,omitempty"`

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

// GalleryImageVersionStatus is what the operator observed in Azure.
type GalleryImageVersionStatus struct {
	ARMStatus `json:",inline"`

	ReplicatedStatus `json:",inline"`
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

// GetReplicatedStatus returns the replication part of the status.
func (v *GalleryImageVersion) GetReplicatedStatus() *ReplicatedStatus {
	return &v.Status.ReplicatedStatus
}

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
