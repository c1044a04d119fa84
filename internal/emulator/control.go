package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"
)

// serveControl serves /_emulator/ (loopback clients only, no auth).
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		writeError(w, errf(http.StatusForbidden, "Forbidden", "The control API only accepts loopback clients."))
		return
	}
	path := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/_emulator"), "/")
	switch path {
	case "/health":
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "url": s.url})
	case "/requests":
		s.controlRequests(w, r)
	case "/faults":
		s.controlFaults(w, r)
	case "/config":
		s.controlConfig(w, r)
	case "/state":
		s.controlState(w, r)
	case "/token":
		s.controlToken(w, r)
	case "/principals":
		s.controlPrincipals(w, r)
	default:
		writeError(w, errf(http.StatusNotFound, "NotFound",
			"Unknown control endpoint %q; see docs/emulator.md.", r.URL.Path))
	}
}

// controlRequests serves GET/DELETE /_emulator/requests.
func (s *Server) controlRequests(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, s.Requests())
	case http.MethodDelete:
		s.ResetRequests()
		w.WriteHeader(http.StatusNoContent)
	default:
		controlMethod(w, r)
	}
}

// controlMethod writes 405 for an unsupported control method.
func controlMethod(w http.ResponseWriter, r *http.Request) {
	writeError(w, errf(http.StatusMethodNotAllowed, "MethodNotAllowed", "Method %s is not supported here.", r.Method))
}

// controlFaults serves GET/PUT/POST/DELETE /_emulator/faults.
func (s *Server) controlFaults(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, s.Faults())
	case http.MethodPut, http.MethodPost:
		var fs []Fault
		if err := json.NewDecoder(r.Body).Decode(&fs); err != nil {
			writeError(w, errf(http.StatusBadRequest, "InvalidRequestContent", "Body must be a JSON array of fault rules: %v", err))
			return
		}
		if r.Method == http.MethodPost {
			fs = append(s.Faults(), fs...)
		}
		if err := s.SetFaults(fs); err != nil {
			writeError(w, errf(http.StatusBadRequest, "InvalidParameter", "%v", err))
			return
		}
		writeJSON(w, http.StatusOK, s.Faults())
	case http.MethodDelete:
		_ = s.SetFaults(nil)
		w.WriteHeader(http.StatusNoContent)
	default:
		controlMethod(w, r)
	}
}

// controlConfig serves GET/PATCH /_emulator/config.
func (s *Server) controlConfig(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPatch, http.MethodPut:
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err := s.PatchSettingsJSON(b); err != nil {
			writeError(w, errf(http.StatusBadRequest, "InvalidParameter", "%v", err))
			return
		}
	default:
		controlMethod(w, r)
		return
	}
	writeJSON(w, http.StatusOK, s.Settings())
}

// controlState serves GET (dump) and DELETE (reset) /_emulator/state.
func (s *Server) controlState(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{"resources": s.State()})
	case http.MethodDelete:
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	default:
		controlMethod(w, r)
	}
}

// SecretChange asks PATCH /_emulator/principals to replace a principal's
// client secret (a secret rotation): from then on the old secret is refused
// with AADSTS7000215; tokens already issued stay valid until they expire.
type SecretChange struct {
	TenantID     string `json:"tenantId,omitempty"`
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
}

// controlPrincipals serves PATCH /_emulator/principals.
func (s *Server) controlPrincipals(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPatch {
		controlMethod(w, r)
		return
	}
	var c SecretChange
	if err := json.NewDecoder(r.Body).Decode(&c); err != nil {
		writeError(w, errf(http.StatusBadRequest, "InvalidRequestContent", "%v", err))
		return
	}
	if err := s.SetClientSecret(c); err != nil {
		writeError(w, errf(http.StatusBadRequest, "InvalidParameter", "%v", err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"tenantId": c.TenantID, "clientId": c.ClientID})
}

// SetClientSecret replaces the client secret of a principal (tenant default:
// the default principal's tenant).
func (s *Server) SetClientSecret(c SecretChange) error {
	if c.TenantID == "" {
		c.TenantID = s.cfg.TenantID
	}
	if c.ClientSecret == "" {
		return fmt.Errorf("clientSecret is required")
	}
	p := s.findPrincipal(c.TenantID, c.ClientID)
	if p == nil {
		return fmt.Errorf("no principal %s in tenant %s", c.ClientID, c.TenantID)
	}
	s.mu.Lock()
	p.ClientSecret = c.ClientSecret
	s.mu.Unlock()
	return nil
}

// clientSecretOf returns p's current client secret.
func (s *Server) clientSecretOf(p *Principal) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return p.ClientSecret
}

