package manifests_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// TestTenancyComponent enables config/components/tenancy in config/default as its comment says
// and checks that the policy, its binding (still naming it after namePrefix), the manager's flag
// and its `get` on namespaces come together, and that none of them is there without it.
func TestTenancyComponent(t *testing.T) {
	base := build(t, "config/default")
	if len(base.find("ValidatingAdmissionPolicy")) != 0 || slices.Contains(managerContainer(t, base.deployment(t)).Args, "--enforce-namespace-scopes=true") {
		t.Error("config/default enables tenancy by itself")
	}
	for role, rules := range base.policyRules(t) {
		for _, r := range rules {
			if contains(r.Resources, "namespaces") {
				t.Errorf("%s grants %v on namespaces without the tenancy component", role, r.Verbs)
			}
		}
	}

	mem := memConfig(t)
	uncomment(t, mem, "/repo/config/default/kustomization.yaml", "components:", "- ../components/tenancy")
	out := buildFS(t, mem, "/repo/config/default")
	policies, bindings := out.find("ValidatingAdmissionPolicy"), out.find("ValidatingAdmissionPolicyBinding")
	if len(policies) != 1 || len(bindings) != 1 {
		t.Fatalf("%d policies and %d bindings, want 1 each", len(policies), len(bindings))
	}
	p := into[admissionv1.ValidatingAdmissionPolicy](t, policies[0])
	b := into[admissionv1.ValidatingAdmissionPolicyBinding](t, bindings[0])
	if p.APIVersion != "admissionregistration.k8s.io/v1" || !strings.HasPrefix(p.Name, prefix) || p.Namespace != "" {
		t.Errorf("policy %s %s/%s: want admissionregistration.k8s.io/v1, cluster-scoped, prefixed", p.APIVersion, p.Namespace, p.Name)
	}
	if b.Spec.PolicyName != p.Name {
		t.Errorf("binding names policy %q, the policy is %q", b.Spec.PolicyName, p.Name)
	}
	if !slices.Equal(b.Spec.ValidationActions, []admissionv1.ValidationAction{admissionv1.Deny}) {
		t.Errorf("binding actions %v, want [Deny]", b.Spec.ValidationActions)
	}
	if p.Spec.FailurePolicy == nil || *p.Spec.FailurePolicy != admissionv1.Fail {
		t.Error("the policy must fail closed")
	}
	rules := p.Spec.MatchConstraints.ResourceRules
	if len(rules) != 1 || !slices.Equal(rules[0].Operations, []admissionv1.OperationType{admissionv1.Create}) ||
		!contains(rules[0].Resources, "galleries", "galleryimages", "galleryimageversions", "galleryapplications", "galleryapplicationversions") {
		t.Errorf("policy rules %+v: want CREATE of the five kinds", rules)
	}
	args := managerContainer(t, out.deployment(t)).Args
	if !slices.Contains(args, "--enforce-namespace-scopes=true") {
		t.Errorf("args %v lack --enforce-namespace-scopes=true", args)
	}
	found := false
	for role, rs := range out.policyRules(t) {
		for _, r := range rs {
			if !contains(r.Resources, "namespaces") {
				continue
			}
			found = true
			if !slices.Equal(r.Verbs, []string{"get"}) {
				t.Errorf("%s grants %v on namespaces, want only get", role, r.Verbs)
			}
		}
	}
	if !found {
		t.Error("no role grants get on namespaces")
	}
	for _, o := range out.find("ClusterRoleBinding") {
		crb := into[rbacv1.ClusterRoleBinding](t, o)
		if strings.Contains(crb.Name, "namespace-reader") {
			if !out.has("ClusterRole", crb.RoleRef.Name) || len(crb.Subjects) != 1 || crb.Subjects[0].Name != saName || crb.Subjects[0].Namespace != namespace {
				t.Errorf("namespace reader binding %+v does not bind the manager's ServiceAccount %s/%s", crb, namespace, saName)
			}
		}
	}
}

