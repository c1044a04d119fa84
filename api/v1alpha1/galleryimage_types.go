package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// OperatingSystemType is the operating system on the image's OS disk.
// +kubebuilder:validation:Enum=Windows;Linux
type OperatingSystemType string

// Operating system types accepted by Azure.
const (
	OperatingSystemTypeWindows OperatingSystemType = "Windows"
	OperatingSystemTypeLinux   OperatingSystemType = "Linux"
)

// OperatingSystemState says whether VMs created from the image are generalized or specialized.
// +kubebuilder:validation:Enum=Generalized;Specialized
type OperatingSystemState string

// Operating system states accepted by Azure.
const (
	OperatingSystemStateGeneralized OperatingSystemState = "Generalized"
	OperatingSystemStateSpecialized OperatingSystemState = "Specialized"
)

// HyperVGeneration is the hypervisor generation of VMs created from the image.
// +kubebuilder:validation:Enum=V1;V2
type HyperVGeneration string

// Hyper-V generations accepted by Azure. Azure uses V1 when none is given.
const (
	HyperVGenerationV1 HyperVGeneration = "V1"
	HyperVGenerationV2 HyperVGeneration = "V2"
)

// Architecture is the CPU architecture of the image.
// +kubebuilder:validation:Enum=x64;Arm64
type Architecture string

// Architectures accepted by Azure. Azure uses x64 when none is given.
const (
	ArchitectureX64   Architecture = "x64"
	ArchitectureArm64 Architecture = "Arm64"
)

