// Package manager holds the manager's settings that main and the tests share: which objects its
// cache holds (namespaces, shard selector, without managedFields) and its leader election lease.
package manager

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
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

// ShardLeaderElectionID is the lease name of the manager of a shard selector.
func ShardLeaderElectionID(selector string) string {
	if strings.TrimSpace(selector) == "" {
		return LeaderElectionID
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(selector)))
	return "shard-" + hex.EncodeToString(sum[:5]) + "." + LeaderElectionID
}
