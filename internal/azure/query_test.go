package azure

import (
	"context"
	"net/http"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

type recordURL struct{ got *string }

func (r recordURL) Do(req *http.Request) (*http.Response, error) {
	*r.got = req.URL.RawQuery
	return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
}

// TestWithQueryAddsTheParameter: a request made with WithQuery's context carries the parameter
// besides its own; one made without it is unchanged.
func TestWithQueryAddsTheParameter(t *testing.T) {
	var got string
	pl := runtime.NewPipeline("m", "v", runtime.PipelineOptions{PerCall: []policy.Policy{queryPolicy{}}},
		&policy.ClientOptions{Transport: recordURL{&got}, Retry: policy.RetryOptions{MaxRetries: -1}})
	send := func(ctx context.Context) string {
		req, err := runtime.NewRequest(ctx, http.MethodGet, "https://example.com/x?api-version=2024-03-03")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pl.Do(req); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if q := send(WithQuery(context.Background(), "$expand", "ReplicationStatus")); q != "%24expand=ReplicationStatus&api-version=2024-03-03" {
		t.Errorf("with WithQuery: query %q", q)
	}
	if q := send(context.Background()); q != "api-version=2024-03-03" {
		t.Errorf("without: query %q", q)
	}
}
