package azure

import (
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"golang.org/x/time/rate"
)

// Limits are the client-side request rates per subscription. They sit below ARM's token buckets
// (reads 250 burst / 25 per s, writes and deletes 200 burst / 10 per s per subscription and
// principal) so that bulk changes queue here instead of setting off 429 storms.
type Limits struct {
	ReadsPerSecond   float64
	ReadBurst        int
	WritesPerSecond  float64
	WriteBurst       int
	DeletesPerSecond float64
	DeleteBurst      int
}

// DefaultLimits are half of ARM's documented per-subscription rates.
var DefaultLimits = Limits{
	ReadsPerSecond: 12, ReadBurst: 50,
	WritesPerSecond: 5, WriteBurst: 20,
	DeletesPerSecond: 5, DeleteBurst: 20,
}

// subscriptionLimiter is a pipeline policy that waits for a token of the request's kind.
type subscriptionLimiter struct {
	reads, writes, deletes *rate.Limiter
}

func newSubscriptionLimiter(l Limits) *subscriptionLimiter {
	return &subscriptionLimiter{
		reads:   rate.NewLimiter(rate.Limit(l.ReadsPerSecond), max(l.ReadBurst, 1)),
		writes:  rate.NewLimiter(rate.Limit(l.WritesPerSecond), max(l.WriteBurst, 1)),
		deletes: rate.NewLimiter(rate.Limit(l.DeletesPerSecond), max(l.DeleteBurst, 1)),
	}
}

// Do waits for the request's bucket (or the request's context to end), then sends it.
func (s *subscriptionLimiter) Do(req *policy.Request) (*http.Response, error) {
	limiter := s.reads
	switch req.Raw().Method {
	case http.MethodPut, http.MethodPatch, http.MethodPost:
		limiter = s.writes
	case http.MethodDelete:
		limiter = s.deletes
	}
	if err := limiter.Wait(req.Raw().Context()); err != nil {
		return nil, err
	}
	return req.Next()
}
