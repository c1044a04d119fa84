package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	azruntime "github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/azgallery/gallery-operator/internal/emulator/emulatortest"
	"github.com/azgallery/gallery-operator/internal/localenv"
)

// layout places the N images: each subscription holds imagesPerSubscription of them, spread over
// its galleries bench_g000, bench_g001, ... (per-gallery each) in resource group bench-rg; the
// latency gallery is in the first subscription.
type layout struct {
	o              options
	azureGalleries []azureGallery // created directly in the emulator
}

type azureGallery struct{ sub, name string }

func newLayout(o options) layout {
	l := layout{o: o}
	per := o.imagesPerSubscription()
	for sub := 0; sub < o.subscriptions; sub++ {
		n := min(per, o.n-sub*per)
		for g := 0; g < (n+o.perGallery-1)/o.perGallery; g++ {
			l.azureGalleries = append(l.azureGalleries, azureGallery{subscriptionID(sub), fmt.Sprintf("bench_g%03d", g)})
		}
	}
	if o.latencySamples > 0 {
		l.azureGalleries = append(l.azureGalleries, azureGallery{subscriptionID(0), latencyGallery})
	}
	return l
}

func (l layout) imageName(i int) string { return fmt.Sprintf("img-%05d", i) }

// imageHome is the subscription and gallery of image i.
func (l layout) imageHome(i int) (sub, gallery string) {
	per := l.o.imagesPerSubscription()
	return subscriptionID(i / per), fmt.Sprintf("bench_g%03d", (i%per)/l.o.perGallery)
}

// subscriptionField is spec.subscriptionId for sub: empty (the manager's default subscription)
// with one subscription, as a user with one would write it.
func (l layout) subscriptionField(sub string) string {
	if l.o.subscriptions == 1 {
		return ""
	}
	return sub
}

// setupAzure creates the image galleries, the Gallery objects' resource group and the managed
// image the versions are published from, and returns that image's ID.
func setupAzure(ctx context.Context, em *localenv.Emulator, o options, l layout) (string, error) {
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	errs := make([]error, len(l.azureGalleries))
	for i, g := range l.azureGalleries {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			defer cancel()
			errs[i] = em.CreateGalleryIn(cctx, g.sub, group, g.name, location)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return "", err
		}
	}
	if o.galleries > 0 {
		if err := em.CreateResourceGroup(ctx, galleryGroup, location); err != nil {
			return "", err
		}
	}
	if err := createApplications(ctx, em, o); err != nil {
		return "", err
	}
	if o.versions == 0 {
		return "", nil
	}
	return em.CreateManagedImage(ctx, group, sourceImage, location)
}

// appGallery holds the applications of the application versions: the first subscription's first
// image gallery.
const appGallery = "bench_g000"

func (l layout) applicationName(i int) string { return fmt.Sprintf("app-%03d", i) }

// createApplications creates the applications the application versions belong to directly in
// the emulator (as the image galleries are): ceil(app-versions/app-versions-per-app) of them,
// the first also holding the latency samples.
func createApplications(ctx context.Context, em *localenv.Emulator, o options) error {
	if o.appVersions == 0 {
		return nil
	}
	cred, err := em.Credential()
	if err != nil {
		return err
	}
	apps, err := armcompute.NewGalleryApplicationsClient(localenv.SubscriptionID, cred, emulatortest.ClientOptions(em.URL, em.HTTP))
	if err != nil {
		return err
	}
	for i := range applicationsWithVersions(o) {
		name := layout{}.applicationName(i)
		p, err := apps.BeginCreateOrUpdate(ctx, group, appGallery, name, armcompute.GalleryApplication{Location: to.Ptr(location),
			Properties: &armcompute.GalleryApplicationProperties{SupportedOSType: to.Ptr(armcompute.OperatingSystemTypesWindows)}}, nil)
		if err == nil {
			_, err = p.PollUntilDone(ctx, &azruntime.PollUntilDoneOptions{Frequency: time.Second})
		}
		if err != nil {
			return fmt.Errorf("creating application %s: %w", name, err)
		}
	}
	return nil
}

// bench is a running measurement: the manager, the Kubernetes side and the request log.
type bench struct {
	o    options
	res  *results
	k    *kube
	coll *collector
	em   *localenv.Emulator

	mgr             *localenv.Manager
	dir, kubeconfig string
	managerBin      string
	managerArgs     []string
	lastRampEnd     time.Time
}

// phaseResult is one kind's ramp: n objects applied at once until all were Ready.
type phaseResult struct {
	Kind          string       `json:"kind"`
	N             int          `json:"n"`
	PerSubscr     int          `json:"perSubscription"`
	ApplySeconds  float64      `json:"applySeconds"`
	ReadySeconds  float64      `json:"readySeconds"`
	BoundSeconds  float64      `json:"writeBucketBoundSeconds"`
	Requests      reqStats     `json:"requests"`
	Timeline      rampTimeline `json:"timeline"`
	ManagerAtDone procStats    `json:"managerAtAllReady"`
	Kube          kubeCounts   `json:"kube"`
	// CPUSeconds is the CPU the manager, kube-apiserver and etcd used during the ramp.
	CPUSeconds map[string]float64 `json:"cpuSeconds"`
}

