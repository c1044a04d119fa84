package emulator_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"

	"github.com/azgallery/gallery-operator/internal/emulator"
	"github.com/azgallery/gallery-operator/internal/emulator/emulatortest"
)

var armScope = []string{"https://management.azure.com/.default"}

// postToken posts a token request form and decodes the JSON answer.
func postToken(t *testing.T, e *tenv, tenant string, form url.Values) (int, map[string]any) {
	t.Helper()
	res, err := e.HTTPClient.PostForm(e.Server.URL()+"/"+tenant+"/oauth2/v2.0/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("token answer is not JSON: %s", b)
	}
	return res.StatusCode, m
}

func TestTokenClientSecret(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	tok, err := e.Credential.GetToken(ctx, policy.TokenRequestOptions{Scopes: armScope})
	if err != nil {
		t.Fatalf("GetToken: %v", err)
	}
	if d := time.Until(tok.ExpiresOn); d < 59*time.Minute || d > 61*time.Minute {
		t.Errorf("token expires in %v, want ~1h", d)
	}
	parts := strings.Split(tok.Token, ".")
	if len(parts) != 3 {
		t.Fatalf("token is not a JWT: %q", tok.Token)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	_ = json.Unmarshal(raw, &claims)
	for k, want := range map[string]string{
		"aud": "https://management.azure.com", "tid": emulator.DefaultTenantID, "appid": emulator.DefaultClientID,
	} {
		if claims[k] != want {
			t.Errorf("claim %s = %v, want %s", k, claims[k], want)
		}
	}
	if claims["oid"] == nil || claims["exp"] == nil {
		t.Errorf("claims lack oid/exp: %v", claims)
	}

	// Wrong secret, unknown client and unknown tenant fail like Entra.
	cases := []struct {
		name, tenant, client, secret, aadsts string
		status                               int
		code                                 string
	}{
		{"wrong secret", emulator.DefaultTenantID, emulator.DefaultClientID, "nope", "AADSTS7000215", 401, "invalid_client"},
		{"unknown client", emulator.DefaultTenantID, "00000000-0000-0000-0000-00000000dead", "x", "AADSTS700016", 400, "unauthorized_client"},
		{"unknown tenant", "00000000-0000-0000-0000-00000000beef", emulator.DefaultClientID, "x", "AADSTS90002", 400, "invalid_request"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cred, err := emulatortest.Credential(e.Server.URL(), e.HTTPClient, c.tenant, c.client, c.secret)
			if err != nil {
				t.Fatal(err)
			}
			_, err = cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: armScope})
			if err == nil || !strings.Contains(err.Error(), c.aadsts) {
				t.Fatalf("GetToken error = %v, want %s", err, c.aadsts)
			}
			if c.name == "unknown tenant" {
				return // MSAL fails at tenant discovery already
			}
			status, body := postToken(t, e, c.tenant, url.Values{
				"grant_type": {"client_credentials"}, "client_id": {c.client}, "client_secret": {c.secret},
				"scope": {armScope[0]},
			})
			if status != c.status || body["error"] != c.code {
				t.Fatalf("raw token = %d %v, want %d %s", status, body["error"], c.status, c.code)
			}
			for _, k := range []string{"error_description", "error_codes", "timestamp", "trace_id", "correlation_id"} {
				if body[k] == nil {
					t.Errorf("Entra error lacks %q: %v", k, body)
				}
			}
		})
	}
}

func TestOpenIDDiscovery(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/"+emulator.DefaultTenantID+"/v2.0/.well-known/openid-configuration", nil)
	mustStatus(t, r, 200)
	for _, k := range []string{"issuer", "token_endpoint", "authorization_endpoint", "jwks_uri"} {
		if s, _ := r.body[k].(string); !strings.HasPrefix(s, e.Server.URL()) {
			t.Errorf("%s = %q, want emulator URL", k, s)
		}
	}
	r = e.do("GET", "/common/discovery/instance?api-version=1.1&authorization_endpoint="+
		url.QueryEscape(e.Server.URL()+"/"+emulator.DefaultTenantID+"/oauth2/v2.0/authorize"), nil)
	mustStatus(t, r, 200)
	if r.body["tenant_discovery_endpoint"] == nil || r.body["metadata"] == nil {
		t.Errorf("instance discovery = %s", r.raw)
	}
	r = e.do("GET", "/00000000-0000-0000-0000-00000000beef/v2.0/.well-known/openid-configuration", nil)
	if r.status != 400 || !strings.Contains(r.raw, "AADSTS90002") {
		t.Errorf("unknown tenant discovery = %d %s", r.status, r.raw)
	}
}

