package azure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
)

// armURL is the request URL of the responses built by responseError.
const armURL = "https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i?api-version=2024-03-03"

// responseError builds the *azcore.ResponseError the SDK returns for an answer with this status,
// headers (name, value pairs) and body.
func responseError(t *testing.T, status int, body string, headers ...string) error {
	t.Helper()
	h := http.Header{}
	for i := 0; i+1 < len(headers); i += 2 {
		h.Set(headers[i], headers[i+1])
	}
	resp := &http.Response{
		StatusCode: status,
		Status:     fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Header:     h,
		Body:       io.NopCloser(strings.NewReader(body)),
		Request:    httptest.NewRequest(http.MethodPut, armURL, nil),
	}
	err := runtime.NewResponseError(resp)
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("NewResponseError returned %T", err)
	}
	return err
}

// armBodyOf is an ARM error body {"error":{"code","message"}}.
func armBodyOf(code, message string) string {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": message}})
	return string(b)
}

// failedOperation is an LRO operation-status body that ended Failed.
func failedOperation(code, message string) string {
	b, _ := json.Marshal(map[string]any{
		"startTime": "2025-01-01T00:00:00Z", "endTime": "2025-01-01T00:00:05Z", "status": "Failed",
		"name": "op", "error": map[string]string{"code": code, "message": message},
	})
	return string(b)
}

