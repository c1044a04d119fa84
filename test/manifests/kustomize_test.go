package manifests_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"
)

// TestKustomizationsBuild renders every kustomization in config/ and checks what it holds.
func TestKustomizationsBuild(t *testing.T) {
	crds := len(configCRDs(t))
	for _, tc := range []struct {
		dir   string
		kinds map[string]int
	}{
		{"config/crd", map[string]int{"CustomResourceDefinition": crds}},
		{"config/rbac", map[string]int{"ServiceAccount": 1, "ClusterRole": 5, "ClusterRoleBinding": 2, "Role": 1, "RoleBinding": 1}},
		{"config/manager", map[string]int{"Namespace": 1, "Deployment": 1}},
		{"config/default", map[string]int{"CustomResourceDefinition": crds, "ServiceAccount": 1, "ClusterRole": 5,
			"ClusterRoleBinding": 2, "Role": 1, "RoleBinding": 1, "Namespace": 1, "Deployment": 1, "Service": 1}},
		{"config/workload-identity", map[string]int{"CustomResourceDefinition": crds, "ServiceAccount": 1, "ClusterRole": 5,
			"ClusterRoleBinding": 2, "Role": 1, "RoleBinding": 1, "Namespace": 1, "Deployment": 1, "Service": 1, "ConfigMap": 1}},
		{"config/sharding/shard1", map[string]int{"CustomResourceDefinition": crds, "ServiceAccount": 1, "ClusterRole": 5,
			"ClusterRoleBinding": 2, "Role": 1, "RoleBinding": 1, "Namespace": 1, "Deployment": 1, "Service": 1}},
		{"config/samples", map[string]int{"Gallery": 1, "GalleryImage": 3, "GalleryImageVersion": 1,
			"GalleryApplication": 1, "GalleryApplicationVersion": 1,
			"GalleryInVMAccessControlProfile": 1, "GalleryInVMAccessControlProfileVersion": 1}},
	} {
		t.Run(strings.TrimPrefix(tc.dir, "config/"), func(t *testing.T) {
			if got := build(t, tc.dir).kinds(); !reflect.DeepEqual(got, tc.kinds) {
				t.Errorf("kustomize build %s: kinds %v, want %v", tc.dir, got, tc.kinds)
			}
		})
	}
}

// TestDefaultNamesAndNamespace checks namespace and namePrefix of config/default.
func TestDefaultNamesAndNamespace(t *testing.T) {
	out := build(t, "config/default")
	for _, o := range out {
		id := o.Kind + "/" + o.Name
		switch o.Kind {
		case "CustomResourceDefinition":
			if !strings.HasSuffix(o.Name, ".compute.azgallery.io") || strings.HasPrefix(o.Name, prefix) || o.Namespace != "" {
				t.Errorf("CRD renamed or namespaced: %s in %q", id, o.Namespace)
			}
		case "Namespace":
			if o.Name != namespace {
				t.Errorf("Namespace is %q, want %q", o.Name, namespace)
			}
		case "ClusterRole", "ClusterRoleBinding":
			if !strings.HasPrefix(o.Name, prefix) || o.Namespace != "" {
				t.Errorf("%s: want prefix %q and no namespace, namespace %q", id, prefix, o.Namespace)
			}
		default:
			if !strings.HasPrefix(o.Name, prefix) || o.Namespace != namespace {
				t.Errorf("%s in %q: want prefix %q and namespace %q", id, o.Namespace, prefix, namespace)
			}
		}
	}

	// The CRD is the generated one, unchanged apart from the common label.
	crd := into[apiextensionsv1.CustomResourceDefinition](t, out.get(t, "CustomResourceDefinition", crdName))
	var base apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(readRepoFile(t, "config/crd/bases/compute.azgallery.io_galleryimages.yaml"), &base); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(crd.Spec, base.Spec) {
		t.Error("the rendered CRD's spec differs from config/crd/bases")
	}
	if crd.Spec.Scope != apiextensionsv1.NamespaceScoped {
		t.Errorf("CRD scope %q, want Namespaced", crd.Spec.Scope)
	}
}

