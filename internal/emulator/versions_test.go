package emulator_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/azgallery/gallery-operator/internal/emulator"
)

// verPath is the path of an image version.
func (e *tenv) verPath(rg, g, i, v string) string { return e.imgPath(rg, g, i) + "/versions/" + v }

// verBody is a raw version PUT body in westus with the given source id and
// target regions (none: the default).
func verBody(source string, regions ...string) map[string]any {
	props := map[string]any{"storageProfile": map[string]any{"source": map[string]any{"id": source}}}
	if len(regions) > 0 {
		var trs []any
		for _, r := range regions {
			trs = append(trs, map[string]any{"name": r})
		}
		props["publishingProfile"] = map[string]any{"targetRegions": trs}
	}
	return map[string]any{"location": "westus", "properties": props}
}

// versionEnv is an emulator with a gallery, an image definition and a
// managed image source in resource group rg.
func versionEnv(t *testing.T, configure ...func(*emulator.Config)) (*tenv, context.Context, string) {
	e := newEnv(t, configure...)
	ctx := testCtx(t)
	e.setupGallery(ctx, "rg", "gal")
	e.createImage(ctx, "rg", "gal", "img", image("westus", "p", "o", "s"))
	src := e.createManagedImage(ctx, "rg", "src")
	return e, ctx, *src.ID
}

// replicationStatus GETs a version with $expand=ReplicationStatus.
func (e *tenv) replicationStatus(ctx context.Context, v string) *armcompute.ReplicationStatus {
	e.t.Helper()
	res, err := e.versions.Get(ctx, "rg", "gal", "img", v,
		&armcompute.GalleryImageVersionsClientGetOptions{Expand: to.Ptr(armcompute.ReplicationStatusTypesReplicationStatus)})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Properties.ReplicationStatus
}

// regionStates maps region → state of a replication status.
func regionStates(rs *armcompute.ReplicationStatus) map[string]string {
	out := map[string]string{}
	for _, s := range rs.Summary {
		out[*s.Region] = string(*s.State)
	}
	return out
}

