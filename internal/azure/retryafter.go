package azure

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// clockNow is the clock used to turn a Retry-After HTTP-date into a duration; tests replace it.
var clockNow = time.Now

// RetryAfterFromHeader reads retry-after-ms, x-ms-retry-after-ms (milliseconds) and Retry-After (seconds or
// an HTTP-date); 0 when none is present, valid and positive. A number of milliseconds or seconds too
// large for a time.Duration is not valid (multiplying it would overflow, even to a negative wait).
func RetryAfterFromHeader(h http.Header) time.Duration {
	for _, name := range []string{"Retry-After-Ms", "X-Ms-Retry-After-Ms"} {
		if ms, err := strconv.ParseInt(strings.TrimSpace(h.Get(name)), 10, 64); err == nil && ms > 0 && ms <= math.MaxInt64/int64(time.Millisecond) {
			return time.Duration(ms) * time.Millisecond
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 || s > math.MaxInt64/int64(time.Second) {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(clockNow()), 0)
	}
	return 0
}
