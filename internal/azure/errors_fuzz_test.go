package azure

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Fuzz tests of the error classifier on arbitrary Azure answers: ARM responses (any status,
// body and headers) and Entra ID token errors.

// fuzzResponse is an HTTP answer with status, body and headers (name, value pairs).
func fuzzResponse(status int, body []byte, headers ...string) *http.Response {
	h := http.Header{}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] != "" {
			h.Set(headers[i], headers[i+1])
		}
	}
	return &http.Response{
		StatusCode: status,
		Status:     fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Header:     h,
		Body:       io.NopCloser(bytes.NewReader(body)),
		Request:    httptest.NewRequest(http.MethodPut, armURL, nil),
	}
}

// fuzzNow is the clock of the fuzz tests, so that an HTTP-date Retry-After always gives the same
// duration.
var fuzzNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func useFuzzClock(f *testing.F) {
	old := clockNow
	clockNow = func() time.Time { return fuzzNow }
	f.Cleanup(func() { clockNow = old })
}

// checkRetryAfter checks d against what the headers say: never negative; the milliseconds of
// the first valid positive ms header, else Retry-After's positive seconds or date, else 0 (a
// number too large for a Duration is not valid).
func checkRetryAfter(t *testing.T, d time.Duration, retryAfter, retryAfterMs, xmsRetryAfterMs string) {
	t.Helper()
	if d < 0 {
		t.Fatalf("RetryAfter %v is negative (Retry-After %q, retry-after-ms %q, x-ms-retry-after-ms %q)", d, retryAfter, retryAfterMs, xmsRetryAfterMs)
	}
	want := time.Duration(-1)
	for _, v := range []string{retryAfterMs, xmsRetryAfterMs} {
		// a number too large for a Duration is as invalid as any other
		if ms, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && ms > 0 && ms <= int64(maxDuration/time.Millisecond) {
			want = time.Duration(ms) * time.Millisecond
			break
		}
	}
	if want < 0 {
		want = 0
		if v := strings.TrimSpace(retryAfter); v != "" {
			if s, err := strconv.ParseInt(v, 10, 64); err == nil {
				if s > 0 && s <= int64(maxDuration/time.Second) {
					want = time.Duration(s) * time.Second
				}
			} else if ts, err := http.ParseTime(v); err == nil {
				want = max(ts.Sub(fuzzNow), 0)
			}
		}
	}
	if d != want {
		t.Fatalf("RetryAfter = %v, want %v (Retry-After %q, retry-after-ms %q, x-ms-retry-after-ms %q)", d, want, retryAfter, retryAfterMs, xmsRetryAfterMs)
	}
}

const maxDuration = time.Duration(1<<63 - 1)

// FuzzClassifyResponseError: for any ARM answer (status, body, Retry-After headers,
// x-ms-error-code, one more header) Classify never panics, returns the status, a non-empty code
// and message, the code x-ms-error-code gives when it is set, a Retry-After that is never negative
// and is what the headers say, and the same answer every time.
func FuzzClassifyResponseError(f *testing.F) {
	useFuzzClock(f)
	f.Add(uint16(400), []byte(armBodyOf("InvalidParameter", "bad")), "", "", "", "", "X-Other", "v")
	f.Add(uint16(429), []byte(armBodyOf("TooManyRequests", "slow down")), "17", "", "", "", "", "")
	f.Add(uint16(429), []byte(`{}`), fuzzNow.Add(90*time.Second).Format(http.TimeFormat), "", "", "", "", "")
	f.Add(uint16(503), []byte("<html>busy</html>"), "-5", "1500", "", "", "", "")
	f.Add(uint16(200), []byte(failedOperation("InternalExecutionError", "")), "", "", "250", "", "", "")
	f.Add(uint16(409), []byte(`{"error":{"code":"OperationNotAllowed","message":"quota","details":[{"code":"a","details":[{"code":"b"}]}]}}`), "", "", "", "", "", "")
	f.Add(uint16(404), []byte(`{"code":"ResourceNotFound"}`), "", "9223372036854775807", "", "NotFound", "", "")
	f.Add(uint16(0), []byte(`{"status":"Canceled","properties":{"provisioningState":"Failed"},"error":null}`), "9223372036854775807", "", "", "", "", "")
	f.Add(uint16(500), []byte(`{"error":"not an object","message":"m"}`), "", "", "9223372036854", "", "", "")
	f.Fuzz(func(t *testing.T, status uint16, body []byte, retryAfter, retryAfterMs, xmsRetryAfterMs, errorCode, name, value string) {
		code := int(status % 1000)
		headers := []string{"Retry-After", retryAfter, "retry-after-ms", retryAfterMs, "x-ms-retry-after-ms", xmsRetryAfterMs, "x-ms-error-code", errorCode}
		if name != "" && !strings.ContainsAny(name, " \r\n:") {
			headers = append([]string{name, value}, headers...)
		}
		classify := func() *Error {
			err := runtime.NewResponseError(fuzzResponse(code, body, headers...))
			if len(body)%2 == 1 {
				err = fmt.Errorf("PUT image: %w", err) // wrapped, as callers may
			}
			return Classify(err)
		}
		e := classify()
		if e == nil {
			t.Fatal("Classify returned nil for an error")
		}
		if e.HTTPStatus != code {
			t.Errorf("HTTPStatus = %d, want %d", e.HTTPStatus, code)
		}
		if strings.TrimSpace(e.Code) == "" {
			t.Errorf("empty code: %+v", e)
		}
		if e.Message == "" {
			t.Errorf("empty message: %+v", e)
		}
		if errorCode != "" && e.Code != errorCode {
			t.Errorf("Code = %q, want x-ms-error-code %q", e.Code, errorCode)
		}
		checkRetryAfter(t, e.RetryAfter, retryAfter, retryAfterMs, xmsRetryAfterMs)
		if code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500 {
			if e.Terminal() {
				t.Errorf("HTTP %d classified terminal: %+v", code, e)
			}
		}
		if again := classify(); !reflect.DeepEqual(e, again) {
			t.Errorf("Classify is not deterministic:\n%+v\n%+v", e, again)
		}
		_ = e.Error()
		_ = IsNotFound(e)
		_ = IsParentMissing(e)
	})
}

