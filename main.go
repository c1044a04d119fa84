// Command manager runs the gallery operator: it keeps Azure Compute Galleries and their image
// definitions in the state their Gallery and GalleryImage objects describe.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/controllers"
	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/reconcile"
)

// options are the manager's command-line flags.
type options struct {
	metricsAddr             string
	probeAddr               string
	leaderElect             bool
	leaderElectionNamespace string
	syncPeriod              time.Duration
	concurrency             int
	watchNamespaces         string
	enableCredentialSecrets bool
	caBundle                string
}

func main() {
	var o options
	flag.StringVar(&o.metricsAddr, "metrics-bind-address", ":8080", "Address of the Prometheus /metrics endpoint; \"0\" disables it.")
	flag.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "Address of the /healthz and /readyz probes.")
	flag.BoolVar(&o.leaderElect, "leader-elect", false, "Elect a leader so that only one replica reconciles.")
	flag.StringVar(&o.leaderElectionNamespace, "leader-election-namespace", "", "Namespace of the leader election lease (default: the pod's).")
	flag.DurationVar(&o.syncPeriod, "sync-period", time.Hour, "How often a Ready object is re-read from Azure to detect drift (jittered by up to 10%).")
	flag.IntVar(&o.concurrency, "max-concurrent-reconciles", 4, "How many objects of each kind are reconciled at once.")
	flag.StringVar(&o.watchNamespaces, "watch-namespaces", "", "Comma-separated namespaces to watch; empty watches all.")
	flag.BoolVar(&o.enableCredentialSecrets, "enable-credential-secrets", false, "Let an object name a Secret in its namespace with its own Azure credentials (needs get on secrets).")
	flag.StringVar(&o.caBundle, "azure-ca-bundle", "", "PEM file of CAs trusted for Azure in addition to the system roots (or AZURE_CA_BUNDLE).")
	zapOpts := zap.Options{Development: false}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))

	if err := run(o); err != nil {
		ctrl.Log.Error(err, "manager stopped")
		os.Exit(1)
	}
}

// run builds the manager with the controller of every kind and runs it until a signal.
func run(o options) error {
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))

	cloud, err := azure.CloudFromEnv(o.caBundle)
	if err != nil {
		return err
	}
	factory, err := azure.NewFactory(cloud, azure.DefaultLimits)
	if err != nil {
		return err
	}
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 metricsserver.Options{BindAddress: o.metricsAddr},
		HealthProbeBindAddress:  o.probeAddr,
		LeaderElection:          o.leaderElect,
		LeaderElectionID:        "galleryimage-operator.compute.azgallery.io",
		LeaderElectionNamespace: o.leaderElectionNamespace,
		Cache:                   cacheOptions(o.watchNamespaces),
	})
	if err != nil {
		return fmt.Errorf("creating the manager: %w", err)
	}
	opts := reconcile.Options{
		DefaultCredentials:     azure.CredentialsFromEnv(),
		AllowCredentialSecrets: o.enableCredentialSecrets,
		SyncPeriod:             o.syncPeriod,
		Concurrency:            o.concurrency,
	}
	if err := controllers.Setup(mgr, factory, opts); err != nil {
		return err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return err
	}
	ctrl.Log.Info("starting the manager", "syncPeriod", o.syncPeriod, "watchNamespaces", o.watchNamespaces,
		"credentialSecrets", o.enableCredentialSecrets, "resourceManager", cloud.ResourceManagerEndpoint)
	return mgr.Start(ctrl.SetupSignalHandler())
}

// cacheOptions restricts the cache to the watched namespaces, if any.
func cacheOptions(namespaces string) cache.Options {
	opts := cache.Options{}
	for _, ns := range strings.Split(namespaces, ",") {
		if ns = strings.TrimSpace(ns); ns != "" {
			if opts.DefaultNamespaces == nil {
				opts.DefaultNamespaces = map[string]cache.Config{}
			}
			opts.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	return opts
}
