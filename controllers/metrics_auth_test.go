package controllers_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/yaml"

	"github.com/azgallery/gallery-operator/internal/manager"
	"github.com/azgallery/gallery-operator/internal/testenv"
)

// TestSecureMetricsNeedAuthorisedToken runs a manager with the metrics endpoint as main.go builds
// it by default (manager.MetricsOptions, secure) and scrapes it: without a token the answer is
// 401 (a token that is no token is refused too), with the token of a ServiceAccount not bound to config/rbac's metrics-reader ClusterRole
// 403, and with one bound to it 200 with the metrics. Plain HTTP is refused by the TLS endpoint.
func TestSecureMetricsNeedAuthorisedToken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	mgr, err := ctrl.NewManager(restConfig, ctrl.Options{Scheme: scheme, HealthProbeBindAddress: "0",
		Metrics: manager.MetricsOptions(addr, true, "")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	// metrics-reader as shipped (renamed for the test), bound to one of two ServiceAccounts.
	reader := &rbacv1.ClusterRole{}
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "rbac", "metrics_reader_role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, reader); err != nil {
		t.Fatal(err)
	}
	ns := newNamespace(t)
	reader.Name = "metrics-reader-" + ns
	if err := k8s.Create(ctx, reader); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), reader) })
	cs := kubernetes.NewForConfigOrDie(restConfig)
	token := func(name string) string {
		t.Helper()
		if err := k8s.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}); err != nil {
			t.Fatal(err)
		}
		tr, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, &authenticationv1.TokenRequest{
			Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: func() *int64 { s := int64(600); return &s }()}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("token of %s: %v", name, err)
		}
		return tr.Status.Token
	}
	prometheus, stranger := token("prometheus"), token("stranger")
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: reader.Name},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: reader.Name},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "prometheus", Namespace: ns}}}
	if err := k8s.Create(ctx, binding); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), binding) })

	httpc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // the self-signed serving certificate
	scrape := func(scheme, bearer string) (int, string, error) {
		req, _ := http.NewRequest(http.MethodGet, scheme+"://"+addr+"/metrics", nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := httpc.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), nil
	}
	eventually(t, readyTimeout, "the metrics endpoint serving", func() (bool, string) {
		code, _, err := scrape("https", "")
		return err == nil, fmt.Sprint(code, err)
	})
	if code, body, _ := scrape("https", ""); code != http.StatusUnauthorized {
		t.Errorf("scrape without a token: %d, want 401 (%s)", code, body)
	}
	// (controller-runtime's filter answers a token the API server cannot review with 500.)
	if code, body, _ := scrape("https", "not-a-token"); code == http.StatusOK {
		t.Errorf("scrape with a bad token: %d, want a refusal (%s)", code, body)
	}
	if code, body, _ := scrape("https", stranger); code != http.StatusForbidden {
		t.Errorf("scrape by a ServiceAccount without metrics-reader: %d, want 403 (%s)", code, body)
	}
	var code int
	var body string
	eventually(t, readyTimeout, "an authorised scrape", func() (bool, string) {
		code, body, err = scrape("https", prometheus)
		return code == http.StatusOK, fmt.Sprint(code, err)
	})
	if !strings.Contains(body, "controller_runtime_") {
		t.Errorf("authorised scrape lacks the metrics: %.300s", body)
	}
	if code, _, err := scrape("http", ""); err == nil && code == http.StatusOK {
		t.Error("the secure endpoint answered plain HTTP with metrics")
	}
}
