// Command demo runs the operator on this machine: a real control plane, the Azure emulator and the
// manager, each as its own process; it creates a resource group and a managed image in the
// emulator, applies config/samples (a Gallery, GalleryImages that reference it, a
// GalleryImageVersion published from the managed image to two regions, and a GalleryApplication
// with a GalleryApplicationVersion replicated alongside it, and an inVMAccessControlProfile with a
// version), shows the replication progressing,
// waits until every sample is Ready and shows what Azure now holds.
// With --ci it exits after that check; otherwise it keeps running until Ctrl-C.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/azgallery/gallery-operator/internal/localenv"
)

const (
	group    = "demo-rg"
	gallery  = "demo_gallery"
	location = "westeurope"
	// managedImage is the source of the sample image version (config/samples).
	managedImage = "ubuntu-2404-golden"
	// kinds are what the demo waits for and shows.
	kinds = "galleries,galleryimages,galleryimageversions,galleryapplications,galleryapplicationversions," +
		"galleryinvmaccesscontrolprofiles,galleryinvmaccesscontrolprofileversions"
	// versions are the kinds that replicate.
	versions = "galleryimageversions,galleryapplicationversions,galleryinvmaccesscontrolprofileversions"
)

func main() {
	root := flag.String("root", ".", "repository root")
	assets := flag.String("assets", "", "directory with kube-apiserver, etcd and kubectl (default: $KUBEBUILDER_ASSETS)")
	ci := flag.Bool("ci", false, "exit after the check instead of running until Ctrl-C")
	timeout := flag.Duration("timeout", 3*time.Minute, "how long the samples may take to become Ready")
	flag.Parse()
	if *assets == "" {
		*assets = os.Getenv("KUBEBUILDER_ASSETS")
	}
	if err := run(*root, *assets, *ci, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
}

// run starts everything, runs the check, then waits for a signal unless ci.
func run(root, assets string, ci bool, timeout time.Duration) error {
	root, _ = filepath.Abs(root)
	dir := filepath.Join(root, ".demo")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	step("starting kube-apiserver and etcd")
	cp, err := localenv.StartControlPlane(dir, assets, filepath.Join(root, "config", "crd", "bases"))
	if err != nil {
		return err
	}
	defer cp.Stop()

	step("starting the Azure emulator")
	// Replication slow enough to watch in `kubectl get galleryimageversions`.
	em, err := localenv.StartEmulator(dir, filepath.Join(root, "bin", "azure-emulator"), "--replication-seconds-per-region=4")
	if err != nil {
		return err
	}
	defer em.Stop()
	fmt.Printf("  ARM and Entra ID at %s (CA %s)\n", em.URL, em.CAFile)

	step(fmt.Sprintf("creating resource group %s in the emulator (the gallery comes from config/samples)", group))
	if err := em.CreateResourceGroup(ctx, group, location); err != nil {
		return err
	}
	step(fmt.Sprintf("creating managed image %s in the emulator (the source of the sample image version)", managedImage))
	if _, err := em.CreateManagedImage(ctx, group, managedImage, location); err != nil {
		return err
	}

	step("starting the manager")
	mgr, err := localenv.StartManager(dir, filepath.Join(root, "bin", "manager"), cp.Kubeconfig, em, "--drift-resync=5m")
	if err != nil {
		return err
	}
	defer mgr.Stop()
	fmt.Printf("  log: %s, metrics: %s\n", mgr.LogPath, mgr.MetricsURL)

	kubectl := filepath.Join(assets, "kubectl")
	k := func(args ...string) (string, error) { return localenv.Kubectl(ctx, kubectl, cp.Kubeconfig, args...) }

	step("applying config/samples")
	out, err := k("apply", "-k", filepath.Join(root, "config", "samples"))
	fmt.Print(indent(out))
	if err != nil {
		return err
	}

	step("watching the versions replicate")
	watchReplication(ctx, k, timeout)
	for _, kind := range strings.Split(kinds, ",") {
		step("waiting until every object of " + kind + " is Ready")
		if out, err := k("wait", "--for=condition=Ready", kind, "--all", "--timeout="+timeout.String()); err != nil {
			fmt.Print(indent(out))
			desc, _ := k("get", kind, "-o", "yaml")
			return fmt.Errorf("%w\n%s\nmanager log: %s", err, desc, mgr.LogPath)
		}
	}
	out, _ = k("get", kinds, "-o", "wide")
	fmt.Print(indent(out))

	step(fmt.Sprintf("what Azure (the emulator) holds in %s/%s", group, gallery))
	images, err := em.Images(ctx, group, gallery)
	if err != nil {
		return err
	}
	for _, img := range images {
		p := img.Properties
		fmt.Printf("  %-28s %-10s %s/%s/%s  %s  %s\n", str(img.Name), string(*p.OSType),
			str(p.Identifier.Publisher), str(p.Identifier.Offer), str(p.Identifier.SKU),
			string(*p.ProvisioningState), str(p.Description))
	}
	if ci {
		step("demo check passed")
		return nil
	}

	fmt.Printf("\nThe operator is running. In another shell:\n\n  export KUBECONFIG=%s\n  kubectl get %s -w\n\n"+
		"Edit or delete the gallery and images with kubectl and watch the operator act (log: %s).\nPress Ctrl-C to stop everything.\n", cp.Kubeconfig, kinds, mgr.LogPath)
	<-ctx.Done()
	step("stopping")
	return nil
}

// watchReplication prints the versions of every kind every two seconds until none is
// replicating any more (or timeout), so that the progress shows region by region.
func watchReplication(ctx context.Context, k func(...string) (string, error), timeout time.Duration) {
	last := ""
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(2 * time.Second) {
		out, err := k("get", versions)
		if err != nil {
			return
		}
		if out != last {
			fmt.Print(indent(out))
			last = out
		}
		if !strings.Contains(out, "InProgress") && !strings.Contains(out, "Creating") && !strings.Contains(out, "False") && strings.Contains(out, "True") {
			return
		}
	}
}

// str dereferences an optional string from the SDK.
func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func step(msg string) { fmt.Printf("==> %s\n", msg) }

// indent indents each line of s by two spaces.
func indent(s string) string {
	if s == "" {
		return ""
	}
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ") + "\n"
}
