package emulator

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a running (or ready to run) emulator. All methods are safe for
// concurrent use.
type Server struct {
	cfg        Config
	certs      *certs
	signer     *signer
	principals []Principal
	tenants    map[string]bool // lowercase tenant ids
	subs       map[string]bool // lowercase subscription ids granted to anyone

	ln  net.Listener
	srv *http.Server
	url string

	// mu guards everything below.
	mu        sync.Mutex
	settings  Settings
	failRules []*failRule
	faults    []*faultRule
	requests  []RequestRecord
	roots     map[string]*node // lowercase subscription id → subscription root
	ops       map[string]*operation
	buckets   map[string]*bucket
	windows   map[string]*window
	rng       *rand.Rand
	// requestBodies is the size of the bodies in requests.
	requestBodies int

	tokenCache       sync.Map // access token string → *tokenInfo (verified)
	tokenCacheStores atomic.Int64
	closeOnce        sync.Once
}

// maxRequestLog bounds the request log; older entries are dropped first.
const maxRequestLog = 20000

// New validates cfg, generates the CA, serving certificate and token signing
// key, and listens on cfg.Listen. If cfg.DataDir is set, <DataDir>/ca.crt is
// written before New returns. Call Start to begin serving.
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Settings.validate(); err != nil {
		return nil, err
	}
	principals, err := cfg.principals()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:        cfg,
		principals: principals,
		tenants:    map[string]bool{},
		subs:       map[string]bool{},
		settings:   cfg.Settings,
		roots:      map[string]*node{},
		ops:        map[string]*operation{},
		buckets:    map[string]*bucket{},
		windows:    map[string]*window{},
		rng:        rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x9e3779b97f4a7c15)),
	}
	if s.failRules, err = compileFailRules(cfg.Settings.FailOperations); err != nil {
		return nil, err
	}
	for _, p := range principals {
		s.tenants[strings.ToLower(p.TenantID)] = true
		for _, sub := range p.Subscriptions {
			s.subs[strings.ToLower(sub)] = true
		}
	}
	if s.certs, err = newCerts(); err != nil {
		return nil, err
	}
	if s.signer, err = newSigner(); err != nil {
		return nil, err
	}
	// Listen first (so a busy port does not overwrite the CA of a running
	// emulator), then write the CA; connections are accepted only by Start.
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	if cfg.DataDir != "" {
		if err := writeCA(cfg.DataDir, s.certs.caPEM); err != nil {
			ln.Close()
			return nil, err
		}
	}
	s.ln = ln
	s.url = "https://" + ln.Addr().String()
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		// HTTP/1.1 only: fault injection of kind "reset" hijacks connections.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{s.certs.server},
			MinVersion:   tls.VersionTLS12,
		},
		ErrorLog: nil,
	}
	return s, nil
}

// writeCA atomically writes <dir>/ca.crt.
func writeCA(dir string, pemBytes []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	tmp := filepath.Join(dir, ".ca.crt.tmp")
	if err := os.WriteFile(tmp, pemBytes, 0o644); err != nil {
		return fmt.Errorf("write CA certificate: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "ca.crt")); err != nil {
		return fmt.Errorf("write CA certificate: %w", err)
	}
	return nil
}

// Start serves HTTPS on the listener in the background. It returns once the
// server accepts connections. The server stops when ctx is done or Close is
// called.
func (s *Server) Start(ctx context.Context) error {
	tlsLn := tls.NewListener(s.ln, s.srv.TLSConfig)
	go func() {
		if err := s.srv.Serve(tlsLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logf("serve: %v", err)
		}
	}()
	if ctx != nil && ctx.Done() != nil {
		go func() {
			<-ctx.Done()
			s.Close()
		}()
	}
	return nil
}

// Close stops the server immediately, closing open connections.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		err = s.srv.Close()
	})
	return err
}

// Shutdown stops the server gracefully, waiting for active requests.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.srv.Shutdown(ctx)
}

// URL returns the base URL, e.g. https://127.0.0.1:8443 (no trailing slash).
// Use it as both the Entra authority host and the ARM endpoint.
func (s *Server) URL() string { return s.url }

// Addr returns the listener address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// CACertPEM returns the PEM-encoded CA certificate that signed the serving
// certificate.
func (s *Server) CACertPEM() []byte { return append([]byte(nil), s.certs.caPEM...) }

// CACertPath returns <DataDir>/ca.crt, or "" when no DataDir was configured.
func (s *Server) CACertPath() string {
	if s.cfg.DataDir == "" {
		return ""
	}
	return filepath.Join(s.cfg.DataDir, "ca.crt")
}

// CertPool returns a certificate pool containing only the emulator CA.
func (s *Server) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(s.certs.caPEM)
	return p
}

// HTTPClient returns an *http.Client that trusts the emulator CA. It
// satisfies azcore's policy.Transporter, so it can be used as
// ClientOptions.Transport for azidentity and arm clients.
func (s *Server) HTTPClient() *http.Client {
	return NewHTTPClient(s.certs.caPEM)
}

// NewHTTPClient returns an *http.Client (keep-alive, HTTP/1.1) trusting the
// CA in caPEM, e.g. the contents of <data-dir>/ca.crt of a running emulator.
func NewHTTPClient(caPEM []byte) *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	tr := &http.Transport{
		Proxy:               nil,
		TLSClientConfig:     &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		MaxIdleConns:        100,
		MaxIdleConnsPerHost: 100,
		IdleConnTimeout:     90 * time.Second,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	}
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}

// TenantID returns the default principal's tenant id.
func (s *Server) TenantID() string { return s.cfg.TenantID }

// ClientID returns the default principal's client id.
func (s *Server) ClientID() string { return s.cfg.ClientID }

// ClientSecret returns the default principal's client secret.
func (s *Server) ClientSecret() string { return s.cfg.ClientSecret }

// SubscriptionID returns the default principal's subscription id.
func (s *Server) SubscriptionID() string { return s.cfg.SubscriptionID }

// logf writes to the configured logger, if any.
func (s *Server) logf(format string, args ...any) {
	if s.cfg.Log != nil {
		s.cfg.Log(format, args...)
	}
}

// ServeHTTP dispatches to the control API, Entra ID or ARM.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_emulator/") || r.URL.Path == "/_emulator" {
		s.serveControl(w, r)
		return
	}
	if isARMPath(r.URL.Path) {
		s.serveARM(w, r)
		return
	}
	s.serveEntra(w, r)
}

// isARMPath reports whether p is an ARM path (starts with /subscriptions/).
func isARMPath(p string) bool {
	return len(p) >= 14 && strings.EqualFold(p[:14], "/subscriptions")
}
