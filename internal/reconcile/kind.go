// Package reconcile is the kind-agnostic reconcile core: it makes an Azure resource converge on
// the spec of a Kubernetes object, for any kind that describes itself with Kind. The core owns
// observe → diff → write → follow the operation → status and conditions → delete → finalizer →
// errors and backoff → credentials; a kind supplies where its resource lives, its desired body, a
// pure Diff, a hash, and a thin Azure client.
package reconcile

import (
	"context"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
)

// Object is an API object the core reconciles: every kind embeds v1alpha1.ARMStatus and has a
// spec.managementPolicy.
type Object interface {
	client.Object
	GetARMStatus() *v1alpha1.ARMStatus
	GetManagementPolicy() v1alpha1.ManagementPolicy
}

// Target is where an object's Azure resource lives and which credentials reach it.
type Target struct {
	// SubscriptionID is the subscription the spec (or a parent) names; "" for the credentials'
	// own.
	SubscriptionID string
	// ID builds the ARM ID of the resource in the subscription it resolved to.
	ID func(subscription string) (*arm.ResourceID, error)
	// Credentials names the Secret of the credentials to use; nil for the operator's own.
	Credentials *v1alpha1.SecretReference
	// DeletionPolicy says what deleting the object does in Azure.
	DeletionPolicy v1alpha1.DeletionPolicy
}

// Kind describes one kind of Azure resource to the core. O is the API object (a pointer type),
// B the Azure SDK's body of the resource.
type Kind[O Object, B any] interface {
	// Noun is what messages call its Azure resource. (The core finds the API kind's name in the
	// scheme, and reads Azure's id and provisioningState from the ARM body itself.)
	Noun() string
	// Target says where the object's resource lives. A parent that is missing or, when
	// needReady, not Ready yet, is a *WaitingError.
	Target(ctx context.Context, c client.Reader, o O, needReady bool) (Target, error)
	// Desired is the body to PUT, built from the spec alone (pure).
	Desired(o O) B
	// Diff names the properties in which existing (never nil: the core handles an absent
	// resource) differs from desired; nil when a PUT is not needed (pure).
	Diff(desired B, existing *B) []string
	// Hash identifies a desired body: equal bodies (as Diff sees them) hash alike.
	Hash(desired B) string
	// ReportStatus copies what the kind shows of Azure's answer into its own status fields (existing
	// nil: the resource is absent).
	ReportStatus(o O, existing *B)
	// Client is the kind's Azure client for a connection.
	Client(conn *azure.Connection) Clients[B]
	// Capabilities declares what the kind does beyond this interface, once.
	Capabilities() Capabilities[O, B]
	// Hint refines how the core sees the kind's Azure errors (f.Azure is what Azure said): a
	// 409 that only its resource makes terminal, say, or a reason of its own. It may do nothing.
	Hint(f *Failure)
}

// Clients is a kind's Azure client for one connection, with the optional parts its
// capabilities use: nil when the kind has none.
type Clients[B any] struct {
	Client[B]
	// Actions sends and polls the follow-up actions of a kind with Capabilities.FollowUp.
	Actions ActionClient
	// Lister lists a collection, so that one list observes many objects.
	Lister Lister[B]
}

// Client is the narrow Azure side of one kind: observe, create-or-update, delete, and follow the
// operations those start. Errors are returned as the SDK gives them; the core classifies them.
type Client[B any] interface {
	// Get returns the resource, or nil and no error when Azure answers 404 for it.
	Get(ctx context.Context, id *arm.ResourceID) (*B, error)
	// BeginPut sends the PUT and returns the operation it started, without waiting.
	BeginPut(ctx context.Context, id *arm.ResourceID, body B) (azure.Operation, error)
	// BeginDelete sends the DELETE and returns the operation it started, without waiting.
	BeginDelete(ctx context.Context, id *arm.ResourceID) (azure.Operation, error)
	// PollPut and PollDelete poll an operation once; one that failed is an error.
	PollPut(ctx context.Context, id *arm.ResourceID, token string) (azure.Operation, error)
	PollDelete(ctx context.Context, id *arm.ResourceID, token string) (azure.Operation, error)
}

// Capabilities are what a kind does beyond Kind, declared once (Kind.Capabilities); a nil field
// is a capability the kind lacks. The core asks nothing of a kind at run time.
type Capabilities[O Object, B any] struct {
	// Parents are the objects of other kinds that its objects may reference: the children are
	// reconciled when a parent appears, becomes Ready or stops being Ready.
	Parents []Parent
	// FollowUp is a kind with actions besides the PUT (a share action, say).
	FollowUp FollowUp[O, B]
	// LongRunning is a kind whose resource can be Succeeded yet not finished (still
	// replicating to regions).
	LongRunning LongRunning[O, B]
	// WriteRules is a kind with rules of its own for the PUT and the DELETE.
	WriteRules WriteRules[O, B]
}

// Action is a follow-up operation besides the PUT, such as a share action: once Azure's body
// matches the spec, the core asks the kind for the next action and follows its operation like a
// PUT's, until none is left.
type Action struct {
	// Kind names the operation in status.operation (it must survive a restart).
	Kind v1alpha1.OperationKind
	// Reason and Message describe it in the event and the Reconciling condition.
	Reason, Message string
	// Body is what the kind's client sends.
	Body any
}

// FollowUp says which action a resource needs next; nil when none.
type FollowUp[O Object, B any] interface {
	NextAction(o O, existing *B) *Action
	// ActionBeforeDelete is the action the resource needs before Azure accepts its deletion (an
	// access grant revoked, say); it is sent and followed to its end before the DELETE.
	ActionBeforeDelete(o O, existing *B) *Action
}

// ActionClient sends and polls a kind's follow-up actions.
type ActionClient interface {
	BeginAction(ctx context.Context, id *arm.ResourceID, a Action) (azure.Operation, error)
	PollAction(ctx context.Context, id *arm.ResourceID, kind v1alpha1.OperationKind, token string) (azure.Operation, error)
}

// LongRunning is a kind whose resource finishes long after Azure accepted it.
type LongRunning[O Object, B any] interface {
	// InProgress returns a message while the resource is not finished.
	InProgress(o O, existing *B) (string, bool)
	// MaxPollInterval caps the poll interval, which grows with the operation's age.
	MaxPollInterval() time.Duration
	// Notices are the events to record about what changed between two observations (a
	// region's replication completed or failed).
	Notices(before, after O) []Notice
}

// Notice is an event a kind wants recorded about a change it observed.
type Notice struct {
	Warning         bool
	Reason, Message string
}

// WriteRules are a kind's own rules for writing and deleting.
type WriteRules[O Object, B any] interface {
	// PutBody is the body to PUT over an existing resource: it repeats what Azure holds and the
	// spec leaves unset.
	PutBody(desired B, existing *B) B
	// DeleteBlocked is a terminal error when the resource must not be deleted in its state; the
	// DELETE is not sent then.
	DeleteBlocked(o O, existing *B, now time.Time) *Failure
}
