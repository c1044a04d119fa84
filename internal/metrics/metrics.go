// Package metrics defines the operator's Prometheus metrics, served with controller-runtime's on
// the manager's metrics endpoint. Every metric about objects carries the kind of object (Gallery,
// GalleryImage, ...) it is about; the request budget's, shared by all kinds, does not.
// docs/operations.md has the alerts and the dashboard built on them.
package metrics

import (
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
)

var (
	// AzureRequests counts ARM requests by kind, subscription, operation, HTTP method and status
	// code ("error" when there was no answer).
	AzureRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gallery_operator_azure_requests_total",
		Help: "Azure Resource Manager requests sent, by kind of object, subscription, operation, method and HTTP status code.",
	}, []string{"kind", "subscription", "operation", "method", "code"})

	// AzureRequestDuration is the latency of ARM requests.
	AzureRequestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "gallery_operator_azure_request_duration_seconds",
		Help:    "Latency of Azure Resource Manager requests, by kind of object, operation and method.",
		Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
	}, []string{"kind", "operation", "method"})

	// AzureThrottled counts 429 answers.
	AzureThrottled = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gallery_operator_azure_throttled_total",
		Help: "Azure Resource Manager answers with status 429 (throttled), by kind of object, subscription and operation.",
	}, []string{"kind", "subscription", "operation"})

	// OperationDuration is the time long-running operations took, by kind of object, operation
	// and outcome.
	OperationDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "gallery_operator_azure_operation_duration_seconds",
		Help:    "Duration of Azure long-running operations from start to end, by kind of object, operation and outcome.",
		Buckets: prometheus.ExponentialBuckets(0.5, 2, 14),
	}, []string{"kind", "operation", "outcome"})

	// DriftCorrections counts the writes that corrected changes made outside Kubernetes.
	DriftCorrections = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gallery_operator_drift_corrections_total",
		Help: "Writes that corrected an Azure resource changed outside Kubernetes (drift), by kind of object.",
	}, []string{"kind"})

	// Resources is the number of objects by kind and provisioning state.
	Resources = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "gallery_operator_resources",
		Help: "Objects by kind and Azure provisioning state (Unknown before the first read).",
	}, []string{"kind", "provisioning_state"})

	// Objects is the number of objects by kind, namespace and condition that is True.
	Objects = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "gallery_operator_objects",
		Help: "Objects by kind, namespace and condition (Ready, Reconciling, Stalled) that is True.",
	}, []string{"kind", "namespace", "condition"})

	// ReplicationProgress is the replication of each version that is replicating, from 0 to 1:
	// the mean of its target regions' progress, a completed region counting 1.
	ReplicationProgress = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "gallery_operator_replication_progress_ratio",
		Help: "Replication of each version still replicating (0 to 1, the mean over its target regions); absent once it completed or failed.",
	}, []string{"kind", "namespace", "name"})

	// TokenFailures counts ARM requests not sent because no Entra ID token could be had.
	TokenFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gallery_operator_azure_token_failures_total",
		Help: "Microsoft Entra ID token requests that failed, by kind of object and code (AuthenticationFailed, CredentialUnavailable).",
	}, []string{"kind", "code"})

	// BudgetTokens is what a request budget held after its last request: below 0, requests wait
	// for tokens reserved for them.
	BudgetTokens = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "gallery_operator_azure_budget_tokens",
		Help: "Tokens left in the ARM request budget of a subscription and principal (client ID) after its last request, by bucket (reads, writes, deletes); negative while requests wait for reserved tokens.",
	}, []string{"subscription", "client_id", "bucket"})
)

// Collectors are the operator's metrics, registered with controller-runtime's.
var Collectors = []prometheus.Collector{AzureRequests, AzureRequestDuration, AzureThrottled, OperationDuration, DriftCorrections,
	Resources, Objects, ReplicationProgress, TokenFailures, BudgetTokens}

func init() {
	metrics.Registry.MustRegister(Collectors...)
}

