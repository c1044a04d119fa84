// Package metrics defines the operator's Prometheus metrics, served with controller-runtime's on
// the manager's metrics endpoint. Every metric carries the kind of object (Gallery,
// GalleryImage, ...) it is about.
package metrics

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	// AzureRequests counts ARM requests by kind, operation, HTTP method and status code ("error"
	// when there was no answer).
	AzureRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gallery_operator_azure_requests_total",
		Help: "Azure Resource Manager requests sent, by kind of object, operation, method and HTTP status code.",
	}, []string{"kind", "operation", "method", "code"})

	// AzureRequestDuration is the latency of ARM requests.
	AzureRequestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "gallery_operator_azure_request_duration_seconds",
		Help:    "Latency of Azure Resource Manager requests, by kind of object, operation and method.",
		Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
	}, []string{"kind", "operation", "method"})

	// AzureThrottled counts 429 answers.
	AzureThrottled = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gallery_operator_azure_throttled_total",
		Help: "Azure Resource Manager answers with status 429 (throttled), by kind of object and operation.",
	}, []string{"kind", "operation"})

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
)

func init() {
	metrics.Registry.MustRegister(AzureRequests, AzureRequestDuration, AzureThrottled, OperationDuration, DriftCorrections, Resources)
}

// ObserveRequest records one ARM request made for an object of kind.
func ObserveRequest(kind, operation, method string, status int, seconds float64) {
	code := "error"
	if status > 0 {
		code = strconv.Itoa(status)
	}
	AzureRequests.WithLabelValues(kind, operation, method, code).Inc()
	AzureRequestDuration.WithLabelValues(kind, operation, method).Observe(seconds)
	if status == 429 {
		AzureThrottled.WithLabelValues(kind, operation).Inc()
	}
}

// States tracks each object's provisioning state for the Resources gauge of one kind.
type States struct {
	Kind string

	mu     sync.Mutex
	states map[string]string
}

// Set records the state of the object key ("namespace/name"); an empty state removes it.
func (s *States) Set(key, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.states == nil {
		s.states = map[string]string{}
	}
	if old, ok := s.states[key]; ok == (state != "") && old == state {
		return // unchanged: most reconciles leave the state as it was
	}
	if state == "" {
		delete(s.states, key)
	} else {
		s.states[key] = state
	}
	counts := map[string]float64{}
	for _, st := range s.states {
		counts[st]++
	}
	Resources.DeletePartialMatch(prometheus.Labels{"kind": s.Kind})
	for st, n := range counts {
		Resources.WithLabelValues(s.Kind, st).Set(n)
	}
}
