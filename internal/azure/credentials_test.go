package azure_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/emulator"
	"github.com/azgallery/gallery-operator/internal/emulator/emulatortest"
)

const (
	wiClientID = "6f1d2c3b-4a5e-4f60-8172-93a4b5c6d7e8"
	wiIssuer   = "https://oidc.cluster.example/"
	wiSubject  = "system:serviceaccount:gallery-operator-system:gallery-operator-controller-manager"
)

// projectedToken is what the kubelet writes for a service account token volume: a JWT whose
// issuer and subject match the app's federated credential.
func projectedToken(t *testing.T) string {
	t.Helper()
	enc := func(v any) string {
		raw, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(raw)
	}
	now := time.Now()
	return enc(map[string]string{"alg": "RS256", "typ": "JWT"}) + "." + enc(map[string]any{
		"iss": wiIssuer, "sub": wiSubject, "aud": []string{"api://AzureADTokenExchange"},
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}) + "." + base64.RawURLEncoding.EncodeToString([]byte("signature"))
}

func emulatorCloud(env *emulatortest.Env) azure.Cloud {
	return azure.Cloud{AuthorityHost: env.Server.URL() + "/", ResourceManagerEndpoint: env.Server.URL(),
		ResourceManagerAudience: "https://management.core.windows.net/", CABundle: env.Server.CACertPEM()}
}

// TestCredentialChoice checks which azidentity credential NewCredential builds, and that each
// gets a token from Entra ID (the emulator) for ARM.
func TestCredentialChoice(t *testing.T) {
	env := emulatortest.Start(t, func(c *emulator.Config) {
		c.Principals = append(c.Principals, emulator.Principal{ClientID: wiClientID, Subscriptions: []string{emulator.DefaultSubscriptionID},
			FederatedCredentials: []emulator.FederatedCredential{{Issuer: wiIssuer, Subject: wiSubject}}})
	})
	cloud := emulatorCloud(env)
	httpClient, err := cloud.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(projectedToken(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		creds    azure.Credentials
		wantType string
	}{
		{"client secret", azure.Credentials{TenantID: env.Server.TenantID(), ClientID: env.Server.ClientID(), ClientSecret: env.Server.ClientSecret()}, "*azidentity.ClientSecretCredential"},
		{"workload identity", azure.Credentials{TenantID: env.Server.TenantID(), ClientID: wiClientID, FederatedTokenFile: tokenFile}, "*azidentity.WorkloadIdentityCredential"},
		{"secret wins over a token file", azure.Credentials{TenantID: env.Server.TenantID(), ClientID: env.Server.ClientID(), ClientSecret: env.Server.ClientSecret(), FederatedTokenFile: tokenFile}, "*azidentity.ClientSecretCredential"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cred, err := azure.NewCredential(tc.creds, cloud, httpClient)
			if err != nil {
				t.Fatal(err)
			}
			if got := typeName(cred); got != tc.wantType {
				t.Fatalf("built %s, want %s", got, tc.wantType)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a bound for a hung request only
			defer cancel()
			tok, err := cred.GetToken(ctx, tokenRequest())
			if err != nil {
				t.Fatalf("getting a token: %v", err)
			}
			if tok.Token == "" || !tok.ExpiresOn.After(time.Now()) {
				t.Fatalf("unusable token: expires %s", tok.ExpiresOn)
			}
		})
	}
	t.Run("managed identity without secret or token file", func(t *testing.T) {
		cred, err := azure.NewCredential(azure.Credentials{ClientID: wiClientID}, cloud, httpClient)
		if err != nil {
			t.Fatal(err)
		}
		if got := typeName(cred); got != "*azidentity.ManagedIdentityCredential" {
			t.Fatalf("built %s, want a managed identity credential", got)
		}
	})
	t.Run("a secret without tenant is refused", func(t *testing.T) {
		_, err := azure.NewCredential(azure.Credentials{ClientID: "x", ClientSecret: "s3cr3t"}, cloud, httpClient)
		if err == nil || strings.Contains(err.Error(), "s3cr3t") {
			t.Fatalf("want an error that does not show the secret, got %v", err)
		}
	})
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }

func tokenRequest() policy.TokenRequestOptions {
	return policy.TokenRequestOptions{Scopes: []string{"https://management.core.windows.net//.default"}}
}