// GalleryImageSpec is the desired image definition: the path parameters of Azure's
// "Gallery Images - Create Or Update" request (or a reference to a Gallery object that supplies
// them), its body (location, tags, properties) with Azure's own JSON names, and the operator's own
// settings.
//
// +kubebuilder:validation:XValidation:rule="has(self.subscriptionId) == has(oldSelf.subscriptionId) && (!has(self.subscriptionId) || self.subscriptionId == oldSelf.subscriptionId)",message="subscriptionId is immutable: the image would move to another subscription; create a new GalleryImage instead"
// +kubebuilder:validation:XValidation:rule="has(self.azureName) == has(oldSelf.azureName) && (!has(self.azureName) || self.azureName == oldSelf.azureName)",message="azureName is immutable: Azure cannot rename an image definition; create a new GalleryImage instead"
// +kubebuilder:validation:XValidation:rule="has(self.galleryRef) || has(self.resourceGroupName)",message="Required value: set spec.resourceGroupName and spec.galleryName, or spec.galleryRef",fieldPath=".resourceGroupName"
// +kubebuilder:validation:XValidation:rule="has(self.galleryRef) || has(self.galleryName)",message="Required value: set spec.resourceGroupName and spec.galleryName, or spec.galleryRef",fieldPath=".galleryName"
// +kubebuilder:validation:XValidation:rule="!has(self.galleryRef) || !(has(self.resourceGroupName) || has(self.galleryName) || has(self.subscriptionId))",message="spec.galleryRef excludes spec.subscriptionId, spec.resourceGroupName and spec.galleryName: the image takes them from the Gallery object",fieldPath=".galleryRef"
// +kubebuilder:validation:XValidation:rule="has(self.galleryRef) == has(oldSelf.galleryRef) && (!has(self.galleryRef) || self.galleryRef.name == oldSelf.galleryRef.name)",message="galleryRef is immutable: the image would move to another gallery; create a new GalleryImage instead",fieldPath=".galleryRef"
type GalleryImageSpec struct {
	// subscriptionId is the Azure subscription that holds the gallery. When unset, the
	// subscription of the credentials in use (AZURE_SUBSCRIPTION_ID) is used. Not with
	// galleryRef. Immutable.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	SubscriptionID string `json:"subscriptionId,omitempty"`

	// resourceGroupName is the resource group that holds the gallery. Required unless galleryRef
	// is set. Immutable.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=90
	// +kubebuilder:validation:Pattern=`^[-\w._()]*[-\w_()]$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="resourceGroupName is immutable: the image would move to another resource group; create a new GalleryImage instead"
	ResourceGroupName string `json:"resourceGroupName,omitempty"`

	// galleryName is the Azure Compute Gallery that holds the image definition. It must exist;
	// the operator waits for it. Required unless galleryRef is set. Immutable.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=80
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([A-Za-z0-9._]*[A-Za-z0-9])?$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="galleryName is immutable: the image would move to another gallery; create a new GalleryImage instead"
	GalleryName string `json:"galleryName,omitempty"`

	// galleryRef names a Gallery object in this namespace that holds the image definition,
	// instead of subscriptionId, resourceGroupName and galleryName. The image waits until that
	// Gallery is Ready, and uses its credentials unless credentialsSecretRef is set. Immutable.
	// +optional
	GalleryRef *LocalObjectReference `json:"galleryRef,omitempty"`

	// azureName is the image definition's name in Azure (the galleryImageName path parameter).
	// Defaults to metadata.name; set it when the Azure name needs upper case or differs otherwise.
	// 1-80 letters, digits, '.', '-' and '_', starting and ending with a letter or digit. Immutable.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=80
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`
	AzureName string `json:"azureName,omitempty"`

	// location is the Azure region of the image definition, normally the gallery's, for example
	// "westeurope" or "West Europe". Immutable.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self.lowerAscii().replace(' ', '') == oldSelf.lowerAscii().replace(' ', '')",message="location is immutable: an image definition cannot move to another region; create a new GalleryImage instead"
	Location string `json:"location"`

	// tags are Azure resource tags on the image definition. At most 50.
	// +optional
	// +kubebuilder:validation:MaxProperties=50
	Tags map[string]string `json:"tags,omitempty"`

	// properties are the image definition's properties, as in Azure's request body.
	// +required
	Properties GalleryImageProperties `json:"properties"`

	// managementPolicy says what the operator may do with the Azure resource: Manage (make it
	// match the spec), Observe (read only: report it and where it differs, never write or
	// delete) or Paused (no Azure request at all). Unset: the operator's default
	// (--default-management-policy, Manage unless set).
	// +optional
	ManagementPolicy ManagementPolicy `json:"managementPolicy,omitempty"`

	// deletionPolicy says what happens in Azure when this object is deleted: Delete (the default)
	// deletes the image definition, Orphan leaves it in Azure.
	// +optional
	// +kubebuilder:default=Delete
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// credentialsSecretRef names a Secret in this namespace whose keys AZURE_TENANT_ID,
	// AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and optionally AZURE_SUBSCRIPTION_ID are the service
	// principal used for this image instead of the operator's own credentials.
	// +optional
	CredentialsSecretRef *SecretReference `json:"credentialsSecretRef,omitempty"`
}

// GalleryImageProperties mirror the "properties" object of Azure's GalleryImage request body.
//
// +kubebuilder:validation:XValidation:rule="!has(self.features) || !self.features.exists(f, f.name.lowerAscii() == 'securitytype' && has(f.value) && f.value.lowerAscii() != 'standard') || (has(self.hyperVGeneration) && self.hyperVGeneration == 'V2')",message="properties.hyperVGeneration must be V2 when the SecurityType feature is not Standard: trusted launch and confidential VMs need generation 2",fieldPath=".hyperVGeneration"
// +kubebuilder:validation:XValidation:rule="(has(self.allowUpdateImage) && self.allowUpdateImage) || (has(self.features) == has(oldSelf.features) && (!has(self.features) || self.features == oldSelf.features))",message="properties.features can change only when properties.allowUpdateImage is true",fieldPath=".features"
// +kubebuilder:validation:XValidation:rule="(has(self.hyperVGeneration) ? self.hyperVGeneration : 'V1') == (has(oldSelf.hyperVGeneration) ? oldSelf.hyperVGeneration : 'V1')",message="properties.hyperVGeneration is immutable (Azure answers PropertyChangeNotAllowed); unset means V1",fieldPath=".hyperVGeneration"
// +kubebuilder:validation:XValidation:rule="(has(self.architecture) ? self.architecture : 'x64') == (has(oldSelf.architecture) ? oldSelf.architecture : 'x64')",message="properties.architecture is immutable (Azure answers PropertyChangeNotAllowed); unset means x64",fieldPath=".architecture"
// +kubebuilder:validation:XValidation:rule="has(self.eula) == has(oldSelf.eula) && (!has(self.eula) || self.eula == oldSelf.eula)",message="properties.eula is immutable (Azure answers PropertyChangeNotAllowed)",fieldPath=".eula"
// +kubebuilder:validation:XValidation:rule="has(self.privacyStatementUri) == has(oldSelf.privacyStatementUri) && (!has(self.privacyStatementUri) || self.privacyStatementUri == oldSelf.privacyStatementUri)",message="properties.privacyStatementUri is immutable (Azure answers PropertyChangeNotAllowed)",fieldPath=".privacyStatementUri"
// +kubebuilder:validation:XValidation:rule="has(self.purchasePlan) == has(oldSelf.purchasePlan) && (!has(self.purchasePlan) || self.purchasePlan == oldSelf.purchasePlan)",message="properties.purchasePlan is immutable (Azure answers PropertyChangeNotAllowed)",fieldPath=".purchasePlan"
type GalleryImageProperties struct {
	// description of the image definition. Updatable.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	Description string `json:"description,omitempty"`

	// eula is the end-user license agreement of the image definition. Immutable.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	Eula string `json:"eula,omitempty"`

	// privacyStatementUri is the URI of the image's privacy statement. Immutable.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	PrivacyStatementURI string `json:"privacyStatementUri,omitempty"`

	// releaseNoteUri is the URI of the image's release notes. Updatable.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	ReleaseNoteURI string `json:"releaseNoteUri,omitempty"`

	// osType is the operating system of the image's OS disk: Windows or Linux. Immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="properties.osType is immutable (Azure answers PropertyChangeNotAllowed)"
	OSType OperatingSystemType `json:"osType"`

	// osState says whether VMs created from this image are Generalized (provisioned afresh) or
	// Specialized (keep the source machine's identity). Immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="properties.osState is immutable (Azure answers PropertyChangeNotAllowed)"
	OSState OperatingSystemState `json:"osState"`

	// hyperVGeneration is the hypervisor generation of VMs created from this image, V1 or V2.
	// Azure uses V1 when unset. Trusted launch and confidential VMs need V2. Immutable.
	// +optional
	HyperVGeneration HyperVGeneration `json:"hyperVGeneration,omitempty"`

	// endOfLifeDate is when the image definition is retired (RFC 3339 date-time). Updatable.
	// Azure rejects a date in the past.
	// +optional
	EndOfLifeDate *metav1.Time `json:"endOfLifeDate,omitempty"`

	// identifier is the publisher/offer/sku triple that names this image definition within the
	// gallery; no two image definitions in a gallery may share it. Immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="properties.identifier is immutable (Azure answers PropertyChangeNotAllowed)"
	Identifier GalleryImageIdentifier `json:"identifier"`

	// recommended is the VM size range recommended for this image. Updatable.
	// +optional
	Recommended *RecommendedMachineConfiguration `json:"recommended,omitempty"`

	// disallowed lists disk types that VMs created from this image may not use. Updatable.
	// +optional
	Disallowed *Disallowed `json:"disallowed,omitempty"`

	// purchasePlan is the Marketplace purchase plan of images derived from a Marketplace image.
	// Immutable.
	// +optional
	PurchasePlan *ImagePurchasePlan `json:"purchasePlan,omitempty"`

	// features of the image, such as SecurityType, IsAcceleratedNetworkSupported or
	// DiskControllerTypes. Each name appears once. They can change only together with
	// allowUpdateImage: true.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=32
	Features []GalleryImageFeature `json:"features,omitempty"`

	// architecture of the image: x64 or Arm64. Azure uses x64 when unset. Immutable.
	// +optional
	Architecture Architecture `json:"architecture,omitempty"`

	// allowUpdateImage must be true for a change of features to be accepted, by admission here and
	// by Azure.
	// +optional
	AllowUpdateImage *bool `json:"allowUpdateImage,omitempty"`
}

// GalleryImageIdentifier is the publisher/offer/sku triple of an image definition.
type GalleryImageIdentifier struct {
	// publisher of the image definition: letters, digits, '.', '-', '_', not ending in '.'.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9._-]*[A-Za-z0-9_-]$`
	Publisher string `json:"publisher"`

	// offer of the image definition: letters, digits, '.', '-', '_', not ending in '.'.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9._-]*[A-Za-z0-9_-]$`
	Offer string `json:"offer"`

	// sku of the image definition: letters, digits, '.', '-', '_', not ending in '.'.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9._-]*[A-Za-z0-9_-]$`
	SKU string `json:"sku"`
}

