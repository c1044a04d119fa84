package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// GalleryApplicationVersionSpec is the desired application version: the path parameters of
// Azure's "Gallery Application Versions - Create Or Update" request (or a reference to a
// GalleryApplication object that supplies them), its body (location, tags, properties) with
// Azure's own JSON names, and the operator's own settings.
//
// +kubebuilder:validation:XValidation:rule="has(self.applicationRef) || (has(self.resourceGroupName) && has(self.galleryName) && has(self.galleryApplicationName))",message="Required value: set spec.resourceGroupName, spec.galleryName and spec.galleryApplicationName, or spec.applicationRef",fieldPath=".applicationRef"
// +kubebuilder:validation:XValidation:rule="!has(self.applicationRef) || !(has(self.resourceGroupName) || has(self.galleryName) || has(self.galleryApplicationName) || has(self.subscriptionId))",message="spec.applicationRef excludes spec.subscriptionId, spec.resourceGroupName, spec.galleryName and spec.galleryApplicationName: the version takes them from the GalleryApplication object",fieldPath=".applicationRef"
// +kubebuilder:validation:XValidation:rule="has(self.applicationRef) == has(oldSelf.applicationRef) && (!has(self.applicationRef) || self.applicationRef.name == oldSelf.applicationRef.name)",message="applicationRef is immutable: the version would move to another application; create a new GalleryApplicationVersion instead",fieldPath=".applicationRef"
// +kubebuilder:validation:XValidation:rule="has(self.subscriptionId) == has(oldSelf.subscriptionId) && (!has(self.subscriptionId) || self.subscriptionId == oldSelf.subscriptionId)",message="subscriptionId is immutable",fieldPath=".subscriptionId"
// +kubebuilder:validation:XValidation:rule="has(self.azureName) == has(oldSelf.azureName) && (!has(self.azureName) || self.azureName == oldSelf.azureName)",message="azureName is immutable: Azure cannot rename an application version",fieldPath=".azureName"
// +kubebuilder:validation:XValidation:rule="!has(self.properties.publishingProfile.targetRegions) || size(self.properties.publishingProfile.targetRegions) == 0 || self.properties.publishingProfile.targetRegions.exists(r, r.name.lowerAscii().replace(' ', \"\") == self.location.lowerAscii().replace(' ', \"\"))",message="spec.properties.publishingProfile.targetRegions must include the version's own location (spec.location): Azure replicates from there",fieldPath=".properties.publishingProfile.targetRegions"
type GalleryApplicationVersionSpec struct {
	// subscriptionId is the Azure subscription that holds the gallery. When unset, the
	// subscription of the credentials in use is used. Not with applicationRef. Immutable.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	SubscriptionID string `json:"subscriptionId,omitempty"`

	// resourceGroupName is the resource group of the gallery. Required unless applicationRef is
	// set. Immutable.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=90
	// +kubebuilder:validation:Pattern=`^[-\w._()]*[-\w_()]$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="resourceGroupName is immutable"
	ResourceGroupName string `json:"resourceGroupName,omitempty"`

	// galleryName is the gallery of the application definition. Required unless applicationRef
	// is set. Immutable.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=80
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([A-Za-z0-9._]*[A-Za-z0-9])?$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="galleryName is immutable"
	GalleryName string `json:"galleryName,omitempty"`

	// galleryApplicationName is the application definition the version belongs to. Required
	// unless applicationRef is set. Immutable.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=80
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="galleryApplicationName is immutable"
	GalleryApplicationName string `json:"galleryApplicationName,omitempty"`

	// applicationRef names a GalleryApplication object in this namespace that the version
	// belongs to, instead of the path parameters. The version waits until that
	// GalleryApplication is Ready, and uses its credentials unless credentialsSecretRef is set.
	// Immutable.
	// +optional
	ApplicationRef *LocalObjectReference `json:"applicationRef,omitempty"`

	// azureName is the version's name in Azure, major.minor.patch with each part a 32-bit
	// integer, for example 1.0.0. Defaults to metadata.name. Immutable.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^[0-9]{1,10}\.[0-9]{1,10}\.[0-9]{1,10}$`
	// +kubebuilder:validation:XValidation:rule="self.split('.').all(p, int(p) <= 2147483647)",message="azureName: each part of major.minor.patch must be a 32-bit integer (at most 2147483647)"
	AzureName string `json:"azureName,omitempty"`

	// location is the Azure region of the version; it must be one of the target regions.
	// Immutable.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self.lowerAscii().replace(' ', '') == oldSelf.lowerAscii().replace(' ', '')",message="location is immutable: create a new GalleryApplicationVersion instead"
	Location string `json:"location"`

	// tags are Azure resource tags on the version. At most 50.
	// +optional
	// +kubebuilder:validation:MaxProperties=50
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.size() <= 512 && self[k].size() <= 256)",message="tag names may have at most 512 characters and values at most 256"
	Tags map[string]string `json:"tags,omitempty"`

	// properties are the version's properties, as in Azure's request body.
	// +required
	Properties GalleryApplicationVersionProperties `json:"properties"`

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
	// this version instead of the operator's (or the referenced GalleryApplication's)
	// credentials.
	// +optional
	CredentialsSecretRef *SecretReference `json:"credentialsSecretRef,omitempty"`
}

