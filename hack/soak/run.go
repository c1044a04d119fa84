package main

import (
	"context"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/azgallery/gallery-operator/internal/emulator"
	"github.com/azgallery/gallery-operator/internal/localenv"
)

const (
	armPaths   = `^/subscriptions/`
	tokenPaths = `/oauth2/(v2\.0/)?token$`
)

// backgroundFaults are the faults on a share of requests, all through the chaos phase.
func backgroundFaults(rate float64) []emulator.Fault {
	return []emulator.Fault{
		{PathPattern: armPaths, Status: 503, Code: "ServiceUnavailable", Message: "soak: injected 503", RetryAfter: 1, Probability: rate},
		{PathPattern: armPaths, Status: 500, Code: "InternalServerError", Message: "soak: injected 500", Probability: rate / 2},
		{PathPattern: armPaths, Status: 429, Code: "TooManyRequests", Message: "soak: injected 429", RetryAfter: 2, Probability: rate},
		{PathPattern: armPaths, Kind: "reset", Probability: rate},
		{PathPattern: armPaths, DelayMs: 2500, Probability: rate},
		{PathPattern: tokenPaths, DelayMs: 1000, Probability: 0.2},
	}
}

type event struct {
	at   time.Duration
	name string
	fn   func() error
}

// env is everything the run holds.
type env struct {
	o       options
	dir     string
	rng     *mrand.Rand
	cp      *localenv.ControlPlane
	em      *localenv.Emulator
	ctl     *emulator.Control
	k       *kube
	m       *model
	sup     *supervisor
	coll    *collector
	secrets []string // every client secret in play

	apiDown         bool
	changesRejected int
	deletedObjects  int
	injected        map[string]int
	failRules       int
	rotatedAt       time.Time
	tokenLifetime   time.Duration
	figures         []string
}

// faults reads the active fault rules with their matched counts (GET /_emulator/faults).
func (e *env) faults() ([]emulator.Fault, error) {
	resp, err := e.ctl.HTTPClient.Get(e.ctl.BaseURL + "/_emulator/faults")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var fs []emulator.Fault
	return fs, json.NewDecoder(resp.Body).Decode(&fs)
}

// outageEnd notes how many requests the outage's first fault rule answered, then restores the
// background faults.
func (e *env) outageEnd(what string) error {
	ctx := context.Background()
	if fs, err := e.faults(); err == nil && len(fs) > 0 {
		e.figures = append(e.figures, fmt.Sprintf("%s: %d requests refused", what, fs[0].Matched))
		note("%s over: %d requests refused", what, fs[0].Matched)
	}
	return e.ctl.SetFaults(ctx, backgroundFaults(e.o.faultRate))
}

