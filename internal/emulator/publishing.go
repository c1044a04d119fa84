package emulator

import (
	"fmt"
	"net/http"
	"strings"
)

// The publishing and safety profiles shared by image versions and application versions
// (GalleryArtifactPublishingProfileBase, GalleryArtifactSafetyProfileBase): target regions with
// their defaults, replica counts, storage account type, replication mode, end of life.

// targetRegion is TargetRegion.
type targetRegion struct {
	Name                  string           `json:"name"`
	RegionalReplicaCount  *int32           `json:"regionalReplicaCount,omitempty"`
	StorageAccountType    string           `json:"storageAccountType,omitempty"`
	Encryption            map[string]any   `json:"encryption,omitempty"`
	ExcludeFromLatest     *bool            `json:"excludeFromLatest,omitempty"`
	AdditionalReplicaSets []map[string]any `json:"additionalReplicaSets,omitempty"`
}

// publishingProfile is GalleryArtifactPublishingProfileBase.
type publishingProfile struct {
	TargetRegions           []targetRegion   `json:"targetRegions,omitempty"`
	ReplicaCount            *int32           `json:"replicaCount,omitempty"`
	ExcludeFromLatest       *bool            `json:"excludeFromLatest,omitempty"`
	PublishedDate           string           `json:"publishedDate,omitempty"`
	EndOfLifeDate           string           `json:"endOfLifeDate,omitempty"`
	StorageAccountType      string           `json:"storageAccountType,omitempty"`
	ReplicationMode         string           `json:"replicationMode,omitempty"`
	TargetExtendedLocations []map[string]any `json:"targetExtendedLocations,omitempty"`
}

// artifactSafety is GalleryArtifactSafetyProfileBase.
type artifactSafety struct {
	AllowDeletionOfReplicatedLocations *bool `json:"allowDeletionOfReplicatedLocations,omitempty"`
}

// Enum values of the publishing profile.
var (
	storageAccountTypes = []string{"Standard_LRS", "Standard_ZRS", "Premium_LRS", "PremiumV2_LRS"}
	replicationModes    = []string{"Full", "Shallow"}
)

// maxReplicas is the documented limit of replicas per image version and
// region (Azure Compute Gallery limits: "100 replicas per image version").
const maxReplicas = 100

// i32 returns a pointer to v.
func i32(v int32) *int32 { return &v }

// boolp returns a pointer to v.
func boolp(v bool) *bool { return &v }

// replicaCountOK checks a replica count: 1 to maxReplicas. Azure names the
// parameter galleryArtifactVersion.properties.publishingProfile... without
// an index and calls it "out of range" (quoted in
// hashicorp/terraform-provider-azurerm#12332).
func replicaCountOK(name string, n int32) *apiError {
	if n < 1 || n > maxReplicas {
		if i := strings.Index(name, "["); i >= 0 {
			name = name[:i] + name[strings.Index(name, "]")+1:]
		}
		param := "galleryArtifactVersion.properties." + name
		return errf(http.StatusBadRequest, "InvalidParameter",
			"The value %d of parameter '%s' is out of range. The value must be between 1 and %d, inclusive.",
			n, param, maxReplicas).withTarget(param)
	}
	return nil
}

// normalizePublishing validates a version's publishing profile (of type typ, in the canonical
// location loc, written shownLoc in the request) and applies Azure's defaults: replicaCount 1,
// storageAccountType Standard_LRS, excludeFromLatest false, one target region (the version's
// location) when none is given, each region's regionalReplicaCount/storageAccountType/
// excludeFromLatest. Target regions are returned by display name ("eastus2" sent comes back as
// "East US 2", recorded by the Python SDK).
func normalizePublishing(typ *resourceType, pp *publishingProfile, loc, shownLoc string) *apiError {
	pp.PublishedDate = ""
	if pp.ExcludeFromLatest == nil {
		pp.ExcludeFromLatest = boolp(false) // Azure returns the default (recorded by the Python SDK)
	}
	if pp.ReplicaCount == nil {
		pp.ReplicaCount = i32(1)
	}
	if e := replicaCountOK("publishingProfile.replicaCount", *pp.ReplicaCount); e != nil {
		return e
	}
	if pp.StorageAccountType == "" {
		pp.StorageAccountType = "Standard_LRS"
	}
	if e := enumProp(typ, "publishingProfile.storageAccountType", &pp.StorageAccountType, storageAccountTypes); e != nil {
		return e
	}
	if e := enumProp(typ, "publishingProfile.replicationMode", &pp.ReplicationMode, replicationModes); e != nil {
		return e
	}
	if len(pp.TargetRegions) == 0 {
		pp.TargetRegions = []targetRegion{{Name: loc}}
	}
	names := map[string]bool{}
	var display []string
	for i := range pp.TargetRegions {
		display = append(display, pp.TargetRegions[i].Name) // as sent
		c, e := normalizeTargetRegion(typ, pp, i)
		if e != nil {
			return e
		}
		if names[c] {
			return invalidProp(typ, "publishingProfile.targetRegions", "Duplicate regions are not allowed in target publishing regions.")
		}
		names[c] = true
	}
	if !names[loc] {
		kind := strings.TrimPrefix(typ.label, "gallery ")
		return invalidProp(typ, "publishingProfile.targetRegions",
			"Gallery %s publishing profile regions '%s' must contain the location of %s '%s'.",
			kind, strings.Join(display, ", "), kind, shownLoc)
	}
	return nil
}

