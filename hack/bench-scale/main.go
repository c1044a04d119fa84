// Command bench-scale measures the operator's throughput against the Azure emulator at the
// emulator's default ARM throttling buckets (`make bench-scale`, see docs/performance.md).
//
// It starts a local control plane (kube-apiserver and etcd), the emulator and bin/manager as
// processes (internal/localenv), creates the image galleries directly in the emulator, then:
//
//  1. ramp: applies N GalleryImages at once (spread over -subscriptions) and waits until all are
//     Ready; then the same for -galleries Gallery objects, -versions GalleryImageVersions and
//     -app-versions GalleryApplicationVersions (in applications made directly in the emulator);
//  2. steady window: counts ARM requests during one sync period at rest, by kind;
//  3. restart: stops the manager with SIGTERM, starts it again and counts the first minute;
//  4. latency: applies one new object of each kind at a time and measures apply -> Ready.
//
// It prints each figure next to its bound with PASS/FAIL per goal and exits 0: it is a
// measurement, not a test. It exits 1 only when the measurement itself broke.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/azgallery/gallery-operator/internal/emulator"
	"github.com/azgallery/gallery-operator/internal/localenv"
)

const (
	group          = "bench-rg"
	galleryGroup   = "bench-galleries-rg" // the Gallery objects' resource group
	location       = "westeurope"
	latencyGallery = "bench_latency"
	sourceImage    = "bench-source" // the managed image every version is published from
)

type options struct {
	root, assets, workDir string
	n                     int
	subscriptions         int
	perGallery            int
	galleries             int
	versions              int
	versionsPerImage      int
	appVersions           int
	appVersionsPerApp     int
	driftResync           time.Duration
	workers               int
	readyTimeout          time.Duration
	skipSteady            bool
	skipRestart           bool
	restartWindow         time.Duration
	settle                time.Duration
	latencySamples        int
	managerArgs           string
	jsonOut               string
}

func main() {
	var o options
	flag.StringVar(&o.root, "root", ".", "repository root (bin/manager, bin/azure-emulator, config/crd/bases)")
	flag.StringVar(&o.assets, "assets", "", "directory with kube-apiserver, etcd and kubectl (default: $KUBEBUILDER_ASSETS)")
	flag.StringVar(&o.workDir, "work-dir", "", "directory for logs, kubeconfig, the ARM request log and results (default: a new temporary directory, kept)")
	flag.IntVar(&o.n, "n", 1000, "number of GalleryImages applied at once")
	flag.IntVar(&o.subscriptions, "subscriptions", 1, "subscriptions the N images are spread over (one principal with a role in each)")
	flag.IntVar(&o.perGallery, "per-gallery", 100, "images per gallery (each subscription's images are spread over ceil(images/per-gallery) galleries)")
	flag.IntVar(&o.galleries, "galleries", 50, "number of Gallery objects applied at once after the images (0 skips)")
	flag.IntVar(&o.versions, "versions", 1000, "number of GalleryImageVersions applied at once after the galleries (0 skips)")
	flag.IntVar(&o.versionsPerImage, "versions-per-image", 50, "versions per image (on the first ceil(versions/versions-per-image) images)")
	flag.IntVar(&o.appVersions, "app-versions", 1000, "number of GalleryApplicationVersions applied at once after the image versions (0 skips)")
	flag.IntVar(&o.appVersionsPerApp, "app-versions-per-app", 50, "application versions per application")
	flag.DurationVar(&o.driftResync, "drift-resync", 2*time.Minute, "the manager's --drift-resync, also the length of the steady window")
	flag.IntVar(&o.workers, "workers", 32, "goroutines creating objects in parallel")
	flag.DurationVar(&o.readyTimeout, "ready-timeout", 15*time.Minute, "how long the objects of one kind may take to become Ready")
	flag.BoolVar(&o.skipSteady, "skip-steady", false, "skip the steady window")
	flag.BoolVar(&o.skipRestart, "skip-restart", false, "skip the restart phase")
	flag.DurationVar(&o.restartWindow, "restart-window", time.Minute, "how long after the manager's restart requests are counted")
	flag.DurationVar(&o.settle, "settle", 30*time.Second, "pause between the restart window and the latency samples")
	flag.IntVar(&o.latencySamples, "latency-samples", 20, "single objects of each kind applied one after the other for the latency (0 skips)")
	flag.StringVar(&o.managerArgs, "manager-args", "", "extra flags for the manager, space-separated")
	flag.StringVar(&o.jsonOut, "json", "", "also write the results as JSON to this file (default: <work-dir>/results.json)")
	flag.Parse()
	if o.assets == "" {
		o.assets = os.Getenv("KUBEBUILDER_ASSETS")
	}
	if err := o.validate(); err != nil {
		fmt.Fprintln(os.Stderr, "bench-scale:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-scale failed:", err)
		os.Exit(1)
	}
}

