package manifests_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/restmapper"

	"github.com/azgallery/gallery-operator/internal/testenv"
)

// warnings collects the API server's warnings (Pod Security, deprecated APIs).
type warnings struct {
	mu   sync.Mutex
	list []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, text)
}

func (w *warnings) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	l := w.list
	w.list = nil
	return l
}

// TestHelmServerSideDryRun renders the chart with its default values and with each ci/ values
// file and applies every object to a real kube-apiserver (internal/testenv) with server-side
// apply in dry-run mode: the API server validates each object against its schema (the CRDs and
// the Deployment included) and the namespace's restricted Pod Security level, which must not
// warn.
func TestHelmServerSideDryRun(t *testing.T) {
	env, cfg, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	warn := &warnings{}
	cfg.WarningHandler = warn
	dyn := dynamic.NewForConfigOrDie(cfg)
	cs := kubernetes.NewForConfigOrDie(cfg)
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(discovery.NewDiscoveryClientForConfigOrDie(cfg)))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// Namespaces are created for real; the release namespace enforces, and warns about, the
	// restricted Pod Security Standard, like config/manager's.
	ensureNamespace := func(name string) {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
			"pod-security.kubernetes.io/enforce": "restricted",
			"pod-security.kubernetes.io/warn":    "restricted",
		}}}
		if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}

	cases := map[string][]string{"default values": nil}
	for _, f := range ciValues(t) {
		cases[f] = []string{"-f", f}
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			out := helmTemplate(t, args...)
			if len(out) == 0 {
				t.Fatal("nothing rendered")
			}
			for _, o := range out {
				if o.Kind == "ServiceMonitor" {
					t.Errorf("%s enables the ServiceMonitor, whose CRD the test API server lacks", name)
					continue
				}
				gvk := schema.FromAPIVersionAndKind(o.APIVersion, o.Kind)
				m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
				if err != nil {
					t.Errorf("%s/%s: %v", o.Kind, o.Name, err)
					continue
				}
				var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
				if m.Scope.Name() == meta.RESTScopeNameNamespace {
					if o.Namespace == "" {
						t.Errorf("%s/%s has no namespace", o.Kind, o.Name)
						continue
					}
					ensureNamespace(o.Namespace)
					ri = dyn.Resource(m.Resource).Namespace(o.Namespace)
				}
				warn.take()
				_, err = ri.Apply(ctx, o.Name, &unstructured.Unstructured{Object: o.Raw}, metav1.ApplyOptions{
					FieldManager: "helm-chart-test", Force: true, DryRun: []string{metav1.DryRunAll}})
				if err != nil {
					t.Errorf("server-side dry-run apply of %s %s/%s: %v", o.APIVersion, o.Kind, o.Name, err)
				}
				if w := warn.take(); len(w) > 0 {
					t.Errorf("%s/%s: API server warnings: %s", o.Kind, o.Name, strings.Join(w, "; "))
				}
			}
			t.Logf("%d objects applied (dry run)", len(out))
		})
	}
}