// TestDefaultDeploymentHardened checks the manager Deployment of config/default.
func TestDefaultDeploymentHardened(t *testing.T) {
	out := build(t, "config/default")
	d := out.deployment(t)
	checkHardened(t, d)
	pod := d.Spec.Template.Spec
	c := managerContainer(t, d)

	if pod.ServiceAccountName != saName || !out.has("ServiceAccount", saName) {
		t.Errorf("serviceAccountName %q: want %q, present in the output", pod.ServiceAccountName, saName)
	}
	if pod.AutomountServiceAccountToken == nil || !*pod.AutomountServiceAccountToken {
		t.Error("automountServiceAccountToken must be true: the manager talks to the API server with it")
	}
	if len(c.Command) != 1 || c.Command[0] != "/manager" {
		t.Errorf("command %v, want [/manager]", c.Command)
	}
	for _, arg := range []string{"--leader-elect", "--health-probe-bind-address=:8081", "--metrics-bind-address=:8443"} {
		if !slices.Contains(c.Args, arg) {
			t.Errorf("args %v lack %s", c.Args, arg)
		}
	}
	if slices.ContainsFunc(c.Args, func(a string) bool { return strings.HasPrefix(a, "--enable-credential-secrets") }) {
		t.Errorf("args %v: credential Secrets must be off by default", c.Args)
	}
	// The Azure credentials Secret: optional, prefixed like everything else (README: `kubectl
	// create secret generic gallery-operator-azure-credentials`).
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].SecretRef == nil ||
		c.EnvFrom[0].SecretRef.Name != prefix+"azure-credentials" ||
		c.EnvFrom[0].SecretRef.Optional == nil || !*c.EnvFrom[0].SecretRef.Optional {
		t.Errorf("envFrom %+v: want one optional secretRef %sazure-credentials", c.EnvFrom, prefix)
	}
	for _, e := range c.Env {
		if strings.HasPrefix(e.Name, "AZURE_") {
			t.Errorf("env %s set in the manifest: Azure settings belong in the Secret", e.Name)
		}
	}

	// Secure metrics by default: no opt-out flag, no tenancy flag.
	for _, a := range c.Args {
		if strings.HasPrefix(a, "--metrics-secure") || strings.HasPrefix(a, "--enforce-namespace-scopes") {
			t.Errorf("arg %s in config/default: secure metrics are the default and tenancy is a component", a)
		}
	}
	// Metrics Service: port 8443 named metrics, reaching the container's metrics port.
	svc := into[corev1.Service](t, out.get(t, "Service", prefix+"controller-manager-metrics-service"))
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Name != "metrics" || svc.Spec.Ports[0].Port != 8443 {
		t.Fatalf("metrics Service ports %+v, want one port 8443 named metrics", svc.Spec.Ports)
	}
	if port := containerPort(c, svc.Spec.Ports[0].TargetPort); port != 8443 {
		t.Errorf("metrics Service targetPort %v is container port %d, want 8443", svc.Spec.Ports[0].TargetPort.String(), port)
	}
	if !selects(svc.Spec.Selector, d.Spec.Template.Labels) {
		t.Errorf("metrics Service selector %v does not select the pod labels %v", svc.Spec.Selector, d.Spec.Template.Labels)
	}
}