// assertionJWT builds an (unsigned-signature) client assertion.
func assertionJWT(iss, sub string, exp time.Time) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]string{"alg": "RS256", "typ": "JWT"}) + "." +
		enc(map[string]any{"iss": iss, "sub": sub, "aud": []string{"api://AzureADTokenExchange"}, "exp": exp.Unix()}) +
		"." + base64.RawURLEncoding.EncodeToString([]byte("signature-not-checked"))
}

func TestWorkloadIdentity(t *testing.T) {
	const wiClient = "00000000-0000-0000-0000-0000000000c2"
	const issuer, subject = "https://oidc.cluster.local", "system:serviceaccount:gallery-system:controller"
	e := newEnv(t, func(c *emulator.Config) {
		c.Principals = []emulator.Principal{{
			ClientID:             wiClient,
			Subscriptions:        []string{emulator.DefaultSubscriptionID},
			FederatedCredentials: []emulator.FederatedCredential{{Issuer: issuer, Subject: subject}},
		}}
	})
	ctx := testCtx(t)
	newCred := func(sub string) *azidentity.ClientAssertionCredential {
		cred, err := azidentity.NewClientAssertionCredential(emulator.DefaultTenantID, wiClient,
			func(context.Context) (string, error) {
				return assertionJWT(issuer, sub, time.Now().Add(time.Hour)), nil
			},
			&azidentity.ClientAssertionCredentialOptions{
				ClientOptions:            policy.ClientOptions{Cloud: e.Cloud, Transport: e.HTTPClient},
				DisableInstanceDiscovery: true,
			})
		if err != nil {
			t.Fatal(err)
		}
		return cred
	}
	groups, err := armresources.NewResourceGroupsClient(e.SubscriptionID, newCred(subject), e.ClientOptions)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := groups.CreateOrUpdate(ctx, "wi-rg", armresources.ResourceGroup{Location: to.Ptr("eastus")}, nil); err != nil {
		t.Fatalf("ARM call with workload identity token: %v", err)
	}
	recs := e.Server.Requests()
	if got := recs[len(recs)-1].ClientID; got != wiClient {
		t.Errorf("request log clientId = %q, want %q", got, wiClient)
	}
	_, err = newCred("system:serviceaccount:other:sa").GetToken(ctx, policy.TokenRequestOptions{Scopes: armScope})
	if err == nil || !strings.Contains(err.Error(), "AADSTS70021") {
		t.Fatalf("mismatched subject: err = %v, want AADSTS70021", err)
	}
	status, body := postToken(t, e, emulator.DefaultTenantID, url.Values{
		"grant_type": {"client_credentials"}, "client_id": {wiClient}, "scope": {armScope[0]},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertionJWT(issuer, subject, time.Now().Add(-time.Minute))},
	})
	if status != 400 || !strings.Contains(body["error_description"].(string), "AADSTS700024") {
		t.Fatalf("expired assertion = %d %v", status, body)
	}
}

func TestARMAuthentication(t *testing.T) {
	e := newEnv(t)
	other := newEnv(t)
	path := q(e.rgPath("rg"), groupsAPI)
	foreign, err := other.Server.IssueToken(emulator.TokenRequest{LifetimeSeconds: 600})
	if err != nil {
		t.Fatal(err)
	}
	expired, _ := e.Server.IssueToken(emulator.TokenRequest{LifetimeSeconds: -60})
	wrongAud, _ := e.Server.IssueToken(emulator.TokenRequest{LifetimeSeconds: 600, Audience: "https://vault.azure.net"})
	cases := []struct {
		name, authz, code string
	}{
		{"missing", "", "AuthenticationFailed"},
		{"not bearer", "Basic Zm9vOmJhcg==", "AuthenticationFailed"},
		{"malformed", "Bearer not-a-jwt", "InvalidAuthenticationToken"},
		{"foreign signature", "Bearer " + foreign, "InvalidAuthenticationToken"},
		{"expired", "Bearer " + expired, "ExpiredAuthenticationToken"},
		{"wrong audience", "Bearer " + wrongAud, "InvalidAuthenticationTokenAudience"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do("GET", path, nil, "Authorization", c.authz)
			mustError(t, r, 401, c.code)
			if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer authorization_uri=") {
				t.Errorf("WWW-Authenticate = %q", r.header.Get("WWW-Authenticate"))
			}
			if r.header.Get("x-ms-request-id") == "" {
				t.Error("missing x-ms-request-id")
			}
		})
	}
}