func TestVersionLifecycleWithSDK(t *testing.T) {
	// Each region replicates for per, one after the other.
	const per = 1500 * time.Millisecond
	e, ctx, src := versionEnv(t, func(c *emulator.Config) { c.Settings.ReplicationSecondsPerRegion = per.Seconds() })
	start := time.Now()
	p, err := e.versions.BeginCreateOrUpdate(ctx, "rg", "gal", "img", "1.0.0", armcompute.GalleryImageVersion{
		Location: to.Ptr("westus"),
		Properties: &armcompute.GalleryImageVersionProperties{
			PublishingProfile: &armcompute.GalleryImageVersionPublishingProfile{
				TargetRegions: []*armcompute.TargetRegion{{Name: to.Ptr("West US")}, {Name: to.Ptr("East US"), RegionalReplicaCount: to.Ptr[int32](2)}},
			},
			StorageProfile: &armcompute.GalleryImageVersionStorageProfile{Source: &armcompute.GalleryArtifactVersionFullSource{ID: to.Ptr(src)}},
		},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// While replicating: aggregated InProgress with the first region Replicating (for per),
	// Creating (until both regions replicated), and a plain GET has no replicationStatus.
	rs := e.replicationStatus(ctx, "1.0.0")
	if len(rs.Summary) != 2 {
		t.Errorf("replication while in progress = %+v", regionStates(rs))
	} else if within(t, start, per, "the replication of the first region") &&
		(*rs.AggregatedState != armcompute.AggregatedReplicationStateInProgress || *rs.Summary[0].State != armcompute.ReplicationStateReplicating) {
		t.Errorf("replication while in progress = %+v", regionStates(rs))
	}
	plain, err := e.versions.Get(ctx, "rg", "gal", "img", "1.0.0", nil)
	if err != nil || plain.Properties.ReplicationStatus != nil {
		t.Errorf("plain GET while replicating: %v %+v", err, plain.Properties)
	} else if within(t, start, 2*per, "the provisioningState while replicating") &&
		*plain.Properties.ProvisioningState != armcompute.GalleryProvisioningStateCreating {
		t.Errorf("plain GET while replicating: provisioningState %s", *plain.Properties.ProvisioningState)
	}
	res, err := p.PollUntilDone(ctx, pollOpts)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 2*per-50*time.Millisecond {
		t.Errorf("the operation ended after %v, before both regions replicated (2 × %v)", took, per)
	}
	v := res.GalleryImageVersion
	pp := v.Properties.PublishingProfile
	switch {
	case *v.Properties.ProvisioningState != armcompute.GalleryProvisioningStateSucceeded:
		t.Errorf("provisioningState = %s", *v.Properties.ProvisioningState)
	case pp.PublishedDate == nil || *pp.ReplicaCount != 1 || *pp.StorageAccountType != armcompute.StorageAccountTypeStandardLRS:
		t.Errorf("publishing defaults = %+v", pp)
	case *pp.TargetRegions[0].RegionalReplicaCount != 1 || *pp.TargetRegions[1].RegionalReplicaCount != 2 ||
		*pp.TargetRegions[1].StorageAccountType != armcompute.StorageAccountTypeStandardLRS:
		t.Errorf("target region defaults = %+v %+v", pp.TargetRegions[0], pp.TargetRegions[1])
	case *v.Properties.StorageProfile.OSDiskImage.SizeInGB != 64 || len(v.Properties.StorageProfile.DataDiskImages) != 1 ||
		*v.Properties.StorageProfile.DataDiskImages[0].SizeInGB != 16:
		t.Errorf("storage profile not derived from the managed image: %+v", v.Properties.StorageProfile)
	case *v.Properties.SafetyProfile.AllowDeletionOfReplicatedLocations || *v.Properties.SafetyProfile.ReportedForPolicyViolation:
		t.Errorf("safety profile = %+v", v.Properties.SafetyProfile)
	}
	rs = e.replicationStatus(ctx, "1.0.0")
	if *rs.AggregatedState != armcompute.AggregatedReplicationStateCompleted || *rs.Summary[1].Progress != 100 {
		t.Errorf("replication after completion = %+v", regionStates(rs))
	}

	// List (paged) and delete.
	pager := e.versions.NewListByGalleryImagePager("rg", "gal", "img", nil)
	page, err := pager.NextPage(ctx)
	if err != nil || len(page.Value) != 1 || *page.Value[0].Name != "1.0.0" {
		t.Fatalf("list: %v", err)
	}
	d, err := e.versions.BeginDelete(ctx, "rg", "gal", "img", "1.0.0", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.PollUntilDone(ctx, pollOpts); err != nil {
		t.Fatal(err)
	}
	_, err = e.versions.Get(ctx, "rg", "gal", "img", "1.0.0", nil)
	if re := respErr(t, err); re.StatusCode != 404 || re.ErrorCode != "ResourceNotFound" {
		t.Errorf("get deleted: %v", err)
	}
}

func TestVersionValidation(t *testing.T) {
	e, ctx, src := versionEnv(t)
	path := func(v string) string { return q(e.verPath("rg", "gal", "img", v), computeAPI) }
	for _, bad := range []string{"1.0", "1.0.0.0", "a.b.c", "1.0.2147483648", "-1.0.0"} {
		r := e.do("PUT", path(bad), verBody(src))
		mustError(t, r, 400, "InvalidParameter")
		if r.errField("target") != "galleryImageVersionName" {
			t.Errorf("%s: %s", bad, r.raw)
		}
	}
	mustStatus(t, e.do("PUT", path("2147483647.0.0"), verBody(src)), 201)

	cases := []struct {
		name   string
		body   map[string]any
		status int
		code   string
		msg    string
	}{
		{"duplicate regions", verBody(src, "West Europe", "westus", "westeurope"), 400, "InvalidParameter",
			"Duplicate regions are not allowed in target publishing regions."},
		{"location not a target", verBody(src, "eastus"), 400, "InvalidParameter",
			"Gallery image version publishing profile regions 'eastus' must contain the location of image version 'westus'."},
		{"no storage profile", map[string]any{"location": "westus", "properties": map[string]any{}}, 400, "InvalidParameter",
			"galleryImageVersion.properties.storageProfile"},
		{"no source", map[string]any{"location": "westus", "properties": map[string]any{"storageProfile": map[string]any{}}}, 400,
			"InvalidParameter", "storageProfile.source"},
		{"missing managed image", verBody(strings.Replace(src, "/images/src", "/images/nope", 1)), 404, "ResourceNotFound",
			"Microsoft.Compute/images/nope"},
		{"unsupported source type", verBody("/subscriptions/" + e.SubscriptionID + "/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/x"),
			400, "InvalidParameter", "managed image"},
		{"end of life in the past", map[string]any{"location": "westus", "properties": map[string]any{
			"storageProfile":    map[string]any{"source": map[string]any{"id": src}},
			"publishingProfile": map[string]any{"endOfLifeDate": "2020-01-01T00:00:00Z"}}}, 400, "InvalidParameter", "must be in the future"},
		{"bad replication mode", map[string]any{"location": "westus", "properties": map[string]any{
			"storageProfile":    map[string]any{"source": map[string]any{"id": src}},
			"publishingProfile": map[string]any{"replicationMode": "Deep"}}}, 400, "InvalidParameter", "Full, Shallow"},
		{"bad storage account type", map[string]any{"location": "westus", "properties": map[string]any{
			"storageProfile":    map[string]any{"source": map[string]any{"id": src}},
			"publishingProfile": map[string]any{"targetRegions": []any{map[string]any{"name": "westus", "storageAccountType": "Ultra"}}}}},
			400, "InvalidParameter", "Standard_LRS"},
		{"too many replicas", map[string]any{"location": "westus", "properties": map[string]any{
			"storageProfile":    map[string]any{"source": map[string]any{"id": src}},
			"publishingProfile": map[string]any{"targetRegions": []any{map[string]any{"name": "westus", "regionalReplicaCount": 101}}}}},
			400, "InvalidParameter",
			"The value 101 of parameter 'galleryArtifactVersion.properties.publishingProfile.targetRegions.regionalReplicaCount' is out of range."},
		{"source in another region", map[string]any{"location": "eastus", "properties": map[string]any{
			"storageProfile": map[string]any{"source": map[string]any{"id": src}}}}, 400, "InvalidParameter",
			"The source must be in the region of the image version."},
		{"no replicas", map[string]any{"location": "westus", "properties": map[string]any{
			"storageProfile":    map[string]any{"source": map[string]any{"id": src}},
			"publishingProfile": map[string]any{"replicaCount": 0}}}, 400, "InvalidParameter", "between 1 and 100"},
		{"duplicate LUNs", map[string]any{"location": "westus", "properties": map[string]any{"storageProfile": map[string]any{
			"source":         map[string]any{"id": src},
			"dataDiskImages": []any{map[string]any{"lun": 1}, map[string]any{"lun": 1}}}}}, 400, "InvalidParameter", "more than once"},
	}
	for _, c := range cases {
		r := e.do("PUT", path("1.0.0"), c.body)
		if r.status != c.status || r.errCode() != c.code || !strings.Contains(r.raw, c.msg) {
			t.Errorf("%s: got %d %s: %s", c.name, r.status, r.errCode(), r.raw)
		}
	}
	// Region names compare like Azure's: "West US" is westus.
	mustStatus(t, e.do("PUT", path("1.0.1"), verBody(src, "West US", "East US 2")), 201)
	// A virtual machine source is accepted without a check (not emulated); so are a community image and a VHD.
	mustStatus(t, e.do("PUT", path("1.0.2"), map[string]any{"location": "westus", "properties": map[string]any{
		"storageProfile": map[string]any{"source": map[string]any{
			"virtualMachineId": "/subscriptions/" + e.SubscriptionID + "/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm"}}}}), 201)
	mustStatus(t, e.do("PUT", path("1.0.3"), map[string]any{"location": "westus", "properties": map[string]any{
		"storageProfile": map[string]any{"osDiskImage": map[string]any{"source": map[string]any{
			"uri": "https://acct.blob.core.windows.net/vhds/os.vhd", "storageAccountId": "/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/storageAccounts/acct"}}}}}), 201)
	// Snapshots as OS and data disk sources report their sizes.
	snap := e.createSnapshot(ctx, "rg", "os", 100)
	data := e.createSnapshot(ctx, "rg", "data", 8)
	r := e.do("PUT", path("1.0.4"), map[string]any{"location": "westus", "properties": map[string]any{"storageProfile": map[string]any{
		"osDiskImage":    map[string]any{"source": map[string]any{"id": *snap.ID}},
		"dataDiskImages": []any{map[string]any{"lun": 0, "source": map[string]any{"id": *data.ID}}}}}})
	mustStatus(t, r, 201)
	// Azure reports the sizes once the version is created, and host caching ReadWrite (OS disk) and
	// ReadOnly (data disks) for snapshot sources when none is sent.
	if os := r.prop("storageProfile").(map[string]any)["osDiskImage"].(map[string]any); os["sizeInGB"] != nil {
		t.Errorf("sizeInGB while Creating: %v", os)
	}
	sp := e.waitIdle(e.verPath("rg", "gal", "img", "1.0.4")).prop("storageProfile").(map[string]any)
	osDisk, dataDisk := sp["osDiskImage"].(map[string]any), sp["dataDiskImages"].([]any)[0].(map[string]any)
	if osDisk["sizeInGB"] != float64(100) || dataDisk["sizeInGB"] != float64(8) ||
		osDisk["hostCaching"] != "ReadWrite" || dataDisk["hostCaching"] != "ReadOnly" {
		t.Errorf("storageProfile = %v", sp)
	}
	// A managed image as an OS disk source is refused.
	mustError(t, e.do("PUT", path("1.0.5"), map[string]any{"location": "westus", "properties": map[string]any{"storageProfile": map[string]any{
		"osDiskImage": map[string]any{"source": map[string]any{"id": src}}}}}), 400, "InvalidParameter")
}

func TestVersionUpdates(t *testing.T) {
	e, ctx, src := versionEnv(t)
	path := q(e.verPath("rg", "gal", "img", "1.0.0"), computeAPI)
	mustStatus(t, e.do("PUT", path, verBody(src, "westus", "eastus")), 201)
	e.waitIdle(e.verPath("rg", "gal", "img", "1.0.0"))

	// Adding a region replicates only that region, for per: the checks while it replicates are
	// made within per, unless the machine is too slow to ask in time (see within).
	const per = 1500 * time.Millisecond
	if err := e.Server.PatchSettings(func(s *emulator.Settings) { s.ReplicationSecondsPerRegion = per.Seconds() }); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := e.do("PUT", path, verBody(src, "westus", "eastus", "West Europe"))
	mustStatus(t, r, 200)
	if r.prop("provisioningState") != "Updating" {
		t.Errorf("provisioningState = %v", r.prop("provisioningState"))
	}
	// Azure returns target regions by display name.
	want := map[string]string{"West US": "Completed", "East US": "Completed", "West Europe": "Replicating"}
	got := regionStates(e.replicationStatus(ctx, "1.0.0"))
	if !within(t, start, per, "that the added region is Replicating") && got["West Europe"] == "Completed" {
		want["West Europe"] = "Completed"
	}
	if !mapsEqual(got, want) {
		t.Errorf("after adding a region: %v, want %v", got, want)
	}
	// A write while replicating is refused. (Sent too late, it is refused anyway: it removes
	// replicated regions without allowDeletionOfReplicatedLocations.)
	e.conflictWhileRunning(start, per, "PUT", path, verBody(src, "westus"))
	e.waitIdle(e.verPath("rg", "gal", "img", "1.0.0"))

	// Removing a replicated region needs safetyProfile.allowDeletionOfReplicatedLocations.
	r = e.do("PUT", path, verBody(src, "westus", "eastus"))
	mustError(t, r, 400, "InvalidParameter")
	if !strings.Contains(r.raw, "allowDeletionOfReplicatedLocations") {
		t.Errorf("message: %s", r.raw)
	}
	body := verBody(src, "westus", "eastus")
	body["properties"].(map[string]any)["safetyProfile"] = map[string]any{"allowDeletionOfReplicatedLocations": true}
	mustStatus(t, e.do("PUT", path, body), 200)
	e.waitIdle(e.verPath("rg", "gal", "img", "1.0.0"))
	if got := regionStates(e.replicationStatus(ctx, "1.0.0")); !mapsEqual(got, map[string]string{"West US": "Completed", "East US": "Completed"}) {
		t.Errorf("after removing a region: %v", got)
	}

	// Sources, LUNs, replication mode and storage account types cannot change.
	other := e.createManagedImage(ctx, "rg", "other")
	change := func(name string, body map[string]any, target string) {
		t.Helper()
		r := e.do("PUT", path, body)
		if r.status != 409 || r.errCode() != "PropertyChangeNotAllowed" || r.errField("target") != target {
			t.Errorf("%s: got %d %s %q: %s", name, r.status, r.errCode(), r.errField("target"), r.raw)
		}
	}
	change("source", verBody(*other.ID, "westus", "eastus"), "galleryImageVersion.properties.storageProfile.source.id")
	withProps := func(pp map[string]any, sp map[string]any) map[string]any {
		b := verBody(src, "westus", "eastus")
		props := b["properties"].(map[string]any)
		for k, v := range pp {
			props["publishingProfile"].(map[string]any)[k] = v
		}
		for k, v := range sp {
			props["storageProfile"].(map[string]any)[k] = v
		}
		return b
	}
	change("LUNs", withProps(nil, map[string]any{"dataDiskImages": []any{map[string]any{"lun": 3}}}),
		"galleryImageVersion.properties.storageProfile.dataDiskImages")
	change("replication mode", withProps(map[string]any{"replicationMode": "Shallow"}, nil),
		"galleryImageVersion.properties.publishingProfile.replicationMode")
	change("storage account type", withProps(map[string]any{"storageAccountType": "Premium_LRS"}, nil),
		"galleryImageVersion.properties.publishingProfile.storageAccountType")
	change("region storage account type", withProps(map[string]any{"targetRegions": []any{
		map[string]any{"name": "westus"}, map[string]any{"name": "eastus", "storageAccountType": "Standard_ZRS"}}}, nil),
		"galleryImageVersion.properties.publishingProfile.targetRegions[1].storageAccountType")
	mustError(t, e.do("PUT", path, map[string]any{"location": "eastus", "properties": verBody(src, "eastus")["properties"]}),
		409, "PropertyChangeNotAllowed")

	// PATCH without a source keeps it (GalleryImageVersion_Update_WithoutSourceId.json).
	v, err := e.versions.BeginUpdate(ctx, "rg", "gal", "img", "1.0.0", armcompute.GalleryImageVersionUpdate{
		Properties: &armcompute.GalleryImageVersionProperties{
			PublishingProfile: &armcompute.GalleryImageVersionPublishingProfile{ExcludeFromLatest: to.Ptr(true)},
			StorageProfile:    &armcompute.GalleryImageVersionStorageProfile{},
		},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.PollUntilDone(ctx, pollOpts)
	if err != nil {
		t.Fatal(err)
	}
	if !*res.Properties.PublishingProfile.ExcludeFromLatest || !strings.EqualFold(*res.Properties.StorageProfile.Source.ID, src) ||
		len(res.Properties.PublishingProfile.TargetRegions) != 2 {
		t.Errorf("after PATCH: %+v", res.Properties.PublishingProfile)
	}
}

// mapsEqual compares string maps.
func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestReplicationFailure(t *testing.T) {
	e, ctx, src := versionEnv(t, func(c *emulator.Config) { c.Settings.ReplicationSecondsPerRegion = 0.3 })
	if _, err := e.Control.PatchConfig(ctx, map[string]any{"failReplication": []any{map[string]any{
		"versionPathPattern": "/images/img/versions/1\\.0\\.0$", "region": "East US",
		"code": "ReplicationQuotaExceeded", "message": "Quota exceeded in eastus.", "count": 1}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Control.PatchConfig(ctx, map[string]any{"failReplication": []any{map[string]any{"versionPathPattern": "("}}}); err == nil {
		t.Error("a bad versionPathPattern was accepted")
	}
	p, err := e.versions.BeginCreateOrUpdate(ctx, "rg", "gal", "img", "1.0.0", armcompute.GalleryImageVersion{
		Location: to.Ptr("westus"),
		Properties: &armcompute.GalleryImageVersionProperties{
			PublishingProfile: &armcompute.GalleryImageVersionPublishingProfile{
				TargetRegions: []*armcompute.TargetRegion{{Name: to.Ptr("westus")}, {Name: to.Ptr("eastus")}},
			},
			StorageProfile: &armcompute.GalleryImageVersionStorageProfile{Source: &armcompute.GalleryArtifactVersionFullSource{ID: to.Ptr(src)}},
		},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.PollUntilDone(ctx, pollOpts)
	if re := respErr(t, err); re.ErrorCode != "ReplicationQuotaExceeded" {
		t.Fatalf("operation error = %v", err)
	}
	rs := e.replicationStatus(ctx, "1.0.0")
	if *rs.AggregatedState != armcompute.AggregatedReplicationStateFailed ||
		!mapsEqual(regionStates(rs), map[string]string{"West US": "Completed", "East US": "Failed"}) ||
		!strings.Contains(*rs.Summary[1].Details, "Quota exceeded in eastus.") {
		t.Errorf("replication = %+v", regionStates(rs))
	}
	v, _ := e.versions.Get(ctx, "rg", "gal", "img", "1.0.0", nil)
	if *v.Properties.ProvisioningState != armcompute.GalleryProvisioningStateFailed {
		t.Errorf("provisioningState = %s", *v.Properties.ProvisioningState)
	}
	// The rule was used up: a retry replicates the failed region only and succeeds.
	cfg, _ := e.Control.Config(ctx)
	if len(cfg.FailReplication) != 0 {
		t.Errorf("failReplication left = %+v", cfg.FailReplication)
	}
	r := e.do("PUT", q(e.verPath("rg", "gal", "img", "1.0.0"), computeAPI), verBody(src, "westus", "eastus"))
	mustStatus(t, r, 200)
	// West US is not replicated again; East US is (Replicating, or Completed already on a slow
	// machine, never Failed).
	if got := regionStates(e.replicationStatus(ctx, "1.0.0")); got["West US"] != "Completed" || got["East US"] == "Failed" {
		t.Errorf("retry: %v", got)
	}
	if w := e.waitIdle(e.verPath("rg", "gal", "img", "1.0.0")); w.prop("provisioningState") != "Succeeded" {
		t.Errorf("after retry: %s", w.raw)
	}
}

func TestVersionQuotaPagingAndDeletion(t *testing.T) {
	e, ctx, src := versionEnv(t, func(c *emulator.Config) {
		c.Settings.ImageVersionQuota = 2
		c.Settings.PageSize = 1
	})
	for _, v := range []string{"1.0.0", "1.0.1"} {
		mustStatus(t, e.do("PUT", q(e.verPath("rg", "gal", "img", v), computeAPI), verBody(src)), 201)
	}
	r := e.do("PUT", q(e.verPath("rg", "gal", "img", "1.0.2"), computeAPI), verBody(src))
	mustError(t, r, 409, "QuotaExceeded")
	if !strings.Contains(r.raw, "Gallery Image Versions quota") {
		t.Errorf("message: %s", r.raw)
	}
	// The list pages with nextLink.
	pager := e.versions.NewListByGalleryImagePager("rg", "gal", "img", nil)
	var names []string
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Value {
			names = append(names, *v.Name)
		}
	}
	if strings.Join(names, ",") != "1.0.0,1.0.1" {
		t.Errorf("listed %v", names)
	}
	e.waitIdle(e.verPath("rg", "gal", "img", "1.0.1"))

	// The image definition cannot be deleted while it has versions.
	mustError(t, e.do("DELETE", q(e.imgPath("rg", "gal", "img"), computeAPI), nil), 409, "CannotDeleteResource")

	// blockDeletionBeforeEndOfLife refuses deletion before the end of life.
	eol := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	body := verBody(src)
	body["properties"].(map[string]any)["publishingProfile"] = map[string]any{"endOfLifeDate": eol}
	body["properties"].(map[string]any)["safetyProfile"] = map[string]any{"blockDeletionBeforeEndOfLife": true}
	mustStatus(t, e.do("PUT", q(e.verPath("rg", "gal", "img", "1.0.1"), computeAPI), body), 200)
	e.waitIdle(e.verPath("rg", "gal", "img", "1.0.1"))
	r = e.do("DELETE", q(e.verPath("rg", "gal", "img", "1.0.1"), computeAPI), nil)
	mustError(t, r, 409, "DeleteGalleryImageVersionBlockedBeforeEndOfLife")
	if !strings.Contains(r.raw, "blockDeletionBeforeEndOfLife") {
		t.Errorf("message: %s", r.raw)
	}
	// Without the block the version is deleted.
	mustStatus(t, e.do("DELETE", q(e.verPath("rg", "gal", "img", "1.0.0"), computeAPI), nil), 202)
}

func TestReplicationSettingsThroughControlAPI(t *testing.T) {
	e, ctx, src := versionEnv(t)
	cfg, err := e.Control.PatchConfig(ctx, map[string]any{"replicationSecondsPerRegion": 0.25, "imageVersionQuota": 5})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ReplicationSecondsPerRegion != 0.25 || cfg.ImageVersionQuota != 5 || cfg.FailReplication == nil {
		t.Errorf("config = %+v", cfg)
	}
	start := time.Now()
	p, err := e.versions.BeginCreateOrUpdate(ctx, "rg", "gal", "img", "1.0.0", armcompute.GalleryImageVersion{
		Location: to.Ptr("westus"),
		Properties: &armcompute.GalleryImageVersionProperties{
			PublishingProfile: &armcompute.GalleryImageVersionPublishingProfile{
				TargetRegions: []*armcompute.TargetRegion{{Name: to.Ptr("westus")}, {Name: to.Ptr("northeurope")}},
			},
			StorageProfile: &armcompute.GalleryImageVersionStorageProfile{Source: &armcompute.GalleryArtifactVersionFullSource{ID: to.Ptr(src)}},
		},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.PollUntilDone(ctx, pollOpts); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 450*time.Millisecond {
		t.Errorf("two regions at 250 ms each took %v", took)
	}
	// Negative is instant.
	if _, err := e.Control.PatchConfig(ctx, map[string]any{"replicationSecondsPerRegion": -1}); err != nil {
		t.Fatal(err)
	}
	r := e.do("PUT", q(e.verPath("rg", "gal", "img", "1.0.1"), computeAPI), verBody(src, "westus", "eastus", "eastus2"))
	mustStatus(t, r, 201)
	if w := e.waitIdle(e.verPath("rg", "gal", "img", "1.0.1")); w.prop("provisioningState") != "Succeeded" {
		t.Errorf("instant replication: %s", w.raw)
	}
}

// TestVersionResumeToken resumes a version's long-running operation (as the operator does after a
// restart) while it is still replicating.
func TestVersionResumeToken(t *testing.T) {
	e, ctx, src := versionEnv(t, func(c *emulator.Config) { c.Settings.ReplicationSecondsPerRegion = 0.6 })
	p, err := e.versions.BeginCreateOrUpdate(ctx, "rg", "gal", "img", "1.0.0", armcompute.GalleryImageVersion{
		Location: to.Ptr("westus"),
		Properties: &armcompute.GalleryImageVersionProperties{
			PublishingProfile: &armcompute.GalleryImageVersionPublishingProfile{
				TargetRegions: []*armcompute.TargetRegion{{Name: to.Ptr("westus")}, {Name: to.Ptr("eastus")}},
			},
			StorageProfile: &armcompute.GalleryImageVersionStorageProfile{Source: &armcompute.GalleryArtifactVersionFullSource{ID: to.Ptr(src)}},
		},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := p.ResumeToken()
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.versions.BeginCreateOrUpdate(ctx, "rg", "gal", "img", "1.0.0", armcompute.GalleryImageVersion{},
		&armcompute.GalleryImageVersionsClientBeginCreateOrUpdateOptions{ResumeToken: tok})
	if err != nil {
		t.Fatal(err)
	}
	if r.Done() {
		t.Error("the resumed operation is done while replicating")
	}
	res, err := r.PollUntilDone(ctx, pollOpts)
	if err != nil || *res.Properties.ProvisioningState != armcompute.GalleryProvisioningStateSucceeded {
		t.Fatalf("resumed: %v", err)
	}
	if rs := e.replicationStatus(ctx, "1.0.0"); *rs.AggregatedState != armcompute.AggregatedReplicationStateCompleted {
		t.Errorf("replication = %v", regionStates(rs))
	}
}