// checkHardened checks the security settings, probes and resources of the manager Deployment.
func checkHardened(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	pod := d.Spec.Template.Spec
	c := managerContainer(t, d)

	if !selects(d.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
		t.Errorf("selector %v does not match the pod labels %v", d.Spec.Selector.MatchLabels, d.Spec.Template.Labels)
	}
	if c.Image == "" {
		t.Error("manager image is empty")
	}
	psc := pod.SecurityContext
	if psc == nil {
		t.Fatal("pod securityContext missing")
	}
	if psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Error("pod securityContext.runAsNonRoot must be true")
	}
	if psc.RunAsUser == nil || *psc.RunAsUser != 65532 {
		t.Error("pod securityContext.runAsUser must be 65532")
	}
	if psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Error("pod securityContext.seccompProfile must be RuntimeDefault")
	}
	if pod.TerminationGracePeriodSeconds == nil || *pod.TerminationGracePeriodSeconds <= 0 {
		t.Error("terminationGracePeriodSeconds must be set")
	}
	if pod.HostNetwork || pod.HostPID || pod.HostIPC {
		t.Error("the pod must not share host namespaces")
	}
	for _, v := range pod.Volumes {
		if v.HostPath != nil {
			t.Errorf("volume %s is a hostPath", v.Name)
		}
	}

	sc := c.SecurityContext
	if sc == nil {
		t.Fatal("container securityContext missing")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Error("allowPrivilegeEscalation must be false")
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Error("readOnlyRootFilesystem must be true")
	}
	if sc.Privileged != nil && *sc.Privileged {
		t.Error("the container must not be privileged")
	}
	if sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) != 0 {
		t.Errorf("capabilities %+v: want drop [ALL] and nothing added", sc.Capabilities)
	}
	if sc.RunAsNonRoot != nil && !*sc.RunAsNonRoot || sc.RunAsUser != nil && *sc.RunAsUser != 65532 {
		t.Error("container securityContext must not weaken runAsNonRoot/runAsUser")
	}
	if sc.SeccompProfile != nil && sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Error("container seccompProfile must be RuntimeDefault")
	}

	// Probes on the health port, which the args bind.
	for _, p := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{{"liveness", c.LivenessProbe, "/healthz"}, {"readiness", c.ReadinessProbe, "/readyz"}} {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("%s probe: want an httpGet probe", p.name)
			continue
		}
		if p.probe.HTTPGet.Path != p.path || containerPort(c, p.probe.HTTPGet.Port) != 8081 {
			t.Errorf("%s probe: %s on %s, want %s on 8081", p.name, p.probe.HTTPGet.Path, p.probe.HTTPGet.Port.String(), p.path)
		}
	}
	if !slices.Contains(c.Args, "--health-probe-bind-address=:8081") {
		t.Errorf("args %v do not bind the probes to :8081", c.Args)
	}

	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, okReq := c.Resources.Requests[name]
		limit, okLimit := c.Resources.Limits[name]
		if !okReq || !okLimit {
			t.Errorf("resources: want a request and a limit for %s, have %+v", name, c.Resources)
			continue
		}
		if req.Cmp(limit) > 0 {
			t.Errorf("resources: %s request %s above its limit %s", name, req.String(), limit.String())
		}
		if req.Cmp(resource.Quantity{}) <= 0 {
			t.Errorf("resources: %s request must be positive", name)
		}
	}
}

// containerPort resolves a port (number or name) against the container's ports; 0 if unknown.
func containerPort(c *corev1.Container, p intstr.IntOrString) int32 {
	if p.Type == intstr.Int {
		return p.IntVal
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return cp.ContainerPort
		}
	}
	return 0
}

