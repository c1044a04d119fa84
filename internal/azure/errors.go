package azure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Our own error codes, used when Azure gave none.
const (
	// CodeRequestFailed is an error with no Azure error code and no more specific reason.
	CodeRequestFailed = "RequestFailed"
	// CodeTimeout is a deadline or network timeout.
	CodeTimeout = "Timeout"
	// CodeCanceled is a canceled context.
	CodeCanceled = "Canceled"
	// CodeConnectionFailed is a refused, reset or otherwise broken connection.
	CodeConnectionFailed = "ConnectionFailed"
	// CodeAuthenticationFailed is a failure to get a token from Microsoft Entra ID.
	CodeAuthenticationFailed = "AuthenticationFailed"
	// CodeCredentialUnavailable is a credential that could not even try to authenticate.
	CodeCredentialUnavailable = "CredentialUnavailable"
	// CodeOperationFailed is a long-running operation that ended Failed or Canceled without an
	// error code.
	CodeOperationFailed = "OperationFailed"
)

// Error is what Azure answered to a request (or, without an answer, what kept the request from
// getting one). Whether only the user can fix it is Terminal's judgement, not a field.
type Error struct {
	Method     string        // the request's method, "" when unknown
	HTTPStatus int           // 0 when there was no HTTP answer
	Code       string        // Azure error code, or our own PascalCase reason such as "RequestFailed"/"Timeout"
	Message    string        // human-readable message, free of secrets
	Target     string        // property or resource the error is about
	Details    []ErrorDetail // Azure's nested errors, flattened depth-first
	RetryAfter time.Duration // from Retry-After / retry-after-ms / x-ms-retry-after-ms headers, 0 if none
}

// Terminal reports whether only a change by the user (the spec, or Azure outside Kubernetes) can
// fix the error: an ARM answer that terminal or missingReference judges so. Everything without
// an ARM answer is transient: a failed token request (credentials can be fixed without touching
// the spec), a timeout, a broken connection.
func (e *Error) Terminal() bool {
	if e.HTTPStatus == 0 || e.Code == CodeAuthenticationFailed {
		return false
	}
	return terminal(e.HTTPStatus, e.Code, e.Message) || missingReference(e.Method, e.HTTPStatus, e.Code)
}

// ErrorDetail is one nested Azure error.
type ErrorDetail struct{ Code, Message, Target string }

// Error returns "<code>: <message>", followed by " (target <t>)" when there is a target.
func (e *Error) Error() string {
	s := e.Code + ": " + e.Message
	if e.Target != "" {
		s += " (target " + e.Target + ")"
	}
	return s
}

// Classify turns any error from azcore/armcompute/azidentity (or context / net errors) into
// *Error. nil -> nil; an *Error in err's chain is returned as it is.
//
// (Error.Terminal judges the result: only ARM's answers can be terminal.)
func Classify(err error) *Error {
	if err == nil {
		return nil
	}
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return fromResponseError(re)
	}
	var afe *azidentity.AuthenticationFailedError
	if errors.As(err, &afe) {
		return fromAuthenticationFailed(afe)
	}
	if isCredentialUnavailable(err) {
		return &Error{Code: CodeCredentialUnavailable, Message: truncateMessage(firstLinesOf(err.Error(), 10), maxAuthMessage)}
	}
	return &Error{Code: transportCode(err), Message: err.Error()}
}

// IsNotFound reports whether err is Azure's 404 for the resource itself (code NotFound /
// ResourceNotFound), as opposed to a missing parent.
func IsNotFound(err error) bool {
	e := Classify(err)
	return e != nil && e.HTTPStatus == http.StatusNotFound &&
		(strings.EqualFold(e.Code, "NotFound") || strings.EqualFold(e.Code, "ResourceNotFound"))
}

// IsParentMissing reports whether err is Azure's 404 ResourceGroupNotFound or
// ParentResourceNotFound: the resource group or gallery does not exist.
func IsParentMissing(err error) bool {
	e := Classify(err)
	return e != nil && e.HTTPStatus == http.StatusNotFound &&
		(strings.EqualFold(e.Code, "ResourceGroupNotFound") || strings.EqualFold(e.Code, "ParentResourceNotFound"))
}

// transportCode names an error that carries no HTTP answer.
func transportCode(err error) string {
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		return CodeTimeout
	case errors.Is(err, context.Canceled):
		return CodeCanceled
	case isConnectionError(err):
		return CodeConnectionFailed
	default:
		return CodeRequestFailed
	}
}

