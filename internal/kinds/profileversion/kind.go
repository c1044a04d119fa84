package profileversion

import (
	"context"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/kinds/parent"
	"github.com/azgallery/gallery-operator/internal/kinds/replication"
	"github.com/azgallery/gallery-operator/internal/reconcile"
)

// Kind is the GalleryInVMAccessControlProfileVersion kind: inVMAccessControlProfile versions
// (Microsoft.Compute/galleries/inVMAccessControlProfiles/versions). It follows the replication
// to its target locations as every version kind does.
type Kind struct {
	replication.LongRunning[obj, body]
}

type (
	obj  = *v1alpha1.GalleryInVMAccessControlProfileVersion
	body = armcompute.GalleryInVMAccessControlProfileVersion
)

var _ reconcile.Kind[obj, body] = Kind{}

// Capabilities: a version may reference a GalleryInVMAccessControlProfile object, replicates
// long after Azure accepted it, and repeats in a PUT what Azure holds and the spec leaves unset.
func (k Kind) Capabilities() reconcile.Capabilities[obj, body] {
	return reconcile.Capabilities[obj, body]{Parents: k.Parents(), LongRunning: k, WriteRules: k}
}

func (Kind) Noun() string { return "inVMAccessControlProfile version" }

// ProfileRefField indexes GalleryInVMAccessControlProfileVersions by the profile object they
// reference.
const ProfileRefField = "spec.profileRef.name"

// Parents: a version may reference a GalleryInVMAccessControlProfile object.
func (Kind) Parents() []reconcile.Parent {
	return []reconcile.Parent{{Object: &v1alpha1.GalleryInVMAccessControlProfile{}, List: &v1alpha1.GalleryInVMAccessControlProfileVersionList{},
		Field: ProfileRefField, NameOf: func(o ctrlclient.Object) string {
			if ref := o.(obj).Spec.ProfileRef; ref != nil {
				return ref.Name
			}
			return ""
		}}}
}

// Target is the version's path parameters, or those of the profile its profileRef names (whose
// credentials, or its Gallery's, it uses unless it names its own).
func (Kind) Target(ctx context.Context, c ctrlclient.Reader, o obj, needReady bool) (reconcile.Target, error) {
	t := reconcile.Target{Credentials: o.Spec.CredentialsSecretRef, DeletionPolicy: o.Spec.DeletionPolicy,
		SubscriptionID: o.Spec.SubscriptionID}
	profileID := func(sub string) (*arm.ResourceID, error) {
		gid, err := parent.GalleryID(sub, o.Spec.ResourceGroupName, o.Spec.GalleryName)
		if err != nil {
			return nil, err
		}
		return parent.ProfileID(gid, o.Spec.InVMAccessControlProfileName)
	}
	if o.Spec.ProfileRef != nil {
		p, id, err := parent.Profile(ctx, c, o.Namespace, o.Spec.ProfileRef.Name, needReady)
		if err != nil {
			return t, err
		}
		t.SubscriptionID = id.SubscriptionID
		profileID = func(string) (*arm.ResourceID, error) { return id, nil }
		if t.Credentials == nil {
			t.Credentials = parent.CredentialsOfProfile(ctx, c, p)
		}
	}
	t.ID = func(sub string) (*arm.ResourceID, error) {
		pid, err := profileID(sub)
		if err != nil {
			return nil, err
		}
		return parent.VersionID(pid, o.AzureVersionName())
	}
	return t, nil
}

func (Kind) Desired(o obj) body                         { return DesiredVersion(&o.Spec) }
func (Kind) Diff(desired body, existing *body) []string { return Diff(desired, existing) }
func (Kind) Hash(desired body) string                   { return SpecHash(desired) }
func (Kind) PutBody(desired body, existing *body) body  { return PutBody(desired, existing) }

// DeleteBlocked: nothing blocks deleting a profile version (it has no safety profile).
func (Kind) DeleteBlocked(obj, *body, time.Time) *reconcile.Failure { return nil }

func (Kind) Client(conn *azure.Connection) reconcile.Clients[body] {
	c := client{versions: conn.Compute.NewGalleryInVMAccessControlProfileVersionsClient()}
	return reconcile.Clients[body]{Client: c, Lister: c}
}

// ReportStatus records the replication Azure reports and the publishing date.
func (Kind) ReportStatus(o obj, existing *body) {
	var published *time.Time
	var rs *armcompute.ReplicationStatus
	exists := existing != nil && existing.Properties != nil
	if exists {
		published, rs = existing.Properties.PublishedDate, existing.Properties.ReplicationStatus
	}
	replication.ReportStatus(&o.Status.ReplicatedStatus, exists, published, rs)
}

// Hint: the version's errors need no refinement beyond the shared classification.
func (Kind) Hint(*reconcile.Failure) {}