// waitForFullBuckets waits until the buckets are full again, so that a ramp starts with full
// buckets as its bound assumes. Before the first ramp that is the setup's writes and reads,
// refilled at the buckets' rates; after a ramp, which may have emptied them, a whole refill from
// its end. The benchmark uses the manager's principal, so they share the buckets.
func (b *bench) waitForFullBuckets(ctx context.Context) error {
	s := b.res.Settings
	var wait time.Duration
	if b.lastRampEnd.IsZero() {
		if err := b.coll.poll(ctx); err != nil {
			return err
		}
		used := statsOf(b.coll.between(time.Time{}, time.Now().Add(time.Hour)))
		secs := math.Max(math.Min(float64(used.Writes), s.WriteBurst)/s.WritePerSecond, math.Min(float64(used.Reads), s.ReadBurst)/s.ReadPerSecond) + 1
		wait = time.Duration(secs * float64(time.Second))
		fmt.Printf("  setup used %d writes and %d reads; waiting %s for the buckets to refill\n", used.Writes, used.Reads, wait.Round(100*time.Millisecond))
	} else {
		full := math.Max(s.WriteBurst/s.WritePerSecond, s.ReadBurst/s.ReadPerSecond) + 1
		wait = time.Until(b.lastRampEnd.Add(time.Duration(full * float64(time.Second))))
		fmt.Printf("  waiting %s for the buckets to refill after the last ramp\n", max(wait, 0).Round(100*time.Millisecond))
	}
	return sleep(ctx, wait)
}

// ramp applies objs (all of one kind) at once, waits until all are Ready and records the phase.
func (b *bench) ramp(ctx context.Context, kind string, objs []*unstructured.Unstructured, perSubscription int) error {
	if err := b.waitForFullBuckets(ctx); err != nil {
		return err
	}
	s := b.res.Settings
	step("ramp: applying %d %s objects at once (%d workers)", len(objs), kind, b.o.workers)
	keys := make([]string, len(objs))
	for i, obj := range objs {
		keys[i] = key(obj)
	}
	kube0, err := b.k.counts(ctx)
	if err != nil {
		return err
	}
	cpu0 := b.cpu()
	t0 := time.Now()
	if err := b.k.createAll(ctx, objs, b.o.workers); err != nil {
		return err
	}
	ph := phaseResult{Kind: kind, N: len(objs), PerSubscr: perSubscription, ApplySeconds: time.Since(t0).Seconds()}
	fmt.Printf("  all %d created in %.1fs\n", len(objs), ph.ApplySeconds)
	tReady, err := waitAllReady(ctx, b.k, b.coll, keys, t0, b.o.readyTimeout)
	if err != nil {
		return err
	}
	ph.ReadySeconds = tReady.Sub(t0).Seconds()
	kube1, err := b.k.counts(ctx)
	if err != nil {
		return err
	}
	ph.Kube = kube1.since(kube0)
	ph.CPUSeconds = b.cpu()
	for p, v := range cpu0 {
		ph.CPUSeconds[p] -= v
	}
	ph.BoundSeconds = s.bound(perSubscription, kind)
	if ps, err := readProc(b.mgr.PID()); err == nil {
		ph.ManagerAtDone = ps
	}
	if err := b.coll.poll(ctx); err != nil {
		return err
	}
	recs := b.coll.between(t0, tReady)
	ph.Requests = statsOf(recs)
	ph.Timeline = timeline(recs, putOf[kind], b.k.track.readyTimes(keys), t0)
	b.lastRampEnd = tReady
	b.res.Phases = append(b.res.Phases, ph)

	fmt.Printf("  all Ready after %.1fs; write-bucket bound max(0, %d-%g)/%g+%g = %.1fs; ratio %.2f\n",
		ph.ReadySeconds, perSubscription, s.WriteBurst, s.WritePerSecond, s.operationSeconds(kind), ph.BoundSeconds, ph.ReadySeconds/ph.BoundSeconds)
	printStats(ph.Requests)
	printKubeCounts(ph.Kube, map[string]int{kind: len(objs)})
	tl := ph.Timeline
	fmt.Printf("    first PUT %.1fs, last PUT %.1fs, first Ready %.1fs, half Ready %.1fs after the apply began\n",
		tl.FirstPUT, tl.LastPUT, tl.FirstReady, tl.HalfReady)
	fmt.Printf("    PUT rate %.1f/s (first to last PUT), read rate %.1f/s (over the ramp)\n", tl.PUTRate, tl.ReadRate)
	fmt.Printf("    manager: peak RSS %.1f MiB (RSS now %.1f MiB), CPU %.1fs, load average %s\n",
		mib(ph.ManagerAtDone.PeakRSSKiB), mib(ph.ManagerAtDone.RSSKiB), ph.ManagerAtDone.CPUSeconds, loadAvg())
	per := 1000 / float64(len(objs))
	fmt.Printf("    CPU seconds per 1,000 objects during the ramp: manager %.1f, kube-apiserver %.1f, etcd %.1f\n",
		ph.CPUSeconds["manager"]*per, ph.CPUSeconds["kube-apiserver"]*per, ph.CPUSeconds["etcd"]*per)
	return nil
}

