// Command image builds the manager's multi-platform OCI image without a container engine, and
// pushes it. `make image` and `make image-push` run it; docs/releasing.md describes the release.
//
//	go run ./hack/image build --version v1.2.3 --revision <sha> --out dist
//	go run ./hack/image push --layout dist/image --ref ghcr.io/azgallery/gallery-operator:v1.2.3
//	go run ./hack/image install-yaml --tag v1.2.3 --digest-file dist/image.digest --out dist/install.yaml
//
// build cross-compiles the manager (CGO_ENABLED=0) for each platform and writes dist/image (an OCI
// layout holding one image index), dist/gallery-operator-<version>-linux-<arch>.tar (for docker
// load), dist/sbom/manager-linux-<arch>.spdx.json and dist/image.digest. push copies the layout's
// index to a registry with the credentials of ~/.docker/config.json (docker login, crane auth login).
// install-yaml renders config/default with the image pinned to the built index's digest.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: image build|push|install-yaml [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "build":
		err = buildCmd(os.Args[2:])
	case "push":
		err = pushCmd(os.Args[2:])
	case "install-yaml":
		err = installCmd(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q: want build, push or install-yaml", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func buildCmd(args []string) error {
	var o buildOptions
	var created, platforms string
	fs := flag.NewFlagSet("build", flag.ExitOnError)
	fs.StringVar(&o.root, "root", ".", "The repository root (the manager's main package).")
	fs.StringVar(&o.out, "out", "dist", "Output folder.")
	fs.StringVar(&o.repo, "repo", "ghcr.io/azgallery/gallery-operator", "Image repository (names the tarballs' image).")
	fs.StringVar(&o.version, "version", "dev", "Version: the image tag, label and manager --version.")
	fs.StringVar(&o.revision, "revision", "unknown", "Commit of the sources.")
	fs.StringVar(&o.source, "source", "https://github.com/azgallery/gallery-operator", "Source repository URL (label).")
	fs.StringVar(&o.licenses, "licenses", "NOASSERTION", "SPDX licence expression (label).")
	fs.StringVar(&created, "created", "", "Creation time, RFC 3339 (default: SOURCE_DATE_EPOCH, else the Unix epoch), for reproducible images.")
	fs.StringVar(&platforms, "platforms", "linux/amd64,linux/arm64", "Comma-separated linux platforms.")
	_ = fs.Parse(args)
	var err error
	if o.created, err = creationTime(created); err != nil {
		return err
	}
	for _, p := range strings.Split(platforms, ",") {
		arch, ok := strings.CutPrefix(strings.TrimSpace(p), "linux/")
		if !ok || arch == "" || strings.Contains(arch, "/") {
			return fmt.Errorf("platform %q: want linux/<arch>", p)
		}
		o.platforms = append(o.platforms, arch)
	}
	idx, err := build(o)
	if err != nil {
		return err
	}
	digest, err := idx.Digest()
	if err != nil {
		return err
	}
	fmt.Printf("%s/image: %s:%s@%s\n", o.out, o.repo, o.version, digest)
	return nil
}

// creationTime parses --created, or SOURCE_DATE_EPOCH, or is the Unix epoch.
func creationTime(flagValue string) (time.Time, error) {
	if flagValue != "" {
		return time.Parse(time.RFC3339, flagValue)
	}
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		var sec int64
		if _, err := fmt.Sscan(s, &sec); err != nil {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q: %w", s, err)
		}
		return time.Unix(sec, 0).UTC(), nil
	}
	return time.Unix(0, 0).UTC(), nil
}

func pushCmd(args []string) error {
	var dir string
	var refs stringList
	fs := flag.NewFlagSet("push", flag.ExitOnError)
	fs.StringVar(&dir, "layout", "dist/image", "OCI layout written by build.")
	fs.Var(&refs, "ref", "Destination, repository:tag (repeatable).")
	_ = fs.Parse(args)
	if len(refs) == 0 {
		return fmt.Errorf("no --ref")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	p, err := layout.FromPath(dir)
	if err != nil {
		return err
	}
	top, err := p.ImageIndex()
	if err != nil {
		return err
	}
	m, err := top.IndexManifest()
	if err != nil {
		return err
	}
	if len(m.Manifests) != 1 {
		return fmt.Errorf("%s holds %d manifests, want the one image index build writes", dir, len(m.Manifests))
	}
	idx, err := top.ImageIndex(m.Manifests[0].Digest)
	if err != nil {
		return err
	}
	for _, r := range refs {
		ref, err := name.NewTag(r)
		if err != nil {
			return err
		}
		if err := remote.WriteIndex(ref, idx, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
			return fmt.Errorf("pushing %s: %w", ref, err)
		}
		fmt.Printf("%s@%s\n", ref, m.Manifests[0].Digest)
	}
	return nil
}

func installCmd(args []string) error {
	var config, repo, tag, digestFile, out string
	fs := flag.NewFlagSet("install-yaml", flag.ExitOnError)
	fs.StringVar(&config, "config", "config/default", "The kustomization to render.")
	fs.StringVar(&repo, "repo", "ghcr.io/azgallery/gallery-operator", "Image repository.")
	fs.StringVar(&tag, "tag", "dev", "Image tag (the version).")
	fs.StringVar(&digestFile, "digest-file", "dist/image.digest", "File with the image index digest (build writes it).")
	fs.StringVar(&out, "out", "dist/install.yaml", "Output file.")
	_ = fs.Parse(args)
	d, err := os.ReadFile(digestFile)
	if err != nil {
		return fmt.Errorf("%w (run make image first)", err)
	}
	digest, err := v1.NewHash(strings.TrimSpace(string(d)))
	if err != nil {
		return fmt.Errorf("%s: %w", digestFile, err)
	}
	y, err := installYAML(config, repo, tag, digest.String())
	if err != nil {
		return err
	}
	fmt.Printf("%s: %s:%s@%s\n", out, repo, tag, digest)
	return os.WriteFile(out, y, 0o644)
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
