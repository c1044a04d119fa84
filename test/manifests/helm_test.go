package manifests_test

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	"github.com/azgallery/gallery-operator/internal/testenv"
)

// ciValues lists the chart's ci/*.yaml values files (paths relative to the repository root).
func ciValues(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, chartDir, "ci", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no values files in %s/ci: %v", chartDir, err)
	}
	var out []string
	for _, f := range files {
		rel, err := filepath.Rel(repoRoot, f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, filepath.ToSlash(rel))
	}
	return out
}

// TestHelmLint runs helm lint --strict with the default values and with each ci/ values file.
func TestHelmLint(t *testing.T) {
	runs := [][]string{nil}
	for _, f := range ciValues(t) {
		runs = append(runs, []string{"-f", f})
	}
	for _, extra := range runs {
		if out, err := runHelm(t, append([]string{"lint", "--strict", "--kube-version", testenv.KubeVersion, chartDir}, extra...)...); err != nil {
			t.Errorf("helm lint %v: %v\n%s", extra, err, out)
		}
	}
}

// TestHelmChartMatchesConfig checks that the chart's CRDs and RBAC rules are the ones of config/
// (which make manifests generates): every CRD of config/crd/bases with the same spec, kept on
// uninstall; the manager's ClusterRole rules of config/rbac/role.yaml; the leader election and
// Secret reader rules of config/.
func TestHelmChartMatchesConfig(t *testing.T) {
	out := helmTemplate(t, "--set", "replicaCount=2", "--set", "credentialSecrets.enabled=true")

	want := configCRDs(t)
	got := out.find("CustomResourceDefinition")
	if len(got) != len(want) {
		t.Errorf("the chart renders %d CRDs, config/crd/bases has %d (run make manifests)", len(got), len(want))
	}
	for _, o := range got {
		crd := into[apiextensionsv1.CustomResourceDefinition](t, o)
		base, ok := want[crd.Name]
		if !ok {
			t.Errorf("the chart renders CRD %s, which config/crd/bases does not have", crd.Name)
			continue
		}
		if !reflect.DeepEqual(crd.Spec, base.Spec) {
			t.Errorf("CRD %s: the chart's spec differs from config/crd/bases (run make manifests)", crd.Name)
		}
		if crd.Annotations["helm.sh/resource-policy"] != "keep" {
			t.Errorf("CRD %s lacks the annotation helm.sh/resource-policy: keep", crd.Name)
		}
		for k, v := range base.Annotations {
			if crd.Annotations[k] != v {
				t.Errorf("CRD %s: annotation %s=%q, config has %q", crd.Name, k, crd.Annotations[k], v)
			}
		}
	}

	rules := out.policyRules(t)
	for role, file := range map[string]string{
		"ClusterRole/" + helmManagerRole: "config/rbac/role.yaml",
		"Role/" + helmLeaderRole:         "config/rbac/leader_election_role.yaml",
		"ClusterRole/" + helmSecretsRole: "config/components/credential-secrets/secrets_reader_role.yaml",
	} {
		if r, ok := rules[role]; !ok {
			t.Errorf("the chart renders no %s", role)
		} else if w := configRules(t, file); !reflect.DeepEqual(r, w) {
			t.Errorf("%s rules differ from %s (run make manifests):\nchart:  %+v\nconfig: %+v", role, file, r, w)
		}
	}

	// The user-facing roles cover every CRD, the viewer read-only, and grant nothing else.
	editor, viewer := rules["ClusterRole/"+helmEditorRole], rules["ClusterRole/"+helmViewerRole]
	groups := map[string]bool{}
	for _, crd := range want {
		groups[crd.Spec.Group] = true
		for _, verb := range []string{"get", "list", "watch", "create", "update", "patch", "delete"} {
			if !allows(editor, crd.Spec.Group, crd.Spec.Names.Plural, verb) {
				t.Errorf("%s does not allow %s on %s", helmEditorRole, verb, crd.Spec.Names.Plural)
			}
		}
		for _, verb := range []string{"get", "list", "watch"} {
			if !allows(viewer, crd.Spec.Group, crd.Spec.Names.Plural, verb) {
				t.Errorf("%s does not allow %s on %s", helmViewerRole, verb, crd.Spec.Names.Plural)
			}
		}
		for _, verb := range []string{"create", "update", "patch", "delete"} {
			if allows(viewer, crd.Spec.Group, crd.Spec.Names.Plural, verb) {
				t.Errorf("%s allows %s on %s", helmViewerRole, verb, crd.Spec.Names.Plural)
			}
		}
	}
	for _, r := range append(slices.Clone(editor), viewer...) {
		for _, g := range r.APIGroups {
			if !groups[g] {
				t.Errorf("a user-facing role grants API group %q", g)
			}
		}
	}

	if n := len(helmTemplate(t, "--set", "crds.enabled=false").find("CustomResourceDefinition")); n != 0 {
		t.Errorf("crds.enabled=false renders %d CRDs", n)
	}
	if out := helmTemplate(t, "--set", "rbac.aggregateToDefaultRoles=false"); out.has("ClusterRole", helmEditorRole) || out.has("ClusterRole", helmViewerRole) {
		t.Error("rbac.aggregateToDefaultRoles=false still renders the editor and viewer roles")
	}
}

