// Package metrics defines the operator's Prometheus metrics, served with controller-runtime's on
// the manager's metrics endpoint.
package metrics

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	// AzureRequests counts ARM requests by operation, HTTP method and status code ("error" when
	// there was no answer).
	AzureRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "galleryimage_azure_requests_total",
		Help: "Azure Resource Manager requests sent, by operation, method and HTTP status code.",
	}, []string{"operation", "method", "code"})

	// AzureRequestDuration is the latency of ARM requests.
	AzureRequestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "galleryimage_azure_request_duration_seconds",
		Help:    "Latency of Azure Resource Manager requests, by operation and method.",
		Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
	}, []string{"operation", "method"})

	// AzureThrottled counts 429 answers.
	AzureThrottled = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "galleryimage_azure_throttled_total",
		Help: "Azure Resource Manager answers with status 429 (throttled), by operation.",
	}, []string{"operation"})

	// OperationDuration is the time long-running operations took, by kind and outcome.
	OperationDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "galleryimage_azure_operation_duration_seconds",
		Help:    "Duration of Azure long-running operations from start to end, by kind and outcome.",
		Buckets: prometheus.ExponentialBuckets(0.5, 2, 12),
	}, []string{"kind", "outcome"})

	// Images is the number of GalleryImages by provisioning state.
	Images = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "galleryimage_images",
		Help: "GalleryImage objects by Azure provisioning state (Unknown before the first read).",
	}, []string{"provisioning_state"})
)

func init() {
	metrics.Registry.MustRegister(AzureRequests, AzureRequestDuration, AzureThrottled, OperationDuration, Images)
}

// ObserveRequest records one ARM request.
func ObserveRequest(operation, method string, status int, seconds float64) {
	code := "error"
	if status > 0 {
		code = strconv.Itoa(status)
	}
	AzureRequests.WithLabelValues(operation, method, code).Inc()
	AzureRequestDuration.WithLabelValues(operation, method).Observe(seconds)
	if status == 429 {
		AzureThrottled.WithLabelValues(operation).Inc()
	}
}

// ImageStates tracks each GalleryImage's provisioning state for the Images gauge.
type ImageStates struct {
	mu     sync.Mutex
	states map[string]string
}

// Set records the state of the image key ("namespace/name"); an empty state removes it.
func (s *ImageStates) Set(key, state string) {
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
	Images.Reset()
	for st, n := range counts {
		Images.WithLabelValues(st).Set(n)
	}
}
