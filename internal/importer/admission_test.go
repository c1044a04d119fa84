package importer

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/azgallery/gallery-operator/internal/testenv"
)

// TestImportedManifestsPassAdmission sends the manifest of every Azure body of the round-trip
// tests to a real kube-apiserver with the CRDs (schema and CEL rules), as a server-side dry-run
// create: what the importer writes must be accepted by kubectl apply as it is.
func TestImportedManifestsPassAdmission(t *testing.T) {
	env, cfg, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var nodes []*Node
	for _, body := range azureGalleries {
		n, _ := galleryNode(t, body, Options{})
		nodes = append(nodes, n)
	}
	for _, body := range azureImages {
		n, _ := imageNode(t, body)
		nodes = append(nodes, n)
	}
	for _, body := range azureVersions {
		n, _ := versionNode(t, body)
		nodes = append(nodes, n)
	}
	for _, body := range azureApplications {
		n, _ := applicationNode(t, body)
		nodes = append(nodes, n)
	}
	for _, body := range azureAppVersions {
		n, _ := appVersionNode(t, body)
		nodes = append(nodes, n)
	}
	for _, pbody := range azureProfiles {
		for _, vbody := range azureProfileVersions {
			p, _, v, _ := profileNodes(t, pbody, vbody)
			nodes = append(nodes, p, v)
		}
	}
	for _, n := range nodes {
		doc, err := Manifest(n)
		if err != nil {
			t.Fatal(err)
		}
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(doc, &u.Object); err != nil {
			t.Fatal(err)
		}
		u.SetNamespace("default")
		if err := c.Create(context.Background(), u, client.DryRunAll); err != nil {
			t.Errorf("the API server refuses the manifest of %s: %v\n%s", n.Ref, err, doc)
		}
	}
}
