package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// GalleryApplicationSpec is the desired application definition: the path parameters of Azure's
// "Gallery Applications - Create Or Update" request (or a reference to a Gallery object that
// supplies them), its body (location, tags, properties) with Azure's own JSON names, and the
// operator's own settings.
//
// +kubebuilder:validation:XValidation:rule="has(self.subscriptionId) == has(oldSelf.subscriptionId) && (!has(self.subscriptionId) || self.subscriptionId == oldSelf.subscriptionId)",message="subscriptionId is immutable: the application would move to another subscription; create a new GalleryApplication instead"
// +kubebuilder:validation:XValidation:rule="has(self.azureName) == has(oldSelf.azureName) && (!has(self.azureName) || self.azureName == oldSelf.azureName)",message="azureName is immutable: Azure cannot rename an application definition; create a new GalleryApplication instead"
// +kubebuilder:validation:XValidation:rule="has(self.galleryRef) || has(self.resourceGroupName)",message="Required value: set spec.resourceGroupName and spec.galleryName, or spec.galleryRef",fieldPath=".resourceGroupName"
// +kubebuilder:validation:XValidation:rule="has(self.galleryRef) || has(self.galleryName)",message="Required value: set spec.resourceGroupName and spec.galleryName, or spec.galleryRef",fieldPath=".galleryName"
// +kubebuilder:validation:XValidation:rule="!has(self.galleryRef) || !(has(self.resourceGroupName) || has(self.galleryName) || has(self.subscriptionId))",message="spec.galleryRef excludes spec.subscriptionId, spec.resourceGroupName and spec.galleryName: the application takes them from the Gallery object",fieldPath=".galleryRef"
// +kubebuilder:validation:XValidation:rule="has(self.galleryRef) == has(oldSelf.galleryRef) && (!has(self.galleryRef) || self.galleryRef.name == oldSelf.galleryRef.name)",message="galleryRef is immutable: the application would move to another gallery; create a new GalleryApplication instead",fieldPath=".galleryRef"
type GalleryApplicationSpec struct {
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
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="resourceGroupName is immutable: the application would move to another resource group; create a new GalleryApplication instead"
	ResourceGroupName string `json:"resourceGroupName,omitempty"`

	// galleryName is the Azure Compute Gallery that holds the application definition. Required
	// unless galleryRef is set. Immutable.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=80
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([A-Za-z0-9._]*[A-Za-z0-9])?$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="galleryName is immutable: the application would move to another gallery; create a new GalleryApplication instead"
	GalleryName string `json:"galleryName,omitempty"`

	// galleryRef names a Gallery object in this namespace that holds the application definition,
	// instead of subscriptionId, resourceGroupName and galleryName. The application waits until
	// that Gallery is Ready, and uses its credentials unless credentialsSecretRef is set.
	// Immutable.
	// +optional
	GalleryRef *LocalObjectReference `json:"galleryRef,omitempty"`

	// azureName is the application definition's name in Azure (the galleryApplicationName path
	// parameter). Defaults to metadata.name. 1-80 letters, digits, '.', '-' and '_', starting with
	// a letter or digit and ending with a letter, digit or '_'. Immutable.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=80
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9_])?$`
	AzureName string `json:"azureName,omitempty"`

	// location is the Azure region of the application definition, normally the gallery's.
	// Immutable.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self.lowerAscii().replace(' ', '') == oldSelf.lowerAscii().replace(' ', '')",message="location is immutable: an application definition cannot move to another region; create a new GalleryApplication instead"
	Location string `json:"location"`

	// tags are Azure resource tags on the application definition. At most 50.
	// +optional
	// +kubebuilder:validation:MaxProperties=50
	Tags map[string]string `json:"tags,omitempty"`

	// properties are the application definition's properties, as in Azure's request body.
	// +required
	Properties GalleryApplicationProperties `json:"properties"`

	// managementPolicy says what the operator may do with the Azure resource: Manage (make it
	// match the spec), Observe (read only: report it and where it differs, never write or
	// delete) or Paused (no Azure request at all). Unset: the operator's default
	// (--default-management-policy, Manage unless set).
	// +optional
	ManagementPolicy ManagementPolicy `json:"managementPolicy,omitempty"`

	// deletionPolicy says what happens in Azure when this object is deleted: Delete (the default)
	// deletes the application definition, Orphan leaves it in Azure.
	// +optional
	// +kubebuilder:default=Delete
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// credentialsSecretRef names a Secret in this namespace with the service principal used for
	// this application instead of the operator's (or the referenced Gallery's) credentials.
	// +optional
	CredentialsSecretRef *SecretReference `json:"credentialsSecretRef,omitempty"`
}

// GalleryApplicationProperties mirror the "properties" object of Azure's GalleryApplication
// request body.
type GalleryApplicationProperties struct {
	// supportedOSType is the operating system the application is built for: Windows or Linux.
	// Immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="properties.supportedOSType is immutable: create a new GalleryApplication instead"
	SupportedOSType OperatingSystemType `json:"supportedOSType"`

	// description of the application definition. Updatable.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	Description string `json:"description,omitempty"`

	// eula is the end-user license agreement of the application.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	Eula string `json:"eula,omitempty"`

	// privacyStatementUri is the URI of the application's privacy statement.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	PrivacyStatementURI string `json:"privacyStatementUri,omitempty"`

	// releaseNoteUri is the URI of the application's release notes.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	ReleaseNoteURI string `json:"releaseNoteUri,omitempty"`

	// endOfLifeDate is when the application definition is retired (RFC 3339 date-time).
	// Updatable.
	// +optional
	EndOfLifeDate *metav1.Time `json:"endOfLifeDate,omitempty"`

	// customActions can be run with every version of the application, each name once.
	// +optional
	// +listType=map
	// +listMapKey=name
	CustomActions []GalleryApplicationCustomAction `json:"customActions,omitempty"`
}

// GalleryApplicationCustomAction is a custom action that can be run with an application version.
type GalleryApplicationCustomAction struct {
	// name of the custom action, unique within the application (version).
	// +required
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`

	// script run by the custom action.
	// +required
	// +kubebuilder:validation:MinLength=1
	Script string `json:"script"`

	// description of what the custom action does.
	// +optional
	Description string `json:"description,omitempty"`

	// parameters the custom action takes, each name once.
	// +optional
	// +listType=map
	// +listMapKey=name
	Parameters []GalleryApplicationCustomActionParameter `json:"parameters,omitempty"`
}

