package gallery

import (
	"fmt"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/reconcile"
)

// Reasons of the sharing actions.
const (
	ReasonSharing           = "Sharing"
	ReasonUnsharing         = "Unsharing"
	ReasonEnablingCommunity = "EnablingCommunity"
)

// NextSharingAction is the next share action (POST .../share) that brings Azure's sharing
// groups to the desired ones: Reset when the gallery is to be private and Azure's is not, else
// Remove what Azure has beyond the groups, then Add what it lacks, then enable community sharing
// when it is wanted and not yet enabled. nil when Azure matches.
func NextSharingAction(desired, existing *armcompute.Gallery) *reconcile.Action {
	want, have := normalize(desired), normalize(existing)
	if want.Permissions == private && have.Permissions != private {
		return ResetSharing("Making the gallery private (share action Reset; Azure has permissions " + have.Permissions + ")")
	}
	if extra := difference(have.Groups, want.Groups); len(extra) > 0 {
		return &reconcile.Action{Kind: v1alpha1.OperationShare, Reason: ReasonUnsharing,
			Message: "Removing sharing groups from the gallery: " + describe(extra),
			Body:    update(armcompute.SharingUpdateOperationTypesRemove, extra, existing)}
	}
	if missing := difference(want.Groups, have.Groups); len(missing) > 0 {
		return &reconcile.Action{Kind: v1alpha1.OperationShare, Reason: ReasonSharing,
			Message: "Sharing the gallery with " + describe(missing),
			Body:    update(armcompute.SharingUpdateOperationTypesAdd, missing, desired)}
	}
	if want.Permissions == strings.ToLower(string(armcompute.GallerySharingPermissionTypesCommunity)) && !communityEnabled(existing) {
		op := armcompute.SharingUpdateOperationTypesEnableCommunity
		return &reconcile.Action{Kind: v1alpha1.OperationShare, Reason: ReasonEnablingCommunity,
			Message: "Enabling community sharing of the gallery", Body: armcompute.SharingUpdate{OperationType: &op}}
	}
	return nil
}

// ResetSharing is the share action Reset: no groups, no community sharing, permissions Private.
func ResetSharing(message string) *reconcile.Action {
	op := armcompute.SharingUpdateOperationTypesReset
	return &reconcile.Action{Kind: v1alpha1.OperationShare, Reason: ReasonUnsharing, Message: message,
		Body: armcompute.SharingUpdate{OperationType: &op}}
}

// difference returns the ids of a that b lacks, by type; nil when none.
func difference(a, b map[string][]string) map[string][]string {
	out := map[string][]string{}
	for t, ids := range a {
		for _, id := range ids {
			if !slices.Contains(b[t], id) {
				out[t] = append(out[t], id)
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// update builds a share action's body for the ids by type, spelling each type and id as it
// appears in spelling (the side they come from), since the sets are lower-cased.
func update(op armcompute.SharingUpdateOperationTypes, ids map[string][]string, spelling *armcompute.Gallery) armcompute.SharingUpdate {
	u := armcompute.SharingUpdate{OperationType: &op}
	for _, t := range sortedKeys(ids) {
		var spelled []string
		for _, id := range ids[t] {
			spelled = append(spelled, spellingOf(spelling, id))
		}
		u.Groups = append(u.Groups, group(typeSpelling(t), spelled))
	}
	return u
}

// spellingOf finds id as g spells it (ids are compared without case).
func spellingOf(g *armcompute.Gallery, id string) string {
	if g.Properties != nil && g.Properties.SharingProfile != nil {
		for _, grp := range g.Properties.SharingProfile.Groups {
			if grp == nil { // a null group in Azure's JSON
				continue
			}
			for _, s := range grp.IDs {
				if strings.EqualFold(azure.StrOf(s), id) {
					return *s
				}
			}
		}
	}
	return id
}

// typeSpelling is Azure's spelling of a lower-cased group type.
func typeSpelling(t string) string {
	for _, v := range armcompute.PossibleSharingProfileGroupTypesValues() {
		if strings.EqualFold(string(v), t) {
			return string(v)
		}
	}
	return t
}

func describe(ids map[string][]string) string {
	var parts []string
	for _, t := range sortedKeys(ids) {
		parts = append(parts, fmt.Sprintf("%s %s", typeSpelling(t), strings.Join(ids[t], ", ")))
	}
	return strings.Join(parts, "; ")
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// communityEnabled reports whether Azure says community sharing is on.
func communityEnabled(g *armcompute.Gallery) bool {
	if g.Properties == nil || g.Properties.SharingProfile == nil || g.Properties.SharingProfile.CommunityGalleryInfo == nil {
		return false
	}
	e := g.Properties.SharingProfile.CommunityGalleryInfo.CommunityGalleryEnabled
	return e != nil && *e
}
