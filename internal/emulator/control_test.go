package emulator_test

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/azgallery/gallery-operator/internal/emulator"
	"github.com/azgallery/gallery-operator/internal/emulator/emulatortest"
)

func TestResponseHeaders(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	e.setupGallery(ctx, "rg", "gal")
	r := e.do("GET", q(e.galPath("rg", "gal"), computeAPI), nil, "x-ms-correlation-request-id", "my-correlation")
	mustStatus(t, r, 200)
	if r.header.Get("x-ms-correlation-request-id") != "my-correlation" || r.header.Get("x-ms-request-id") == "" {
		t.Errorf("ids: %v", r.header)
	}
	if r.header.Get("x-ms-ratelimit-remaining-subscription-reads") == "" ||
		!strings.HasPrefix(r.header.Get("x-ms-ratelimit-remaining-resource"), "Microsoft.Compute/GetGallery3Min;") {
		t.Errorf("rate headers: %v", r.header)
	}
	w := e.do("PUT", q(e.imgPath("rg", "gal", "img"), computeAPI), imgBody("westus", nil))
	if w.header.Get("x-ms-ratelimit-remaining-subscription-writes") == "" || w.header.Get("x-ms-correlation-request-id") == "" ||
		!strings.Contains(w.header.Get("x-ms-ratelimit-remaining-resource"), "CreateUpdateGalleryImage30Min;") {
		t.Errorf("write headers: %v", w.header)
	}
	e.waitIdle(e.imgPath("rg", "gal", "img"))
	d := e.do("DELETE", q(e.imgPath("rg", "gal", "img"), computeAPI), nil)
	if d.header.Get("x-ms-ratelimit-remaining-subscription-deletes") == "" {
		t.Errorf("delete headers: %v", d.header)
	}
	// Error responses carry them too.
	x := e.do("GET", q(e.rgPath("missing"), groupsAPI), nil)
	if x.header.Get("x-ms-request-id") == "" || x.header.Get("x-ms-ratelimit-remaining-subscription-reads") == "" {
		t.Errorf("error headers: %v", x.header)
	}
}

