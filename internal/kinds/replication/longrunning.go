package replication

import (
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/reconcile"
)

// Reasons of a version's replication.
const (
	ReasonRegionReplicated = "RegionReplicated"
	ReasonRegionFailed     = "RegionReplicationFailed"
	completed              = "Completed"
	failed                 = "Failed"
	maxPollInterval        = 3 * time.Minute
)

// Versioned is a version object: its status has the replication part.
type Versioned interface {
	reconcile.Object
	GetReplicatedStatus() *v1alpha1.ReplicatedStatus
}

// ReportStatus records what Azure reports of a version's replication into st: nothing when the
// version is absent; rs nil (a read without $expand=ReplicationStatus) keeps what st holds.
func ReportStatus(st *v1alpha1.ReplicatedStatus, exists bool, published *time.Time, rs *armcompute.ReplicationStatus) {
	if !exists {
		*st = v1alpha1.ReplicatedStatus{}
		return
	}
	if published != nil {
		st.PublishedDate = &metav1.Time{Time: *published}
	}
	if rs == nil {
		return
	}
	st.ReplicationStatus = &v1alpha1.ReplicationStatus{AggregatedState: azure.StrOf(rs.AggregatedState)}
	done := 0
	for _, r := range rs.Summary {
		if r == nil {
			continue
		}
		s := v1alpha1.RegionalReplicationStatus{Region: azure.StrOf(r.Region), State: azure.StrOf(r.State),
			Progress: azure.ValueOr(r.Progress, 0), Details: azure.StrOf(r.Details)}
		if s.State == completed {
			done++
		}
		st.ReplicationStatus.Summary = append(st.ReplicationStatus.Summary, s)
	}
	st.Replication = fmt.Sprintf("%d/%d", done, len(st.ReplicationStatus.Summary))
}

// LongRunning is reconcile.LongRunning for a version kind: a version is Ready only once it is
// replicated to every target region, and each region that completes or fails is announced.
type LongRunning[O Versioned, B any] struct{}

// MaxPollInterval caps the poll interval of a replication.
func (LongRunning[O, B]) MaxPollInterval() time.Duration { return maxPollInterval }

// InProgress describes the replication while it is neither completed nor failed.
func (LongRunning[O, B]) InProgress(o O, _ *B) (string, bool) {
	st := o.GetReplicatedStatus()
	rs := st.ReplicationStatus
	if rs == nil || rs.AggregatedState == completed || rs.AggregatedState == failed {
		return "", false
	}
	var parts []string
	for _, r := range rs.Summary {
		part := r.Region + " " + r.State
		if r.State != completed {
			part += fmt.Sprintf(" %d%%", r.Progress)
		}
		parts = append(parts, part)
	}
	return fmt.Sprintf("Replicated to %s regions (%s): %s", st.Replication, rs.AggregatedState, strings.Join(parts, ", ")), true
}

// Notices announce each region whose replication completed or failed since the last read.
func (LongRunning[O, B]) Notices(before, after O) []reconcile.Notice {
	rs := after.GetReplicatedStatus().ReplicationStatus
	if rs == nil {
		return nil
	}
	was := map[string]string{}
	if old := before.GetReplicatedStatus().ReplicationStatus; old != nil {
		for _, r := range old.Summary {
			was[azure.CanonicalLocation(r.Region)] = r.State
		}
	}
	var out []reconcile.Notice
	for _, r := range rs.Summary {
		if was[azure.CanonicalLocation(r.Region)] == r.State {
			continue
		}
		switch r.State {
		case completed:
			out = append(out, reconcile.Notice{Reason: ReasonRegionReplicated, Message: "Replicated to " + r.Region})
		case failed:
			out = append(out, reconcile.Notice{Warning: true, Reason: ReasonRegionFailed, Message: "Replication to " + r.Region + " failed: " + r.Details})
		}
	}
	return out
}
