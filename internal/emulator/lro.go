package emulator

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Operation statuses of the ARM async-operation protocol.
const (
	statusInProgress = "InProgress"
	statusSucceeded  = "Succeeded"
	statusFailed     = "Failed"
)

// operation is a long-running operation on one node.
type operation struct {
	id         string
	sub        string
	location   string
	method     string
	target     *node
	isDelete   bool
	start, due time.Time
	end        time.Time
	status     string
	err        *apiError
	failure    *apiError
	failStatus int
	timer      *time.Timer
	// result, when set, is the operation's final result (the share
	// action's SharingUpdate) instead of the target's representation.
	result map[string]any
}

// done reports whether the operation reached a terminal state.
func (op *operation) done() bool { return op.status != statusInProgress }

// failRule is a compiled OperationFailure.
type failRule struct {
	OperationFailure
	re *regexp.Regexp
}

// compileFailRules validates and compiles operation-failure rules.
func compileFailRules(fs []OperationFailure) ([]*failRule, error) {
	out := make([]*failRule, 0, len(fs))
	for i, f := range fs {
		fr := &failRule{OperationFailure: f}
		fr.Method = strings.ToUpper(f.Method)
		if fr.Count == 0 {
			fr.Count = 1
		}
		if f.PathPattern != "" {
			re, err := regexp.Compile("(?i)" + f.PathPattern)
			if err != nil {
				return nil, fmt.Errorf("failOperations[%d].pathPattern: %v", i, err)
			}
			fr.re = re
		}
		out = append(out, fr)
	}
	return out, nil
}

// failureForLocked consumes a matching failure rule, if any.
func (s *Server) failureForLocked(method, path string) *apiError {
	for i, f := range s.failRules {
		if f.Method != "" && f.Method != method {
			continue
		}
		if f.re != nil && !f.re.MatchString(path) {
			continue
		}
		if f.Count > 0 {
			f.Count--
			if f.Count == 0 {
				s.failRules = append(s.failRules[:i:i], s.failRules[i+1:]...)
			}
		}
		code, msg := f.Code, f.Message
		if code == "" {
			code = "InternalExecutionError"
		}
		if msg == "" {
			msg = "An internal execution error occurred. Please retry later."
		}
		return &apiError{status: http.StatusInternalServerError, Code: code, Message: msg}
	}
	return nil
}

// startOpLocked starts a long-running operation on target.
func (s *Server) startOpLocked(ar *armRequest, target *node, isDelete bool) *operation {
	return s.startOpUntilLocked(ar, target, isDelete, time.Time{})
}

// startOpUntilLocked starts a long-running operation on target that lasts
// operationDurationMs, or until notBefore if that is later.
func (s *Server) startOpUntilLocked(ar *armRequest, target *node, isDelete bool, notBefore time.Time) *operation {
	now := time.Now()
	op := &operation{
		id:       newGUID(),
		sub:      ar.rt.sub,
		location: target.location,
		method:   ar.r.Method,
		target:   target,
		isDelete: isDelete,
		start:    now,
		due:      now.Add(duration(s.settings.OperationDurationMs)),
		status:   statusInProgress,
		failure:  s.failureForLocked(ar.r.Method, ar.r.URL.Path),
	}
	if op.location == "" {
		op.location = "westus"
	}
	if op.due.Before(notBefore) {
		op.due = notBefore
	}
	target.op = op
	s.purgeOpsLocked(now)
	s.ops[op.id] = op
	s.armTimerLocked(op, now)
	return op
}

// armTimerLocked schedules op's completion at op.due.
func (s *Server) armTimerLocked(op *operation, now time.Time) {
	op.timer = time.AfterFunc(op.due.Sub(now), func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.settleLocked(op)
		if !op.done() && s.ops[op.id] == op {
			s.armTimerLocked(op, time.Now())
		}
	})
}