// canary stands for what Entra ID echoes of the token request (the client secret, say).
const canary = "s3cr3t-CANARY-value"

// FuzzClassifyEntraError: for any answer of Entra ID's token endpoint to a failed token request
// (status, Entra's error and description, headers, or any raw body), Classify never panics and
// returns AuthenticationFailed with the status, a message at most maxAuthMessage long that
// carries neither what Entra echoes of the request (the canary in the body's other fields) nor
// the raw body, a Retry-After that is never negative, and the same answer every time.
func FuzzClassifyEntraError(f *testing.F) {
	useFuzzClock(f)
	f.Add(uint16(401), "invalid_client", "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x", []byte(nil), "")
	f.Add(uint16(400), "invalid_request", "AADSTS90002: Tenant 't' not found.", []byte(nil), "30")
	f.Add(uint16(429), "", "", []byte(`{"error":"temporarily_unavailable","request_echo":"client_secret=`+canary+`"}`), "-1")
	f.Add(uint16(500), "", "", []byte("<html>"+canary+"</html>"), "")
	f.Add(uint16(401), "", "", []byte(`{"error_description":"AADSTS50126 `+canary+`"}`), "")
	f.Fuzz(func(t *testing.T, status uint16, entraErr, description string, raw []byte, retryAfter string) {
		code := int(status % 1000)
		body := raw
		structured := len(raw) == 0
		if structured {
			if strings.Contains(entraErr+description, canary) {
				return
			}
			body, _ = json.Marshal(map[string]any{"error": entraErr, "error_description": description,
				"error_codes": []int{7000215}, "trace_id": canary, "correlation_id": canary,
				"request_echo": "grant_type=client_credentials&client_secret=" + canary, "error_uri": "https://login/" + canary})
		}
		classify := func() *Error {
			resp := fuzzResponse(code, body, "Retry-After", retryAfter)
			var err error = &azidentity.AuthenticationFailedError{RawResponse: resp}
			if len(body)%2 == 1 {
				err = fmt.Errorf("getting a token: %w", err)
			}
			return Classify(err)
		}
		e := classify()
		if e == nil || e.Code != CodeAuthenticationFailed || e.HTTPStatus != code || e.Terminal() {
			t.Fatalf("Classify = %+v, want transient AuthenticationFailed with HTTP %d", e, code)
		}
		if len(e.Message) > maxAuthMessage || e.Message == "" {
			t.Errorf("message of %d bytes: %q", len(e.Message), e.Message)
		}
		if structured && strings.Contains(e.Message, canary) {
			t.Errorf("message carries what Entra echoed: %q", e.Message)
		}
		if len(body) >= 16 && strings.Contains(e.Message, string(body)) {
			t.Errorf("message carries the raw body: %q", e.Message)
		}
		for _, s := range []string{e.Error(), fmt.Sprintf("%+v", *e)} {
			if structured && strings.Contains(s, canary) {
				t.Errorf("classified error carries what Entra echoed: %q", s)
			}
		}
		checkRetryAfter(t, e.RetryAfter, retryAfter, "", "")
		if again := classify(); !reflect.DeepEqual(e, again) {
			t.Errorf("Classify is not deterministic:\n%+v\n%+v", e, again)
		}
	})
}

// FuzzClassifyOtherErrors: any other error (a message of any shape, wrapped or joined) gets a
// non-empty code and keeps its message.
func FuzzClassifyOtherErrors(f *testing.F) {
	f.Add("dial tcp 127.0.0.1:443: connect: connection refused", false)
	f.Add("", true)
	f.Add("AADSTS700016: application not found", true)
	f.Fuzz(func(t *testing.T, msg string, wrap bool) {
		err := fmt.Errorf("%s", msg)
		if wrap {
			err = fmt.Errorf("reading: %w", err)
		}
		e := Classify(err)
		if e == nil || e.Code == "" || e.Message != err.Error() || e.RetryAfter != 0 || e.Terminal() {
			t.Errorf("Classify(%q) = %+v", err, e)
		}
	})
}
