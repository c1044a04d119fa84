package azure

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Environment variable names, the ones Azure's own tools use.
const (
	EnvTenantID            = "AZURE_TENANT_ID"
	EnvClientID            = "AZURE_CLIENT_ID"
	EnvClientSecret        = "AZURE_CLIENT_SECRET"
	EnvFederatedTokenFile  = "AZURE_FEDERATED_TOKEN_FILE"
	EnvSubscriptionID      = "AZURE_SUBSCRIPTION_ID"
	EnvAuthorityHost       = "AZURE_AUTHORITY_HOST"
	EnvResourceManagerURL  = "AZURE_RESOURCE_MANAGER_ENDPOINT"
	EnvResourceManagerAud  = "AZURE_RESOURCE_MANAGER_AUDIENCE"
	EnvCABundle            = "AZURE_CA_BUNDLE"
	defaultAuthorityHost   = "https://login.microsoftonline.com/"
	defaultResourceManager = "https://management.azure.com"
	defaultRMAudience      = "https://management.core.windows.net/"
)

// Credentials identify a service principal (or workload / managed identity) and its default
// subscription. ClientSecret is a secret: it never reaches a log, an event or a status.
type Credentials struct {
	TenantID           string
	ClientID           string
	ClientSecret       string
	FederatedTokenFile string
	SubscriptionID     string
}

// String never shows the secret.
func (c Credentials) String() string {
	return fmt.Sprintf("tenant=%s client=%s subscription=%s secret=%t", c.TenantID, c.ClientID, c.SubscriptionID, c.ClientSecret != "")
}

// CredentialsFromEnv reads the operator's default credentials from the environment.
func CredentialsFromEnv() Credentials {
	return Credentials{
		TenantID:           os.Getenv(EnvTenantID),
		ClientID:           os.Getenv(EnvClientID),
		ClientSecret:       os.Getenv(EnvClientSecret),
		FederatedTokenFile: os.Getenv(EnvFederatedTokenFile),
		SubscriptionID:     os.Getenv(EnvSubscriptionID),
	}
}

// CredentialsFromSecretData reads per-resource credentials from a Secret's data, whose keys are
// the environment variable names.
func CredentialsFromSecretData(data map[string][]byte) (Credentials, error) {
	c := Credentials{
		TenantID:       strings.TrimSpace(string(data[EnvTenantID])),
		ClientID:       strings.TrimSpace(string(data[EnvClientID])),
		ClientSecret:   string(data[EnvClientSecret]),
		SubscriptionID: strings.TrimSpace(string(data[EnvSubscriptionID])),
	}
	var missing []string
	for key, v := range map[string]string{EnvTenantID: c.TenantID, EnvClientID: c.ClientID, EnvClientSecret: c.ClientSecret} {
		if v == "" {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return Credentials{}, fmt.Errorf("the credentials Secret lacks the keys %s", strings.Join(missing, ", "))
	}
	return c, nil
}

// Cloud says where Entra ID and Resource Manager are, and which CAs to trust for them.
type Cloud struct {
	AuthorityHost           string
	ResourceManagerEndpoint string
	ResourceManagerAudience string
	// CABundle is PEM data trusted in addition to the system roots.
	CABundle []byte
}

// CloudFromEnv reads the cloud settings from the environment; caBundleFile (a flag) wins over
// AZURE_CA_BUNDLE.
func CloudFromEnv(caBundleFile string) (Cloud, error) {
	c := Cloud{
		AuthorityHost:           envOr(EnvAuthorityHost, defaultAuthorityHost),
		ResourceManagerEndpoint: envOr(EnvResourceManagerURL, defaultResourceManager),
		ResourceManagerAudience: envOr(EnvResourceManagerAud, defaultRMAudience),
	}
	if caBundleFile == "" {
		caBundleFile = os.Getenv(EnvCABundle)
	}
	if caBundleFile != "" {
		pem, err := os.ReadFile(caBundleFile)
		if err != nil {
			return Cloud{}, fmt.Errorf("reading the extra CA bundle: %w", err)
		}
		c.CABundle = pem
	}
	return c, nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// Configuration is the azcore cloud configuration of c.
func (c Cloud) Configuration() cloud.Configuration {
	return cloud.Configuration{
		ActiveDirectoryAuthorityHost: c.AuthorityHost,
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: c.ResourceManagerEndpoint, Audience: c.ResourceManagerAudience},
		},
	}
}

// customAuthority reports whether Entra ID is not Azure's public one, in which case MSAL's
// instance discovery (a call to login.microsoftonline.com) must be off.
func (c Cloud) customAuthority() bool {
	return strings.TrimSuffix(c.AuthorityHost, "/") != strings.TrimSuffix(defaultAuthorityHost, "/")
}

// HTTPClient returns the client for Entra ID and ARM: system roots plus the extra CA bundle.
func (c Cloud) HTTPClient() (*http.Client, error) {
	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil {
		roots = x509.NewCertPool()
	}
	if len(c.CABundle) > 0 && !roots.AppendCertsFromPEM(c.CABundle) {
		return nil, errors.New("the extra CA bundle holds no PEM certificate")
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	transport.MaxIdleConnsPerHost = 16
	return &http.Client{Transport: transport, Timeout: 60 * time.Second}, nil
}

// NewCredential builds the azidentity credential for creds, in the order a user expects: a
// client secret when one is given, else workload identity when a federated token file is given,
// else managed identity (user-assigned when a client ID is given).
func NewCredential(creds Credentials, c Cloud, transport policy.Transporter) (azcore.TokenCredential, error) {
	opts := azcore.ClientOptions{Cloud: c.Configuration(), Transport: transport}
	switch {
	case creds.ClientSecret != "":
		if creds.TenantID == "" || creds.ClientID == "" {
			return nil, fmt.Errorf("a client secret needs %s and %s too", EnvTenantID, EnvClientID)
		}
		return azidentity.NewClientSecretCredential(creds.TenantID, creds.ClientID, creds.ClientSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: c.customAuthority()})
	case creds.FederatedTokenFile != "":
		return azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions: opts, ClientID: creds.ClientID, TenantID: creds.TenantID,
			TokenFilePath: creds.FederatedTokenFile, DisableInstanceDiscovery: c.customAuthority(),
		})
	default:
		miOpts := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: opts}
		if creds.ClientID != "" {
			miOpts.ID = azidentity.ClientID(creds.ClientID)
		}
		return azidentity.NewManagedIdentityCredential(miOpts)
	}
}