func TestTokenExpiry(t *testing.T) {
	e := newEnv(t)
	e.bearer() // the default principal's token (which e.do fetches first), outside the window below
	const life = 3 * time.Second
	if _, err := e.Control.PatchConfig(testCtx(t), map[string]any{"tokenLifetimeSeconds": life.Seconds()}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	status, body := postToken(t, e, emulator.DefaultTenantID, url.Values{
		"grant_type": {"client_credentials"}, "client_id": {emulator.DefaultClientID},
		"client_secret": {emulator.DefaultClientSecret}, "scope": {"https://management.core.windows.net//.default"},
	})
	if status != 200 || body["expires_in"] != life.Seconds() {
		t.Fatalf("token = %d %v", status, body)
	}
	tok := body["access_token"].(string)
	path := q(e.rgPath("rg"), groupsAPI)
	// The token is valid until exp, which has whole-second precision: for more than life - 1 s.
	r := e.do("GET", path, nil, "Authorization", "Bearer "+tok)
	if within(t, start, life-time.Second, "a request with the token before it expires") {
		mustError(t, r, 404, "ResourceGroupNotFound")
	} else if !(r.status == 404 && r.errCode() == "ResourceGroupNotFound") && !(r.status == 401 && r.errCode() == "ExpiredAuthenticationToken") {
		t.Errorf("before the expiry: %d %s", r.status, r.raw)
	}
	time.Sleep(life + 100*time.Millisecond)
	r = e.do("GET", path, nil, "Authorization", "Bearer "+tok)
	mustError(t, r, 401, "ExpiredAuthenticationToken")
	if !strings.Contains(r.errField("message"), "is earlier than current UTC time") {
		t.Errorf("message = %q", r.errField("message"))
	}
}

func TestAuthorizationFailed(t *testing.T) {
	const otherSub = "11111111-1111-1111-1111-111111111111"
	e := newEnv(t, func(c *emulator.Config) {
		c.Principals = []emulator.Principal{{ClientID: "00000000-0000-0000-0000-0000000000c3", ClientSecret: "s3",
			Subscriptions: []string{otherSub}}}
	})
	ctx := testCtx(t)
	client, err := armcompute.NewGalleryImagesClient(otherSub, e.Credential, e.ClientOptions)
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.Get(ctx, "rg", "g", "i", nil)
	re := respErr(t, err)
	if re.StatusCode != 403 || re.ErrorCode != "AuthorizationFailed" {
		t.Fatalf("foreign subscription = %d %s", re.StatusCode, re.ErrorCode)
	}
	if !strings.Contains(err.Error(), "Microsoft.Compute/galleries/images/read") ||
		!strings.Contains(err.Error(), "/subscriptions/"+otherSub+"/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i") {
		t.Errorf("message lacks action/scope: %v", err)
	}
	r := e.do("GET", q("/subscriptions/not-a-guid/resourceGroups/rg", groupsAPI), nil)
	mustError(t, r, 400, "InvalidSubscriptionId")
}

// A principal with a role in several subscriptions (ExtraSubscriptions) reaches each of them.
func TestExtraSubscriptions(t *testing.T) {
	const second, third = "22222222-2222-2222-2222-222222222222", "33333333-3333-3333-3333-333333333333"
	e := newEnv(t, func(c *emulator.Config) { c.ExtraSubscriptions = []string{second} })
	ctx := testCtx(t)
	for sub, want := range map[string]string{emulator.DefaultSubscriptionID: "ResourceNotFound", second: "ResourceNotFound", third: "AuthorizationFailed"} {
		client, err := armcompute.NewGalleryImagesClient(sub, e.Credential, e.ClientOptions)
		if err != nil {
			t.Fatal(err)
		}
		_, err = client.Get(ctx, "rg", "g", "i", nil)
		if re := respErr(t, err); re.ErrorCode != want && !(want == "ResourceNotFound" && re.StatusCode == 404) {
			t.Errorf("subscription %s: %d %s, want %s", sub, re.StatusCode, re.ErrorCode, want)
		}
	}
}

func TestAPIVersion(t *testing.T) {
	e := newEnv(t)
	img := e.imgPath("rg", "g", "i")
	mustError(t, e.do("GET", img, nil), 400, "MissingApiVersionParameter")
	r := e.do("GET", q(img, "2019-03-01"), nil)
	mustError(t, r, 400, "NoRegisteredProviderFound")
	if !strings.Contains(r.errField("message"), "2024-03-03") {
		t.Errorf("message does not list supported versions: %s", r.raw)
	}
	mustError(t, e.do("GET", q(img, "latest"), nil), 400, "InvalidApiVersionParameter")
	mustError(t, e.do("GET", q(e.rgPath("rg"), "2015-01-01"), nil), 400, "InvalidApiVersionParameter")
	for _, v := range []string{"2021-04-01", "2022-09-01", "2023-07-01", "2024-03-01"} {
		mustError(t, e.do("GET", q(e.rgPath("rg"), v), nil), 404, "ResourceGroupNotFound")
	}
	_ = http.StatusOK
}
