// Package emulatortest starts an in-process Azure emulator for Go tests and
// wires real Azure SDK credentials and client options to it.
package emulatortest

import (
	"context"
	"net/http"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/azgallery/gallery-operator/internal/emulator"
)

// Env is a running emulator with SDK plumbing pointed at it.
type Env struct {
	Server  *emulator.Server
	Control *emulator.Control
	// HTTPClient trusts the emulator CA.
	HTTPClient *http.Client
	// Cloud has the emulator as Entra authority host and ARM endpoint.
	Cloud cloud.Configuration
	// Credential is a client-secret credential of the default principal.
	Credential azcore.TokenCredential
	// ClientOptions are ready for armcompute/armresources New*Client calls.
	ClientOptions *arm.ClientOptions
	// SubscriptionID is the default principal's subscription.
	SubscriptionID string
}

// Start starts an emulator on 127.0.0.1:0 with fast settings (50 ms
// operations, 10 ms poll interval, 50 ms image-version replication per
// region) unless configure overrides them, and stops it when the test ends.
func Start(t testing.TB, configure ...func(*emulator.Config)) *Env {
	t.Helper()
	cfg := emulator.Config{Listen: "127.0.0.1:0"}
	cfg.Settings.OperationDurationMs = 50
	cfg.Settings.RetryAfterMs = 10
	cfg.Settings.ReplicationSecondsPerRegion = 0.05
	for _, f := range configure {
		f(&cfg)
	}
	srv, err := emulator.New(cfg)
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	env := &Env{
		Server:         srv,
		Control:        srv.Control(),
		HTTPClient:     srv.HTTPClient(),
		Cloud:          CloudConfig(srv.URL()),
		SubscriptionID: srv.SubscriptionID(),
	}
	env.ClientOptions = ClientOptions(srv.URL(), env.HTTPClient)
	cred, err := Credential(srv.URL(), env.HTTPClient, srv.TenantID(), srv.ClientID(), srv.ClientSecret())
	if err != nil {
		t.Fatalf("emulator credential: %v", err)
	}
	env.Credential = cred
	return env
}

// CloudConfig returns a cloud configuration whose Entra authority host and
// ARM endpoint are the emulator at url.
func CloudConfig(url string) cloud.Configuration {
	return cloud.Configuration{
		ActiveDirectoryAuthorityHost: url + "/",
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: url, Audience: "https://management.azure.com"},
		},
	}
}

// ClientOptions returns ARM client options for the emulator at url using
// httpClient (which must trust the emulator CA).
func ClientOptions(url string, httpClient *http.Client) *arm.ClientOptions {
	return &arm.ClientOptions{ClientOptions: policy.ClientOptions{
		Cloud:     CloudConfig(url),
		Transport: httpClient,
	}}
}

// Credential returns a client-secret credential that authenticates against
// the emulator at url (instance discovery disabled).
func Credential(url string, httpClient *http.Client, tenantID, clientID, secret string) (*azidentity.ClientSecretCredential, error) {
	return azidentity.NewClientSecretCredential(tenantID, clientID, secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions: policy.ClientOptions{
			Cloud:     CloudConfig(url),
			Transport: httpClient,
		},
		DisableInstanceDiscovery: true,
	})
}
