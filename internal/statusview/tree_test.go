package statusview

import (
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

const (
	sub      = "8d1f7c6e-2b3a-4c5d-9e8f-0a1b2c3d4e5f"
	otherSub = "11111111-2222-3333-4444-555555555555"
)

// object is an object of kind named name with the given spec and status.
func object(kind Kind, name string, spec, status map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	if status != nil {
		u.Object["status"] = status
	}
	u.SetAPIVersion("compute.azgallery.io/v1alpha1")
	u.SetKind(kind.Name)
	u.SetNamespace("images")
	u.SetName(name)
	return u
}

func ref(name string) map[string]any { return map[string]any{"name": name} }

// outline is the tree as lines of "indent Kind/name linkedBy [missing]".
func outline(nodes []*Node) string {
	var b strings.Builder
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		fmt.Fprintf(&b, "%s%s/%s", strings.Repeat("  ", depth), n.Kind, n.Name)
		if n.LinkedBy != "" {
			b.WriteString(" by " + n.LinkedBy)
		}
		if n.Missing {
			b.WriteString(" MISSING")
		}
		b.WriteString("\n")
		for _, c := range n.Children {
			walk(c, depth+1)
		}
	}
	for _, n := range nodes {
		walk(n, 0)
	}
	return b.String()
}