// TestHelmDefaultValues checks what the chart installs with its default values: the same
// hardened Deployment as config/default, the metrics Service, least-privilege RBAC without
// Secrets or leader election, and the appVersion image.
func TestHelmDefaultValues(t *testing.T) {
	out := helmTemplate(t)
	// ClusterRoles: manager, metrics auth, metrics reader, editor, viewer.
	wantKinds := map[string]int{"CustomResourceDefinition": len(configCRDs(t)), "ServiceAccount": 1, "ClusterRole": 5,
		"ClusterRoleBinding": 2, "Deployment": 1, "Service": 1}
	if got := out.kinds(); !reflect.DeepEqual(got, wantKinds) {
		t.Errorf("kinds %v, want %v", got, wantKinds)
	}
	for _, o := range out {
		clusterScoped := o.Kind == "CustomResourceDefinition" || strings.HasPrefix(o.Kind, "Cluster")
		if clusterScoped && o.Namespace != "" || !clusterScoped && o.Namespace != helmNamespace {
			t.Errorf("%s/%s in namespace %q", o.Kind, o.Name, o.Namespace)
		}
	}

	d := into[appsv1.Deployment](t, out.get(t, "Deployment", helmDeployment))
	checkHardened(t, d)
	pod := d.Spec.Template.Spec
	c := managerContainer(t, d)
	if want := "ghcr.io/azgallery/gallery-operator:" + chartAppVersion(t); c.Image != want {
		t.Errorf("image %q, want %q", c.Image, want)
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
		t.Errorf("replicas %v, want 1", d.Spec.Replicas)
	}
	if pod.ServiceAccountName != helmSA || !out.has("ServiceAccount", helmSA) {
		t.Errorf("serviceAccountName %q: want %q, present in the output", pod.ServiceAccountName, helmSA)
	}
	if pod.AutomountServiceAccountToken == nil || !*pod.AutomountServiceAccountToken {
		t.Error("automountServiceAccountToken must be true")
	}
	if pod.Affinity == nil || pod.Affinity.NodeAffinity == nil {
		t.Error("the default affinity must keep the pod on linux/amd64 and linux/arm64 nodes")
	}
	if len(c.Command) != 1 || c.Command[0] != "/manager" {
		t.Errorf("command %v, want [/manager]", c.Command)
	}
	wantArgs := []string{"--health-probe-bind-address=:8081", "--metrics-bind-address=:8443", "--drift-resync=1h",
		"--terminal-error-retry=1h", "--default-management-policy=Manage", "--max-concurrent-reconciles=4", "--zap-log-level=info"}
	if !slices.Equal(c.Args, wantArgs) {
		t.Errorf("args %v, want %v (no leader election, credential Secrets, namespaces or label selector)", c.Args, wantArgs)
	}
	if len(c.EnvFrom) != 0 {
		t.Errorf("envFrom %+v: no Azure Secret unless azure.existingSecret is set", c.EnvFrom)
	}
	for _, e := range c.Env {
		if strings.HasPrefix(e.Name, "AZURE_") {
			t.Errorf("env %s set without a value asking for it", e.Name)
		}
	}
	if d.Spec.Template.Labels["azure.workload.identity/use"] != "" {
		t.Error("workload identity is off by default")
	}

	svc := into[corev1.Service](t, out.get(t, "Service", helmMetricsSvc))
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Name != "metrics" || svc.Spec.Ports[0].Port != 8443 {
		t.Fatalf("metrics Service ports %+v, want one port 8443 named metrics", svc.Spec.Ports)
	}
	if port := containerPort(c, svc.Spec.Ports[0].TargetPort); port != 8443 {
		t.Errorf("metrics Service targetPort %s is container port %d, want 8443", svc.Spec.Ports[0].TargetPort.String(), port)
	}
	if !selects(svc.Spec.Selector, d.Spec.Template.Labels) {
		t.Errorf("metrics Service selector %v does not select the pod labels %v", svc.Spec.Selector, d.Spec.Template.Labels)
	}

	checkNoSecrets(t, out.policyRules(t))
	b := into[rbacv1.ClusterRoleBinding](t, out.get(t, "ClusterRoleBinding", helmRelease+"-manager-rolebinding"))
	if b.RoleRef.Kind != "ClusterRole" || b.RoleRef.Name != helmManagerRole {
		t.Errorf("manager binding refers to %s %s", b.RoleRef.Kind, b.RoleRef.Name)
	}
	if len(b.Subjects) != 1 || b.Subjects[0].Kind != "ServiceAccount" || b.Subjects[0].Name != helmSA || b.Subjects[0].Namespace != helmNamespace {
		t.Errorf("manager binding subjects %+v, want ServiceAccount %s/%s", b.Subjects, helmNamespace, helmSA)
	}
	for _, o := range out {
		if o.Kind == "CustomResourceDefinition" {
			continue
		}
		meta := o.Raw["metadata"].(map[string]any)
		labels, _ := meta["labels"].(map[string]any)
		if labels["app.kubernetes.io/managed-by"] != "Helm" || labels["app.kubernetes.io/instance"] != helmRelease {
			t.Errorf("%s/%s labels %v lack managed-by Helm and the instance", o.Kind, o.Name, labels)
		}
	}
}