// purgeOpsLocked drops finished operations older than an hour once the table
// grows large.
func (s *Server) purgeOpsLocked(now time.Time) {
	if len(s.ops) < 5000 {
		return
	}
	for id, op := range s.ops {
		if op.done() && now.Sub(op.end) > time.Hour {
			delete(s.ops, id)
		}
	}
}

// settleLocked finishes op if it is due (timers may lag slightly).
func (s *Server) settleLocked(op *operation) {
	if op != nil && !op.done() && !time.Now().Before(op.due) {
		s.finishLocked(op)
	}
}

// finishLocked completes op: applies the failure or the success outcome.
func (s *Server) finishLocked(op *operation) {
	if op.done() {
		return
	}
	op.end = time.Now()
	t := op.target
	if t.op == op {
		t.op = nil
	}
	if op.failure != nil {
		op.status, op.err = statusFailed, op.failure
		if t.deleting { // a resource group deletion
			t.deleting = false
			t.state = "Succeeded"
		} else {
			t.state = "Failed"
		}
		return
	}
	op.status = statusSucceeded
	if op.isDelete {
		if t.parent != nil {
			if cur := t.parent.children[t.key()]; cur == t {
				delete(t.parent.children, t.key())
			}
		}
		return
	}
	t.state = "Succeeded"
}

// busyLocked reports whether n has an operation still running.
func (s *Server) busyLocked(n *node) bool {
	s.settleLocked(n.op)
	return n.op != nil && !n.op.done()
}

// conflictBusy is the 409 for a write while an operation is running.
func conflictBusy(n *node, method string) *apiError {
	return errf(http.StatusConflict, "OperationNotAllowed",
		"Operation '%s' is not allowed on %s '%s' because another operation (%s) is still in progress on it. "+
			"Retry after the current operation completes.",
		method, n.typ.label, n.name, n.op.id)
}

// asyncURLs returns the Azure-AsyncOperation and Location URLs of a Compute
// operation.
func asyncURLs(base string, op *operation) (asyncURL, locURL string) {
	p := base + "/subscriptions/" + op.sub + "/providers/Microsoft.Compute/locations/" + op.location +
		"/capsOperations/" + op.id
	return p + "?api-version=2024-03-03", p + "?monitor=true&api-version=2024-03-03"
}

// setRetryAfter writes the configured poll interval headers.
func (s *Server) setRetryAfter(w http.ResponseWriter) {
	s.mu.Lock()
	ms := s.settings.RetryAfterMs
	s.mu.Unlock()
	setRetryAfterMs(w, ms)
}

// setRetryAfterMs writes Retry-After (seconds, rounded up) and, for a
// sub-second remainder, retry-after-ms.
func setRetryAfterMs(w http.ResponseWriter, ms int) {
	if ms < 0 {
		ms = 0
	}
	w.Header().Set("Retry-After", fmt.Sprint((ms+999)/1000))
	if ms%1000 != 0 {
		w.Header().Set("retry-after-ms", fmt.Sprint(ms))
	}
}

// setLROHeadersLocked sets Azure-AsyncOperation, Location and Retry-After
// for a Compute operation. The caller holds s.mu.
func (s *Server) setLROHeadersLocked(ar *armRequest, op *operation) {
	a, l := asyncURLs(ar.base, op)
	ar.w.Header().Set("Azure-AsyncOperation", a)
	ar.w.Header().Set("Location", l)
	setRetryAfterMs(ar.w, s.settings.RetryAfterMs)
}

// setAsyncHeaderLocked sets Azure-AsyncOperation and Retry-After, without
// Location: Azure's gallery, image and image version PUT/PATCH answers carry
// Azure-AsyncOperation alone (recorded by the az CLI and the Python SDK);
// DELETE and the share action add Location (setLROHeadersLocked).
func (s *Server) setAsyncHeaderLocked(ar *armRequest, op *operation) {
	a, _ := asyncURLs(ar.base, op)
	ar.w.Header().Set("Azure-AsyncOperation", a)
	setRetryAfterMs(ar.w, s.settings.RetryAfterMs)
}

