package application

import (
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/azgallery/gallery-operator/internal/azure"
)

// Custom actions, which application definitions and application versions both have.

// defaultParameterType is the type of a custom action parameter that names none.
const defaultParameterType = string(armcompute.GalleryApplicationCustomActionParameterTypeString)

// NormalAction is a custom action in its normal form.
type NormalAction struct {
	Name        string            `json:"name"`
	Script      string            `json:"script"`
	Description string            `json:"description"`
	Parameters  []NormalParameter `json:"parameters"`
}

// NormalParameter is a custom action's parameter in its normal form.
type NormalParameter struct {
	Name         string `json:"name"`
	Required     bool   `json:"required"`
	Type         string `json:"type"`
	DefaultValue string `json:"defaultValue"`
	Description  string `json:"description"`
}

// NormalActions is the normal form of custom actions: sorted by name (Azure identifies them by
// name), each one's parameters sorted by name, required unset as false, a type unset as String
// and lower-cased; nil when there are none.
func NormalActions(actions []*armcompute.GalleryApplicationCustomAction) []NormalAction {
	var out []NormalAction
	for _, a := range actions {
		if a == nil {
			continue
		}
		n := NormalAction{Name: azure.StrOf(a.Name), Script: azure.StrOf(a.Script), Description: azure.StrOf(a.Description)}
		for _, p := range a.Parameters {
			if p != nil {
				n.Parameters = append(n.Parameters, NormalParameter{Name: azure.StrOf(p.Name), Required: azure.ValueOr(p.Required, false),
					Type:         strings.ToLower(azure.StrOrDefault(p.Type, defaultParameterType)),
					DefaultValue: azure.StrOf(p.DefaultValue), Description: azure.StrOf(p.Description)})
			}
		}
		slices.SortStableFunc(n.Parameters, func(a, b NormalParameter) int { return strings.Compare(a.Name, b.Name) })
		out = append(out, n)
	}
	slices.SortStableFunc(out, func(a, b NormalAction) int { return strings.Compare(a.Name, b.Name) })
	return out
}
