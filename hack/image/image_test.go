package main

import (
	"archive/tar"
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// TestImage builds the image as make image does, for both platforms, and checks what a registry,
// docker load and a kubelet see: the OCI layout's index, each platform's config (non-root user,
// entrypoint, labels) and files (manager, SBOM), the docker tarball, and the manager binary
// itself (--version shows the stamped version; --help lists the flags).
func TestImage(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-builds the manager twice; skipped with -short")
	}
	out := t.TempDir()
	o := buildOptions{root: "../..", out: out, repo: "registry.example.com/gallery-operator", version: "v1.2.3-test",
		revision: "0123456789abcdef0123456789abcdef01234567", source: "https://github.com/azgallery/gallery-operator",
		licenses: "NOASSERTION", created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), platforms: []string{"amd64", "arm64"}}
	if _, err := build(o); err != nil {
		t.Fatal(err)
	}
	idx := openLayout(t, filepath.Join(out, "image"), o.version)
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != types.OCIImageIndex || len(m.Manifests) != 2 {
		t.Fatalf("index %s with %d manifests, want an OCI index of 2", m.MediaType, len(m.Manifests))
	}
	digest, err := os.ReadFile(filepath.Join(out, "image.digest"))
	if d, _ := idx.Digest(); err != nil || strings.TrimSpace(string(digest)) != d.String() {
		t.Errorf("image.digest %q (%v), want the index digest %s", digest, err, d)
	}
	var archs []string
	for _, desc := range m.Manifests {
		if desc.Platform == nil || desc.Platform.OS != "linux" {
			t.Fatalf("manifest %s has platform %v", desc.Digest, desc.Platform)
		}
		arch := desc.Platform.Architecture
		archs = append(archs, arch)
		img, err := idx.Image(desc.Digest)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(arch, func(t *testing.T) { checkPlatformImage(t, o, arch, img, out) })
	}
	if slices.Sort(archs); !slices.Equal(archs, []string{"amd64", "arm64"}) {
		t.Errorf("platforms linux/%v, want linux/amd64 and linux/arm64", archs)
	}
	t.Run("push", func(t *testing.T) { checkPush(t, filepath.Join(out, "image"), idx) })
}

// checkPush pushes the layout as make image-push does, to a registry in this process, and reads
// the index back by tag: the same digest, with both platforms pullable.
func checkPush(t *testing.T, dir string, idx v1.ImageIndex) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	ref := strings.TrimPrefix(srv.URL, "http://") + "/azgallery/gallery-operator:v1.2.3-test"
	if err := pushCmd([]string{"--layout", dir, "--ref", ref}); err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	pushed, err := remote.Index(tag)
	if err != nil {
		t.Fatal(err)
	}
	got, err1 := pushed.Digest()
	want, err2 := idx.Digest()
	if err := errors.Join(err1, err2); err != nil || got != want {
		t.Errorf("the registry has %s, the layout %s (%v)", got, want, err)
	}
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := remote.Image(tag, remote.WithPlatform(v1.Platform{OS: "linux", Architecture: arch}))
		if err == nil {
			_, err = img.ConfigFile()
		}
		if err != nil {
			t.Errorf("pulling linux/%s: %v", arch, err)
		}
	}
}

