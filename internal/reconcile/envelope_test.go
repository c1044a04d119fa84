package reconcile

import (
	"strings"
	"testing"
)

// The core reads Azure's id and provisioningState from any ARM body (a body without a
// provisioningState reads ""), and refuses a body type without an id or properties at
// registration.
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
	type stateless struct {
		ID         *string
		Properties *struct{ Other *string }
	}
	env2, err := newEnvelope[stateless]()
	if err != nil || env2.HasState() || !env.HasState() {
		t.Fatalf("a body without provisioningState: %v, HasState %v (and %v for one with it)", err, env2.HasState(), env.HasState())
	}
	id := "/subscriptions/sub/x"
	if s := (&stateless{ID: &id, Properties: &struct{ Other *string }{}}); env2.ProvisioningState(s) != "" || env2.ID(s) != id {
		t.Errorf("a body without provisioningState reads state %q, id %q", env2.ProvisioningState(s), env2.ID(s))
	}
}

func TestEnvelopeRefusesNonARMBodies(t *testing.T) {
	type noID struct{ Properties *bodyProperties }
	type badState struct {
		ID         *string
		Properties *struct{ ProvisioningState int }
	}
	type flatState struct {
		ID                *string
		ProvisioningState *string
	}
	for name, err := range map[string]error{
		"noID":      second(newEnvelope[noID]()),
		"badState":  second(newEnvelope[badState]()),
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
