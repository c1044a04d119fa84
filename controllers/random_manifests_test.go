package controllers_test

import (
	"context"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/reconcile"
)

// TestRandomManifests creates random Gallery, GalleryImage and GalleryImageVersion manifests
// (valid ones, and ones with one invalid value: bad names, enums, lengths, lists, references,
// numbers out of range, missing required fields, wrong types) on the real API server, with the
// manager running against the emulator. Each is refused at admission with a message naming a
// field, or accepted and then settles: Ready, Ready=False with a reason and status.error (what
// Azure answered), or Reconciling while it waits for a parent. The manager never panics, and no
// accepted object is written in a loop: at most 3 PUTs each, plus one per doubling of the
// transient backoff over the test's duration for objects whose error is transient.
//
// RANDOM_MANIFESTS_SEED replays a run (its seed is logged, and printed on failure);
// RANDOM_MANIFESTS_N sets the number of manifests (60).
func TestRandomManifests(t *testing.T) {
	if testing.Short() {
		t.Skip("creates objects and waits for them")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("RANDOM_MANIFESTS_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		seed = v
	}
	n := 60
	if s := os.Getenv("RANDOM_MANIFESTS_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	t.Logf("seed %d (replay with RANDOM_MANIFESTS_SEED=%d)", seed, seed)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("FAILED with seed %d: replay with RANDOM_MANIFESTS_SEED=%d go test -run TestRandomManifests ./controllers/", seed, seed)
		}
	})

	logStart := len(managerLog.String())
	// A long sync period: a terminal error is not retried within the test, so every further PUT
	// would be a loop.
	startManager(t, func(o *reconcile.Options) {
		o.DriftResync, o.TerminalRetry, o.ParentWait = time.Hour, time.Hour, time.Hour
	})
	ns := newNamespace(t)
	g := &manifestGen{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), ns: ns,
		token:  strings.ReplaceAll(ns, "-", ""),
		source: azureEnv.createManagedImage(t, "random-src-"+ns, location)}
	ctx := context.Background()
	start := time.Now()

	var accepted []*manifest
	refused := 0
	for i := range n {
		m := g.next(i)
		err := k8s.Create(ctx, m.obj)
		switch {
		case err == nil:
			accepted = append(accepted, m)
			t.Logf("%s %s accepted (%s)", m.obj.GetKind(), m.obj.GetName(), m.change)
		case apierrors.IsInvalid(err) || apierrors.IsBadRequest(err):
			refused++
			if !namesField.MatchString(err.Error()) {
				t.Errorf("%s %s (%s) refused without naming a field: %v", m.obj.GetKind(), m.obj.GetName(), m.change, err)
			}
			if m.change == "" {
				t.Errorf("valid %s %s refused: %v", m.obj.GetKind(), m.obj.GetName(), err)
			}
			t.Logf("%s %s refused (%s): %.200s", m.obj.GetKind(), m.obj.GetName(), m.change, err)
		default:
			t.Errorf("%s %s (%s): unexpected error %v", m.obj.GetKind(), m.obj.GetName(), m.change, err)
		}
	}
	t.Logf("%d manifests: %d accepted, %d refused at admission", n, len(accepted), refused)

	// Every accepted object settles.
	pending := slices.Clone(accepted)
	deadline := time.Now().Add(2 * readyTimeout)
	for len(pending) > 0 && time.Now().Before(deadline) {
		pending = slices.DeleteFunc(pending, func(m *manifest) bool {
			cur := &unstructured.Unstructured{}
			cur.SetGroupVersionKind(m.obj.GroupVersionKind())
			if err := k8s.Get(ctx, client.ObjectKeyFromObject(m.obj), cur); err != nil {
				return false
			}
			m.outcome, m.transient = settled(cur)
			return m.outcome != ""
		})
		time.Sleep(500 * time.Millisecond)
	}
	for _, m := range pending {
		cur := &unstructured.Unstructured{}
		cur.SetGroupVersionKind(m.obj.GroupVersionKind())
		_ = k8s.Get(ctx, client.ObjectKeyFromObject(m.obj), cur)
		st, _, _ := unstructured.NestedMap(cur.Object, "status")
		t.Errorf("%s %s (%s) did not settle: status %v", m.obj.GetKind(), m.obj.GetName(), m.change, st)
	}
	outcomes := map[string]int{}
	for _, m := range accepted {
		outcomes[strings.SplitN(m.outcome, " ", 2)[0]]++
		t.Logf("%s %s (%s) settled: %s", m.obj.GetKind(), m.obj.GetName(), m.change, m.outcome)
	}
	t.Logf("outcomes: %v", outcomes)

	// Give loops time to show, then count the PUTs of each accepted object.
	time.Sleep(5 * time.Second)
	elapsed := time.Since(start)
	for _, m := range accepted {
		if m.path == "" {
			continue
		}
		limit := 3
		if m.transient {
			limit += bits.Len(uint(elapsed / (2 * time.Second))) // the transient backoff doubles from 2s
		}
		if puts := azureEnv.count(t, "PUT", m.path); puts > limit {
			t.Errorf("%s %s (%s, %s): %d PUTs of %s in %s, want at most %d", m.obj.GetKind(), m.obj.GetName(), m.change, m.outcome,
				puts, m.path, elapsed.Round(time.Second), limit)
		}
	}
	if log := managerLog.String()[logStart:]; strings.Contains(strings.ToLower(log), "panic") {
		i := strings.Index(strings.ToLower(log), "panic")
		t.Errorf("the manager logged a panic: %s", log[max(0, i-500):min(len(log), i+2000)])
	}

	// Clean up: delete what was accepted (children first) and give it a little time.
	for _, m := range slices.Backward(accepted) {
		_ = k8s.Delete(ctx, m.obj)
	}
	eventually(t, readyTimeout, "random objects deleted", func() (bool, string) {
		left := 0
		for _, m := range accepted {
			cur := &unstructured.Unstructured{}
			cur.SetGroupVersionKind(m.obj.GroupVersionKind())
			if err := k8s.Get(ctx, client.ObjectKeyFromObject(m.obj), cur); err == nil {
				left++
			}
		}
		return left == 0, fmt.Sprintf("%d left", left)
	})
}