// isConnectionError reports a connection that could not be made or broke down.
func isConnectionError(err error) bool {
	for _, errno := range []syscall.Errno{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED,
		syscall.EPIPE, syscall.EHOSTUNREACH, syscall.ENETUNREACH} {
		if errors.Is(err, errno) {
			return true
		}
	}
	var opErr *net.OpError
	var dnsErr *net.DNSError
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.As(err, &opErr) || errors.As(err, &dnsErr)
}

// armError is Azure's error object, ARM's "error" or a flat body.
type armError struct {
	Code    string     `json:"code"`
	Message string     `json:"message"`
	Target  string     `json:"target"`
	Details []armError `json:"details"`
}

// armBody is an error response: {"error":{...}}, an operation status
// {"status":"Failed","error":{...}}, a resource whose provisioningState is Failed, or a flat
// {"code","message"}.
type armBody struct {
	armError
	Status     string          `json:"status"`
	Error      json.RawMessage `json:"error"`
	Properties struct {
		ProvisioningState string `json:"provisioningState"`
	} `json:"properties"`
}

// parseBody extracts Azure's error object and the operation status (Failed, Canceled or "") from
// a response body; anything that is not such JSON yields zero values.
func parseBody(body []byte) (armError, string) {
	var b armBody
	if len(body) == 0 || json.Unmarshal(body, &b) != nil {
		return armError{}, ""
	}
	status := b.Status
	if status == "" {
		status = b.Properties.ProvisioningState
	}
	if !strings.EqualFold(status, "Failed") && !strings.EqualFold(status, "Canceled") {
		status = ""
	}
	var wrapped armError
	if len(b.Error) > 0 && json.Unmarshal(b.Error, &wrapped) == nil && (wrapped.Code != "" || wrapped.Message != "") {
		return wrapped, status
	}
	return b.armError, status
}

// fromResponseError classifies an HTTP answer of Azure.
func fromResponseError(re *azcore.ResponseError) *Error {
	e := &Error{HTTPStatus: re.StatusCode}
	var body armError
	var opStatus string
	if resp := re.RawResponse; resp != nil {
		if b, err := runtime.Payload(resp); err == nil {
			body, opStatus = parseBody(b)
		}
		e.RetryAfter = RetryAfterFromHeader(resp.Header)
		if resp.Request != nil {
			e.Method = resp.Request.Method
		}
	}
	e.Code, e.Message, e.Target = re.ErrorCode, body.Message, body.Target
	if e.Code == "" {
		e.Code = body.Code
	}
	if e.Code == "" && opStatus != "" {
		e.Code = CodeOperationFailed
	}
	if e.Code == "" {
		e.Code = CodeRequestFailed
	}
	if e.Message == "" {
		e.Message = defaultMessage(re.StatusCode, opStatus)
	}
	e.Details = flattenDetails(body.Details, nil)
	return e
}

// missingReference reports a write that Azure refused because a resource its body references
// does not exist (an image version's source, a disk encryption set): 404 NotFound or
// ResourceNotFound to a PUT, PATCH or POST. The resource written is no precondition of its own
// write, and a missing parent has codes of its own (ParentResourceNotFound,
// ResourceGroupNotFound) that stay transient, since the operator may create it later; only the
// user can make a reference right.
func missingReference(method string, status int, code string) bool {
	if status != http.StatusNotFound || !(strings.EqualFold(code, "NotFound") || strings.EqualFold(code, "ResourceNotFound")) {
		return false
	}
	switch method {
	case http.MethodPut, http.MethodPatch, http.MethodPost:
		return true
	}
	return false
}

// defaultMessage describes an answer that carried no message.
func defaultMessage(status int, opStatus string) string {
	if opStatus != "" {
		return "operation " + strings.ToLower(opStatus)
	}
	if status == 0 {
		return "request failed"
	}
	return fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
}

// flattenDetails appends the details and their nested details, depth-first.
func flattenDetails(ds []armError, out []ErrorDetail) []ErrorDetail {
	for _, d := range ds {
		out = append(out, ErrorDetail{Code: d.Code, Message: d.Message, Target: d.Target})
		out = flattenDetails(d.Details, out)
	}
	return out
}

