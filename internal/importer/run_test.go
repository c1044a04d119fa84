package importer

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/emulator/emulatortest"
	"github.com/azgallery/gallery-operator/internal/importer/importertest"
	"github.com/azgallery/gallery-operator/internal/kinds/application"
	"github.com/azgallery/gallery-operator/internal/kinds/appversion"
	"github.com/azgallery/gallery-operator/internal/kinds/gallery"
	"github.com/azgallery/gallery-operator/internal/kinds/image"
	"github.com/azgallery/gallery-operator/internal/kinds/profile"
	"github.com/azgallery/gallery-operator/internal/kinds/profileversion"
	"github.com/azgallery/gallery-operator/internal/kinds/version"
)

// startAzure starts the emulator with the fixture in resource group "import-rg" and returns a
// connection as the command builds it, and the emulator.
func startAzure(t *testing.T) (*azure.Connection, *emulatortest.Env) {
	t.Helper()
	env := emulatortest.Start(t)
	ctx := context.Background()
	if err := importertest.Create(ctx, env.SubscriptionID, "import-rg", env.Credential, env.ClientOptions); err != nil {
		t.Fatal(err)
	}
	url := env.Server.URL()
	factory, err := azure.NewFactory(azure.Cloud{AuthorityHost: url + "/", ResourceManagerEndpoint: url,
		ResourceManagerAudience: "https://management.core.windows.net/", CABundle: env.Server.CACertPEM()}, azure.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := factory.For(azure.Credentials{TenantID: env.Server.TenantID(), ClientID: env.Server.ClientID(),
		ClientSecret: env.Server.ClientSecret()}, env.SubscriptionID)
	if err != nil {
		t.Fatal(err)
	}
	env.Server.ResetRequests()
	return conn, env
}

// TestImportFromAzure imports a resource group from the emulator: every gallery, image and
// application definition, inVMAccessControlProfile and their versions, named as documented, each
// referencing its parent object, each manifest
// round-tripping to an empty Diff against what Azure holds, and nothing but reads sent.
func TestImportFromAzure(t *testing.T) {
	conn, env := startAzure(t)
	ctx := context.Background()
	nodes, err := Run(ctx, conn, Options{SubscriptionID: env.SubscriptionID, ResourceGroup: "import-rg", Namespace: "images"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range env.Server.Requests() {
		if r.Method != http.MethodGet {
			t.Errorf("the import sent %s %s", r.Method, r.Path)
		}
	}
	wantObjects := len(importertest.ObjectNames)
	if len(nodes) != wantObjects {
		t.Fatalf("%d objects, want %d", len(nodes), wantObjects)
	}
	var stream bytes.Buffer
	if err := WriteStream(&stream, nodes); err != nil {
		t.Fatal(err)
	}
	docs := strings.Split(stream.String(), "\n---\n")
	if len(docs) != wantObjects {
		t.Fatalf("the stream has %d documents, want %d:\n%s", len(docs), wantObjects, stream.String())
	}
	galleries := conn.Compute.NewGalleriesClient()
	images := conn.Compute.NewGalleryImagesClient()
	versions := conn.Compute.NewGalleryImageVersionsClient()
	apps := conn.Compute.NewGalleryApplicationsClient()
	appVersions := conn.Compute.NewGalleryApplicationVersionsClient()
	seen := map[*Node]bool{}
	for i, n := range nodes {
		if n.Parent != nil && !seen[n.Parent] {
			t.Errorf("%s comes before its gallery", n.Ref)
		}
		seen[n] = true
		key := n.Ref.Gallery
		if n.Ref.Image != "" {
			key += "/" + n.Ref.Image
		}
		if n.Ref.Application != "" {
			key += "/" + n.Ref.Application
		}
		if n.Ref.Profile != "" {
			key += "/" + n.Ref.Profile
		}
		if n.Ref.Version != "" {
			key += "/" + n.Ref.Version
		}
		if want := importertest.ObjectNames[key]; n.Object.GetName() != want {
			t.Errorf("%s is named %q, want %q", key, n.Object.GetName(), want)
		}
		if len(n.Warnings) > 0 {
			t.Errorf("%s: warnings %q", key, n.Warnings)
		}
		switch n.Kind {
		case "Gallery":
			var got v1alpha1.Gallery
			readBack(t, []byte(docs[i]), &got)
			resp, err := galleries.Get(ctx, "import-rg", n.Ref.Gallery, &armcompute.GalleriesClientGetOptions{Expand: to.Ptr(armcompute.GalleryExpandParamsSharingProfileGroups)})
			if err != nil {
				t.Fatal(err)
			}
			desired := gallery.DesiredGallery(&got.Spec)
			if d := gallery.Diff(desired, &resp.Gallery); len(d) > 0 {
				t.Errorf("gallery %s: Diff %v\n%s", key, d, docs[i])
			}
			if a := gallery.NextSharingAction(&desired, &resp.Gallery); a != nil {
				t.Errorf("gallery %s: share action %s", key, a.Message)
			}
			if key == importertest.SharedGallery {
				sp := got.Spec.Properties.SharingProfile
				if sp == nil || sp.Permissions != v1alpha1.SharingGroups || len(sp.Groups) != 2 {
					t.Errorf("the shared gallery's sharing profile: %+v", sp)
				}
			}
			if got.Spec.DeletionPolicy != v1alpha1.DeletionPolicyOrphan || got.Namespace != "images" || got.Spec.SubscriptionID != env.SubscriptionID {
				t.Errorf("gallery %s: %+v", key, got)
			}
		case "GalleryImage":
			var got v1alpha1.GalleryImage
			readBack(t, []byte(docs[i]), &got)
			resp, err := images.Get(ctx, "import-rg", n.Ref.Gallery, n.Ref.Image, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d := image.Diff(image.DesiredImage(&got.Spec), &resp.GalleryImage); len(d) > 0 {
				t.Errorf("image %s: Diff %v\n%s", key, d, docs[i])
			}
			if got.Spec.GalleryRef == nil || got.Spec.GalleryRef.Name != importertest.ObjectNames[n.Ref.Gallery] {
				t.Errorf("image %s references %+v", key, got.Spec.GalleryRef)
			}
		case "GalleryImageVersion":
			var got v1alpha1.GalleryImageVersion
			readBack(t, []byte(docs[i]), &got)
			resp, err := versions.Get(ctx, "import-rg", n.Ref.Gallery, n.Ref.Image, n.Ref.Version, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d := version.Diff(version.DesiredVersion(&got.Spec), &resp.GalleryImageVersion); len(d) > 0 {
				t.Errorf("version %s: Diff %v\n%s", key, d, docs[i])
			}
			if got.Spec.ImageRef == nil || got.Spec.ImageRef.Name != importertest.ObjectNames[n.Ref.Gallery+"/"+n.Ref.Image] {
				t.Errorf("version %s references %+v", key, got.Spec.ImageRef)
			}
		case "GalleryApplication":
			var got v1alpha1.GalleryApplication
			readBack(t, []byte(docs[i]), &got)
			resp, err := apps.Get(ctx, "import-rg", n.Ref.Gallery, n.Ref.Application, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d := application.Diff(application.DesiredApplication(&got.Spec), &resp.GalleryApplication); len(d) > 0 {
				t.Errorf("application %s: Diff %v\n%s", key, d, docs[i])
			}
			if got.Spec.GalleryRef == nil || got.Spec.GalleryRef.Name != importertest.ObjectNames[n.Ref.Gallery] {
				t.Errorf("application %s references %+v", key, got.Spec.GalleryRef)
			}
		case "GalleryApplicationVersion":
			var got v1alpha1.GalleryApplicationVersion
			readBack(t, []byte(docs[i]), &got)
			resp, err := appVersions.Get(ctx, "import-rg", n.Ref.Gallery, n.Ref.Application, n.Ref.Version, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d := appversion.Diff(appversion.DesiredVersion(&got.Spec), &resp.GalleryApplicationVersion); len(d) > 0 {
				t.Errorf("application version %s: Diff %v\n%s", key, d, docs[i])
			}
			if got.Spec.ApplicationRef == nil || got.Spec.ApplicationRef.Name != importertest.ObjectNames[n.Ref.Gallery+"/"+n.Ref.Application] {
				t.Errorf("application version %s references %+v", key, got.Spec.ApplicationRef)
			}
		case "GalleryInVMAccessControlProfile":
			var got v1alpha1.GalleryInVMAccessControlProfile
			readBack(t, []byte(docs[i]), &got)
			resp, err := conn.Compute.NewGalleryInVMAccessControlProfilesClient().Get(ctx, "import-rg", n.Ref.Gallery, n.Ref.Profile, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d := profile.Diff(profile.DesiredProfile(&got.Spec), &resp.GalleryInVMAccessControlProfile); len(d) > 0 {
				t.Errorf("profile %s: Diff %v\n%s", key, d, docs[i])
			}
			if got.Spec.GalleryRef == nil || got.Spec.GalleryRef.Name != importertest.ObjectNames[n.Ref.Gallery] {
				t.Errorf("profile %s references %+v", key, got.Spec.GalleryRef)
			}
		case "GalleryInVMAccessControlProfileVersion":
			var got v1alpha1.GalleryInVMAccessControlProfileVersion
			readBack(t, []byte(docs[i]), &got)
			resp, err := conn.Compute.NewGalleryInVMAccessControlProfileVersionsClient().Get(ctx, "import-rg", n.Ref.Gallery, n.Ref.Profile, n.Ref.Version, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d := profileversion.Diff(profileversion.DesiredVersion(&got.Spec), &resp.GalleryInVMAccessControlProfileVersion); len(d) > 0 {
				t.Errorf("profile version %s: Diff %v\n%s", key, d, docs[i])
			}
			if got.Spec.ProfileRef == nil || got.Spec.ProfileRef.Name != importertest.ObjectNames[n.Ref.Gallery+"/"+n.Ref.Profile] {
				t.Errorf("profile version %s references %+v", key, got.Spec.ProfileRef)
			}
		default:
			t.Errorf("unexpected kind %s", n.Kind)
		}
	}
	t.Logf("imported:\n%s", stream.String())
}

// TestImportSelectsGalleries checks --gallery with and without --resource-group, the whole
// subscription, and a gallery that does not exist.
func TestImportSelectsGalleries(t *testing.T) {
	conn, env := startAzure(t)
	ctx := context.Background()
	count := func(o Options) (int, int) {
		t.Helper()
		o.SubscriptionID = env.SubscriptionID
		nodes, err := Run(ctx, conn, o)
		if err != nil {
			t.Fatal(err)
		}
		g, i := 0, 0
		for _, n := range nodes {
			switch n.Kind {
			case "Gallery":
				g++
			case "GalleryImage":
				i++
			}
		}
		return g, i
	}
	if g, i := count(Options{}); g != 2 || i != 5 {
		t.Errorf("whole subscription: %d galleries, %d images", g, i)
	}
	if g, i := count(Options{Gallery: "platform_gallery"}); g != 1 || i != 4 {
		t.Errorf("--gallery without --resource-group: %d galleries, %d images", g, i)
	}
	if g, i := count(Options{ResourceGroup: "import-rg", Gallery: "plain"}); g != 1 || i != 1 {
		t.Errorf("--resource-group and --gallery: %d galleries, %d images", g, i)
	}
	// One gallery alone: its shared-name image needs no prefix.
	nodes, err := Run(ctx, conn, Options{SubscriptionID: env.SubscriptionID, ResourceGroup: "import-rg", Gallery: "plain"})
	if err != nil {
		t.Fatal(err)
	}
	if nodes[1].Object.GetName() != "shared-name" || nodes[1].Object.(*v1alpha1.GalleryImage).Spec.AzureName != "" {
		t.Errorf("a lone shared-name is named %q", nodes[1].Object.GetName())
	}
	if _, err := Run(ctx, conn, Options{SubscriptionID: env.SubscriptionID, Gallery: "missing"}); err == nil || !strings.Contains(err.Error(), "no gallery") {
		t.Errorf("a missing gallery: %v", err)
	}
	if _, err := Run(ctx, conn, Options{SubscriptionID: env.SubscriptionID, ResourceGroup: "import-rg", Gallery: "missing"}); err == nil {
		t.Error("a missing gallery in a resource group: no error")
	}
}

func TestObjectName(t *testing.T) {
	for in, want := range map[string]string{
		"Platform_Gallery.v2":    "platform-gallery-v2",
		"ubuntu-2404":            "ubuntu-2404",
		"UPPER":                  "upper",
		"a__b..c":                "a-b-c",
		"x_":                     "x",
		"_":                      "x",
		strings.Repeat("a", 300): strings.Repeat("a", 253),
	} {
		if got := ObjectName(in); got != want {
			t.Errorf("ObjectName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAssignNamesResolvesCollisions(t *testing.T) {
	g1 := &Node{Object: &v1alpha1.Gallery{}}
	g1.Object.SetName("g1")
	g2 := &Node{Object: &v1alpha1.Gallery{}}
	g2.Object.SetName("g2")
	level := []*Node{
		{Parent: g1, Ref: Ref{Image: "Foo_Bar"}},
		{Parent: g1, Ref: Ref{Image: "foo-bar"}},
		{Parent: g1, Ref: Ref{Image: "other"}},
		{Parent: g2, Ref: Ref{Image: "foo.bar"}},
	}
	got := assignNames(level, imageMapping{})
	want := []string{"g1-foo-bar", "g1-foo-bar-2", "other", "g2-foo-bar"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("names %q, want %q", got, want)
			break
		}
	}
	roots := assignNames([]*Node{{Ref: Ref{ResourceGroup: "RG_A", Gallery: "gal"}}, {Ref: Ref{ResourceGroup: "rg-b", Gallery: "GAL"}}}, galleryMapping{})
	if roots[0] != "rg-a-gal" || roots[1] != "rg-b-gal" {
		t.Errorf("galleries of the same name in two groups: %q", roots)
	}
}
