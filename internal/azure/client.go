package azure

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
)

// Connection is what a kind's Azure client is built from: the SDK's client factory for one set
// of credentials and one subscription. Its clients share one pipeline (token cache, rate
// limiter, request observation), so building a client per request costs nothing.
type Connection struct {
	SubscriptionID string
	Compute        *armcompute.ClientFactory
}

// Factory makes Connections for credentials and a subscription, and caches them: one credential
// (token cache) and one pipeline per distinct credentials and subscription, whatever the kind.
type Factory struct {
	cloud      Cloud
	httpClient *http.Client
	limits     Limits

	mu       sync.Mutex
	conns    map[string]*Connection
	limiters map[string]*subscriptionLimiter
}

// NewFactory returns a factory for the cloud c, with client-side rate limits per subscription.
func NewFactory(c Cloud, limits Limits) (*Factory, error) {
	httpClient, err := c.HTTPClient()
	if err != nil {
		return nil, err
	}
	return &Factory{cloud: c, httpClient: httpClient, limits: limits,
		conns: map[string]*Connection{}, limiters: map[string]*subscriptionLimiter{}}, nil
}

// ErrNoSubscription means neither the resource nor the credentials name a subscription.
var ErrNoSubscription = errors.New("no subscription: set spec.subscriptionId or AZURE_SUBSCRIPTION_ID in the credentials")

// For returns the Connection for creds in subscription (creds.SubscriptionID when empty).
func (f *Factory) For(creds Credentials, subscription string) (*Connection, error) {
	if subscription == "" {
		subscription = creds.SubscriptionID
	}
	if subscription == "" {
		return nil, ErrNoSubscription
	}
	key := credentialsKey(creds) + "/" + strings.ToLower(subscription)
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.conns[key]; ok {
		return c, nil
	}
	cred, err := NewCredential(creds, f.cloud, f.httpClient)
	if err != nil {
		return nil, fmt.Errorf("building Azure credentials (%s): %w", creds, err)
	}
	compute, err := armcompute.NewClientFactory(subscription, cred, f.clientOptions(key, creds.ClientID, strings.ToLower(subscription)))
	if err != nil {
		return nil, fmt.Errorf("building the compute clients: %w", err)
	}
	c := &Connection{SubscriptionID: subscription, Compute: compute}
	f.conns[key] = c
	return c, nil
}

// credentialsKey identifies credentials without keeping the secret in memory in clear.
func credentialsKey(c Credentials) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{c.TenantID, c.ClientID, c.ClientSecret, c.FederatedTokenFile}, "\x00")))
	return hex.EncodeToString(sum[:12])
}

// clientOptions are the ARM pipeline options: no SDK retries (the reconciler retries without
// blocking a worker, honouring Retry-After), the request budget of the principal in the
// subscription (ARM counts per both), request observation for metrics and logs, the query
// parameters WithQuery adds.
func (f *Factory) clientOptions(budgetKey, clientID, subscription string) *arm.ClientOptions {
	return &arm.ClientOptions{
		ClientOptions: policy.ClientOptions{
			Cloud:           f.cloud.Configuration(),
			Transport:       f.httpClient,
			Retry:           policy.RetryOptions{MaxRetries: -1},
			PerCallPolicies: []policy.Policy{f.limiterFor(budgetKey, clientID, subscription), observePolicy{subscription: subscription}, queryPolicy{}},
			Telemetry:       policy.TelemetryOptions{ApplicationID: "gallery-operator"},
		},
		DisableRPRegistration: true,
	}
}

func (f *Factory) limiterFor(key, clientID, subscription string) *subscriptionLimiter {
	if l, ok := f.limiters[key]; ok {
		return l
	}
	l := newSubscriptionLimiter(f.limits, clientID, subscription)
	f.limiters[key] = l
	return l
}
