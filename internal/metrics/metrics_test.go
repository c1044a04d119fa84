package metrics

import (
	"maps"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
)

// series returns the series of g for kind, as "label=value,..." (kind left out) → value.
func series(t *testing.T, g *prometheus.GaugeVec, kind string) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(g)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			ofKind := false
			for _, l := range m.GetLabel() {
				if l.GetName() == "kind" {
					ofKind = l.GetValue() == kind
					continue
				}
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			if ofKind {
				out[strings.Join(labels, ",")] = m.GetGauge().GetValue()
			}
		}
	}
	return out
}

func gallery(conditions ...string) *v1alpha1.Gallery {
	g := &v1alpha1.Gallery{}
	for _, c := range conditions {
		g.Status.Conditions = append(g.Status.Conditions, metav1.Condition{Type: c, Status: metav1.ConditionTrue})
	}
	// Ready is False whenever Reconciling or Stalled is True: a False condition is not counted.
	if len(conditions) > 0 && conditions[0] != v1alpha1.ConditionReady {
		g.Status.Conditions = append(g.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse})
	}
	return g
}

func checkSeries(t *testing.T, step string, got, want map[string]float64) {
	t.Helper()
	if !maps.Equal(got, want) {
		t.Errorf("%s: series %v, want %v", step, got, want)
	}
}

// TestStatesCountObjects checks that the gauges count each object once, by provisioning state and
// by namespace and True condition, follow its changes and drop series that fall to zero.
func TestStatesCountObjects(t *testing.T) {
	s := &States{Kind: "TestCount"}
	s.Set("team-a/ready", "Succeeded", gallery(v1alpha1.ConditionReady))
	s.Set("team-a/stalled", "Failed", gallery(v1alpha1.ConditionStalled))
	s.Set("team-b/new", "Unknown", gallery(v1alpha1.ConditionReconciling))
	s.Set("team-b/new", "Unknown", gallery(v1alpha1.ConditionReconciling)) // unchanged
	checkSeries(t, "three objects", series(t, Objects, s.Kind), map[string]float64{
		"condition=Ready,namespace=team-a": 1, "condition=Stalled,namespace=team-a": 1, "condition=Reconciling,namespace=team-b": 1})
	checkSeries(t, "three objects", series(t, Resources, s.Kind), map[string]float64{
		"provisioning_state=Succeeded": 1, "provisioning_state=Failed": 1, "provisioning_state=Unknown": 1})

	s.Set("team-a/stalled", "Succeeded", gallery(v1alpha1.ConditionReady))
	s.Set("team-b/new", "", nil) // deleted
	checkSeries(t, "fixed and deleted", series(t, Objects, s.Kind), map[string]float64{"condition=Ready,namespace=team-a": 2})
	checkSeries(t, "fixed and deleted", series(t, Resources, s.Kind), map[string]float64{"provisioning_state=Succeeded": 2})

	s.Set("team-a/ready", "", nil)
	s.Set("team-a/stalled", "", nil)
	s.Set("team-a/never-seen", "", nil)
	checkSeries(t, "all gone", series(t, Objects, s.Kind), map[string]float64{})
	checkSeries(t, "all gone", series(t, Resources, s.Kind), map[string]float64{})
}

// TestStatesReplicationProgress checks the progress of a replicating version: the mean over its
// regions, a completed region counting 1, and no series once it completed, failed or is gone.
func TestStatesReplicationProgress(t *testing.T) {
	s := &States{Kind: "TestReplication"}
	version := func(aggregated string, regions ...v1alpha1.RegionalReplicationStatus) *v1alpha1.GalleryImageVersion {
		v := &v1alpha1.GalleryImageVersion{}
		v.Status.ReplicationStatus = &v1alpha1.ReplicationStatus{AggregatedState: aggregated, Summary: regions}
		return v
	}
	replicating := version("InProgress", v1alpha1.RegionalReplicationStatus{Region: "westeurope", State: "Completed", Progress: 100},
		v1alpha1.RegionalReplicationStatus{Region: "eastus", State: "Replicating", Progress: 50})

	s.Set("team-a/v1", "Succeeded", replicating)
	s.Set("team-a/v2", "Succeeded", replicating)
	s.Set("team-a/unread", "Creating", &v1alpha1.GalleryImageVersion{}) // replication not read yet
	checkSeries(t, "replicating", series(t, ReplicationProgress, s.Kind), map[string]float64{
		"name=v1,namespace=team-a": 0.75, "name=v2,namespace=team-a": 0.75})

	s.Set("team-a/v1", "Succeeded", version("Completed"))
	s.Set("team-a/v2", "", nil)
	checkSeries(t, "completed and deleted", series(t, ReplicationProgress, s.Kind), map[string]float64{})

	s.Set("team-a/v1", "Failed", version("Failed", v1alpha1.RegionalReplicationStatus{Region: "eastus", State: "Failed", Progress: 10}))
	checkSeries(t, "failed", series(t, ReplicationProgress, s.Kind), map[string]float64{})

	// Application and profile versions replicate the same way, and are followed the same way.
	app := &v1alpha1.GalleryApplicationVersion{}
	app.Status.ReplicatedStatus = replicating.Status.ReplicatedStatus
	profile := &v1alpha1.GalleryInVMAccessControlProfileVersion{}
	profile.Status.ReplicatedStatus = replicating.Status.ReplicatedStatus
	s.Set("team-a/app-1", "Succeeded", app)
	s.Set("team-a/profile-1", "Succeeded", profile)
	s.Set("team-a/profile", "Succeeded", &v1alpha1.GalleryInVMAccessControlProfile{}) // not a version
	checkSeries(t, "application and profile versions", series(t, ReplicationProgress, s.Kind), map[string]float64{
		"name=app-1,namespace=team-a": 0.75, "name=profile-1,namespace=team-a": 0.75})
}