// opStatusJSON renders the async operation status resource.
func opStatusJSON(op *operation) map[string]any {
	m := map[string]any{
		"name":      op.id,
		"status":    op.status,
		"startTime": op.start.UTC().Format(time.RFC3339Nano),
	}
	if op.done() {
		m["endTime"] = op.end.UTC().Format(time.RFC3339Nano)
	}
	if op.err != nil {
		m["error"] = map[string]any{"code": op.err.Code, "message": op.err.Message}
	}
	return m
}

// handleOperation serves a Compute operation's Azure-AsyncOperation URL
// (status JSON) and its Location URL (?monitor=true: 202 until done, then
// the final result).
func (s *Server) handleOperation(ar *armRequest) {
	if ar.r.Method != http.MethodGet {
		methodNotAllowed(ar)
		return
	}
	s.mu.Lock()
	op := s.ops[strings.ToLower(ar.rt.opID)]
	if op == nil || !strings.EqualFold(op.sub, ar.rt.sub) {
		s.mu.Unlock()
		writeError(ar.w, errf(http.StatusNotFound, "NotFound", "The operation '%s' was not found.", ar.rt.opID))
		return
	}
	s.settleLocked(op)
	status := opStatusJSON(op)
	done, failed := op.done(), op.err != nil
	var result map[string]any
	switch {
	case done && !failed && op.result != nil:
		result = op.result
	case done && !failed && !op.isDelete && op.target.attached():
		result = s.renderLocked(op.target)
	}
	opErr := op.err
	s.mu.Unlock()
	if ar.r.URL.Query().Get("monitor") != "true" {
		if !done {
			s.setRetryAfter(ar.w)
		}
		writeJSON(ar.w, http.StatusOK, status)
		return
	}
	switch {
	case !done:
		ar.w.Header().Set("Location", ar.base+ar.r.URL.RequestURI())
		s.setRetryAfter(ar.w)
		ar.w.WriteHeader(http.StatusAccepted)
	case failed:
		writeError(ar.w, &apiError{status: opErr.status, Code: opErr.Code, Message: opErr.Message})
	case result != nil:
		writeJSON(ar.w, http.StatusOK, result)
	case op.isDelete:
		ar.w.WriteHeader(http.StatusOK)
	default:
		ar.w.WriteHeader(http.StatusNoContent)
	}
}

// handleGroupOperation serves a resource group deletion's Location URL: 202
// until the deletion finishes, then 200.
func (s *Server) handleGroupOperation(ar *armRequest) {
	if ar.r.Method != http.MethodGet {
		methodNotAllowed(ar)
		return
	}
	s.mu.Lock()
	op := s.ops[strings.ToLower(ar.rt.opID)]
	if op != nil {
		s.settleLocked(op)
	}
	var done bool
	var opErr *apiError
	if op != nil {
		done, opErr = op.done(), op.err
	}
	s.mu.Unlock()
	switch {
	case op == nil || !strings.EqualFold(op.sub, ar.rt.sub):
		writeError(ar.w, errf(http.StatusNotFound, "NotFound", "The operation '%s' was not found.", ar.rt.opID))
	case !done:
		ar.w.Header().Set("Location", ar.base+ar.r.URL.RequestURI())
		s.setRetryAfter(ar.w)
		ar.w.WriteHeader(http.StatusAccepted)
	case opErr != nil:
		writeError(ar.w, &apiError{status: opErr.status, Code: opErr.Code, Message: opErr.Message})
	default:
		ar.w.WriteHeader(http.StatusOK)
	}
}

// groupOperationURL is the Location of a resource group deletion.
func groupOperationURL(base string, op *operation, apiVersion string) string {
	return base + "/subscriptions/" + op.sub + "/operationresults/" + op.id + "?api-version=" + url.QueryEscape(apiVersion)
}