// TokenRequest asks POST /_emulator/token for an access token without the
// OAuth flow (e.g. an already expired one).
type TokenRequest struct {
	TenantID        string `json:"tenantId,omitempty"`
	ClientID        string `json:"clientId,omitempty"`
	Audience        string `json:"audience,omitempty"`
	LifetimeSeconds int    `json:"lifetimeSeconds"`
}

// controlToken serves POST /_emulator/token.
func (s *Server) controlToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		controlMethod(w, r)
		return
	}
	var tr TokenRequest
	if err := json.NewDecoder(r.Body).Decode(&tr); err != nil {
		writeError(w, errf(http.StatusBadRequest, "InvalidRequestContent", "%v", err))
		return
	}
	tok, err := s.IssueToken(tr)
	if err != nil {
		writeError(w, errf(http.StatusBadRequest, "InvalidParameter", "%v", err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer"})
}

// IssueToken signs an access token for a configured principal (default:
// the default principal, audience https://management.azure.com). A
// LifetimeSeconds <= 0 yields a token that is already expired by that many
// seconds (0 means expired now).
func (s *Server) IssueToken(tr TokenRequest) (string, error) {
	if tr.TenantID == "" {
		tr.TenantID = s.cfg.TenantID
	}
	if tr.ClientID == "" {
		tr.ClientID = s.cfg.ClientID
	}
	if tr.Audience == "" {
		tr.Audience = "https://management.azure.com"
	}
	p := s.findPrincipal(tr.TenantID, tr.ClientID)
	if p == nil {
		return "", fmt.Errorf("no principal %s in tenant %s", tr.ClientID, tr.TenantID)
	}
	now := time.Now()
	return s.signer.sign(map[string]any{
		"aud": tr.Audience, "iss": "https://sts.windows.net/" + strings.ToLower(p.TenantID) + "/",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Duration(tr.LifetimeSeconds) * time.Second).Unix(),
		"appid": p.ClientID, "appidacr": "1", "oid": p.ObjectID, "sub": p.ObjectID,
		"tid": strings.ToLower(p.TenantID), "uti": newGUID(), "ver": "1.0",
	})
}

// Settings returns the current settings; FailOperations holds the failure
// rules still pending, with their remaining counts.
func (s *Server) Settings() Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.settings
	st.FailReplication = append([]ReplicationFailure{}, st.FailReplication...)
	st.FailOperations = nil
	for _, f := range s.failRules {
		st.FailOperations = append(st.FailOperations, f.OperationFailure)
	}
	if st.FailOperations == nil {
		st.FailOperations = []OperationFailure{}
	}
	return st
}

// PatchSettingsJSON merges a JSON object into the settings, like
// PATCH /_emulator/config. Omitted fields keep their values; a present
// failOperations replaces the pending failure rules.
func (s *Server) PatchSettingsJSON(patch []byte) error {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(patch, &keys); err != nil {
		return fmt.Errorf("config patch must be a JSON object: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.settings
	next.FailReplication = append([]ReplicationFailure(nil), next.FailReplication...)
	dec := json.NewDecoder(bytes.NewReader(patch))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&next); err != nil {
		return fmt.Errorf("invalid config patch: %v", err)
	}
	rules := s.failRules
	if _, ok := keys["failOperations"]; ok {
		var err error
		if rules, err = compileFailRules(next.FailOperations); err != nil {
			return err
		}
	}
	if err := next.validate(); err != nil {
		return err
	}
	next.FailOperations = nil
	s.settings = next.withDefaults()
	s.failRules = rules
	return nil
}

// PatchSettings applies fn to a copy of the settings and installs the
// result (zero fields get defaults). fn's FailOperations, when non-nil,
// replace the pending failure rules.
func (s *Server) PatchSettings(fn func(*Settings)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.settings
	next.FailReplication = append([]ReplicationFailure(nil), next.FailReplication...)
	next.FailOperations = nil
	fn(&next)
	if err := next.validate(); err != nil {
		return err
	}
	rules := s.failRules
	if next.FailOperations != nil {
		var err error
		if rules, err = compileFailRules(next.FailOperations); err != nil {
			return err
		}
	}
	next.FailOperations = nil
	s.settings = next.withDefaults()
	s.failRules = rules
	return nil
}

// FailOperations replaces the pending operation-failure rules.
func (s *Server) FailOperations(rules ...OperationFailure) error {
	compiled, err := compileFailRules(rules)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.failRules = compiled
	s.mu.Unlock()
	return nil
}

// State returns the ARM representation of every resource, sorted by id.
func (s *Server) State() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	var walk func(n *node)
	walk = func(n *node) {
		for _, c := range sortedChildren(n) {
			if s.childLocked(n, c.key()) == nil {
				continue
			}
			out = append(out, s.renderLocked(c))
			walk(c)
		}
	}
	for _, root := range s.roots {
		walk(root)
	}
	sort.Slice(out, func(i, j int) bool {
		return strings.ToLower(out[i]["id"].(string)) < strings.ToLower(out[j]["id"].(string))
	})
	if out == nil {
		out = []map[string]any{}
	}
	return out
}