func TestClassifyResponseErrors(t *testing.T) {
	tests := []struct {
		name         string
		status       int
		body         string
		headers      []string
		wantCode     string
		wantTerminal bool
	}{
		// 400: terminal unless throttling/transient.
		{"400 InvalidParameter", 400, armBodyOf("InvalidParameter", "The value of parameter osType is invalid."), nil, "InvalidParameter", true},
		{"400 BadRequest", 400, armBodyOf("BadRequest", "bad"), nil, "BadRequest", true},
		{"400 InvalidRequestContent", 400, armBodyOf("InvalidRequestContent", "The request content was invalid"), nil, "InvalidRequestContent", true},
		{"400 unknown code", 400, armBodyOf("SomethingNew", "x"), nil, "SomethingNew", true},
		{"400 without body", 400, "", nil, CodeRequestFailed, true},
		{"400 throttled", 400, armBodyOf("SubscriptionRequestsThrottled", "Number of requests exceeded"), nil, "SubscriptionRequestsThrottled", false},
		{"400 flat body", 400, `{"code":"InvalidParameter","message":"flat"}`, nil, "InvalidParameter", true},
		{"400 x-ms-error-code header wins", 400, armBodyOf("BadRequest", "x"), []string{"x-ms-error-code", "InvalidParameter"}, "InvalidParameter", true},
		// 401: transient.
		{"401 InvalidAuthenticationToken", 401, armBodyOf("InvalidAuthenticationToken", "The access token is invalid."), nil, "InvalidAuthenticationToken", false},
		{"401 ExpiredAuthenticationToken", 401, armBodyOf("ExpiredAuthenticationToken", "expired"), nil, "ExpiredAuthenticationToken", false},
		{"401 AuthenticationFailed", 401, armBodyOf("AuthenticationFailed", "failed"), nil, "AuthenticationFailed", false},
		// 403.
		{"403 RequestDisallowedByPolicy", 403, armBodyOf("RequestDisallowedByPolicy", "Resource 'i' was disallowed by policy."), nil, "RequestDisallowedByPolicy", true},
		{"403 AuthorizationFailed", 403, armBodyOf("AuthorizationFailed", "The client does not have authorization to perform action"), nil, "AuthorizationFailed", false},
		// 404.
		// (to a PUT: a resource the body references is missing; see TestClassifyMissingReferences)
		{"404 NotFound", 404, armBodyOf("NotFound", "The entity was not found in this Azure location."), nil, "NotFound", true},
		{"404 ResourceNotFound", 404, armBodyOf("ResourceNotFound", "The Resource was not found."), nil, "ResourceNotFound", true},
		{"404 ParentResourceNotFound", 404, armBodyOf("ParentResourceNotFound", "Parent resource 'g' not found."), nil, "ParentResourceNotFound", false},
		{"404 ResourceGroupNotFound", 404, armBodyOf("ResourceGroupNotFound", "Resource group 'rg' could not be found."), nil, "ResourceGroupNotFound", false},
		{"404 SubscriptionNotFound", 404, armBodyOf("SubscriptionNotFound", "The subscription 's' could not be found."), nil, "SubscriptionNotFound", true},
		// 408, 429, 5xx: transient whatever the code.
		{"408", 408, "", nil, CodeRequestFailed, false},
		{"429 TooManyRequests", 429, armBodyOf("TooManyRequests", "slow down"), []string{"Retry-After", "17"}, "TooManyRequests", false},
		{"429 with a terminal-looking code", 429, armBodyOf("InvalidParameter", "x"), nil, "InvalidParameter", false},
		{"500 InternalServerError", 500, armBodyOf("InternalServerError", "oops"), nil, "InternalServerError", false},
		{"500 InvalidParameter", 500, armBodyOf("InvalidParameter", "x"), nil, "InvalidParameter", false},
		{"502 without body", 502, "", nil, CodeRequestFailed, false},
		{"503 ServiceUnavailable", 503, "<html>busy</html>", nil, CodeRequestFailed, false},
		{"504 GatewayTimeout", 504, armBodyOf("GatewayTimeout", "x"), nil, "GatewayTimeout", false},
		// 409.
		{"409 DeleteGalleryImageVersionBlockedBeforeEndOfLife", 409, armBodyOf("DeleteGalleryImageVersionBlockedBeforeEndOfLife", "Deletion of Gallery image version is not allowed"), nil, "DeleteGalleryImageVersionBlockedBeforeEndOfLife", true},
		{"409 PropertyChangeNotAllowed", 409, armBodyOf("PropertyChangeNotAllowed", "Changing property 'osType' is not allowed."), nil, "PropertyChangeNotAllowed", true},
		{"409 OperationNotAllowed in progress", 409, armBodyOf("OperationNotAllowed", "Operation 'PUT' is not allowed: another operation is in progress on the gallery image."), nil, "OperationNotAllowed", false},
		{"409 Conflict ongoing operation", 409, armBodyOf("Conflict", "Cannot modify the image: an ongoing operation must complete first."), nil, "Conflict", false},
		{"409 AnotherOperationInProgress", 409, armBodyOf("AnotherOperationInProgress", "Another operation is in progress"), nil, "AnotherOperationInProgress", false},
		{"409 ConcurrentOperationOnResource", 409, armBodyOf("ConcurrentOperationOnResource", "x"), nil, "ConcurrentOperationOnResource", false},
		{"409 OperationNotAllowed quota", 409, armBodyOf("OperationNotAllowed", "Operation could not be completed as it results in exceeding approved Gallery Image quota."), nil, "OperationNotAllowed", true},
		{"409 QuotaExceeded", 409, armBodyOf("QuotaExceeded", "quota"), nil, "QuotaExceeded", true},
		{"409 unknown", 409, armBodyOf("MissingSubscriptionRegistration", "not registered"), nil, "MissingSubscriptionRegistration", false},
		{"400 QuotaExceeded", 400, armBodyOf("QuotaExceeded", "quota"), nil, "QuotaExceeded", true},
		// Long-running operations that ended Failed (HTTP 200 on the status monitor).
		{"LRO Failed InvalidParameter", 200, failedOperation("InvalidParameter", "bad features"), nil, "InvalidParameter", true},
		{"LRO Failed PropertyChangeNotAllowed", 200, failedOperation("PropertyChangeNotAllowed", "x"), nil, "PropertyChangeNotAllowed", true},
		{"LRO Failed QuotaExceeded", 200, failedOperation("QuotaExceeded", "x"), nil, "QuotaExceeded", true},
		{"LRO Failed InternalExecutionError", 200, failedOperation("InternalExecutionError", "An internal execution error occurred."), nil, "InternalExecutionError", false},
		{"LRO Failed unknown code", 200, failedOperation("SomethingElse", "x"), nil, "SomethingElse", false},
		{"LRO Failed without error", 200, `{"status":"Failed"}`, nil, CodeOperationFailed, false},
		{"resource provisioningState Failed", 200, `{"properties":{"provisioningState":"Failed"}}`, nil, CodeOperationFailed, false},
		// Anything unknown is transient.
		{"418 unknown", 418, armBodyOf("Teapot", "x"), nil, "Teapot", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := responseError(t, tt.status, tt.body, tt.headers...)
			e := Classify(fmt.Errorf("get image: %w", err))
			if e.HTTPStatus != tt.status || e.Code != tt.wantCode || e.Terminal() != tt.wantTerminal {
				t.Errorf("Classify = {HTTPStatus %d Code %q Terminal %v}, want {%d %q %v}",
					e.HTTPStatus, e.Code, e.Terminal(), tt.status, tt.wantCode, tt.wantTerminal)
			}
			if e.Message == "" {
				t.Error("empty message")
			}
		})
	}
}

