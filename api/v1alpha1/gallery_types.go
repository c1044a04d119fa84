package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// GalleryIdentityType is the kind of managed identity of a gallery.
// +kubebuilder:validation:Enum=SystemAssigned;UserAssigned;"SystemAssigned, UserAssigned";None
type GalleryIdentityType string

// GallerySharingPermission says with whom a gallery is shared.
// +kubebuilder:validation:Enum=Private;Groups;Community
type GallerySharingPermission string

// Gallery sharing permissions.
const (
	SharingPrivate   GallerySharingPermission = "Private"
	SharingGroups    GallerySharingPermission = "Groups"
	SharingCommunity GallerySharingPermission = "Community"
)

// SharingGroupType is the kind of ids a sharing group lists.
// +kubebuilder:validation:Enum=Subscriptions;AADTenants
type SharingGroupType string

// GallerySpec is the desired Azure Compute Gallery: the path parameters of Azure's "Galleries -
// Create Or Update" request, its body (location, tags, identity, properties) with Azure's own JSON
// names, and the operator's own settings.
//
// +kubebuilder:validation:XValidation:rule="has(self.subscriptionId) == has(oldSelf.subscriptionId) && (!has(self.subscriptionId) || self.subscriptionId == oldSelf.subscriptionId)",message="subscriptionId is immutable: the gallery would move to another subscription; create a new Gallery instead",fieldPath=".subscriptionId"
// +kubebuilder:validation:XValidation:rule="has(self.azureName) == has(oldSelf.azureName) && (!has(self.azureName) || self.azureName == oldSelf.azureName)",message="azureName is immutable: Azure cannot rename a gallery; create a new Gallery instead",fieldPath=".azureName"
type GallerySpec struct {
	// subscriptionId is the Azure subscription of the gallery. When unset, the subscription of
	// the credentials in use (AZURE_SUBSCRIPTION_ID) is used. Immutable.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	SubscriptionID string `json:"subscriptionId,omitempty"`

	// resourceGroupName is the resource group of the gallery; it must exist. Immutable.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=90
	// +kubebuilder:validation:Pattern=`^[-\w._()]*[-\w_()]$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="resourceGroupName is immutable: the gallery would move to another resource group; create a new Gallery instead"
	ResourceGroupName string `json:"resourceGroupName"`

	// azureName is the gallery's name in Azure (the galleryName path parameter). Defaults to
	// metadata.name. Gallery names allow letters, digits, '_' and '.' only (no '-'), so a
	// metadata.name with '-' needs azureName. 1-80 characters, starting and ending with a letter
	// or digit. Immutable.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=80
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([A-Za-z0-9._]*[A-Za-z0-9])?$`
	AzureName string `json:"azureName,omitempty"`

	// location is the Azure region of the gallery, for example "westeurope" or "West Europe".
	// Immutable.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self.lowerAscii().replace(' ', '') == oldSelf.lowerAscii().replace(' ', '')",message="location is immutable: a gallery cannot move to another region; create a new Gallery instead"
	Location string `json:"location"`

	// tags are Azure resource tags on the gallery. At most 50; names up to 512 characters, values
	// up to 256.
	// +optional
	// +kubebuilder:validation:MaxProperties=50
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.size() <= 512 && self[k].size() <= 256)",message="tag names may have at most 512 characters and values at most 256"
	Tags map[string]string `json:"tags,omitempty"`

	// identity is the gallery's managed identity, as in Azure's request body.
	// +optional
	Identity *GalleryIdentity `json:"identity,omitempty"`

	// properties are the gallery's properties, as in Azure's request body.
	// +optional
	Properties GalleryProperties `json:"properties,omitempty"`

	// managementPolicy says what the operator may do with the Azure resource: Manage (make it
	// match the spec), Observe (read only: report it and where it differs, never write or
	// delete) or Paused (no Azure request at all). Unset: the operator's default
	// (--default-management-policy, Manage unless set).
	// +optional
	ManagementPolicy ManagementPolicy `json:"managementPolicy,omitempty"`

	// deletionPolicy says what happens in Azure when this object is deleted: Delete (the default)
	// deletes the gallery (Azure refuses while it holds image definitions, applications or
	// profiles; the operator waits), Orphan leaves it in Azure.
	// +optional
	// +kubebuilder:default=Delete
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// credentialsSecretRef names a Secret in this namespace whose keys AZURE_TENANT_ID,
	// AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and optionally AZURE_SUBSCRIPTION_ID are the service
	// principal used for this gallery (and the GalleryImages that reference it without naming
	// their own) instead of the operator's own credentials.
	// +optional
	CredentialsSecretRef *SecretReference `json:"credentialsSecretRef,omitempty"`
}

// GalleryIdentity is the managed identity of a gallery.
// +kubebuilder:validation:XValidation:rule="!has(self.userAssignedIdentities) || self.userAssignedIdentities.size() == 0 || self.type.contains('UserAssigned')",message="identity.userAssignedIdentities needs identity.type UserAssigned or 'SystemAssigned, UserAssigned'",fieldPath=".userAssignedIdentities"
type GalleryIdentity struct {
	// type of identity: SystemAssigned, UserAssigned, "SystemAssigned, UserAssigned" or None.
	// +required
	Type GalleryIdentityType `json:"type"`

	// userAssignedIdentities are the user-assigned identities of the gallery, keyed by their ARM
	// resource IDs (/subscriptions/.../providers/Microsoft.ManagedIdentity/userAssignedIdentities/
	// NAME); each value is an empty object.
	// +optional
	// +kubebuilder:validation:MaxProperties=16
	UserAssignedIdentities map[string]UserAssignedIdentity `json:"userAssignedIdentities,omitempty"`
}

// UserAssignedIdentity is the value of a user-assigned identity in a request: empty.
type UserAssignedIdentity struct{}

// GalleryProperties mirror the "properties" object of Azure's Gallery request body.
type GalleryProperties struct {
	// description of the gallery. Updatable.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	Description string `json:"description,omitempty"`

	// sharingProfile says with whom the gallery is shared. Updatable.
	// +optional
	SharingProfile *SharingProfile `json:"sharingProfile,omitempty"`

	// softDeletePolicy enables soft deletion of the gallery's resources. Updatable.
	// +optional
	SoftDeletePolicy *SoftDeletePolicy `json:"softDeletePolicy,omitempty"`
}

// SharingProfile is a gallery's sharing profile.
// +kubebuilder:validation:XValidation:rule="!has(self.permissions) || self.permissions != 'Community' || has(self.communityGalleryInfo)",message="sharingProfile.communityGalleryInfo is required when sharingProfile.permissions is Community",fieldPath=".communityGalleryInfo"
// +kubebuilder:validation:XValidation:rule="!has(self.groups) || size(self.groups) == 0 || (has(self.permissions) && self.permissions == 'Groups')",message="sharingProfile.groups need sharingProfile.permissions Groups",fieldPath=".groups"
type SharingProfile struct {
	// permissions: Private (the default), Groups (shared with the subscriptions and tenants in
	// groups) or Community.
	// +optional
	Permissions GallerySharingPermission `json:"permissions,omitempty"`

	// groups are the subscriptions and tenants the gallery is shared with. Azure does not take
	// them in the gallery's body: the operator sends the difference with Azure's share action
	// (Add and Remove), once per change.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=2
	Groups []SharingProfileGroup `json:"groups,omitempty"`

	// communityGalleryInfo describes the gallery when it is shared with the community. Required
	// when permissions is Community.
	// +optional
	CommunityGalleryInfo *CommunityGalleryInfo `json:"communityGalleryInfo,omitempty"`
}

// SharingProfileGroup is a list of subscription or tenant ids a gallery is shared with.
type SharingProfileGroup struct {
	// type of the ids: Subscriptions or AADTenants.
	// +required
	Type SharingGroupType `json:"type"`

	// ids of the subscriptions or tenants (GUIDs).
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=100
	// +kubebuilder:validation:items:Pattern=`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	IDs []string `json:"ids,omitempty"`
}

