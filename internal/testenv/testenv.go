// Package testenv starts the real control plane (kube-apiserver and etcd built by
// hack/build-control-plane.sh) with the GalleryImage CRD installed, for envtest suites.
package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	computev1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
)

// KubeVersion is the control plane release the Makefile builds into bin/k8s/<KubeVersion>.
const KubeVersion = "1.37.2"

// RepoRoot is the repository's top folder.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// AssetsDir is where kube-apiserver, etcd and kubectl are: $KUBEBUILDER_ASSETS, else the
// Makefile's bin/k8s/<KubeVersion>.
func AssetsDir() string {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir
	}
	return filepath.Join(RepoRoot(), "bin", "k8s", KubeVersion)
}

// ControlPlaneTimeout bounds the start and the stop of a test control plane.
const ControlPlaneTimeout = 3 * time.Minute

// Start starts kube-apiserver and etcd with the CRDs from config/crd/bases installed. It fails
// with a clear message when the binaries have not been built: the suites never silently skip.
func Start() (*envtest.Environment, *rest.Config, error) {
	assets := AssetsDir()
	if _, err := os.Stat(filepath.Join(assets, "kube-apiserver")); err != nil {
		return nil, nil, fmt.Errorf("no kube-apiserver in %s: run 'make control-plane' (or set KUBEBUILDER_ASSETS): %w", assets, err)
	}
	if err := computev1alpha1.AddToScheme(scheme.Scheme); err != nil {
		return nil, nil, err
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join(RepoRoot(), "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		// envtest's 20 s are too few for kube-apiserver and etcd to start on a busy machine; a
		// control plane that is up ends the wait at once.
		ControlPlaneStartTimeout: ControlPlaneTimeout,
		ControlPlaneStopTimeout:  ControlPlaneTimeout,
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, nil, fmt.Errorf("starting the control plane from %s: %w", assets, err)
	}
	return env, cfg, nil
}
