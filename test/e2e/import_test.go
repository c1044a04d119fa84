package e2e

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	emu "github.com/azgallery/gallery-operator/internal/emulator"
	"github.com/azgallery/gallery-operator/internal/emulator/emulatortest"
	"github.com/azgallery/gallery-operator/internal/importer/importertest"
	"github.com/azgallery/gallery-operator/internal/localenv"
	"github.com/azgallery/gallery-operator/internal/testenv"
)

const importGroup = "import-rg"

// TestImportAdoptsWithoutWrites is the brownfield workflow: galleries, image and application
// definitions, an inVMAccessControlProfile and their versions made outside Kubernetes (through
// ARM, with features, tags, recommended sizes, a purchase plan, sharing groups added with the
// share action, custom actions, versions replicated to two regions)
// are imported with the built kubectl-gallery binary,
// its manifests applied with kubectl while the manager runs, and every object becomes Ready
// without a single write (PUT, PATCH, POST share, DELETE) reaching Azure for those resources.
// Deleting the objects (deletionPolicy Orphan) leaves the resources in Azure.
func TestImportAdoptsWithoutWrites(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	bin := filepath.Join(dir, "kubectl-gallery")
	build := exec.Command("go", "build", "-o", bin, "./cmd/kubectl-gallery")
	build.Dir = testenv.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building kubectl-gallery: %v\n%s", err, out)
	}

	cred, err := emulator.Credential()
	if err != nil {
		t.Fatal(err)
	}
	if err := importertest.Create(ctx, localenv.SubscriptionID, importGroup, cred, emulatortest.ClientOptions(emulator.URL, emulator.HTTP)); err != nil {
		t.Fatal(err)
	}
	made := time.Now()

	// The stream form, with the CA given by flag instead of AZURE_CA_BUNDLE.
	var env []string
	for _, kv := range emulator.Env() {
		if !strings.HasPrefix(kv, "AZURE_CA_BUNDLE=") {
			env = append(env, kv)
		}
	}
	stream := runImport(t, bin, env, "--resource-group", importGroup, "--namespace", "imported", "--azure-ca-bundle", emulator.CAFile)
	if n := strings.Count(stream, "\n---\n") + 1; n != len(importertest.ObjectNames) {
		t.Fatalf("the stream holds %d documents, want %d:\n%s", n, len(importertest.ObjectNames), stream)
	}
	// The directory form, which is applied.
	out := filepath.Join(dir, "manifests")
	runImport(t, bin, emulator.Env(), "--resource-group", importGroup, "--namespace", "imported", "--output-dir", out)
	files, _ := filepath.Glob(filepath.Join(out, "*.yaml"))
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	var want []string
	for key, name := range importertest.ObjectNames {
		want = append(want, importedKind(key)+"-"+name+".yaml")
	}
	sort.Strings(want)
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("files %v, want %v", names, want)
	}

	k(t, "create", "namespace", "imported")
	applied := time.Now()
	k(t, "apply", "-f", out)
	k(t, "wait", "-n", "imported", "--for=condition=Ready", kinds, "--all", waitFlag)
	ready := strings.Fields(k(t, "get", "-n", "imported", kinds, "-o", `jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{" "}{end}`))
	if len(ready) != len(importertest.ObjectNames) || slices.ContainsFunc(ready, func(s string) bool { return s != "True" }) {
		t.Errorf("Ready of the imported objects: %q", ready)
	}
	got := k(t, "get", "-n", "imported", kinds, "-o", "name")
	for _, name := range importertest.ObjectNames {
		if !strings.Contains(got, "/"+name+"\n") {
			t.Errorf("kubectl get lacks %s:\n%s", name, got)
		}
	}

	requests := importRequests(t, made)
	reads := map[string]bool{}
	for _, r := range requests {
		switch r.Method {
		case http.MethodGet:
			if r.Time.After(applied) {
				reads[strings.ToLower(r.Path)] = true
			}
		default:
			t.Errorf("%s %s reached Azure (status %d) for an imported resource", r.Method, r.Path, r.Status)
		}
	}
	// The manager read every resource after the apply: a GET of it, or of its collection (the
	// manager observes galleries, image definitions and versions by listing them).
	for key := range importertest.ObjectNames {
		path := "/subscriptions/" + localenv.SubscriptionID + "/resourcegroups/" + importGroup + "/providers/microsoft.compute/galleries/"
		parts := strings.Split(strings.ToLower(key), "/")
		path += parts[0]
		if len(parts) > 1 {
			path += "/" + collectionOf(importedKind(key)) + "/" + parts[1]
		}
		if len(parts) > 2 {
			path += "/versions/" + parts[2]
		}
		collection := path[:strings.LastIndex(path, "/")]
		if !reads[path] && !reads[collection] {
			t.Errorf("the manager read neither %s nor its collection", path)
		}
	}

	// Orphan: deleting the objects leaves Azure as it was.
	k(t, "delete", "-n", "imported", "galleryinvmaccesscontrolprofileversions,galleryinvmaccesscontrolprofiles,"+
		"galleryimageversions,galleryimages,galleryapplicationversions,galleryapplications,galleries", "--all", waitFlag)
	for gallery, images := range importertest.Images {
		have, err := emulator.Images(ctx, importGroup, gallery)
		if err != nil {
			t.Fatal(err)
		}
		if len(have) != len(images) {
			t.Errorf("gallery %s holds %d image definitions after the objects were deleted, want %d", gallery, len(have), len(images))
		}
	}
	versions, err := armcompute.NewGalleryImageVersionsClient(localenv.SubscriptionID, cred, emulatortest.ClientOptions(emulator.URL, emulator.HTTP))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range importertest.Versions {
		if _, err := versions.Get(ctx, importGroup, importertest.SharedGallery, "Ubuntu_24.04-Gen2", v, nil); err != nil {
			t.Errorf("version %s after the objects were deleted: %v", v, err)
		}
	}
	profileVersions, err := armcompute.NewGalleryInVMAccessControlProfileVersionsClient(localenv.SubscriptionID, cred, emulatortest.ClientOptions(emulator.URL, emulator.HTTP))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := profileVersions.Get(ctx, importGroup, importertest.SharedGallery, importertest.Profile, importertest.ProfileVersion, nil); err != nil {
		t.Errorf("profile version %s/%s after the objects were deleted: %v", importertest.Profile, importertest.ProfileVersion, err)
	}
	for _, r := range importRequests(t, made) {
		if r.Method != http.MethodGet {
			t.Errorf("%s %s reached Azure (status %d) for an imported resource", r.Method, r.Path, r.Status)
		}
	}
}