func TestThrottling(t *testing.T) {
	// The buckets refill one token in 100 s: slow enough that no token comes back between the
	// requests below, however slow the machine.
	e := newEnv(t, func(c *emulator.Config) {
		c.Settings.Throttle = emulator.ThrottleLimits{ReadBurst: 3, ReadPerSecond: 0.01, WriteBurst: 1, WritePerSecond: 0.01}
	})
	path := q(e.rgPath("rg"), groupsAPI)
	e.bearer() // the token request is not an ARM read
	start := time.Now()
	for i := 2; i >= 0; i-- {
		r := e.do("GET", path, nil)
		if got := r.header.Get("x-ms-ratelimit-remaining-subscription-reads"); got != strconv.Itoa(i) {
			t.Errorf("remaining reads = %s, want %d", got, i)
		}
	}
	r := e.do("GET", path, nil)
	mustError(t, r, 429, "SubscriptionRequestsThrottled")
	// Retry-After is the time until a token is back: 100 s less the refill since the first read.
	if ra, _ := strconv.Atoi(r.header.Get("Retry-After")); ra < 100-int(math.Ceil(time.Since(start).Seconds())) || ra > 100 {
		t.Errorf("Retry-After = %q", r.header.Get("Retry-After"))
	}
	if !strings.Contains(r.errField("message"), "Number of 'read' requests for subscription") {
		t.Errorf("message = %q", r.errField("message"))
	}
	// Writes have their own bucket.
	mustStatus(t, e.do("PUT", path, map[string]any{"location": "westus"}), 201)
	mustError(t, e.do("PUT", path, map[string]any{"location": "westus"}), 429, "SubscriptionRequestsThrottled")
	// Limits are changeable at run time.
	if _, err := e.Control.PatchConfig(testCtx(t), map[string]any{"throttle": map[string]any{"readBurst": 100, "readPerSecond": 100}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	mustStatus(t, e.do("GET", path, nil), 200)
}

func TestFaults(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	path := q(e.rgPath("rg"), groupsAPI)
	mustStatus(t, e.do("PUT", path, map[string]any{"location": "westus"}), 201)

	err := e.Control.SetFaults(ctx, []emulator.Fault{
		{Method: "GET", PathPattern: "(?i)/resourcegroups/rg$", Status: 503, Code: "ServiceUnavailable", RetryAfter: 7, Count: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := e.do("GET", path, nil)
	mustError(t, r, 503, "ServiceUnavailable")
	if r.header.Get("Retry-After") != "7" {
		t.Errorf("Retry-After = %q", r.header.Get("Retry-After"))
	}
	mustStatus(t, e.do("GET", path, nil), 200) // count exhausted

	// The SDK's retry policy rides over a transient fault.
	if err := e.Control.SetFaults(ctx, []emulator.Fault{{Method: "GET", Status: 500, Count: 1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.groups.Get(ctx, "rg", nil); err != nil {
		t.Fatalf("SDK did not retry: %v", err)
	}

	// reset drops the connection.
	if err := e.Control.SetFaults(ctx, []emulator.Fault{{Kind: "reset", PathPattern: "/resourceGroups/rg", Count: 1}}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", e.Server.URL()+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.bearer())
	// A fresh connection: net/http transparently retries idempotent requests
	// whose reused keep-alive connection was dropped.
	fresh := emulator.NewHTTPClient(e.Server.CACertPEM())
	if res, err := fresh.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("reset fault: got %s, want a connection error", res.Status)
	}

	// delay slows the request down but lets it through.
	if err := e.Control.SetFaults(ctx, []emulator.Fault{{DelayMs: 150, Count: 1}}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	mustStatus(t, e.do("GET", path, nil), 200)
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("delay fault took %v", d)
	}

	// probability applies to a fraction of requests.
	if err := e.Control.SetFaults(ctx, []emulator.Fault{{Status: 409, Code: "Flaky", Probability: 0.5}}); err != nil {
		t.Fatal(err)
	}
	hits := 0
	for i := 0; i < 40; i++ {
		if e.do("GET", path, nil).status == 409 {
			hits++
		}
	}
	if hits == 0 || hits == 40 {
		t.Errorf("probability 0.5 hit %d of 40", hits)
	}
	if err := e.Control.ClearFaults(ctx); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, e.do("GET", path, nil), 200)
	if err := e.Control.SetFaults(ctx, []emulator.Fault{{PathPattern: "("}}); err == nil {
		t.Error("invalid fault accepted")
	}

	// Faults also apply to Entra.
	if err := e.Control.SetFaults(ctx, []emulator.Fault{{PathPattern: "/oauth2/v2.0/token$", Status: 400, Count: 1}}); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {emulator.DefaultClientID},
		"client_secret": {emulator.DefaultClientSecret}, "scope": {armScope[0]}}
	if status, _ := postToken(t, e, emulator.DefaultTenantID, form); status != 400 {
		t.Errorf("token with fault = %d, want 400", status)
	}
	if status, _ := postToken(t, e, emulator.DefaultTenantID, form); status != 200 {
		t.Errorf("token after fault = %d, want 200", status)
	}
}

func TestRequestLogAndControl(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	if err := e.Control.ResetRequests(ctx); err != nil {
		t.Fatal(err)
	}
	e.do("PUT", q(e.rgPath("rg"), groupsAPI), map[string]any{"location": "westus"}, "x-ms-correlation-request-id", "corr-1")
	e.do("GET", q(e.imgPath("rg", "g", "i"), computeAPI), nil)
	recs, err := e.Control.Requests(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("got %d records: %+v", len(recs), recs)
	}
	r0, r1 := recs[0], recs[1]
	if r0.Method != "PUT" || r0.Path != e.rgPath("rg") || r0.Status != 201 || r0.APIVersion != groupsAPI ||
		r0.CorrelationID != "corr-1" || r0.ClientID != emulator.DefaultClientID || r0.Time.IsZero() ||
		r0.Body != `{"location":"westus"}` || r0.UserAgent == "" {
		t.Errorf("record 0 = %+v", r0)
	}
	if r1.Status != 404 || r1.ErrorCode != "ParentResourceNotFound" || strings.Contains(r1.Path, "?") || r1.Body != "" {
		t.Errorf("record 1 = %+v", r1)
	}
	if err := e.Control.ResetRequests(ctx); err != nil {
		t.Fatal(err)
	}
	if recs, _ := e.Control.Requests(ctx); len(recs) != 0 {
		t.Errorf("log not reset: %d", len(recs))
	}

	cfg, err := e.Control.PatchConfig(ctx, map[string]any{"operationDurationMs": 1234, "pageSize": 7})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OperationDurationMs != 1234 || cfg.PageSize != 7 || cfg.ImageQuota != 1000 || cfg.Throttle.ReadBurst != 250 {
		t.Errorf("config = %+v", cfg)
	}
	if _, err := e.Control.PatchConfig(ctx, map[string]any{"noSuchKnob": 1}); err == nil {
		t.Error("unknown config key accepted")
	}
	st, err := e.Control.State(ctx)
	if err != nil || len(st) != 1 || st[0]["type"] != "Microsoft.Resources/resourceGroups" {
		t.Errorf("state = %v %v", st, err)
	}
	if err := e.Control.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.Control.State(ctx); len(st) != 0 {
		t.Errorf("state after reset = %v", st)
	}
}

func TestDataDirAndBinaryDefaults(t *testing.T) {
	dir := t.TempDir()
	srv, err := emulator.New(emulator.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if srv.CACertPath() != dir+"/ca.crt" {
		t.Errorf("CA path = %s", srv.CACertPath())
	}
	if !strings.HasPrefix(srv.URL(), "https://127.0.0.1:") {
		t.Errorf("URL = %s", srv.URL())
	}
	if srv.TenantID() != emulator.DefaultTenantID || srv.SubscriptionID() != emulator.DefaultSubscriptionID {
		t.Error("defaults not applied")
	}
}

func TestSecretRotation(t *testing.T) {
	env := emulatortest.Start(t)
	ctx := testCtx(t)
	token := func(secret string) int {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {env.Server.ClientID()},
			"client_secret": {secret}, "scope": {"https://management.azure.com/.default"}}
		resp, err := env.HTTPClient.PostForm(env.Server.URL()+"/"+env.Server.TenantID()+"/oauth2/v2.0/token", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	old := env.Server.ClientSecret()
	if got := token(old); got != http.StatusOK {
		t.Fatalf("old secret before rotation: %d", got)
	}
	if err := env.Control.SetClientSecret(ctx, emulator.SecretChange{ClientID: env.Server.ClientID(), ClientSecret: "rotated"}); err != nil {
		t.Fatal(err)
	}
	if got := token(old); got != http.StatusUnauthorized {
		t.Errorf("old secret after rotation: %d, want 401", got)
	}
	if got := token("rotated"); got != http.StatusOK {
		t.Errorf("new secret: %d, want 200", got)
	}
	if err := env.Control.SetClientSecret(ctx, emulator.SecretChange{ClientID: "unknown", ClientSecret: "x"}); err == nil {
		t.Error("unknown principal accepted")
	}
}

// TestRequestLogBodies: the log keeps the bodies of writes, at most 64 KiB of each, and passes
// every entry to Config.OnRequest, also after the log is cleared.
func TestRequestLogBodies(t *testing.T) {
	var mu sync.Mutex
	var seen []emulator.RequestRecord
	e := newEnv(t, func(c *emulator.Config) {
		c.OnRequest = func(r emulator.RequestRecord) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, r)
		}
	})
	ctx := testCtx(t)
	long := strings.Repeat("x", 70<<10)
	mustStatus(t, e.do("PUT", q(e.rgPath("rg"), groupsAPI), map[string]any{"location": "westus"}), 201)
	e.do("PUT", q(e.rgPath("rg"), groupsAPI), map[string]any{"location": "westus", "tags": map[string]any{"t": long}})
	e.Server.ResetRequests()
	r := e.do("PATCH", q(e.rgPath("rg"), groupsAPI), map[string]any{"tags": map[string]any{"a": "b"}})
	mustStatus(t, r, 200)
	recs, err := e.Control.Requests(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Body != `{"tags":{"a":"b"}}` || recs[0].BodyTruncated {
		t.Fatalf("log = %+v", recs)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 3 || !seen[1].BodyTruncated || len(seen[1].Body) != 64<<10 || seen[2].Body != recs[0].Body {
		t.Fatalf("OnRequest saw %d entries: %+v", len(seen), seen)
	}
}