// selects reports whether a non-empty selector matches labels.
func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// TestDefaultRBAC checks the least-privilege RBAC of config/default.
func TestDefaultRBAC(t *testing.T) {
	out := build(t, "config/default")
	rules := out.policyRules(t)
	checkNoSecrets(t, rules)

	// Every binding points at a role and a ServiceAccount in the output.
	for _, o := range out {
		var ref rbacv1.RoleRef
		var subjects []rbacv1.Subject
		switch o.Kind {
		case "ClusterRoleBinding":
			b := into[rbacv1.ClusterRoleBinding](t, o)
			ref, subjects = b.RoleRef, b.Subjects
		case "RoleBinding":
			b := into[rbacv1.RoleBinding](t, o)
			ref, subjects = b.RoleRef, b.Subjects
		default:
			continue
		}
		if !out.has(ref.Kind, ref.Name) {
			t.Errorf("%s/%s binds missing %s %s", o.Kind, o.Name, ref.Kind, ref.Name)
		}
		if len(subjects) != 1 || subjects[0].Kind != "ServiceAccount" || subjects[0].Name != saName || subjects[0].Namespace != namespace {
			t.Errorf("%s/%s subjects %+v, want ServiceAccount %s/%s", o.Kind, o.Name, subjects, namespace, saName)
		}
	}
	binding := into[rbacv1.ClusterRoleBinding](t, out.get(t, "ClusterRoleBinding", prefix+"manager-rolebinding"))
	if binding.RoleRef.Kind != "ClusterRole" || binding.RoleRef.Name != prefix+"manager-role" {
		t.Errorf("manager binding refers to %s %s, want ClusterRole %smanager-role", binding.RoleRef.Kind, binding.RoleRef.Name, prefix)
	}

	// The manager's role lets it do its job on GalleryImages.
	manager := rules["ClusterRole/"+prefix+"manager-role"]
	for resource, verbs := range map[string][]string{
		"galleryimages":                         {"get", "list", "watch", "update", "patch"},
		"galleryimages/status":                  {"update", "patch"},
		"galleryimages/finalizers":              {"update"},
		"galleries":                             {"get", "list", "watch", "update", "patch"},
		"galleries/status":                      {"update", "patch"},
		"galleries/finalizers":                  {"update"},
		"galleryimageversions":                  {"get", "list", "watch", "update", "patch"},
		"galleryimageversions/status":           {"update", "patch"},
		"galleryimageversions/finalizers":       {"update"},
		"galleryapplications":                   {"get", "list", "watch", "update", "patch"},
		"galleryapplications/status":            {"update", "patch"},
		"galleryapplications/finalizers":        {"update"},
		"galleryapplicationversions":            {"get", "list", "watch", "update", "patch"},
		"galleryapplicationversions/status":     {"update", "patch"},
		"galleryapplicationversions/finalizers": {"update"},
	} {
		for _, verb := range verbs {
			if !allows(manager, "compute.azgallery.io", resource, verb) {
				t.Errorf("manager-role does not allow %s on %s", verb, resource)
			}
		}
	}

	// Leader election: a namespaced Role on leases in the manager's namespace.
	role := out.get(t, "Role", prefix+"leader-election-role")
	if role.Namespace != namespace {
		t.Errorf("leader election Role in %q, want %q", role.Namespace, namespace)
	}
	for _, verb := range []string{"get", "list", "watch", "create", "update", "patch", "delete"} {
		if !allows(rules["Role/"+role.Name], "coordination.k8s.io", "leases", verb) {
			t.Errorf("leader election Role does not allow %s on leases", verb)
		}
	}
	if !allows(rules["Role/"+role.Name], "", "events", "create") {
		t.Error("leader election Role does not allow creating events")
	}

	// The user-facing roles aggregate into the built-in ones and never grant more than
	// GalleryImages.
	for name, aggregate := range map[string][]string{
		prefix + "editor-role": {"aggregate-to-edit", "aggregate-to-admin"},
		prefix + "viewer-role": {"aggregate-to-view"},
	} {
		cr := into[rbacv1.ClusterRole](t, out.get(t, "ClusterRole", name))
		for _, a := range aggregate {
			if cr.Labels["rbac.authorization.k8s.io/"+a] != "true" {
				t.Errorf("%s lacks label rbac.authorization.k8s.io/%s=true", name, a)
			}
		}
		for _, r := range cr.Rules {
			if !slices.Equal(r.APIGroups, []string{"compute.azgallery.io"}) {
				t.Errorf("%s grants API groups %v", name, r.APIGroups)
			}
		}
	}
	viewer := rules["ClusterRole/"+prefix+"viewer-role"]
	for _, verb := range []string{"create", "update", "patch", "delete"} {
		for _, resource := range []string{"galleries", "galleryimages", "galleryimageversions", "galleryapplications", "galleryapplicationversions"} {
			if allows(viewer, "compute.azgallery.io", resource, verb) {
				t.Errorf("the viewer role allows %s on %s", verb, resource)
			}
		}
	}
}