// TestHelmLeaderElection checks that the manager elects a leader, with a Role in the release
// namespace, when replicaCount > 1 or leaderElection.enabled, and not otherwise.
func TestHelmLeaderElection(t *testing.T) {
	for _, tc := range []struct {
		set  []string
		want bool
	}{
		{nil, false},
		{[]string{"replicaCount=2"}, true},
		{[]string{"replicaCount=3"}, true},
		{[]string{"leaderElection.enabled=true"}, true},
	} {
		var args []string
		for _, s := range tc.set {
			args = append(args, "--set", s)
		}
		out := helmTemplate(t, args...)
		d := into[appsv1.Deployment](t, out.get(t, "Deployment", helmDeployment))
		_, elect := argValue(managerContainer(t, d).Args, "--leader-elect")
		hasRole := out.has("Role", helmLeaderRole) && out.has("RoleBinding", helmRelease+"-leader-election-rolebinding")
		if elect != tc.want || hasRole != tc.want {
			t.Errorf("%v: --leader-elect %t, leader election Role %t; want %t", tc.set, elect, hasRole, tc.want)
		}
		if !tc.want {
			continue
		}
		rules := out.policyRules(t)["Role/"+helmLeaderRole]
		if !allows(rules, "coordination.k8s.io", "leases", "update") || out.get(t, "Role", helmLeaderRole).Namespace != helmNamespace {
			t.Errorf("%v: the leader election Role must allow leases in %s", tc.set, helmNamespace)
		}
		rb := into[rbacv1.RoleBinding](t, out.get(t, "RoleBinding", helmRelease+"-leader-election-rolebinding"))
		if rb.RoleRef.Name != helmLeaderRole || len(rb.Subjects) != 1 || rb.Subjects[0].Name != helmSA {
			t.Errorf("%v: leader election binding %+v", tc.set, rb)
		}
	}
}

// TestHelmPodDisruptionBudget checks the podDisruptionBudget toggle.
func TestHelmPodDisruptionBudget(t *testing.T) {
	if helmTemplate(t).has("PodDisruptionBudget", helmPDB) {
		t.Error("a PodDisruptionBudget is rendered by default")
	}
	out := helmTemplate(t, "--set", "podDisruptionBudget.enabled=true", "--set", "replicaCount=2")
	pdb := into[policyv1.PodDisruptionBudget](t, out.get(t, "PodDisruptionBudget", helmPDB))
	if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() != 1 {
		t.Errorf("minAvailable %v, want 1", pdb.Spec.MinAvailable)
	}
	d := into[appsv1.Deployment](t, out.get(t, "Deployment", helmDeployment))
	if pdb.Spec.Selector == nil || !selects(pdb.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
		t.Errorf("PDB selector %v does not select the manager pods %v", pdb.Spec.Selector, d.Spec.Template.Labels)
	}
	out = helmTemplate(t, "--set", "podDisruptionBudget.enabled=true", "--set", "podDisruptionBudget.minAvailable=50%")
	if pdb := into[policyv1.PodDisruptionBudget](t, out.get(t, "PodDisruptionBudget", helmPDB)); pdb.Spec.MinAvailable.String() != "50%" {
		t.Errorf("minAvailable %v, want 50%%", pdb.Spec.MinAvailable)
	}
}

