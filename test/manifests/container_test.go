package manifests_test

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestManagerBuildsStatic builds the manager as the Dockerfile does (CGO_ENABLED=0, -trimpath,
// -ldflags "-s -w") for both image platforms and checks each result is a static ELF executable
// for the right machine, which is what distroless/static can run.
func TestManagerBuildsStatic(t *testing.T) {
	if _, err := os.Stat(filepath.Join(repoRoot, "main.go")); os.IsNotExist(err) {
		t.Skip("main.go does not exist yet at the repository root; nothing to build")
	}
	if testing.Short() {
		t.Skip("cross-builds the manager; skipped with -short")
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		arch    string
		machine elf.Machine
	}{
		{"amd64", elf.EM_X86_64},
		{"arm64", elf.EM_AARCH64},
	} {
		t.Run(tc.arch, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(dir, "manager-"+tc.arch)
			cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
			cmd.Dir = repoRoot
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+tc.arch)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("go build for linux/%s: %v\n%s", tc.arch, err, b)
			}
			f, err := elf.Open(out)
			if err != nil {
				t.Fatalf("not an ELF file: %v", err)
			}
			defer f.Close()
			if f.Machine != tc.machine || f.Class != elf.ELFCLASS64 || f.Type != elf.ET_EXEC {
				t.Errorf("ELF machine %v class %v type %v, want %v ELFCLASS64 ET_EXEC", f.Machine, f.Class, f.Type, tc.machine)
			}
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
					t.Errorf("program header %v: the binary is dynamically linked", p.Type)
				}
			}
			if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
				t.Errorf("the binary needs shared libraries %v", libs)
			}
			if s := f.Section(".symtab"); s != nil {
				t.Error("the binary keeps its symbol table: -ldflags -s did not apply")
			}
		})
	}
}

// dockerInstruction is one instruction of the Dockerfile, continuation lines joined.
type dockerInstruction struct {
	cmd  string
	args string
}

// parseDockerfile reads the instructions of the Dockerfile, without comments.
func parseDockerfile(t *testing.T) []dockerInstruction {
	t.Helper()
	var out []dockerInstruction
	var cur strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(readRepoFile(t, "Dockerfile")))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, dockerInstruction{strings.ToUpper(cmd), strings.Join(strings.Fields(args), " ")})
		cur.Reset()
	}
	return out
}