// TestClassifyMissingReferences: a write refused because something it references is missing is
// the user's to fix (terminal: Stalled, not retried every few seconds); a missing parent the
// operator may still create, and a 404 to a read or a delete, are not.
func TestClassifyMissingReferences(t *testing.T) {
	missingSource := armBodyOf("ResourceNotFound", "The Resource 'Microsoft.Compute/images/gone' under resource group 'rg' was not found.")
	tests := []struct {
		method, body string
		terminal     bool
	}{
		{http.MethodPut, missingSource, true},
		{http.MethodPut, armBodyOf("NotFound", "The entity was not found."), true},
		{http.MethodPatch, missingSource, true},
		{http.MethodPost, missingSource, true},    // an action
		{http.MethodGet, missingSource, false},    // the resource itself is absent: the reader's concern
		{http.MethodDelete, missingSource, false}, // already gone
		{http.MethodPut, armBodyOf("ParentResourceNotFound", "Can not perform requested operation on nested resource. Parent resource 'g' not found."), false},
		{http.MethodPut, armBodyOf("ResourceGroupNotFound", "Resource group 'rg' could not be found."), false},
		{http.MethodPut, armBodyOf("SubscriptionNotFound", "The subscription 's' could not be found."), true},
	}
	for _, tt := range tests {
		resp := &http.Response{StatusCode: 404, Status: "404 Not Found", Header: http.Header{},
			Body: io.NopCloser(strings.NewReader(tt.body)), Request: httptest.NewRequest(tt.method, armURL, nil)}
		e := Classify(runtime.NewResponseError(resp))
		if e.Terminal() != tt.terminal {
			t.Errorf("%s %s: terminal %v, want %v", tt.method, tt.body, e.Terminal(), tt.terminal)
		}
	}
}

func TestIsNotFoundAndIsParentMissing(t *testing.T) {
	tests := []struct {
		err                    error
		notFound, parentMissng bool
	}{
		{responseError(t, 404, armBodyOf("NotFound", "x")), true, false},
		{responseError(t, 404, armBodyOf("ResourceNotFound", "x")), true, false},
		{responseError(t, 404, "", "x-ms-error-code", "ResourceNotFound"), true, false},
		{responseError(t, 404, armBodyOf("ParentResourceNotFound", "x")), false, true},
		{responseError(t, 404, armBodyOf("ResourceGroupNotFound", "x")), false, true},
		{responseError(t, 404, armBodyOf("SubscriptionNotFound", "x")), false, false},
		{responseError(t, 404, ""), false, false},
		{responseError(t, 400, armBodyOf("NotFound", "x")), false, false},
		{responseError(t, 200, failedOperation("ResourceNotFound", "x")), false, false},
		{errors.New("NotFound"), false, false},
		{nil, false, false},
	}
	for i, tt := range tests {
		if got := IsNotFound(tt.err); got != tt.notFound {
			t.Errorf("%d: IsNotFound(%v) = %v", i, Classify(tt.err), got)
		}
		if got := IsParentMissing(tt.err); got != tt.parentMissng {
			t.Errorf("%d: IsParentMissing(%v) = %v", i, Classify(tt.err), got)
		}
	}
}

