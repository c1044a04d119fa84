package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AccessControlRulesMode says whether a profile version's rules are audited, enforced or off.
// +kubebuilder:validation:Enum=Audit;Enforce;Disabled
type AccessControlRulesMode string

// EndpointAccess is what a request that no rule allows gets: Allow or Deny.
// +kubebuilder:validation:Enum=Allow;Deny
type EndpointAccess string

// GalleryInVMAccessControlProfileVersionSpec is the desired inVMAccessControlProfile version:
// the path parameters of Azure's "Gallery InVMAccessControlProfile Versions - Create Or Update"
// request (or a reference to a GalleryInVMAccessControlProfile object that supplies them), its
// body (location, tags, properties) with Azure's own JSON names, and the operator's own
// settings.
//
// +kubebuilder:validation:XValidation:rule="has(self.profileRef) || (has(self.resourceGroupName) && has(self.galleryName) && has(self.inVMAccessControlProfileName))",message="Required value: set spec.resourceGroupName, spec.galleryName and spec.inVMAccessControlProfileName, or spec.profileRef",fieldPath=".profileRef"
// +kubebuilder:validation:XValidation:rule="!has(self.profileRef) || !(has(self.resourceGroupName) || has(self.galleryName) || has(self.inVMAccessControlProfileName) || has(self.subscriptionId))",message="spec.profileRef excludes spec.subscriptionId, spec.resourceGroupName, spec.galleryName and spec.inVMAccessControlProfileName: the version takes them from the GalleryInVMAccessControlProfile object",fieldPath=".profileRef"
// +kubebuilder:validation:XValidation:rule="has(self.profileRef) == has(oldSelf.profileRef) && (!has(self.profileRef) || self.profileRef.name == oldSelf.profileRef.name)",message="profileRef is immutable: the version would move to another profile; create a new GalleryInVMAccessControlProfileVersion instead",fieldPath=".profileRef"
// +kubebuilder:validation:XValidation:rule="has(self.subscriptionId) == has(oldSelf.subscriptionId) && (!has(self.subscriptionId) || self.subscriptionId == oldSelf.subscriptionId)",message="subscriptionId is immutable",fieldPath=".subscriptionId"
// +kubebuilder:validation:XValidation:rule="has(self.azureName) == has(oldSelf.azureName) && (!has(self.azureName) || self.azureName == oldSelf.azureName)",message="azureName is immutable: Azure cannot rename a profile version",fieldPath=".azureName"
// +kubebuilder:validation:XValidation:rule="!has(self.properties.targetLocations) || size(self.properties.targetLocations) == 0 || self.properties.targetLocations.exists(r, r.name.lowerAscii().replace(' ', \"\") == self.location.lowerAscii().replace(' ', \"\"))",message="spec.properties.targetLocations must include the version's own location (spec.location): Azure replicates from there",fieldPath=".properties.targetLocations"
type GalleryInVMAccessControlProfileVersionSpec struct {
	// subscriptionId is the Azure subscription that holds the gallery. When unset, the
	// subscription of the credentials in use is used. Not with profileRef. Immutable.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	SubscriptionID string `json:"subscriptionId,omitempty"`

	// resourceGroupName is the resource group of the gallery. Required unless profileRef is set.
	// Immutable.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=90
	// +kubebuilder:validation:Pattern=`^[-\w._()]*[-\w_()]$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="resourceGroupName is immutable"
	ResourceGroupName string `json:"resourceGroupName,omitempty"`

	// galleryName is the gallery of the profile: letters and digits, with single '_' between
	// them. Required unless profileRef is set. Immutable.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=80
	// +kubebuilder:validation:Pattern=`^[a-zA-Z0-9]+([_]?[a-zA-Z0-9]+)*$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="galleryName is immutable"
	GalleryName string `json:"galleryName,omitempty"`

	// inVMAccessControlProfileName is the profile the version belongs to: at most 80 letters and
	// digits, with single '.', '-' or '_' between them. Required unless profileRef is set.
	// Immutable.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=80
	// +kubebuilder:validation:Pattern=`^[a-zA-Z0-9]+([-._]?[a-zA-Z0-9]+)*$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="inVMAccessControlProfileName is immutable"
	InVMAccessControlProfileName string `json:"inVMAccessControlProfileName,omitempty"`

	// profileRef names a GalleryInVMAccessControlProfile object in this namespace that the
	// version belongs to, instead of the path parameters. The version waits until that profile is
	// Ready, and uses its credentials (or its Gallery's) unless credentialsSecretRef is set.
	// Immutable.
	// +optional
	ProfileRef *LocalObjectReference `json:"profileRef,omitempty"`

	// azureName is the version's name in Azure, major.minor.patch with each part a 32-bit
	// integer, for example 1.0.0. Defaults to metadata.name. Immutable.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^[0-9]{1,10}\.[0-9]{1,10}\.[0-9]{1,10}$`
	// +kubebuilder:validation:XValidation:rule="self.split('.').all(p, int(p) <= 2147483647)",message="azureName: each part of major.minor.patch must be a 32-bit integer (at most 2147483647)"
	AzureName string `json:"azureName,omitempty"`

	// location is the Azure region of the version; it must be one of the target locations.
	// Immutable.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self.lowerAscii().replace(' ', '') == oldSelf.lowerAscii().replace(' ', '')",message="location is immutable: create a new GalleryInVMAccessControlProfileVersion instead"
	Location string `json:"location"`

	// tags are Azure resource tags on the version. At most 50.
	// +optional
	// +kubebuilder:validation:MaxProperties=50
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.size() <= 512 && self[k].size() <= 256)",message="tag names may have at most 512 characters and values at most 256"
	Tags map[string]string `json:"tags,omitempty"`

	// properties are the version's properties, as in Azure's request body.
	// +required
	Properties GalleryInVMAccessControlProfileVersionProperties `json:"properties"`

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
	// this version instead of the operator's (or the referenced profile's) credentials.
	// +optional
	CredentialsSecretRef *SecretReference `json:"credentialsSecretRef,omitempty"`
}

