package emulator

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// clientAssertionType is the only client_assertion_type Entra accepts.
const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// serveEntra serves the Entra ID (login.microsoftonline.com) endpoints.
func (s *Server) serveEntra(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("client-request-id") != "" {
		w.Header().Set("client-request-id", r.Header.Get("client-request-id"))
	}
	w.Header().Set("x-ms-request-id", newGUID())
	if s.applyFaults(w, r, nil) {
		return
	}
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(segs) == 3 && strings.EqualFold(segs[0], "common") && segs[1] == "discovery" && segs[2] == "instance":
		s.instanceDiscovery(w, r)
	case len(segs) == 4 && segs[1] == "v2.0" && segs[2] == ".well-known" && segs[3] == "openid-configuration":
		s.openIDConfig(w, r, segs[0], true)
	case len(segs) == 3 && segs[1] == ".well-known" && segs[2] == "openid-configuration":
		s.openIDConfig(w, r, segs[0], false)
	case len(segs) == 4 && segs[1] == "discovery" && (segs[2] == "v2.0" && segs[3] == "keys"):
		s.jwks(w)
	case len(segs) == 3 && segs[1] == "discovery" && segs[2] == "keys":
		s.jwks(w)
	case len(segs) == 4 && segs[1] == "oauth2" && segs[2] == "v2.0" && segs[3] == "token":
		s.token(w, r, segs[0], true)
	case len(segs) == 3 && segs[1] == "oauth2" && segs[2] == "token":
		s.token(w, r, segs[0], false)
	default:
		http.NotFound(w, r)
	}
}

// baseURL is the scheme and host the client used to reach us.
func baseURL(r *http.Request) string {
	return "https://" + r.Host
}

// instanceDiscovery answers MSAL's /common/discovery/instance.
func (s *Server) instanceDiscovery(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	tenant := "common"
	if ae := r.URL.Query().Get("authorization_endpoint"); ae != "" {
		if u, err := url.Parse(ae); err == nil {
			if p := strings.Split(strings.Trim(u.Path, "/"), "/"); len(p) > 0 && p[0] != "" {
				tenant = p[0]
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": baseURL(r) + "/" + tenant + "/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata": []map[string]any{{
			"preferred_network": host, "preferred_cache": host, "aliases": []string{host},
		}},
	})
}

// openIDConfig answers the OpenID Connect discovery document of a tenant.
func (s *Server) openIDConfig(w http.ResponseWriter, r *http.Request, tenant string, v2 bool) {
	if !s.knownTenant(tenant) {
		s.entraError(w, r, http.StatusBadRequest, "invalid_tenant", 90002, tenantNotFound(tenant))
		return
	}
	b := baseURL(r) + "/" + tenant
	ver := "/v2.0"
	issuer := b + "/v2.0"
	if !v2 {
		ver = ""
		issuer = b + "/"
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        b + "/oauth2" + ver + "/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              b + "/discovery" + ver + "/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"ES256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                issuer,
		"request_uri_parameter_supported":       false,
		"userinfo_endpoint":                     baseURL(r) + "/oidc/userinfo",
		"authorization_endpoint":                b + "/oauth2" + ver + "/authorize",
		"device_authorization_endpoint":         b + "/oauth2" + ver + "/devicecode",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"end_session_endpoint":                  b + "/oauth2" + ver + "/logout",
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid", "appid"},
		"tenant_region_scope":                   "NA",
		"cloud_instance_name":                   r.Host,
		"cloud_graph_host_name":                 r.Host,
		"msgraph_host":                          r.Host,
		"rbac_url":                              baseURL(r),
	})
}

// jwks publishes the token signing key.
func (s *Server) jwks(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, map[string]any{"keys": []any{s.signer.jwk()}})
}

// knownTenant reports whether some principal lives in tenant.
func (s *Server) knownTenant(tenant string) bool {
	return s.tenants[strings.ToLower(tenant)]
}

// tenantNotFound is Entra's AADSTS90002 description.
func tenantNotFound(tenant string) string {
	return fmt.Sprintf("AADSTS90002: Tenant '%s' not found. Check to make sure you have the correct tenant ID "+
		"and are signing into the correct cloud. Check with your subscription administrator, this may happen "+
		"if there are no active subscriptions for the tenant.", tenant)
}