func TestClassifyParsesBody(t *testing.T) {
	body := `{"error":{"code":"InvalidParameter","message":"The feature is invalid.","target":"properties.features",
		"details":[{"code":"FeatureInvalid","message":"SecurityType needs V2","target":"properties.hyperVGeneration",
		"details":[{"code":"Inner","message":"deeper"}]},{"code":"Second","message":"two"}],
		"additionalInfo":[{"type":"PolicyViolation","info":{}}]}}`
	want := &Error{
		HTTPStatus: 400, Code: "InvalidParameter", Message: "The feature is invalid.", Target: "properties.features",
		Details: []ErrorDetail{
			{Code: "FeatureInvalid", Message: "SecurityType needs V2", Target: "properties.hyperVGeneration"},
			{Code: "Inner", Message: "deeper"},
			{Code: "Second", Message: "two"},
		},
		Method: http.MethodPut,
	}
	err := responseError(t, 400, body)
	_ = err.Error() // the SDK reads the body for its own message first
	got := Classify(err)
	if !jsonEqual(t, got, want) || !got.Terminal() {
		t.Errorf("Classify = %+v (terminal %v), want %+v, terminal", got, got.Terminal(), want)
	}
	if s := got.Error(); s != "InvalidParameter: The feature is invalid. (target properties.features)" {
		t.Errorf("Error() = %q", s)
	}
	if s := (&Error{Code: "Timeout", Message: "deadline"}).Error(); s != "Timeout: deadline" {
		t.Errorf("Error() = %q", s)
	}

	op := Classify(responseError(t, 200, `{"status":"Failed","error":{"code":"BadRequest","message":"m","target":"t",
		"details":[{"code":"D","message":"dm"}]}}`))
	if op.Code != "BadRequest" || op.Message != "m" || op.Target != "t" || len(op.Details) != 1 || op.Details[0].Code != "D" || !op.Terminal() {
		t.Errorf("operation status body: %+v", op)
	}
	flat := Classify(responseError(t, 400, `{"code":"BadRequest","message":"flat message","target":"x"}`))
	if flat.Message != "flat message" || flat.Target != "x" {
		t.Errorf("flat body: %+v", flat)
	}
	plain := Classify(responseError(t, 503, "upstream connect error"))
	if plain.Message != "HTTP 503 Service Unavailable" {
		t.Errorf("non-JSON body message = %q", plain.Message)
	}
	odd := Classify(responseError(t, 400, `{"error":"invalid_request","error_description":"d"}`))
	if odd.Code != CodeRequestFailed || !odd.Terminal() {
		t.Errorf("string error member: %+v", odd)
	}
	if Classify(nil) != nil {
		t.Error("Classify(nil) != nil")
	}
	if got := Classify(fmt.Errorf("again: %w", got)); got.Code != "InvalidParameter" {
		t.Errorf("Classify(*Error) = %+v", got)
	}
	noResp := Classify(&azcore.ResponseError{StatusCode: 409, ErrorCode: "PropertyChangeNotAllowed"})
	if noResp.Code != "PropertyChangeNotAllowed" || !noResp.Terminal() || noResp.Message == "" {
		t.Errorf("ResponseError without RawResponse: %+v", noResp)
	}
}

