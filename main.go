// Command manager runs the gallery operator: it keeps Azure Compute Galleries and their image
// definitions in the state their Gallery and GalleryImage objects describe.
package main

import (
	"flag"
	"fmt"
	"os"
	goruntime "runtime"
	"time"

	// Trust Azure's TLS certificates without a CA bundle in the image: Go uses these roots when
	// the system has none (the image has no /etc/ssl).
	_ "golang.org/x/crypto/x509roots/fallback"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/controllers"
	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/manager"
	"github.com/azgallery/gallery-operator/internal/reconcile"
	"github.com/azgallery/gallery-operator/internal/tenancy"
)

// version and commit are stamped by the build: go build -ldflags "-X main.version=v1.2.3
// -X main.commit=<sha>" (make image does).
var (
	version = "dev"
	commit  = "unknown"
)

// options are the manager's command-line flags.
type options struct {
	metricsAddr             string
	metricsSecure           bool
	metricsCertDir          string
	enforceScopes           bool
	probeAddr               string
	pprofAddr               string
	leaderElect             bool
	leaderElectionNamespace string
	driftResync             time.Duration
	terminalRetry           time.Duration
	concurrency             int
	watchNamespaces         string
	enableCredentialSecrets bool
	caBundle                string
	watchLabelSelector      string
	listInterval            time.Duration
	defaultPolicy           string
	limits                  azure.Limits
}

func main() {
	var o options
	showVersion := flag.Bool("version", false, "Print the version, commit and Go version, and exit.")
	flag.StringVar(&o.metricsAddr, "metrics-bind-address", ":8443", "Address of the Prometheus /metrics endpoint; \"0\" disables it.")
	flag.BoolVar(&o.metricsSecure, "metrics-secure", true, "Serve /metrics over HTTPS to authenticated and authorised clients only (a bearer token allowed to get the non-resource URL /metrics); false serves plain HTTP to anyone.")
	flag.StringVar(&o.metricsCertDir, "metrics-cert-dir", "", "Folder with tls.crt and tls.key for the secure metrics endpoint; empty generates a self-signed certificate.")
	flag.BoolVar(&o.enforceScopes, "enforce-namespace-scopes", false, "Refuse (Stalled, ScopeNotAllowed) to write to Azure for an object whose namespace's annotations compute.azgallery.io/allowed-resource-groups and allowed-subscriptions do not allow its resource group and subscription (needs get on namespaces).")
	flag.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "Address of the /healthz and /readyz probes.")
	flag.StringVar(&o.pprofAddr, "pprof-bind-address", "", "Address of Go's /debug/pprof profiles (plain HTTP, no authentication: bind to localhost); empty disables them.")
	flag.BoolVar(&o.leaderElect, "leader-elect", false, "Elect a leader so that only one replica reconciles.")
	flag.StringVar(&o.leaderElectionNamespace, "leader-election-namespace", "", "Namespace of the leader election lease (default: the pod's).")
	flag.DurationVar(&o.driftResync, "drift-resync", time.Hour, "How often a Ready object is observed again in Azure to detect drift (jittered by up to 2%).")
	flag.DurationVar(&o.terminalRetry, "terminal-error-retry", time.Hour, "How long a request that Azure refused with a terminal error waits before it is sent again unchanged (a change of the spec sends it at once).")
	flag.IntVar(&o.concurrency, "max-concurrent-reconciles", 4, "How many objects of each kind are reconciled at once.")
	flag.StringVar(&o.watchNamespaces, "watch-namespaces", "", "Comma-separated namespaces to watch; empty watches all.")
	flag.BoolVar(&o.enableCredentialSecrets, "enable-credential-secrets", false, "Let an object name a Secret in its namespace with its own Azure credentials (needs get on secrets).")
	flag.StringVar(&o.caBundle, "azure-ca-bundle", "", "PEM file of CAs trusted for Azure in addition to the system roots (or AZURE_CA_BUNDLE).")
	flag.StringVar(&o.watchLabelSelector, "watch-label-selector", "", "Reconcile only objects with these labels, for sharding (e.g. sharding.compute.azgallery.io/key=shard1; the unsharded manager uses !sharding.compute.azgallery.io/key). Each shard elects its own leader.")
	flag.StringVar(&o.defaultPolicy, "default-management-policy", string(v1alpha1.ManagementPolicyManage), "The management policy of objects whose spec sets none: Manage (make Azure match the spec), Observe (read only) or Paused (no Azure request).")
	flag.DurationVar(&o.listInterval, "list-interval", 500*time.Millisecond, "Shortest time between two reads of one collection's list (a gallery's image definitions), which observes all its objects at once.")
	o.limits = azure.DefaultLimits
	flag.IntVar(&o.limits.ReadBurst, "arm-read-burst", o.limits.ReadBurst, "ARM read tokens per subscription and principal (bucket size).")
	flag.Float64Var(&o.limits.ReadsPerSecond, "arm-reads-per-second", o.limits.ReadsPerSecond, "ARM read tokens refilled per second.")
	flag.IntVar(&o.limits.WriteBurst, "arm-write-burst", o.limits.WriteBurst, "ARM write tokens per subscription and principal (bucket size).")
	flag.Float64Var(&o.limits.WritesPerSecond, "arm-writes-per-second", o.limits.WritesPerSecond, "ARM write tokens refilled per second.")
	flag.IntVar(&o.limits.DeleteBurst, "arm-delete-burst", o.limits.DeleteBurst, "ARM delete tokens per subscription and principal (bucket size).")
	flag.Float64Var(&o.limits.DeletesPerSecond, "arm-deletes-per-second", o.limits.DeletesPerSecond, "ARM delete tokens refilled per second.")
	zapOpts := zap.Options{Development: false}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	if *showVersion {
		fmt.Printf("manager %s (commit %s, %s %s/%s)\n", version, commit, goruntime.Version(), goruntime.GOOS, goruntime.GOARCH)
		return
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))

	if err := run(o); err != nil {
		ctrl.Log.Error(err, "manager stopped")
		os.Exit(1)
	}
}