// entraError writes Entra's OAuth error JSON.
func (s *Server) entraError(w http.ResponseWriter, r *http.Request, status int, code string, aadsts int, desc string) {
	now := time.Now().UTC()
	trace := w.Header().Get("x-ms-request-id")
	corr := r.Header.Get("client-request-id")
	if corr == "" {
		corr = newGUID()
	}
	ts := now.Format("2006-01-02 15:04:05Z")
	writeJSON(w, status, map[string]any{
		"error":             code,
		"error_description": fmt.Sprintf("%s Trace ID: %s Correlation ID: %s Timestamp: %s", desc, trace, corr, ts),
		"error_codes":       []int{aadsts},
		"timestamp":         ts,
		"trace_id":          trace,
		"correlation_id":    corr,
		"error_uri":         baseURL(r) + "/error?code=" + strconv.Itoa(aadsts),
	})
}

// findPrincipal returns the principal with clientID in tenant.
func (s *Server) findPrincipal(tenant, clientID string) *Principal {
	for i := range s.principals {
		p := &s.principals[i]
		if strings.EqualFold(p.TenantID, tenant) && strings.EqualFold(p.ClientID, clientID) {
			return p
		}
	}
	return nil
}

// token implements the client_credentials grant of the v2.0 (scope) and v1
// (resource) token endpoints.
func (s *Server) token(w http.ResponseWriter, r *http.Request, tenant string, v2 bool) {
	if r.Method != http.MethodPost {
		s.entraError(w, r, http.StatusMethodNotAllowed, "invalid_request", 900561,
			"AADSTS900561: The endpoint only accepts POST requests.")
		return
	}
	if err := r.ParseForm(); err != nil {
		s.entraError(w, r, http.StatusBadRequest, "invalid_request", 900144, "AADSTS900144: The request body is not a valid form.")
		return
	}
	f := r.PostForm
	if !s.knownTenant(tenant) {
		s.entraError(w, r, http.StatusBadRequest, "invalid_request", 90002, tenantNotFound(tenant))
		return
	}
	if gt := f.Get("grant_type"); gt != "client_credentials" {
		if gt == "" {
			s.entraError(w, r, http.StatusBadRequest, "invalid_request", 900144, missingParam("grant_type"))
		} else {
			s.entraError(w, r, http.StatusBadRequest, "unsupported_grant_type", 70003,
				"AADSTS70003: The app requested an unsupported grant type '"+gt+"'. The emulator supports client_credentials only.")
		}
		return
	}
	clientID, secret, basic := r.BasicAuth()
	if !basic {
		clientID, secret = f.Get("client_id"), f.Get("client_secret")
	}
	if clientID == "" {
		s.entraError(w, r, http.StatusBadRequest, "invalid_request", 900144, missingParam("client_id"))
		return
	}
	resource, ok := s.requestedResource(w, r, f, v2)
	if !ok {
		return
	}
	p := s.findPrincipal(tenant, clientID)
	if p == nil {
		s.entraError(w, r, http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf(
			"AADSTS700016: Application with identifier '%s' was not found in the directory '%s'. This can happen "+
				"if the application has not been installed by the administrator of the tenant or consented to by "+
				"any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, tenant))
		return
	}
	acr := "1"
	switch {
	case secret != "":
		if cur := s.clientSecretOf(p); cur == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(cur)) != 1 {
			s.entraError(w, r, http.StatusUnauthorized, "invalid_client", 7000215, fmt.Sprintf(
				"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the "+
					"client secret value, not the client secret ID, for a secret added to app '%s'.", p.ClientID))
			return
		}
	case f.Get("client_assertion") != "":
		if !s.checkAssertion(w, r, p, f) {
			return
		}
		acr = "2"
	default:
		s.entraError(w, r, http.StatusUnauthorized, "invalid_client", 7000218,
			"AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
		return
	}
	s.issueToken(w, p, tenant, resource, acr, v2)
}

// missingParam is Entra's AADSTS900144 description.
func missingParam(name string) string {
	return "AADSTS900144: The request body must contain the following parameter: '" + name + "'."
}

// requestedResource extracts the resource (token audience) from scope (v2)
// or resource (v1); it writes Entra's error and returns false when invalid.
func (s *Server) requestedResource(w http.ResponseWriter, r *http.Request, f url.Values, v2 bool) (string, bool) {
	if !v2 {
		res := f.Get("resource")
		if res == "" {
			s.entraError(w, r, http.StatusBadRequest, "invalid_request", 900144, missingParam("resource"))
			return "", false
		}
		return res, true
	}
	scope := f.Get("scope")
	if scope == "" {
		s.entraError(w, r, http.StatusBadRequest, "invalid_request", 900144, missingParam("scope"))
		return "", false
	}
	for _, sc := range strings.Fields(scope) {
		if strings.HasSuffix(sc, "/.default") {
			return strings.TrimSuffix(sc, "/.default"), true
		}
	}
	s.entraError(w, r, http.StatusBadRequest, "invalid_scope", 1002012, fmt.Sprintf(
		"AADSTS1002012: The provided value for scope %s is not valid. Client credential flows must have a scope "+
			"value with /.default suffixed to the resource identifier (application ID URI).", scope))
	return "", false
}

// checkAssertion validates a workload-identity client assertion against the
// principal's federated credentials. The assertion must be a well-formed JWT
// that has not expired, whose iss and sub equal a federated credential's
// and whose aud contains one of its audiences. Its signature is not verified.
func (s *Server) checkAssertion(w http.ResponseWriter, r *http.Request, p *Principal, f url.Values) bool {
	if t := f.Get("client_assertion_type"); t != clientAssertionType {
		s.entraError(w, r, http.StatusBadRequest, "invalid_request", 700025, fmt.Sprintf(
			"AADSTS700025: Client assertion type '%s' is not supported; use '%s'.", t, clientAssertionType))
		return false
	}
	_, claims, _, _, err := splitJWT(f.Get("client_assertion"))
	if err != nil {
		s.entraError(w, r, http.StatusUnauthorized, "invalid_client", 50027,
			"AADSTS50027: JWT token is invalid or malformed: "+err.Error()+".")
		return false
	}
	iss, _ := claims["iss"].(string)
	sub, _ := claims["sub"].(string)
	auds := claimStrings(claims["aud"])
	if exp, ok := claims["exp"].(float64); !ok || time.Unix(int64(exp), 0).Before(time.Now()) {
		s.entraError(w, r, http.StatusBadRequest, "invalid_client", 700024,
			"AADSTS700024: Client assertion is not within its valid time range.")
		return false
	}
	for _, fc := range p.FederatedCredentials {
		if fc.Issuer != iss || fc.Subject != sub {
			continue
		}
		for _, a := range auds {
			if slices.Contains(fc.Audiences, a) {
				return true
			}
		}
	}
	s.entraError(w, r, http.StatusBadRequest, "invalid_request", 70021, fmt.Sprintf(
		"AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: '%s'. "+
			"Assertion Subject: '%s'. Assertion Audience: '%s'.", iss, sub, strings.Join(auds, ",")))
	return false
}

// claimStrings returns a string or []string claim as a slice.
func claimStrings(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// issueToken signs an access token for p and writes the token response.
func (s *Server) issueToken(w http.ResponseWriter, p *Principal, tenant, resource, acr string, v2 bool) {
	s.mu.Lock()
	life := s.settings.TokenLifetimeSeconds
	s.mu.Unlock()
	if life < 1 {
		life = 1
	}
	now := time.Now()
	exp := now.Add(time.Duration(life) * time.Second)
	claims := map[string]any{
		"aud":      resource,
		"iss":      "https://sts.windows.net/" + strings.ToLower(p.TenantID) + "/",
		"iat":      now.Unix(),
		"nbf":      now.Unix(),
		"exp":      exp.Unix(),
		"appid":    p.ClientID,
		"appidacr": acr,
		"idp":      "https://sts.windows.net/" + strings.ToLower(p.TenantID) + "/",
		"idtyp":    "app",
		"oid":      p.ObjectID,
		"sub":      p.ObjectID,
		"tid":      strings.ToLower(p.TenantID),
		"uti":      newGUID(),
		"ver":      "1.0",
	}
	tok, err := s.signer.sign(claims)
	if err != nil {
		http.Error(w, "sign token: "+err.Error(), http.StatusInternalServerError)
		return
	}
	body := map[string]any{
		"token_type":     "Bearer",
		"expires_in":     life,
		"ext_expires_in": life,
		"access_token":   tok,
	}
	if !v2 {
		body["expires_on"] = strconv.FormatInt(exp.Unix(), 10)
		body["not_before"] = strconv.FormatInt(now.Unix(), 10)
		body["resource"] = resource
		body["expires_in"] = strconv.Itoa(life)
		body["ext_expires_in"] = strconv.Itoa(life)
	}
	w.Header().Set("Cache-Control", "no-store, no-cache")
	writeJSON(w, http.StatusOK, body)
}

// writeJSON writes v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