func TestRetryAfter(t *testing.T) {
	fixed := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	defer func(old func() time.Time) { clockNow = old }(clockNow)
	clockNow = func() time.Time { return fixed }
	tests := []struct {
		name    string
		headers []string
		want    time.Duration
	}{
		{"none", nil, 0},
		{"seconds", []string{"Retry-After", "17"}, 17 * time.Second},
		{"HTTP-date", []string{"Retry-After", fixed.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second},
		{"HTTP-date in the past", []string{"Retry-After", fixed.Add(-time.Minute).Format(http.TimeFormat)}, 0},
		{"retry-after-ms", []string{"retry-after-ms", "1500"}, 1500 * time.Millisecond},
		{"x-ms-retry-after-ms", []string{"x-ms-retry-after-ms", "250"}, 250 * time.Millisecond},
		{"ms wins over seconds", []string{"Retry-After", "10", "x-ms-retry-after-ms", "500"}, 500 * time.Millisecond},
		{"invalid ms falls back", []string{"retry-after-ms", "soon", "Retry-After", "3"}, 3 * time.Second},
		{"garbage", []string{"Retry-After", "later"}, 0},
		{"negative", []string{"Retry-After", "-5"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Classify(responseError(t, 429, armBodyOf("TooManyRequests", "x"), tt.headers...))
			if e.RetryAfter != tt.want {
				t.Errorf("RetryAfter = %v, want %v", e.RetryAfter, tt.want)
			}
		})
	}
}

// timeoutError is a net.Error that timed out.
type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

func TestClassifyTransportErrors(t *testing.T) {
	refused := dialClosedPort(t)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	_, clientTimeout := (&http.Client{Timeout: 20 * time.Millisecond}).Get(slow.URL)

	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"context deadline", ctx.Err(), CodeTimeout},
		{"wrapped deadline", fmt.Errorf("poll: %w", context.DeadlineExceeded), CodeTimeout},
		{"os deadline", &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}, CodeTimeout},
		{"net timeout", &net.OpError{Op: "dial", Err: timeoutError{}}, CodeTimeout},
		{"http client timeout", clientTimeout, CodeTimeout},
		{"canceled", fmt.Errorf("x: %w", context.Canceled), CodeCanceled},
		{"connection refused", refused, CodeConnectionFailed},
		{"connection reset", &net.OpError{Op: "read", Net: "tcp", Err: &os.SyscallError{Syscall: "read", Err: syscall.ECONNRESET}}, CodeConnectionFailed},
		{"unexpected EOF", fmt.Errorf("read body: %w", io.ErrUnexpectedEOF), CodeConnectionFailed},
		{"DNS", &net.DNSError{Err: "no such host", Name: "management.azure.com", IsNotFound: true}, CodeConnectionFailed},
		{"unknown", errors.New("boom"), CodeRequestFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil {
				t.Fatal("no error to classify")
			}
			e := Classify(tt.err)
			if e.Code != tt.want || e.Terminal() || e.HTTPStatus != 0 || e.Message == "" {
				t.Errorf("Classify(%v) = %+v, want transient %s", tt.err, e, tt.want)
			}
		})
	}
}

// dialClosedPort returns the error of connecting to a port nobody listens on.
func dialClosedPort(t *testing.T) error {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = http.Get("http://" + addr + "/")
	if err == nil || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial closed port: %v", err)
	}
	return err
}

func TestClassifyCredentialUnavailable(t *testing.T) {
	for _, err := range []error{
		azidentity.NewCredentialUnavailableError("no credentials in the environment"),
		fmt.Errorf("token: %w", azidentity.NewCredentialUnavailableError("managed identity endpoint not reachable")),
		&azidentity.AuthenticationRequiredError{},
	} {
		e := Classify(err)
		if e.Code != CodeCredentialUnavailable || e.Terminal() || e.HTTPStatus != 0 {
			t.Errorf("Classify(%v) = %+v", err, e)
		}
	}
}

// The secret, tenant and client of the fake Entra ID app.
const (
	testTenant = "11111111-1111-1111-1111-111111111111"
	testClient = "22222222-2222-2222-2222-222222222222"
	testSecret = "s3cr3t~VeryPrivateClientSecret.Value"
)

// fakeAzure is an httptest TLS server playing Microsoft Entra ID (rejecting every client secret,
// and echoing the token request in its answer as a careless proxy might) and Azure Resource
// Manager (answers set per test).
type fakeAzure struct {
	*httptest.Server
	arm        http.HandlerFunc
	tokenCalls atomic.Int32
}

// newFakeAzure starts the server.
func newFakeAzure(t *testing.T) *fakeAzure {
	f := &fakeAzure{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		base := f.URL + "/" + r.PathValue("tenant")
		writeJSON(w, 200, map[string]any{
			"token_endpoint":         base + "/oauth2/v2.0/token",
			"authorization_endpoint": base + "/oauth2/v2.0/authorize",
			"issuer":                 base + "/v2.0",
			"tenant_region_scope":    "NA",
		})
	})
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", func(w http.ResponseWriter, r *http.Request) {
		f.tokenCalls.Add(1)
		req, _ := io.ReadAll(r.Body)
		writeJSON(w, 401, map[string]any{
			"error": "invalid_client",
			"error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is " +
				"the client secret value, not the client secret ID, for a secret added to app '" + testClient + "'.\r\n" +
				"Trace ID: 0000\r\nCorrelation ID: 1111\r\nTimestamp: 2025-01-01 00:00:00Z",
			"error_codes":    []int{7000215},
			"trace_id":       "0000",
			"correlation_id": "1111",
			"request_echo":   string(req),
		})
	})
	f.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/subscriptions/") {
			f.arm(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

// writeJSON answers with status and v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// clientOptions points the SDK at the fake server, without retries.
func (f *fakeAzure) clientOptions() azcore.ClientOptions {
	return azcore.ClientOptions{
		Cloud: cloud.Configuration{
			ActiveDirectoryAuthorityHost: f.URL + "/",
			Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				cloud.ResourceManager: {Endpoint: f.URL, Audience: "https://management.core.windows.net/"},
			},
		},
		Transport: f.Client(),
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}
}

