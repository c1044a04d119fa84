package main

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// TestInstallYAML renders install.yaml as the release does and checks it is config/default, object
// for object, with the manager running the released image pinned by tag and digest.
func TestInstallYAML(t *testing.T) {
	const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	out, err := installYAML("../../config/default", "registry.example.com/gallery-operator", "v1.2.3", digest)
	if err != nil {
		t.Fatal(err)
	}
	base, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), "../../config/default")
	if err != nil {
		t.Fatal(err)
	}
	docs := strings.Split(string(out), "\n---\n")
	if len(docs) != base.Size() {
		t.Errorf("install.yaml has %d objects, config/default %d", len(docs), base.Size())
	}
	var images []string
	for _, d := range docs {
		var o struct {
			Kind string `json:"kind"`
			Spec struct {
				Template struct {
					Spec struct {
						Containers []struct {
							Name  string `json:"name"`
							Image string `json:"image"`
						} `json:"containers"`
					} `json:"spec"`
				} `json:"template"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal([]byte(d), &o); err != nil {
			t.Fatal(err)
		}
		for _, c := range o.Spec.Template.Spec.Containers {
			images = append(images, o.Kind+"/"+c.Name+"="+c.Image)
		}
	}
	want := "Deployment/manager=registry.example.com/gallery-operator:v1.2.3@" + digest
	if len(images) != 1 || images[0] != want {
		t.Errorf("containers %v, want [%s]", images, want)
	}
}
