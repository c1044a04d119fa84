package manager

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// fakeAPI answers TokenReviews from tokens (token → user; absent is not authenticated) and
// SubjectAccessReviews from allowed (user → allowed on "get /metrics"), counting the requests.
type fakeAPI struct {
	tokens  map[string]string
	allowed map[string]bool
	fail    error
	calls   int
	lastSAR authorizationv1.SubjectAccessReviewSpec
}

func (f *fakeAPI) clientset() *fake.Clientset {
	cs := fake.NewClientset()
	cs.PrependReactor("create", "tokenreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		f.calls++
		if f.fail != nil {
			return true, nil, f.fail
		}
		tr := a.(k8stesting.CreateAction).GetObject().(*authenticationv1.TokenReview)
		user, ok := f.tokens[tr.Spec.Token]
		tr.Status = authenticationv1.TokenReviewStatus{Authenticated: ok,
			User: authenticationv1.UserInfo{Username: user, Groups: []string{"system:authenticated"}, Extra: map[string]authenticationv1.ExtraValue{"k": {"v"}}}}
		return true, tr, nil
	})
	cs.PrependReactor("create", "subjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		f.calls++
		sar := a.(k8stesting.CreateAction).GetObject().(*authorizationv1.SubjectAccessReview)
		f.lastSAR = sar.Spec
		na := sar.Spec.NonResourceAttributes
		sar.Status.Allowed = na != nil && na.Verb == "get" && na.Path == "/metrics" && f.allowed[sar.Spec.User]
		return true, sar, nil
	})
	return cs
}

func TestMetricsReviewer(t *testing.T) {
	api := &fakeAPI{tokens: map[string]string{"reader-token": "reader", "stranger-token": "stranger"}, allowed: map[string]bool{"reader": true}}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	rv := &reviewer{client: api.clientset(), ttl: time.Minute, now: func() time.Time { return now }, cache: map[[32]byte]review{}}
	req := func(method, path, auth string) *http.Request {
		r := httptest.NewRequest(method, path, nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		return r
	}
	for _, tc := range []struct {
		name      string
		r         *http.Request
		want      int
		wantCalls int // API requests this check makes
	}{
		{"no header", req("GET", "/metrics", ""), 401, 0},
		{"not a bearer token", req("GET", "/metrics", "Basic dXNlcjpwYXNz"), 401, 0},
		{"empty bearer token", req("GET", "/metrics", "Bearer "), 401, 0},
		{"token the API server rejects", req("GET", "/metrics", "Bearer forged"), 401, 1},
		{"user without the permission", req("GET", "/metrics", "Bearer stranger-token"), 403, 2},
		{"user with the permission", req("GET", "/metrics", "Bearer reader-token"), 200, 2},
		{"same token again: the review is reused", req("GET", "/metrics", "bearer reader-token"), 200, 0},
		{"same token, other path: reviewed again", req("GET", "/debug", "Bearer reader-token"), 403, 2},
		{"denial is reused too", req("GET", "/metrics", "Bearer stranger-token"), 403, 0},
	} {
		before := api.calls
		code, err := rv.check(tc.r)
		if err != nil || code != tc.want || api.calls-before != tc.wantCalls {
			t.Errorf("%s: %d (err %v) after %d API requests, want %d after %d", tc.name, code, err, api.calls-before, tc.want, tc.wantCalls)
		}
	}
	if s := api.lastSAR; s.User != "reader" || len(s.Groups) != 1 || s.Extra["k"][0] != "v" {
		t.Errorf("the SubjectAccessReview did not carry the token's user, groups and extra: %+v", s)
	}

	// After the TTL the token is reviewed again (a revoked binding takes effect).
	now = now.Add(time.Minute)
	api.allowed["reader"] = false
	if code, _ := rv.check(req("GET", "/metrics", "Bearer reader-token")); code != 403 {
		t.Errorf("after the TTL with the permission revoked: %d, want 403", code)
	}
	if len(rv.cache) != 1 {
		t.Errorf("expired reviews are not dropped: %d cached, want 1", len(rv.cache))
	}

	// An API server that cannot answer gives 500 and is asked again next time.
	api.fail = errors.New("connection refused")
	now = now.Add(time.Minute)
	for i := 0; i < 2; i++ {
		before := api.calls
		if code, err := rv.check(req("GET", "/metrics", "Bearer reader-token")); code != 500 || err == nil || api.calls-before != 1 {
			t.Errorf("API server down, attempt %d: %d (err %v) after %d requests, want 500 with an error after 1", i, code, err, api.calls-before)
		}
	}
}