// TestHelmOperatorFlags checks that values become the manager's flags and environment.
func TestHelmOperatorFlags(t *testing.T) {
	out := helmTemplate(t,
		"--set", "driftResync=30m",
		"--set", "terminalErrorRetry=10m",
		"--set", "defaultManagementPolicy=Observe",
		"--set", "maxConcurrentReconciles=8",
		"--set", "watchNamespaces={team-a,team-b}",
		"--set", "watchLabelSelector=shard in (a)",
		"--set", "logLevel=debug",
		"--set", "extraArgs={--zap-devel}",
		"--set", "extraEnv[0].name=HTTPS_PROXY", "--set", "extraEnv[0].value=http://proxy:3128",
		"--set", "azure.subscriptionId=00000000-0000-0000-0000-000000000001",
		"--set", "azure.authorityHost=https://login.microsoftonline.us/",
		"--set", "azure.resourceManagerEndpoint=https://management.usgovcloudapi.net",
		"--set", "azure.resourceManagerAudience=https://management.core.usgovcloudapi.net/",
		"--set", "azure.caBundle.configMapName=azure-ca",
		"--set", "metrics.port=9090",
		"--set", "image.repository=registry.example.com/gallery-operator", "--set", "image.tag=v1.2.3",
		"--set", "image.pullPolicy=Always",
	)
	d := into[appsv1.Deployment](t, out.get(t, "Deployment", helmDeployment))
	checkHardened(t, d)
	c := managerContainer(t, d)
	for flag, want := range map[string]string{
		"--drift-resync":              "30m",
		"--terminal-error-retry":      "10m",
		"--default-management-policy": "Observe",
		"--max-concurrent-reconciles": "8",
		"--watch-namespaces":          "team-a,team-b",
		"--watch-label-selector":      "shard in (a)",
		"--zap-log-level":             "debug",
		"--metrics-bind-address":      ":9090",
		"--zap-devel":                 "",
	} {
		if v, ok := argValue(c.Args, flag); !ok || v != want {
			t.Errorf("args %q: want %s=%q", c.Args, flag, want)
		}
	}
	if c.Image != "registry.example.com/gallery-operator:v1.2.3" || c.ImagePullPolicy != corev1.PullAlways {
		t.Errorf("image %s (%s), want registry.example.com/gallery-operator:v1.2.3 (Always)", c.Image, c.ImagePullPolicy)
	}
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	for k, v := range map[string]string{
		"HTTPS_PROXY":                     "http://proxy:3128",
		"AZURE_SUBSCRIPTION_ID":           "00000000-0000-0000-0000-000000000001",
		"AZURE_AUTHORITY_HOST":            "https://login.microsoftonline.us/",
		"AZURE_RESOURCE_MANAGER_ENDPOINT": "https://management.usgovcloudapi.net",
		"AZURE_RESOURCE_MANAGER_AUDIENCE": "https://management.core.usgovcloudapi.net/",
		"AZURE_CA_BUNDLE":                 "/etc/azure-ca/ca.crt",
	} {
		if env[k] != v {
			t.Errorf("env %s=%q, want %q", k, env[k], v)
		}
	}
	// The CA bundle is the ConfigMap, mounted read-only where AZURE_CA_BUNDLE points.
	var mounted bool
	for _, m := range c.VolumeMounts {
		if m.Name == "azure-ca" && m.MountPath == "/etc/azure-ca" && m.ReadOnly {
			mounted = true
		}
	}
	var volume bool
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.Name == "azure-ca" && v.ConfigMap != nil && v.ConfigMap.Name == "azure-ca" {
			volume = true
		}
	}
	if !mounted || !volume {
		t.Errorf("the azure-ca ConfigMap is not mounted read-only at /etc/azure-ca (mounts %+v)", c.VolumeMounts)
	}
	svc := into[corev1.Service](t, out.get(t, "Service", helmMetricsSvc))
	if svc.Spec.Ports[0].Port != 9090 || containerPort(c, svc.Spec.Ports[0].TargetPort) != 9090 {
		t.Errorf("metrics Service port %+v, want 9090 to the container's 9090", svc.Spec.Ports[0])
	}

	// An empty label selector is not passed (the flag may not exist in older managers).
	c = managerContainer(t, into[appsv1.Deployment](t, helmTemplate(t, "--set", "watchLabelSelector=").get(t, "Deployment", helmDeployment)))
	if _, ok := argValue(c.Args, "--watch-label-selector"); ok {
		t.Errorf("args %v: --watch-label-selector passed while empty", c.Args)
	}
}