// ObserveRequest records one ARM request made for an object of kind in subscription.
func ObserveRequest(kind, subscription, operation, method string, status int, seconds float64) {
	code := "error"
	if status > 0 {
		code = strconv.Itoa(status)
	}
	AzureRequests.WithLabelValues(kind, subscription, operation, method, code).Inc()
	AzureRequestDuration.WithLabelValues(kind, operation, method).Observe(seconds)
	if status == 429 {
		AzureThrottled.WithLabelValues(kind, subscription, operation).Inc()
	}
}

// Object is what States reads of an object: its conditions and, for a GalleryImageVersion, its
// replication.
type Object interface {
	GetARMStatus() *v1alpha1.ARMStatus
}

// conditionTypes are the conditions the Objects gauge counts.
var conditionTypes = [...]string{v1alpha1.ConditionReady, v1alpha1.ConditionReconciling, v1alpha1.ConditionStalled}

// States tracks the objects of one kind for the Resources and Objects gauges, and the
// ReplicationProgress of its versions.
type States struct {
	Kind string

	mu      sync.Mutex
	objects map[string]objectState
	counts  map[tallyKey]float64
}

// objectState is what the gauges count of one object.
type objectState struct {
	state      string
	namespace  string
	conditions [len(conditionTypes)]bool
}

// tallyKey is one series of a gauge that counts objects.
type tallyKey struct {
	gauge  *prometheus.GaugeVec
	labels string
}

// Set records the provisioning state and conditions of the object key ("namespace/name"), and
// its replication; an empty state removes it (obj may then be nil).
func (s *States) Set(key, state string, obj Object) {
	namespace, name, _ := strings.Cut(key, "/")
	if p, ok := replication(obj); ok && state != "" {
		ReplicationProgress.WithLabelValues(s.Kind, namespace, name).Set(p)
	} else {
		ReplicationProgress.DeleteLabelValues(s.Kind, namespace, name)
	}
	next := objectState{state: state, namespace: namespace}
	if state != "" {
		for i, c := range conditionTypes {
			next.conditions[i] = meta.IsStatusConditionTrue(obj.GetARMStatus().Conditions, c)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.objects == nil {
		s.objects, s.counts = map[string]objectState{}, map[tallyKey]float64{}
	}
	old, ok := s.objects[key]
	if ok == (state != "") && old == next {
		return // unchanged: most reconciles leave the state as it was
	}
	if ok {
		s.count(old, -1)
	}
	if state == "" {
		delete(s.objects, key)
		return
	}
	s.objects[key] = next
	s.count(next, 1)
}

// count adds n objects in state o to the gauges.
func (s *States) count(o objectState, n float64) {
	s.add(Resources, n, s.Kind, o.state)
	for i, c := range conditionTypes {
		if o.conditions[i] {
			s.add(Objects, n, s.Kind, o.namespace, c)
		}
	}
}

// add adds n to a gauge's series, removing the series when it falls to 0.
func (s *States) add(g *prometheus.GaugeVec, n float64, labels ...string) {
	k := tallyKey{g, strings.Join(labels, "\x00")}
	s.counts[k] += n
	if s.counts[k] == 0 {
		delete(s.counts, k)
		g.DeleteLabelValues(labels...)
		return
	}
	g.WithLabelValues(labels...).Set(s.counts[k])
}

// replicated is an object whose status has the replication part: the three version kinds.
type replicated interface {
	GetReplicatedStatus() *v1alpha1.ReplicatedStatus
}

// replication is the progress of a version that is replicating, from 0 to 1: the mean of its
// target regions' progress, a completed region counting 1. Azure's states are Unknown,
// InProgress, Completed and Failed (per region Replicating instead of InProgress).
func replication(obj Object) (float64, bool) {
	v, ok := obj.(replicated)
	if !ok || v.GetReplicatedStatus().ReplicationStatus == nil {
		return 0, false
	}
	rs := v.GetReplicatedStatus().ReplicationStatus
	if rs.AggregatedState == "Completed" || rs.AggregatedState == "Failed" {
		return 0, false
	}
	sum := 0.0
	for _, r := range rs.Summary {
		if r.State == "Completed" {
			sum++
		} else {
			sum += float64(r.Progress) / 100
		}
	}
	return sum / float64(max(len(rs.Summary), 1)), true
}
