// Package manifests_test checks the deployment manifests under config/, the Dockerfile and the
// Argo CD health check without a cluster: every kustomization is rendered with the kustomize Go
// API and the results are inspected as typed Kubernetes objects.
package manifests_test

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// repoRoot is the repository root, relative to this package's directory (where go test runs).
const repoRoot = "../.."

// Names as config/default renders them.
const (
	namespace      = "gallery-operator-system"
	prefix         = "gallery-operator-"
	deploymentName = prefix + "controller-manager"
	saName         = prefix + "controller-manager"
	crdName        = "galleryimages.compute.azgallery.io"
)

// object is one rendered resource.
type object struct {
	APIVersion string
	Kind       string
	Name       string
	Namespace  string
	Raw        map[string]any
}

// rendered is the output of one kustomize build.
type rendered []object

// build renders the kustomization in dir (a path on the real filesystem, relative to the repo
// root).
func build(t *testing.T, dir string) rendered {
	t.Helper()
	return buildFS(t, filesys.MakeFsOnDisk(), filepath.Join(repoRoot, dir))
}

// buildFS renders the kustomization at dir in fsys.
func buildFS(t *testing.T, fsys filesys.FileSystem, dir string) rendered {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(fsys, dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	var out rendered
	for _, r := range m.Resources() {
		raw, err := r.Map()
		if err != nil {
			t.Fatalf("kustomize build %s: %s: %v", dir, r.CurId(), err)
		}
		out = append(out, object{
			APIVersion: r.GetApiVersion(),
			Kind:       r.GetKind(),
			Name:       r.GetName(),
			Namespace:  r.GetNamespace(),
			Raw:        raw,
		})
	}
	return out
}

// memConfig copies config/ into an in-memory filesystem at /repo/config, so that a test can
// change a kustomization (uncomment a component, add an overlay) without touching the tree.
func memConfig(t *testing.T) filesys.FileSystem {
	t.Helper()
	mem := filesys.MakeFsInMemory()
	src := filepath.Join(repoRoot, "config")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		dst := path.Join("/repo/config", filepath.ToSlash(rel))
		if d.IsDir() {
			return mem.MkdirAll(dst)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return mem.WriteFile(dst, data)
	})
	if err != nil {
		t.Fatalf("copying config/ into memory: %v", err)
	}
	return mem
}

// writeMem writes a file into fsys or fails the test.
func writeMem(t *testing.T, fsys filesys.FileSystem, p, content string) {
	t.Helper()
	if err := fsys.MkdirAll(path.Dir(p)); err != nil {
		t.Fatal(err)
	}
	if err := fsys.WriteFile(p, []byte(content)); err != nil {
		t.Fatal(err)
	}
}

// uncomment enables a commented-out line ("#- ../x") of a kustomization in fsys; it fails the
// test when the line is not there, so that the documented way of enabling stays tested.
func uncomment(t *testing.T, fsys filesys.FileSystem, file string, lines ...string) {
	t.Helper()
	data, err := fsys.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, l := range lines {
		commented := "#" + l + "\n"
		if !strings.Contains(s, commented) {
			t.Fatalf("%s has no line %q to uncomment", file, strings.TrimSpace(commented))
		}
		s = strings.Replace(s, commented, l+"\n", 1)
	}
	if err := fsys.WriteFile(file, []byte(s)); err != nil {
		t.Fatal(err)
	}
}

// kinds counts the rendered objects by kind.
func (r rendered) kinds() map[string]int {
	m := map[string]int{}
	for _, o := range r {
		m[o.Kind]++
	}
	return m
}

// find returns the objects of a kind.
func (r rendered) find(kind string) []object {
	var out []object
	for _, o := range r {
		if o.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}

// get returns the object of kind and name, failing the test when it is missing.
func (r rendered) get(t *testing.T, kind, name string) object {
	t.Helper()
	for _, o := range r {
		if o.Kind == kind && o.Name == name {
			return o
		}
	}
	var have []string
	for _, o := range r {
		have = append(have, o.Kind+"/"+o.Name)
	}
	t.Fatalf("no %s %q in the output; have %s", kind, name, strings.Join(have, ", "))
	return object{}
}

// has reports whether the output holds an object of kind and name.
func (r rendered) has(kind, name string) bool {
	for _, o := range r {
		if o.Kind == kind && o.Name == name {
			return true
		}
	}
	return false
}

// into converts a rendered object into a typed one, rejecting unknown fields.
func into[T any](t *testing.T, o object) *T {
	t.Helper()
	out := new(T)
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(o.Raw, out, true); err != nil {
		t.Fatalf("%s/%s does not convert to %T: %v", o.Kind, o.Name, out, err)
	}
	return out
}

func (r rendered) deployment(t *testing.T) *appsv1.Deployment {
	t.Helper()
	return into[appsv1.Deployment](t, r.get(t, "Deployment", deploymentName))
}

// managerContainer returns the container named manager.
func managerContainer(t *testing.T, d *appsv1.Deployment) *corev1.Container {
	t.Helper()
	for i := range d.Spec.Template.Spec.Containers {
		if c := &d.Spec.Template.Spec.Containers[i]; c.Name == "manager" {
			return c
		}
	}
	t.Fatalf("Deployment %s has no container named manager", d.Name)
	return nil
}

// policyRules returns the rules of every Role and ClusterRole in the output, by "Kind/name".
func (r rendered) policyRules(t *testing.T) map[string][]rbacv1.PolicyRule {
	t.Helper()
	out := map[string][]rbacv1.PolicyRule{}
	for _, o := range r {
		switch o.Kind {
		case "Role":
			out["Role/"+o.Name] = into[rbacv1.Role](t, o).Rules
		case "ClusterRole":
			out["ClusterRole/"+o.Name] = into[rbacv1.ClusterRole](t, o).Rules
		}
	}
	return out
}

// grantsSecrets reports whether a rule gives any access to core Secrets (directly or by
// wildcard).
func grantsSecrets(rule rbacv1.PolicyRule) bool {
	return contains(rule.APIGroups, "", "*") && contains(rule.Resources, "secrets", "*")
}

// contains reports whether list holds one of values.
func contains(list []string, values ...string) bool {
	for _, l := range list {
		for _, v := range values {
			if l == v {
				return true
			}
		}
	}
	return false
}

// readRepoFile reads a file relative to the repository root.
func readRepoFile(t *testing.T, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, p))
	if err != nil {
		t.Fatal(err)
	}
	return data
}
