package reconcile

import (
	"strings"
	"testing"
)

// The core reads Azure's id and provisioningState from any ARM body, and refuses a body type
// that has none at registration.
func TestEnvelopeReadsARMBodies(t *testing.T) {
	env, err := newEnvelope[body]()
	if err != nil {
		t.Fatal(err)
	}
	b := newBody("d", "Succeeded")
	if got := env.ProvisioningState(b); got != "Succeeded" {
		t.Errorf("provisioningState %q, want Succeeded", got)
	}
	if got := env.ID(b); got != "/subscriptions/sub/id" {
		t.Errorf("id %q", got)
	}
	for name, b := range map[string]*body{"nil body": nil, "no properties": {}, "no state": {Properties: &bodyProperties{}}} {
		if env.ProvisioningState(b) != "" || env.ID(b) != "" {
			t.Errorf("%s: want empty id and state", name)
		}
	}
}

func TestEnvelopeRefusesNonARMBodies(t *testing.T) {
	type noID struct{ Properties *bodyProperties }
	type noState struct {
		ID         *string
		Properties *struct{ Other *string }
	}
	type flatState struct {
		ID                *string
		ProvisioningState *string
	}
	for name, err := range map[string]error{
		"noID":      second(newEnvelope[noID]()),
		"noState":   second(newEnvelope[noState]()),
		"flatState": second(newEnvelope[flatState]()),
	} {
		if err == nil || !strings.Contains(err.Error(), "not an ARM resource body") {
			t.Errorf("%s: error %v, want not an ARM resource body", name, err)
		}
	}
}

func TestKindOfNamesTheSchemeKind(t *testing.T) {
	if got := KindOf[*thing](thingScheme()); got != "Thing" {
		t.Errorf("KindOf = %q, want Thing (the scheme's kind)", got)
	}
	if got := KindOf[*thing](nil); got != "thing" {
		t.Errorf("KindOf without a scheme = %q, want the Go type's name", got)
	}
}

func second[T any](_ T, err error) error { return err }