// RecommendedMachineConfiguration is the recommended VM size range for an image.
type RecommendedMachineConfiguration struct {
	// vCPUs is the recommended number of virtual CPUs.
	// +optional
	VCPUs *ResourceRange `json:"vCPUs,omitempty"`

	// memory is the recommended memory in GiB.
	// +optional
	Memory *ResourceRange `json:"memory,omitempty"`
}

// ResourceRange is an inclusive range; min must not exceed max.
// +kubebuilder:validation:XValidation:rule="!has(self.min) || !has(self.max) || self.min <= self.max",message="min must be less than or equal to max"
type ResourceRange struct {
	// min is the lower bound.
	// +optional
	// +kubebuilder:validation:Minimum=0
	Min *int32 `json:"min,omitempty"`

	// max is the upper bound.
	// +optional
	// +kubebuilder:validation:Minimum=0
	Max *int32 `json:"max,omitempty"`
}

// Disallowed lists what VMs created from the image may not use.
type Disallowed struct {
	// diskTypes that may not be used for the OS disk, for example Standard_LRS.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=16
	DiskTypes []string `json:"diskTypes,omitempty"`
}

// ImagePurchasePlan is a Marketplace purchase plan.
type ImagePurchasePlan struct {
	// name is the plan ID.
	// +optional
	Name string `json:"name,omitempty"`

	// publisher is the plan's publisher ID.
	// +optional
	Publisher string `json:"publisher,omitempty"`

	// product is the plan's product ID.
	// +optional
	Product string `json:"product,omitempty"`
}

