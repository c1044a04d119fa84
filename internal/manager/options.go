// Package manager holds the manager's settings that main and the tests share: which objects its
// cache holds (namespaces, shard selector, without managedFields) and its leader election lease.
package manager

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// LeaderElectionID is the lease of the unsharded manager; a shard's lease adds its selector's
// hash, so that each shard elects its own leader.
const LeaderElectionID = "galleryimage-operator.compute.azgallery.io"

// CacheOptions restricts the cache to the watched namespaces (comma-separated, empty for all)
// and to the objects of the shard selector (a label selector such as
// "sharding.compute.azgallery.io/key=shard1", or "!sharding.compute.azgallery.io/key" for the
// unsharded manager), and strips managedFields, which the operator never reads, from cached
// objects.
func CacheOptions(namespaces, selector string) (cache.Options, error) {
	opts := cache.Options{DefaultTransform: cache.TransformStripManagedFields()}
	for _, ns := range strings.Split(namespaces, ",") {
		if ns = strings.TrimSpace(ns); ns != "" {
			if opts.DefaultNamespaces == nil {
				opts.DefaultNamespaces = map[string]cache.Config{}
			}
			opts.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	if strings.TrimSpace(selector) != "" {
		sel, err := labels.Parse(selector)
		if err != nil {
			return cache.Options{}, fmt.Errorf("--watch-label-selector %q: %w", selector, err)
		}
		opts.DefaultLabelSelector = sel
	}
	return opts, nil
}

// ClientOptions makes the manager's reads wait for its own writes: a Get from the cache returns
// the object no older than the manager's last write of it. Without this, a reconcile that starts
// before the watch delivered the previous reconcile's finalizer or status write sees the object
// as it was before, and writes again (seen under load: a second finalizer PATCH, refused with a
// conflict, then a second status write). controller-runtime supports it for a cache of one
// namespace or all of them, not for several, where the reads are as before.
func ClientOptions(namespaces string) client.Options {
	watched := 0
	for _, ns := range strings.Split(namespaces, ",") {
		if strings.TrimSpace(ns) != "" {
			watched++
		}
	}
	return client.Options{Cache: &client.CacheOptions{EnableReadYourWritesConsistency: ptr.To(watched <= 1)}}
}

// ShardLeaderElectionID is the lease name of the manager of a shard selector.
func ShardLeaderElectionID(selector string) string {
	if strings.TrimSpace(selector) == "" {
		return LeaderElectionID
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(selector)))
	return "shard-" + hex.EncodeToString(sum[:5]) + "." + LeaderElectionID
}
