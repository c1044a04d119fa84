package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// installYAML renders the kustomization in configDir (config/default) with the manager's image
// (named controller in config/manager) set to repo:tag@digest, as one YAML stream: what
// `kubectl apply -f install.yaml` installs for a release.
func installYAML(configDir, repo, tag, digest string) ([]byte, error) {
	// config/default refers to its siblings (../crd, ../manager ...): copy config/ into memory
	// beside the overlay, which kustomize wants as relative paths.
	mem := filesys.MakeFsInMemory()
	parent := filepath.Dir(filepath.Clean(configDir))
	err := filepath.WalkDir(parent, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(parent, path)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return mem.WriteFile(filepath.Join("/src", rel), b)
	})
	if err != nil {
		return nil, err
	}
	k := fmt.Sprintf("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ../src/%s\n"+
		"images:\n- name: controller\n  newName: %s\n  newTag: %q\n  digest: %s\n", filepath.Base(configDir), repo, tag, digest)
	if err := mem.WriteFile("/install/kustomization.yaml", []byte(k)); err != nil {
		return nil, err
	}
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(mem, "/install")
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", configDir, err)
	}
	return m.AsYaml()
}
