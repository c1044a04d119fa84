// Package localenv runs the operator the way a user meets it, all on this machine: a real
// control plane (kube-apiserver and etcd), the Azure emulator and the manager, each binary as its
// own process. `make demo` and the e2e suite use it.
package localenv

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/emulator/emulatortest"
)

// The service principal the emulator is started with and the manager uses.
const (
	TenantID       = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	ClientID       = "5b1e6a2c-3f7d-4c8e-9a0b-1d2e3f4a5b6c"
	ClientSecret   = "local-emulator-secret"
	SubscriptionID = "8d1f7c6e-2b3a-4c5d-9e8f-0a1b2c3d4e5f"
)

// ControlPlane is a running kube-apiserver and etcd with the CRDs installed.
type ControlPlane struct {
	env     *envtest.Environment
	certDir string
	// Kubeconfig is the path of a kubeconfig with cluster-admin rights.
	Kubeconfig string
}

// StartControlPlane starts the control plane from assetsDir, installs the CRDs in crdDir and
// writes a kubeconfig into dir.
func StartControlPlane(dir, assetsDir, crdDir string) (*ControlPlane, error) {
	env := &envtest.Environment{BinaryAssetsDirectory: assetsDir, CRDDirectoryPaths: []string{crdDir}, ErrorIfCRDPathMissing: true,
		ControlPlaneStartTimeout: startTimeout, ControlPlaneStopTimeout: startTimeout}
	// A certificate directory of our own (not a temporary one envtest discards on stop) lets
	// RestartAPIServer bring the kube-apiserver back on the same port with the same certificates.
	certDir, err := os.MkdirTemp(dir, "kube-apiserver-")
	if err != nil {
		return nil, err
	}
	env.ControlPlane.APIServer = &envtest.APIServer{CertDir: certDir}
	cfg, err := env.Start()
	if err != nil {
		_ = os.RemoveAll(certDir)
		return nil, fmt.Errorf("starting kube-apiserver and etcd from %s (run 'make control-plane'): %w", assetsDir, err)
	}
	user, err := env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, cfg)
	if err != nil {
		_ = env.Stop()
		return nil, err
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		_ = env.Stop()
		return nil, err
	}
	path := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(path, kubeconfig, 0o600); err != nil {
		_ = env.Stop()
		return nil, err
	}
	return &ControlPlane{env: env, certDir: certDir, Kubeconfig: path}, nil
}

// Stop stops the control plane.
func (c *ControlPlane) Stop() error {
	err := c.env.Stop()
	_ = os.RemoveAll(c.certDir)
	return err
}

// StopAPIServer stops the kube-apiserver and keeps etcd running: SIGTERM, and SIGKILL when it has
// not exited within envtest's stop timeout (20 s by default), which counts as stopped too.
func (c *ControlPlane) StopAPIServer() error {
	err := c.env.ControlPlane.APIServer.Stop()
	if err != nil && strings.Contains(err.Error(), "timeout waiting for process") {
		time.Sleep(time.Second) // the SIGKILL that followed
		return nil
	}
	return err
}

// StartAPIServer starts the kube-apiserver stopped by StopAPIServer again, on the same address
// with the same certificates (the kubeconfig stays valid), and waits until it is healthy.
func (c *ControlPlane) StartAPIServer() error { return c.env.ControlPlane.APIServer.Start() }

// Process is a child process whose output goes to a log file.
type Process struct {
	cmd     *exec.Cmd
	LogPath string
	done    chan struct{}
	waitErr error
}

