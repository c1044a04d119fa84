package appversion

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

// Kind is the GalleryApplicationVersion kind: application versions
// (Microsoft.Compute/galleries/applications/versions). It follows the replication as every
// version kind does.
type Kind struct {
	replication.LongRunning[obj, body]
}

type (
	obj  = *v1alpha1.GalleryApplicationVersion
	body = armcompute.GalleryApplicationVersion
)

var _ reconcile.Kind[obj, body] = Kind{}

// Capabilities: a version may reference a GalleryApplication object, replicates long after
// Azure accepted it, and repeats in a PUT what Azure holds and the spec leaves unset.
func (k Kind) Capabilities() reconcile.Capabilities[obj, body] {
	return reconcile.Capabilities[obj, body]{Parents: k.Parents(), LongRunning: k, WriteRules: k}
}

func (Kind) Noun() string { return "application version" }

// ApplicationRefField indexes GalleryApplicationVersions by the GalleryApplication object they
// reference.
const ApplicationRefField = "spec.applicationRef.name"

// Parents: a version may reference a GalleryApplication object.
func (Kind) Parents() []reconcile.Parent {
	return []reconcile.Parent{{Object: &v1alpha1.GalleryApplication{}, List: &v1alpha1.GalleryApplicationVersionList{},
		Field: ApplicationRefField, NameOf: func(o ctrlclient.Object) string {
			if ref := o.(obj).Spec.ApplicationRef; ref != nil {
				return ref.Name
			}
			return ""
		}}}
}

// Target is the version's path parameters, or those of the GalleryApplication its
// applicationRef names (whose credentials, or its Gallery's, it uses unless it names its own).
func (Kind) Target(ctx context.Context, c ctrlclient.Reader, o obj, needReady bool) (reconcile.Target, error) {
	t := reconcile.Target{Credentials: o.Spec.CredentialsSecretRef, DeletionPolicy: o.Spec.DeletionPolicy,
		SubscriptionID: o.Spec.SubscriptionID}
	appID := func(sub string) (*arm.ResourceID, error) {
		gid, err := parent.GalleryID(sub, o.Spec.ResourceGroupName, o.Spec.GalleryName)
		if err != nil {
			return nil, err
		}
		return parent.ApplicationID(gid, o.Spec.GalleryApplicationName)
	}
	if o.Spec.ApplicationRef != nil {
		app, id, err := parent.Application(ctx, c, o.Namespace, o.Spec.ApplicationRef.Name, needReady)
		if err != nil {
			return t, err
		}
		t.SubscriptionID = id.SubscriptionID
		appID = func(string) (*arm.ResourceID, error) { return id, nil }
		if t.Credentials == nil {
			t.Credentials = parent.CredentialsOfApplication(ctx, c, app)
		}
	}
	t.ID = func(sub string) (*arm.ResourceID, error) {
		aid, err := appID(sub)
		if err != nil {
			return nil, err
		}
		return parent.VersionID(aid, o.AzureVersionName())
	}
	return t, nil
}

func (Kind) Desired(o obj) body                         { return DesiredVersion(&o.Spec) }
func (Kind) Diff(desired body, existing *body) []string { return Diff(desired, existing) }
func (Kind) Hash(desired body) string                   { return SpecHash(desired) }
func (Kind) PutBody(desired body, existing *body) body  { return PutBody(desired, existing) }

// DeleteBlocked: nothing blocks deleting an application version (its safety profile, unlike an
// image version's, has no blockDeletionBeforeEndOfLife).
func (Kind) DeleteBlocked(obj, *body, time.Time) *reconcile.Failure { return nil }

func (Kind) Client(conn *azure.Connection) reconcile.Clients[body] {
	c := client{versions: conn.Compute.NewGalleryApplicationVersionsClient()}
	return reconcile.Clients[body]{Client: c, Lister: c}
}

// ReportStatus records the replication Azure reports and the publishing date.
func (Kind) ReportStatus(o obj, existing *body) {
	var published *time.Time
	var rs *armcompute.ReplicationStatus
	exists := existing != nil && existing.Properties != nil
	if exists {
		rs = existing.Properties.ReplicationStatus
		if pp := existing.Properties.PublishingProfile; pp != nil {
			published = pp.PublishedDate
		}
	}
	replication.ReportStatus(&o.Status.ReplicatedStatus, exists, published, rs)
}

// Hint: the version's errors need no refinement beyond the shared classification.
func (Kind) Hint(*reconcile.Failure) {}