// imagesClient returns an armcompute client using cred against the fake server.
func (f *fakeAzure) imagesClient(t *testing.T, cred azcore.TokenCredential) *armcompute.GalleryImagesClient {
	t.Helper()
	c, err := armcompute.NewGalleryImagesClient("33333333-3333-3333-3333-333333333333", cred,
		&arm.ClientOptions{ClientOptions: f.clientOptions(), DisableRPRegistration: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// staticToken is a credential that always has a token.
type staticToken struct{}

func (staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "token", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func TestClassifyAuthenticationFailedHidesSecret(t *testing.T) {
	f := newFakeAzure(t)
	cred, err := azidentity.NewClientSecretCredential(testTenant, testClient, testSecret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: f.clientOptions(), DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, err error) {
		t.Helper()
		var afe *azidentity.AuthenticationFailedError
		if !errors.As(err, &afe) {
			t.Fatalf("got %T %v, want an AuthenticationFailedError", err, err)
		}
		if !strings.Contains(err.Error(), testSecret) {
			t.Fatal("precondition: the SDK's own message should carry the echoed secret, or this test proves nothing")
		}
		e := Classify(err)
		t.Logf("classified: %s", e)
		for _, s := range []string{e.Message, e.Error(), fmt.Sprintf("%+v", *e)} {
			if strings.Contains(s, testSecret) || strings.Contains(s, "client_secret") || strings.Contains(s, "request_echo") {
				t.Errorf("classified error leaks the request: %q", s)
			}
		}
		if e.Code != CodeAuthenticationFailed || e.Terminal() || e.HTTPStatus != 401 {
			t.Errorf("Classify = %+v, want transient AuthenticationFailed with HTTP 401", e)
		}
		for _, want := range []string{"Credential authentication failed (HTTP 401)", "invalid_client", "AADSTS7000215", "Invalid client secret provided"} {
			if !strings.Contains(e.Message, want) {
				t.Errorf("message %q lacks %q", e.Message, want)
			}
		}
		if strings.Contains(e.Message, "Trace ID") {
			t.Errorf("message %q keeps more than the AADSTS line", e.Message)
		}
	}

	t.Run("GetToken", func(t *testing.T) {
		_, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://management.core.windows.net//.default"}})
		check(t, err)
	})
	t.Run("through the ARM pipeline", func(t *testing.T) {
		f.arm = func(w http.ResponseWriter, _ *http.Request) { t.Error("ARM called without a token") }
		_, err := f.imagesClient(t, cred).Get(context.Background(), "rg", "g", "i", nil)
		check(t, err)
	})
	t.Run("through a chained credential", func(t *testing.T) {
		chain, err := azidentity.NewChainedTokenCredential([]azcore.TokenCredential{unavailable{}, cred}, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = chain.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://management.core.windows.net//.default"}})
		check(t, err)
	})
	if f.tokenCalls.Load() == 0 {
		t.Error("the token endpoint was never called")
	}
}

func TestClassifyThroughARMPipeline(t *testing.T) {
	f := newFakeAzure(t)
	client := f.imagesClient(t, staticToken{})
	ctx := context.Background()

	t.Run("GET 404 NotFound", func(t *testing.T) {
		f.arm = func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 404, map[string]any{"error": map[string]string{"code": "NotFound", "message": "The entity was not found in this Azure location."}})
		}
		_, err := client.Get(ctx, "rg", "g", "i", nil)
		if !IsNotFound(err) || IsParentMissing(err) {
			t.Errorf("IsNotFound/IsParentMissing wrong for %+v", Classify(err))
		}
	})
	t.Run("GET 404 ParentResourceNotFound", func(t *testing.T) {
		f.arm = func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 404, map[string]any{"error": map[string]string{"code": "ParentResourceNotFound", "message": "Parent gallery not found"}})
		}
		_, err := client.Get(ctx, "rg", "g", "i", nil)
		if IsNotFound(err) || !IsParentMissing(err) || Classify(err).Terminal() {
			t.Errorf("classification wrong for %+v", Classify(err))
		}
	})
	t.Run("GET 429 with Retry-After", func(t *testing.T) {
		f.arm = func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "42")
			writeJSON(w, 429, map[string]any{"error": map[string]string{"code": "TooManyRequests", "message": "throttled"}})
		}
		_, err := client.Get(ctx, "rg", "g", "i", nil)
		if e := Classify(err); e.HTTPStatus != 429 || e.Terminal() || e.RetryAfter != 42*time.Second || e.Message != "throttled" {
			t.Errorf("Classify = %+v", e)
		}
	})
	t.Run("PUT 400 with details", func(t *testing.T) {
		f.arm = func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 400, map[string]any{"error": map[string]any{"code": "InvalidParameter", "message": "bad", "target": "galleryImage.properties.features",
				"details": []map[string]string{{"code": "FeatureNotSupported", "message": "no"}}}})
		}
		_, err := client.BeginCreateOrUpdate(ctx, "rg", "g", "i", armcompute.GalleryImage{Location: to.Ptr("westus")}, nil)
		e := Classify(err)
		if !e.Terminal() || e.Code != "InvalidParameter" || e.Target != "galleryImage.properties.features" ||
			!slices.Equal(e.Details, []ErrorDetail{{Code: "FeatureNotSupported", Message: "no"}}) {
			t.Errorf("Classify = %+v", e)
		}
	})
	for _, tc := range []struct {
		code     string
		terminal bool
	}{{"PropertyChangeNotAllowed", true}, {"InternalExecutionError", false}} {
		t.Run("LRO Failed "+tc.code, func(t *testing.T) {
			f.arm = func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPut {
					w.Header().Set("Azure-AsyncOperation", f.URL+"/subscriptions/x/providers/Microsoft.Compute/locations/westus/operations/op1?api-version=2024-03-03")
					writeJSON(w, 201, map[string]any{"location": "westus", "properties": map[string]any{"provisioningState": "Creating"}})
					return
				}
				writeJSON(w, 200, map[string]any{"status": "Failed", "name": "op1",
					"error": map[string]string{"code": tc.code, "message": "the operation failed"}})
			}
			poller, err := client.BeginCreateOrUpdate(ctx, "rg", "g", "i", armcompute.GalleryImage{Location: to.Ptr("westus")}, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: time.Millisecond})
			e := Classify(err)
			if e.HTTPStatus != 200 || e.Code != tc.code || e.Terminal() != tc.terminal || e.Message != "the operation failed" {
				t.Errorf("Classify = %+v", e)
			}
		})
	}
}

// unavailable is a credential that cannot try to authenticate.
type unavailable struct{}

func (unavailable) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{}, azidentity.NewCredentialUnavailableError("unavailable: nothing configured")
}

func TestClassifyAuthenticationFailedWithoutAnswer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cred, err := azidentity.NewClientSecretCredential(testTenant, testClient, testSecret,
		&azidentity.ClientSecretCredentialOptions{
			ClientOptions:            azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: "https://" + addr + "/"}, Retry: policy.RetryOptions{MaxRetries: -1}},
			DisableInstanceDiscovery: true,
		})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://management.core.windows.net//.default"}})
	e := Classify(err)
	t.Logf("classified: %s", e)
	if e.Code != CodeAuthenticationFailed || e.Terminal() || e.HTTPStatus != 0 || strings.Contains(e.Message, testSecret) ||
		!strings.HasPrefix(e.Message, "ClientSecretCredential authentication failed: ") || len(e.Message) > maxAuthMessage {
		t.Errorf("Classify(%v) = %+v", err, e)
	}
}

// jsonEqual compares two values by their JSON form.
func jsonEqual(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(ja) == string(jb)
}