// GalleryInVMAccessControlProfileVersionProperties mirror the "properties" object of Azure's
// request body. Every property is updatable.
type GalleryInVMAccessControlProfileVersionProperties struct {
	// mode of the rules: Audit (log what they would deny), Enforce (deny it) or Disabled.
	// +required
	Mode AccessControlRulesMode `json:"mode"`

	// defaultAccess is what a request that no rule allows gets: Allow or Deny.
	// +required
	DefaultAccess EndpointAccess `json:"defaultAccess"`

	// rules grant privileges (HTTP paths of the endpoint) to identities (users, groups,
	// processes in the VM) through roles.
	// +optional
	Rules *AccessControlRules `json:"rules,omitempty"`

	// targetLocations are the regions the version is replicated to, each at most once (names
	// compared as Azure does: "West Europe" is "westeurope"). They must include the version's
	// location; Azure replicates to the location alone when none is given.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:XValidation:rule="self.all(r, self.filter(o, o.name.lowerAscii().replace(' ', '') == r.name.lowerAscii().replace(' ', '')).size() == 1)",message="targetLocations names a region twice (Azure compares region names ignoring case and spaces)"
	TargetLocations []TargetRegion `json:"targetLocations,omitempty"`

	// excludeFromLatest keeps VMs that use the profile's latest version from using this one.
	// +optional
	ExcludeFromLatest *bool `json:"excludeFromLatest,omitempty"`
}

// AccessControlRules are the rules of a profile version: privileges, the roles that group them,
// the identities in the VM, and the role assignments that give identities roles. Every privilege
// a role names, and every role and identity an assignment names, must be defined here.
//
// +kubebuilder:validation:XValidation:rule="!has(self.roles) || self.roles.all(r, r.privileges.all(p, has(self.privileges) && self.privileges.exists(q, q.name == p)))",message="properties.rules.roles: every privilege a role names must be defined in properties.rules.privileges",fieldPath=".roles"
// +kubebuilder:validation:XValidation:rule="!has(self.roleAssignments) || self.roleAssignments.all(a, has(self.roles) && self.roles.exists(r, r.name == a.role))",message="properties.rules.roleAssignments: every role an assignment names must be defined in properties.rules.roles",fieldPath=".roleAssignments"
// +kubebuilder:validation:XValidation:rule="!has(self.roleAssignments) || self.roleAssignments.all(a, a.identities.all(i, has(self.identities) && self.identities.exists(d, d.name == i)))",message="properties.rules.roleAssignments: every identity an assignment names must be defined in properties.rules.identities",fieldPath=".roleAssignments"
type AccessControlRules struct {
	// privileges are HTTP requests of the endpoint, each name once.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=32
	Privileges []AccessControlRulesPrivilege `json:"privileges,omitempty"`

	// roles group privileges, each name once.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=32
	Roles []AccessControlRulesRole `json:"roles,omitempty"`

	// identities are who in the VM makes a request, each name once.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=32
	Identities []AccessControlRulesIdentity `json:"identities,omitempty"`

	// roleAssignments give identities a role, each role once.
	// +optional
	// +listType=map
	// +listMapKey=role
	// +kubebuilder:validation:MaxItems=32
	RoleAssignments []AccessControlRulesRoleAssignment `json:"roleAssignments,omitempty"`
}

// AccessControlRulesPrivilege is an HTTP request of the endpoint: a path and, optionally, query
// parameters it must have.
type AccessControlRulesPrivilege struct {
	// name of the privilege, which roles name.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	Name string `json:"name"`

	// path of the request, for example /machine or /metadata/identity/oauth2/token.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^/`
	Path string `json:"path"`

	// queryParameters the request must have, by name, for example comp: goalstate.
	// +optional
	// +kubebuilder:validation:MaxProperties=32
	QueryParameters map[string]string `json:"queryParameters,omitempty"`
}