// checkNoSecrets fails when any rule grants access to Secrets, or uses a wildcard.
func checkNoSecrets(t *testing.T, rules map[string][]rbacv1.PolicyRule) {
	t.Helper()
	for role, rs := range rules {
		for _, r := range rs {
			if grantsSecrets(r) {
				t.Errorf("%s grants %v on Secrets", role, r.Verbs)
			}
			if contains(r.Verbs, "*") || contains(r.Resources, "*") || contains(r.APIGroups, "*") {
				t.Errorf("%s uses a wildcard: %+v", role, r)
			}
		}
	}
}

// allows reports whether rules allow verb on group/resource.
func allows(rules []rbacv1.PolicyRule, group, resource, verb string) bool {
	for _, r := range rules {
		if contains(r.APIGroups, group, "*") && contains(r.Resources, resource, "*") && contains(r.Verbs, verb, "*") {
			return true
		}
	}
	return false
}

// TestSetImage does what `make deploy` does (`kustomize edit set image controller=$(IMG)`, which
// rewrites the images entry of config/manager) and checks the Deployment then runs that image.
func TestSetImage(t *testing.T) {
	mem := memConfig(t)
	file := "/repo/config/manager/kustomization.yaml"
	data, err := mem.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var k types.Kustomization
	if err := yaml.UnmarshalStrict(data, &k); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(k.Images, func(img types.Image) bool { return img.Name == "controller" })
	if i < 0 {
		t.Fatalf("config/manager/kustomization.yaml has no images entry named controller: %+v", k.Images)
	}
	// As checked in, the image is controller:latest.
	if k.Images[i].NewName != "controller" || k.Images[i].NewTag != "latest" {
		t.Logf("note: config/manager images entry is %s:%s (changed by make deploy?)", k.Images[i].NewName, k.Images[i].NewTag)
	}
	k.Images[i].NewName, k.Images[i].NewTag = "registry.example.com/gallery-operator", "v1.2.3"
	data, err = yaml.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	writeMem(t, mem, file, string(data))
	c := managerContainer(t, buildFS(t, mem, "/repo/config/default").deployment(t))
	if c.Image != "registry.example.com/gallery-operator:v1.2.3" {
		t.Errorf("image %q after set image, want registry.example.com/gallery-operator:v1.2.3", c.Image)
	}
}