// cpu is the CPU seconds the manager, kube-apiserver and etcd have used so far.
func (b *bench) cpu() map[string]float64 {
	apiserver, etcd := controlPlaneCPU(b.dir)
	out := map[string]float64{"kube-apiserver": apiserver, "etcd": etcd}
	if ps, err := readProc(b.mgr.PID()); err == nil {
		out["manager"] = ps.CPUSeconds
	}
	return out
}

// restart stops the manager with SIGTERM, starts it again and counts the requests of the
// restart window.
func (b *bench) restart(ctx context.Context) error {
	step("restart: SIGTERM to the manager (pid %d), then start it again", b.mgr.PID())
	ps, err := stopManager(b.mgr)
	if err != nil {
		return err
	}
	b.res.Managers = append(b.res.Managers, ps)
	b.mgr = nil
	_ = os.Rename(filepath.Join(b.dir, "manager.log"), filepath.Join(b.dir, fmt.Sprintf("manager.%d.log", len(b.res.Managers))))
	kube0, err := b.k.counts(ctx)
	if err != nil {
		return err
	}
	tR := time.Now()
	if b.mgr, err = localenv.StartManager(b.dir, b.managerBin, b.kubeconfig, b.em, b.managerArgs...); err != nil {
		return err
	}
	fmt.Printf("  new pid %d, ready after %.1fs; counting until %s\n", b.mgr.PID(), time.Since(tR).Seconds(),
		tR.Add(b.o.restartWindow).UTC().Format("15:04:05"))
	if err := sleep(ctx, time.Until(tR.Add(b.o.restartWindow))+time.Second); err != nil {
		return err
	}
	if err := b.coll.poll(ctx); err != nil {
		return err
	}
	st := statsOf(b.coll.between(tR, tR.Add(b.o.restartWindow)))
	b.res.Restart, b.res.RestartSeconds = &st, b.o.restartWindow.Seconds()
	printStats(st)
	kube1, err := b.k.counts(ctx)
	if err != nil {
		return err
	}
	b.res.RestartKube = kube1.since(kube0)
	printKubeCounts(b.res.RestartKube, b.res.Objects)
	printReadsByKind(st, b.res.Objects)
	s := b.res.Settings
	fmt.Printf("    at most %d reads within one second (read bucket: %g burst + %g/s); %d reads throttled\n",
		st.MaxReads1s, s.ReadBurst, s.ReadPerSecond, st.ReadsThrottled)
	if b.o.latencySamples > 0 && b.o.settle > 0 {
		fmt.Printf("  settling for %s before the latency samples\n", b.o.settle)
		return sleep(ctx, b.o.settle)
	}
	return nil
}

// latency applies latencySamples objects of kind made by obj, one after the other, and records
// apply -> Ready of each.
func (b *bench) latency(ctx context.Context, kind string, obj func(i int) *unstructured.Unstructured) error {
	step("latency: %d single %s objects, one after the other, apply -> Ready", b.o.latencySamples, kind)
	var xs []float64
	for i := 0; i < b.o.latencySamples; i++ {
		o := obj(i)
		start := time.Now()
		if err := b.k.create(ctx, o); err != nil {
			return fmt.Errorf("creating %s: %w", key(o), err)
		}
		end, err := waitAllReady(ctx, b.k, nil, []string{key(o)}, start, time.Minute)
		if err != nil {
			return err
		}
		xs = append(xs, end.Sub(start).Seconds())
	}
	b.res.LatencySeconds[kind] = xs
	op := b.res.Settings.operationSeconds(kind)
	fmt.Printf("  median %.2fs, p90 %.2fs, min %.2fs, max %.2fs (operation %gs + 1s = %.0fs)\n", median(xs), percentile(xs, 0.9),
		percentile(xs, 0), percentile(xs, 1), op, op+1)
	return nil
}

// printReadsByKind prints the reads of a window per kind and per object.
func printReadsByKind(st reqStats, objects map[string]int) {
	for _, kind := range []string{kindGallery, kindImage, kindVersion, kindAppVersion} {
		if n := objects[kind]; n > 0 {
			fmt.Printf("    %-20s %6d objects: %5d reads (%.3f per object), %d writes\n", kind, n, st.ReadsByResource[kind],
				float64(st.ReadsByResource[kind])/float64(n), st.WritesByResource[kind])
		}
	}
	if n := st.ReadsByResource[""]; n > 0 {
		fmt.Printf("    %-20s %6s          %5d reads (operation polls and others)\n", "(none)", "", n)
	}
}