func (o options) validate() error {
	switch {
	case o.n < 1 || o.subscriptions < 1 || o.perGallery < 1 || o.workers < 1 || o.versionsPerImage < 1 || o.appVersionsPerApp < 1 || o.driftResync <= 0:
		return fmt.Errorf("-n, -subscriptions, -per-gallery, -versions-per-image, -app-versions-per-app, -workers and -drift-resync must be positive")
	case o.galleries < 0 || o.versions < 0 || o.appVersions < 0 || o.latencySamples < 0:
		return fmt.Errorf("-galleries, -versions, -app-versions and -latency-samples must not be negative")
	case o.subscriptions > o.n:
		return fmt.Errorf("-subscriptions (%d) must not exceed -n (%d)", o.subscriptions, o.n)
	case o.versions > 0 && imagesWithVersions(o) > o.imagesPerSubscription():
		return fmt.Errorf("-versions %d at -versions-per-image %d need %d images in the first subscription, which has %d",
			o.versions, o.versionsPerImage, imagesWithVersions(o), o.imagesPerSubscription())
	}
	return nil
}

// imagesPerSubscription is how many of the N images each subscription holds (the last may hold fewer).
func (o options) imagesPerSubscription() int { return (o.n + o.subscriptions - 1) / o.subscriptions }

func imagesWithVersions(o options) int {
	return (o.versions + o.versionsPerImage - 1) / o.versionsPerImage
}

func applicationsWithVersions(o options) int {
	return (o.appVersions + o.appVersionsPerApp - 1) / o.appVersionsPerApp
}

// subscriptionID is the i-th subscription: the local principal's own, then made-up ones the
// emulator grants it with --extra-subscriptions.
func subscriptionID(i int) string {
	if i == 0 {
		return localenv.SubscriptionID
	}
	return fmt.Sprintf("5ca1ab1e-0000-4000-8000-%012d", i)
}

// results is everything measured, also written as JSON.
type results struct {
	Machine       machine  `json:"machine"`
	Commit        string   `json:"commit"`
	N             int      `json:"n"`
	Subscriptions int      `json:"subscriptions"`
	Settings      settings `json:"emulator"`

	// Phases are the ramps, one per kind: GalleryImage first, then Gallery, GalleryImageVersion,
	// GalleryApplicationVersion.
	Phases []phaseResult `json:"phases"`
	// Objects counts the objects of each kind present at rest.
	Objects map[string]int `json:"objects"`

	Steady         *reqStats `json:"steady,omitempty"`
	SteadySeconds  float64   `json:"steadyWindowSeconds,omitempty"`
	Restart        *reqStats `json:"restart,omitempty"`
	RestartSeconds float64   `json:"restartWindowSeconds,omitempty"`
	// SteadyKube and RestartKube are the kube-apiserver writes and watch events of the windows.
	SteadyKube  kubeCounts `json:"steadyKube"`
	RestartKube kubeCounts `json:"restartKube"`
	// Background is the ARM traffic while the latency samples ran (excluding nothing).
	Background       *reqStats            `json:"latencyBackground,omitempty"`
	BackgroundSecond float64              `json:"latencyPhaseSeconds,omitempty"`
	LatencySeconds   map[string][]float64 `json:"latencySeconds,omitempty"`

	// Managers holds /proc figures of each manager process, read just before it was stopped.
	Managers  []procStats `json:"managers"`
	LostGaps  int         `json:"requestLogGaps"`
	Goals     []goal      `json:"goals"`
	WorkDir   string      `json:"workDir"`
	StartedAt time.Time   `json:"startedAt"`
}

