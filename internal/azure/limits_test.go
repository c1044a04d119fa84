package azure

import (
	"net/http"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// TestBucketSpendsTheBurstThenQueuesInOrder: the burst goes at once, then each waiting object
// gets the next token in turn, once, and comes back exactly when it is due.
func TestBucketSpendsTheBurstThenQueuesInOrder(t *testing.T) {
	b := newBucket("writes", 10, 3)
	for i := range 3 {
		if w := b.admit(key(i), t0); w != 0 {
			t.Fatalf("request %d of the burst waits %s", i, w)
		}
	}
	w3, w4 := b.admit(key(3), t0), b.admit(key(4), t0)
	if w3 != 100*time.Millisecond || w4 != 200*time.Millisecond {
		t.Fatalf("queued waits %s, %s; want 100ms, 200ms (10 per second)", w3, w4)
	}
	if w := b.admit(key(3), t0.Add(50*time.Millisecond)); w != 50*time.Millisecond {
		t.Errorf("coming back early: wait %s, want the rest of its 100ms", w)
	}
	if w := b.admit(key(3), t0.Add(100*time.Millisecond)); w != 0 {
		t.Errorf("coming back when due: wait %s, want 0 (its token is reserved)", w)
	}
	if w := b.admit(key(5), t0.Add(100*time.Millisecond)); w <= 100*time.Millisecond {
		t.Errorf("a newcomer jumped the queue: wait %s", w)
	}
}

// TestBucketFollowsAzure: Azure's remaining count lowers the budget; a 429 stops it until
// Retry-After.
func TestBucketFollowsAzure(t *testing.T) {
	b := newBucket("reads", 25, 250)
	resp := &http.Response{StatusCode: 200, Header: http.Header{"X-Ms-Ratelimit-Remaining-Subscription-Reads": {"5"}}}
	b.observe(resp, t0)
	n := 0
	for b.admit("", t0) == 0 {
		n++
	}
	if n != 5-tokenReserve {
		t.Errorf("after Azure said 5 remain, %d requests went at once; want %d", n, 5-tokenReserve)
	}
	b = newBucket("writes", 10, 200)
	b.observe(&http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"7"}}}, t0)
	if w := b.admit("x", t0.Add(time.Second)); w != 6*time.Second {
		t.Errorf("after a 429 with Retry-After 7, wait %s at +1s; want 6s", w)
	}
}

func key(i int) string { return "GalleryImage ns/" + string(rune('a'+i)) }