// runImport runs the importer with env and args and returns its standard output.
// kinds are the resources kubectl waits for, reads and deletes.
const kinds = "galleries,galleryimages,galleryimageversions,galleryapplications,galleryapplicationversions," +
	"galleryinvmaccesscontrolprofiles,galleryinvmaccesscontrolprofileversions"

// importedKind is the lower-case kind of the object for the Azure path suffix key of
// importertest.ObjectNames.
func importedKind(key string) string {
	parts := strings.Split(key, "/")
	switch {
	case len(parts) > 1 && parts[1] == importertest.Application:
		return []string{"", "galleryapplication", "galleryapplicationversion"}[len(parts)-1]
	case len(parts) > 1 && parts[1] == importertest.Profile:
		return []string{"", "galleryinvmaccesscontrolprofile", "galleryinvmaccesscontrolprofileversion"}[len(parts)-1]
	}
	return []string{"gallery", "galleryimage", "galleryimageversion"}[len(parts)-1]
}

func runImport(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"import"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl-gallery import %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	if strings.Contains(stderr.String(), "warning") {
		t.Errorf("the import warned:\n%s", stderr.String())
	}
	return string(out)
}

// importRequests lists the ARM requests for the import's resource group served since since,
// LRO polls excluded.
func importRequests(t *testing.T, since time.Time) []emu.RequestRecord {
	t.Helper()
	ca, err := os.ReadFile(emulator.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	all, err := emu.NewControl(emulator.URL, ca).Requests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []emu.RequestRecord
	for _, r := range all {
		if r.Time.After(since) && strings.Contains(strings.ToLower(r.Path), "/resourcegroups/"+importGroup+"/") {
			out = append(out, r)
		}
	}
	return out
}

// collectionOf is the ARM collection (lower case) below a gallery that holds a resource of the
// lower-case kind.
func collectionOf(kind string) string {
	switch {
	case strings.HasPrefix(kind, "galleryapplication"):
		return "applications"
	case strings.HasPrefix(kind, "galleryinvmaccesscontrolprofile"):
		return "invmaccesscontrolprofiles"
	}
	return "images"
}
