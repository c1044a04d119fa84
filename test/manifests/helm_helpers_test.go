package manifests_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/azgallery/gallery-operator/internal/testenv"
)

// The chart, and the names it renders with the release name and namespace the tests use (the
// same as config/default's).
const (
	chartDir        = "charts/gallery-operator"
	helmRelease     = "gallery-operator"
	helmNamespace   = namespace
	helmDeployment  = helmRelease + "-controller-manager"
	helmSA          = helmRelease + "-controller-manager"
	helmManagerRole = helmRelease + "-manager-role"
	helmLeaderRole  = helmRelease + "-leader-election-role"
	helmSecretsRole = helmRelease + "-manager-secrets-reader"
	helmMetricsSvc  = helmRelease + "-metrics"
	helmEditorRole  = helmRelease + "-editor-role"
	helmViewerRole  = helmRelease + "-viewer-role"
	helmPDB         = helmRelease + "-controller-manager"
	helmMonitor     = helmRelease + "-metrics"
)

// helmBinary is the helm the Makefile builds (make helm): $HELM, else bin/helm-<HELM_VERSION>.
// It fails, never skips, when helm has not been built.
func helmBinary(t *testing.T) string {
	t.Helper()
	if h := os.Getenv("HELM"); h != "" {
		return h
	}
	m := regexp.MustCompile(`(?m)^HELM_VERSION \?= (\S+)$`).FindSubmatch(readRepoFile(t, "Makefile"))
	if m == nil {
		t.Fatal("the Makefile sets no HELM_VERSION")
	}
	p, err := filepath.Abs(filepath.Join(repoRoot, "bin", "helm-"+string(m[1])))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("no helm at %s: run 'make helm' (or set HELM): %v", p, err)
	}
	return p
}

// runHelm runs helm in the repository root, with its config, cache and data in a temporary
// folder so that nothing in the user's home is read or written.
func runHelm(t *testing.T, args ...string) ([]byte, error) {
	t.Helper()
	home := t.TempDir()
	cmd := exec.Command(helmBinary(t), args...)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+home+"/cache", "HELM_CONFIG_HOME="+home+"/config",
		"HELM_DATA_HOME="+home+"/data", "KUBECONFIG="+home+"/kubeconfig")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, errors.New(strings.TrimSpace(err.Error() + ": " + stderr.String() + string(out)))
	}
	return out, nil
}

// helmTemplate renders the chart with extra helm arguments (-f file, --set k=v) and parses the
// output.
func helmTemplate(t *testing.T, args ...string) rendered {
	t.Helper()
	out, err := helmTemplateRaw(t, args...)
	if err != nil {
		t.Fatalf("helm template %v: %v", args, err)
	}
	return parseDocuments(t, out)
}

// helmTemplateRaw runs helm template with the release, namespace and Kubernetes version of the
// tests.
func helmTemplateRaw(t *testing.T, args ...string) ([]byte, error) {
	t.Helper()
	return runHelm(t, append([]string{"template", helmRelease, chartDir, "--namespace", helmNamespace,
		"--kube-version", testenv.KubeVersion}, args...)...)
}

// parseDocuments parses multi-document YAML into objects. Numbers become int64 or float64, as
// in unstructured objects.
func parseDocuments(t *testing.T, data []byte) rendered {
	t.Helper()
	var out rendered
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			t.Fatalf("%v in\n%s", err, doc)
		}
		var raw map[string]any
		if err := utiljson.Unmarshal(j, &raw); err != nil {
			t.Fatal(err)
		}
		if raw == nil {
			continue // an empty document (a template that renders nothing)
		}
		meta, _ := raw["metadata"].(map[string]any)
		name, _ := meta["name"].(string)
		ns, _ := meta["namespace"].(string)
		apiVersion, _ := raw["apiVersion"].(string)
		kind, _ := raw["kind"].(string)
		out = append(out, object{APIVersion: apiVersion, Kind: kind, Name: name, Namespace: ns, Raw: raw})
	}
	return out
}

// configCRDs reads every CRD in config/crd/bases, by name.
func configCRDs(t *testing.T) map[string]*apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "config", "crd", "bases", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs in config/crd/bases: %v", err)
	}
	out := map[string]*apiextensionsv1.CustomResourceDefinition{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(data, crd); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[crd.Name] = crd
	}
	return out
}

// configRules reads the rules of the Role or ClusterRole in a file under the repository root.
func configRules(t *testing.T, file string) []rbacv1.PolicyRule {
	t.Helper()
	var role rbacv1.ClusterRole
	if err := yaml.Unmarshal(readRepoFile(t, file), &role); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if len(role.Rules) == 0 {
		t.Fatalf("%s has no rules", file)
	}
	return role.Rules
}

// chartAppVersion is the appVersion of Chart.yaml.
func chartAppVersion(t *testing.T) string {
	t.Helper()
	var c struct {
		AppVersion string `json:"appVersion"`
	}
	if err := yaml.Unmarshal(readRepoFile(t, chartDir+"/Chart.yaml"), &c); err != nil || c.AppVersion == "" {
		t.Fatalf("Chart.yaml has no appVersion: %v", err)
	}
	return c.AppVersion
}

// argValue returns the value of --name=value in args, and whether it is there.
func argValue(args []string, name string) (string, bool) {
	for _, a := range args {
		if a == name {
			return "", true
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// writeValues writes a values file into a temporary folder and returns its absolute path.
func writeValues(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