// startProcess starts bin with args and env, logging to dir/name.log.
func startProcess(dir, name, bin string, args, env []string) (*Process, error) {
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	p := &Process{cmd: cmd, LogPath: logPath, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	return p, nil
}

// Stop interrupts the process and waits for it, killing it after 10 seconds.
func (p *Process) Stop() {
	if p == nil {
		return
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// PID is the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Kill sends SIGKILL (no chance to clean up) and waits for the process to end.
func (p *Process) Kill() {
	if p == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Log returns what the process wrote so far.
func (p *Process) Log() string {
	b, _ := os.ReadFile(p.LogPath)
	return string(b)
}

// Emulator is a running azure-emulator process.
type Emulator struct {
	*Process
	URL    string
	CAFile string
	HTTP   *http.Client
}

// StartEmulator runs the emulator binary on a free loopback port with the principal above and
// waits until it serves.
func StartEmulator(dir, bin string, extraArgs ...string) (*Emulator, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	dataDir := filepath.Join(dir, "emulator")
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, err
	}
	args := append([]string{"--listen", addr, "--data-dir", dataDir, "--tenant-id", TenantID, "--client-id", ClientID,
		"--client-secret", ClientSecret, "--subscription-id", SubscriptionID}, extraArgs...)
	p, err := startProcess(dir, "azure-emulator", bin, args, nil)
	if err != nil {
		return nil, err
	}
	e := &Emulator{Process: p, URL: "https://" + addr, CAFile: filepath.Join(dataDir, "ca.crt")}
	if err := e.waitReady(startTimeout); err != nil {
		p.Stop()
		return nil, fmt.Errorf("%w\nemulator log:\n%s", err, p.Log())
	}
	return e, nil
}

// waitReady waits for the CA file and a served OpenID configuration.
// startTimeout bounds the wait for a started process to serve. A process that is up answers at
// once and ends the wait; the bound is generous so that a busy machine does not fail a start.
const startTimeout = 3 * time.Minute

func (e *Emulator) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if e.Exited() {
			return errors.New("the emulator exited")
		}
		if client, err := httpClientTrusting(e.CAFile); err == nil {
			resp, err := client.Get(e.URL + "/" + TenantID + "/v2.0/.well-known/openid-configuration")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					e.HTTP = client
					return nil
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the emulator did not serve within %s", timeout)
}

// Env is the environment that points Azure clients (the manager) at the emulator.
func (e *Emulator) Env() []string {
	return []string{
		"AZURE_TENANT_ID=" + TenantID, "AZURE_CLIENT_ID=" + ClientID, "AZURE_CLIENT_SECRET=" + ClientSecret,
		"AZURE_SUBSCRIPTION_ID=" + SubscriptionID, "AZURE_AUTHORITY_HOST=" + e.URL + "/",
		"AZURE_RESOURCE_MANAGER_ENDPOINT=" + e.URL, "AZURE_RESOURCE_MANAGER_AUDIENCE=https://management.core.windows.net/",
		"AZURE_CA_BUNDLE=" + e.CAFile,
	}
}

// armOptions are SDK client options for the emulator.
func (e *Emulator) armOptions() *arm.ClientOptions { return emulatortest.ClientOptions(e.URL, e.HTTP) }

// Credential is a client-secret credential of the emulator's principal.
func (e *Emulator) Credential() (azcore.TokenCredential, error) {
	return emulatortest.Credential(e.URL, e.HTTP, TenantID, ClientID, ClientSecret)
}

// CreateResourceGroup creates a resource group in SubscriptionID through the emulator's ARM API.
func (e *Emulator) CreateResourceGroup(ctx context.Context, group, location string) error {
	return e.CreateResourceGroupIn(ctx, SubscriptionID, group, location)
}

// CreateResourceGroupIn creates a resource group in subscription sub (one the principal may
// access: SubscriptionID, or one given to the emulator with --extra-subscriptions).
func (e *Emulator) CreateResourceGroupIn(ctx context.Context, sub, group, location string) error {
	cred, err := e.Credential()
	if err != nil {
		return err
	}
	groups, err := armresources.NewResourceGroupsClient(sub, cred, e.armOptions())
	if err != nil {
		return err
	}
	if _, err := groups.CreateOrUpdate(ctx, group, armresources.ResourceGroup{Location: to.Ptr(location)}, nil); err != nil {
		return fmt.Errorf("creating resource group %s: %w", group, err)
	}
	return nil
}

// CreateGallery creates a resource group and a gallery in it in SubscriptionID.
func (e *Emulator) CreateGallery(ctx context.Context, group, gallery, location string) error {
	return e.CreateGalleryIn(ctx, SubscriptionID, group, gallery, location)
}

// CreateGalleryIn creates a resource group and a gallery in it in subscription sub.
func (e *Emulator) CreateGalleryIn(ctx context.Context, sub, group, gallery, location string) error {
	if err := e.CreateResourceGroupIn(ctx, sub, group, location); err != nil {
		return err
	}
	cred, err := e.Credential()
	if err != nil {
		return err
	}
	galleries, err := armcompute.NewGalleriesClient(sub, cred, e.armOptions())
	if err != nil {
		return err
	}
	poller, err := galleries.BeginCreateOrUpdate(ctx, group, gallery, armcompute.Gallery{Location: to.Ptr(location)}, nil)
	if err != nil {
		return fmt.Errorf("creating gallery %s: %w", gallery, err)
	}
	_, err = poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: time.Second})
	return err
}

// CreateManagedImage creates a generalized Linux managed image (Microsoft.Compute/images), the
// kind of source an image version is published from, and returns its ID.
func (e *Emulator) CreateManagedImage(ctx context.Context, group, name, location string) (string, error) {
	cred, err := e.Credential()
	if err != nil {
		return "", err
	}
	images, err := armcompute.NewImagesClient(SubscriptionID, cred, e.armOptions())
	if err != nil {
		return "", err
	}
	poller, err := images.BeginCreateOrUpdate(ctx, group, name, armcompute.Image{
		Location: to.Ptr(location),
		Properties: &armcompute.ImageProperties{StorageProfile: &armcompute.ImageStorageProfile{OSDisk: &armcompute.ImageOSDisk{
			OSType: to.Ptr(armcompute.OperatingSystemTypesLinux), OSState: to.Ptr(armcompute.OperatingSystemStateTypesGeneralized),
			DiskSizeGB: to.Ptr[int32](30)}}},
	}, nil)
	if err != nil {
		return "", fmt.Errorf("creating managed image %s: %w", name, err)
	}
	res, err := poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: time.Second})
	if err != nil {
		return "", fmt.Errorf("creating managed image %s: %w", name, err)
	}
	return *res.ID, nil
}

