package manifests_test

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// workflow is what these tests read of a GitHub Actions workflow.
type workflow struct {
	Permissions map[string]string      `json:"permissions"`
	Jobs        map[string]workflowJob `json:"jobs"`
}

type workflowJob struct {
	Permissions map[string]string `json:"permissions"`
	Uses        string            `json:"uses"`
	Steps       []struct {
		Uses string `json:"uses"`
		Run  string `json:"run"`
	} `json:"steps"`
}

// run is every shell command of the job, one after another.
func (j workflowJob) run() string {
	var b strings.Builder
	for _, s := range j.Steps {
		b.WriteString(s.Run + "\n")
	}
	return b.String()
}

// workflows reads .github/workflows/*.yml by file name (make lint-workflows checks them against
// GitHub's schema with actionlint; these tests check this project's rules).
func workflows(t *testing.T) (map[string]workflow, map[string][]byte) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, ".github", "workflows", "*.y*ml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows in .github/workflows: %v", err)
	}
	parsed, raw := map[string]workflow{}, map[string][]byte{}
	for _, f := range files {
		name := filepath.Base(f)
		raw[name] = readRepoFile(t, filepath.Join(".github", "workflows", name))
		var w workflow
		if err := yaml.Unmarshal(raw[name], &w); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		parsed[name] = w
	}
	return parsed, raw
}

var (
	usesLine   = regexp.MustCompile(`(?m)^\s*(?:-\s+)?uses:\s*(\S+)(.*)$`)
	pinnedUses = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[A-Za-z0-9_./-]+)?@[0-9a-f]{40}$`)
	tagComment = regexp.MustCompile(`^\s+# v\d+(\.\d+)*\s*$`)
)

// TestWorkflowActionsPinned checks every action a workflow uses is pinned by a full commit SHA,
// which a tag move cannot change, with the tag it was as a comment (# v1.2.3) for updates.
func TestWorkflowActionsPinned(t *testing.T) {
	parsed, raw := workflows(t)
	for name, w := range parsed {
		var want []string
		for _, j := range w.Jobs {
			if j.Uses != "" {
				want = append(want, j.Uses)
			}
			for _, s := range j.Steps {
				if s.Uses != "" {
					want = append(want, s.Uses)
				}
			}
		}
		var got []string
		for _, m := range usesLine.FindAllStringSubmatch(string(raw[name]), -1) {
			ref := strings.Trim(m[1], `"'`)
			got = append(got, ref)
			if strings.HasPrefix(ref, "./") {
				continue // an action of this repository, at the same commit
			}
			if !pinnedUses.MatchString(ref) {
				t.Errorf("%s: uses: %s is not pinned by a 40-hex commit SHA", name, ref)
			}
			if !tagComment.MatchString(m[2]) {
				t.Errorf("%s: uses: %s has no '# vX.Y.Z' comment naming its tag", name, ref)
			}
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: the uses: lines %v differ from the parsed uses %v (one this test cannot read?)", name, got, want)
		}
	}
}

// TestWorkflowPermissions checks least privilege: no workflow grants anything by default, each job
// names its own, and only the jobs that need them may write packages (registry pushes) or get an
// OIDC token (cosign's keyless signing).
func TestWorkflowPermissions(t *testing.T) {
	parsed, _ := workflows(t)
	for name, w := range parsed {
		if len(w.Permissions) > 1 || len(w.Permissions) == 1 && w.Permissions["contents"] != "read" {
			t.Errorf("%s: top-level permissions %v, want {} or contents: read", name, w.Permissions)
		}
		for id, j := range w.Jobs {
			if j.Permissions == nil {
				t.Errorf("%s: job %s does not set its permissions", name, id)
			}
			run := j.run()
			needs := map[string]bool{
				"packages": strings.Contains(run, "image-push") || strings.Contains(run, "helm-push"),
				"id-token": strings.Contains(run, "cosign sign"),
				"contents": strings.Contains(run, "gh release"),
			}
			for scope, level := range j.Permissions {
				if level == "write" && !needs[scope] {
					t.Errorf("%s: job %s has %s: write without a step that needs it", name, id, scope)
				}
			}
			for scope, need := range needs {
				if need && j.Permissions[scope] != "write" {
					t.Errorf("%s: job %s needs %s: write", name, id, scope)
				}
			}
		}
	}
}

// TestReleaseWorkflow checks what a v* tag publishes: the image built by make image, pushed and
// signed by digest; the chart with the tag as version and appVersion, pushed and signed; and a
// GitHub release with the SBOMs and install.yaml. And that pull requests run make test.
func TestReleaseWorkflow(t *testing.T) {
	parsed, raw := workflows(t)
	ci, ok := parsed["ci.yml"]
	if !ok || !strings.Contains(string(raw["ci.yml"]), "pull_request") || !strings.Contains(ci.Jobs["test"].run(), ".ci/run") {
		t.Error("ci.yml: want a test job on pull_request that runs .ci/run (make test)")
	}
	rel, ok := parsed["release.yml"]
	if !ok {
		t.Fatal("no release.yml")
	}
	if !regexp.MustCompile(`(?m)^\s+tags: \['v\*'\]$`).Match(raw["release.yml"]) {
		t.Error("release.yml: not triggered by v* tags")
	}
	run := rel.Jobs["release"].run()
	for _, want := range []string{
		"make image ", "make image-push ",
		`cosign sign --yes "${IMAGE_REPO}@$(cat dist/image.digest)"`,
		`make helm-package CHART_VERSION="$VERSION" APP_VERSION="$VERSION"`,
		"make helm-push ", `cosign sign --yes "${CHART_REPO}/gallery-operator@${digest}"`,
		"make install-yaml ", "dist/install.yaml", "dist/sbom/*.spdx.json",
	} {
		if !strings.Contains(run, want) {
			t.Errorf("release.yml: no step runs %s", want)
		}
	}
}
