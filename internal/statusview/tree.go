package statusview

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Node is one object of the tree, or a missing parent that its children name.
type Node struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Missing: no such object is in the namespace; its children name it.
	Missing bool `json:"missing,omitempty"`
	// LinkedBy is how the object names its parent: its reference field (galleryRef, imageRef, ...)
	// or "path" (its spec's resource group, gallery, ... names); empty for a tree's top.
	LinkedBy string `json:"linkedBy,omitempty"`
	// State sums up the conditions: Ready, Reconciling, Stalled, NotReady, Pending, Deleting or
	// Missing.
	State string `json:"state"`
	// Ready, Reason and Message are those of the Ready condition.
	Ready   string `json:"ready,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
	// Policy is spec.managementPolicy; empty: the operator's default (--default-management-policy).
	Policy            string       `json:"managementPolicy,omitempty"`
	ProvisioningState string       `json:"provisioningState,omitempty"`
	CreationTimestamp *metav1.Time `json:"creationTimestamp,omitempty"`
	Replication       *Replication `json:"replication,omitempty"`
	Children          []*Node      `json:"children,omitempty"`
}

// Replication is a version's replication: status.replication (regions completed / target
// regions), and status.replicationStatus's aggregated state and summary per region.
type Replication struct {
	Replicated      string   `json:"replicated,omitempty"`
	AggregatedState string   `json:"aggregatedState,omitempty"`
	Regions         []Region `json:"regions,omitempty"`
}

// Region is the replication to one region.
type Region struct {
	Region   string `json:"region"`
	State    string `json:"state,omitempty"`
	Progress int64  `json:"progress,omitempty"`
	Details  string `json:"details,omitempty"`
}

// Snapshot is the family's objects in one namespace, by kind. A kind whose CRD is not installed
// has no entry.
type Snapshot map[Kind][]*unstructured.Unstructured

// Build returns the tree of the Gallery name in the namespace the snapshot holds, or with name ""
// every Gallery's tree followed by the missing parents of the objects under none. A Gallery name
// that does not exist is a Missing node with the objects that reference it; found is false then.
func Build(s Snapshot, namespace, name string) (roots []*Node, found bool) {
	t := &tree{objs: sorted(s), namespace: namespace, paths: map[*unstructured.Unstructured]*azPath{}, placed: map[*unstructured.Unstructured]bool{}}
	if name != "" {
		if g := t.find(Root, name); g != nil {
			return []*Node{t.node(g, Root)}, true
		}
		return []*Node{t.missingRoot(name)}, false
	}
	for _, g := range t.objs[Root] {
		roots = append(roots, t.node(g, Root))
	}
	return append(roots, t.orphans()...), true
}

// tree builds nodes from a snapshot.
type tree struct {
	objs      Snapshot
	namespace string
	paths     map[*unstructured.Unstructured]*azPath // memo of pathOf
	placed    map[*unstructured.Unstructured]bool    // objects already in a node
}

// sorted copies s with each kind's objects in name order.
func sorted(s Snapshot) Snapshot {
	out := Snapshot{}
	for k, objs := range s {
		out[k] = append([]*unstructured.Unstructured(nil), objs...)
		sort.SliceStable(out[k], func(i, j int) bool { return lessName(out[k][i].GetName(), out[k][j].GetName()) })
	}
	return out
}

// find is the object of kind named name, nil when there is none.
func (t *tree) find(kind Kind, name string) *unstructured.Unstructured {
	for _, o := range t.objs[kind] {
		if o.GetName() == name {
			return o
		}
	}
	return nil
}

// pathOf is the Azure path of obj's resource; nil when it cannot be known (a reference to a
// missing parent on the way up).
func (t *tree) pathOf(obj *unstructured.Unstructured, kind Kind) *azPath {
	if p, ok := t.paths[obj]; ok {
		return p
	}
	var p *azPath
	l, ok := linkTo(kind)
	switch {
	case !ok:
		p = &azPath{sub: subscription(obj), names: []string{str(obj, "spec", "resourceGroupName"), azureName(obj)}}
	case refName(obj, l) != "":
		if parent := t.find(l.Parent, refName(obj, l)); parent != nil {
			if pp := t.pathOf(parent, l.Parent); pp != nil {
				c := pp.child(azureName(obj))
				p = &c
			}
		}
	default:
		c := pathFields(obj, l).child(azureName(obj))
		p = &c
	}
	t.paths[obj] = p
	return p
}

// belongs says whether child (of l.Child) names parent (of l.Parent).
func (t *tree) belongs(child, parent *unstructured.Unstructured, l Link) bool {
	if ref := refName(child, l); ref != "" {
		return ref == parent.GetName()
	}
	pp := t.pathOf(parent, l.Parent)
	return pp != nil && pp.matches(pathFields(child, l))
}

// parentExists says whether the object child (of l.Child) names is in the namespace.
func (t *tree) parentExists(child *unstructured.Unstructured, l Link) bool {
	for _, p := range t.objs[l.Parent] {
		if t.belongs(child, p, l) {
			return true
		}
	}
	return false
}

// node is obj's node with its subtree.
func (t *tree) node(obj *unstructured.Unstructured, kind Kind) *Node {
	t.placed[obj] = true
	n := describe(obj, kind)
	if l, ok := linkTo(kind); ok {
		n.LinkedBy = linkedBy(obj, l)
	}
	for _, l := range linksFrom(kind) {
		var children []*Node
		for _, c := range t.objs[l.Child] {
			if t.belongs(c, obj, l) {
				children = append(children, t.node(c, l.Child))
			}
		}
		children = append(children, t.missingChildren(obj, kind, l)...)
		sort.SliceStable(children, func(i, j int) bool { return lessName(children[i].Name, children[j].Name) })
		n.Children = append(n.Children, children...)
	}
	return n
}

// missingChildren are the Missing l.Child nodes below obj: l.Child resources of obj's that no
// object in the namespace is, named by path by their own children.
func (t *tree) missingChildren(obj *unstructured.Unstructured, kind Kind, l Link) []*Node {
	own := t.pathOf(obj, kind)
	if own == nil {
		return nil
	}
	byKey := map[string]*Node{}
	var out []*Node
	for _, gl := range linksFrom(l.Child) {
		for _, gc := range t.objs[gl.Child] {
			if refName(gc, gl) != "" || !own.matches(pathFields(gc, gl).parent()) || t.parentExists(gc, gl) {
				continue
			}
			key, name, message := t.missingParent(gc, gl)
			n := byKey[key]
			if n == nil {
				n = missing(l.Child, name, message)
				n.LinkedBy = "path"
				byKey[key] = n
				out = append(out, n)
			}
			n.Children = append(n.Children, t.node(gc, gl.Child))
		}
	}
	return out
}

// orphans are the Missing parents of the objects under no Gallery's tree, each with the objects
// that name it.
func (t *tree) orphans() []*Node {
	byKey := map[string]*Node{}
	var out []*Node
	for _, l := range Family {
		for _, o := range t.objs[l.Child] {
			if t.placed[o] || t.parentExists(o, l) {
				continue
			}
			key, name, message := t.missingParent(o, l)
			n := byKey[key]
			if n == nil {
				n = missing(l.Parent, name, message)
				byKey[key] = n
				out = append(out, n)
			}
			n.Children = append(n.Children, t.node(o, l.Child))
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		ki, kj := kindOrder(out[i].Kind), kindOrder(out[j].Kind)
		return ki < kj || ki == kj && lessName(out[i].Name, out[j].Name)
	})
	return out
}

// missingParent says which missing l.Parent obj names: a key the same for every child that names
// it, its name and a message saying why it is missing.
func (t *tree) missingParent(obj *unstructured.Unstructured, l Link) (key, name, message string) {
	if ref := refName(obj, l); ref != "" {
		return l.Parent.Name + "/ref/" + ref, ref, fmt.Sprintf("no %s %q in namespace %s", l.Parent.Name, ref, t.namespace)
	}
	p := pathFields(obj, l)
	fields := make([]string, 0, len(l.Path)+1)
	if p.sub != "" {
		fields = append(fields, "subscriptionId="+p.sub)
	}
	for i, f := range l.Path {
		fields = append(fields, f+"="+p.names[i])
	}
	key = l.Parent.Name + "/path/" + strings.ToLower(strings.Join(fields, ","))
	return key, p.names[len(p.names)-1],
		fmt.Sprintf("no %s in namespace %s has the Azure path its children name (%s)", l.Parent.Name, t.namespace, strings.Join(fields, ", "))
}

// missingRoot is the Missing root named name, with the objects that reference it.
func (t *tree) missingRoot(name string) *Node {
	n := missing(Root, name, fmt.Sprintf("no %s %q in namespace %s", Root.Name, name, t.namespace))
	for _, l := range linksFrom(Root) {
		for _, c := range t.objs[l.Child] {
			if refName(c, l) == name {
				n.Children = append(n.Children, t.node(c, l.Child))
			}
		}
	}
	return n
}

// missing is the node of an object of kind that is not in the namespace.
func missing(kind Kind, name, message string) *Node {
	return &Node{Kind: kind.Name, Name: name, Missing: true, State: StateMissing, Message: message}
}

// linkedBy is how obj names its parent: l's reference field, or "path".
func linkedBy(obj *unstructured.Unstructured, l Link) string {
	if refName(obj, l) != "" {
		return l.Ref
	}
	return "path"
}

// lessName orders names with numbers compared as numbers, part by part ("1.9.0" before
// "1.10.0"), else as strings.
func lessName(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		if pa[i] == pb[i] {
			continue
		}
		na, errA := strconv.ParseUint(pa[i], 10, 64)
		nb, errB := strconv.ParseUint(pb[i], 10, 64)
		if errA == nil && errB == nil {
			return na < nb
		}
		return pa[i] < pb[i]
	}
	return len(pa) < len(pb)
}
