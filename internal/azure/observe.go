package azure

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/google/uuid"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/azgallery/gallery-operator/internal/metrics"
)

const correlationHeader = "x-ms-correlation-request-id"

type (
	kindKey   struct{}
	objectKey struct{}
)

// WithObject records in ctx the object ("Kind namespace/name") a request is made for, so that the
// request budget can reserve a token for the object when it has to wait.
func WithObject(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, objectKey{}, key)
}

// objectOf is the object WithObject recorded, or "".
func objectOf(ctx context.Context) string {
	k, _ := ctx.Value(objectKey{}).(string)
	return k
}

// WithKind records in ctx the kind of object a request is made for, for the request metrics.
func WithKind(ctx context.Context, kind string) context.Context {
	return context.WithValue(ctx, kindKey{}, kind)
}

// kindOf is the kind WithKind recorded, or "" when none.
func kindOf(ctx context.Context) string {
	k, _ := ctx.Value(kindKey{}).(string)
	return k
}

// observePolicy gives every ARM request a correlation ID, records it in metrics and logs it with
// the reconciled object's namespace/name (from the request's context). It logs no header but the
// correlation and request IDs, and no body. A request that was not sent for want of a token is
// counted as a token failure, not as a request.
type observePolicy struct {
	subscription string
}

func (o observePolicy) Do(req *policy.Request) (*http.Response, error) {
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
	if code := tokenFailure(resp, err); code != "" {
		metrics.TokenFailures.WithLabelValues(kindOf(raw.Context()), code).Inc()
	} else {
		metrics.ObserveRequest(kindOf(raw.Context()), o.subscription, op, raw.Method, status, elapsed.Seconds())
	}
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

// tokenFailure is the code of a request's error when it was not sent because Entra ID gave no
// token (AuthenticationFailed, CredentialUnavailable), "" otherwise.
func tokenFailure(resp *http.Response, err error) string {
	if resp != nil || err == nil {
		return ""
	}
	if code := Classify(err).Code; code == CodeAuthenticationFailed || code == CodeCredentialUnavailable {
		return code
	}
	return ""
}

// resourceTypeNames name ARM resource types (the type segments of a path after the provider
// namespace) in metrics and logs.
var resourceTypeNames = map[string]string{
	"galleries":                  "galleries",
	"galleries/images":           "galleryImages",
	"galleries/images/versions":  "galleryImageVersions",
	"images":                     "images",
	"snapshots":                  "snapshots",
	"disks":                      "disks",
	"locations/operations":       "operationStatus",
	"locations/operationresults": "operationStatus",
	"locations/capsoperations":   "operationStatus",
}

// operationName names the ARM operation of a request from its resource path: the resource type
// ("galleryImages", "galleries", ...), with "List" for a collection and the action's name for a
// POST action ("galleries.Share"), qualified by the verb ("galleryImages.CreateOrUpdate").
func operationName(method, path string) string {
	types, collection := resourceTypes(path)
	name, ok := resourceTypeNames[strings.Join(types, "/")]
	action := ""
	if !ok && method == http.MethodPost && len(types) > 1 {
		// .../galleries/{g}/share: an action on the resource before it
		action = types[len(types)-1]
		name, ok = resourceTypeNames[strings.Join(types[:len(types)-1], "/")]
		collection = false
	}
	if !ok {
		name = "other"
	}
	if name == "operationStatus" {
		return name + ".Get"
	}
	if collection {
		name += "List"
	}
	verb := map[string]string{http.MethodGet: "Get", http.MethodPut: "CreateOrUpdate", http.MethodPatch: "Update",
		http.MethodDelete: "Delete", http.MethodHead: "Head"}[method]
	if action != "" {
		verb = strings.ToUpper(action[:1]) + action[1:]
	}
	if verb == "" {
		verb = method
	}
	return name + "." + verb
}

// resourceTypes returns the type segments of an ARM path after its provider namespace
// (".../providers/Microsoft.Compute/galleries/g/images/i" → galleries, images) and whether the
// path ends on a type (a collection) rather than a name.
func resourceTypes(path string) ([]string, bool) {
	segs := strings.Split(strings.Trim(strings.ToLower(path), "/"), "/")
	start := -1
	for i, s := range segs {
		if s == "providers" && i+1 < len(segs) {
			start = i + 2
		}
	}
	if start < 0 || start > len(segs) {
		return nil, false
	}
	rest := segs[start:]
	var types []string
	for i := 0; i < len(rest); i += 2 {
		types = append(types, rest[i])
	}
	return types, len(rest)%2 == 1
}
