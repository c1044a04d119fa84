// Package importer reads existing Azure Compute Gallery resources and turns them into objects of
// this operator's kinds (Gallery, GalleryImage, GalleryImageVersion, GalleryApplication,
// GalleryApplicationVersion, GalleryInVMAccessControlProfile,
// GalleryInVMAccessControlProfileVersion), ready for kubectl apply or a Git
// repository. Applying them adopts the resources: the first reconcile finds Azure already
// matching and writes nothing.
//
// Each kind is one mapping (gallery.go, image.go, version.go, application.go, profile.go): how to list its Azure resources under a parent
// and how to turn one into an object with only the fields the user controls. The importer walks
// the kinds level by level (galleries, then their image and application definitions, then their versions), naming each level's
// objects before the next level references them.
package importer

import (
	"context"
	"errors"
	"fmt"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"slices"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
)

// Options say what to import and how to write it.
type Options struct {
	// SubscriptionID to read (required).
	SubscriptionID string
	// ResourceGroup limits the import to one resource group; empty imports the whole subscription.
	ResourceGroup string
	// Gallery limits the import to one gallery (matched without case); empty imports every gallery.
	Gallery string
	// Namespace of the objects; empty leaves metadata.namespace unset.
	Namespace string
	// DeletionPolicy of the objects; empty means Orphan.
	DeletionPolicy v1alpha1.DeletionPolicy
	// ManagementPolicy of the objects; empty leaves spec.managementPolicy unset (the operator's
	// default). Observe imports galleries to watch without ever writing to them.
	ManagementPolicy v1alpha1.ManagementPolicy
	// SkipKinds are kinds not to import (with the kinds below them), e.g. "GalleryImageVersion"
	// when versions are published by pipelines rather than kept in Git.
	SkipKinds []string
	// OmitSubscriptionID leaves spec.subscriptionId out of the Galleries, so that they use the
	// manager's default subscription.
	OmitSubscriptionID bool
}

// Node is one Azure resource found by the import and the object made from it.
type Node struct {
	// Kind is the object's kind, e.g. "GalleryImage".
	Kind string
	// Ref locates the resource in Azure.
	Ref Ref
	// Body is the resource as Azure returned it (an armcompute model, per kind).
	Body any
	// Parent is the node of the parent resource (nil for a gallery).
	Parent *Node
	// Object is the object made from Body, named; set once the node's level is named.
	Object client.Object
	// Warnings are what the user should know about this resource's import.
	Warnings []string
}

// AzureName is the resource's own name in Azure.
func (n *Node) AzureName() string { return n.Ref.Name() }

// mapping is one kind of the import: how to find its resources and how to map one to an object.
// Adding a kind (GalleryImageVersion, say) is one mapping, in the file of its family, listed in
// mappings.
type mapping interface {
	// kind is the object kind the mapping produces.
	kind() string
	// parentKind is the kind of the parent nodes, "" for the root kind (Gallery).
	parentKind() string
	// list reads the kind's resources under parent (nil for the root kind) and returns their
	// nodes, with Ref and Body set.
	list(ctx context.Context, c *azure.Connection, o Options, parent *Node) ([]*Node, error)
	// object maps n to its object named name in o.Namespace; n.Parent.Object is already set.
	// Warnings go to n.Warnings.
	object(n *Node, name string, o Options) (client.Object, error)
}

// namer is implemented by a mapping whose objects are not named after their Azure names alone
// (image versions, whose names "1.0.0" mean nothing without their image's).
type namer interface {
	// wantedName is the object name n should get, before collisions are resolved.
	wantedName(n *Node) string
}

// mappings are the kinds in the order they are walked: every kind's parent comes before it.
var mappings = []mapping{galleryMapping{}, imageMapping{}, versionMapping{}, applicationMapping{}, appVersionMapping{},
	profileMapping{}, profileVersionMapping{}}

// Run reads the resources o selects through c and returns their nodes, parents before children,
// each with its object.
func Run(ctx context.Context, c *azure.Connection, o Options) ([]*Node, error) {
	if o.SubscriptionID == "" {
		return nil, errors.New("no subscription: set --subscription or AZURE_SUBSCRIPTION_ID")
	}
	if o.DeletionPolicy == "" {
		o.DeletionPolicy = v1alpha1.DeletionPolicyOrphan
	}
	byKind := map[string][]*Node{}
	for _, m := range mappings {
		if slices.Contains(o.SkipKinds, m.kind()) {
			continue
		}
		var level []*Node
		parents := []*Node{nil}
		if m.parentKind() != "" {
			parents = byKind[m.parentKind()]
		}
		for _, p := range parents {
			nodes, err := m.list(azure.WithKind(ctx, m.kind()), c, o, p)
			if err != nil {
				return nil, err
			}
			for _, n := range nodes {
				n.Kind, n.Parent = m.kind(), p
			}
			level = append(level, nodes...)
		}
		slices.SortFunc(level, func(a, b *Node) int { return strings.Compare(sortKey(a), sortKey(b)) })
		names := assignNames(level, m)
		for i, n := range level {
			obj, err := m.object(n, names[i], o)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", m.kind(), n.Ref, err)
			}
			if err := setManagementPolicy(obj, o.ManagementPolicy); err != nil {
				return nil, fmt.Errorf("%s %s: %w", m.kind(), n.Ref, err)
			}
			n.Object = obj
		}
		byKind[m.kind()] = level
	}
	return ordered(byKind), nil
}

// sortKey orders nodes by their Azure path, without case.
func sortKey(n *Node) string { return strings.ToLower(n.Ref.String()) }

// ordered lists the nodes depth first: each root, then its children, recursively, in path order.
func ordered(byKind map[string][]*Node) []*Node {
	children := map[*Node][]*Node{}
	for _, m := range mappings {
		for _, n := range byKind[m.kind()] {
			children[n.Parent] = append(children[n.Parent], n)
		}
	}
	var out []*Node
	var walk func(p *Node)
	walk = func(p *Node) {
		for _, n := range children[p] {
			out = append(out, n)
			walk(n)
		}
	}
	walk(nil)
	return out
}

// retryable reports whether a failed read is worth repeating: throttling or a server error.
func retryable(err error) (bool, *azure.Error) {
	e := azure.Classify(err)
	return e != nil && (e.HTTPStatus == 429 || e.HTTPStatus >= 500), e
}

// setManagementPolicy sets spec.managementPolicy of any kind's object (none when p is empty).
func setManagementPolicy(obj client.Object, p v1alpha1.ManagementPolicy) error {
	if p == "" {
		return nil
	}
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return err
	}
	if err := unstructured.SetNestedField(u, string(p), "spec", "managementPolicy"); err != nil {
		return err
	}
	return runtime.DefaultUnstructuredConverter.FromUnstructured(u, obj)
}