// family is a namespace with children named by reference and by path (with other case, with and
// without subscriptions), of every kind, and children whose parents are not in the namespace.
func family() Snapshot {
	galSpec := map[string]any{"resourceGroupName": "images-rg", "azureName": "Platform_Gallery", "location": "westeurope"}
	path := func(extra ...string) map[string]any {
		m := map[string]any{"resourceGroupName": "IMAGES-RG", "galleryName": "platform_gallery"}
		for i := 0; i < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	return Snapshot{
		Gallery: {
			object(Gallery, "platform", galSpec, map[string]any{"subscriptionId": sub}),
			object(Gallery, "empty", map[string]any{"resourceGroupName": "images-rg"}, nil),
		},
		Image: {
			object(Image, "ubuntu", map[string]any{"galleryRef": ref("platform")}, nil),
			object(Image, "windows", path(), nil),
			object(Image, "same-sub", path("subscriptionId", strings.ToUpper(sub)), nil),
			object(Image, "other-sub", path("subscriptionId", otherSub), nil),
			object(Image, "lost", map[string]any{"galleryRef": ref("ghost")}, nil),
		},
		ImageVersion: {
			object(ImageVersion, "1.10.0", map[string]any{"imageRef": ref("ubuntu")}, nil),
			object(ImageVersion, "1.9.0", map[string]any{"imageRef": ref("ubuntu")}, nil),
			object(ImageVersion, "2.0.0", path("galleryImageName", "Windows"), nil),
			object(ImageVersion, "3.0.0", path("galleryImageName", "retired"), nil),
			object(ImageVersion, "3.1.0", path("galleryImageName", "RETIRED"), nil),
			object(ImageVersion, "4.0.0", map[string]any{"imageRef": ref("lost")}, nil),
			object(ImageVersion, "5.0.0", map[string]any{"imageRef": ref("gone")}, nil),
		},
		Application:        {object(Application, "agent", map[string]any{"galleryRef": ref("platform")}, nil)},
		ApplicationVersion: {object(ApplicationVersion, "1.0.0", map[string]any{"applicationRef": ref("agent")}, nil)},
		Profile:            {object(Profile, "ssh", path(), nil)},
		ProfileVersion:     {object(ProfileVersion, "1.0.0", map[string]any{"profileRef": ref("ssh")}, nil)},
	}
}

func TestBuildAll(t *testing.T) {
	roots, found := Build(family(), "images", "")
	want := `Gallery/empty
Gallery/platform
  GalleryImage/retired by path MISSING
    GalleryImageVersion/3.0.0 by path
    GalleryImageVersion/3.1.0 by path
  GalleryImage/same-sub by path
  GalleryImage/ubuntu by galleryRef
    GalleryImageVersion/1.9.0 by imageRef
    GalleryImageVersion/1.10.0 by imageRef
  GalleryImage/windows by path
    GalleryImageVersion/2.0.0 by path
  GalleryApplication/agent by galleryRef
    GalleryApplicationVersion/1.0.0 by applicationRef
  GalleryInVMAccessControlProfile/ssh by path
    GalleryInVMAccessControlProfileVersion/1.0.0 by profileRef
Gallery/ghost MISSING
  GalleryImage/lost by galleryRef
    GalleryImageVersion/4.0.0 by imageRef
Gallery/platform_gallery MISSING
  GalleryImage/other-sub by path
GalleryImage/gone MISSING
  GalleryImageVersion/5.0.0 by imageRef
`
	if got := outline(roots); got != want || !found {
		t.Errorf("found %v, tree:\n%s\nwant:\n%s", found, got, want)
	}
	msg := roots[3].Message
	if !strings.Contains(msg, "subscriptionId="+otherSub) || !strings.Contains(msg, "galleryName=platform_gallery") {
		t.Errorf("the message of a parent missing by path names the path: %q", msg)
	}
	if msg := roots[2].Message; msg != `no Gallery "ghost" in namespace images` {
		t.Errorf("message of a parent missing by reference: %q", msg)
	}
}

func TestBuildNamed(t *testing.T) {
	roots, found := Build(family(), "images", "platform")
	if !found || len(roots) != 1 || roots[0].Name != "platform" || len(roots[0].Children) != 6 {
		t.Fatalf("found %v:\n%s", found, outline(roots))
	}
	roots, found = Build(family(), "images", "ghost")
	if want := "Gallery/ghost MISSING\n  GalleryImage/lost by galleryRef\n    GalleryImageVersion/4.0.0 by imageRef\n"; found || outline(roots) != want {
		t.Errorf("a named Gallery that does not exist: found %v\n%s\nwant\n%s", found, outline(roots), want)
	}
}

// A Gallery that does not know its subscription yet (never written, none in the spec) takes
// children by path with any subscription; subscriptions differ only when both are known.
func TestBuildUnknownSubscription(t *testing.T) {
	s := Snapshot{
		Gallery: {object(Gallery, "new", map[string]any{"resourceGroupName": "rg"}, nil)},
		Image:   {object(Image, "a", map[string]any{"resourceGroupName": "rg", "galleryName": "new", "subscriptionId": sub}, nil)},
	}
	if roots, _ := Build(s, "ns", "new"); outline(roots) != "Gallery/new\n  GalleryImage/a by path\n" {
		t.Errorf("%s", outline(roots))
	}
}

// Every link's path fields name the parent's Azure path as the parent's own path does: the
// resource group and the names down to the parent's.
func TestFamilyPathsMatchDepth(t *testing.T) {
	depth := map[Kind]int{Root: 2} // resource group and gallery
	seen := map[Kind]bool{}
	for _, l := range Family {
		if seen[l.Child] {
			t.Errorf("%s has two links to a parent", l.Child.Name)
		}
		seen[l.Child] = true
		d, ok := depth[l.Parent]
		if !ok {
			t.Errorf("%s's parent %s comes before it in Family", l.Child.Name, l.Parent.Name)
		}
		if len(l.Path) != d || l.Path[0] != "resourceGroupName" {
			t.Errorf("%s names its parent by %v; want resourceGroupName and %d more names", l.Child.Name, l.Path, d-1)
		}
		depth[l.Child] = d + 1
	}
}

func TestState(t *testing.T) {
	cond := func(typ, status string, gen int64) map[string]any {
		return map[string]any{"type": typ, "status": status, "reason": "R", "message": "m", "observedGeneration": gen}
	}
	for _, tc := range []struct {
		conds []any
		want  string
	}{
		{nil, StatePending},
		{[]any{cond("Ready", "True", 2)}, StateReady},
		{[]any{cond("Ready", "True", 1)}, StatePending}, // the spec changed since
		{[]any{cond("Ready", "False", 2)}, StateNotReady},
		{[]any{cond("Ready", "False", 2), cond("Reconciling", "True", 2)}, StateReconciling},
		{[]any{cond("Ready", "False", 2), cond("Stalled", "True", 2)}, StateStalled},
	} {
		o := object(Image, "x", map[string]any{}, map[string]any{"conditions": tc.conds})
		o.SetGeneration(2)
		if got := state(o); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.conds, got, tc.want)
		}
	}
}

func TestLessName(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		less bool
	}{
		{"1.9.0", "1.10.0", true}, {"1.10.0", "1.9.0", false}, {"2.0.0", "10.0.0", true},
		{"alpha", "beta", true}, {"1.0", "1.0.0", true}, {"a.10", "a.9", false},
	} {
		if got := lessName(tc.a, tc.b); got != tc.less {
			t.Errorf("lessName(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}