// TestCredentialSecretsComponent enables config/components/credential-secrets, once the way
// config/default documents (uncommenting it) and once from an overlay of config/default.
func TestCredentialSecretsComponent(t *testing.T) {
	// The component's own objects take config/default's namePrefix only when it is used from
	// there; an overlay without a namePrefix leaves their names as they are. References to the
	// manager's ServiceAccount and Deployment resolve either way.
	variants := map[string]struct {
		rolePrefix string
		render     func(t *testing.T) rendered
	}{
		"uncommented in config/default": {prefix, func(t *testing.T) rendered {
			mem := memConfig(t)
			uncomment(t, mem, "/repo/config/default/kustomization.yaml", "components:", "- ../components/credential-secrets")
			return buildFS(t, mem, "/repo/config/default")
		}},
		"overlay of config/default": {"", func(t *testing.T) rendered {
			mem := memConfig(t)
			writeMem(t, mem, "/repo/config/overlay/kustomization.yaml", `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- ../default
components:
- ../components/credential-secrets
`)
			return buildFS(t, mem, "/repo/config/overlay")
		}},
	}
	for name, v := range variants {
		t.Run(name, func(t *testing.T) {
			out := v.render(t)
			c := managerContainer(t, out.deployment(t))
			n := 0
			for _, a := range c.Args {
				if strings.HasPrefix(a, "--enable-credential-secrets") {
					n++
					if a != "--enable-credential-secrets=true" {
						t.Errorf("arg %q, want --enable-credential-secrets=true", a)
					}
				}
			}
			if n != 1 {
				t.Errorf("args %v: want --enable-credential-secrets=true once", c.Args)
			}
			for _, arg := range []string{"--leader-elect", "--health-probe-bind-address=:8081", "--metrics-bind-address=:8443"} {
				if !slices.Contains(c.Args, arg) {
					t.Errorf("args %v lost %s", c.Args, arg)
				}
			}
			checkHardened(t, out.deployment(t))

			// Exactly one role grants Secrets, and only get on them.
			var secretRoles []string
			for role, rs := range out.policyRules(t) {
				for _, r := range rs {
					if grantsSecrets(r) {
						secretRoles = append(secretRoles, role)
					}
				}
			}
			want := "ClusterRole/" + v.rolePrefix + "manager-secrets-reader"
			if !slices.Equal(secretRoles, []string{want}) {
				t.Fatalf("roles granting Secrets: %v, want [%s]", secretRoles, want)
			}
			rules := out.policyRules(t)[want]
			wantRules := []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get"}}}
			if !reflect.DeepEqual(rules, wantRules) {
				t.Errorf("%s rules %+v, want only get on secrets", want, rules)
			}
			b := into[rbacv1.ClusterRoleBinding](t, out.get(t, "ClusterRoleBinding", v.rolePrefix+"manager-secrets-reader-rolebinding"))
			if b.RoleRef.Kind != "ClusterRole" || b.RoleRef.Name != v.rolePrefix+"manager-secrets-reader" {
				t.Errorf("secrets binding refers to %s %s", b.RoleRef.Kind, b.RoleRef.Name)
			}
			if len(b.Subjects) != 1 || b.Subjects[0].Kind != "ServiceAccount" || b.Subjects[0].Name != saName || b.Subjects[0].Namespace != namespace {
				t.Errorf("secrets binding subjects %+v, want ServiceAccount %s/%s", b.Subjects, namespace, saName)
			}
		})
	}
}

// TestWorkloadIdentity checks config/workload-identity: the ServiceAccount annotation and pod
// label the Azure Workload Identity webhook acts on, and no client secret.
func TestWorkloadIdentity(t *testing.T) {
	out := build(t, "config/workload-identity")
	sa := into[corev1.ServiceAccount](t, out.get(t, "ServiceAccount", saName))
	if sa.Namespace != namespace {
		t.Errorf("ServiceAccount in %q, want %q", sa.Namespace, namespace)
	}
	if v, ok := sa.Annotations["azure.workload.identity/client-id"]; !ok || v == "" {
		t.Errorf("ServiceAccount annotations %v lack azure.workload.identity/client-id", sa.Annotations)
	}
	d := out.deployment(t)
	checkHardened(t, d)
	if v := d.Spec.Template.Labels["azure.workload.identity/use"]; v != "true" {
		t.Errorf("pod label azure.workload.identity/use=%q, want \"true\"", v)
	}
	if _, ok := d.Spec.Selector.MatchLabels["azure.workload.identity/use"]; ok {
		t.Error("the workload identity label must not be in the (immutable) selector")
	}
	if d.Spec.Template.Spec.ServiceAccountName != saName {
		t.Errorf("serviceAccountName %q, want %q", d.Spec.Template.Spec.ServiceAccountName, saName)
	}
	c := managerContainer(t, d)
	for _, ef := range c.EnvFrom {
		if ef.SecretRef != nil {
			t.Errorf("envFrom still reads Secret %s: a client secret would take precedence over workload identity", ef.SecretRef.Name)
		}
	}
	// AZURE_SUBSCRIPTION_ID, which the webhook does not inject, comes from a ConfigMap in the
	// output.
	var settings *corev1.ConfigMap
	for _, ef := range c.EnvFrom {
		if ef.ConfigMapRef != nil {
			settings = into[corev1.ConfigMap](t, out.get(t, "ConfigMap", ef.ConfigMapRef.Name))
		}
	}
	if settings == nil {
		t.Fatalf("envFrom %+v: want a ConfigMap with AZURE_SUBSCRIPTION_ID", c.EnvFrom)
	}
	if settings.Namespace != namespace {
		t.Errorf("ConfigMap %s in %q, want %q", settings.Name, settings.Namespace, namespace)
	}
	if _, ok := settings.Data["AZURE_SUBSCRIPTION_ID"]; !ok {
		t.Errorf("ConfigMap %s lacks AZURE_SUBSCRIPTION_ID: %v", settings.Name, settings.Data)
	}
	for k := range settings.Data {
		if k == "AZURE_CLIENT_SECRET" {
			t.Error("the settings ConfigMap holds a client secret")
		}
	}
	checkNoSecrets(t, out.policyRules(t))
}