// terminal reports whether only a change by the user can fix an Azure answer with this HTTP
// status (200 for a failed long-running operation), error code and message. In order:
//
//   - 429, 408 and 5xx: transient, whatever the code.
//   - quota errors (a code containing "Quota", or OperationNotAllowed whose message mentions
//     quota): terminal.
//   - throttling, internal-error and another-operation-in-progress codes (AnotherOperationInProgress,
//     ConcurrentOperation..., or OperationNotAllowed/Conflict whose message speaks of an operation in
//     progress): transient.
//   - 400: terminal (InvalidParameter, BadRequest, InvalidRequestContent, ...).
//   - 401 (InvalidAuthenticationToken, ExpiredAuthenticationToken, ...): transient.
//   - 403: terminal for RequestDisallowedByPolicy; transient otherwise (AuthorizationFailed: a role
//     assignment may still arrive).
//   - 404: terminal for SubscriptionNotFound, and for NotFound/ResourceNotFound answering a write
//     (a referenced resource is missing: missingReference); transient otherwise (a missing
//     resource group or gallery may still be created).
//   - 409: terminal for PropertyChangeNotAllowed; transient otherwise. (A kind refines this with
//     a Hint: a duplicate image identifier is terminal, a gallery that still holds images is not.)
//   - any other status, notably a long-running operation that ended Failed: terminal when the code
//     is one of the terminal codes above; transient otherwise.
//   - anything unknown is transient.
func terminal(status int, code, msg string) bool {
	switch {
	case status == http.StatusTooManyRequests, status == http.StatusRequestTimeout, status >= 500:
		return false
	case isQuota(code, msg):
		return true
	case isTransientCode(code, msg):
		return false
	}
	switch status {
	case http.StatusBadRequest:
		return true
	case http.StatusUnauthorized:
		return false
	case http.StatusForbidden:
		return strings.EqualFold(code, "RequestDisallowedByPolicy")
	case http.StatusNotFound:
		return strings.EqualFold(code, "SubscriptionNotFound")
	default: // 409 among them: a conflict is terminal only with a code in terminalCodes
		return isTerminalCode(code)
	}
}

// terminalCodes are codes that only a change by the user can fix, whatever the HTTP status.
var terminalCodes = map[string]bool{
	"invalidparameter": true, "badrequest": true, "invalidrequestcontent": true,
	"invalidrequestformat": true, "invalidresourcename": true, "invalidtemplate": true,
	"linkedinvalidpropertyid": true, "missingrequiredparameter": true,
	"propertychangenotallowed": true, "requestdisallowedbypolicy": true,
	"subscriptionnotfound": true, "invalidsubscriptionid": true,
	// a version whose safety profile blocks its deletion until its end of life (Microsoft's
	// troubleshooting page for shared images quotes the code)
	"deletegalleryimageversionblockedbeforeendoflife": true,
}

// transientCodes are codes of failures that go away by themselves.
var transientCodes = map[string]bool{
	"toomanyrequests": true, "retryableerror": true, "internalservererror": true,
	"internalexecutionerror": true, "internaloperationerror": true, "serviceunavailable": true,
	"gatewaytimeout": true, "requesttimeout": true, "operationpreempted": true,
	"anotheroperationinprogress": true, "operationtimedout": true,
}

// isTerminalCode reports a code in terminalCodes.
func isTerminalCode(code string) bool {
	return terminalCodes[strings.ToLower(code)]
}

// isTransientCode reports throttling, internal errors and operations in progress.
func isTransientCode(code, msg string) bool {
	c := strings.ToLower(code)
	switch {
	case transientCodes[c], strings.Contains(c, "throttl"), strings.HasPrefix(c, "concurrentoperation"):
		return true
	case c == "operationnotallowed", c == "conflict":
		return mentionsOperationInProgress(msg)
	}
	return false
}

// mentionsOperationInProgress reports a message about another operation still running.
func mentionsOperationInProgress(msg string) bool {
	m := strings.ToLower(msg)
	if !strings.Contains(m, "operation") {
		return false
	}
	for _, s := range []string{"in progress", "ongoing", "pending", "currently", "is being", "not yet complete"} {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

// isQuota reports a quota error.
func isQuota(code, msg string) bool {
	c := strings.ToLower(code)
	return strings.Contains(c, "quota") ||
		(c == "operationnotallowed" && strings.Contains(strings.ToLower(msg), "quota"))
}
