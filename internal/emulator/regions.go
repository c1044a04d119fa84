package emulator

import (
	"net/http"
	"slices"
	"strings"
)

// regionDisplayNames maps the canonical names of the Azure regions the
// emulator accepts to their display names (as Microsoft.Compute's provider
// listing, recorded in Azure PowerShell's session records, spells them).
// Azure returns a version's target regions by display name: "eastus2" sent
// comes back as "East US 2" (recorded by the Python SDK).
var regionDisplayNames = map[string]string{
	"australiacentral": "Australia Central", "australiaeast": "Australia East",
	"australiasoutheast": "Australia Southeast", "brazilsouth": "Brazil South", "canadacentral": "Canada Central",
	"canadaeast": "Canada East", "centralindia": "Central India", "centralus": "Central US",
	"centraluseuap": "Central US EUAP", "eastasia": "East Asia", "eastus": "East US", "eastus2": "East US 2",
	"eastus2euap": "East US 2 EUAP", "francecentral": "France Central", "germanywestcentral": "Germany West Central",
	"israelcentral": "Israel Central", "italynorth": "Italy North", "japaneast": "Japan East",
	"japanwest": "Japan West", "koreacentral": "Korea Central", "koreasouth": "Korea South",
	"mexicocentral": "Mexico Central", "newzealandnorth": "New Zealand North", "northcentralus": "North Central US",
	"northeurope": "North Europe", "norwayeast": "Norway East", "polandcentral": "Poland Central",
	"qatarcentral": "Qatar Central", "southafricanorth": "South Africa North", "southcentralus": "South Central US",
	"southeastasia": "Southeast Asia", "southindia": "South India", "spaincentral": "Spain Central",
	"swedencentral": "Sweden Central", "switzerlandnorth": "Switzerland North", "uaenorth": "UAE North",
	"uksouth": "UK South", "ukwest": "UK West", "westcentralus": "West Central US", "westeurope": "West Europe",
	"westindia": "West India", "westus": "West US", "westus2": "West US 2", "westus3": "West US 3",
}

// regions are the canonical names of the accepted regions, sorted.
var regions = sortedRegionNames()

func sortedRegionNames() []string {
	out := make([]string, 0, len(regionDisplayNames))
	for c := range regionDisplayNames {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// regionNames returns the accepted region names.
func regionNames() []string { return regions }

// displayLocation returns a region's display name ("eastus2" → "East US 2"),
// or loc unchanged when the region is unknown.
func displayLocation(loc string) string {
	if d, ok := regionDisplayNames[canonicalLocation(loc)]; ok {
		return d
	}
	return loc
}

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
		if g := root.children[childKey(groupType, rt.rg)]; g != nil {
			return g.location
		}
	}
	return ""
}
