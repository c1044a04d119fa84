package azure

import "testing"

func TestCanonicalLocation(t *testing.T) {
	for in, want := range map[string]string{
		"West US": "westus", "westus": "westus", "West Europe": "westeurope", "UK South 2": "uksouth2", "": "",
	} {
		if got := CanonicalLocation(in); got != want {
			t.Errorf("CanonicalLocation(%q) = %q, want %q", in, got, want)
		}
	}
}