// TestPrometheusComponent enables config/prometheus in config/default and checks that the
// ServiceMonitor scrapes the metrics Service as job gallery-operator, and that the alerts come
// along.
func TestPrometheusComponent(t *testing.T) {
	mem := memConfig(t)
	uncomment(t, mem, "/repo/config/default/kustomization.yaml", "components:", "- ../prometheus")
	out := buildFS(t, mem, "/repo/config/default")
	monitors := out.find("ServiceMonitor")
	if len(monitors) != 1 {
		t.Fatalf("%d ServiceMonitors, want 1", len(monitors))
	}
	m := monitors[0]
	if m.APIVersion != "monitoring.coreos.com/v1" || m.Namespace != namespace || !strings.HasPrefix(m.Name, prefix) {
		t.Errorf("ServiceMonitor %s %s/%s: want monitoring.coreos.com/v1 in %s with prefix %s", m.APIVersion, m.Namespace, m.Name, namespace, prefix)
	}
	var spec struct {
		JobLabel  string `json:"jobLabel"`
		Endpoints []struct {
			Port            string `json:"port"`
			Path            string `json:"path"`
			Scheme          string `json:"scheme"`
			BearerTokenFile string `json:"bearerTokenFile"`
			TLSConfig       struct {
				InsecureSkipVerify bool `json:"insecureSkipVerify"`
			} `json:"tlsConfig"`
		} `json:"endpoints"`
		Selector struct {
			MatchLabels map[string]string `json:"matchLabels"`
		} `json:"selector"`
	}
	raw, err := yaml.Marshal(m.Raw["spec"])
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	svc := into[corev1.Service](t, out.get(t, "Service", prefix+"controller-manager-metrics-service"))
	if !selects(spec.Selector.MatchLabels, svc.Labels) {
		t.Errorf("ServiceMonitor selector %v does not select the metrics Service labels %v", spec.Selector.MatchLabels, svc.Labels)
	}
	if len(spec.Endpoints) != 1 || spec.Endpoints[0].Port != svc.Spec.Ports[0].Name || spec.Endpoints[0].Path != "/metrics" {
		t.Errorf("ServiceMonitor endpoints %+v, want port %s path /metrics", spec.Endpoints, svc.Spec.Ports[0].Name)
	}
	if e := spec.Endpoints[0]; e.Scheme != "https" || e.BearerTokenFile == "" || !e.TLSConfig.InsecureSkipVerify {
		t.Errorf("ServiceMonitor endpoint %+v: the metrics endpoint is HTTPS with a self-signed certificate and wants a bearer token", e)
	}
	if job := svc.Labels[spec.JobLabel]; job != "gallery-operator" {
		t.Errorf("ServiceMonitor jobLabel %q: the metrics Service's label is %q, want gallery-operator (the alerts select it)", spec.JobLabel, job)
	}
	rules := out.find("PrometheusRule")
	if len(rules) != 1 || rules[0].Namespace != namespace || !strings.HasPrefix(rules[0].Name, prefix) {
		t.Errorf("PrometheusRules %+v: want one in %s with prefix %s", rules, namespace, prefix)
	}
	// Only the ServiceMonitor and the PrometheusRule are added.
	base := build(t, "config/default")
	if got, want := len(out), len(base)+2; got != want {
		t.Errorf("%d objects with the prometheus component, want %d", got, want)
	}
}

