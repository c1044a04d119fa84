package emulator_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"

	"github.com/azgallery/gallery-operator/internal/emulator"
)

// galBody is a raw gallery PUT body.
func galBody(props map[string]any) map[string]any {
	return map[string]any{"location": "westus", "properties": props}
}

// community is a valid communityGalleryInfo.
func community() map[string]any {
	return map[string]any{"publisherUri": "https://contoso.example", "publisherContact": "images@contoso.example",
		"eula": "https://contoso.example/eula", "publicNamePrefix": "Contoso"}
}

func TestGalleryValidation(t *testing.T) {
	e := newEnv(t)
	mustStatus(t, e.do("PUT", q(e.rgPath("rg"), groupsAPI), map[string]any{"location": "westus"}), 201)

	// Names: letters, digits, '_' and '.', starting with a letter or digit, not ending with '.', 1-80 characters.
	for _, bad := range []string{"_gal", "my-gal", "gal.", strings.Repeat("g", 81), "gal%20x"} {
		r := e.do("PUT", q(e.galPath("rg", bad), computeAPI), galBody(nil))
		mustError(t, r, 400, "InvalidParameter")
		if r.errField("target") != "galleryName" || !strings.Contains(r.errField("message"), "validation rule") {
			t.Errorf("%s: %s", bad, r.raw)
		}
	}
	for _, good := range []string{"g", "my_gal.v2", "G_", strings.Repeat("g", 80)} {
		mustStatus(t, e.do("PUT", q(e.galPath("rg", good), computeAPI), galBody(nil)), 201)
	}

	cases := []struct {
		name   string
		props  map[string]any
		code   string
		target string
	}{
		{"bad permissions", map[string]any{"sharingProfile": map[string]any{"permissions": "Public"}},
			"InvalidParameter", "gallery.properties.sharingProfile.permissions"},
		{"community without info", map[string]any{"sharingProfile": map[string]any{"permissions": "Community"}},
			"InvalidParameter", "gallery.properties.sharingProfile.communityGalleryInfo"},
		{"community without prefix", map[string]any{"sharingProfile": map[string]any{"permissions": "Community",
			"communityGalleryInfo": map[string]any{"publisherUri": "u", "publisherContact": "c", "eula": "e"}}},
			"InvalidParameter", "gallery.properties.sharingProfile.communityGalleryInfo.publicNamePrefix"},
		{"community without eula", map[string]any{"sharingProfile": map[string]any{"permissions": "Community",
			"communityGalleryInfo": map[string]any{"publisherUri": "u", "publisherContact": "c", "publicNamePrefix": "p"}}},
			"InvalidParameter", "gallery.properties.sharingProfile.communityGalleryInfo.eula"},
		{"softDeletePolicy not an object", map[string]any{"softDeletePolicy": true}, "InvalidRequestContent", ""},
		{"isSoftDeleteEnabled not a boolean", map[string]any{"softDeletePolicy": map[string]any{"isSoftDeleteEnabled": "yes"}},
			"InvalidRequestContent", ""},
	}
	for _, c := range cases {
		r := e.do("PUT", q(e.galPath("rg", "bad"), computeAPI), galBody(c.props))
		if r.status != 400 || r.errCode() != c.code || r.errField("target") != c.target {
			t.Errorf("%s: got %d %s target %q: %s", c.name, r.status, r.errCode(), r.errField("target"), r.raw)
		}
	}

	// Valid: enums are case-insensitive; groups in the body are read-only and ignored; the unique name is
	// <subscription>-<NAME>.
	r := e.do("PUT", q(e.galPath("rg", "shared"), computeAPI), galBody(map[string]any{
		"description":      "d",
		"softDeletePolicy": map[string]any{"isSoftDeleteEnabled": true},
		"sharingProfile": map[string]any{"permissions": "groups",
			"groups": []any{map[string]any{"type": "Subscriptions", "ids": []any{"34a4ab42-0d72-47d9-bd1a-aed207386dac"}}}},
	}))
	mustStatus(t, r, 201)
	want := map[string]any{"permissions": "Groups"}
	if !reflect.DeepEqual(r.prop("sharingProfile"), want) {
		t.Errorf("sharingProfile = %v, want %v", r.prop("sharingProfile"), want)
	}
	if !reflect.DeepEqual(r.prop("softDeletePolicy"), map[string]any{"isSoftDeleteEnabled": true}) {
		t.Errorf("softDeletePolicy = %v", r.prop("softDeletePolicy"))
	}
	if id := r.prop("identifier").(map[string]any)["uniqueName"]; id != e.SubscriptionID+"-SHARED" {
		t.Errorf("uniqueName = %v", id)
	}
	if r.prop("sharingStatus") != nil {
		t.Errorf("a gallery that is not shared with the community has no sharingStatus: %s", r.raw)
	}
}

