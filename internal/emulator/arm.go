package emulator

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// apiError is an ARM error: the body is {"error": {...}}.
type apiError struct {
	status  int
	Code    string `json:"code"`
	Message string `json:"message"`
	Target  string `json:"target,omitempty"`
	// retryAfter, when > 0, is sent as Retry-After (seconds).
	retryAfter int
}

// errf builds an apiError.
func errf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// withTarget sets the error target.
func (e *apiError) withTarget(t string) *apiError {
	e.Target = t
	return e
}

// Error implements error.
func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// recorder wraps a ResponseWriter to capture the status and error code.
type recorder struct {
	http.ResponseWriter
	status    int
	errorCode string
}

// WriteHeader records the status.
func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200.
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// writeError writes an ARM error response.
func writeError(w http.ResponseWriter, e *apiError) {
	if rec, ok := w.(*recorder); ok {
		rec.errorCode = e.Code
	}
	w.Header().Set("x-ms-failure-cause", "gateway")
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(e.retryAfter))
	}
	writeJSON(w, e.status, map[string]any{"error": e})
}

// armRequest carries per-request ARM context.
type armRequest struct {
	r          *http.Request
	w          http.ResponseWriter
	rt         route
	principal  *Principal
	apiVersion string
	base       string // https://host
}

// serveARM runs the ARM pipeline: request ids, faults, authentication,
// api-version, authorization, throttling, then the resource handler, and
// records the request in the log.
func (s *Server) serveARM(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := newGUID()
	corr := r.Header.Get("x-ms-correlation-request-id")
	if corr == "" {
		corr = newGUID()
	}
	h := w.Header()
	h.Set("x-ms-request-id", reqID)
	h.Set("x-ms-correlation-request-id", corr)
	h.Set("x-ms-routing-request-id", "EMULATOR:"+start.UTC().Format("20060102T150405Z")+":"+reqID)
	h.Set("Cache-Control", "no-cache")
	h.Set("Pragma", "no-cache")
	h.Set("Expires", "-1")
	h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	h.Set("X-Content-Type-Options", "nosniff")
	s.presetRateHeader(w, r.Method)
	rec := &recorder{ResponseWriter: w}
	ar := &armRequest{r: r, w: rec, base: baseURL(r), apiVersion: r.URL.Query().Get("api-version")}
	fault := ""
	body, truncated := recordBody(r)
	defer func() {
		s.recordRequest(RequestRecord{
			Time: start.UTC(), Method: r.Method, Path: r.URL.Path, APIVersion: ar.apiVersion,
			Status: rec.status, ErrorCode: rec.errorCode, ClientID: principalClient(ar.principal),
			ObjectID: principalObject(ar.principal), CorrelationID: corr, RequestID: reqID, Fault: fault,
			DurationMs: float64(time.Since(start).Microseconds()) / 1000,
			UserAgent:  r.UserAgent(), Body: body, BodyTruncated: truncated,
		})
		s.logf("%s %s %d %s", r.Method, r.URL.RequestURI(), rec.status, rec.errorCode)
	}()
	if s.applyFaults(rec, r, &fault) {
		return
	}
	p, aerr := s.authenticate(r)
	if aerr != nil {
		rec.Header().Set("WWW-Authenticate", fmt.Sprintf(
			`Bearer authorization_uri="%s/", error="invalid_token", error_description="%s"`, ar.base, aerr.Message))
		writeError(rec, aerr)
		return
	}
	ar.principal = p
	rt, aerr := parseRoute(r.URL.Path)
	if aerr == nil {
		ar.rt = rt
		aerr = s.checkAPIVersion(ar)
	}
	if aerr == nil {
		aerr = s.authorize(ar)
	}
	if aerr == nil {
		aerr = s.throttle(ar)
	}
	if aerr != nil {
		writeError(rec, aerr)
		return
	}
	ar.rt.serve(s, ar)
}

// principalClient returns p's client id or "".
func principalClient(p *Principal) string {
	if p == nil {
		return ""
	}
	return p.ClientID
}

// principalObject returns p's object id or "".
func principalObject(p *Principal) string {
	if p == nil {
		return ""
	}
	return p.ObjectID
}

// tokenInfo is a verified access token.
type tokenInfo struct {
	principal *Principal
	aud       string
	exp       time.Time
}

// armAudiences are the token audiences ARM accepts (plus the emulator URL).
var armAudiences = []string{
	"https://management.core.windows.net/", "https://management.core.windows.net",
	"https://management.azure.com/", "https://management.azure.com",
}

// authenticate checks the bearer token and returns its principal.
func (s *Server) authenticate(r *http.Request) (*Principal, *apiError) {
	authz := r.Header.Get("Authorization")
	if authz == "" {
		return nil, errf(http.StatusUnauthorized, "AuthenticationFailed",
			"Authentication failed. The 'Authorization' header is missing.")
	}
	scheme, tok, ok := strings.Cut(authz, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return nil, errf(http.StatusUnauthorized, "AuthenticationFailed",
			"Authentication failed. The 'Authorization' header is provided in an invalid format.")
	}
	tok = strings.TrimSpace(tok)
	ti, aerr := s.verifyToken(tok)
	if aerr != nil {
		return nil, aerr
	}
	if now := time.Now(); !now.Before(ti.exp) {
		const f = "1/2/2006 3:04:05 PM"
		return nil, errf(http.StatusUnauthorized, "ExpiredAuthenticationToken",
			"The access token expiry UTC time '%s' is earlier than current UTC time '%s'.",
			ti.exp.UTC().Format(f), now.UTC().Format(f))
	}
	if !slices.Contains(armAudiences, ti.aud) && strings.TrimSuffix(ti.aud, "/") != "https://"+r.Host {
		return nil, errf(http.StatusUnauthorized, "InvalidAuthenticationTokenAudience",
			"The access token has been obtained for wrong audience or resource '%s'. It should exactly match with "+
				"one of the allowed audiences '%s'.", ti.aud, strings.Join(armAudiences, "','"))
	}
	return ti.principal, nil
}

