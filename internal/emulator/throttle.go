package emulator

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"
)

// bucket is a token bucket.
type bucket struct {
	tokens float64
	last   time.Time
}

// take refills the bucket and consumes one token. It returns whether a
// token was available, the whole tokens left, and the seconds until one is.
func (b *bucket) take(now time.Time, burst, rate float64) (ok bool, remaining int, retryAfter int) {
	if b.last.IsZero() {
		b.tokens = burst
	} else {
		b.tokens = math.Min(burst, b.tokens+now.Sub(b.last).Seconds()*rate)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, int(b.tokens), 0
	}
	wait := int(math.Ceil((1 - b.tokens) / rate))
	if wait < 1 {
		wait = 1
	}
	return false, 0, wait
}

// window is a fixed-window request counter used for Compute's
// x-ms-ratelimit-remaining-resource header.
type window struct {
	start time.Time
	count int
}

// bucketKind returns the ARM throttling bucket of an HTTP method.
func bucketKind(method string) string {
	switch method {
	case http.MethodPut, http.MethodPatch, http.MethodPost:
		return "writes"
	case http.MethodDelete:
		return "deletes"
	}
	return "reads"
}

// presetRateHeader sets x-ms-ratelimit-remaining-subscription-* to the
// bucket size, so that responses failing before throttling (faults, 401,
// 400, 403) carry it too; throttle overwrites it with the real value.
func (s *Server) presetRateHeader(w http.ResponseWriter, method string) {
	kind := bucketKind(method)
	s.mu.Lock()
	lim := s.settings.Throttle
	s.mu.Unlock()
	burst := lim.ReadBurst
	switch kind {
	case "writes":
		burst = lim.WriteBurst
	case "deletes":
		burst = lim.DeleteBurst
	}
	w.Header().Set("x-ms-ratelimit-remaining-subscription-"+kind, fmt.Sprint(int(burst)))
}

// throttle applies ARM's subscription-level token buckets and sets the
// x-ms-ratelimit-remaining-* headers.
func (s *Server) throttle(ar *armRequest) *apiError {
	kind, verb := "reads", "read"
	switch ar.r.Method {
	case http.MethodPut, http.MethodPatch, http.MethodPost:
		kind, verb = "writes", "write"
	case http.MethodDelete:
		kind, verb = "deletes", "delete"
	}
	now := time.Now()
	s.mu.Lock()
	lim := s.settings.Throttle
	burst, rate := lim.ReadBurst, lim.ReadPerSecond
	switch kind {
	case "writes":
		burst, rate = lim.WriteBurst, lim.WritePerSecond
	case "deletes":
		burst, rate = lim.DeleteBurst, lim.DeletePerSecond
	}
	key := strings.ToLower(ar.rt.sub) + "|" + ar.principal.ObjectID + "|" + kind
	b := s.buckets[key]
	if b == nil {
		b = &bucket{}
		s.buckets[key] = b
	}
	ok, remaining, retry := b.take(now, burst, rate)
	resource := ""
	if ok && ar.rt.typ.isCompute() {
		resource = s.computeRemainingLocked(ar, now)
	}
	s.mu.Unlock()
	ar.w.Header().Set("x-ms-ratelimit-remaining-subscription-"+kind, fmt.Sprint(remaining))
	ar.w.Header().Set("x-ms-ratelimit-remaining-tenant-"+kind, fmt.Sprint(remaining))
	if resource != "" {
		ar.w.Header().Set("x-ms-ratelimit-remaining-resource", resource)
	}
	if ok {
		return nil
	}
	e := errf(http.StatusTooManyRequests, "SubscriptionRequestsThrottled",
		"Number of '%s' requests for subscription '%s' actor '%s' exceeded. Please try again after '%d' seconds "+
			"after additional tokens are available. Refer to https://aka.ms/arm-throttling",
		verb, ar.rt.sub, ar.principal.ObjectID, retry)
	e.retryAfter = retry
	return e
}

// computeRemainingLocked counts the request against Compute's per-operation
// windows and returns the x-ms-ratelimit-remaining-resource value.
func (s *Server) computeRemainingLocked(ar *armRequest, now time.Time) string {
	noun := ar.rt.noun()
	verb, short, long := "Get", 1000, 10000
	switch ar.r.Method {
	case http.MethodPut, http.MethodPatch, http.MethodPost:
		verb, short, long = "CreateUpdate", 150, 1200
	case http.MethodDelete:
		verb, short, long = "Delete", 150, 1200
	}
	name := "Microsoft.Compute/" + verb + noun
	var parts []string
	for _, w := range []struct {
		suffix string
		d      time.Duration
		limit  int
	}{{"3Min", 3 * time.Minute, short}, {"30Min", 30 * time.Minute, long}} {
		key := strings.ToLower(ar.rt.sub) + "|" + ar.principal.ObjectID + "|" + name + w.suffix
		win := s.windows[key]
		if win == nil || now.Sub(win.start) >= w.d {
			win = &window{start: now}
			s.windows[key] = win
		}
		win.count++
		parts = append(parts, fmt.Sprintf("%s%s;%d", name, w.suffix, max(0, w.limit-win.count)))
	}
	return strings.Join(parts, ",")
}
