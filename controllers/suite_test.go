package controllers_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/controllers"
	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/manager"
	"github.com/azgallery/gallery-operator/internal/reconcile"
	"github.com/azgallery/gallery-operator/internal/testenv"
)

// The suites run the reconciler in a manager against a real kube-apiserver and the Azure
// emulator, through the real azidentity and armcompute clients; they assert what reaches Azure
// from the emulator's request log.

var (
	restConfig *rest.Config
	k8s        client.Client
	scheme     = runtime.NewScheme()
	azureEnv   *emulatorEnv
	managerLog = &syncBuffer{}
)

const (
	group    = "rg-suite"
	gallery  = "suite_gallery"
	location = "westeurope"
	// syncPeriod is short so that resync and drift detection happen within a test.
	syncPeriod = 3 * time.Second
)

func TestMain(m *testing.M) {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))
	ctrl.SetLogger(zap.New(zap.WriteTo(managerLog), zap.UseDevMode(true), zap.Level(zapcore.DebugLevel)))
	code, err := runSuite(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(contract.report(code))
}

func runSuite(m *testing.M) (int, error) {
	env, cfg, err := testenv.Start()
	if err != nil {
		return 0, err
	}
	defer env.Stop()
	restConfig = cfg
	if k8s, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		return 0, err
	}
	if azureEnv, err = startEmulator(); err != nil {
		return 0, err
	}
	defer azureEnv.Close()
	if err := azureEnv.createGallery(group, gallery); err != nil {
		return 0, err
	}
	return m.Run(), nil
}

// runningManager is a manager with every kind's reconciler, stoppable like a restart.
type runningManager struct {
	cancel context.CancelFunc
	done   chan error
}

// startManager starts a manager whose Azure clients point at the emulator.
func startManager(t *testing.T, mutate ...func(*reconcile.Options)) *runningManager {
	t.Helper()
	return startShardManager(t, "", mutate...)
}

