package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image's user (distroless's nonroot, and runAsUser in config/manager and the chart) and the
// paths of the manager and its SBOM in the image.
const (
	uid          = 65532
	managerPath  = "manager"
	sbomPath     = "sbom/manager.spdx.json"
	refNameLabel = "org.opencontainers.image.ref.name"
)

// buildOptions describe one image build.
type buildOptions struct {
	root      string // the repository, where the manager's main package is
	out       string // the output folder (dist)
	repo      string // the image repository, e.g. ghcr.io/azgallery/gallery-operator
	version   string // the release, e.g. v1.2.3; also the image tag
	revision  string // the commit
	source    string // the source repository URL
	licenses  string // SPDX expression of the licences
	created   time.Time
	platforms []string // GOARCHs, linux only
}

// build cross-compiles the manager for each platform, assembles one image per platform, and
// writes them as one image index in an OCI layout (out/image), a docker-loadable tarball per
// platform, the SBOMs (out/sbom) and the index digest (out/image.digest).
func build(o buildOptions) (v1.ImageIndex, error) {
	tag, err := name.NewTag(o.repo + ":" + o.version)
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "hack-image-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	for _, d := range []string{"image", "sbom"} {
		if err := os.RemoveAll(filepath.Join(o.out, d)); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(filepath.Join(o.out, "sbom"), 0o755); err != nil {
		return nil, err
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, arch := range o.platforms {
		img, err := platformImage(o, arch, work)
		if err != nil {
			return nil, fmt.Errorf("linux/%s: %w", arch, err)
		}
		file := filepath.Join(o.out, fmt.Sprintf("gallery-operator-%s-linux-%s.tar", o.version, arch))
		if err := tarball.WriteToFile(file, tag, img); err != nil {
			return nil, err
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	idx = mutate.Annotations(idx, o.labels()).(v1.ImageIndex)
	p, err := layout.Write(filepath.Join(o.out, "image"), empty.Index)
	if err != nil {
		return nil, err
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{refNameLabel: o.version})); err != nil {
		return nil, err
	}
	digest, err := idx.Digest()
	if err != nil {
		return nil, err
	}
	return idx, os.WriteFile(filepath.Join(o.out, "image.digest"), []byte(digest.String()+"\n"), 0o644)
}

// labels are the OCI annotations of the image, as config labels and index annotations.
func (o buildOptions) labels() map[string]string {
	return map[string]string{
		"org.opencontainers.image.source":   o.source,
		"org.opencontainers.image.version":  o.version,
		"org.opencontainers.image.revision": o.revision,
		"org.opencontainers.image.licenses": o.licenses,
		"org.opencontainers.image.title":    "gallery-operator",
		"org.opencontainers.image.created":  o.created.UTC().Format(time.RFC3339),
	}
}

// platformImage builds the manager for linux/arch and the image around it: one layer with the
// manager, its SBOM (also written to out/sbom) and the few files a non-root static binary needs.
func platformImage(o buildOptions, arch, work string) (v1.Image, error) {
	bin := filepath.Join(work, "manager-"+arch)
	if err := goBuild(o, arch, bin); err != nil {
		return nil, err
	}
	doc, err := sbom(bin, o.version, o.created)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(o.out, "sbom", "manager-linux-"+arch+".spdx.json"), doc, 0o644); err != nil {
		return nil, err
	}
	manager, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	layer, err := rootfsLayer(o.created, manager, doc)
	if err != nil {
		return nil, err
	}
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{Layer: layer, MediaType: types.OCILayer,
		History: v1.History{Created: v1.Time{Time: o.created}, CreatedBy: "hack/image", Comment: "manager " + o.version}})
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", arch
	cfg.Created = v1.Time{Time: o.created}
	cfg.Config = v1.Config{
		User:       fmt.Sprintf("%d:%d", uid, uid),
		Entrypoint: []string{"/" + managerPath},
		WorkingDir: "/",
		Env:        []string{"PATH=/"},
		Labels:     o.labels(),
	}
	return mutate.ConfigFile(img, cfg)
}

// goBuild cross-compiles the manager as the Dockerfile does, stamping the version and commit.
func goBuild(o buildOptions, arch, out string) error {
	ldflags := fmt.Sprintf("-s -w -X main.version=%s -X main.commit=%s", o.version, o.revision)
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", ldflags, "-o", out, ".")
	cmd.Dir = o.root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	fmt.Fprintf(os.Stderr, "GOOS=linux GOARCH=%s go build -ldflags %q\n", arch, ldflags)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build: %w", err)
	}
	return nil
}

// rootfsLayer is the image's only layer: /manager, /sbom, /tmp, and /etc/passwd and /etc/group
// naming the nonroot user, every file dated created.
func rootfsLayer(created time.Time, manager, sbomDoc []byte) (v1.Layer, error) {
	passwd := fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%d:%d:nonroot:/home/nonroot:/sbin/nologin\n", uid, uid)
	group := fmt.Sprintf("root:x:0:\nnonroot:x:%d:\n", uid)
	entries := []struct {
		name string
		mode int64
		uid  int
		body []byte
	}{
		{"etc/", 0o755, 0, nil},
		{"etc/group", 0o644, 0, []byte(group)},
		{"etc/passwd", 0o644, 0, []byte(passwd)},
		{"home/", 0o755, 0, nil},
		{"home/nonroot/", 0o700, uid, nil},
		{managerPath, 0o755, 0, manager},
		{"sbom/", 0o755, 0, nil},
		{sbomPath, 0o644, 0, sbomDoc},
		{"tmp/", 0o1777, 0, nil},
	}
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, Uid: e.uid, Gid: e.uid, ModTime: created, Format: tar.FormatPAX, Typeflag: tar.TypeReg, Size: int64(len(e.body))}
		if e.name[len(e.name)-1] == '/' {
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := b.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithMediaType(types.OCILayer))
}
