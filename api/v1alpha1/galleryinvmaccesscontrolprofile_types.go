package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// EndpointType is the host endpoint an inVMAccessControlProfile controls access to.
// +kubebuilder:validation:Enum=WireServer;IMDS
type EndpointType string

// Host endpoints accepted by Azure.
const (
	EndpointTypeWireServer EndpointType = "WireServer"
	EndpointTypeIMDS       EndpointType = "IMDS"
)

// GalleryInVMAccessControlProfileSpec is the desired inVMAccessControlProfile (the Metadata
// Security Protocol's access rules for a host endpoint, kept as versions): the path parameters of
// Azure's "Gallery InVMAccessControlProfiles - Create Or Update" request (or a reference to a
// Gallery object that supplies them), its body (location, tags, properties) with Azure's own
// JSON names, and the operator's own settings.
//
// +kubebuilder:validation:XValidation:rule="has(self.subscriptionId) == has(oldSelf.subscriptionId) && (!has(self.subscriptionId) || self.subscriptionId == oldSelf.subscriptionId)",message="subscriptionId is immutable: the profile would move to another subscription; create a new GalleryInVMAccessControlProfile instead",fieldPath=".subscriptionId"
// +kubebuilder:validation:XValidation:rule="has(self.azureName) == has(oldSelf.azureName) && (!has(self.azureName) || self.azureName == oldSelf.azureName)",message="azureName is immutable: Azure cannot rename an inVMAccessControlProfile; create a new GalleryInVMAccessControlProfile instead",fieldPath=".azureName"
// +kubebuilder:validation:XValidation:rule="has(self.galleryRef) || has(self.resourceGroupName)",message="Required value: set spec.resourceGroupName and spec.galleryName, or spec.galleryRef",fieldPath=".resourceGroupName"
// +kubebuilder:validation:XValidation:rule="has(self.galleryRef) || has(self.galleryName)",message="Required value: set spec.resourceGroupName and spec.galleryName, or spec.galleryRef",fieldPath=".galleryName"
// +kubebuilder:validation:XValidation:rule="!has(self.galleryRef) || !(has(self.resourceGroupName) || has(self.galleryName) || has(self.subscriptionId))",message="spec.galleryRef excludes spec.subscriptionId, spec.resourceGroupName and spec.galleryName: the profile takes them from the Gallery object",fieldPath=".galleryRef"
// +kubebuilder:validation:XValidation:rule="has(self.galleryRef) == has(oldSelf.galleryRef) && (!has(self.galleryRef) || self.galleryRef.name == oldSelf.galleryRef.name)",message="galleryRef is immutable: the profile would move to another gallery; create a new GalleryInVMAccessControlProfile instead",fieldPath=".galleryRef"
type GalleryInVMAccessControlProfileSpec struct {
	// subscriptionId is the Azure subscription that holds the gallery. When unset, the
	// subscription of the credentials in use is used. Not with galleryRef. Immutable.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	SubscriptionID string `json:"subscriptionId,omitempty"`

	// resourceGroupName is the resource group that holds the gallery. Required unless galleryRef
	// is set. Immutable.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=90
	// +kubebuilder:validation:Pattern=`^[-\w._()]*[-\w_()]$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="resourceGroupName is immutable: the profile would move to another resource group; create a new GalleryInVMAccessControlProfile instead"
	ResourceGroupName string `json:"resourceGroupName,omitempty"`

	// galleryName is the Azure Compute Gallery that holds the profile: letters and digits, with
	// single '_' between them (Azure's pattern for this request). Required unless galleryRef is
	// set. Immutable.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=80
	// +kubebuilder:validation:Pattern=`^[a-zA-Z0-9]+([_]?[a-zA-Z0-9]+)*$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="galleryName is immutable: the profile would move to another gallery; create a new GalleryInVMAccessControlProfile instead"
	GalleryName string `json:"galleryName,omitempty"`

	// galleryRef names a Gallery object in this namespace that holds the profile, instead of
	// subscriptionId, resourceGroupName and galleryName. The profile waits until that Gallery is
	// Ready, and uses its credentials unless credentialsSecretRef is set. Immutable.
	// +optional
	GalleryRef *LocalObjectReference `json:"galleryRef,omitempty"`

	// azureName is the profile's name in Azure (the inVMAccessControlProfileName path
	// parameter). Defaults to metadata.name. At most 80 letters and digits, with single '.', '-'
	// or '_' between them. Immutable.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=80
	// +kubebuilder:validation:Pattern=`^[a-zA-Z0-9]+([-._]?[a-zA-Z0-9]+)*$`
	AzureName string `json:"azureName,omitempty"`

	// location is the Azure region of the profile, normally the gallery's. Immutable.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self.lowerAscii().replace(' ', '') == oldSelf.lowerAscii().replace(' ', '')",message="location is immutable: a profile cannot move to another region; create a new GalleryInVMAccessControlProfile instead"
	Location string `json:"location"`

	// tags are Azure resource tags on the profile. At most 50.
	// +optional
	// +kubebuilder:validation:MaxProperties=50
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.size() <= 512 && self[k].size() <= 256)",message="tag names may have at most 512 characters and values at most 256"
	Tags map[string]string `json:"tags,omitempty"`

	// properties are the profile's properties, as in Azure's request body.
	// +required
	Properties GalleryInVMAccessControlProfileProperties `json:"properties"`

	// managementPolicy says what the operator may do with the Azure resource: Manage (make it
	// match the spec), Observe (read only: report it and where it differs, never write or
	// delete) or Paused (no Azure request at all). Unset: the operator's default
	// (--default-management-policy, Manage unless set).
	// +optional
	ManagementPolicy ManagementPolicy `json:"managementPolicy,omitempty"`

	// deletionPolicy says what happens in Azure when this object is deleted: Delete (the default)
	// deletes the profile, Orphan leaves it in Azure.
	// +optional
	// +kubebuilder:default=Delete
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// credentialsSecretRef names a Secret in this namespace with the service principal used for
	// this profile instead of the operator's (or the referenced Gallery's) credentials.
	// +optional
	CredentialsSecretRef *SecretReference `json:"credentialsSecretRef,omitempty"`
}

