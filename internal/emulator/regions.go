package emulator

import (
	"net/http"
	"slices"
	"strings"
)

// regions are the canonical names of the public Azure regions the emulator
// accepts (display names such as "West US" canonicalize to these).
var regions = []string{
	"australiacentral", "australiaeast", "australiasoutheast", "brazilsouth", "canadacentral", "canadaeast",
	"centralindia", "centralus", "eastasia", "eastus", "eastus2", "francecentral", "germanywestcentral",
	"israelcentral", "italynorth", "japaneast", "japanwest", "koreacentral", "koreasouth", "mexicocentral",
	"newzealandnorth", "northcentralus", "northeurope", "norwayeast", "polandcentral", "qatarcentral",
	"southafricanorth", "southcentralus", "southeastasia", "southindia", "spaincentral", "swedencentral",
	"switzerlandnorth", "uaenorth", "uksouth", "ukwest", "westcentralus", "westeurope", "westindia",
	"westus", "westus2", "westus3",
}

// regionNames returns the accepted region names.
func regionNames() []string { return regions }

// canonicalLocation lowercases and removes spaces: "West US" → "westus".
func canonicalLocation(loc string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(loc), " ", ""))
}

// checkLocation validates a location for a resource type; it returns the
// canonical form or ARM's error.
func checkLocation(loc, resourceType string) (string, *apiError) {
	if strings.TrimSpace(loc) == "" {
		return "", errf(http.StatusBadRequest, "LocationRequired", "The location property is required for this definition.")
	}
	c := canonicalLocation(loc)
	if !slices.Contains(regions, c) {
		return "", errf(http.StatusBadRequest, "LocationNotAvailableForResourceType",
			"The provided location '%s' is not available for resource type '%s'. List of available regions for "+
				"the resource type is '%s'.", loc, resourceType, strings.Join(regions, ","))
	}
	return c, nil
}

// routeLocation returns the location of the route's resource group, for
// messages ("" when unknown).
func (s *Server) routeLocation(rt route) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if root := s.roots[strings.ToLower(rt.sub)]; root != nil {
		if g := root.children[strings.ToLower(rt.rg)]; g != nil {
			return g.location
		}
	}
	return ""
}