// run builds the manager with the controller of every kind and runs it until a signal.
func run(o options) error {
	if o.driftResync <= 0 || o.terminalRetry <= 0 {
		return fmt.Errorf("--drift-resync (%s) and --terminal-error-retry (%s) must be positive", o.driftResync, o.terminalRetry)
	}
	switch v1alpha1.ManagementPolicy(o.defaultPolicy) {
	case v1alpha1.ManagementPolicyManage, v1alpha1.ManagementPolicyObserve, v1alpha1.ManagementPolicyPaused:
	default:
		return fmt.Errorf("--default-management-policy %q: want Manage, Observe or Paused", o.defaultPolicy)
	}
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))

	cloud, err := azure.CloudFromEnv(o.caBundle)
	if err != nil {
		return err
	}
	factory, err := azure.NewFactory(cloud, o.limits)
	if err != nil {
		return err
	}
	cacheOpts, err := manager.CacheOptions(o.watchNamespaces, o.watchLabelSelector)
	if err != nil {
		return err
	}
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 manager.MetricsOptions(o.metricsAddr, o.metricsSecure, o.metricsCertDir),
		HealthProbeBindAddress:  o.probeAddr,
		PprofBindAddress:        o.pprofAddr,
		LeaderElection:          o.leaderElect,
		LeaderElectionID:        manager.ShardLeaderElectionID(o.watchLabelSelector),
		LeaderElectionNamespace: o.leaderElectionNamespace,
		Cache:                   cacheOpts,
		Client:                  manager.ClientOptions(o.watchNamespaces),
	})
	if err != nil {
		return fmt.Errorf("creating the manager: %w", err)
	}
	defaultCreds := azure.CredentialsFromEnv()
	opts := reconcile.Options{
		DefaultCredentials:      defaultCreds,
		AllowCredentialSecrets:  o.enableCredentialSecrets,
		DriftResync:             o.driftResync,
		TerminalRetry:           o.terminalRetry,
		ParentWait:              reconcile.DefaultParentWait,
		Concurrency:             o.concurrency,
		ListInterval:            o.listInterval,
		DefaultManagementPolicy: v1alpha1.ManagementPolicy(o.defaultPolicy),
	}
	if o.enforceScopes {
		opts.ScopeCheck = (&tenancy.Checker{Reader: mgr.GetAPIReader(), DefaultSubscription: defaultCreds.SubscriptionID}).Check
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
	ctrl.Log.Info("starting the manager", "driftResync", o.driftResync, "terminalErrorRetry", o.terminalRetry, "defaultManagementPolicy", o.defaultPolicy, "watchNamespaces", o.watchNamespaces, "watchLabelSelector", o.watchLabelSelector,
		"credentialSecrets", o.enableCredentialSecrets, "enforceNamespaceScopes", o.enforceScopes, "metricsSecure", o.metricsSecure, "resourceManager", cloud.ResourceManagerEndpoint)
	return mgr.Start(ctrl.SetupSignalHandler())
}
