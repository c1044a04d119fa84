package statusview

import (
	"context"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
)

// Cluster reads the family's objects from a cluster: the kinds whose CRDs are installed.
type Cluster struct {
	dyn   dynamic.Interface
	kinds []Kind
}

// Connect finds which kinds of the family the cluster serves. Without the Gallery CRD there is
// nothing to show, which is an error.
func Connect(cfg *rest.Config) (*Cluster, error) {
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	served, err := disc.ServerResourcesForGroupVersion(v1alpha1.GroupVersion.String())
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("discovering %s: %w", v1alpha1.GroupVersion, err)
	}
	c := &Cluster{dyn: dyn}
	for _, k := range Kinds() {
		if served != nil && slices.ContainsFunc(served.APIResources, func(r metav1.APIResource) bool { return r.Name == k.Resource }) {
			c.kinds = append(c.kinds, k)
		}
	}
	if !slices.Contains(c.kinds, Root) {
		return nil, fmt.Errorf("the cluster does not serve %s.%s (%s): is the gallery operator's CRD installed?", Root.Resource, v1alpha1.GroupVersion.Group, v1alpha1.GroupVersion)
	}
	return c, nil
}

// List reads every installed kind's objects in namespace.
func (c *Cluster) List(ctx context.Context, namespace string) (Snapshot, error) {
	s := Snapshot{}
	for _, k := range c.kinds {
		list, err := c.dyn.Resource(k.GVR()).Namespace(namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, fmt.Errorf("listing %s in namespace %s: %w", k.Resource, namespace, err)
		}
		for i := range list.Items {
			s[k] = append(s[k], &list.Items[i])
		}
	}
	return s, nil
}

// Watch calls show with the objects in namespace once the watches have started, and again after
// each change, until ctx ends (nil) or show fails. Changes that come while show runs are one call.
func (c *Cluster) Watch(ctx context.Context, namespace string, show func(Snapshot) error) error {
	// A first list fails at once where the watches would only retry (no access, for example).
	if _, err := c.List(ctx, namespace); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	factory := dynamicinformer.NewFilteredDynamicSharedInformerFactory(c.dyn, 0, namespace, nil)
	defer factory.Shutdown() // after cancel, which stops the informers
	defer cancel()
	changed := make(chan struct{}, 1)
	notify := func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { notify() },
		UpdateFunc: func(any, any) { notify() },
		DeleteFunc: func(any) { notify() },
	}
	informers := map[Kind]cache.SharedIndexInformer{}
	for _, k := range c.kinds {
		inf := factory.ForResource(k.GVR()).Informer()
		if _, err := inf.AddEventHandler(handler); err != nil {
			return err
		}
		informers[k] = inf
	}
	factory.Start(ctx.Done())
	for _, synced := range factory.WaitForCacheSync(ctx.Done()) {
		if !synced {
			return nil // ctx ended
		}
	}
	for {
		select {
		case <-changed: // what the snapshot below holds
		default:
		}
		if err := show(snapshot(informers)); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		}
	}
}

// snapshot is what the informers hold now.
func snapshot(informers map[Kind]cache.SharedIndexInformer) Snapshot {
	s := Snapshot{}
	for k, inf := range informers {
		for _, o := range inf.GetStore().List() {
			if u, ok := o.(*unstructured.Unstructured); ok {
				s[k] = append(s[k], u)
			}
		}
	}
	return s
}