// namesField matches an admission message that names a field of the object.
var namesField = regexp.MustCompile(`\b(spec|metadata)(\.|:|\[)`)

// settled describes the state an accepted object settled in, "" while it has not; transient
// tells an Azure error that is retried with backoff.
func settled(u *unstructured.Unstructured) (string, bool) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	find := func(typ string) map[string]any {
		for _, c := range conds {
			if m, ok := c.(map[string]any); ok && m["type"] == typ {
				return m
			}
		}
		return nil
	}
	gen := u.GetGeneration()
	ready, reconciling := find(v1alpha1.ConditionReady), find(v1alpha1.ConditionReconciling)
	azErr, hasErr, _ := unstructured.NestedMap(u.Object, "status", "error")
	current := func(c map[string]any) bool {
		og, _ := c["observedGeneration"].(int64)
		return og == gen
	}
	switch {
	case ready != nil && ready["status"] == "True" && current(ready):
		return "Ready", false
	case ready != nil && ready["status"] == "False" && ready["reason"] != "" && hasErr && current(ready):
		terminal, _ := azErr["terminal"].(bool)
		return fmt.Sprintf("Error %v", ready["reason"]), !terminal
	case reconciling != nil && reconciling["status"] == "True" && strings.HasPrefix(fmt.Sprint(reconciling["reason"]), "WaitingFor") && current(reconciling):
		return fmt.Sprintf("Waiting %v", reconciling["reason"]), false
	}
	return "", false
}

// manifest is one generated object, what was changed to make it invalid ("" when valid), its
// ARM path when known (lower-cased, as the emulator's log has it) and how it settled.
type manifest struct {
	obj       *unstructured.Unstructured
	change    string
	path      string
	outcome   string
	transient bool
}

// manifestGen generates manifests in ns; parents it generated may be referenced by later ones.
type manifestGen struct {
	rng       *rand.Rand
	ns, token string
	source    string // a managed image that exists
	galleries []*manifest
	images    []*manifest
}

func (g *manifestGen) chance(p float64) bool { return g.rng.Float64() < p }
func (g *manifestGen) oneOf(vs ...any) any   { return vs[g.rng.IntN(len(vs))] }

// armBase is the ARM path prefix of a resource group.
func armBase(sub, rg string) string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute", sub, rg)
}

func (g *manifestGen) next(i int) *manifest {
	switch i % 3 {
	case 0:
		m := g.gallery(i)
		g.galleries = append(g.galleries, m)
		return m
	case 1:
		m := g.image(i)
		g.images = append(g.images, m)
		return m
	default:
		return g.version(i)
	}
}