// Images lists the image definitions of a gallery as Azure (the emulator) holds them.
func (e *Emulator) Images(ctx context.Context, group, gallery string) ([]*armcompute.GalleryImage, error) {
	cred, err := e.Credential()
	if err != nil {
		return nil, err
	}
	client, err := armcompute.NewGalleryImagesClient(SubscriptionID, cred, e.armOptions())
	if err != nil {
		return nil, err
	}
	return azure.AllPages(ctx, client.NewListByGalleryPager(group, gallery, nil),
		func(p armcompute.GalleryImagesClientListByGalleryResponse) []*armcompute.GalleryImage { return p.Value })
}

// Manager is a running manager process.
type Manager struct {
	*Process
	MetricsURL string
}

// StartManager runs the manager binary against kubeconfig with Azure pointed at the emulator.
func StartManager(dir, bin, kubeconfig string, emulator *Emulator, extraArgs ...string) (*Manager, error) {
	metricsAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	probeAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	// The local manager serves its metrics on a loopback port in plain HTTP, an explicit opt-out
	// of the secure default (HTTPS with Kubernetes authentication and authorisation), so that the
	// demo and the e2e suite can read them with curl or http.Get; controllers' metrics test covers
	// the secure endpoint.
	args := append([]string{"--kubeconfig", kubeconfig, "--metrics-bind-address", metricsAddr, "--metrics-secure=false",
		"--health-probe-bind-address", probeAddr}, extraArgs...)
	p, err := startProcess(dir, "manager", bin, args, emulator.Env())
	if err != nil {
		return nil, err
	}
	m := &Manager{Process: p, MetricsURL: "http://" + metricsAddr + "/metrics"}
	if err := waitHTTP("http://"+probeAddr+"/readyz", p, startTimeout); err != nil {
		p.Stop()
		return nil, fmt.Errorf("%w\nmanager log:\n%s", err, p.Log())
	}
	return m, nil
}

// waitHTTP waits until url answers 200 or p exits.
func waitHTTP(url string, p *Process, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if p.Exited() {
			return fmt.Errorf("the process exited before %s answered", url)
		}
		if resp, err := http.Get(url); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer within %s", url, timeout)
}

// Kubectl runs kubectl with the kubeconfig and returns its combined output.
func Kubectl(ctx context.Context, kubectl, kubeconfig string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, kubectl, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("kubectl %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// httpClientTrusting returns a client that trusts the PEM CA in caFile.
func httpClientTrusting(caFile string) (*http.Client, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", caFile)
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}, nil
}

var portMu sync.Mutex

// freeAddr returns a loopback address with a port free right now.
func freeAddr() (string, error) {
	portMu.Lock()
	defer portMu.Unlock()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