// TestHelmPodSettings checks the scheduling and metadata values of the pod, and a ServiceAccount
// that the user brings.
func TestHelmPodSettings(t *testing.T) {
	values := `
imagePullSecrets: [{name: regcred}]
priorityClassName: system-cluster-critical
nodeSelector: {kubernetes.io/os: linux}
tolerations: [{key: dedicated, operator: Equal, value: infra, effect: NoSchedule}]
affinity: null   # drops the default node affinity ({} would merge with it)
topologySpreadConstraints:
- {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway}
podAnnotations: {example.com/note: hello}
podLabels: {team: platform}
resources:
  requests: {cpu: 50m, memory: 128Mi}
  limits: {cpu: "1", memory: 512Mi}
serviceAccount: {create: false, name: my-operator}
`
	out := helmTemplate(t, "-f", writeValues(t, values))
	d := into[appsv1.Deployment](t, out.get(t, "Deployment", helmDeployment))
	checkHardened(t, d)
	pod := d.Spec.Template.Spec
	if len(pod.ImagePullSecrets) != 1 || pod.ImagePullSecrets[0].Name != "regcred" {
		t.Errorf("imagePullSecrets %+v", pod.ImagePullSecrets)
	}
	if pod.PriorityClassName != "system-cluster-critical" || pod.NodeSelector["kubernetes.io/os"] != "linux" ||
		len(pod.Tolerations) != 1 || pod.Tolerations[0].Key != "dedicated" || pod.Affinity != nil {
		t.Errorf("priorityClassName %q, nodeSelector %v, tolerations %+v, affinity %+v", pod.PriorityClassName, pod.NodeSelector, pod.Tolerations, pod.Affinity)
	}
	if len(pod.TopologySpreadConstraints) != 1 {
		t.Fatalf("topologySpreadConstraints %+v", pod.TopologySpreadConstraints)
	}
	if ls := pod.TopologySpreadConstraints[0].LabelSelector; ls == nil || !selects(ls.MatchLabels, d.Spec.Template.Labels) ||
		ls.MatchLabels["app.kubernetes.io/instance"] != helmRelease {
		t.Errorf("the topology spread constraint's default labelSelector %+v does not select this release's pods", ls)
	}
	if d.Spec.Template.Annotations["example.com/note"] != "hello" || d.Spec.Template.Labels["team"] != "platform" {
		t.Errorf("pod annotations %v, labels %v", d.Spec.Template.Annotations, d.Spec.Template.Labels)
	}
	if _, ok := d.Spec.Selector.MatchLabels["team"]; ok {
		t.Error("podLabels must not enter the (immutable) selector")
	}
	if r := managerContainer(t, d).Resources.Limits[corev1.ResourceMemory]; r.String() != "512Mi" {
		t.Errorf("memory limit %s, want 512Mi", r.String())
	}
	if pod.ServiceAccountName != "my-operator" || out.has("ServiceAccount", "my-operator") || len(out.find("ServiceAccount")) != 0 {
		t.Errorf("serviceAccount.create=false: serviceAccountName %q and %d ServiceAccounts rendered", pod.ServiceAccountName, len(out.find("ServiceAccount")))
	}
	b := into[rbacv1.ClusterRoleBinding](t, out.get(t, "ClusterRoleBinding", helmRelease+"-manager-rolebinding"))
	if b.Subjects[0].Name != "my-operator" {
		t.Errorf("the manager binding's subject is %s, want my-operator", b.Subjects[0].Name)
	}
}

// TestHelmAzureExistingSecret checks that azure.existingSecret becomes the container's envFrom.
func TestHelmAzureExistingSecret(t *testing.T) {
	out := helmTemplate(t, "--set", "azure.existingSecret=azure-sp")
	d := into[appsv1.Deployment](t, out.get(t, "Deployment", helmDeployment))
	c := managerContainer(t, d)
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].SecretRef == nil || c.EnvFrom[0].SecretRef.Name != "azure-sp" {
		t.Errorf("envFrom %+v, want the Secret azure-sp", c.EnvFrom)
	}
	if d.Spec.Template.Labels["azure.workload.identity/use"] != "" {
		t.Error("a client secret and workload identity at once")
	}
	// The manager's own Secret needs no RBAC: the kubelet reads it.
	checkNoSecrets(t, out.policyRules(t))
}