// startShardManager starts a manager of the objects the label selector matches ("" for all).
func startShardManager(t *testing.T, selector string, mutate ...func(*reconcile.Options)) *runningManager {
	t.Helper()
	cacheOpts, err := manager.CacheOptions("", selector)
	if err != nil {
		t.Fatal(err)
	}
	mgr, err := ctrl.NewManager(restConfig, ctrl.Options{
		Scheme:                 scheme,
		Cache:                  cacheOpts,
		Client:                 manager.ClientOptions(""),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		// each test (and each simulated restart) starts a manager with the same controller
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		t.Fatalf("creating the manager: %v", err)
	}
	factory, err := azure.NewFactory(azureEnv.cloud(), azure.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	opts := reconcile.Options{
		DefaultCredentials:     azureEnv.defaultCredentials(),
		AllowCredentialSecrets: true,
		DriftResync:            syncPeriod,
		TerminalRetry:          syncPeriod,
		ParentWait:             syncPeriod,
		Concurrency:            4,
		ListInterval:           time.Second,
	}
	for _, fn := range mutate {
		fn(&opts)
	}
	if err := controllers.Setup(mgr, factory, opts); err != nil {
		t.Fatalf("setting up the reconcilers: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rm := &runningManager{cancel: cancel, done: make(chan error, 1)}
	go func() { rm.done <- mgr.Start(ctx) }()
	t.Cleanup(rm.stop)
	return rm
}

// stop stops the manager and waits for it.
func (m *runningManager) stop() {
	if m.cancel == nil {
		return
	}
	m.cancel()
	<-m.done
	m.cancel = nil
}

// newNamespace makes a namespace for one test.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "gi-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// newImage returns a valid GalleryImage in ns whose Azure name is unique to the test.
func newImage(ns, name string) *v1alpha1.GalleryImage {
	return &v1alpha1.GalleryImage{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.GalleryImageSpec{
			ResourceGroupName: group,
			GalleryName:       gallery,
			AzureName:         ns + "-" + name,
			Location:          "West Europe",
			Tags:              map[string]string{"owner": "suite"},
			Properties: v1alpha1.GalleryImageProperties{
				Description:      "suite image",
				OSType:           v1alpha1.OperatingSystemTypeLinux,
				OSState:          v1alpha1.OperatingSystemStateGeneralized,
				HyperVGeneration: v1alpha1.HyperVGenerationV2,
				Identifier:       v1alpha1.GalleryImageIdentifier{Publisher: "suite", Offer: ns, SKU: name},
				Features:         []v1alpha1.GalleryImageFeature{{Name: "SecurityType", Value: "TrustedLaunch"}},
			},
		},
	}
}

// imagePath is the ARM path of img, as the emulator's request log records it (lower-cased for
// comparison).
func imagePath(img *v1alpha1.GalleryImage) string {
	return strings.ToLower(fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/galleries/%s/images/%s",
		azureEnv.subscription, img.Spec.ResourceGroupName, img.Spec.GalleryName, img.AzureImageName()))
}

// eventually polls cond every 100ms until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		ok, detail := cond()
		if ok {
			return
		}
		last = detail
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s; last seen: %s", timeout, what, last)
}

// get reads the current object.
func get(t *testing.T, img *v1alpha1.GalleryImage) *v1alpha1.GalleryImage {
	t.Helper()
	out := &v1alpha1.GalleryImage{}
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(img), out); err != nil {
		t.Fatalf("getting %s: %v", img.Name, err)
	}
	return out
}

// condition returns the condition of type, or nil.
func condition(img *v1alpha1.GalleryImage, condType string) *metav1.Condition {
	return meta.FindStatusCondition(img.Status.Conditions, condType)
}

// waitReady waits until img is Ready for its current generation.
func waitReady(t *testing.T, img *v1alpha1.GalleryImage, timeout time.Duration) *v1alpha1.GalleryImage {
	t.Helper()
	var cur *v1alpha1.GalleryImage
	eventually(t, timeout, img.Name+" Ready", func() (bool, string) {
		cur = get(t, img)
		c := condition(cur, v1alpha1.ConditionReady)
		return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == cur.Generation &&
			cur.Status.ObservedGeneration == cur.Generation, fmt.Sprintf("%+v", cur.Status)
	})
	return cur
}

// waitCondition waits until img has condType with status and reason.
func waitCondition(t *testing.T, img *v1alpha1.GalleryImage, condType string, status metav1.ConditionStatus, reason string, timeout time.Duration) *v1alpha1.GalleryImage {
	t.Helper()
	var cur *v1alpha1.GalleryImage
	eventually(t, timeout, fmt.Sprintf("%s %s=%s (%s)", img.Name, condType, status, reason), func() (bool, string) {
		cur = get(t, img)
		c := condition(cur, condType)
		return c != nil && c.Status == status && (reason == "" || c.Reason == reason), fmt.Sprintf("%+v", cur.Status)
	})
	return cur
}

// waitGone waits until img no longer exists in Kubernetes.
func waitGone(t *testing.T, img *v1alpha1.GalleryImage, timeout time.Duration) {
	t.Helper()
	eventually(t, timeout, img.Name+" gone", func() (bool, string) {
		err := k8s.Get(context.Background(), client.ObjectKeyFromObject(img), &v1alpha1.GalleryImage{})
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
}

// update applies mutate to the latest version of img, retrying on conflicts, and returns the
// object as the API server stored it.
func update(t *testing.T, img *v1alpha1.GalleryImage, mutate func(*v1alpha1.GalleryImage)) *v1alpha1.GalleryImage {
	t.Helper()
	var cur *v1alpha1.GalleryImage
	eventually(t, readyTimeout, "update of "+img.Name, func() (bool, string) {
		cur = get(t, img)
		mutate(cur)
		err := k8s.Update(context.Background(), cur)
		return err == nil, fmt.Sprint(err)
	})
	return cur
}

// waitEvent waits until an event with reason is recorded about the object name in ns: the
// manager's event recorder writes events asynchronously, after the change they describe.
func waitEvent(t *testing.T, ns, name, reason string) {
	t.Helper()
	eventually(t, readyTimeout, "a "+reason+" event about "+name, func() (bool, string) {
		reasons := eventReasons(t, &v1alpha1.GalleryImage{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}})
		return slices.Contains(reasons, reason), fmt.Sprint(reasons)
	})
}

// eventMessage is the note of the latest event with reason about the object name in ns.
func eventMessage(t *testing.T, ns, name, reason string) string {
	t.Helper()
	list := &eventsv1.EventList{}
	if err := k8s.List(context.Background(), list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	msg := ""
	for _, e := range list.Items {
		if e.Regarding.Name == name && e.Reason == reason {
			msg = e.Note
		}
	}
	return msg
}

// eventReasons lists the reasons of the events about img.
func eventReasons(t *testing.T, img *v1alpha1.GalleryImage) []string {
	t.Helper()
	list := &eventsv1.EventList{}
	if err := k8s.List(context.Background(), list, client.InNamespace(img.Namespace)); err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, e := range list.Items {
		if e.Regarding.Name == img.Name {
			reasons = append(reasons, e.Reason)
		}
	}
	return reasons
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
