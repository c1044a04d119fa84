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

// DeletionPolicy says what happens in Azure when the GalleryImage is deleted.
// +kubebuilder:validation:Enum=Delete;Orphan
type DeletionPolicy string

// Deletion policies.
const (
	// DeletionPolicyDelete deletes the image definition in Azure before the object goes away.
	DeletionPolicyDelete DeletionPolicy = "Delete"
	// DeletionPolicyOrphan leaves the image definition in Azure untouched.
	DeletionPolicyOrphan DeletionPolicy = "Orphan"
)

// GalleryImageSpec is the desired image definition: the path parameters of Azure's
// "Gallery Images - Create Or Update" request, its body (location, tags, properties) with Azure's
// own JSON names, and the operator's own settings.
//
// +kubebuilder:validation:XValidation:rule="has(self.subscriptionId) == has(oldSelf.subscriptionId) && (!has(self.subscriptionId) || self.subscriptionId == oldSelf.subscriptionId)",message="subscriptionId is immutable: the image would move to another subscription; create a new GalleryImage instead"
// +kubebuilder:validation:XValidation:rule="has(self.azureName) == has(oldSelf.azureName) && (!has(self.azureName) || self.azureName == oldSelf.azureName)",message="azureName is immutable: Azure cannot rename an image definition; create a new GalleryImage instead"
type GalleryImageSpec struct {
	// subscriptionId is the Azure subscription that holds the gallery. When unset, the
	// subscription of the credentials in use (AZURE_SUBSCRIPTION_ID) is used. Immutable.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	SubscriptionID string `json:"subscriptionId,omitempty"`

	// resourceGroupName is the resource group that holds the gallery. Immutable.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=90
	// +kubebuilder:validation:Pattern=`^[-\w._()]*[-\w_()]$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="resourceGroupName is immutable: the image would move to another resource group; create a new GalleryImage instead"
	ResourceGroupName string `json:"resourceGroupName"`

	// galleryName is the Azure Compute Gallery that holds the image definition. It must exist;
	// the operator waits for it. Immutable.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=80
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([A-Za-z0-9._]*[A-Za-z0-9])?$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="galleryName is immutable: the image would move to another gallery; create a new GalleryImage instead"
	GalleryName string `json:"galleryName"`

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

// SecretReference names a Secret in the GalleryImage's namespace.
type SecretReference struct {
	// name of the Secret.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
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

// Condition types and reasons of a GalleryImage, shaped for kstatus.
const (
	// ConditionReady is True when Azure holds the image definition as specified and it Succeeded.
	ConditionReady = "Ready"
	// ConditionReconciling is present and True while the operator is working towards the spec.
	ConditionReconciling = "Reconciling"
	// ConditionStalled is present and True when only a change by the user can make progress.
	ConditionStalled = "Stalled"
)

// AzureError is the last error Azure (or the operator, on Azure's behalf) reported.
type AzureError struct {
	// code is Azure's error code, for example InvalidParameter.
	Code string `json:"code,omitempty"`
	// message is Azure's error message.
	Message string `json:"message,omitempty"`
	// target is the property or resource the error is about.
	// +optional
	Target string `json:"target,omitempty"`
	// details are Azure's nested errors.
	// +optional
	Details []AzureErrorDetail `json:"details,omitempty"`
	// httpStatus is the HTTP status code of Azure's answer, 0 when there was no answer.
	// +optional
	HTTPStatus int32 `json:"httpStatus,omitempty"`
	// terminal is true when only a change by the user can fix the error; the operator then does
	// not send the same request body again until the spec changes or a sync period has passed.
	// +optional
	Terminal bool `json:"terminal,omitempty"`
	// specHash is the hash of the request body the error answered.
	// +optional
	SpecHash string `json:"specHash,omitempty"`
	// time is when the error was observed.
	// +optional
	Time *metav1.Time `json:"time,omitempty"`
}

// AzureErrorDetail is one nested Azure error.
type AzureErrorDetail struct {
	// code is Azure's error code.
	Code string `json:"code,omitempty"`
	// message is Azure's error message.
	Message string `json:"message,omitempty"`
	// target is the property or resource the error is about.
	// +optional
	Target string `json:"target,omitempty"`
}

// OperationKind names the kind of long-running operation in flight.
type OperationKind string

// Operation kinds.
const (
	OperationCreateOrUpdate OperationKind = "CreateOrUpdate"
	OperationDelete         OperationKind = "Delete"
)

// LongRunningOperation is an Azure operation the operator started and follows; it holds what is
// needed to resume polling after a restart of the operator.
type LongRunningOperation struct {
	// kind of the operation: CreateOrUpdate or Delete.
	Kind OperationKind `json:"kind"`
	// resumeToken is the Azure SDK's poller resume token (operation URLs, no secrets).
	ResumeToken string `json:"resumeToken"`
	// startTime is when the operation was started.
	StartTime metav1.Time `json:"startTime"`
	// generation is the spec generation the operation applies.
	// +optional
	Generation int64 `json:"generation,omitempty"`
	// specHash is the hash of the request body the operation sent.
	// +optional
	SpecHash string `json:"specHash,omitempty"`
}

// GalleryImageStatus is what the operator observed in Azure.
type GalleryImageStatus struct {
	// observedGeneration is the generation of the spec the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready, and Reconciling and Stalled when they are True.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// id is the Azure resource ID of the image definition.
	// +optional
	ID string `json:"id,omitempty"`

	// provisioningState is Azure's provisioning state of the image definition: Creating, Updating,
	// Succeeded, Failed, Deleting or Migrating.
	// +optional
	ProvisioningState string `json:"provisioningState,omitempty"`

	// error is the last error Azure reported for this image; cleared once the image is Ready.
	// +optional
	Error *AzureError `json:"error,omitempty"`

	// operation is the long-running Azure operation in flight, if any.
	// +optional
	Operation *LongRunningOperation `json:"operation,omitempty"`

	// subscriptionId is the subscription the image was written to, recorded so that deletion
	// targets the same image even if the default credentials change.
	// +optional
	SubscriptionID string `json:"subscriptionId,omitempty"`

	// lastAppliedSpecHash is the hash of the last request body Azure accepted.
	// +optional
	LastAppliedSpecHash string `json:"lastAppliedSpecHash,omitempty"`

	// lastSyncTime is when the operator last read the image from Azure.
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`
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
// +kubebuilder:printcolumn:name="Azure ID",type=string,JSONPath=`.status.id`,priority=1
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
	Status GalleryImageStatus `json:"status,omitempty"`
}

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