// TestHelmWorkloadIdentity checks the workload identity values file: the ServiceAccount
// annotations and pod label the Azure Workload Identity webhook acts on, and no client secret.
func TestHelmWorkloadIdentity(t *testing.T) {
	file := chartDir + "/ci/workload-identity-values.yaml"
	var values struct {
		Azure struct {
			SubscriptionID   string `json:"subscriptionId"`
			WorkloadIdentity struct {
				Enabled  bool   `json:"enabled"`
				ClientID string `json:"clientId"`
				TenantID string `json:"tenantId"`
			} `json:"workloadIdentity"`
		} `json:"azure"`
	}
	if err := yaml.Unmarshal(readRepoFile(t, file), &values); err != nil {
		t.Fatal(err)
	}
	wi := values.Azure.WorkloadIdentity
	if !wi.Enabled || wi.ClientID == "" || wi.TenantID == "" || values.Azure.SubscriptionID == "" {
		t.Fatalf("%s must enable workload identity with a client ID, a tenant ID and a subscription", file)
	}
	out := helmTemplate(t, "-f", file)
	sa := into[corev1.ServiceAccount](t, out.get(t, "ServiceAccount", helmSA))
	if sa.Annotations["azure.workload.identity/client-id"] != wi.ClientID || sa.Annotations["azure.workload.identity/tenant-id"] != wi.TenantID {
		t.Errorf("ServiceAccount annotations %v, want client-id %s and tenant-id %s", sa.Annotations, wi.ClientID, wi.TenantID)
	}
	d := into[appsv1.Deployment](t, out.get(t, "Deployment", helmDeployment))
	checkHardened(t, d)
	if d.Spec.Template.Labels["azure.workload.identity/use"] != "true" {
		t.Errorf("pod labels %v lack azure.workload.identity/use=true", d.Spec.Template.Labels)
	}
	if _, ok := d.Spec.Selector.MatchLabels["azure.workload.identity/use"]; ok {
		t.Error("the workload identity label must not be in the (immutable) selector")
	}
	if d.Spec.Template.Spec.ServiceAccountName != sa.Name {
		t.Errorf("serviceAccountName %q, want %q", d.Spec.Template.Spec.ServiceAccountName, sa.Name)
	}
	c := managerContainer(t, d)
	if len(c.EnvFrom) != 0 {
		t.Errorf("envFrom %+v: a client secret would take precedence over workload identity", c.EnvFrom)
	}
	var sub string
	for _, e := range c.Env {
		if e.Name == "AZURE_SUBSCRIPTION_ID" {
			sub = e.Value
		}
		if e.Name == "AZURE_CLIENT_SECRET" {
			t.Error("AZURE_CLIENT_SECRET set with workload identity")
		}
	}
	if sub != values.Azure.SubscriptionID {
		t.Errorf("AZURE_SUBSCRIPTION_ID %q, want %q (the webhook does not inject it)", sub, values.Azure.SubscriptionID)
	}
	checkNoSecrets(t, out.policyRules(t))

	// Workload identity and a client secret exclude each other; a client ID is required.
	for bad, want := range map[string]string{
		"azure.existingSecret=azure-sp":    "exclude each other",
		"azure.workloadIdentity.clientId=": "clientId is required",
	} {
		if _, err := helmTemplateRaw(t, "-f", file, "--set", bad); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("helm template with workload identity and %s: error %v, want one saying %q", bad, err, want)
		}
	}
}

