// Package replication is what the version kinds (image versions, application versions) share:
// their replication to target regions. It normalises and compares the replication part of their
// publishing profiles, completes a PUT with what Azure needs repeated, records the replication
// Azure reports, and follows it until every region is done (reconcile.LongRunning).
package replication

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/azgallery/gallery-operator/internal/azure"
)

// Profile is the replication part of a version's publishing profile, in the SDK's types: the
// fields armcompute's GalleryImageVersionPublishingProfile and
// GalleryApplicationVersionPublishingProfile share.
type Profile struct {
	TargetRegions      []*armcompute.TargetRegion
	ReplicaCount       *int32
	ExcludeFromLatest  *bool
	EndOfLifeDate      *time.Time
	StorageAccountType *armcompute.StorageAccountType
	ReplicationMode    *armcompute.ReplicationMode
}

// Normal is the user-controlled part of a Profile with Azure's normalisations applied. A kind
// embeds it in its own normal form, whose JSON its hash covers: fields are never reordered.
type Normal struct {
	Regions            map[string]NormalRegion `json:"regions"`
	ReplicaCount       *int32                  `json:"replicaCount"`
	ExcludeFromLatest  bool                    `json:"excludeFromLatest"`
	EndOfLifeDate      string                  `json:"endOfLifeDate"`
	StorageAccountType string                  `json:"storageAccountType"`
	ReplicationMode    string                  `json:"replicationMode"`
}

// NormalRegion is one target region; pointer fields are compared only when the spec sets them.
type NormalRegion struct {
	Replicas          *int32 `json:"replicas"`
	StorageType       string `json:"storageType"`
	ExcludeFromLatest bool   `json:"excludeFromLatest"`
	Encryption        string `json:"encryption"`
}

// NormalOf is the normal form of a desired profile (nil: none).
func NormalOf(p *Profile) Normal { return normalize(p, nil, false) }

// NormalLike is the normal form of Azure's profile p as the desired profile like sees it: what
// like leaves unset is blanked, so that Azure's defaults compare equal to "unset".
func NormalLike(p, like *Profile) Normal { return normalize(p, like, true) }

func normalize(p, like *Profile, liking bool) Normal {
	var n Normal
	if p != nil {
		n = Normal{Regions: normalRegions(p.TargetRegions, like), ReplicaCount: p.ReplicaCount,
			ExcludeFromLatest:  azure.ValueOr(p.ExcludeFromLatest, false),
			StorageAccountType: strings.ToLower(azure.StrOf(p.StorageAccountType)),
			ReplicationMode:    strings.ToLower(azure.StrOf(p.ReplicationMode))}
		if p.EndOfLifeDate != nil {
			n.EndOfLifeDate = p.EndOfLifeDate.UTC().Format(time.RFC3339Nano)
		}
	}
	if liking && (like == nil || like.TargetRegions == nil) {
		n.Regions = nil // Azure's default: the version's own region
	}
	return n
}

// normalRegions keys target regions by canonical name. like (the desired profile) decides which
// optional fields count.
func normalRegions(regions []*armcompute.TargetRegion, like *Profile) map[string]NormalRegion {
	out := map[string]NormalRegion{}
	for _, r := range regions {
		if r == nil {
			continue
		}
		name := azure.CanonicalLocation(azure.StrOf(r.Name))
		nr := NormalRegion{Replicas: r.RegionalReplicaCount, StorageType: strings.ToLower(azure.StrOf(r.StorageAccountType)),
			ExcludeFromLatest: azure.ValueOr(r.ExcludeFromLatest, false)}
		if r.Encryption != nil {
			b, _ := json.Marshal(r.Encryption)
			nr.Encryption = string(b)
		}
		if like != nil {
			want := findRegion(like.TargetRegions, name)
			if want == nil || want.RegionalReplicaCount == nil {
				nr.Replicas = nil
			}
			if want == nil || want.StorageAccountType == nil {
				nr.StorageType = ""
			}
			if want == nil || want.Encryption == nil {
				nr.Encryption = ""
			}
		}
		out[name] = nr
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func findRegion(regions []*armcompute.TargetRegion, name string) *armcompute.TargetRegion {
	for _, r := range regions {
		if r != nil && azure.CanonicalLocation(azure.StrOf(r.Name)) == azure.CanonicalLocation(name) {
			return r
		}
	}
	return nil
}

// Diff names the replication properties in which e (NormalLike) differs from d (NormalOf).
// Updatable properties (target regions and their replica counts, excludeFromLatest,
// endOfLifeDate) differ whenever their normalised values do; what the spec leaves unset and
// Azure defaults (replica count, storage type, replication mode) only when the spec sets it.
func Diff(d, e Normal) []string {
	var out []string
	add := func(name string, differs bool) {
		if differs {
			out = append(out, "properties.publishingProfile."+name)
		}
	}
	add("targetRegions", !reflect.DeepEqual(d.Regions, e.Regions))
	add("replicaCount", d.ReplicaCount != nil && !reflect.DeepEqual(d.ReplicaCount, e.ReplicaCount))
	add("excludeFromLatest", d.ExcludeFromLatest != e.ExcludeFromLatest)
	add("endOfLifeDate", d.EndOfLifeDate != e.EndOfLifeDate)
	add("storageAccountType", d.StorageAccountType != "" && d.StorageAccountType != e.StorageAccountType)
	add("replicationMode", d.ReplicationMode != "" && d.ReplicationMode != e.ReplicationMode)
	return out
}

// Repeat completes want, a PUT's profile over the existing have, with what Azure needs the request
// to repeat: the storage account types and replication mode it holds, which the spec may leave
// unset and Azure refuses to see change. The target regions are copies; want's are not changed.
func Repeat(want, have Profile) Profile {
	if want.StorageAccountType == nil {
		want.StorageAccountType = have.StorageAccountType
	}
	if want.ReplicationMode == nil {
		want.ReplicationMode = have.ReplicationMode
	}
	if want.TargetRegions != nil { // none stays none (Azure's default: the version's location), not []
		regions := make([]*armcompute.TargetRegion, 0, len(want.TargetRegions))
		for _, r := range want.TargetRegions {
			r := *r
			if old := findRegion(have.TargetRegions, azure.StrOf(r.Name)); old != nil && r.StorageAccountType == nil {
				r.StorageAccountType = old.StorageAccountType
			}
			regions = append(regions, &r)
		}
		want.TargetRegions = regions
	}
	return want
}