func run(ctx context.Context, o options) (failed int, err error) {
	e := &env{o: o, rng: mrand.New(mrand.NewPCG(o.seed, 0x50a4)), injected: map[string]int{}}
	if e.dir = o.workDir; e.dir == "" {
		if e.dir, err = os.MkdirTemp("", "soak-"); err != nil {
			return 0, err
		}
	} else if err := os.MkdirAll(e.dir, 0o755); err != nil {
		return 0, err
	}
	host, _ := os.Hostname()
	fmt.Printf("soak: %d galleries, %d images, %d versions, %d applications and %d profiles (one version each); chaos %s, outages %s, %d manager kills; seed %d\n",
		o.galleries, o.images, o.versions, o.applications, o.profiles, o.duration, o.outage, o.kills, o.seed)
	fmt.Printf("machine: %s, %d CPUs (%s), load %s; logs in %s\n", host, numCPU(), cpuModel(), loadAvg(), e.dir)

	step("starting kube-apiserver and etcd")
	if e.cp, err = localenv.StartControlPlane(e.dir, o.assets, filepath.Join(o.root, "config", "crd", "bases")); err != nil {
		return 0, err
	}
	defer func() { _ = e.cp.Stop() }()

	step("starting the Azure emulator with a second principal (the one whose secret rotates)")
	secret1, secret2 := randomSecret("soak-secret-1-"), randomSecret("soak-secret-2-")
	e.secrets = []string{localenv.ClientSecret, secret1, secret2}
	cfgPath := filepath.Join(e.dir, "emulator-config.json")
	cfgJSON, _ := json.Marshal(map[string]any{"principals": []map[string]any{{"tenantId": localenv.TenantID, "clientId": rotClientID,
		"clientSecret": secret1, "subscriptions": []string{localenv.SubscriptionID}}}})
	if err := os.WriteFile(cfgPath, cfgJSON, 0o600); err != nil {
		return 0, err
	}
	if e.em, err = localenv.StartEmulator(e.dir, o.emulatorBin, "--quiet", "--config", cfgPath, "--replication-seconds-per-region=1"); err != nil {
		return 0, err
	}
	defer e.em.Stop()
	caPEM, err := os.ReadFile(e.em.CAFile)
	if err != nil {
		return 0, err
	}
	e.ctl = emulator.NewControl(e.em.URL, caPEM)
	e.coll = &collector{ctl: e.ctl}

	step("creating resource group %s and %d managed images (the versions' sources) in the emulator", group, min(4, max(1, o.versions)))
	if err := e.em.CreateResourceGroup(ctx, group, location); err != nil {
		return 0, err
	}
	var sources []string
	for i := 0; i < min(4, max(1, o.versions)); i++ {
		id, err := e.em.CreateManagedImage(ctx, group, fmt.Sprintf("soak-source-%d", i), location)
		if err != nil {
			return 0, err
		}
		sources = append(sources, id)
	}
	e.m = newModel(counts{o.galleries, o.images, o.versions, o.applications, o.profiles}, sources)
	if err := e.ctl.ResetRequests(ctx); err != nil {
		return 0, err
	}

	if e.k, err = newKube(e.cp.Kubeconfig); err != nil {
		return 0, err
	}
	ns := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": namespace}}}
	if _, err := e.k.dyn.Resource(nsGVR).Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		return 0, err
	}
	if _, err := e.k.res(secretGVR).Create(ctx, secretManifest(secret1), metav1.CreateOptions{}); err != nil {
		return 0, err
	}

	step("starting the manager (--enable-credential-secrets %s)", o.managerArgs)
	e.sup = &supervisor{dir: e.dir, bin: o.managerBin, kubeconfig: e.cp.Kubeconfig, em: e.em,
		args: append([]string{"--enable-credential-secrets"}, strings.Fields(o.managerArgs)...)}
	if err := e.sup.start(); err != nil {
		return 0, err
	}
	defer e.sup.stop()
	bg, cancelBG := context.WithCancel(ctx)
	defer cancelBG()
	go e.sup.watch(bg)
	go e.coll.run(bg, 3*time.Second)

	// The chaos phase.
	tokenLifetime := max(15, int(o.outage.Seconds()/3))
	e.tokenLifetime = time.Duration(tokenLifetime) * time.Second
	step("chaos for %s: faults on %.0f%% of ARM requests per kind, failed operations and replications, token lifetime %ds",
		o.duration, o.faultRate*100, tokenLifetime)
	if err := e.ctl.SetFaults(ctx, backgroundFaults(o.faultRate)); err != nil {
		return 0, err
	}
	n := max(2, o.images/25)
	e.failRules = n + 2 + 2 + 2 + max(2, o.versions/8)
	if _, err := e.ctl.PatchConfig(ctx, map[string]any{
		"tokenLifetimeSeconds": tokenLifetime,
		"failOperations": []emulator.OperationFailure{
			{Method: "PUT", PathPattern: `/images/img-[0-9]*[37]$`, Code: "InternalExecutionError", Message: "soak: injected failed operation", Count: n},
			{Method: "PUT", PathPattern: `/galleries/[^/]+$`, Code: "InternalExecutionError", Message: "soak: injected failed operation", Count: 2},
			{Method: "PUT", PathPattern: `/versions/`, Code: "InternalExecutionError", Message: "soak: injected failed operation", Count: 2},
			{Method: "DELETE", PathPattern: `/images/[^/]+$`, Code: "InternalExecutionError", Message: "soak: injected failed delete", Count: 2},
		},
		"failReplication": []emulator.ReplicationFailure{
			{Region: "northeurope", Code: "ReplicationFailed", Message: "soak: replication to northeurope failed", Count: max(2, o.versions/8)},
		},
	}); err != nil {
		return 0, err
	}
	t0 := time.Now()
	if err := e.createAll(ctx); err != nil {
		return 0, err
	}
	note("created %d objects in %s", len(e.m.all()), time.Since(t0).Round(100*time.Millisecond))

	events := e.schedule()
	sort.SliceStable(events, func(i, j int) bool { return events[i].at < events[j].at })
	// An event that takes long (the kube-apiserver stop, a manager start) shifts the later ones,
	// so that outages keep their length and do not overlap.
	var shift time.Duration
	for _, ev := range events {
		if err := sleep(ctx, time.Until(t0.Add(ev.at+shift))); err != nil {
			return 0, err
		}
		t := time.Now()
		if err := ev.fn(); err != nil {
			return 0, fmt.Errorf("%s: %w", ev.name, err)
		}
		if el := time.Since(t); el > 2*time.Second {
			shift += el
		}
	}
	if err := sleep(ctx, time.Until(t0.Add(o.duration+shift))); err != nil {
		return 0, err
	}
	if cur, err := e.ctl.Config(ctx); err == nil {
		left := 0
		for _, f := range cur.FailOperations {
			left += f.Count
		}
		for _, f := range cur.FailReplication {
			left += f.Count
		}
		e.figures = append(e.figures, fmt.Sprintf("failOperations and failReplication rules left unused when the faults stopped: %d of %d", left, e.failRules))
	}

	step("faults stop: clearing fault rules, failOperations and failReplication; token lifetime back to 1h")
	if err := e.ctl.ClearFaults(ctx); err != nil {
		return 0, err
	}
	st, err := e.ctl.PatchConfig(ctx, map[string]any{"failOperations": []any{}, "failReplication": []any{}, "tokenLifetimeSeconds": 3600})
	if err != nil {
		return 0, err
	}
	if len(st.FailReplication) > 0 || len(st.FailOperations) > 0 {
		return 0, fmt.Errorf("emulator still has failure rules: %+v", st)
	}
	tStop := time.Now()
	// One last change to every gallery that uses the rotated principal, once every token of the
	// old secret has expired, so that writes with the new secret are needed.
	if !e.rotatedAt.IsZero() {
		if err := sleep(ctx, time.Until(e.rotatedAt.Add(e.tokenLifetime+6*time.Second))); err != nil {
			return 0, err
		}
	}
	n = 0
	for _, g := range live(e.m.of(kindGallery)) {
		if !g.creds {
			continue
		}
		g.gen++
		if err := e.k.patch(ctx, g.gvr(), g.name, changePatch(g)); err != nil {
			g.gen--
			continue
		}
		g.changes++
		n++
	}
	note("changed the %d live galleries that use the rotated secret", n)
	converged, convErr := e.waitConverged(ctx, tStop)
	// A little quiet time, so that a hot loop after convergence shows in the write counts.
	_ = sleep(ctx, 20*time.Second)
	e.coll.poll(ctx)
	cancelBG()
	if b, err := json.Marshal(e.coll.all()); err == nil {
		_ = os.WriteFile(filepath.Join(e.dir, "arm-requests.json"), b, 0o644)
	}
	return e.checks(ctx, converged, convErr, tStop)
}