// TestHelmTenancyAndMetricsAuth checks tenancy.enabled (the policy generated from
// config/components/tenancy, its binding, the flag and `get` on namespaces, off by default) and
// the secure metrics RBAC (metrics.secure, metrics.reader.serviceAccounts), and the plain-HTTP
// opt-out.
func TestHelmTenancyAndMetricsAuth(t *testing.T) {
	def := helmTemplate(t)
	if len(def.find("ValidatingAdmissionPolicy")) != 0 || slices.ContainsFunc(managerContainer(t, def.deployment(t)).Args,
		func(a string) bool {
			return strings.HasPrefix(a, "--enforce-namespace-scopes") || strings.HasPrefix(a, "--metrics-secure")
		}) {
		t.Error("tenancy or a metrics opt-out by default")
	}
	rules := def.policyRules(t)
	if !slices.ContainsFunc(rules["ClusterRole/"+helmRelease+"-metrics-auth-role"], func(r rbacv1.PolicyRule) bool {
		return contains(r.Resources, "tokenreviews") && slices.Equal(r.Verbs, []string{"create"})
	}) || !slices.ContainsFunc(rules["ClusterRole/"+helmRelease+"-metrics-auth-role"], func(r rbacv1.PolicyRule) bool {
		return contains(r.Resources, "subjectaccessreviews") && slices.Equal(r.Verbs, []string{"create"})
	}) {
		t.Errorf("metrics auth role %+v: want create on tokenreviews and subjectaccessreviews", rules["ClusterRole/"+helmRelease+"-metrics-auth-role"])
	}
	if r := rules["ClusterRole/"+helmRelease+"-metrics-reader"]; len(r) != 1 || !slices.Equal(r[0].NonResourceURLs, []string{"/metrics"}) || !slices.Equal(r[0].Verbs, []string{"get"}) {
		t.Errorf("metrics-reader %+v: want get on /metrics", r)
	}

	out := helmTemplate(t, "-f", chartDir+"/ci/tenancy-values.yaml")
	policies, bindings := out.find("ValidatingAdmissionPolicy"), out.find("ValidatingAdmissionPolicyBinding")
	if len(policies) != 1 || len(bindings) != 1 {
		t.Fatalf("%d policies and %d bindings, want 1 each", len(policies), len(bindings))
	}
	p := into[admissionv1.ValidatingAdmissionPolicy](t, policies[0])
	b := into[admissionv1.ValidatingAdmissionPolicyBinding](t, bindings[0])
	var shipped admissionv1.ValidatingAdmissionPolicy
	if err := yaml.UnmarshalStrict(readRepoFile(t, "config/components/tenancy/policy.yaml"), &shipped); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Spec, shipped.Spec) {
		t.Error("the chart's policy spec differs from config/components/tenancy/policy.yaml (run make manifests)")
	}
	if b.Spec.PolicyName != p.Name || b.Spec.MatchResources == nil || b.Spec.MatchResources.NamespaceSelector == nil ||
		b.Spec.MatchResources.NamespaceSelector.MatchLabels["tenancy.compute.azgallery.io/enforce"] != "true" {
		t.Errorf("binding %+v: want policy %s and the namespaceSelector of the values", b.Spec, p.Name)
	}
	if !slices.Contains(managerContainer(t, out.deployment(t)).Args, "--enforce-namespace-scopes=true") {
		t.Error("tenancy.enabled does not pass --enforce-namespace-scopes=true")
	}
	if r := out.policyRules(t)["ClusterRole/"+helmRelease+"-manager-namespace-reader"]; len(r) != 1 || !contains(r[0].Resources, "namespaces") || !slices.Equal(r[0].Verbs, []string{"get"}) {
		t.Errorf("namespace reader %+v: want get on namespaces", r)
	}
	crb := into[rbacv1.ClusterRoleBinding](t, out.get(t, "ClusterRoleBinding", helmRelease+"-metrics-reader-rolebinding"))
	if len(crb.Subjects) != 1 || crb.Subjects[0].Name != "prometheus-k8s" || crb.Subjects[0].Namespace != "monitoring" {
		t.Errorf("metrics reader binding subjects %+v, want monitoring/prometheus-k8s", crb.Subjects)
	}

	plain := helmTemplate(t, "--set", "metrics.secure=false", "--set", "metrics.port=8080", "--set", "metrics.serviceMonitor.enabled=true")
	if !slices.Contains(managerContainer(t, plain.deployment(t)).Args, "--metrics-secure=false") {
		t.Error("metrics.secure=false does not pass --metrics-secure=false")
	}
	if plain.has("ClusterRole", helmRelease+"-metrics-auth-role") {
		t.Error("the metrics auth role is rendered for plain HTTP")
	}
	if sm := plain.get(t, "ServiceMonitor", helmMonitor); !strings.Contains(fmt.Sprint(sm.Raw["spec"]), "scheme:http]") {
		t.Errorf("plain-HTTP ServiceMonitor %v", sm.Raw["spec"])
	}
}