// CommunityGalleryInfo is what a community gallery shows to everyone.
type CommunityGalleryInfo struct {
	// publisherUri is the link to the publisher's website.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	PublisherURI string `json:"publisherUri"`

	// publisherContact is the publisher's support e-mail address.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	PublisherContact string `json:"publisherContact"`

	// eula is the end-user license agreement of the community images.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=4096
	Eula string `json:"eula"`

	// publicNamePrefix is the prefix of the gallery's public name.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=16
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]+$`
	PublicNamePrefix string `json:"publicNamePrefix"`
}

// SoftDeletePolicy is a gallery's soft-deletion setting.
type SoftDeletePolicy struct {
	// isSoftDeleteEnabled keeps deleted resources of the gallery recoverable for a retention time.
	// +optional
	IsSoftDeleteEnabled *bool `json:"isSoftDeleteEnabled,omitempty"`
}

// GalleryIdentifierStatus is Azure's generated identifier of a gallery.
type GalleryIdentifierStatus struct {
	// uniqueName is the gallery's unique name, generated by Azure.
	// +optional
	UniqueName string `json:"uniqueName,omitempty"`
}

// SharingProfileStatus is the sharing Azure reports.
type SharingProfileStatus struct {
	// permissions Azure holds.
	// +optional
	Permissions string `json:"permissions,omitempty"`
	// groups the gallery is shared with, as Azure reports them.
	// +optional
	Groups []SharingProfileGroup `json:"groups,omitempty"`
	// communityGalleryEnabled is true once community sharing is enabled.
	// +optional
	CommunityGalleryEnabled bool `json:"communityGalleryEnabled,omitempty"`
	// publicNames are the community gallery's public names.
	// +optional
	PublicNames []string `json:"publicNames,omitempty"`
}

// SharingStatus is the gallery's sharing state per region, as Azure reports it.
type SharingStatus struct {
	// aggregatedState of the sharing: Succeeded, InProgress, Failed or Unknown.
	// +optional
	AggregatedState string `json:"aggregatedState,omitempty"`
	// summary per region.
	// +optional
	Summary []RegionalSharingStatus `json:"summary,omitempty"`
}

// RegionalSharingStatus is the sharing state of one region.
type RegionalSharingStatus struct {
	// region name.
	// +optional
	Region string `json:"region,omitempty"`
	// state of the sharing in the region.
	// +optional
	State string `json:"state,omitempty"`
	// details of the state.
	// +optional
	Details string `json:"details,omitempty"`
}

// GalleryStatus is what the operator observed in Azure.
type GalleryStatus struct {
	ARMStatus `json:",inline"`

	// identifier is the gallery's identifier generated by Azure.
	// +optional
	Identifier *GalleryIdentifierStatus `json:"identifier,omitempty"`

	// sharingProfile is the sharing Azure reports, including the groups.
	// +optional
	SharingProfile *SharingProfileStatus `json:"sharingProfile,omitempty"`

	// sharingStatus is the gallery's sharing state as Azure reports it.
	// +optional
	SharingStatus *SharingStatus `json:"sharingStatus,omitempty"`
}

// Gallery is an Azure Compute Gallery (Microsoft.Compute/galleries, api-version 2024-03-03), kept
// in the state its spec describes.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=gal,categories=azure
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="ProvisioningState",type=string,JSONPath=`.status.provisioningState`
// +kubebuilder:printcolumn:name="Unique Name",type=string,JSONPath=`.status.identifier.uniqueName`,priority=1
// +kubebuilder:printcolumn:name="Azure ID",type=string,JSONPath=`.status.id`,priority=1
// +kubebuilder:printcolumn:name="Policy",type=string,JSONPath=`.spec.managementPolicy`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="has(self.spec.azureName) || (self.metadata.name.size() <= 80 && self.metadata.name.matches('^[A-Za-z0-9]([A-Za-z0-9._]*[A-Za-z0-9])?$'))",message="metadata.name is the Azure gallery name when spec.azureName is unset, and gallery names allow only letters, digits, '_' and '.': set spec.azureName (for example with '_' for '-')"
type Gallery struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the gallery wanted in Azure.
	// +required
	Spec GallerySpec `json:"spec"`

	// status is what the operator last observed.
	// +optional
	// +kubebuilder:default={}
	Status GalleryStatus `json:"status,omitempty"`
}

// GetARMStatus returns the status every kind shares.
func (g *Gallery) GetARMStatus() *ARMStatus { return &g.Status.ARMStatus }

// GetManagementPolicy is the policy the spec sets; "" for the operator's default.
func (g *Gallery) GetManagementPolicy() ManagementPolicy { return g.Spec.ManagementPolicy }

// AzureGalleryName is the gallery's name in Azure: spec.azureName or metadata.name.
func (g *Gallery) AzureGalleryName() string {
	if g.Spec.AzureName != "" {
		return g.Spec.AzureName
	}
	return g.Name
}

// GalleryList is a list of Galleries.
// +kubebuilder:object:root=true
type GalleryList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Gallery `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Gallery{}, &GalleryList{})
}