// object wraps spec as kind named name.
func (g *manifestGen) object(kind, name string, spec map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: v1alpha1.GroupVersion.Group, Version: v1alpha1.GroupVersion.Version, Kind: kind})
	u.SetNamespace(g.ns)
	u.SetName(name)
	return u
}

// breaks applies one of the changes (name -> change) with probability p and returns its name.
func (g *manifestGen) breaks(p float64, u *unstructured.Unstructured, changes map[string]func(*unstructured.Unstructured)) string {
	if !g.chance(p) {
		return ""
	}
	names := make([]string, 0, len(changes))
	for k := range changes {
		names = append(names, k)
	}
	slices.Sort(names)
	name := names[g.rng.IntN(len(names))]
	changes[name](u)
	return name
}

func set(u *unstructured.Unstructured, v any, path ...string) {
	if err := unstructured.SetNestedField(u.Object, v, path...); err != nil {
		panic(err)
	}
}

func del(u *unstructured.Unstructured, path ...string) {
	unstructured.RemoveNestedField(u.Object, path...)
}

func (g *manifestGen) tags() map[string]any {
	tags := map[string]any{}
	for range g.rng.IntN(4) {
		tags[g.oneOf("env", "team", "Owner", "cost-center").(string)] = g.oneOf("prod", "", "x y z", "ünïcode").(string)
	}
	return tags
}

func (g *manifestGen) gallery(i int) *manifest {
	name := fmt.Sprintf("gal%d%s", i, g.token)
	azName := strings.ReplaceAll(g.ns, "-", "_") + fmt.Sprintf("_gal%d", i)
	spec := map[string]any{"resourceGroupName": group, "azureName": azName, "location": g.oneOf("westeurope", "West Europe").(string),
		"tags": g.tags(), "properties": map[string]any{"description": g.oneOf("", "random gallery", strings.Repeat("d", 2048)).(string)}}
	rg := group
	if g.chance(0.1) {
		rg = "rg-missing-" + g.ns // valid, but Azure has no such group
		spec["resourceGroupName"] = rg
	}
	if g.chance(0.3) {
		delete(spec, "azureName") // the metadata.name (letters and digits) is the Azure name
		azName = name
	}
	props := spec["properties"].(map[string]any)
	switch g.rng.IntN(4) {
	case 1:
		props["sharingProfile"] = map[string]any{"permissions": "Private"}
	case 2:
		props["sharingProfile"] = map[string]any{"permissions": "Groups", "groups": []any{map[string]any{"type": "Subscriptions",
			"ids": []any{fmt.Sprintf("00000000-0000-0000-0000-0000000000%02x", g.rng.IntN(200))}}}}
	case 3:
		props["softDeletePolicy"] = map[string]any{"isSoftDeleteEnabled": g.chance(0.5)}
	}
	u := g.object("Gallery", name, spec)
	change := g.breaks(0.4, u, map[string]func(*unstructured.Unstructured){
		"location missing":           func(u *unstructured.Unstructured) { del(u, "spec", "location") },
		"location a number":          func(u *unstructured.Unstructured) { set(u, int64(42), "spec", "location") },
		"resourceGroupName too long": func(u *unstructured.Unstructured) { set(u, strings.Repeat("r", 91), "spec", "resourceGroupName") },
		"resourceGroupName pattern":  func(u *unstructured.Unstructured) { set(u, "rg.", "spec", "resourceGroupName") },
		"azureName with a dash":      func(u *unstructured.Unstructured) { set(u, "gal-"+g.token, "spec", "azureName") },
		"metadata.name with a dash": func(u *unstructured.Unstructured) {
			del(u, "spec", "azureName")
			u.SetName(fmt.Sprintf("gal-%d-%s", i, g.token))
		},
		"permissions not an enum": func(u *unstructured.Unstructured) {
			set(u, "Public", "spec", "properties", "sharingProfile", "permissions")
		},
		"groups without Groups": func(u *unstructured.Unstructured) {
			set(u, map[string]any{"permissions": "Private", "groups": []any{map[string]any{"type": "Subscriptions", "ids": []any{shareSubA}}}}, "spec", "properties", "sharingProfile")
		},
		"Community without info": func(u *unstructured.Unstructured) {
			set(u, map[string]any{"permissions": "Community"}, "spec", "properties", "sharingProfile")
		},
		"group id not a GUID": func(u *unstructured.Unstructured) {
			set(u, map[string]any{"permissions": "Groups", "groups": []any{map[string]any{"type": "Subscriptions", "ids": []any{"not-a-guid"}}}}, "spec", "properties", "sharingProfile")
		},
		"three groups": func(u *unstructured.Unstructured) {
			grp := map[string]any{"type": "AADTenants", "ids": []any{shareSubB}}
			set(u, map[string]any{"permissions": "Groups", "groups": []any{grp, grp, grp}}, "spec", "properties", "sharingProfile")
		},
		"51 tags": func(u *unstructured.Unstructured) {
			tags := map[string]any{}
			for k := range 51 {
				tags[fmt.Sprint("t", k)] = "v"
			}
			set(u, tags, "spec", "tags")
		},
		"description too long": func(u *unstructured.Unstructured) {
			set(u, strings.Repeat("d", 2049), "spec", "properties", "description")
		},
		"subscriptionId not a GUID": func(u *unstructured.Unstructured) { set(u, "12345", "spec", "subscriptionId") },
		"identity type not an enum": func(u *unstructured.Unstructured) { set(u, map[string]any{"type": "Both"}, "spec", "identity") },
		"spec missing":              func(u *unstructured.Unstructured) { delete(u.Object, "spec") },
	})
	m := &manifest{obj: u, change: change}
	if change == "" {
		m.path = strings.ToLower(armBase(azureEnv.subscription, rg) + "/galleries/" + azName)
	}
	return m
}