// AccessControlRulesRole is a named set of privileges.
type AccessControlRulesRole struct {
	// name of the role, which role assignments name.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	Name string `json:"name"`

	// privileges of the role, by name: each must be defined in rules.privileges.
	// +required
	// +listType=set
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=128
	Privileges []string `json:"privileges"`
}

// AccessControlRulesIdentity is who in the VM makes a request: a user, a group, an executable or
// a process, or a combination of them.
type AccessControlRulesIdentity struct {
	// name of the identity, which role assignments name.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	Name string `json:"name"`

	// userName the request runs as, for example SYSTEM.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	UserName string `json:"userName,omitempty"`

	// groupName the request's user belongs to, for example Administrators.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	GroupName string `json:"groupName,omitempty"`

	// exePath is the path of the executable that makes the request.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	ExePath string `json:"exePath,omitempty"`

	// processName is the name of the process that makes the request.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	ProcessName string `json:"processName,omitempty"`
}

// AccessControlRulesRoleAssignment gives identities a role.
type AccessControlRulesRoleAssignment struct {
	// role assigned, by name: it must be defined in rules.roles.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	Role string `json:"role"`

	// identities given the role, by name: each must be defined in rules.identities.
	// +required
	// +listType=set
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=128
	Identities []string `json:"identities"`
}

// GalleryInVMAccessControlProfileVersionStatus is what the operator observed in Azure.
type GalleryInVMAccessControlProfileVersionStatus struct {
	ARMStatus        `json:",inline"`
	ReplicatedStatus `json:",inline"`
}

// GalleryInVMAccessControlProfileVersion is a version of an Azure Compute Gallery
// inVMAccessControlProfile (Microsoft.Compute/galleries/inVMAccessControlProfiles/versions,
// api-version 2024-03-03): the Metadata Security Protocol's rules, replicated to its target
// locations, kept in the state its spec describes.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=gacpv;galacpver,categories=azure
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Mode",type=string,JSONPath=`.spec.properties.mode`
// +kubebuilder:printcolumn:name="Replicated",type=string,JSONPath=`.status.replication`
// +kubebuilder:printcolumn:name="Replication",type=string,JSONPath=`.status.replicationStatus.aggregatedState`
// +kubebuilder:printcolumn:name="ProvisioningState",type=string,JSONPath=`.status.provisioningState`,priority=1
// +kubebuilder:printcolumn:name="Profile Ref",type=string,JSONPath=`.spec.profileRef.name`,priority=1
// +kubebuilder:printcolumn:name="Policy",type=string,JSONPath=`.spec.managementPolicy`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="has(self.spec.azureName) || (self.metadata.name.matches('^[0-9]{1,10}[.][0-9]{1,10}[.][0-9]{1,10}$') && self.metadata.name.split('.').all(p, int(p) <= 2147483647))",message="metadata.name is the Azure version name when spec.azureName is unset: it must be major.minor.patch with each part a 32-bit integer, for example 1.0.0; or set spec.azureName"
type GalleryInVMAccessControlProfileVersion struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the profile version wanted in Azure.
	// +required
	Spec GalleryInVMAccessControlProfileVersionSpec `json:"spec"`

	// status is what the operator last observed.
	// +optional
	// +kubebuilder:default={}
	Status GalleryInVMAccessControlProfileVersionStatus `json:"status,omitempty"`
}

// GetManagementPolicy is the policy the spec sets; "" for the operator's default.
func (v *GalleryInVMAccessControlProfileVersion) GetManagementPolicy() ManagementPolicy {
	return v.Spec.ManagementPolicy
}

// GetARMStatus returns the status every kind shares.
func (v *GalleryInVMAccessControlProfileVersion) GetARMStatus() *ARMStatus {
	return &v.Status.ARMStatus
}

// GetReplicatedStatus returns the replication part of the status.
func (v *GalleryInVMAccessControlProfileVersion) GetReplicatedStatus() *ReplicatedStatus {
	return &v.Status.ReplicatedStatus
}

// AzureVersionName is the version's name in Azure: spec.azureName or metadata.name.
func (v *GalleryInVMAccessControlProfileVersion) AzureVersionName() string {
	if v.Spec.AzureName != "" {
		return v.Spec.AzureName
	}
	return v.Name
}

// GalleryInVMAccessControlProfileVersionList is a list of GalleryInVMAccessControlProfileVersions.
// +kubebuilder:object:root=true
type GalleryInVMAccessControlProfileVersionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []GalleryInVMAccessControlProfileVersion `json:"items"`
}

func init() {
	SchemeBuilder.Register(&GalleryInVMAccessControlProfileVersion{}, &GalleryInVMAccessControlProfileVersionList{})
}
