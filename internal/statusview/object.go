package statusview

import (
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// What the view reads of an object, by field path: every kind of the family shares these fields
// (spec.azureName, spec.managementPolicy, the ARM status) and versions add their replication.

// str is the string at fields, "" when absent or not a string.
func str(obj *unstructured.Unstructured, fields ...string) string {
	s, _, _ := unstructured.NestedString(obj.Object, fields...)
	return s
}

// azureName is the object's Azure name: spec.azureName, else metadata.name.
func azureName(obj *unstructured.Unstructured) string {
	if n := str(obj, "spec", "azureName"); n != "" {
		return n
	}
	return obj.GetName()
}

// subscription is the object's subscription: spec.subscriptionId, else the one the operator
// recorded in status.subscriptionId when it wrote the resource; "" when not known.
func subscription(obj *unstructured.Unstructured) string {
	if s := str(obj, "spec", "subscriptionId"); s != "" {
		return s
	}
	return str(obj, "status", "subscriptionId")
}

// refName is the name of the parent object the child names with link's reference field, "" when
// it names its parent by path.
func refName(obj *unstructured.Unstructured, l Link) string {
	return str(obj, "spec", l.Ref, "name")
}

// azPath names an Azure resource: its subscription ("" when not known) and its names from the
// resource group down, for example resource group, gallery, image definition.
type azPath struct {
	sub   string
	names []string
}

// matches says whether p and q name the same resource. Azure names ignore case; subscriptions are
// compared only when both are known.
func (p azPath) matches(q azPath) bool {
	if len(p.names) != len(q.names) || p.sub != "" && q.sub != "" && !strings.EqualFold(p.sub, q.sub) {
		return false
	}
	for i := range p.names {
		if p.names[i] == "" || !strings.EqualFold(p.names[i], q.names[i]) {
			return false
		}
	}
	return true
}

// child is the path of the resource name below p.
func (p azPath) child(name string) azPath {
	return azPath{sub: p.sub, names: append(append([]string(nil), p.names...), name)}
}

// parent is the path of p's parent resource.
func (p azPath) parent() azPath { return azPath{sub: p.sub, names: p.names[:len(p.names)-1]} }

// pathFields is the path a child names its parent with, from its spec fields l.Path.
func pathFields(obj *unstructured.Unstructured, l Link) azPath {
	p := azPath{sub: subscription(obj)}
	for _, f := range l.Path {
		p.names = append(p.names, str(obj, "spec", f))
	}
	return p
}

// describe is the node of obj, without its children.
func describe(obj *unstructured.Unstructured, kind Kind) *Node {
	ready := condition(obj, "Ready")
	created := obj.GetCreationTimestamp()
	n := &Node{
		Kind: kind.Name, Name: obj.GetName(), State: state(obj),
		Policy:            str(obj, "spec", "managementPolicy"),
		ProvisioningState: str(obj, "status", "provisioningState"),
		CreationTimestamp: &created,
		Replication:       replication(obj),
	}
	if ready != nil {
		n.Ready, n.Reason, n.Message = ready.status, ready.reason, ready.message
	}
	return n
}

// replication is a version's replication as its status reports it; nil for other kinds and
// before the first report.
func replication(obj *unstructured.Unstructured) *Replication {
	r := &Replication{Replicated: str(obj, "status", "replication"), AggregatedState: str(obj, "status", "replicationStatus", "aggregatedState")}
	summary, _, _ := unstructured.NestedSlice(obj.Object, "status", "replicationStatus", "summary")
	for _, s := range summary {
		m, ok := s.(map[string]any)
		if !ok {
			continue
		}
		region := Region{}
		region.Region, _, _ = unstructured.NestedString(m, "region")
		region.State, _, _ = unstructured.NestedString(m, "state")
		region.Details, _, _ = unstructured.NestedString(m, "details")
		region.Progress, _, _ = unstructured.NestedInt64(m, "progress")
		r.Regions = append(r.Regions, region)
	}
	if r.Replicated == "" && r.AggregatedState == "" && len(r.Regions) == 0 {
		return nil
	}
	return r
}