// TestDockerfile checks the Dockerfile, which cannot be built here (no container engine): the
// stages, the build command, that it copies every package the manager is built from and that
// .dockerignore keeps them in the build context, and the non-root distroless runtime.
func TestDockerfile(t *testing.T) {
	ins := parseDockerfile(t)
	var froms, copies, runs []string
	args := map[string]bool{}
	var user, entrypoint string
	for _, in := range ins {
		switch in.cmd {
		case "FROM":
			froms = append(froms, in.args)
		case "COPY":
			copies = append(copies, in.args)
		case "RUN":
			runs = append(runs, in.args)
		case "ARG":
			args[in.args] = true
		case "USER":
			user = in.args
		case "ENTRYPOINT":
			entrypoint = in.args
		}
	}

	// Builder: the Go release of go.mod.
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(readRepoFile(t, "go.mod"))
	if goVersion == nil {
		t.Fatal("go.mod has no go directive")
	}
	if len(froms) != 2 {
		t.Fatalf("FROM %v: want a builder and a runtime stage", froms)
	}
	if !regexp.MustCompile(`(^|\s)golang:` + regexp.QuoteMeta(string(goVersion[1])) + `\S*\s+AS\s+builder$`).MatchString(froms[0]) {
		t.Errorf("builder stage %q: want golang:%s AS builder", froms[0], goVersion[1])
	}
	if froms[1] != "gcr.io/distroless/static:nonroot" {
		t.Errorf("runtime stage %q, want gcr.io/distroless/static:nonroot", froms[1])
	}
	for _, a := range []string{"TARGETOS", "TARGETARCH"} {
		if !args[a] {
			t.Errorf("no ARG %s: buildx cannot cross-compile for --platform", a)
		}
	}

	// Dependencies are downloaded in their own layer, before the sources are copied.
	download := slices.Index(runs, "go mod download")
	if download < 0 {
		t.Errorf("no RUN go mod download layer; RUNs: %v", runs)
	}
	if len(copies) == 0 || copies[0] != "go.mod go.sum ./" {
		t.Errorf("the first COPY is %v, want go.mod go.sum ./ (before go mod download)", copies)
	}
	var buildRun string
	for _, r := range runs {
		if strings.Contains(r, "go build") {
			buildRun = r
		}
	}
	for _, want := range []string{"CGO_ENABLED=0", "GOOS=${TARGETOS:-linux}", "GOARCH=${TARGETARCH}", "go build", "-trimpath", `-ldflags="-s -w"`, "-o manager ."} {
		if !strings.Contains(buildRun, want) {
			t.Errorf("build step %q lacks %s", buildRun, want)
		}
	}

	// Every package of this module that the manager imports is copied into the builder, and
	// .dockerignore keeps it in the build context.
	copied := map[string]bool{}
	for _, c := range copies {
		if strings.HasPrefix(c, "--from=") {
			continue
		}
		f := strings.Fields(c)
		for _, src := range f[:len(f)-1] {
			copied[strings.TrimSuffix(src, "/")] = true
		}
	}
	ignored := dockerIgnored(t)
	for _, dir := range managerPackageDirs(t) {
		top := strings.Split(dir, "/")[0]
		if dir == "." {
			top = "main.go"
		}
		if !copied[top] {
			t.Errorf("the manager is built from %s, but the Dockerfile does not copy %s", dir, top)
		}
	}
	for src := range copied {
		if _, err := os.Stat(filepath.Join(repoRoot, src)); err != nil {
			t.Errorf("COPY %s: %v", src, err)
		}
		if ignored(src) {
			t.Errorf("COPY %s, but .dockerignore excludes it from the build context", src)
		}
	}
	for _, p := range []string{".git", "bin", "testbin"} {
		if !ignored(p) {
			t.Errorf(".dockerignore does not exclude %s", p)
		}
	}

	// Runtime: the binary alone, as the distroless nonroot user, matching runAsUser in
	// config/manager.
	if !slices.Contains(copies, "--from=builder /workspace/manager /manager") {
		t.Errorf("COPYs %v: want --from=builder /workspace/manager /manager", copies)
	}
	if user != "65532:65532" {
		t.Errorf("USER %q, want 65532:65532", user)
	}
	var ep []string
	if err := json.Unmarshal([]byte(entrypoint), &ep); err != nil || !slices.Equal(ep, []string{"/manager"}) {
		t.Errorf("ENTRYPOINT %s, want [\"/manager\"] (exec form)", entrypoint)
	}
}

// managerPackageDirs lists the directories, relative to the repository root, of this module's
// packages that the manager is built from.
func managerPackageDirs(t *testing.T) []string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(repoRoot, "main.go")); os.IsNotExist(err) {
		t.Skip("main.go does not exist yet at the repository root")
	}
	cmd := exec.Command("go", "list", "-deps", "-f", "{{if .Module}}{{if .Module.Main}}{{.Dir}}{{end}}{{end}}", ".")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps .: %v", err)
	}
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, d := range strings.Fields(string(out)) {
		rel, err := filepath.Rel(root, d)
		if err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, filepath.ToSlash(rel))
	}
	if len(dirs) == 0 {
		t.Fatal("go list found no packages of this module")
	}
	return dirs
}

// dockerIgnored returns a matcher for .dockerignore: whether a path (relative to the context
// root) is excluded. It understands the patterns this repository uses: names, globs, trailing
// slashes and "**/" prefixes; "!" exceptions re-include.
func dockerIgnored(t *testing.T) func(string) bool {
	t.Helper()
	var patterns []string
	for _, line := range strings.Split(string(readRepoFile(t, ".dockerignore")), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, line)
		}
	}
	return func(p string) bool {
		excluded := false
		for _, pat := range patterns {
			negate := strings.HasPrefix(pat, "!")
			pat = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(pat, "!"), "/"), "/")
			candidates := []string{p}
			if strings.HasPrefix(pat, "**/") {
				pat = strings.TrimPrefix(pat, "**/")
				candidates = append(candidates, filepath.Base(p))
			}
			for _, c := range candidates {
				// A pattern also excludes everything below a matching directory.
				parts := strings.Split(c, "/")
				for i := range parts {
					if ok, _ := filepath.Match(pat, strings.Join(parts[:i+1], "/")); ok {
						excluded = !negate
					}
				}
			}
		}
		return excluded
	}
}
