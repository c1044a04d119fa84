package manager

import (
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// MetricsOptions is the manager's metrics endpoint at bindAddress ("0" disables it). Secure (the
// default, --metrics-secure) serves HTTPS and lets in only requests whose bearer token the API
// server authenticates (TokenReview) and authorises for `get` on the non-resource URL /metrics
// (SubjectAccessReview), as the metrics-reader ClusterRole grants; the manager needs `create` on
// tokenreviews and subjectaccessreviews for it. certDir holds tls.crt and tls.key; empty, a
// self-signed certificate is generated at start. Not secure is plain HTTP, open to anything that
// reaches the port.
func MetricsOptions(bindAddress string, secure bool, certDir string) metricsserver.Options {
	opts := metricsserver.Options{BindAddress: bindAddress}
	if secure {
		opts.SecureServing = true
		opts.FilterProvider = filters.WithAuthenticationAndAuthorization
		opts.CertDir = certDir
	}
	return opts
}
