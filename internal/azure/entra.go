package azure

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Entra ID (token) errors are scrubbed here: azidentity's messages carry the request and the raw
// response, which must never reach a log, an event or a status.

// maxAuthMessage bounds messages taken from credential errors, maxReason the reason of a token
// request that got no answer.
const (
	maxAuthMessage = 1024
	maxReason      = 256
)

// aadsts matches an Entra ID error code and its description, up to the end of the line.
var aadsts = regexp.MustCompile(`AADSTS\d+[^\r\n]*`)

// credentialType matches the credential type azidentity puts first in its messages.
var credentialType = regexp.MustCompile(`^[A-Za-z]*Credential\b`)

// entraError is the error body of Microsoft Entra ID's token endpoint.
type entraError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// fromAuthenticationFailed classifies a failed token request. When Entra ID answered, the message
// keeps only the credential type, the HTTP status, Entra's error and the AADSTS code and
// description (its first line): never the request, the raw response or anything else
// azidentity's Error text carries. Without an answer it keeps the first line of azidentity's
// message (the reason, such as a network error), shortened.
func fromAuthenticationFailed(afe *azidentity.AuthenticationFailedError) *Error {
	e := &Error{Code: CodeAuthenticationFailed}
	full := afe.Error()
	credType := credentialType.FindString(full)
	msg := credType
	if msg == "" {
		msg = "credential"
	}
	msg += " authentication failed"
	if resp := afe.RawResponse; resp != nil {
		e.HTTPStatus = resp.StatusCode
		e.RetryAfter = RetryAfterFromHeader(resp.Header)
		msg += fmt.Sprintf(" (HTTP %d)", resp.StatusCode)
		body := entraErrorOf(resp)
		if body.Error != "" {
			msg += ": " + body.Error
		}
		if d := aadsts.FindString(body.Description); d != "" {
			msg += ": " + strings.TrimSpace(d)
		}
	} else if d := aadsts.FindString(full); d != "" {
		msg += ": " + strings.TrimSpace(d)
	} else if reason := strings.TrimLeft(strings.TrimPrefix(firstLinesOf(full, 1), credType), ": "); reason != "" {
		// No answer from Entra ID (a network error, say): azidentity's first line is the reason.
		msg += ": " + truncateMessage(reason, maxReason)
	}
	e.Message = truncateMessage(msg, maxAuthMessage)
	return e
}

// entraErrorOf parses an Entra error response; zero when it is not one.
func entraErrorOf(resp *http.Response) entraError {
	var body entraError
	if b, err := runtime.Payload(resp); err == nil && len(b) > 0 {
		_ = json.Unmarshal(b, &body) // a body that is not an Entra error leaves it zero
	}
	return body
}

// isCredentialUnavailable reports azidentity's credentialUnavailableError (unexported, so matched
// by type name) or AuthenticationRequiredError anywhere in err's chain.
func isCredentialUnavailable(err error) bool {
	var are *azidentity.AuthenticationRequiredError
	if errors.As(err, &are) {
		return true
	}
	return anyInChain(err, func(e error) bool {
		t := reflect.TypeOf(e)
		return t.Kind() == reflect.Pointer && t.Elem().Name() == "credentialUnavailableError" &&
			t.Elem().PkgPath() == reflect.TypeFor[azidentity.AuthenticationFailedError]().PkgPath()
	})
}

// anyInChain reports whether match holds for err or any error it wraps.
func anyInChain(err error, match func(error) bool) bool {
	if err == nil {
		return false
	}
	if match(err) {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return anyInChain(u.Unwrap(), match)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if anyInChain(e, match) {
				return true
			}
		}
	}
	return false
}

// firstLinesOf returns at most n lines of s.
func firstLinesOf(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// truncateMessage shortens s to at most n bytes, marking the cut.
func truncateMessage(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n-3], "") + "..."
}
