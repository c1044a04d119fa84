package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/azgallery/gallery-operator/internal/statusview"
)

const statusUsage = `Usage: kubectl gallery status (NAME | --all) [flags]

Shows a Gallery and the objects below it as the cluster holds them: its GalleryImages and their
GalleryImageVersions (and, where their CRDs are installed, GalleryApplications,
GalleryInVMAccessControlProfiles and their versions), each with its Ready condition, state,
reason, management policy and age, and for versions the replication per region. A child belongs
to a Gallery by its reference (spec.galleryRef, spec.imageRef, ...) or by its path fields
(spec.resourceGroupName, spec.galleryName, ...). It reads the cluster only: no Azure credentials.

Flags:
  NAME                  the Gallery (metadata.name) to show
  --all                 every Gallery in the namespace, then the missing parents of objects under none
  -n, --namespace NS    namespace (default: the kubeconfig context's)
  -o, --output FORMAT   wide, json or yaml (default: the tree as a table)
  -w, --watch           show the tree again whenever one of its objects changes (until Ctrl-C)
  --kubeconfig FILE     kubeconfig (default: $KUBECONFIG, else ~/.kube/config)
  --context NAME        kubeconfig context (default: the current one)
`

// statusFlags are the status command's settings.
type statusFlags struct {
	namespace, output, kubeconfig, context string
	all, watch                             bool
	names                                  []string
}

// parseStatus reads args; names and flags may come in any order.
func parseStatus(args []string, stderr io.Writer) (*statusFlags, error) {
	var f statusFlags
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() { fmt.Fprint(stderr, statusUsage) }
	for _, name := range []string{"n", "namespace"} {
		fs.StringVar(&f.namespace, name, "", "")
	}
	for _, name := range []string{"o", "output"} {
		fs.StringVar(&f.output, name, "", "")
	}
	for _, name := range []string{"w", "watch"} {
		fs.BoolVar(&f.watch, name, false, "")
	}
	fs.BoolVar(&f.all, "all", false, "")
	fs.StringVar(&f.kubeconfig, "kubeconfig", "", "")
	fs.StringVar(&f.context, "context", "", "")
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err // Parse wrote the usage
			}
			return nil, usageError{err.Error()}
		}
		if fs.NArg() == 0 {
			break
		}
		f.names = append(f.names, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch {
	case len(f.names) > 1:
		return nil, usageError{fmt.Sprintf("one Gallery name at most, not %s", strings.Join(f.names, " "))}
	case len(f.names) == 1 && f.all:
		return nil, usageError{"give a Gallery name or --all, not both"}
	case len(f.names) == 0 && !f.all:
		return nil, usageError{"give a Gallery name or --all (see kubectl gallery status --help)"}
	}
	return &f, nil
}

// runStatus shows the trees, once or, with --watch, until ctx ends.
func runStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseStatus(args, stderr)
	if err != nil {
		return err
	}
	format, err := statusview.ParseFormat(f.output)
	if err != nil {
		return usageError{err.Error()}
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = f.kubeconfig
	kc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: f.context})
	cfg, err := kc.ClientConfig()
	if err != nil {
		return err
	}
	cfg.UserAgent = "kubectl-gallery"
	o := statusview.Options{Namespace: f.namespace, Format: format, Watch: f.watch, Clear: f.watch && isTerminal(stdout)}
	if o.Namespace == "" {
		if o.Namespace, _, err = kc.Namespace(); err != nil {
			return err
		}
	}
	if !f.all {
		o.Name = f.names[0]
	}
	return statusview.Run(ctx, cfg, o, stdout)
}

// isTerminal says whether w is a terminal, where --watch redraws the screen.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
