package emulator

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Fault is a fault-injection rule applied to Entra and ARM requests (not to
// /_emulator/). A request matches when Method (if set) equals its method and
// PathPattern (if set) matches its path (without query). A matching rule
// first sleeps DelayMs, then either drops the connection (Kind "reset") or,
// when Status is set, answers with an ARM error {"error":{"code","message"}}
// (and Retry-After when RetryAfter > 0). A rule with only DelayMs lets the
// request proceed after the delay.
type Fault struct {
	Method      string `json:"method,omitempty"`
	PathPattern string `json:"pathPattern,omitempty"`
	// Kind is "" / "error" / "delay" (decided by Status and DelayMs) or
	// "reset".
	Kind       string `json:"kind,omitempty"`
	Status     int    `json:"status,omitempty"`
	Code       string `json:"code,omitempty"`
	Message    string `json:"message,omitempty"`
	RetryAfter int    `json:"retryAfter,omitempty"`
	DelayMs    int    `json:"delayMs,omitempty"`
	// Count is how many matching requests the rule applies to; 0 means
	// unlimited. Remaining is reported by GET /_emulator/faults.
	Count int `json:"count,omitempty"`
	// Probability in (0,1] applies the rule to that fraction of matching
	// requests; 0 means always.
	Probability float64 `json:"probability,omitempty"`
	// Matched is how many requests the rule has been applied to (output).
	Matched int `json:"matched,omitempty"`
}

// faultRule is a compiled Fault.
type faultRule struct {
	Fault
	re *regexp.Regexp
}

// compileFaults validates and compiles fault rules.
func compileFaults(fs []Fault) ([]*faultRule, error) {
	out := make([]*faultRule, 0, len(fs))
	for i, f := range fs {
		fr := &faultRule{Fault: f}
		fr.Method = strings.ToUpper(f.Method)
		fr.Matched = 0
		if f.PathPattern != "" {
			re, err := regexp.Compile(f.PathPattern)
			if err != nil {
				return nil, fmt.Errorf("fault %d: pathPattern: %v", i, err)
			}
			fr.re = re
		}
		switch f.Kind {
		case "", "error", "delay", "reset":
		default:
			return nil, fmt.Errorf("fault %d: unknown kind %q (want error, delay or reset)", i, f.Kind)
		}
		if f.Kind != "reset" && f.Status == 0 && f.DelayMs <= 0 {
			return nil, fmt.Errorf("fault %d: needs status, delayMs or kind \"reset\"", i)
		}
		if f.Status != 0 && (f.Status < 100 || f.Status > 599) {
			return nil, fmt.Errorf("fault %d: invalid status %d", i, f.Status)
		}
		if f.Probability < 0 || f.Probability > 1 {
			return nil, fmt.Errorf("fault %d: probability must be within [0,1]", i)
		}
		if f.Count < 0 {
			return nil, fmt.Errorf("fault %d: count must not be negative", i)
		}
		out = append(out, fr)
	}
	return out, nil
}

// SetFaults replaces the fault rules.
func (s *Server) SetFaults(fs []Fault) error {
	rules, err := compileFaults(fs)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.faults = rules
	s.mu.Unlock()
	return nil
}

// Faults returns the active fault rules with their match counts.
func (s *Server) Faults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Fault, 0, len(s.faults))
	for _, f := range s.faults {
		out = append(out, f.Fault)
	}
	return out
}

// pickFault returns a copy of the first rule that applies to r and consumes
// one use of it; exhausted rules are removed.
func (s *Server) pickFault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Method != "" && f.Method != r.Method {
			continue
		}
		if f.re != nil && !f.re.MatchString(r.URL.Path) {
			continue
		}
		if f.Probability > 0 && s.rng.Float64() >= f.Probability {
			continue
		}
		f.Matched++
		cp := f.Fault
		if f.Count > 0 {
			f.Count--
			if f.Count == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return &cp
	}
	return nil
}

