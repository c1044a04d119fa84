package tenancy

import (
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestAllowed is the rule the reconciler applies: listed groups (case-insensitive, "*"), listed
// subscriptions, and without allowed-subscriptions only the default subscription; without
// allowed-resource-groups nothing.
func TestAllowed(t *testing.T) {
	const def, other = "sub-default", "sub-other"
	ns := func(a map[string]string) *corev1.Namespace {
		return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a", Annotations: a}}
	}
	ref := func(sub, rg string) *arm.ResourceID {
		id, err := arm.ParseResourceID("/subscriptions/" + sub + "/resourceGroups/" + rg)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	cases := []struct {
		name string
		ns   *corev1.Namespace
		ref  *arm.ResourceID
		want string // "" allowed, else a part of the message
	}{
		{"no annotations", ns(nil), ref(def, "rg-a"), "has no annotation " + AllowedResourceGroups},
		{"listed group, default subscription", ns(map[string]string{AllowedResourceGroups: " rg-b , RG-A"}), ref(def, "rg-a"), ""},
		{"unlisted group", ns(map[string]string{AllowedResourceGroups: "rg-b"}), ref(def, "rg-a"), `allows only "rg-b"`},
		{"any group", ns(map[string]string{AllowedResourceGroups: "*"}), ref(def, "whatever"), ""},
		{"other subscription without the annotation", ns(map[string]string{AllowedResourceGroups: "*"}), ref(other, "rg"), "only the operator's default subscription"},
		{"listed subscription", ns(map[string]string{AllowedResourceGroups: "*", AllowedSubscriptions: other}), ref(strings.ToUpper(other), "rg"), ""},
		{"default subscription not listed", ns(map[string]string{AllowedResourceGroups: "*", AllowedSubscriptions: other}), ref(def, "rg"), AllowedSubscriptions},
		{"any subscription", ns(map[string]string{AllowedResourceGroups: "*", AllowedSubscriptions: "*"}), ref(other, "rg"), ""},
		{"empty list", ns(map[string]string{AllowedResourceGroups: ""}), ref(def, "rg"), "allows only"},
	}
	for _, c := range cases {
		err := Allowed(c.ns, c.ref, def)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.want != "" && err == nil:
			t.Errorf("%s: allowed", c.name)
		case c.want != "" && !strings.Contains(err.Error(), c.want):
			t.Errorf("%s: %q lacks %q", c.name, err, c.want)
		}
	}
}
