package azure_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/emulator"
	"github.com/azgallery/gallery-operator/internal/emulator/emulatortest"
	"github.com/azgallery/gallery-operator/internal/metrics"
)

// TestRequestMetrics checks what the alerts and the dashboard read of requests: ARM requests by
// subscription, the request budget's tokens per subscription and principal, and a token that
// Entra ID refused counted as a token failure, not as a request sent.
func TestRequestMetrics(t *testing.T) {
	env := emulatortest.Start(t)
	f, err := azure.NewFactory(emulatorCloud(env), azure.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(azure.WithKind(context.Background(), "TestRequestMetrics"), time.Minute) // a bound for a hung request only
	defer cancel()
	// Upper case: the labels carry the subscription in lower case, whatever its spelling.
	sub := strings.ToUpper(emulator.DefaultSubscriptionID)
	get := func(creds azure.Credentials) error {
		conn, err := f.For(creds, sub)
		if err != nil {
			t.Fatal(err)
		}
		_, err = conn.Compute.NewGalleriesClient().Get(ctx, "rg-metrics", "nogallery", nil)
		return err
	}
	good := azure.Credentials{TenantID: env.Server.TenantID(), ClientID: env.Server.ClientID(), ClientSecret: env.Server.ClientSecret()}
	requests := func(code string) float64 {
		return testutil.ToFloat64(metrics.AzureRequests.WithLabelValues("TestRequestMetrics", emulator.DefaultSubscriptionID,
			"galleries.Get", "GET", code))
	}
	tokenFailures := func() float64 {
		return testutil.ToFloat64(metrics.TokenFailures.WithLabelValues("TestRequestMetrics", azure.CodeAuthenticationFailed))
	}

	if err := get(good); !azure.IsNotFound(err) && !azure.IsParentMissing(err) {
		t.Fatalf("GET of a missing gallery: %v", err)
	}
	if got := requests("404"); got != 1 {
		t.Errorf("requests_total{subscription=%s,code=404} = %v after one GET, want 1", emulator.DefaultSubscriptionID, got)
	}
	budget := testutil.ToFloat64(metrics.BudgetTokens.WithLabelValues(emulator.DefaultSubscriptionID, good.ClientID, "reads"))
	if budget <= 0 || budget > float64(azure.DefaultLimits.ReadBurst) {
		t.Errorf("budget_tokens{bucket=reads} = %v after one read, want within (0, %d]", budget, azure.DefaultLimits.ReadBurst)
	}

	bad := good
	bad.ClientSecret = "not-the-secret"
	if err := get(bad); azure.Classify(err).Code != azure.CodeAuthenticationFailed {
		t.Fatalf("GET with a wrong client secret: %v, want AuthenticationFailed", err)
	}
	if got := tokenFailures(); got != 1 {
		t.Errorf("token_failures_total{code=AuthenticationFailed} = %v, want 1", got)
	}
	if got := requests("error"); got != 0 {
		t.Errorf("requests_total{code=error} = %v after a request that got no token, want 0: it was not sent", got)
	}
}
