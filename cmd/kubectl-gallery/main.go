// Command kubectl-gallery is the gallery operator's kubectl plugin. Its status subcommand shows a
// Gallery and the objects below it as the cluster holds them, once or as they change:
//
//	kubectl gallery status platform-gallery -n images --watch
//
// Its import subcommand reads existing galleries, image and application definitions,
// inVMAccessControlProfiles and their versions from Azure and writes manifests of every kind
// (Gallery, GalleryImage, GalleryImageVersion, GalleryApplication, GalleryApplicationVersion,
// GalleryInVMAccessControlProfile and GalleryInVMAccessControlProfileVersion) that adopt them:
//
//	kubectl gallery import --resource-group images-rg --namespace images --output-dir gallery-images/
//
// It uses the manager's Azure settings: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET or
// AZURE_FEDERATED_TOKEN_FILE (else managed identity), AZURE_SUBSCRIPTION_ID, AZURE_AUTHORITY_HOST,
// AZURE_RESOURCE_MANAGER_ENDPOINT, AZURE_RESOURCE_MANAGER_AUDIENCE and AZURE_CA_BUNDLE.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/go-logr/logr"
	"go.uber.org/zap/zapcore"
	"k8s.io/apimachinery/pkg/util/validation"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/importer"
)

const usage = `kubectl-gallery: the gallery operator's kubectl plugin.

Usage:
  kubectl gallery status (NAME | --all) [flags]
  kubectl gallery import [flags]
  (or kubectl-gallery status|import [flags])

Commands:
  status   show a Gallery and the objects below it, with readiness, policy and replication,
           as the cluster holds them (reads the cluster only)
  import   write Gallery, GalleryImage, GalleryImageVersion, GalleryApplication,
           GalleryApplicationVersion, GalleryInVMAccessControlProfile and
           GalleryInVMAccessControlProfileVersion manifests for galleries that already exist
           in Azure

Run 'kubectl gallery status --help' or 'kubectl gallery import --help' for the flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the command with args and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	commands := map[string]func(context.Context, []string, io.Writer, io.Writer) error{"import": runImport, "status": runStatus}
	command, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	err := command(ctx, args[1:], stdout, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintln(stderr, "error:", err)
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "error:", err)
		return 1
	}
	return 0
}

// usageError is a wrong flag value.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// runImport parses the import flags, reads Azure and writes the manifests.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o importer.Options
	var outputDir, deletionPolicy, caBundle string
	var verbose bool
	fs.StringVar(&o.SubscriptionID, "subscription", os.Getenv(azure.EnvSubscriptionID), "Azure subscription to read (default AZURE_SUBSCRIPTION_ID).")
	fs.StringVar(&o.ResourceGroup, "resource-group", "", "Resource group to read; unset reads every gallery of the subscription.")
	fs.StringVar(&o.Gallery, "gallery", "", "Gallery to import (its Azure name); unset imports every gallery found.")
	fs.StringVar(&o.Namespace, "namespace", "", "metadata.namespace of the objects; unset leaves it out (kubectl apply uses the current namespace).")
	fs.StringVar(&outputDir, "output-dir", "", "Write one file per object into this directory; unset writes one YAML stream to stdout.")
	fs.StringVar(&deletionPolicy, "deletion-policy", string(v1alpha1.DeletionPolicyOrphan),
		"spec.deletionPolicy of the objects: Orphan (deleting an object leaves the Azure resource) or Delete.")
	var managementPolicy string
	fs.StringVar(&managementPolicy, "policy", "", "spec.managementPolicy of the objects: Manage, Observe (read only: never written) or Paused; unset leaves it to the operator's default.")
	fs.BoolVar(&o.OmitSubscriptionID, "omit-subscription-id", false, "Leave spec.subscriptionId out of the Galleries: they then use the manager's AZURE_SUBSCRIPTION_ID.")
	fs.StringVar(&caBundle, "azure-ca-bundle", "", "PEM file of CAs trusted for Azure in addition to the system roots (or AZURE_CA_BUNDLE).")
	var skipVersions bool
	fs.BoolVar(&skipVersions, "skip-versions", false, "Import galleries, image and application definitions and inVMAccessControlProfiles only, not their versions (for versions that pipelines publish).")
	fs.BoolVar(&verbose, "verbose", false, "Log every Azure request (operation, status, correlation ID) to stderr.")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: kubectl gallery import [flags]

Reads galleries, their image and application definitions, inVMAccessControlProfiles and the
versions of each from Azure and writes Gallery, GalleryImage, GalleryImageVersion,
GalleryApplication, GalleryApplicationVersion, GalleryInVMAccessControlProfile and
GalleryInVMAccessControlProfileVersion manifests that adopt them: applying them makes no change
in Azure. Credentials and cloud come
from the same environment variables as the manager's (AZURE_TENANT_ID, AZURE_CLIENT_ID,
AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST,
AZURE_RESOURCE_MANAGER_ENDPOINT, AZURE_CA_BUNDLE).

Flags:
`)
		fs.VisitAll(func(f *flag.Flag) {
			arg, text := flag.UnquoteUsage(f)
			line := "  --" + f.Name
			if arg != "" {
				line += " " + arg
			}
			if f.DefValue != "" && f.DefValue != "false" {
				text += fmt.Sprintf(" (default %q)", f.DefValue)
			}
			fmt.Fprintf(stderr, "%s\n      %s\n", line, text)
		})
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected arguments: %s", strings.Join(fs.Args(), " "))}
	}
	if skipVersions {
		o.SkipKinds = append(o.SkipKinds, "GalleryImageVersion", "GalleryApplicationVersion", "GalleryInVMAccessControlProfileVersion")
	}
	switch strings.ToLower(deletionPolicy) {
	case "orphan":
		o.DeletionPolicy = v1alpha1.DeletionPolicyOrphan
	case "delete":
		o.DeletionPolicy = v1alpha1.DeletionPolicyDelete
	default:
		return usageError{fmt.Sprintf("--deletion-policy must be Orphan or Delete, not %q", deletionPolicy)}
	}
	switch p := v1alpha1.ManagementPolicy(managementPolicy); p {
	case "", v1alpha1.ManagementPolicyManage, v1alpha1.ManagementPolicyObserve, v1alpha1.ManagementPolicyPaused:
		o.ManagementPolicy = p
	default:
		return usageError{fmt.Sprintf("--policy must be Manage, Observe or Paused, not %q", managementPolicy)}
	}
	if o.SubscriptionID == "" {
		return usageError{"no subscription: set --subscription or AZURE_SUBSCRIPTION_ID"}
	}
	if o.Namespace != "" {
		if errs := validation.IsDNS1123Label(o.Namespace); len(errs) > 0 {
			return usageError{fmt.Sprintf("--namespace %q: %s", o.Namespace, strings.Join(errs, "; "))}
		}
	}

	// The Azure pipeline logs each request at V(1) through controller-runtime's logger.
	logger := logr.Discard()
	if verbose {
		logger = zap.New(zap.WriteTo(stderr), zap.Level(zapcore.DebugLevel))
	}
	ctrllog.SetLogger(logger)
	ctx = ctrllog.IntoContext(ctx, logger)

	cloud, err := azure.CloudFromEnv(caBundle)
	if err != nil {
		return err
	}
	factory, err := azure.NewFactory(cloud, azure.DefaultLimits)
	if err != nil {
		return err
	}
	conn, err := factory.For(azure.CredentialsFromEnv(), o.SubscriptionID)
	if err != nil {
		return err
	}
	nodes, err := importer.Run(ctx, conn, o)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		for _, w := range n.Warnings {
			fmt.Fprintf(stderr, "warning: %s %s: %s\n", n.Kind, n.Object.GetName(), w)
		}
	}
	if len(nodes) == 0 {
		where := "subscription " + o.SubscriptionID
		if o.ResourceGroup != "" {
			where += ", resource group " + o.ResourceGroup
		}
		fmt.Fprintln(stderr, "no gallery found in", where)
		return nil
	}
	if outputDir == "" {
		return importer.WriteStream(stdout, nodes)
	}
	paths, err := importer.WriteDir(outputDir, nodes)
	for _, p := range paths {
		fmt.Fprintln(stderr, "wrote", p)
	}
	return err
}
