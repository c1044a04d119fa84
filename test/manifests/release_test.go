package manifests_test

import (
	"io"
	"log"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"

	"github.com/azgallery/gallery-operator/internal/testenv"
)

// TestHelmReleasePackageImage packages the chart as the release workflow does (make helm-package
// with the tag as version and appVersion), pushes it to an OCI registry and renders it from there
// with default values: the
// Deployment runs the image make image-push published, IMAGE_REPO:<tag>, so that `helm install`
// from the OCI chart pulls an image that exists.
func TestHelmReleasePackageImage(t *testing.T) {
	const tag = "v9.8.7"
	var values struct {
		Image struct {
			Repository string `json:"repository"`
			Tag        string `json:"tag"`
		} `json:"image"`
	}
	if err := yaml.Unmarshal(readRepoFile(t, chartDir+"/values.yaml"), &values); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^IMAGE_REPO \?= (\S+)$`).FindSubmatch(readRepoFile(t, "Makefile"))
	if m == nil {
		t.Fatal("the Makefile sets no IMAGE_REPO")
	}
	if values.Image.Repository != string(m[1]) || values.Image.Tag != "" {
		t.Errorf("values image %s:%q, want the published %s with an empty tag (the appVersion)", values.Image.Repository, values.Image.Tag, m[1])
	}

	dir, err := filepath.Abs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if out, err := runHelm(t, "package", chartDir, "--destination", dir, "--version", tag, "--app-version", tag); err != nil {
		t.Fatalf("helm package: %v\n%s", err, out)
	}
	// Pushed to an OCI registry (one in this process) and rendered from there, as the README's
	// `helm install oci://.../charts/gallery-operator --version <tag>` does.
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	charts := "oci://" + strings.TrimPrefix(srv.URL, "http://") + "/azgallery/charts"
	if out, err := runHelm(t, "push", filepath.Join(dir, "gallery-operator-"+tag+".tgz"), charts, "--plain-http"); err != nil {
		t.Fatalf("helm push: %v\n%s", err, out)
	}
	out, err := runHelm(t, "template", helmRelease, charts+"/gallery-operator", "--version", tag, "--plain-http",
		"--namespace", helmNamespace, "--kube-version", testenv.KubeVersion)
	if err != nil {
		t.Fatalf("helm template of the pushed chart: %v", err)
	}
	d := into[appsv1.Deployment](t, parseDocuments(t, out).get(t, "Deployment", helmDeployment))
	if c := managerContainer(t, d); c.Image != string(m[1])+":"+tag {
		t.Errorf("the packaged chart runs %q, want %s:%s", c.Image, m[1], tag)
	}
	if v := d.Labels["app.kubernetes.io/version"]; v != tag {
		t.Errorf("app.kubernetes.io/version %q, want %s", v, tag)
	}
}