func TestGallerySharingWithSDK(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	if _, err := e.groups.CreateOrUpdate(ctx, "rg", armresources.ResourceGroup{Location: to.Ptr("westus")}, nil); err != nil {
		t.Fatal(err)
	}
	create := func(name string, sp *armcompute.SharingProfile) {
		t.Helper()
		p, err := e.gals.BeginCreateOrUpdate(ctx, "rg", name, armcompute.Gallery{Location: to.Ptr("westus"),
			Properties: &armcompute.GalleryProperties{SharingProfile: sp}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.PollUntilDone(ctx, pollOpts); err != nil {
			t.Fatal(err)
		}
	}
	create("grp", &armcompute.SharingProfile{Permissions: to.Ptr(armcompute.GallerySharingPermissionTypesGroups)})
	create("priv", nil)
	share, err := armcompute.NewGallerySharingProfileClient(e.SubscriptionID, e.Credential, e.ClientOptions)
	if err != nil {
		t.Fatal(err)
	}
	sub1, sub2, tenant := "34a4ab42-0d72-47d9-bd1a-aed207386dac", "380fd389-260b-41aa-bad9-0a83108c370b",
		"c24c76aa-8897-4027-9b03-8f7928b54ff6"
	update := func(gallery string, op armcompute.SharingUpdateOperationTypes, groups ...*armcompute.SharingProfileGroup) (armcompute.SharingUpdate, error) {
		t.Helper()
		p, err := share.BeginUpdate(ctx, "rg", gallery, armcompute.SharingUpdate{OperationType: to.Ptr(op), Groups: groups}, nil)
		if err != nil {
			return armcompute.SharingUpdate{}, err
		}
		res, err := p.PollUntilDone(ctx, pollOpts)
		return res.SharingUpdate, err
	}
	subs := func(ids ...string) *armcompute.SharingProfileGroup {
		return &armcompute.SharingProfileGroup{Type: to.Ptr(armcompute.SharingProfileGroupTypesSubscriptions), IDs: to.SliceOfPtrs(ids...)}
	}
	tenants := &armcompute.SharingProfileGroup{Type: to.Ptr(armcompute.SharingProfileGroupTypesAADTenants), IDs: to.SliceOfPtrs(tenant)}

	res, err := update("grp", armcompute.SharingUpdateOperationTypesAdd, subs(sub1), tenants)
	if err != nil {
		t.Fatalf("add: %v", err)
	}
	if *res.OperationType != armcompute.SharingUpdateOperationTypesAdd || len(res.Groups) != 2 {
		t.Errorf("add result = %+v", res)
	}
	if _, err := update("grp", armcompute.SharingUpdateOperationTypesAdd, subs(sub1, sub2)); err != nil {
		t.Fatalf("add again: %v", err)
	}
	groupsOf := func(expand bool) map[string][]string {
		t.Helper()
		var opts *armcompute.GalleriesClientGetOptions
		if expand {
			opts = &armcompute.GalleriesClientGetOptions{Expand: to.Ptr(armcompute.GalleryExpandParamsSharingProfileGroups)}
		}
		g, err := e.gals.Get(ctx, "rg", "grp", opts)
		if err != nil {
			t.Fatal(err)
		}
		if *g.Properties.SharingProfile.Permissions != armcompute.GallerySharingPermissionTypesGroups {
			t.Errorf("permissions = %s", *g.Properties.SharingProfile.Permissions)
		}
		out := map[string][]string{}
		for _, gr := range g.Properties.SharingProfile.Groups {
			for _, id := range gr.IDs {
				out[string(*gr.Type)] = append(out[string(*gr.Type)], *id)
			}
		}
		return out
	}
	if g := groupsOf(false); len(g) != 0 {
		t.Errorf("plain GET returns groups: %v", g)
	}
	want := map[string][]string{"Subscriptions": {sub1, sub2}, "AADTenants": {tenant}}
	if g := groupsOf(true); !reflect.DeepEqual(g, want) {
		t.Errorf("groups = %v, want %v (ids merged without duplicates)", g, want)
	}
	if _, err := update("grp", armcompute.SharingUpdateOperationTypesRemove, subs(sub1)); err != nil {
		t.Fatalf("remove: %v", err)
	}
	want = map[string][]string{"Subscriptions": {sub2}, "AADTenants": {tenant}}
	if g := groupsOf(true); !reflect.DeepEqual(g, want) {
		t.Errorf("after remove groups = %v, want %v", g, want)
	}

	// Add/Remove need permissions Groups; EnableCommunity needs Community.
	_, err = update("priv", armcompute.SharingUpdateOperationTypesAdd, subs(sub1))
	if re := respErr(t, err); re.StatusCode != 409 || re.ErrorCode != "OperationNotAllowed" {
		t.Errorf("add on a private gallery: %v", err)
	}
	_, err = update("grp", armcompute.SharingUpdateOperationTypesEnableCommunity)
	if re := respErr(t, err); re.StatusCode != 409 || re.ErrorCode != "OperationNotAllowed" {
		t.Errorf("enable community on a Groups gallery: %v", err)
	}
	// Add without groups, bad ids.
	_, err = update("grp", armcompute.SharingUpdateOperationTypesAdd)
	if re := respErr(t, err); re.StatusCode != 400 || re.ErrorCode != "InvalidParameter" {
		t.Errorf("add without groups: %v", err)
	}
	_, err = update("grp", armcompute.SharingUpdateOperationTypesAdd, subs("not-a-guid"))
	if re := respErr(t, err); re.StatusCode != 400 || re.ErrorCode != "InvalidParameter" {
		t.Errorf("add a bad id: %v", err)
	}

	// A shared gallery cannot be deleted (Azure's answer, testdata/recordings).
	r := e.do("DELETE", q(e.galPath("rg", "grp"), computeAPI), nil)
	mustError(t, r, 409, "OperationNotAllowed")
	if !strings.Contains(r.raw, "Gallery is still shared to 'Groups'. Please unshare the gallery first") {
		t.Errorf("message: %s", r.raw)
	}

	// Reset clears the groups and makes the gallery private.
	if _, err := update("grp", armcompute.SharingUpdateOperationTypesReset); err != nil {
		t.Fatalf("reset: %v", err)
	}
	g, err := e.gals.Get(ctx, "rg", "grp", &armcompute.GalleriesClientGetOptions{Expand: to.Ptr(armcompute.GalleryExpandParamsSharingProfileGroups)})
	if err != nil || *g.Properties.SharingProfile.Permissions != armcompute.GallerySharingPermissionTypesPrivate ||
		len(g.Properties.SharingProfile.Groups) != 0 {
		t.Errorf("after reset: %v %+v", err, g.Properties.SharingProfile)
	}
	mustStatus(t, e.do("DELETE", q(e.galPath("rg", "grp"), computeAPI), nil), 202)

	// Community: EnableCommunity publishes public names and a sharing status.
	mustStatus(t, e.do("PUT", q(e.galPath("rg", "comm"), computeAPI), galBody(map[string]any{
		"sharingProfile": map[string]any{"permissions": "Community", "communityGalleryInfo": community()}})), 201)
	e.waitIdle(e.galPath("rg", "comm"))
	if _, err := update("comm", armcompute.SharingUpdateOperationTypesEnableCommunity); err != nil {
		t.Fatalf("enable community: %v", err)
	}
	c, err := e.gals.Get(ctx, "rg", "comm", nil)
	if err != nil {
		t.Fatal(err)
	}
	ci := c.Properties.SharingProfile.CommunityGalleryInfo
	if ci == nil || !*ci.CommunityGalleryEnabled || len(ci.PublicNames) != 1 || !strings.HasPrefix(*ci.PublicNames[0], "Contoso-") {
		t.Errorf("communityGalleryInfo = %+v", ci)
	}
	if c.Properties.SharingStatus == nil || *c.Properties.SharingStatus.AggregatedState != armcompute.SharingStateSucceeded {
		t.Errorf("sharingStatus = %+v", c.Properties.SharingStatus)
	}
}

// nTags returns n distinct tags.
func nTags(n int) map[string]any {
	m := map[string]any{}
	for i := range n {
		m[fmt.Sprintf("tag%02d", i)] = "v"
	}
	return m
}

// TestTagLimits checks ARM's tag limits on every resource kind.
func TestTagLimits(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	e.setupGallery(ctx, "rg", "gal")
	e.createImage(ctx, "rg", "gal", "img", image("westus", "p", "o", "s"))
	src := e.createManagedImage(ctx, "rg", "src")
	versionBody := func(tags map[string]any) map[string]any {
		return map[string]any{"location": "westus", "tags": tags,
			"properties": map[string]any{"storageProfile": map[string]any{"source": map[string]any{"id": *src.ID}}}}
	}
	kinds := []struct {
		name, path, api string
		body            func(tags map[string]any) map[string]any
	}{
		{"group", e.rgPath("rg2"), groupsAPI, func(tags map[string]any) map[string]any {
			return map[string]any{"location": "westus", "tags": tags}
		}},
		{"gallery", e.galPath("rg", "gal2"), computeAPI, func(tags map[string]any) map[string]any {
			return map[string]any{"location": "westus", "tags": tags}
		}},
		{"image", e.imgPath("rg", "gal", "img2"), computeAPI, func(tags map[string]any) map[string]any {
			b := imgBody("westus", map[string]any{"identifier": map[string]any{"publisher": "p", "offer": "o", "sku": "t"}})
			b["tags"] = tags
			return b
		}},
		{"version", e.imgPath("rg", "gal", "img") + "/versions/1.0.0", computeAPI, versionBody},
		{"managed image", e.rgPath("rg") + "/providers/Microsoft.Compute/images/src2", "2025-04-01", func(tags map[string]any) map[string]any {
			return map[string]any{"location": "westus", "tags": tags, "properties": map[string]any{"storageProfile": map[string]any{
				"osDisk": map[string]any{"osType": "Linux", "osState": "Generalized"}}}}
		}},
		{"snapshot", e.rgPath("rg") + "/providers/Microsoft.Compute/snapshots/s", "2025-01-02", func(tags map[string]any) map[string]any {
			return map[string]any{"location": "westus", "tags": tags,
				"properties": map[string]any{"creationData": map[string]any{"createOption": "Empty"}}}
		}},
		{"disk", e.rgPath("rg") + "/providers/Microsoft.Compute/disks/d", "2025-01-02", func(tags map[string]any) map[string]any {
			return map[string]any{"location": "westus", "tags": tags,
				"properties": map[string]any{"creationData": map[string]any{"createOption": "Empty"}}}
		}},
	}
	for _, k := range kinds {
		mustError(t, e.do("PUT", q(k.path, k.api), k.body(nTags(51))), 400, "TooManyTags")
		mustError(t, e.do("PUT", q(k.path, k.api), k.body(map[string]any{strings.Repeat("n", 513): "v"})), 400, "InvalidTagNameLength")
		mustError(t, e.do("PUT", q(k.path, k.api), k.body(map[string]any{"n": strings.Repeat("v", 257)})), 400, "InvalidTagValueLength")
		mustError(t, e.do("PUT", q(k.path, k.api), k.body(map[string]any{"a/b": "v"})), 400, "InvalidTagNameCharacters")
		r := e.do("PUT", q(k.path, k.api), k.body(map[string]any{strings.Repeat("n", 512): strings.Repeat("v", 256)}))
		if r.status >= 300 {
			t.Errorf("%s: longest tag refused: %s", k.name, r.raw)
		}
		if k.name != "group" {
			e.waitIdleAt(k.path, k.api)
		}
		r = e.do("PUT", q(k.path, k.api), k.body(nTags(50)))
		if r.status >= 300 {
			t.Errorf("%s: 50 tags refused: %s", k.name, r.raw)
		}
		if k.name != "group" {
			e.waitIdleAt(k.path, k.api)
		}
	}
	// PATCH is checked too.
	mustError(t, e.do("PATCH", q(e.rgPath("rg"), groupsAPI), map[string]any{"tags": nTags(51)}), 400, "TooManyTags")
	mustError(t, e.do("PATCH", q(e.galPath("rg", "gal"), computeAPI), map[string]any{"tags": nTags(51)}), 400, "TooManyTags")
	mustError(t, e.do("PATCH", q(e.imgPath("rg", "gal", "img"), computeAPI), map[string]any{"tags": nTags(51)}), 400, "TooManyTags")
}

func TestGalleryUpdateAndListWithSDK(t *testing.T) {
	e := newEnv(t, func(c *emulator.Config) { c.Settings.PageSize = 1 })
	ctx := testCtx(t)
	e.setupGallery(ctx, "rg", "gal")
	e.setupGallery(ctx, "rg", "gal2")
	e.setupGallery(ctx, "other", "gal3")

	// GalleriesClient.BeginUpdate is a PATCH that merges properties.
	p, err := e.gals.BeginUpdate(ctx, "rg", "gal", armcompute.GalleryUpdate{
		Properties: &armcompute.GalleryProperties{
			Description:      to.Ptr("updated"),
			SoftDeletePolicy: &armcompute.SoftDeletePolicy{IsSoftDeleteEnabled: to.Ptr(true)},
		},
		Tags: map[string]*string{"team": to.Ptr("images")},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.PollUntilDone(ctx, pollOpts)
	if err != nil {
		t.Fatal(err)
	}
	if *res.Properties.Description != "updated" || !*res.Properties.SoftDeletePolicy.IsSoftDeleteEnabled ||
		*res.Tags["team"] != "images" || *res.Properties.ProvisioningState != armcompute.GalleryProvisioningStateSucceeded {
		t.Errorf("after update: %+v", res.Properties)
	}
	p, err = e.gals.BeginUpdate(ctx, "rg", "gal", armcompute.GalleryUpdate{Properties: &armcompute.GalleryProperties{
		SharingProfile: &armcompute.SharingProfile{Permissions: to.Ptr(armcompute.GallerySharingPermissionTypesCommunity)},
	}}, nil)
	if re := respErr(t, err); re.StatusCode != 400 || re.ErrorCode != "InvalidParameter" {
		t.Errorf("community without info: %v", err)
	}
	if p != nil {
		t.Error("a poller for a refused update")
	}
	res2, err := e.gals.Get(ctx, "rg", "gal", nil)
	if err != nil || *res2.Properties.Description != "updated" {
		t.Errorf("the refused PATCH changed the gallery: %v", err)
	}

	// Lists page with nextLink, per resource group and per subscription.
	count := func(pager interface {
		More() bool
	}, next func() (int, error)) int {
		n := 0
		for pager.More() {
			k, err := next()
			if err != nil {
				t.Fatal(err)
			}
			n += k
		}
		return n
	}
	rgPager := e.gals.NewListByResourceGroupPager("rg", nil)
	n := count(rgPager, func() (int, error) {
		page, err := rgPager.NextPage(ctx)
		return len(page.Value), err
	})
	if n != 2 {
		t.Errorf("galleries in rg = %d, want 2", n)
	}
	subPager := e.gals.NewListPager(nil)
	n = count(subPager, func() (int, error) {
		page, err := subPager.NextPage(ctx)
		return len(page.Value), err
	})
	if n != 3 {
		t.Errorf("galleries in the subscription = %d, want 3", n)
	}
}