func (g *manifestGen) image(i int) *manifest {
	name := fmt.Sprintf("img-%d-%s", i, g.token)
	spec := map[string]any{"location": g.oneOf("westeurope", "West Europe").(string), "tags": g.tags(),
		"properties": map[string]any{
			"osType": g.oneOf("Linux", "Windows").(string), "osState": g.oneOf("Generalized", "Specialized").(string),
			"identifier": map[string]any{"publisher": "random", "offer": g.token, "sku": fmt.Sprintf("sku-%d", i)},
		}}
	props := spec["properties"].(map[string]any)
	if g.chance(0.5) {
		props["hyperVGeneration"] = "V2"
		if g.chance(0.5) {
			props["features"] = []any{map[string]any{"name": "SecurityType", "value": "TrustedLaunch"}}
		}
	}
	if g.chance(0.3) {
		props["recommended"] = map[string]any{"vCPUs": map[string]any{"min": int64(2), "max": int64(8)}}
	}
	if g.chance(0.2) {
		props["disallowed"] = map[string]any{"diskTypes": []any{"Standard_LRS"}}
	}
	// Where: a Gallery generated earlier (accepted or not), a Gallery that does not exist, the
	// suite's gallery by name, or a gallery Azure does not have.
	var base string
	switch r := g.rng.IntN(10); {
	case r < 5 && len(g.galleries) > 0:
		parent := g.galleries[g.rng.IntN(len(g.galleries))]
		spec["galleryRef"] = map[string]any{"name": parent.obj.GetName()}
		if parent.path != "" {
			base = parent.path
		}
	case r < 6:
		spec["galleryRef"] = map[string]any{"name": "no-such-gallery"}
	case r < 9:
		spec["resourceGroupName"], spec["galleryName"] = group, gallery
		base = armBase(azureEnv.subscription, group) + "/galleries/" + gallery
	default:
		spec["resourceGroupName"], spec["galleryName"] = group, "nogallery"+g.token
		base = armBase(azureEnv.subscription, group) + "/galleries/nogallery" + g.token
	}
	u := g.object("GalleryImage", name, spec)
	change := g.breaks(0.4, u, map[string]func(*unstructured.Unstructured){
		"osType missing":     func(u *unstructured.Unstructured) { del(u, "spec", "properties", "osType") },
		"osType not an enum": func(u *unstructured.Unstructured) { set(u, "Solaris", "spec", "properties", "osType") },
		"osState missing":    func(u *unstructured.Unstructured) { del(u, "spec", "properties", "osState") },
		"identifier missing": func(u *unstructured.Unstructured) { del(u, "spec", "properties", "identifier") },
		"publisher pattern": func(u *unstructured.Unstructured) {
			set(u, "bad publisher!", "spec", "properties", "identifier", "publisher")
		},
		"offer too long": func(u *unstructured.Unstructured) {
			set(u, strings.Repeat("o", 65), "spec", "properties", "identifier", "offer")
		},
		"hyperVGeneration V3":      func(u *unstructured.Unstructured) { set(u, "V3", "spec", "properties", "hyperVGeneration") },
		"architecture not an enum": func(u *unstructured.Unstructured) { set(u, "riscv", "spec", "properties", "architecture") },
		"galleryRef and names": func(u *unstructured.Unstructured) {
			set(u, map[string]any{"name": "x"}, "spec", "galleryRef")
			set(u, group, "spec", "resourceGroupName")
		},
		"no gallery at all": func(u *unstructured.Unstructured) {
			del(u, "spec", "galleryRef")
			del(u, "spec", "resourceGroupName")
			del(u, "spec", "galleryName")
		},
		"galleryName pattern": func(u *unstructured.Unstructured) {
			del(u, "spec", "galleryRef")
			set(u, group, "spec", "resourceGroupName")
			set(u, "-bad-", "spec", "galleryName")
		},
		"vCPUs min above max": func(u *unstructured.Unstructured) {
			set(u, map[string]any{"min": int64(9), "max": int64(2)}, "spec", "properties", "recommended", "vCPUs")
		},
		"memory min negative": func(u *unstructured.Unstructured) {
			set(u, map[string]any{"min": int64(-1)}, "spec", "properties", "recommended", "memory")
		},
		"memory max beyond int32": func(u *unstructured.Unstructured) {
			set(u, map[string]any{"max": int64(1) << 40}, "spec", "properties", "recommended", "memory")
		},
		"TrustedLaunch on V1": func(u *unstructured.Unstructured) {
			set(u, "V1", "spec", "properties", "hyperVGeneration")
			set(u, []any{map[string]any{"name": "SecurityType", "value": "TrustedLaunch"}}, "spec", "properties", "features")
		},
		"feature name empty": func(u *unstructured.Unstructured) {
			set(u, []any{map[string]any{"name": "", "value": "x"}}, "spec", "properties", "features")
		},
		"feature named twice": func(u *unstructured.Unstructured) {
			f := map[string]any{"name": "IsHibernateSupported", "value": "true"}
			set(u, []any{f, f}, "spec", "properties", "features")
		},
		"startsAtVersion pattern": func(u *unstructured.Unstructured) {
			set(u, []any{map[string]any{"name": "IsHibernateSupported", "startsAtVersion": "1.0"}}, "spec", "properties", "features")
		},
		"33 features": func(u *unstructured.Unstructured) {
			var fs []any
			for k := range 33 {
				fs = append(fs, map[string]any{"name": fmt.Sprint("F", k)})
			}
			set(u, fs, "spec", "properties", "features")
		},
		"17 disk types": func(u *unstructured.Unstructured) {
			var ds []any
			for k := range 17 {
				ds = append(ds, fmt.Sprint("D", k))
			}
			set(u, map[string]any{"diskTypes": ds}, "spec", "properties", "disallowed")
		},
		"metadata.name too long for Azure": func(u *unstructured.Unstructured) { u.SetName(name + "-" + strings.Repeat("x", 80)) },
		"azureName pattern":                func(u *unstructured.Unstructured) { set(u, "_bad", "spec", "azureName") },
		"location empty":                   func(u *unstructured.Unstructured) { set(u, "", "spec", "location") },
		"properties missing":               func(u *unstructured.Unstructured) { del(u, "spec", "properties") },
		"tags not strings":                 func(u *unstructured.Unstructured) { set(u, map[string]any{"n": int64(1)}, "spec", "tags") },
	})
	m := &manifest{obj: u, change: change}
	if change == "" && base != "" {
		m.path = strings.ToLower(base + "/images/" + name)
	}
	return m
}