// Reset deletes all resources and operations and refills the throttling
// buckets. Settings, faults and the request log are kept.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, op := range s.ops {
		op.timer.Stop()
	}
	s.roots = map[string]*node{}
	s.ops = map[string]*operation{}
	s.buckets = map[string]*bucket{}
	s.windows = map[string]*window{}
}

// Control is a client of a running emulator's /_emulator/ API.
type Control struct {
	// BaseURL is the emulator URL, e.g. https://127.0.0.1:8443.
	BaseURL string
	// HTTPClient must trust the emulator CA (see NewHTTPClient).
	HTTPClient *http.Client
}

// NewControl returns a Control for baseURL trusting caPEM.
func NewControl(baseURL string, caPEM []byte) *Control {
	return &Control{BaseURL: strings.TrimSuffix(baseURL, "/"), HTTPClient: NewHTTPClient(caPEM)}
}

// Control returns a Control client for this server.
func (s *Server) Control() *Control {
	return &Control{BaseURL: s.url, HTTPClient: s.HTTPClient()}
}

// do sends a control request; out, when non-nil, receives the JSON answer.
func (c *Control) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+"/_emulator/"+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("emulator control %s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(b))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// Requests returns the ARM request log.
func (c *Control) Requests(ctx context.Context) ([]RequestRecord, error) {
	var out []RequestRecord
	err := c.do(ctx, http.MethodGet, "requests", nil, &out)
	return out, err
}

// ResetRequests clears the ARM request log.
func (c *Control) ResetRequests(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "requests", nil, nil)
}

// SetFaults replaces the fault rules.
func (c *Control) SetFaults(ctx context.Context, faults []Fault) error {
	if faults == nil {
		faults = []Fault{}
	}
	return c.do(ctx, http.MethodPut, "faults", faults, nil)
}

// ClearFaults removes all fault rules.
func (c *Control) ClearFaults(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "faults", nil, nil)
}

// Config returns the current settings.
func (c *Control) Config(ctx context.Context) (Settings, error) {
	var s Settings
	err := c.do(ctx, http.MethodGet, "config", nil, &s)
	return s, err
}

// PatchConfig merges patch (a struct or map marshalled to a JSON object
// with Settings field names) into the settings and returns the result.
func (c *Control) PatchConfig(ctx context.Context, patch any) (Settings, error) {
	var s Settings
	err := c.do(ctx, http.MethodPatch, "config", patch, &s)
	return s, err
}

// State returns every resource's ARM representation.
func (c *Control) State(ctx context.Context) ([]map[string]any, error) {
	var out struct {
		Resources []map[string]any `json:"resources"`
	}
	err := c.do(ctx, http.MethodGet, "state", nil, &out)
	return out.Resources, err
}

// Reset deletes all resources.
func (c *Control) Reset(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "state", nil, nil)
}

// SetClientSecret replaces a principal's client secret (PATCH /_emulator/principals).
func (c *Control) SetClientSecret(ctx context.Context, change SecretChange) error {
	return c.do(ctx, http.MethodPatch, "principals", change, nil)
}

// Token issues an access token directly (see TokenRequest).
func (c *Control) Token(ctx context.Context, tr TokenRequest) (string, error) {
	var out struct {
		AccessToken string `json:"access_token"`
	}
	err := c.do(ctx, http.MethodPost, "token", tr, &out)
	return out.AccessToken, err
}