// GalleryInVMAccessControlProfileProperties mirror the "properties" object of Azure's
// GalleryInVMAccessControlProfile request body.
type GalleryInVMAccessControlProfileProperties struct {
	// description of the profile. Updatable.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	Description string `json:"description,omitempty"`

	// osType is the operating system of the VMs and scale sets the profile applies to: Windows
	// or Linux. Immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="properties.osType is immutable: create a new GalleryInVMAccessControlProfile instead"
	OSType OperatingSystemType `json:"osType"`

	// applicableHostEndpoint is the host endpoint whose access the profile controls: WireServer
	// or IMDS. Immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="properties.applicableHostEndpoint is immutable: create a new GalleryInVMAccessControlProfile instead"
	ApplicableHostEndpoint EndpointType `json:"applicableHostEndpoint"`
}

// GalleryInVMAccessControlProfileStatus is what the operator observed in Azure.
type GalleryInVMAccessControlProfileStatus struct {
	ARMStatus `json:",inline"`
}

// GalleryInVMAccessControlProfile is an Azure Compute Gallery inVMAccessControlProfile
// (Microsoft.Compute/galleries/inVMAccessControlProfiles, api-version 2024-03-03): the Metadata
// Security Protocol's access control for one host endpoint, whose rules are its versions. It is
// kept in the state its spec describes.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=gacp;galacp,categories=azure
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="OS",type=string,JSONPath=`.spec.properties.osType`
// +kubebuilder:printcolumn:name="Endpoint",type=string,JSONPath=`.spec.properties.applicableHostEndpoint`
// +kubebuilder:printcolumn:name="ProvisioningState",type=string,JSONPath=`.status.provisioningState`
// +kubebuilder:printcolumn:name="Gallery",type=string,JSONPath=`.spec.galleryName`,priority=1
// +kubebuilder:printcolumn:name="Gallery Ref",type=string,JSONPath=`.spec.galleryRef.name`,priority=1
// +kubebuilder:printcolumn:name="Azure ID",type=string,JSONPath=`.status.id`,priority=1
// +kubebuilder:printcolumn:name="Policy",type=string,JSONPath=`.spec.managementPolicy`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="has(self.spec.azureName) || (self.metadata.name.size() <= 80 && self.metadata.name.matches('^[a-zA-Z0-9]+([-._]?[a-zA-Z0-9]+)*$'))",message="metadata.name is the Azure profile name when spec.azureName is unset: it must be at most 80 letters and digits, with single '.', '-' or '_' between them; or set spec.azureName"
type GalleryInVMAccessControlProfile struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the profile wanted in Azure.
	// +required
	Spec GalleryInVMAccessControlProfileSpec `json:"spec"`

	// status is what the operator last observed.
	// +optional
	// +kubebuilder:default={}
	Status GalleryInVMAccessControlProfileStatus `json:"status,omitempty"`
}

// GetManagementPolicy is the policy the spec sets; "" for the operator's default.
func (p *GalleryInVMAccessControlProfile) GetManagementPolicy() ManagementPolicy {
	return p.Spec.ManagementPolicy
}

// GetARMStatus returns the status every kind shares.
func (p *GalleryInVMAccessControlProfile) GetARMStatus() *ARMStatus { return &p.Status.ARMStatus }

// AzureProfileName is the profile's name in Azure: spec.azureName or metadata.name.
func (p *GalleryInVMAccessControlProfile) AzureProfileName() string {
	if p.Spec.AzureName != "" {
		return p.Spec.AzureName
	}
	return p.Name
}

// GalleryInVMAccessControlProfileList is a list of GalleryInVMAccessControlProfiles.
// +kubebuilder:object:root=true
type GalleryInVMAccessControlProfileList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []GalleryInVMAccessControlProfile `json:"items"`
}

func init() {
	SchemeBuilder.Register(&GalleryInVMAccessControlProfile{}, &GalleryInVMAccessControlProfileList{})
}