// applyFaults applies the first matching fault. It returns true when the
// response has been handled (error written or connection dropped). kind, if
// non-nil, receives the kind of fault applied.
func (s *Server) applyFaults(w http.ResponseWriter, r *http.Request, kind *string) bool {
	f := s.pickFault(r)
	if f == nil {
		return false
	}
	note := func(k string) {
		if kind != nil {
			*kind = k
		}
	}
	if f.DelayMs > 0 {
		note("delay")
		t := time.NewTimer(time.Duration(f.DelayMs) * time.Millisecond)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	if f.Kind == "reset" {
		note("reset")
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
		} else {
			panic(http.ErrAbortHandler)
		}
		return true
	}
	if f.Status == 0 {
		return false
	}
	note("error")
	code, msg := f.Code, f.Message
	if code == "" {
		code = http.StatusText(f.Status)
		code = strings.ReplaceAll(code, " ", "")
	}
	if msg == "" {
		msg = "Injected fault: " + http.StatusText(f.Status) + "."
	}
	e := errf(f.Status, code, "%s", msg)
	e.retryAfter = f.RetryAfter
	writeError(w, e)
	return true
}

// RequestRecord is one ARM request in the log.
type RequestRecord struct {
	Time          time.Time `json:"time"`
	Method        string    `json:"method"`
	Path          string    `json:"path"`
	APIVersion    string    `json:"apiVersion,omitempty"`
	Status        int       `json:"status"`
	ErrorCode     string    `json:"errorCode,omitempty"`
	ClientID      string    `json:"clientId,omitempty"`
	ObjectID      string    `json:"objectId,omitempty"`
	CorrelationID string    `json:"correlationId,omitempty"`
	RequestID     string    `json:"requestId,omitempty"`
	// Fault is "error", "delay" or "reset" when a fault rule applied.
	Fault      string  `json:"fault,omitempty"`
	DurationMs float64 `json:"durationMs"`
	UserAgent  string  `json:"userAgent,omitempty"`
	// Body is the request body of a PUT, PATCH or POST, at most maxRecordedBody bytes of it
	// (BodyTruncated is set when it was longer).
	Body          string `json:"body,omitempty"`
	BodyTruncated bool   `json:"bodyTruncated,omitempty"`
}

// maxRecordedBody bounds the body kept per request log entry, and maxRequestLogBodies the bodies
// of the whole log: when either bound is reached the older half of the log is dropped.
const (
	maxRecordedBody     = 64 << 10
	maxRequestLogBodies = 32 << 20
)

// recordRequest appends to the bounded request log and passes the entry to Config.OnRequest.
func (s *Server) recordRequest(rec RequestRecord) {
	s.mu.Lock()
	if len(s.requests) >= maxRequestLog || s.requestBodies+len(rec.Body) > maxRequestLogBodies {
		s.dropOlderRequests()
	}
	s.requests = append(s.requests, rec)
	s.requestBodies += len(rec.Body)
	s.mu.Unlock()
	if s.cfg.OnRequest != nil {
		s.cfg.OnRequest(rec)
	}
}

// dropOlderRequests keeps the newer half of the request log. s.mu must be held.
func (s *Server) dropOlderRequests() {
	old := len(s.requests)
	n := copy(s.requests, s.requests[old-old/2:])
	clear(s.requests[n:old])
	s.requests = s.requests[:n]
	s.requestBodies = 0
	for _, r := range s.requests {
		s.requestBodies += len(r.Body)
	}
}

// recordBody reads the body of a PUT, PATCH or POST (as the handlers would, up to 4 MiB), puts it
// back for the handler and returns what the request log keeps of it.
func recordBody(r *http.Request) (body string, truncated bool) {
	if r.Body == nil || (r.Method != http.MethodPut && r.Method != http.MethodPatch && r.Method != http.MethodPost) {
		return "", false
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b), errReader{err}))
	if len(b) > maxRecordedBody {
		return string(b[:maxRecordedBody]), true
	}
	return string(b), false
}

// errReader returns err (io.EOF when nil) from every Read.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	return 0, io.EOF
}

// Requests returns a copy of the ARM request log, oldest first.
func (s *Server) Requests() []RequestRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RequestRecord(nil), s.requests...)
}

// ResetRequests clears the ARM request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	s.requests, s.requestBodies = nil, 0
	s.mu.Unlock()
}
