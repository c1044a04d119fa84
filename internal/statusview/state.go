package statusview

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The states a node shows, from its conditions (Ready, and Reconciling and Stalled when True).
const (
	StateReady       = "Ready"       // Ready=True for the current generation
	StateReconciling = "Reconciling" // the operator is working towards the spec
	StateStalled     = "Stalled"     // only a change by the user can make progress
	StateNotReady    = "NotReady"    // Ready is False or Unknown, neither reconciling nor stalled
	StatePending     = "Pending"     // the operator has not reported on this generation yet
	StateDeleting    = "Deleting"    // the object is being deleted
	StateMissing     = "Missing"     // no such object: its children name it
)

// cond is one status condition.
type cond struct {
	status, reason, message string
	observedGeneration      int64
}

// condition is the status condition of type t, nil when absent.
func condition(obj *unstructured.Unstructured, t string) *cond {
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if !ok || m["type"] != t {
			continue
		}
		out := &cond{}
		out.status, _, _ = unstructured.NestedString(m, "status")
		out.reason, _, _ = unstructured.NestedString(m, "reason")
		out.message, _, _ = unstructured.NestedString(m, "message")
		out.observedGeneration, _, _ = unstructured.NestedInt64(m, "observedGeneration")
		return out
	}
	return nil
}

// state sums up obj's conditions: being deleted first, then Stalled, Reconciling, a Ready
// condition not yet about the current generation (Pending), and Ready itself.
func state(obj *unstructured.Unstructured) string {
	if obj.GetDeletionTimestamp() != nil {
		return StateDeleting
	}
	if c := condition(obj, "Stalled"); c != nil && c.status == "True" {
		return StateStalled
	}
	if c := condition(obj, "Reconciling"); c != nil && c.status == "True" {
		return StateReconciling
	}
	ready := condition(obj, "Ready")
	switch {
	case ready == nil || ready.observedGeneration < obj.GetGeneration():
		return StatePending
	case ready.status == "True":
		return StateReady
	}
	return StateNotReady
}