// TestCredentialSecretsScopedToNamespace builds the overlay that the credential-secrets
// component documents for allowing Secrets in some namespaces only: no ClusterRoleBinding, a
// RoleBinding per namespace.
func TestCredentialSecretsScopedToNamespace(t *testing.T) {
	mem := memConfig(t)
	doc, err := mem.ReadFile("/repo/config/components/credential-secrets/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The example files are the comment blocks after "# kustomization.yaml" and
	// "# secrets-reader-team-a.yaml", indented by "#   ".
	files := map[string]*strings.Builder{}
	var cur *strings.Builder
	for _, line := range strings.Split(string(doc), "\n") {
		switch {
		case line == "#   # kustomization.yaml":
			cur = &strings.Builder{}
			files["kustomization.yaml"] = cur
		case line == "#   # secrets-reader-team-a.yaml":
			cur = &strings.Builder{}
			files["secrets-reader-team-a.yaml"] = cur
		case cur != nil && strings.HasPrefix(line, "#   "):
			code, _, _ := strings.Cut(strings.TrimPrefix(line, "#   "), "  #")
			cur.WriteString(strings.TrimRight(code, " ") + "\n")
		case cur != nil && line == "#":
			cur = nil
		}
	}
	if len(files) != 2 {
		t.Fatalf("found %d example files in the component's comment, want 2", len(files))
	}
	for name, content := range files {
		writeMem(t, mem, "/repo/config/scoped/"+name, content.String())
	}
	out := buildFS(t, mem, "/repo/config/scoped")

	if out.has("ClusterRoleBinding", "manager-secrets-reader-rolebinding") {
		t.Error("the cluster-wide Secrets binding is still there")
	}
	c := managerContainer(t, out.deployment(t))
	if !slices.Contains(c.Args, "--enable-credential-secrets=true") {
		t.Errorf("args %v lack --enable-credential-secrets=true", c.Args)
	}
	var found bool
	for _, o := range out.find("RoleBinding") {
		b := into[rbacv1.RoleBinding](t, o)
		if b.RoleRef.Name != "manager-secrets-reader" {
			continue
		}
		found = true
		if b.Namespace != "team-a" {
			t.Errorf("Secrets RoleBinding in %q, want team-a", b.Namespace)
		}
		if !out.has("ClusterRole", b.RoleRef.Name) {
			t.Errorf("RoleBinding refers to missing ClusterRole %s", b.RoleRef.Name)
		}
		if len(b.Subjects) != 1 || b.Subjects[0].Name != saName || b.Subjects[0].Namespace != namespace {
			t.Errorf("RoleBinding subjects %+v, want ServiceAccount %s/%s", b.Subjects, namespace, saName)
		}
	}
	if !found {
		t.Error("no RoleBinding of manager-secrets-reader in the output")
	}
}

// TestShardOverlay checks config/sharding/shard1: its manager reconciles only its shard, and its
// cluster-wide RBAC does not collide with another installation's.
func TestShardOverlay(t *testing.T) {
	out := build(t, "config/sharding/shard1")
	dep := into[appsv1.Deployment](t, out.get(t, "Deployment", "shard1-"+prefix+"controller-manager"))
	if !slices.Contains(dep.Spec.Template.Spec.Containers[0].Args, "--watch-label-selector=sharding.compute.azgallery.io/key=shard1") {
		t.Errorf("the shard's manager lacks its selector: %v", dep.Spec.Template.Spec.Containers[0].Args)
	}
	if dep.Namespace != "gallery-operator-shard1" {
		t.Errorf("the shard runs in %q", dep.Namespace)
	}
	out.get(t, "ClusterRoleBinding", "shard1-"+prefix+"manager-rolebinding")
}
