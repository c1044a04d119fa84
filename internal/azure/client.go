package azure

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
)

// ImageRef locates an image definition in Azure.
type ImageRef struct {
	SubscriptionID string
	ResourceGroup  string
	Gallery        string
	Name           string
}

// String is the image's ARM resource path.
func (r ImageRef) String() string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/galleries/%s/images/%s",
		r.SubscriptionID, r.ResourceGroup, r.Gallery, r.Name)
}

// Operation is the state of a long-running Azure operation after starting or polling it.
type Operation struct {
	// ResumeToken resumes polling, also from another process; empty once Done.
	ResumeToken string
	// Done is true when Azure finished the operation successfully.
	Done bool
	// RetryAfter is how long Azure asked the client to wait before polling again (0: not said).
	RetryAfter time.Duration
}

// Images is the narrow Azure side of the reconciler: observe, create-or-update, delete, and
// follow the operations those start. Errors are returned as the SDK gives them; Classify them.
type Images interface {
	// Get returns the image, or nil and no error when Azure answers 404 for the image itself.
	Get(ctx context.Context, ref ImageRef) (*armcompute.GalleryImage, error)
	// CreateOrUpdate sends the PUT and returns the operation it started, without waiting.
	CreateOrUpdate(ctx context.Context, ref ImageRef, body armcompute.GalleryImage) (Operation, error)
	// Delete sends the DELETE and returns the operation it started, without waiting.
	Delete(ctx context.Context, ref ImageRef) (Operation, error)
	// PollCreateOrUpdate polls a create-or-update once; an operation that failed is an error.
	PollCreateOrUpdate(ctx context.Context, ref ImageRef, token string) (Operation, error)
	// PollDelete polls a delete once; an operation that failed is an error.
	PollDelete(ctx context.Context, ref ImageRef, token string) (Operation, error)
}

// Factory makes Images clients for a set of credentials and a subscription, and caches them:
// one credential (token cache) and one client per distinct credentials and subscription.
type Factory struct {
	cloud      Cloud
	httpClient *http.Client
	limits     Limits

	mu       sync.Mutex
	clients  map[string]*galleryImages
	limiters map[string]*subscriptionLimiter
}

// NewFactory returns a factory for the cloud c, with client-side rate limits per subscription.
func NewFactory(c Cloud, limits Limits) (*Factory, error) {
	httpClient, err := c.HTTPClient()
	if err != nil {
		return nil, err
	}
	return &Factory{cloud: c, httpClient: httpClient, limits: limits,
		clients: map[string]*galleryImages{}, limiters: map[string]*subscriptionLimiter{}}, nil
}

// ErrNoSubscription means neither the resource nor the credentials name a subscription.
var ErrNoSubscription = errors.New("no subscription: set spec.subscriptionId or AZURE_SUBSCRIPTION_ID in the credentials")

// For returns the Images client for creds in subscription (creds.SubscriptionID when empty).
func (f *Factory) For(creds Credentials, subscription string) (Images, string, error) {
	if subscription == "" {
		subscription = creds.SubscriptionID
	}
	if subscription == "" {
		return nil, "", ErrNoSubscription
	}
	key := credentialsKey(creds) + "/" + strings.ToLower(subscription)
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.clients[key]; ok {
		return c, subscription, nil
	}
	cred, err := NewCredential(creds, f.cloud, f.httpClient)
	if err != nil {
		return nil, "", fmt.Errorf("building Azure credentials (%s): %w", creds, err)
	}
	client, err := armcompute.NewGalleryImagesClient(subscription, cred, f.clientOptions(subscription))
	if err != nil {
		return nil, "", fmt.Errorf("building the gallery images client: %w", err)
	}
	c := &galleryImages{client: client}
	f.clients[key] = c
	return c, subscription, nil
}

// credentialsKey identifies credentials without keeping the secret in memory in clear.
func credentialsKey(c Credentials) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{c.TenantID, c.ClientID, c.ClientSecret, c.FederatedTokenFile}, "\x00")))
	return hex.EncodeToString(sum[:12])
}

// clientOptions are the ARM pipeline options: no SDK retries (the reconciler retries without
// blocking a worker, honouring Retry-After), the subscription's rate limiter, request
// observation for metrics and logs.
func (f *Factory) clientOptions(subscription string) *arm.ClientOptions {
	return &arm.ClientOptions{
		ClientOptions: policy.ClientOptions{
			Cloud:           f.cloud.Configuration(),
			Transport:       f.httpClient,
			Retry:           policy.RetryOptions{MaxRetries: -1},
			PerCallPolicies: []policy.Policy{f.limiterFor(subscription), observePolicy{}},
			Telemetry:       policy.TelemetryOptions{ApplicationID: "gallery-operator"},
		},
		DisableRPRegistration: true,
	}
}

