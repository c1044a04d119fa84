package azure

import (
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/google/uuid"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/azgallery/gallery-operator/internal/metrics"
)

const correlationHeader = "x-ms-correlation-request-id"

// observePolicy gives every ARM request a correlation ID, records it in metrics and logs it with
// the reconciled object's namespace/name (from the request's context). It logs no header but the
// correlation and request IDs, and no body.
type observePolicy struct{}

func (observePolicy) Do(req *policy.Request) (*http.Response, error) {
	raw := req.Raw()
	if raw.Header.Get(correlationHeader) == "" {
		raw.Header.Set(correlationHeader, uuid.NewString())
	}
	start := time.Now()
	resp, err := req.Next()
	elapsed := time.Since(start)
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	op := operationName(raw.Method, raw.URL.Path)
	metrics.ObserveRequest(op, raw.Method, status, elapsed.Seconds())
	logger := log.FromContext(raw.Context()).V(1)
	if logger.Enabled() {
		kv := []any{"operation", op, "method", raw.Method, "status", status, "duration", elapsed.Round(time.Millisecond).String(),
			"correlationID", raw.Header.Get(correlationHeader)}
		if resp != nil {
			kv = append(kv, "requestID", resp.Header.Get("x-ms-request-id"))
		}
		if err != nil {
			kv = append(kv, "error", err.Error())
		}
		logger.Info("Azure request", kv...)
	}
	return resp, err
}

// operationName names the ARM operation of a request for metrics: the resource type the path
// ends on ("galleryImages", "operations", ...), qualified by the method.
func operationName(method, path string) string {
	segments := strings.Split(strings.Trim(strings.ToLower(path), "/"), "/")
	kind := "other"
	switch {
	case len(segments) >= 2 && segments[len(segments)-2] == "images":
		kind = "galleryImages"
	case len(segments) >= 1 && segments[len(segments)-1] == "images":
		kind = "galleryImagesList"
	case len(segments) >= 2 && (segments[len(segments)-2] == "operations" || segments[len(segments)-2] == "operationresults"):
		kind = "operationStatus"
	}
	verb := map[string]string{http.MethodGet: "Get", http.MethodPut: "CreateOrUpdate", http.MethodPatch: "Update", http.MethodDelete: "Delete"}[method]
	if verb == "" {
		verb = method
	}
	return kind + "." + verb
}
