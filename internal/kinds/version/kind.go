package version

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

// ReasonDeletionBlocked is the reason of a deletion the version's safety profile blocks.
const ReasonDeletionBlocked = "DeletionBlockedBeforeEndOfLife"

// Kind is the GalleryImageVersion kind: image versions (Microsoft.Compute/galleries/images/versions).
// It follows the replication as every version kind does.
type Kind struct {
	replication.LongRunning[obj, body]
}

type (
	obj  = *v1alpha1.GalleryImageVersion
	body = armcompute.GalleryImageVersion
)

var _ reconcile.Kind[obj, body] = Kind{}

// Capabilities: a version may reference a GalleryImage object, replicates long after Azure
// accepted it, and has rules of its own for the PUT and the DELETE.
func (k Kind) Capabilities() reconcile.Capabilities[obj, body] {
	return reconcile.Capabilities[obj, body]{Parents: k.Parents(), LongRunning: k, WriteRules: k}
}

func (Kind) Noun() string { return "image version" }

// ImageRefField indexes GalleryImageVersions by the GalleryImage object they reference.
const ImageRefField = "spec.imageRef.name"

// Parents: a version may reference a GalleryImage object.
func (Kind) Parents() []reconcile.Parent {
	return []reconcile.Parent{{Object: &v1alpha1.GalleryImage{}, List: &v1alpha1.GalleryImageVersionList{}, Field: ImageRefField,
		NameOf: func(o ctrlclient.Object) string {
			if ref := o.(obj).Spec.ImageRef; ref != nil {
				return ref.Name
			}
			return ""
		}}}
}

// Target is the version's path parameters, or those of the GalleryImage its imageRef names
// (whose credentials, or its Gallery's, it uses unless it names its own).
func (Kind) Target(ctx context.Context, c ctrlclient.Reader, o obj, needReady bool) (reconcile.Target, error) {
	t := reconcile.Target{Credentials: o.Spec.CredentialsSecretRef, DeletionPolicy: o.Spec.DeletionPolicy,
		SubscriptionID: o.Spec.SubscriptionID}
	imageID := func(sub string) (*arm.ResourceID, error) {
		gid, err := parent.GalleryID(sub, o.Spec.ResourceGroupName, o.Spec.GalleryName)
		if err != nil {
			return nil, err
		}
		return parent.ImageID(gid, o.Spec.GalleryImageName)
	}
	if o.Spec.ImageRef != nil {
		img, id, err := parent.Image(ctx, c, o.Namespace, o.Spec.ImageRef.Name, needReady)
		if err != nil {
			return t, err
		}
		t.SubscriptionID = id.SubscriptionID
		imageID = func(string) (*arm.ResourceID, error) { return id, nil }
		if t.Credentials == nil {
			t.Credentials = parent.CredentialsOfImage(ctx, c, img)
		}
	}
	t.ID = func(sub string) (*arm.ResourceID, error) {
		iid, err := imageID(sub)
		if err != nil {
			return nil, err
		}
		return parent.VersionID(iid, o.AzureVersionName())
	}
	return t, nil
}

func (Kind) Desired(o obj) body { return DesiredVersion(&o.Spec) }

func (Kind) Diff(desired body, existing *body) []string { return Diff(desired, existing) }

func (Kind) Hash(desired body) string                  { return SpecHash(desired) }
func (Kind) PutBody(desired body, existing *body) body { return PutBody(desired, existing) }
func (Kind) Client(conn *azure.Connection) reconcile.Clients[body] {
	c := client{versions: conn.Compute.NewGalleryImageVersionsClient()}
	return reconcile.Clients[body]{Client: c, Lister: c}
}

// ReportStatus records the replication Azure reports and the publishing date.
func (Kind) ReportStatus(o obj, existing *body) {
	var published *time.Time
	var rs *armcompute.ReplicationStatus
	if p := propsOf(existing); p != nil {
		rs = p.ReplicationStatus
		if p.PublishingProfile != nil {
			published = p.PublishingProfile.PublishedDate
		}
	}
	replication.ReportStatus(&o.Status.ReplicatedStatus, propsOf(existing) != nil, published, rs)
}

// propsOf is the version's properties; nil when it is absent or has none.
func propsOf(v *body) *armcompute.GalleryImageVersionProperties {
	if v == nil {
		return nil
	}
	return v.Properties
}

// DeleteBlocked: a version whose safety profile blocks deletion before its end-of-life date is
// not deleted before then; Azure would refuse, and nothing is deleted behind the user's back.
func (Kind) DeleteBlocked(_ obj, existing *body, now time.Time) *reconcile.Failure {
	if existing == nil || existing.Properties == nil || existing.Properties.SafetyProfile == nil ||
		!azure.ValueOr(existing.Properties.SafetyProfile.BlockDeletionBeforeEndOfLife, false) {
		return nil
	}
	var eol *time.Time
	if pp := existing.Properties.PublishingProfile; pp != nil {
		eol = pp.EndOfLifeDate
	}
	if eol != nil && !now.Before(*eol) {
		return nil
	}
	when := "it has no endOfLifeDate"
	if eol != nil {
		when = "its endOfLifeDate is " + eol.UTC().Format(time.RFC3339)
	}
	return reconcile.Refusal(ReasonDeletionBlocked,
		"the image version has safetyProfile.blockDeletionBeforeEndOfLife and "+when+"; it is not deleted before then. "+
			"To remove the object and keep the version in Azure, set spec.deletionPolicy to Orphan")
}

// Hint: the version's errors need no refinement beyond the shared classification.
func (Kind) Hint(*reconcile.Failure) {}