// TestHelmCredentialSecrets checks credentialSecrets: the flag and `get` on Secrets, cluster-wide
// or in the listed namespaces only.
func TestHelmCredentialSecrets(t *testing.T) {
	for name, tc := range map[string]struct {
		set        []string
		namespaces []string // where RoleBindings are; nil for a ClusterRoleBinding
	}{
		"cluster-wide": {[]string{"credentialSecrets.enabled=true"}, nil},
		"namespaced":   {[]string{"credentialSecrets.enabled=true", "credentialSecrets.namespaces={team-a,team-b}"}, []string{"team-a", "team-b"}},
	} {
		t.Run(name, func(t *testing.T) {
			var args []string
			for _, s := range tc.set {
				args = append(args, "--set", s)
			}
			out := helmTemplate(t, args...)
			c := managerContainer(t, into[appsv1.Deployment](t, out.get(t, "Deployment", helmDeployment)))
			if v, ok := argValue(c.Args, "--enable-credential-secrets"); !ok || v != "true" {
				t.Errorf("args %v lack --enable-credential-secrets=true", c.Args)
			}
			var secretRoles []string
			for role, rs := range out.policyRules(t) {
				for _, r := range rs {
					if grantsSecrets(r) {
						secretRoles = append(secretRoles, role)
					}
				}
			}
			if want := []string{"ClusterRole/" + helmSecretsRole}; !slices.Equal(secretRoles, want) {
				t.Fatalf("roles granting Secrets %v, want %v", secretRoles, want)
			}
			wantRules := []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get"}}}
			if r := out.policyRules(t)["ClusterRole/"+helmSecretsRole]; !reflect.DeepEqual(r, wantRules) {
				t.Errorf("%s rules %+v, want only get on secrets", helmSecretsRole, r)
			}
			var bound []string
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
				}
				if ref.Name != helmSecretsRole {
					continue
				}
				if len(subjects) != 1 || subjects[0].Name != helmSA || subjects[0].Namespace != helmNamespace {
					t.Errorf("%s/%s subjects %+v", o.Kind, o.Name, subjects)
				}
				if o.Kind == "ClusterRoleBinding" {
					bound = append(bound, "*")
				} else {
					bound = append(bound, o.Namespace)
				}
			}
			want := tc.namespaces
			if want == nil {
				want = []string{"*"}
			}
			slices.Sort(bound)
			if !slices.Equal(bound, want) {
				t.Errorf("the Secret reader is bound in %v, want %v", bound, want)
			}
		})
	}
	if _, err := helmTemplateRaw(t, "--set", "credentialSecrets.namespaces={team-a}"); err == nil || !strings.Contains(err.Error(), "credentialSecrets.enabled is false") {
		t.Errorf("credentialSecrets.namespaces without credentialSecrets.enabled: error %v, want one naming credentialSecrets.enabled", err)
	}
}

// TestHelmServiceMonitor checks the optional ServiceMonitor: it scrapes the metrics Service.
func TestHelmServiceMonitor(t *testing.T) {
	if len(helmTemplate(t).find("ServiceMonitor")) != 0 {
		t.Error("a ServiceMonitor is rendered by default")
	}
	out := helmTemplate(t, "--set", "metrics.serviceMonitor.enabled=true", "--set", "metrics.serviceMonitor.labels.release=prom")
	m := out.get(t, "ServiceMonitor", helmMonitor)
	if m.APIVersion != "monitoring.coreos.com/v1" || m.Namespace != helmNamespace {
		t.Errorf("ServiceMonitor %s in %q", m.APIVersion, m.Namespace)
	}
	var sm struct {
		Metadata struct {
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
		Spec struct {
			JobLabel  string `json:"jobLabel"`
			Endpoints []struct {
				Port            string `json:"port"`
				Path            string `json:"path"`
				Scheme          string `json:"scheme"`
				BearerTokenFile string `json:"bearerTokenFile"`
				TLSConfig       *struct {
					InsecureSkipVerify bool `json:"insecureSkipVerify"`
				} `json:"tlsConfig"`
			} `json:"endpoints"`
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
		} `json:"spec"`
	}
	raw, err := yaml.Marshal(m.Raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &sm); err != nil {
		t.Fatal(err)
	}
	svc := into[corev1.Service](t, out.get(t, "Service", helmMetricsSvc))
	if !selects(sm.Spec.Selector.MatchLabels, svc.Labels) {
		t.Errorf("ServiceMonitor selector %v does not select the metrics Service labels %v", sm.Spec.Selector.MatchLabels, svc.Labels)
	}
	if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != "metrics" || sm.Spec.Endpoints[0].Path != "/metrics" ||
		sm.Spec.Endpoints[0].Scheme != "https" || sm.Spec.Endpoints[0].BearerTokenFile == "" ||
		sm.Spec.Endpoints[0].TLSConfig == nil || !sm.Spec.Endpoints[0].TLSConfig.InsecureSkipVerify {
		t.Errorf("ServiceMonitor endpoints %+v, want port metrics, path /metrics, https with a bearer token", sm.Spec.Endpoints)
	}
	if sm.Metadata.Labels["release"] != "prom" {
		t.Errorf("ServiceMonitor labels %v lack release=prom", sm.Metadata.Labels)
	}
	// The alerts and the dashboard select job="gallery-operator", whatever the release's name.
	if job := svc.Labels[sm.Spec.JobLabel]; job != "gallery-operator" {
		t.Errorf("ServiceMonitor jobLabel %q: the metrics Service's label is %q, want gallery-operator", sm.Spec.JobLabel, job)
	}
}

// TestHelmPrometheusRule checks the optional PrometheusRule: the alerts of
// config/prometheus/rules.yaml, with the extra labels.
func TestHelmPrometheusRule(t *testing.T) {
	if len(helmTemplate(t).find("PrometheusRule")) != 0 {
		t.Error("a PrometheusRule is rendered by default")
	}
	out := helmTemplate(t, "--set", "metrics.prometheusRule.enabled=true", "--set", "metrics.prometheusRule.labels.release=prom")
	r := out.get(t, "PrometheusRule", helmRelease+"-alerts")
	if r.APIVersion != "monitoring.coreos.com/v1" || r.Namespace != helmNamespace {
		t.Errorf("PrometheusRule %s in %q", r.APIVersion, r.Namespace)
	}
	var config map[string]any
	if err := yaml.Unmarshal(readRepoFile(t, "config/prometheus/rules.yaml"), &config); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.Raw["spec"], config["spec"]) {
		t.Error("the chart's PrometheusRule spec differs from config/prometheus/rules.yaml (run make manifests)")
	}
	if labels, _ := r.Raw["metadata"].(map[string]any)["labels"].(map[string]any); labels["release"] != "prom" {
		t.Errorf("PrometheusRule labels %v lack release=prom", labels)
	}
}

