package controllers_test

import (
	"fmt"
	"testing"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/manager"
	"github.com/azgallery/gallery-operator/internal/reconcile"
)

const shardLabel = "sharding.compute.azgallery.io/key"

// TestShardsWriteDisjointObjects runs two managers on one control plane, one per shard, each
// with its own Azure principal, and checks that every object is written by exactly one of them:
// the one of its shard.
func TestShardsWriteDisjointObjects(t *testing.T) {
	withCredentials := func(clientID, secret string) func(*reconcile.Options) {
		return func(o *reconcile.Options) {
			o.DefaultCredentials = azure.Credentials{TenantID: azureEnv.tenant, ClientID: clientID, ClientSecret: secret,
				SubscriptionID: azureEnv.subscription}
		}
	}
	startShardManager(t, shardLabel+"=shard1", withCredentials(azureEnv.clientID, azureEnv.defaultCredentials().ClientSecret))
	startShardManager(t, shardLabel+"=shard2", withCredentials(secondClientID, secondClientSecret))
	ns := newNamespace(t)
	owner := map[string]string{}
	var images []*v1alpha1.GalleryImage
	for i := range 6 {
		shard, client := "shard1", azureEnv.clientID
		if i%2 == 1 {
			shard, client = "shard2", secondClientID
		}
		img := newImage(ns, fmt.Sprintf("sharded-%d", i))
		img.Labels = map[string]string{shardLabel: shard}
		createImage(t, img)
		owner[imagePath(img)] = client
		images = append(images, img)
	}
	for _, img := range images {
		waitReady(t, img, readyTimeout)
		path := imagePath(img)
		puts := azureEnv.requestsFor(t, "PUT", path)
		if len(puts) != 1 {
			t.Errorf("%s: %d PUTs, want exactly 1", img.Name, len(puts))
		}
		for _, r := range azureEnv.requestsFor(t, "", path) {
			if r.ClientID != owner[path] {
				t.Errorf("%s of shard %s was reached by principal %s, not its shard's %s", img.Name, img.Labels[shardLabel], r.ClientID, owner[path])
			}
		}
	}
	if manager.ShardLeaderElectionID(shardLabel+"=shard1") == manager.ShardLeaderElectionID(shardLabel+"=shard2") ||
		manager.ShardLeaderElectionID("") != manager.LeaderElectionID {
		t.Error("shards do not elect their own leaders")
	}
}