func (g *manifestGen) version(i int) *manifest {
	name := fmt.Sprintf("ver-%d-%s", i, g.token)
	azName := fmt.Sprintf("1.%d.%d", i, g.rng.IntN(1000))
	regions := []any{map[string]any{"name": g.oneOf("westeurope", "West Europe").(string)}}
	if g.chance(0.4) {
		regions = append(regions, map[string]any{"name": "northeurope", "regionalReplicaCount": int64(1 + g.rng.IntN(3))})
	}
	src := g.source
	if g.chance(0.15) {
		src = armBase(azureEnv.subscription, group) + "/images/no-such-image"
	}
	spec := map[string]any{"azureName": azName, "location": location, "tags": g.tags(),
		"properties": map[string]any{
			"publishingProfile": map[string]any{"targetRegions": regions, "replicationMode": g.oneOf("Full", "Shallow").(string)},
			"storageProfile":    map[string]any{"source": map[string]any{"id": src}},
		}}
	if g.chance(0.3) {
		spec["properties"].(map[string]any)["safetyProfile"] = map[string]any{"allowDeletionOfReplicatedLocations": true}
	}
	var base string
	switch r := g.rng.IntN(10); {
	case r < 7 && len(g.images) > 0:
		parent := g.images[g.rng.IntN(len(g.images))]
		spec["imageRef"] = map[string]any{"name": parent.obj.GetName()}
		if parent.path != "" {
			base = parent.path
		}
	case r < 8:
		spec["imageRef"] = map[string]any{"name": "no-such-image"}
	default:
		spec["resourceGroupName"], spec["galleryName"], spec["galleryImageName"] = group, gallery, "no-such-image-"+g.token
		base = armBase(azureEnv.subscription, group) + "/galleries/" + gallery + "/images/no-such-image-" + g.token
	}
	u := g.object("GalleryImageVersion", name, spec)
	change := g.breaks(0.4, u, map[string]func(*unstructured.Unstructured){
		"azureName not a version":     func(u *unstructured.Unstructured) { set(u, "1.0", "spec", "azureName") },
		"azureName part beyond int32": func(u *unstructured.Unstructured) { set(u, "1.0.9999999999", "spec", "azureName") },
		"metadata.name not a version": func(u *unstructured.Unstructured) { del(u, "spec", "azureName") },
		"location not a target region": func(u *unstructured.Unstructured) {
			set(u, []any{map[string]any{"name": "eastus"}}, "spec", "properties", "publishingProfile", "targetRegions")
		},
		"region named twice": func(u *unstructured.Unstructured) {
			set(u, []any{map[string]any{"name": "westeurope"}, map[string]any{"name": "West Europe"}}, "spec", "properties", "publishingProfile", "targetRegions")
		},
		"regionalReplicaCount 0": func(u *unstructured.Unstructured) {
			set(u, []any{map[string]any{"name": "westeurope", "regionalReplicaCount": int64(0)}}, "spec", "properties", "publishingProfile", "targetRegions")
		},
		"replicaCount 101": func(u *unstructured.Unstructured) {
			set(u, int64(101), "spec", "properties", "publishingProfile", "replicaCount")
		},
		"storageAccountType enum": func(u *unstructured.Unstructured) {
			set(u, "Ultra_LRS", "spec", "properties", "publishingProfile", "storageAccountType")
		},
		"replicationMode enum": func(u *unstructured.Unstructured) {
			set(u, "Partial", "spec", "properties", "publishingProfile", "replicationMode")
		},
		"no source": func(u *unstructured.Unstructured) { set(u, map[string]any{}, "spec", "properties", "storageProfile") },
		"two sources": func(u *unstructured.Unstructured) {
			set(u, g.source, "spec", "properties", "storageProfile", "source", "virtualMachineId")
		},
		"source id pattern": func(u *unstructured.Unstructured) {
			set(u, "images/golden", "spec", "properties", "storageProfile", "source", "id")
		},
		"storageProfile missing": func(u *unstructured.Unstructured) { del(u, "spec", "properties", "storageProfile") },
		"imageRef and names": func(u *unstructured.Unstructured) {
			set(u, map[string]any{"name": "x"}, "spec", "imageRef")
			set(u, gallery, "spec", "galleryName")
		},
		"no image at all": func(u *unstructured.Unstructured) { del(u, "spec", "imageRef"); del(u, "spec", "galleryImageName") },
		"lun 64": func(u *unstructured.Unstructured) {
			set(u, []any{map[string]any{"lun": int64(64), "source": map[string]any{"id": g.source}}}, "spec", "properties", "storageProfile", "dataDiskImages")
		},
		"VHD without storage account": func(u *unstructured.Unstructured) {
			set(u, map[string]any{"osDiskImage": map[string]any{"source": map[string]any{"uri": "https://sa.blob.core.windows.net/v/os.vhd"}}}, "spec", "properties", "storageProfile")
		},
		"endOfLifeDate not a date": func(u *unstructured.Unstructured) {
			set(u, "next year", "spec", "properties", "publishingProfile", "endOfLifeDate")
		},
		"location missing": func(u *unstructured.Unstructured) { del(u, "spec", "location") },
		"65 target regions": func(u *unstructured.Unstructured) {
			rs := []any{map[string]any{"name": "westeurope"}}
			for k := range 64 {
				rs = append(rs, map[string]any{"name": fmt.Sprint("region", k)})
			}
			set(u, rs, "spec", "properties", "publishingProfile", "targetRegions")
		},
	})
	m := &manifest{obj: u, change: change}
	if change == "" && base != "" {
		m.path = strings.ToLower(base + "/versions/" + azName)
	}
	return m
}