// TestHelmGrafanaDashboard checks the optional dashboard ConfigMap: the chart's dashboard file,
// labelled for Grafana's sidecar, in the release namespace or the one asked for.
func TestHelmGrafanaDashboard(t *testing.T) {
	if len(helmTemplate(t).find("ConfigMap")) != 0 {
		t.Error("a ConfigMap is rendered by default")
	}
	want := string(readRepoFile(t, chartDir+"/dashboards/gallery-operator.json"))
	for _, tc := range []struct {
		args          []string
		namespace     string
		label, lvalue string
	}{
		{nil, helmNamespace, "grafana_dashboard", "1"},
		{[]string{"--set", "metrics.grafanaDashboard.namespace=monitoring",
			"--set-string", "metrics.grafanaDashboard.labels.dashboards=gallery"}, "monitoring", "dashboards", "gallery"},
	} {
		out := helmTemplate(t, append([]string{"--set", "metrics.grafanaDashboard.enabled=true"}, tc.args...)...)
		cm := into[corev1.ConfigMap](t, out.get(t, "ConfigMap", helmRelease+"-dashboard"))
		if cm.Namespace != tc.namespace || cm.Labels[tc.label] != tc.lvalue {
			t.Errorf("%v: dashboard ConfigMap in %q with labels %v, want namespace %q and %s=%s", tc.args, cm.Namespace, cm.Labels, tc.namespace, tc.label, tc.lvalue)
		}
		if got := cm.Data["gallery-operator.json"]; strings.TrimSpace(got) != strings.TrimSpace(want) {
			t.Errorf("%v: the ConfigMap's gallery-operator.json is not %s/dashboards/gallery-operator.json", tc.args, chartDir)
		}
	}
}

// TestHelmValuesSchema checks that values.schema.json rejects misspelt and mistyped values
// instead of ignoring them.
func TestHelmValuesSchema(t *testing.T) {
	for _, bad := range []string{
		"replicas=2",                           // replicaCount
		"azure.existingSecrets=x",              // existingSecret
		"driftResync=1hour",                    // not a Go duration
		"terminalErrorRetry=soon",              // not a Go duration
		"defaultManagementPolicy=manage",       // Manage, Observe or Paused
		"syncPeriod=1h",                        // driftResync
		"watchNamespaces=team-a",               // a list
		"maxConcurrentReconciles=0",            // at least 1
		"image.pullPolicy=Sometimes",           // not a pull policy
		"credentialSecrets.enable=true",        // enabled
		"metrics.serviceMonitor.enable=true",   // enabled
		"metrics.prometheusRules.enabled=true", // prometheusRule
		"metrics.grafanaDashboard.label=x",     // labels
	} {
		if _, err := helmTemplateRaw(t, "--set", bad); err == nil || !strings.Contains(err.Error(), "schema") {
			t.Errorf("--set %s: error %v, want a schema error", bad, err)
		}
	}
}
