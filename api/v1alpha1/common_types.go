package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Types shared by every kind of this group: each kind's status embeds ARMStatus, and the spec
// fields that every Azure resource has (deletion policy, credentials) use these types.

// DeletionPolicy says what happens in Azure when the object is deleted.
// +kubebuilder:validation:Enum=Delete;Orphan
type DeletionPolicy string

// Deletion policies.
const (
	// DeletionPolicyDelete deletes the Azure resource before the object goes away.
	DeletionPolicyDelete DeletionPolicy = "Delete"
	// DeletionPolicyOrphan leaves the Azure resource untouched.
	DeletionPolicyOrphan DeletionPolicy = "Orphan"
)

// ManagementPolicy says what the operator may do with the object's Azure resource.
// +kubebuilder:validation:Enum=Manage;Observe;Paused
type ManagementPolicy string

// Management policies.
const (
	// ManagementPolicyManage makes the Azure resource match the spec: create, update, correct
	// drift, delete (as deletionPolicy says).
	ManagementPolicyManage ManagementPolicy = "Manage"
	// ManagementPolicyObserve only reads the Azure resource: the status shows what Azure holds
	// and where it differs from the spec; nothing is written, no action is sent, and deleting the
	// object leaves the resource in Azure.
	ManagementPolicyObserve ManagementPolicy = "Observe"
	// ManagementPolicyPaused sends no Azure request at all until the policy changes; deleting
	// the object leaves the resource in Azure. An operation in flight is followed again after
	// the resume.
	ManagementPolicyPaused ManagementPolicy = "Paused"
)

// SecretReference names a Secret in the object's namespace.
type SecretReference struct {
	// name of the Secret.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// LocalObjectReference names another object of this API group in the same namespace.
type LocalObjectReference struct {
	// name of the object.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// Condition types, shaped for kstatus.
const (
	// ConditionReady is True when Azure holds the resource as specified and it Succeeded.
	ConditionReady = "Ready"
	// ConditionReconciling is present and True while the operator is working towards the spec.
	ConditionReconciling = "Reconciling"
	// ConditionStalled is present and True when only a change by the user can make progress.
	ConditionStalled = "Stalled"
	// ConditionDrifted is present and True while Azure differs from the spec of an object that
	// matched it before (someone changed the resource outside Kubernetes), or, under the
	// Observe policy, whenever Azure differs from the spec; its message names the fields.
	ConditionDrifted = "Drifted"
	// ConditionPaused is present and True while the management policy is Paused.
	ConditionPaused = "Paused"
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
	// time is when the error was first observed: it does not move while Azure repeats the same
	// error.
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
	// OperationShare is a gallery's sharing update (POST .../share).
	OperationShare OperationKind = "Share"
)

// LongRunningOperation is an Azure operation the operator started and follows; it holds what is
// needed to resume polling after a restart of the operator.
type LongRunningOperation struct {
	// kind of the operation: CreateOrUpdate, Delete or Share.
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

// ARMStatus is the part of the status every kind shares: what the operator observed of the
// Azure resource and how far it got.
type ARMStatus struct {
	// observedGeneration is the generation of the spec the status describes; 0 (the default)
	// until the operator first writes the status, so that a new object reads as in progress
	// (kstatus) before that.
	// +optional
	// +kubebuilder:default=0
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready, and Reconciling and Stalled when they are True.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// id is the Azure resource ID.
	// +optional
	ID string `json:"id,omitempty"`

	// provisioningState is Azure's provisioning state of the resource: Creating, Updating,
	// Succeeded, Failed, Deleting or Migrating.
	// +optional
	ProvisioningState string `json:"provisioningState,omitempty"`

	// error is the last error Azure reported for this resource; cleared once it is Ready.
	// +optional
	Error *AzureError `json:"error,omitempty"`

	// operation is the long-running Azure operation in flight, if any.
	// +optional
	Operation *LongRunningOperation `json:"operation,omitempty"`

	// subscriptionId is the subscription the resource was written to, recorded so that deletion
	// targets the same resource even if the default credentials change.
	// +optional
	SubscriptionID string `json:"subscriptionId,omitempty"`

	// lastAppliedSpecHash is the hash of the last request body Azure accepted.
	// +optional
	LastAppliedSpecHash string `json:"lastAppliedSpecHash,omitempty"`

	// lastSyncTime is when the operator had last read the resource from Azure when the status
	// last changed. It moves only with another change of the status, never because time passed:
	// an object whose spec and Azure resource do not change is not written at all.
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`
}