func (f *Factory) limiterFor(subscription string) *subscriptionLimiter {
	key := strings.ToLower(subscription)
	if l, ok := f.limiters[key]; ok {
		return l
	}
	l := newSubscriptionLimiter(f.limits)
	f.limiters[key] = l
	return l
}

// galleryImages implements Images with armcompute's GalleryImagesClient.
type galleryImages struct {
	client *armcompute.GalleryImagesClient
}

func (g *galleryImages) Get(ctx context.Context, ref ImageRef) (*armcompute.GalleryImage, error) {
	resp, err := g.client.Get(ctx, ref.ResourceGroup, ref.Gallery, ref.Name, nil)
	if err != nil {
		if IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return &resp.GalleryImage, nil
}

func (g *galleryImages) CreateOrUpdate(ctx context.Context, ref ImageRef, body armcompute.GalleryImage) (Operation, error) {
	poller, err := g.client.BeginCreateOrUpdate(ctx, ref.ResourceGroup, ref.Gallery, ref.Name, body, nil)
	if err != nil {
		return Operation{}, err
	}
	return started(ctx, poller)
}

func (g *galleryImages) Delete(ctx context.Context, ref ImageRef) (Operation, error) {
	poller, err := g.client.BeginDelete(ctx, ref.ResourceGroup, ref.Gallery, ref.Name, nil)
	if err != nil {
		return Operation{}, err
	}
	return started(ctx, poller)
}

func (g *galleryImages) PollCreateOrUpdate(ctx context.Context, ref ImageRef, token string) (Operation, error) {
	poller, err := g.client.BeginCreateOrUpdate(ctx, ref.ResourceGroup, ref.Gallery, ref.Name, armcompute.GalleryImage{},
		&armcompute.GalleryImagesClientBeginCreateOrUpdateOptions{ResumeToken: token})
	if err != nil {
		return Operation{}, fmt.Errorf("resuming the create-or-update operation: %w", err)
	}
	return pollOnce(ctx, poller)
}

func (g *galleryImages) PollDelete(ctx context.Context, ref ImageRef, token string) (Operation, error) {
	poller, err := g.client.BeginDelete(ctx, ref.ResourceGroup, ref.Gallery, ref.Name,
		&armcompute.GalleryImagesClientBeginDeleteOptions{ResumeToken: token})
	if err != nil {
		return Operation{}, fmt.Errorf("resuming the delete operation: %w", err)
	}
	return pollOnce(ctx, poller)
}

// started describes an operation just begun: Azure may already have finished it.
func started[T any](ctx context.Context, poller *runtime.Poller[T]) (Operation, error) {
	if poller.Done() {
		if _, err := poller.Result(ctx); err != nil {
			return Operation{}, &OperationFailedError{Err: err}
		}
		return Operation{Done: true}, nil
	}
	token, err := poller.ResumeToken()
	if err != nil {
		return Operation{}, fmt.Errorf("getting the operation's resume token: %w", err)
	}
	return Operation{ResumeToken: token}, nil
}

// pollOnce makes one status request; a finished operation's failure is returned as an error.
func pollOnce[T any](ctx context.Context, poller *runtime.Poller[T]) (Operation, error) {
	resp, err := poller.Poll(ctx)
	if err != nil {
		return Operation{}, err
	}
	if poller.Done() {
		if _, err := poller.Result(ctx); err != nil {
			return Operation{}, &OperationFailedError{Err: err}
		}
		return Operation{Done: true}, nil
	}
	token, err := poller.ResumeToken()
	if err != nil {
		return Operation{}, fmt.Errorf("getting the operation's resume token: %w", err)
	}
	return Operation{ResumeToken: token, RetryAfter: retryAfter(resp)}, nil
}

// OperationFailedError is a long-running operation that Azure ended as Failed or Canceled, as
// opposed to a request that failed.
type OperationFailedError struct{ Err error }

func (e *OperationFailedError) Error() string { return "the Azure operation failed: " + e.Err.Error() }

// Unwrap returns the SDK's error, which carries Azure's error code.
func (e *OperationFailedError) Unwrap() error { return e.Err }

// retryAfter is how long a response asks the client to wait (0 when it does not say).
func retryAfter(resp *http.Response) time.Duration {
	if resp == nil {
		return 0
	}
	return retryAfterFromHeader(resp.Header)
}