// GalleryApplicationVersionProperties mirror the "properties" object of Azure's request body.
//
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.publishingProfile.targetRegions) || oldSelf.publishingProfile.targetRegions.all(o, has(self.publishingProfile.targetRegions) && self.publishingProfile.targetRegions.exists(r, r.name.lowerAscii().replace(' ', \"\") == o.name.lowerAscii().replace(' ', \"\"))) || (has(self.safetyProfile) && has(self.safetyProfile.allowDeletionOfReplicatedLocations) && self.safetyProfile.allowDeletionOfReplicatedLocations)",message="removing a target region deletes its replicas: set properties.safetyProfile.allowDeletionOfReplicatedLocations to true to allow it",fieldPath=".publishingProfile.targetRegions"
type GalleryApplicationVersionProperties struct {
	// publishingProfile is the version's package and how it is installed, and where and how it
	// is replicated.
	// +required
	PublishingProfile GalleryApplicationVersionPublishingProfile `json:"publishingProfile"`

	// safetyProfile protects the version's replicas from accidental deletion. Updatable.
	// +optional
	SafetyProfile *GalleryApplicationVersionSafetyProfile `json:"safetyProfile,omitempty"`
}

// GalleryApplicationVersionPublishingProfile is the version's package (source), how VMs install,
// update and remove it, and its replication (as an image version's).
type GalleryApplicationVersionPublishingProfile struct {
	GalleryArtifactPublishingProfile `json:",inline"`

	// source is the package (and default configuration) the version is made from. Immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="properties.publishingProfile.source is immutable (mediaLink and defaultConfigurationLink): Azure cannot change a version's package; create a new version instead"
	Source UserArtifactSource `json:"source"`

	// manageActions are the commands that install, update and remove the application on a VM.
	// +required
	ManageActions UserArtifactManage `json:"manageActions"`

	// settings name the downloaded files and say what happens after a reboot.
	// +optional
	Settings *UserArtifactSettings `json:"settings,omitempty"`

	// advancedSettings are passed to the vm-application-manager extension; for advanced use only.
	// +optional
	AdvancedSettings map[string]string `json:"advancedSettings,omitempty"`

	// enableHealthCheck says whether the application reports its health.
	// +optional
	EnableHealthCheck *bool `json:"enableHealthCheck,omitempty"`

	// customActions can be run with this version, each name once.
	// +optional
	// +listType=map
	// +listMapKey=name
	CustomActions []GalleryApplicationCustomAction `json:"customActions,omitempty"`
}

// UserArtifactSource is an application version's package.
type UserArtifactSource struct {
	// mediaLink is the package: the https URI of a readable storage blob,
	// https://{account}.blob.{suffix}/{container}/{blob}, with a SAS token when the blob is not
	// public.
	// +required
	// +kubebuilder:validation:MaxLength=4096
	// +kubebuilder:validation:Pattern=`^https://[^\s/?#]+\.blob\.[^\s/?#]+/[^\s/?#]+/[^\s?#]+(\?\S*)?$`
	MediaLink string `json:"mediaLink"`

	// defaultConfigurationLink is the default configuration: the https URI of a readable storage
	// blob, as mediaLink.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	// +kubebuilder:validation:Pattern=`^https://[^\s/?#]+\.blob\.[^\s/?#]+/[^\s/?#]+/[^\s?#]+(\?\S*)?$`
	DefaultConfigurationLink string `json:"defaultConfigurationLink,omitempty"`
}

// UserArtifactManage are the commands that install, update and remove an application.
type UserArtifactManage struct {
	// install is the path and arguments that install the application, at most 4,096 characters.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=4096
	Install string `json:"install"`

	// remove is the path and arguments that remove the application, at most 4,096 characters.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=4096
	Remove string `json:"remove"`

	// update is the path and arguments that update the application, at most 4,096 characters.
	// When unset, an update removes the previous version and installs this one.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	Update string `json:"update,omitempty"`
}

// ScriptBehaviorAfterReboot says what happens to an install, update or remove after a reboot.
// +kubebuilder:validation:Enum=None;Rerun
type ScriptBehaviorAfterReboot string

// UserArtifactSettings name an application's downloaded files on the VM.
type UserArtifactSettings struct {
	// packageFileName is the name of the downloaded package, at most 4,096 characters. Defaults
	// to the application's name.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	PackageFileName string `json:"packageFileName,omitempty"`

	// configFileName is the name of the downloaded configuration, at most 4,096 characters.
	// Defaults to the application's name with "_config".
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	ConfigFileName string `json:"configFileName,omitempty"`

	// scriptBehaviorAfterReboot: None or Rerun.
	// +optional
	ScriptBehaviorAfterReboot ScriptBehaviorAfterReboot `json:"scriptBehaviorAfterReboot,omitempty"`
}

// GalleryApplicationVersionSafetyProfile protects a version's replicas from accidental deletion.
type GalleryApplicationVersionSafetyProfile struct {
	// allowDeletionOfReplicatedLocations allows removing target regions (and their replicas).
	// +optional
	AllowDeletionOfReplicatedLocations *bool `json:"allowDeletionOfReplicatedLocations,omitempty"`
}

// GalleryApplicationVersionStatus is what the operator observed in Azure.
type GalleryApplicationVersionStatus struct {
	ARMStatus        `json:",inline"`
	ReplicatedStatus `json:",inline"`
}

// GalleryApplicationVersion is an Azure Compute Gallery application version
// (Microsoft.Compute/galleries/applications/versions, api-version 2024-03-03): a package VMs
// install, replicated to its target regions, kept in the state its spec describes.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=gappv;galappver,categories=azure
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Replicated",type=string,JSONPath=`.status.replication`
// +kubebuilder:printcolumn:name="Replication",type=string,JSONPath=`.status.replicationStatus.aggregatedState`
// +kubebuilder:printcolumn:name="ProvisioningState",type=string,JSONPath=`.status.provisioningState`,priority=1
// +kubebuilder:printcolumn:name="Application Ref",type=string,JSONPath=`.spec.applicationRef.name`,priority=1
// +kubebuilder:printcolumn:name="Policy",type=string,JSONPath=`.spec.managementPolicy`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="has(self.spec.azureName) || (self.metadata.name.matches('^[0-9]{1,10}[.][0-9]{1,10}[.][0-9]{1,10}$') && self.metadata.name.split('.').all(p, int(p) <= 2147483647))",message="metadata.name is the Azure version name when spec.azureName is unset: it must be major.minor.patch with each part a 32-bit integer, for example 1.0.0; or set spec.azureName"
type GalleryApplicationVersion struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the application version wanted in Azure.
	// +required
	Spec GalleryApplicationVersionSpec `json:"spec"`

	// status is what the operator last observed.
	// +optional
	// +kubebuilder:default={}
	Status GalleryApplicationVersionStatus `json:"status,omitempty"`
}

// GetARMStatus returns the status every kind shares.
func (v *GalleryApplicationVersion) GetARMStatus() *ARMStatus { return &v.Status.ARMStatus }

// GetManagementPolicy is the policy the spec sets; "" for the operator's default.
func (v *GalleryApplicationVersion) GetManagementPolicy() ManagementPolicy {
	return v.Spec.ManagementPolicy
}

// GetReplicatedStatus returns the replication part of the status.
func (v *GalleryApplicationVersion) GetReplicatedStatus() *ReplicatedStatus {
	return &v.Status.ReplicatedStatus
}

// AzureVersionName is the version's name in Azure: spec.azureName or metadata.name.
func (v *GalleryApplicationVersion) AzureVersionName() string {
	if v.Spec.AzureName != "" {
		return v.Spec.AzureName
	}
	return v.Name
}

// GalleryApplicationVersionList is a list of GalleryApplicationVersions.
// +kubebuilder:object:root=true
type GalleryApplicationVersionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []GalleryApplicationVersion `json:"items"`
}

func init() {
	SchemeBuilder.Register(&GalleryApplicationVersion{}, &GalleryApplicationVersionList{})
}
