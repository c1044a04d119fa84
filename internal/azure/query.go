package azure

import (
	"context"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

type queryKey struct{}

// WithQuery records in ctx a query parameter that the requests made with it carry besides the
// SDK's own: one Azure answers to that the SDK's options lack (an inVMAccessControlProfile
// version's $expand=ReplicationStatus, which the spec's GET does not declare).
func WithQuery(ctx context.Context, key, value string) context.Context {
	return context.WithValue(ctx, queryKey{}, [2]string{key, value})
}

// queryPolicy adds the query parameter WithQuery recorded, if any.
type queryPolicy struct{}

func (queryPolicy) Do(req *policy.Request) (*http.Response, error) {
	if kv, ok := req.Raw().Context().Value(queryKey{}).([2]string); ok {
		u := req.Raw().URL
		q := u.Query()
		q.Set(kv[0], kv[1])
		u.RawQuery = q.Encode()
	}
	return req.Next()
}