// normalizeTargetRegion validates target region i and applies its defaults; it returns the
// region's canonical name.
func normalizeTargetRegion(typ *resourceType, pp *publishingProfile, i int) (string, *apiError) {
	r := &pp.TargetRegions[i]
	name := fmt.Sprintf("publishingProfile.targetRegions[%d]", i)
	if strings.TrimSpace(r.Name) == "" {
		return "", missingProp(typ, name+".name")
	}
	c, e := checkLocation(r.Name, typ.armType())
	if e != nil {
		return "", e.withTarget(propPath(typ, name+".name"))
	}
	r.Name = displayLocation(c)
	if r.RegionalReplicaCount == nil {
		r.RegionalReplicaCount = i32(*pp.ReplicaCount)
	}
	if e := replicaCountOK(name+".regionalReplicaCount", *r.RegionalReplicaCount); e != nil {
		return "", e
	}
	if r.StorageAccountType == "" {
		r.StorageAccountType = pp.StorageAccountType
	}
	if e := enumProp(typ, name+".storageAccountType", &r.StorageAccountType, storageAccountTypes); e != nil {
		return "", e
	}
	if r.ExcludeFromLatest == nil {
		r.ExcludeFromLatest = boolp(false)
	}
	return c, nil
}

// regionNames returns the target regions. names.
func (pp *publishingProfile) regionNames() []string {
	out := make([]string, len(pp.TargetRegions))
	for i, r := range pp.TargetRegions {
		out[i] = r.Name
	}
	return out
}

// publishingChange returns the 409 for a change of what cannot change in a publishing profile:
// the replication mode and the storage account types.
func publishingChange(typ *resourceType, old, upd *publishingProfile) *apiError {
	mode := func(m string) string {
		if m == "" {
			return "Full"
		}
		return m
	}
	if mode(old.ReplicationMode) != mode(upd.ReplicationMode) {
		return propertyChange(typ, "publishingProfile.replicationMode")
	}
	if old.StorageAccountType != upd.StorageAccountType {
		return propertyChange(typ, "publishingProfile.storageAccountType")
	}
	for _, or := range old.TargetRegions {
		for i, r := range upd.TargetRegions {
			if canonicalLocation(r.Name) == canonicalLocation(or.Name) && r.StorageAccountType != or.StorageAccountType {
				return propertyChange(typ, fmt.Sprintf("publishingProfile.targetRegions[%d].storageAccountType", i))
			}
		}
	}
	return nil
}

// checkPublishingWrite applies the rules of a version write that compare with the stored version
// (old, nil on create): immutable publishing properties, removal of replicated regions without
// allowDeletion, a new end of life date in the future. label names the version in messages.
func checkPublishingWrite(typ *resourceType, old *replication, oldPP, pp *publishingProfile, allowDeletion bool, label string) *apiError {
	oldEOL := ""
	if oldPP != nil {
		if e := publishingChange(typ, oldPP, pp); e != nil {
			return e
		}
		if e := old.checkRemoval(typ, pp.regionNames(), allowDeletion, "publishingProfile.targetRegions",
			"safetyProfile.allowDeletionOfReplicatedLocations", label); e != nil {
			return e
		}
		oldEOL = oldPP.EndOfLifeDate
	}
	return endOfLife(typ, "publishingProfile.endOfLifeDate", &pp.EndOfLifeDate, oldEOL, label)
}