// openLayout opens the layout's only entry, the image index tagged version.
func openLayout(t *testing.T, dir, version string) v1.ImageIndex {
	t.Helper()
	top, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := top.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Manifests) != 1 || m.Manifests[0].Annotations[refNameLabel] != version {
		t.Fatalf("layout index.json %+v: want one entry named %s", m.Manifests, version)
	}
	idx, err := top.ImageIndex(m.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

// checkPlatformImage checks one platform's image in the layout and in its docker tarball.
func checkPlatformImage(t *testing.T, o buildOptions, arch string, img v1.Image, out string) {
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OS != "linux" || cfg.Architecture != arch {
		t.Errorf("config platform %s/%s", cfg.OS, cfg.Architecture)
	}
	if cfg.Config.User != "65532:65532" || !slices.Equal(cfg.Config.Entrypoint, []string{"/manager"}) {
		t.Errorf("user %q entrypoint %q, want 65532:65532 and [/manager]", cfg.Config.User, cfg.Config.Entrypoint)
	}
	for k, want := range map[string]string{"source": o.source, "version": o.version, "revision": o.revision, "licenses": o.licenses} {
		if got := cfg.Config.Labels["org.opencontainers.image."+k]; got != want {
			t.Errorf("label org.opencontainers.image.%s %q, want %q", k, got, want)
		}
	}
	files := layerFiles(t, img)
	for _, want := range []string{"manager", sbomPath, "etc/passwd", "tmp/"} {
		if _, ok := files[want]; !ok {
			t.Errorf("the layer has no %s; it has %v", want, keys(files))
		}
	}
	if h := files["manager"]; h != nil && (h.Mode&0o111 == 0 || !h.ModTime.Equal(o.created)) {
		t.Errorf("/manager mode %o, mtime %v; want executable, dated %v", h.Mode, h.ModTime, o.created)
	}
	bin := filepath.Join(t.TempDir(), "manager")
	extract(t, img, "manager", bin)
	doc := filepath.Join(t.TempDir(), "sbom.json")
	extract(t, img, sbomPath, doc)
	checkSBOM(t, doc, bin, o.version)
	if want, _ := os.ReadFile(doc); !fileEquals(t, filepath.Join(out, "sbom", "manager-linux-"+arch+".spdx.json"), want) {
		t.Error("dist/sbom differs from the image's SBOM")
	}
	checkTarball(t, o, arch, img, out)
	if arch == runtime.GOARCH && runtime.GOOS == "linux" {
		checkBinary(t, bin, o)
	}
}

// checkTarball checks the docker load tarball holds the same image, tagged repo:version.
func checkTarball(t *testing.T, o buildOptions, arch string, img v1.Image, out string) {
	tag, err := name.NewTag(o.repo + ":" + o.version)
	if err != nil {
		t.Fatal(err)
	}
	fromTar, err := tarball.ImageFromPath(filepath.Join(out, "gallery-operator-"+o.version+"-linux-"+arch+".tar"), &tag)
	if err != nil {
		t.Fatal(err)
	}
	a, err1 := fromTar.ConfigName()
	b, err2 := img.ConfigName()
	if err := errors.Join(err1, err2); err != nil || a != b {
		t.Errorf("the tarball's config %s, the layout's %s (%v)", a, b, err)
	}
}

// checkBinary runs the image's manager: --version prints the stamped version and commit and the
// Go version it was built with, --help lists the flags; and it embeds the fallback CA roots.
func checkBinary(t *testing.T, bin string, o buildOptions) {
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	// The image has no CA bundle: the manager trusts Azure's certificates through the roots it embeds.
	if !slices.ContainsFunc(info.Deps, func(m *debug.Module) bool { return m.Path == "golang.org/x/crypto/x509roots/fallback" }) {
		t.Error("the manager does not embed golang.org/x/crypto/x509roots/fallback; it would trust no TLS server in the image")
	}
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("manager --version: %v\n%s", err, out)
	}
	for _, want := range []string{o.version, o.revision, info.GoVersion} {
		if !strings.Contains(string(out), want) {
			t.Errorf("manager --version printed %q, which lacks %s", out, want)
		}
	}
	out, err = exec.Command(bin, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("manager --help: %v\n%s", err, out)
	}
	for _, want := range []string{"-version", "-drift-resync", "-leader-elect", "-zap-log-level"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("manager --help does not list %s:\n%s", want, out)
		}
	}
}

// checkSBOM checks the SPDX document describes the binary: its main module at the image's version
// and every module the binary's build info lists, at its version.
func checkSBOM(t *testing.T, doc, bin, version string) {
	b, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		SPDXVersion string `json:"spdxVersion"`
		Packages    []struct {
			Name    string `json:"name"`
			Version string `json:"versionInfo"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("the SBOM is not JSON: %v", err)
	}
	if d.SPDXVersion != "SPDX-2.3" {
		t.Errorf("spdxVersion %q", d.SPDXVersion)
	}
	got := map[string]string{}
	for _, p := range d.Packages {
		got[p.Name] = p.Version
	}
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if got[info.Main.Path] != version {
		t.Errorf("SBOM main module %s at %q, want %s", info.Main.Path, got[info.Main.Path], version)
	}
	if got["stdlib"] != strings.TrimPrefix(info.GoVersion, "go") {
		t.Errorf("SBOM stdlib at %q, the binary was built with %s", got["stdlib"], info.GoVersion)
	}
	if len(info.Deps) < 10 {
		t.Fatalf("the binary lists %d modules", len(info.Deps))
	}
	for _, dep := range info.Deps {
		if dep.Replace != nil {
			dep = dep.Replace
		}
		if got[dep.Path] != dep.Version {
			t.Errorf("SBOM has %s at %q, the binary %s", dep.Path, got[dep.Path], dep.Version)
		}
	}
}

// layerFiles lists the image's files by path (without a leading slash).
func layerFiles(t *testing.T, img v1.Image) map[string]*tar.Header {
	t.Helper()
	files := map[string]*tar.Header{}
	walkLayers(t, img, func(h *tar.Header, _ io.Reader) { files[strings.TrimPrefix(h.Name, "/")] = h })
	return files
}

// extract copies one file of the image to dst.
func extract(t *testing.T, img v1.Image, path, dst string) {
	t.Helper()
	found := false
	walkLayers(t, img, func(h *tar.Header, r io.Reader) {
		if strings.TrimPrefix(h.Name, "/") != path {
			return
		}
		found = true
		b, err := io.ReadAll(r)
		if err == nil {
			err = os.WriteFile(dst, b, 0o755)
		}
		if err != nil {
			t.Fatal(err)
		}
	})
	if !found {
		t.Fatalf("the image has no %s", path)
	}
}

func walkLayers(t *testing.T, img v1.Image, fn func(*tar.Header, io.Reader)) {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			fn(h, tr)
		}
		rc.Close()
	}
}

func fileEquals(t *testing.T, path string, want []byte) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b) == string(want)
}

func keys(m map[string]*tar.Header) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
