package azure

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/azgallery/gallery-operator/internal/metrics"
)

// Limits are the request budgets of one subscription and principal, mirroring ARM's token
// buckets: reads 250 burst refilled at 25 per second, writes and deletes 200 burst refilled at
// 10 per second. The budget follows Azure's own accounting: every answer's
// x-ms-ratelimit-remaining-subscription-{reads,writes,deletes} lowers the local count when Azure
// says fewer tokens remain (another client of the principal spent them), and a 429's Retry-After
// stops the bucket until then.
type Limits struct {
	ReadsPerSecond   float64
	ReadBurst        int
	WritesPerSecond  float64
	WriteBurst       int
	DeletesPerSecond float64
	DeleteBurst      int
}

// DefaultLimits are ARM's documented per-subscription, per-principal buckets.
var DefaultLimits = Limits{
	ReadsPerSecond: 25, ReadBurst: 250,
	WritesPerSecond: 10, WriteBurst: 200,
	DeletesPerSecond: 10, DeleteBurst: 200,
}

// Tuning of the budget: tokens kept in reserve below what Azure reports (for other clients of
// the principal), and the longest wait a request may spend inside a worker; a longer one is
// handed back to the work queue as a ThrottledError.
const (
	tokenReserve  = 2
	maxInlineWait = 250 * time.Millisecond
	ticketExpiry  = time.Minute
)

// ThrottledError is a request that was not sent because the subscription's budget has no token
// for it yet. It is not a failure: the object comes back after RetryAfter, when a token is
// reserved for it.
type ThrottledError struct {
	Bucket     string
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("waiting %s for an ARM %s token of the subscription", e.RetryAfter.Round(time.Millisecond), e.Bucket)
}

// subscriptionLimiter is a pipeline policy with a bucket per kind of request.
type subscriptionLimiter struct {
	reads, writes, deletes *bucket
	now                    func() time.Time
}

// newSubscriptionLimiter is the budget of a principal (clientID, "" for a system-assigned managed
// identity) in a subscription, its tokens shown in the budget gauge.
func newSubscriptionLimiter(l Limits, clientID, subscription string) *subscriptionLimiter {
	s := &subscriptionLimiter{
		reads:   newBucket("reads", l.ReadsPerSecond, l.ReadBurst),
		writes:  newBucket("writes", l.WritesPerSecond, l.WriteBurst),
		deletes: newBucket("deletes", l.DeletesPerSecond, l.DeleteBurst),
		now:     time.Now,
	}
	for _, b := range []*bucket{s.reads, s.writes, s.deletes} {
		b.gauge = metrics.BudgetTokens.WithLabelValues(subscription, clientID, b.name)
		b.gauge.Set(b.tokens)
	}
	return s
}

// bucketFor is the bucket of a request's method, as ARM counts them.
func (s *subscriptionLimiter) bucketFor(method string) *bucket {
	switch method {
	case http.MethodPut, http.MethodPatch, http.MethodPost:
		return s.writes
	case http.MethodDelete:
		return s.deletes
	}
	return s.reads
}

// Do admits the request (waiting briefly, or handing the wait back as a ThrottledError), sends
// it, and feeds Azure's answer back into the bucket.
func (s *subscriptionLimiter) Do(req *policy.Request) (*http.Response, error) {
	raw := req.Raw()
	b := s.bucketFor(raw.Method)
	key := objectOf(raw.Context())
	for {
		wait := b.admit(key, s.now())
		if wait == 0 {
			break
		}
		if wait > maxInlineWait && key != "" {
			return nil, &ThrottledError{Bucket: b.name, RetryAfter: wait}
		}
		if err := sleep(raw.Context(), min(wait, maxInlineWait)); err != nil {
			return nil, err
		}
	}
	resp, err := req.Next()
	if resp != nil {
		b.observe(resp, s.now())
	}
	return resp, err
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// bucket is one token bucket. Tokens may go below zero: a request that finds none reserves the
// next one (a ticket for its object) and is told when it is due, so that requests waiting
// outside the worker are served in order and no token is spent twice.
type bucket struct {
	name  string
	rate  float64
	burst float64

	gauge prometheus.Gauge // the tokens, after each request; nil in tests

	mu           sync.Mutex
	tokens       float64
	last         time.Time
	blockedUntil time.Time
	tickets      map[string]time.Time // object key → when its reserved token is due
}

func newBucket(name string, rate float64, burst int) *bucket {
	return &bucket{name: name, rate: max(rate, 0.01), burst: float64(max(burst, 1)), tokens: float64(max(burst, 1)),
		tickets: map[string]time.Time{}}
}

// admit returns 0 when the request may go now (its token taken), otherwise how long it must
// wait. A request of an object that waits holds a ticket: its token is already reserved.
func (b *bucket) admit(key string, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	defer b.report()
	b.refill(now)
	if now.Before(b.blockedUntil) {
		return b.blockedUntil.Sub(now) // Azure's Retry-After always wins
	}
	if due, ok := b.tickets[key]; ok && key != "" {
		if !now.Before(due) {
			delete(b.tickets, key)
			return 0
		}
		return due.Sub(now)
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	b.tokens-- // reserve the next token
	due := now.Add(time.Duration(-b.tokens / b.rate * float64(time.Second)))
	if key != "" {
		b.sweep(now)
		b.tickets[key] = due
	}
	return due.Sub(now)
}

// report shows the tokens in the gauge.
func (b *bucket) report() {
	if b.gauge != nil {
		b.gauge.Set(b.tokens)
	}
}

// refill adds the tokens earned since the last call.
func (b *bucket) refill(now time.Time) {
	if !b.last.IsZero() {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
}

// sweep drops tickets of objects that never came back, returning their tokens.
func (b *bucket) sweep(now time.Time) {
	if len(b.tickets) < 64 {
		return
	}
	for k, due := range b.tickets {
		if now.Sub(due) > ticketExpiry {
			delete(b.tickets, k)
			b.tokens = min(b.burst, b.tokens+1)
		}
	}
}

// observe lowers the tokens to what Azure says remains (less a reserve), and stops the bucket
// until Retry-After after a 429.
func (b *bucket) observe(resp *http.Response, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	defer b.report()
	if v := resp.Header.Get("x-ms-ratelimit-remaining-subscription-" + b.name); v != "" {
		if remaining, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			b.tokens = min(b.tokens, float64(remaining-tokenReserve))
		}
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		wait := RetryAfterFromHeader(resp.Header)
		if wait <= 0 {
			wait = time.Duration(float64(time.Second) / b.rate)
		}
		b.blockedUntil = now.Add(wait)
		b.tokens = min(b.tokens, 0)
	}
}