// verifyToken verifies a token's signature (with a cache) and resolves its
// principal.
func (s *Server) verifyToken(tok string) (*tokenInfo, *apiError) {
	if v, ok := s.tokenCache.Load(tok); ok {
		return v.(*tokenInfo), nil
	}
	invalid := errf(http.StatusUnauthorized, "InvalidAuthenticationToken", "The access token is invalid.")
	claims, err := s.signer.verify(tok)
	if err != nil {
		if err != errBadSignature {
			invalid.Message = "The access token is invalid: it is not a well-formed JWT (" + err.Error() + ")."
		} else {
			invalid.Message = "The access token is invalid: its signature could not be verified."
		}
		return nil, invalid
	}
	tid, _ := claims["tid"].(string)
	appid, _ := claims["appid"].(string)
	aud, _ := claims["aud"].(string)
	exp, _ := claims["exp"].(float64)
	p := s.findPrincipal(tid, appid)
	if p == nil {
		invalid.Message = "The access token is invalid: unknown application '" + appid + "'."
		return nil, invalid
	}
	ti := &tokenInfo{principal: p, aud: aud, exp: time.Unix(int64(exp), 0)}
	if s.tokenCacheStores.Add(1)%1000 == 0 {
		now := time.Now()
		s.tokenCache.Range(func(k, v any) bool {
			if now.After(v.(*tokenInfo).exp) {
				s.tokenCache.Delete(k)
			}
			return true
		})
	}
	s.tokenCache.Store(tok, ti)
	return ti, nil
}

// guidPattern matches a subscription id.
var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// authorize checks that the principal may use the subscription, producing
// ARM's AuthorizationFailed with the action and scope of the request.
func (s *Server) authorize(ar *armRequest) *apiError {
	sub := ar.rt.sub
	if !guidPattern.MatchString(sub) {
		return errf(http.StatusBadRequest, "InvalidSubscriptionId",
			"The provided subscription identifier '%s' is malformed or invalid.", sub)
	}
	for _, g := range ar.principal.Subscriptions {
		if strings.EqualFold(g, sub) {
			return nil
		}
	}
	return errf(http.StatusForbidden, "AuthorizationFailed",
		"The client '%s' with object id '%s' does not have authorization to perform action '%s' over scope '%s' "+
			"or the scope is invalid. If access was recently granted, please refresh your credentials.",
		ar.principal.ObjectID, ar.principal.ObjectID, ar.rt.rbacAction(ar.r.Method), ar.rt.scope())
}

// API versions accepted per provider.
var (
	computeAPIVersions   = []string{"2024-03-03"}
	resourcesAPIVersions = []string{
		"2019-10-01", "2020-06-01", "2020-10-01", "2021-01-01", "2021-04-01", "2022-09-01",
		"2023-07-01", "2024-03-01", "2024-07-01", "2024-11-01", "2025-03-01", "2025-04-01",
	}
	apiVersionFormat = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(-preview|-beta|-alpha|-privatepreview)?$`)
)

// checkAPIVersion enforces the api-version query parameter like ARM.
func (s *Server) checkAPIVersion(ar *armRequest) *apiError {
	v := ar.apiVersion
	if v == "" {
		return errf(http.StatusBadRequest, "MissingApiVersionParameter",
			"The api-version query parameter (?api-version=) is required for all requests.")
	}
	supported := ar.rt.typ.apiVersions
	if ar.rt.typ.isCompute() {
		if slices.Contains(supported, v) {
			return nil
		}
		if !apiVersionFormat.MatchString(v) {
			return errf(http.StatusBadRequest, "InvalidApiVersionParameter",
				"The api-version '%s' is invalid. The supported versions are '%s'.", v, strings.Join(supported, ","))
		}
		return errf(http.StatusBadRequest, "NoRegisteredProviderFound",
			"No registered resource provider found for location '%s' and API version '%s' for type '%s'. "+
				"The supported api-versions are '%s'. The supported locations are '%s'.",
			s.routeLocation(ar.rt), v, ar.rt.computeTypeOf(), strings.Join(supported, ", "),
			strings.Join(regionNames(), ", "))
	}
	if slices.Contains(supported, v) {
		return nil
	}
	return errf(http.StatusBadRequest, "InvalidApiVersionParameter",
		"The api-version '%s' is invalid. The supported versions are '%s'.", v, strings.Join(supported, ","))
}

// methodNotAllowed writes ARM's error for an unsupported HTTP method.
func methodNotAllowed(ar *armRequest) {
	ar.w.Header().Set("Allow", "GET, PUT, PATCH, DELETE")
	writeError(ar.w, errf(http.StatusMethodNotAllowed, "MethodNotAllowed",
		"The HTTP method '%s' is not supported for this resource.", ar.r.Method))
}