type settings struct {
	WriteBurst        float64 `json:"writeBurst"`
	WritePerSecond    float64 `json:"writePerSecond"`
	ReadBurst         float64 `json:"readBurst"`
	ReadPerSecond     float64 `json:"readPerSecond"`
	OperationSeconds  float64 `json:"operationSeconds"`
	ReplicationSecond float64 `json:"replicationSecondsPerRegion"`
	RetryAfterSeconds float64 `json:"retryAfterSeconds"`
	ImageQuota        int     `json:"imageQuota"`
	PageSize          int     `json:"pageSize"`
}

// operationSeconds is how long creating one object of kind takes in the emulator: the operation,
// and for a version at least its replication to its one target region.
func (s settings) operationSeconds(kind string) float64 {
	if kind == kindVersion || kind == kindAppVersion {
		return math.Max(s.OperationSeconds, s.ReplicationSecond)
	}
	return s.OperationSeconds
}

// bound is the write-bucket bound for perSubscription new objects in each subscription: the
// first writeBurst PUTs go at once, the rest at writePerSecond, and the last is done one
// operation later.
func (s settings) bound(perSubscription int, kind string) float64 {
	return math.Max(0, float64(perSubscription)-s.WriteBurst)/s.WritePerSecond + s.operationSeconds(kind)
}