// GalleryImageFeature is one feature of an image, such as SecurityType=TrustedLaunch.
type GalleryImageFeature struct {
	// name of the feature, for example SecurityType, IsAcceleratedNetworkSupported,
	// DiskControllerTypes or IsHibernateSupported.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	Name string `json:"name"`

	// value of the feature, for example TrustedLaunch or "true".
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Value string `json:"value,omitempty"`

	// startsAtVersion is the first image version (major.minor.patch) that supports this feature.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9]+\.[0-9]+\.[0-9]+$`
	StartsAtVersion string `json:"startsAtVersion,omitempty"`
}

// GalleryImageStatus is what the operator observed in Azure.
type GalleryImageStatus struct {
	ARMStatus `json:",inline"`
}

// GalleryImage is an Azure Compute Gallery image definition (Microsoft.Compute/galleries/images,
// api-version 2024-03-03), kept in the state its spec describes.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=gi;galimg,categories=azure
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="ProvisioningState",type=string,JSONPath=`.status.provisioningState`
// +kubebuilder:printcolumn:name="Gallery",type=string,JSONPath=`.spec.galleryName`,priority=1
// +kubebuilder:printcolumn:name="Gallery Ref",type=string,JSONPath=`.spec.galleryRef.name`,priority=1
// +kubebuilder:printcolumn:name="Azure ID",type=string,JSONPath=`.status.id`,priority=1
// +kubebuilder:printcolumn:name="Policy",type=string,JSONPath=`.spec.managementPolicy`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="has(self.spec.azureName) || (self.metadata.name.size() <= 80 && self.metadata.name.matches('^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$'))",message="metadata.name is the Azure image name when spec.azureName is unset: it must be 1-80 letters, digits, '.', '-' or '_', starting and ending with a letter or digit; or set spec.azureName"
type GalleryImage struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the image definition wanted in Azure.
	// +required
	Spec GalleryImageSpec `json:"spec"`

	// status is what the operator last observed.
	// +optional
	// +kubebuilder:default={}
	Status GalleryImageStatus `json:"status,omitempty"`
}

// GetARMStatus returns the status every kind shares.
func (g *GalleryImage) GetARMStatus() *ARMStatus { return &g.Status.ARMStatus }

// GetManagementPolicy is the policy the spec sets; "" for the operator's default.
func (g *GalleryImage) GetManagementPolicy() ManagementPolicy { return g.Spec.ManagementPolicy }

// AzureImageName is the image definition's name in Azure: spec.azureName or metadata.name.
func (g *GalleryImage) AzureImageName() string {
	if g.Spec.AzureName != "" {
		return g.Spec.AzureName
	}
	return g.Name
}

// GalleryImageList is a list of GalleryImages.
// +kubebuilder:object:root=true
type GalleryImageList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []GalleryImage `json:"items"`
}

func init() {
	SchemeBuilder.Register(&GalleryImage{}, &GalleryImageList{})
}