// GalleryApplicationCustomActionParameterType is the type of a custom action's parameter.
// +kubebuilder:validation:Enum=String;ConfigurationDataBlob;LogOutputBlob
type GalleryApplicationCustomActionParameterType string

// GalleryApplicationCustomActionParameter is a parameter of a custom action.
// +kubebuilder:validation:XValidation:rule="!has(self.defaultValue) || !has(self.type) || self.type == 'String'",message="defaultValue applies only to String parameters (Azure refuses one for other types)",fieldPath=".defaultValue"
type GalleryApplicationCustomActionParameter struct {
	// name of the parameter.
	// +required
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`

	// required says whether the parameter must be passed when the action runs.
	// +optional
	Required *bool `json:"required,omitempty"`

	// type of the parameter: String, ConfigurationDataBlob or LogOutputBlob.
	// +optional
	Type GalleryApplicationCustomActionParameterType `json:"type,omitempty"`

	// defaultValue of the parameter; only for String parameters.
	// +optional
	DefaultValue string `json:"defaultValue,omitempty"`

	// description of the parameter.
	// +optional
	Description string `json:"description,omitempty"`
}

// GalleryApplicationStatus is what the operator observed in Azure.
type GalleryApplicationStatus struct {
	ARMStatus `json:",inline"`
}

// GalleryApplication is an Azure Compute Gallery application definition
// (Microsoft.Compute/galleries/applications, api-version 2024-03-03), kept in the state its spec
// describes. Azure writes it at once and reports no provisioningState for it.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=gapp;galapp,categories=azure
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="OS",type=string,JSONPath=`.spec.properties.supportedOSType`
// +kubebuilder:printcolumn:name="Gallery",type=string,JSONPath=`.spec.galleryName`,priority=1
// +kubebuilder:printcolumn:name="Gallery Ref",type=string,JSONPath=`.spec.galleryRef.name`,priority=1
// +kubebuilder:printcolumn:name="Azure ID",type=string,JSONPath=`.status.id`,priority=1
// +kubebuilder:printcolumn:name="Policy",type=string,JSONPath=`.spec.managementPolicy`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="has(self.spec.azureName) || (self.metadata.name.size() <= 80 && self.metadata.name.matches('^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9_])?$'))",message="metadata.name is the Azure application name when spec.azureName is unset: it must be 1-80 letters, digits, '.', '-' or '_', starting with a letter or digit and ending with a letter, digit or '_'; or set spec.azureName"
type GalleryApplication struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the application definition wanted in Azure.
	// +required
	Spec GalleryApplicationSpec `json:"spec"`

	// status is what the operator last observed.
	// +optional
	// +kubebuilder:default={}
	Status GalleryApplicationStatus `json:"status,omitempty"`
}

// GetARMStatus returns the status every kind shares.
func (a *GalleryApplication) GetARMStatus() *ARMStatus { return &a.Status.ARMStatus }

// GetManagementPolicy is the policy the spec sets; "" for the operator's default.
func (a *GalleryApplication) GetManagementPolicy() ManagementPolicy { return a.Spec.ManagementPolicy }

// AzureApplicationName is the application definition's name in Azure: spec.azureName or
// metadata.name.
func (a *GalleryApplication) AzureApplicationName() string {
	if a.Spec.AzureName != "" {
		return a.Spec.AzureName
	}
	return a.Name
}

// GalleryApplicationList is a list of GalleryApplications.
// +kubebuilder:object:root=true
type GalleryApplicationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []GalleryApplication `json:"items"`
}

func init() {
	SchemeBuilder.Register(&GalleryApplication{}, &GalleryApplicationList{})
}