// createAll creates the Secret's users and everything else, 8 at a time.
func (e *env) createAll(ctx context.Context) error {
	all := e.m.all()
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for _, o := range all {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := e.k.create(ctx, o.gvr(), e.m.manifest(o)); err != nil {
				mu.Lock()
				first = err
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return first
}

// schedule lays out the chaos phase: outages, the kube-apiserver stop, kills, the secret
// rotation, change waves and deletion waves.
func (e *env) schedule() []event {
	o := e.o
	D := o.duration
	var ev []event
	azureAt := D / 5
	apiAt := azureAt + o.outage + 5*time.Second
	entraAt := apiAt + o.apiserverDown + 10*time.Second
	rotateAt := entraAt + o.outage + 10*time.Second
	if rotateAt > D-10*time.Second {
		rotateAt = D * 9 / 10
	}
	ev = append(ev,
		event{azureAt, "Azure outage", func() error {
			step("Azure outage for %s: every ARM request reset", o.outage)
			return e.ctl.SetFaults(context.Background(), []emulator.Fault{{PathPattern: armPaths, Kind: "reset"}})
		}},
		event{azureAt + o.outage, "end of Azure outage", func() error { return e.outageEnd("Azure outage (ARM resets)") }},
		event{apiAt, "kube-apiserver stop", func() error {
			step("kube-apiserver stopping, to stay down for %s once stopped (etcd keeps running)", o.apiserverDown)
			e.apiDown = true
			t := time.Now()
			if err := e.cp.StopAPIServer(); err != nil {
				return err
			}
			note("kube-apiserver stopped (its shutdown took %s)", time.Since(t).Round(100*time.Millisecond))
			time.Sleep(o.apiserverDown)
			t = time.Now()
			if err := e.cp.StartAPIServer(); err != nil {
				return err
			}
			e.apiDown = false
			note("kube-apiserver serving again (start took %s)", time.Since(t).Round(100*time.Millisecond))
			return nil
		}},
		event{entraAt, "Entra ID outage", func() error {
			step("Entra ID outage for %s: the token endpoint answers 503", o.outage)
			return e.ctl.SetFaults(context.Background(), append([]emulator.Fault{{PathPattern: tokenPaths, Status: 503,
				Code: "temporarily_unavailable", Message: "soak: Entra ID outage"}}, backgroundFaults(o.faultRate)...))
		}},
		event{entraAt + o.outage, "end of Entra ID outage", func() error { return e.outageEnd("Entra ID outage (token requests answered 503)") }},
		event{rotateAt, "secret rotation", e.rotate},
	)
	// Kills at random moments, away from the kube-apiserver stop (a manager cannot become ready
	// without it): the allowed time is cut into one slot per kill, and each kill falls in the
	// middle 60 % of its slot, so kills are at least a little apart.
	type span struct{ from, to time.Duration }
	allowed := []span{{5 * time.Second, apiAt - 20*time.Second}, {apiAt + o.apiserverDown + 15*time.Second, D - 5*time.Second}}
	var total time.Duration
	for i := range allowed {
		allowed[i].to = max(allowed[i].to, allowed[i].from)
		total += allowed[i].to - allowed[i].from
	}
	for k := 0; k < o.kills; k++ {
		pos := time.Duration(float64(total) * (float64(k) + 0.2 + 0.6*e.rng.Float64()) / float64(o.kills))
		at := allowed[len(allowed)-1].to
		for _, sp := range allowed {
			if pos < sp.to-sp.from {
				at = sp.from + pos
				break
			}
			pos -= sp.to - sp.from
		}
		ev = append(ev, event{at, "manager kill", e.sup.kill})
	}
	for at := o.changeInterval / 2; at < D-10*time.Second; at += o.changeInterval {
		ev = append(ev, event{at, "spec changes", e.changeWave})
	}
	ev = append(ev,
		event{D * 35 / 100, "deletions", func() error { return e.deleteWave(true) }},
		event{D * 70 / 100, "deletions", func() error { return e.deleteWave(false) }},
	)
	return ev
}

// rotate gives the second principal a new secret in the emulator (the old one is refused from now
// on), then writes it into the Secret.
func (e *env) rotate() error {
	step("rotating the client secret of %s: new secret in Entra ID (old refused), then in Secret %s", rotClientID, credsSecret)
	ctx := context.Background()
	e.rotatedAt = time.Now()
	if err := e.ctl.SetClientSecret(ctx, emulator.SecretChange{TenantID: localenv.TenantID, ClientID: rotClientID, ClientSecret: e.secrets[2]}); err != nil {
		return err
	}
	time.Sleep(3 * time.Second)
	patch, _ := json.Marshal(map[string]any{"stringData": map[string]any{"AZURE_CLIENT_SECRET": e.secrets[2]}})
	for try := 0; ; try++ {
		err := e.k.patch(ctx, secretGVR, credsSecret, patch)
		if err == nil || try == 10 {
			return err
		}
		time.Sleep(2 * time.Second)
	}
}

// live returns the objects not deleted.
func live(objs []*obj) []*obj {
	var out []*obj
	for _, o := range objs {
		if !o.deleted {
			out = append(out, o)
		}
	}
	return out
}

// changeWave changes the spec of a share of the live objects (tags and description; versions
// may gain a target region).
func (e *env) changeWave() error {
	ctx := context.Background()
	all := live(e.m.all())
	k := max(1, int(float64(len(all))*e.o.changeShare+0.5))
	changed := 0
	for _, o := range pick(e.rng, all, k) {
		o.gen++
		oldRegions := o.regions
		if o.isVersion() && len(o.regions) < len(regionPool) && e.rng.Float64() < 0.5 {
			o.regions = append(append([]string(nil), o.regions...), regionPool[len(o.regions)])
		}
		if err := e.k.patch(ctx, o.gvr(), o.name, changePatch(o)); err != nil {
			o.gen--
			o.regions = oldRegions
			e.changesRejected++
			continue
		}
		o.changes++
		changed++
	}
	note("spec changes: %d of %d objects", changed, k)
	return nil
}

// deleteWave deletes a share of the versions and of the images, applications and profiles whose
// versions are all deleted, and (first wave) the last gallery with everything in it, children
// before their parents.
func (e *env) deleteWave(withGallery bool) error {
	ctx := context.Background()
	galleries := e.m.of(kindGallery)
	last := len(galleries) - 1
	var targets []*obj
	if withGallery {
		targets = descendants(galleries[last])
	}
	var parents, vers []*obj
	nParents, nVers := 0, 0
	for _, o := range e.m.all() {
		switch {
		case o.kind == kindGallery:
			continue
		case o.isVersion():
			nVers++
			if !o.deleted && o.gallery != last {
				vers = append(vers, o)
			}
		default:
			nParents++
			if !o.deleted && o.gallery != last && len(live(o.children)) == 0 {
				parents = append(parents, o)
			}
		}
	}
	targets = append(targets, pick(e.rng, parents, int(float64(nParents)*e.o.deleteShare/2+0.5))...)
	targets = append(targets, pick(e.rng, vers, int(float64(nVers)*e.o.deleteShare/2+0.5))...)
	n := 0
	for _, o := range targets {
		if o.deleted {
			continue
		}
		if err := e.k.delete(ctx, o.gvr(), o.name); err != nil {
			e.changesRejected++
			continue
		}
		o.deleted = true
		n++
	}
	e.deletedObjects += n
	note("deleted %d objects%s", n, map[bool]string{true: fmt.Sprintf(" (gallery %s with everything in it among them)", galleryName(last)), false: ""}[withGallery])
	return nil
}

// descendants returns o and everything under it, children before their parents.
func descendants(o *obj) []*obj {
	var out []*obj
	for _, c := range o.children {
		out = append(out, descendants(c)...)
	}
	return append(out, o)
}