type goal struct {
	Name     string `json:"name"`
	Measured string `json:"measured"`
	Bound    string `json:"bound"`
	Result   string `json:"result"` // PASS, FAIL, SKIP, or INFO for a figure the issue sets no goal for
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

func step(format string, args ...any) {
	fmt.Printf("\n==> [%s] %s\n", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func run(ctx context.Context, o options) (err error) {
	root, err := filepath.Abs(o.root)
	if err != nil {
		return err
	}
	dir := o.workDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "bench-scale-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	res := &results{Machine: describeMachine(), N: o.n, Subscriptions: o.subscriptions, WorkDir: dir, StartedAt: time.Now().UTC(),
		Commit: commitOf(root), Objects: map[string]int{}, LatencySeconds: map[string][]float64{}}
	fmt.Printf("bench-scale: N=%d over %d subscription(s), %d Galleries, %d GalleryImageVersions, %d GalleryApplicationVersions, sync period %s, %d CPUs (%s), load average %s, %s, commit %s\n",
		o.n, o.subscriptions, o.galleries, o.versions, o.appVersions, o.driftResync, res.Machine.CPUs, res.Machine.Model, res.Machine.LoadAvg, res.Machine.Go, res.Commit)
	fmt.Printf("logs, kubeconfig and results in %s\n", dir)

	step("starting kube-apiserver and etcd")
	cp, err := localenv.StartControlPlane(dir, o.assets, filepath.Join(root, "config", "crd", "bases"))
	if err != nil {
		return err
	}
	defer func() {
		if e := cp.Stop(); e != nil {
			fmt.Fprintln(os.Stderr, "stopping the control plane:", e)
		}
	}()

	// The image quota (1,000 per subscription and region by default) must hold a subscription's
	// images and the latency samples; nothing else about the emulator is changed (default ARM
	// buckets, 2 s operations). Further subscriptions are granted to the same principal.
	quota := max(1000, o.imagesPerSubscription()+o.latencySamples)
	emArgs := []string{"--quiet", fmt.Sprintf("--image-quota=%d", quota)}
	var extra []string
	for i := 1; i < o.subscriptions; i++ {
		extra = append(extra, subscriptionID(i))
	}
	if len(extra) > 0 {
		emArgs = append(emArgs, "--extra-subscriptions="+strings.Join(extra, ","))
	}
	step("starting the Azure emulator (default settings, --image-quota=%d, %d subscription(s))", quota, o.subscriptions)
	em, err := localenv.StartEmulator(dir, filepath.Join(root, "bin", "azure-emulator"), emArgs...)
	if err != nil {
		return err
	}
	defer em.Stop()
	caPEM, err := os.ReadFile(em.CAFile)
	if err != nil {
		return err
	}
	ctl := emulator.NewControl(em.URL, caPEM)
	st, err := ctl.Config(ctx)
	if err != nil {
		return err
	}
	res.Settings = settings{
		WriteBurst: st.Throttle.WriteBurst, WritePerSecond: st.Throttle.WritePerSecond,
		ReadBurst: st.Throttle.ReadBurst, ReadPerSecond: st.Throttle.ReadPerSecond,
		OperationSeconds: float64(max(st.OperationDurationMs, 0)) / 1000, RetryAfterSeconds: float64(max(st.RetryAfterMs, 0)) / 1000,
		ReplicationSecond: math.Max(st.ReplicationSecondsPerRegion, 0), ImageQuota: st.ImageQuota, PageSize: st.PageSize,
	}
	s := res.Settings
	fmt.Printf("  %s: writes %g burst + %g/s, reads %g burst + %g/s, operations %gs, replication %gs per region, Retry-After %gs, list pages of %d\n",
		em.URL, s.WriteBurst, s.WritePerSecond, s.ReadBurst, s.ReadPerSecond, s.OperationSeconds, s.ReplicationSecond, s.RetryAfterSeconds, s.PageSize)

	coll := newCollector(ctl)
	collCtx, stopColl := context.WithCancel(ctx)
	defer stopColl()
	go coll.run(collCtx, 5*time.Second)
	// Keep the ARM request log for a closer look (also after a failure); it runs before the
	// emulator is stopped.
	defer func() {
		pctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = coll.poll(pctx)
		path := filepath.Join(dir, "requests.jsonl")
		if err := coll.save(path); err != nil {
			fmt.Fprintln(os.Stderr, "saving the request log:", err)
		} else {
			fmt.Printf("ARM request log: %s\n", path)
		}
	}()

	lay := newLayout(o)
	step("creating resource group %s and %d galleries in %d subscription(s) in the emulator", group, len(lay.azureGalleries), o.subscriptions)
	source, err := setupAzure(ctx, em, o, lay)
	if err != nil {
		return err
	}

	step("starting the manager (--drift-resync=%s %s)", o.driftResync, o.managerArgs)
	b := &bench{o: o, res: res, coll: coll, em: em, dir: dir, kubeconfig: cp.Kubeconfig,
		managerBin:  filepath.Join(root, "bin", "manager"),
		managerArgs: append([]string{"--drift-resync=" + o.driftResync.String()}, strings.Fields(o.managerArgs)...)}
	if b.mgr, err = localenv.StartManager(dir, b.managerBin, cp.Kubeconfig, em, b.managerArgs...); err != nil {
		return err
	}
	defer func() {
		if b.mgr != nil {
			b.mgr.Stop()
		}
	}()
	fmt.Printf("  pid %d, log %s\n", b.mgr.PID(), b.mgr.LogPath)

	if b.k, err = startKube(cp.Kubeconfig); err != nil {
		return err
	}
	defer b.k.close()

	// Phase 1: a ramp per kind, each starting with full buckets as its bound assumes.
	images := make([]*unstructured.Unstructured, o.n)
	for i := range images {
		sub, gallery := lay.imageHome(i)
		images[i] = imageObject(lay.imageName(i), lay.subscriptionField(sub), group, gallery, location)
	}
	if err := b.ramp(ctx, kindImage, images, o.imagesPerSubscription()); err != nil {
		return err
	}
	if o.galleries > 0 {
		galleries := make([]*unstructured.Unstructured, o.galleries)
		for i := range galleries {
			galleries[i] = galleryObject(fmt.Sprintf("gal-%03d", i), fmt.Sprintf("bench_gal_%03d", i), galleryGroup, location)
		}
		if err := b.ramp(ctx, kindGallery, galleries, o.galleries); err != nil {
			return err
		}
	}
	if o.versions > 0 {
		versions := make([]*unstructured.Unstructured, o.versions)
		for i := range versions {
			img, nth := i/o.versionsPerImage, i%o.versionsPerImage
			versions[i] = versionObject(fmt.Sprintf("%s-1-0-%d", lay.imageName(img), nth), lay.imageName(img), fmt.Sprintf("1.0.%d", nth), location, source)
		}
		if err := b.ramp(ctx, kindVersion, versions, o.versions); err != nil {
			return err
		}
	}
	if o.appVersions > 0 {
		appVersions := make([]*unstructured.Unstructured, o.appVersions)
		for i := range appVersions {
			app, nth := lay.applicationName(i/o.appVersionsPerApp), i%o.appVersionsPerApp
			appVersions[i] = appVersionObject(fmt.Sprintf("%s-1-0-%d", app, nth), group, appGallery, app, fmt.Sprintf("1.0.%d", nth), location)
		}
		if err := b.ramp(ctx, kindAppVersion, appVersions, o.appVersions); err != nil {
			return err
		}
	}
	res.Objects = map[string]int{kindImage: o.n, kindGallery: o.galleries, kindVersion: o.versions, kindAppVersion: o.appVersions}
	atRest := time.Now()

	// Phase 2: one sync period at rest.
	if !o.skipSteady {
		from, to := atRest, atRest.Add(o.driftResync)
		kube0, err := b.k.counts(ctx)
		if err != nil {
			return err
		}
		step("steady window: one sync period (%s) at rest, until %s", o.driftResync, to.UTC().Format("15:04:05"))
		if err := sleep(ctx, time.Until(to)+time.Second); err != nil {
			return err
		}
		if err := coll.poll(ctx); err != nil {
			return err
		}
		st := statsOf(coll.between(from, to))
		res.Steady, res.SteadySeconds = &st, to.Sub(from).Seconds()
		printStats(st)
		kube1, err := b.k.counts(ctx)
		if err != nil {
			return err
		}
		res.SteadyKube = kube1.since(kube0)
		printKubeCounts(res.SteadyKube, res.Objects)
		printReadsByKind(st, res.Objects)
	}

	// Phase 3: restart.
	if !o.skipRestart {
		if err := b.restart(ctx); err != nil {
			return err
		}
	}

	// Phase 4: single-object latency, per kind.
	if o.latencySamples > 0 {
		from := time.Now()
		if err := b.latency(ctx, kindImage, func(i int) *unstructured.Unstructured {
			return imageObject(fmt.Sprintf("lat-%03d", i), "", group, latencyGallery, location)
		}); err != nil {
			return err
		}
		if o.galleries > 0 {
			if err := b.latency(ctx, kindGallery, func(i int) *unstructured.Unstructured {
				return galleryObject(fmt.Sprintf("lat-gal-%03d", i), fmt.Sprintf("bench_lat_gal_%03d", i), galleryGroup, location)
			}); err != nil {
				return err
			}
		}
		if o.versions > 0 {
			if err := b.latency(ctx, kindVersion, func(i int) *unstructured.Unstructured {
				return versionObject(fmt.Sprintf("lat-ver-%03d", i), lay.imageName(0), fmt.Sprintf("2.0.%d", i), location, source)
			}); err != nil {
				return err
			}
		}
		if o.appVersions > 0 {
			if err := b.latency(ctx, kindAppVersion, func(i int) *unstructured.Unstructured {
				app := lay.applicationName(0)
				return appVersionObject(fmt.Sprintf("lat-appver-%03d", i), group, appGallery, app, fmt.Sprintf("2.0.%d", i), location)
			}); err != nil {
				return err
			}
		}
		to := time.Now()
		if err := coll.poll(ctx); err != nil {
			return err
		}
		bg := statsOf(coll.between(from, to))
		res.Background, res.BackgroundSecond = &bg, to.Sub(from).Seconds()
		fmt.Printf("  ARM traffic during the latency samples (%.0fs, includes the samples' own requests): %.1f reads/s, %d PUTs\n",
			res.BackgroundSecond, float64(bg.Reads)/res.BackgroundSecond, bg.ByKind[kindPutImage]+bg.ByKind[kindPutGallery]+bg.ByKind[kindPutVersion]+bg.ByKind[kindPutAppVer])
	}

	ps, err := readProc(b.mgr.PID())
	if err == nil {
		res.Managers = append(res.Managers, ps)
	}
	res.LostGaps = coll.lostEntries()
	res.Goals = evaluate(o, res)
	printSummary(o, res)

	out := o.jsonOut
	if out == "" {
		out = filepath.Join(dir, "results.json")
	}
	if b, err := json.MarshalIndent(res, "", "  "); err == nil {
		if err := os.WriteFile(out, b, 0o644); err == nil {
			fmt.Printf("\nresults: %s\n", out)
		}
	}
	step("stopping the manager, the emulator and the control plane")
	return nil
}

// waitAllReady waits until every key (kind/name) is Ready, printing progress when coll is set,
// and returns when the last one became Ready.
func waitAllReady(ctx context.Context, k *kube, coll *collector, names []string, start time.Time, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	nextProgress := time.Now().Add(15 * time.Second)
	for {
		changed := k.track.wait()
		times := k.track.readyTimes(names)
		if len(times) == len(names) {
			var last time.Time
			for _, t := range times {
				if t.After(last) {
					last = t
				}
			}
			return last, nil
		}
		now := time.Now()
		if now.After(deadline) {
			return time.Time{}, fmt.Errorf("%d of %d objects Ready after %s; not Ready:\n  %s",
				len(times), len(names), timeout, strings.Join(k.track.notReady(names, 10), "\n  "))
		}
		if coll != nil && now.After(nextProgress) {
			nextProgress = now.Add(15 * time.Second)
			_ = coll.poll(ctx)
			st := statsOf(coll.between(start, now))
			fmt.Printf("  %4.0fs: %d/%d Ready; %d PUTs, %d reads, %d 429s so far; load average %s\n",
				now.Sub(start).Seconds(), len(times), len(names), st.ByKind[kindPutGallery]+st.ByKind[kindPutImage]+st.ByKind[kindPutVersion]+st.ByKind[kindPutAppVer], st.Reads, st.Throttled, loadAvg())
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-changed:
		case <-time.After(time.Second):
		}
	}
}

// stopManager sends SIGTERM, reads /proc just before, and waits up to 30 s for the exit (then
// localenv kills it).
func stopManager(m *localenv.Manager) (procStats, error) {
	ps, err := readProc(m.PID())
	if err != nil {
		return ps, err
	}
	if err := syscall.Kill(m.PID(), syscall.SIGTERM); err != nil {
		return ps, err
	}
	deadline := time.Now().Add(30 * time.Second)
	for !m.Exited() && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if !m.Exited() {
		fmt.Println("  the manager did not exit within 30s of SIGTERM; killing it")
	}
	m.Stop()
	return ps, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// percentile returns the nearest-rank percentile q (0..1) of xs (0 for none).
func percentile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// median returns the median of xs (the mean of the middle two for an even count; 0 for none).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// rampTimeline says when the ramp's PUTs went out and the images became Ready, in seconds after
// the apply began.
type rampTimeline struct {
	FirstPUT   float64 `json:"firstPut"`
	LastPUT    float64 `json:"lastPut"`
	FirstReady float64 `json:"firstReady"`
	HalfReady  float64 `json:"halfReady"`
	PUTRate    float64 `json:"putsPerSecond"`
	ReadRate   float64 `json:"readsPerSecond"`
}

func timeline(recs []emulator.RequestRecord, putKind string, ready map[string]time.Time, t0 time.Time) rampTimeline {
	var tl rampTimeline
	var first, last time.Time
	puts, reads := 0, 0
	var end time.Time
	for _, r := range recs {
		if classify(r) == putKind {
			if first.IsZero() {
				first = r.Time
			}
			last = r.Time
			puts++
		}
		if isRead(r) {
			reads++
		}
	}
	var rt []float64
	for _, t := range ready {
		rt = append(rt, t.Sub(t0).Seconds())
		if t.After(end) {
			end = t
		}
	}
	sort.Float64s(rt)
	if len(rt) > 0 {
		tl.FirstReady, tl.HalfReady = rt[0], rt[(len(rt)-1)/2]
	}
	if !first.IsZero() {
		tl.FirstPUT, tl.LastPUT = first.Sub(t0).Seconds(), last.Sub(t0).Seconds()
		if d := last.Sub(first).Seconds(); d > 0 {
			tl.PUTRate = float64(puts-1) / d
		}
	}
	if d := end.Sub(t0).Seconds(); d > 0 {
		tl.ReadRate = float64(reads) / d
	}
	return tl
}

// commitOf describes the checked-out commit of root ("+dirty" with uncommitted changes).
func commitOf(root string) string {
	out, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "-C", root, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		c += "+dirty"
	}
	return c
}
