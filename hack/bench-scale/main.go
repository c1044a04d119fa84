// Command bench-scale measures the operator's throughput against the Azure emulator at the
// emulator's default ARM throttling buckets (`make bench-scale`, see docs/performance.md).
//
// It starts a local control plane (kube-apiserver and etcd), the emulator and bin/manager as
// processes (internal/localenv), creates the galleries directly in the emulator, then:
//
//  1. ramp: applies N GalleryImages at once and waits until all are Ready;
//  2. steady window: counts ARM requests during one sync period at rest;
//  3. restart: stops the manager with SIGTERM, starts it again and counts the first minute;
//  4. latency: applies one new image at a time and measures apply -> Ready.
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
	"sync"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/azgallery/gallery-operator/internal/emulator"
	"github.com/azgallery/gallery-operator/internal/localenv"
)

const (
	group          = "bench-rg"
	location       = "westeurope"
	latencyGallery = "bench_latency"
)

type options struct {
	root, assets, workDir string
	n                     int
	perGallery            int
	syncPeriod            time.Duration
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
	flag.IntVar(&o.perGallery, "per-gallery", 100, "images per gallery (N images are spread over ceil(N/per-gallery) galleries)")
	flag.DurationVar(&o.syncPeriod, "sync-period", 2*time.Minute, "the manager's --sync-period, also the length of the steady window")
	flag.IntVar(&o.workers, "workers", 32, "goroutines creating GalleryImages in parallel")
	flag.DurationVar(&o.readyTimeout, "ready-timeout", 15*time.Minute, "how long the N images may take to become Ready")
	flag.BoolVar(&o.skipSteady, "skip-steady", false, "skip the steady window")
	flag.BoolVar(&o.skipRestart, "skip-restart", false, "skip the restart phase")
	flag.DurationVar(&o.restartWindow, "restart-window", time.Minute, "how long after the manager's restart requests are counted")
	flag.DurationVar(&o.settle, "settle", 30*time.Second, "pause between the restart window and the latency samples")
	flag.IntVar(&o.latencySamples, "latency-samples", 20, "single images applied one after the other for the latency (0 skips)")
	flag.StringVar(&o.managerArgs, "manager-args", "", "extra flags for the manager, space-separated")
	flag.StringVar(&o.jsonOut, "json", "", "also write the results as JSON to this file (default: <work-dir>/results.json)")
	flag.Parse()
	if o.assets == "" {
		o.assets = os.Getenv("KUBEBUILDER_ASSETS")
	}
	if o.n < 1 || o.perGallery < 1 || o.workers < 1 || o.latencySamples < 0 || o.syncPeriod <= 0 {
		fmt.Fprintln(os.Stderr, "bench-scale: -n, -per-gallery, -workers and -sync-period must be positive, -latency-samples not negative")
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

// results is everything measured, also written as JSON.
type results struct {
	Machine  machine  `json:"machine"`
	Commit   string   `json:"commit"`
	N        int      `json:"n"`
	Settings settings `json:"emulator"`

	Galleries     int          `json:"galleries"`
	ApplySeconds  float64      `json:"applySeconds"`
	ReadySeconds  float64      `json:"readySeconds"`
	BoundSeconds  float64      `json:"writeBucketBoundSeconds"`
	Ramp          reqStats     `json:"ramp"`
	RampTimeline  rampTimeline `json:"rampTimeline"`
	ManagerAtRamp procStats    `json:"managerAtAllReady"`

	Steady         *reqStats `json:"steady,omitempty"`
	SteadySeconds  float64   `json:"steadyWindowSeconds,omitempty"`
	Restart        *reqStats `json:"restart,omitempty"`
	RestartSeconds float64   `json:"restartWindowSeconds,omitempty"`
	// Background is the ARM traffic while the latency samples ran (excluding nothing).
	Background       *reqStats `json:"latencyBackground,omitempty"`
	BackgroundSecond float64   `json:"latencyPhaseSeconds,omitempty"`
	LatencySeconds   []float64 `json:"latencySeconds,omitempty"`

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
	RetryAfterSeconds float64 `json:"retryAfterSeconds"`
	ImageQuota        int     `json:"imageQuota"`
	PageSize          int     `json:"pageSize"`
}

type goal struct {
	Name     string `json:"name"`
	Measured string `json:"measured"`
	Bound    string `json:"bound"`
	Result   string `json:"result"` // PASS, FAIL or SKIP
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
	res := &results{Machine: describeMachine(), N: o.n, WorkDir: dir, StartedAt: time.Now().UTC(), Commit: commitOf(root)}
	fmt.Printf("bench-scale: N=%d, sync period %s, %d CPUs (%s), load average %s, %s, commit %s\n",
		o.n, o.syncPeriod, res.Machine.CPUs, res.Machine.Model, res.Machine.LoadAvg, res.Machine.Go, res.Commit)
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

	// The image quota (1,000 per subscription and region by default) must hold the N images and the
	// latency samples; nothing else about the emulator is changed (default ARM buckets, 2 s operations).
	quota := max(1000, o.n+o.latencySamples)
	step("starting the Azure emulator (default settings, --image-quota=%d)", quota)
	em, err := localenv.StartEmulator(dir, filepath.Join(root, "bin", "azure-emulator"), "--quiet", fmt.Sprintf("--image-quota=%d", quota))
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
		ImageQuota: st.ImageQuota, PageSize: st.PageSize,
	}
	s := res.Settings
	fmt.Printf("  %s: writes %g burst + %g/s, reads %g burst + %g/s, operations %gs, Retry-After %gs, list pages of %d\n",
		em.URL, s.WriteBurst, s.WritePerSecond, s.ReadBurst, s.ReadPerSecond, s.OperationSeconds, s.RetryAfterSeconds, s.PageSize)

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

	galleries := (o.n + o.perGallery - 1) / o.perGallery
	res.Galleries = galleries
	names := make([]string, 0, galleries+1)
	for g := 0; g < galleries; g++ {
		names = append(names, fmt.Sprintf("bench_g%03d", g))
	}
	if o.latencySamples > 0 {
		names = append(names, latencyGallery)
	}
	step("creating resource group %s and %d galleries in the emulator", group, len(names))
	if err := createGalleries(ctx, em, names); err != nil {
		return err
	}

	step("starting the manager (--sync-period=%s %s)", o.syncPeriod, o.managerArgs)
	mgrArgs := append([]string{"--sync-period=" + o.syncPeriod.String()}, strings.Fields(o.managerArgs)...)
	mgr, err := localenv.StartManager(dir, filepath.Join(root, "bin", "manager"), cp.Kubeconfig, em, mgrArgs...)
	if err != nil {
		return err
	}
	defer func() {
		if mgr != nil {
			mgr.Stop()
		}
	}()
	fmt.Printf("  pid %d, log %s\n", mgr.PID(), mgr.LogPath)

	k, err := startKube(cp.Kubeconfig)
	if err != nil {
		return err
	}
	defer k.close()

	// Let the buckets refill after the galleries' writes and polls, so the ramp starts with full
	// buckets like the bound assumes.
	if err := coll.poll(ctx); err != nil {
		return err
	}
	setup := statsOf(coll.between(time.Time{}, time.Now().Add(time.Hour)))
	refill := math.Max(float64(setup.Writes)/s.WritePerSecond, float64(setup.Reads)/s.ReadPerSecond) + 1
	fmt.Printf("  setup used %d writes and %d reads; waiting %.1fs for the buckets to refill\n", setup.Writes, setup.Reads, refill)
	if err := sleep(ctx, time.Duration(refill*float64(time.Second))); err != nil {
		return err
	}

	// Phase 1: the ramp.
	step("ramp: applying %d GalleryImages at once (%d workers)", o.n, o.workers)
	objs := make([]*unstructured.Unstructured, o.n)
	imageNames := make([]string, o.n)
	for i := range objs {
		imageNames[i] = fmt.Sprintf("img-%05d", i)
		objs[i] = imageObject(imageNames[i], group, names[i/o.perGallery], location)
	}
	t0 := time.Now()
	if err := k.createAll(ctx, objs, o.workers); err != nil {
		return err
	}
	res.ApplySeconds = time.Since(t0).Seconds()
	fmt.Printf("  all %d created in %.1fs\n", o.n, res.ApplySeconds)
	tReady, err := waitAllReady(ctx, k, coll, imageNames, t0, o.readyTimeout)
	if err != nil {
		return err
	}
	res.ReadySeconds = tReady.Sub(t0).Seconds()
	res.BoundSeconds = math.Max(0, float64(o.n)-s.WriteBurst)/s.WritePerSecond + s.OperationSeconds
	if ps, err := readProc(mgr.PID()); err == nil {
		res.ManagerAtRamp = ps
	}
	if err := coll.poll(ctx); err != nil {
		return err
	}
	rampRecs := coll.between(t0, tReady)
	res.Ramp = statsOf(rampRecs)
	res.RampTimeline = timeline(rampRecs, k.track.readyTimes(imageNames), t0)
	fmt.Printf("  all Ready after %.1fs; write-bucket bound (%d-%g)/%g+%g = %.1fs; ratio %.2f\n",
		res.ReadySeconds, o.n, s.WriteBurst, s.WritePerSecond, s.OperationSeconds, res.BoundSeconds, res.ReadySeconds/res.BoundSeconds)
	printStats(res.Ramp)
	tl := res.RampTimeline
	fmt.Printf("    first PUT %.1fs, last PUT %.1fs, first Ready %.1fs, half Ready %.1fs after the apply began\n",
		tl.FirstPUT, tl.LastPUT, tl.FirstReady, tl.HalfReady)
	fmt.Printf("    PUT rate %.1f/s (first to last PUT), read rate %.1f/s (over the ramp)\n", tl.PUTRate, tl.ReadRate)
	fmt.Printf("    manager: peak RSS %.1f MiB (RSS now %.1f MiB), CPU %.1fs, load average %s\n",
		mib(res.ManagerAtRamp.PeakRSSKiB), mib(res.ManagerAtRamp.RSSKiB), res.ManagerAtRamp.CPUSeconds, loadAvg())

	// Phase 2: one sync period at rest.
	if !o.skipSteady {
		from, to := tReady, tReady.Add(o.syncPeriod)
		step("steady window: one sync period (%s) at rest, until %s", o.syncPeriod, to.UTC().Format("15:04:05"))
		if err := sleep(ctx, time.Until(to)+time.Second); err != nil {
			return err
		}
		if err := coll.poll(ctx); err != nil {
			return err
		}
		st := statsOf(coll.between(from, to))
		res.Steady, res.SteadySeconds = &st, to.Sub(from).Seconds()
		printStats(st)
		fmt.Printf("    %.3f reads per image per sync period (%d reads / %d images)\n", float64(st.Reads)/float64(o.n), st.Reads, o.n)
	}

	// Phase 3: restart.
	if !o.skipRestart {
		step("restart: SIGTERM to the manager (pid %d), then start it again", mgr.PID())
		ps, err := stopManager(mgr)
		if err != nil {
			return err
		}
		res.Managers = append(res.Managers, ps)
		mgr = nil
		old := filepath.Join(dir, "manager.log")
		_ = os.Rename(old, filepath.Join(dir, fmt.Sprintf("manager.%d.log", len(res.Managers))))
		tR := time.Now()
		mgr, err = localenv.StartManager(dir, filepath.Join(root, "bin", "manager"), cp.Kubeconfig, em, mgrArgs...)
		if err != nil {
			return err
		}
		fmt.Printf("  new pid %d, ready after %.1fs; counting until %s\n", mgr.PID(), time.Since(tR).Seconds(),
			tR.Add(o.restartWindow).UTC().Format("15:04:05"))
		if err := sleep(ctx, time.Until(tR.Add(o.restartWindow))+time.Second); err != nil {
			return err
		}
		if err := coll.poll(ctx); err != nil {
			return err
		}
		st := statsOf(coll.between(tR, tR.Add(o.restartWindow)))
		res.Restart, res.RestartSeconds = &st, o.restartWindow.Seconds()
		printStats(st)
		fmt.Printf("    at most %d reads within one second (read bucket: %g burst + %g/s); %d reads throttled\n",
			st.MaxReads1s, s.ReadBurst, s.ReadPerSecond, st.ReadsThrottled)
		if o.latencySamples > 0 && o.settle > 0 {
			fmt.Printf("  settling for %s before the latency samples\n", o.settle)
			if err := sleep(ctx, o.settle); err != nil {
				return err
			}
		}
	}

	// Phase 4: single-image latency.
	if o.latencySamples > 0 {
		step("latency: %d single images, one after the other, apply -> Ready", o.latencySamples)
		from := time.Now()
		for i := 0; i < o.latencySamples; i++ {
			name := fmt.Sprintf("lat-%03d", i)
			start := time.Now()
			if err := k.create(ctx, imageObject(name, group, latencyGallery, location)); err != nil {
				return fmt.Errorf("creating %s: %w", name, err)
			}
			end, err := waitAllReady(ctx, k, nil, []string{name}, start, time.Minute)
			if err != nil {
				return err
			}
			d := end.Sub(start).Seconds()
			res.LatencySeconds = append(res.LatencySeconds, d)
			fmt.Printf("  %s Ready after %.2fs\n", name, d)
		}
		to := time.Now()
		if err := coll.poll(ctx); err != nil {
			return err
		}
		bg := statsOf(coll.between(from, to))
		res.Background, res.BackgroundSecond = &bg, to.Sub(from).Seconds()
		med, p90 := median(res.LatencySeconds), percentile(res.LatencySeconds, 0.9)
		fmt.Printf("  median %.2fs, p90 %.2fs, min %.2fs, max %.2fs (operation %gs + 1s = %.0fs)\n", med, p90,
			percentile(res.LatencySeconds, 0), percentile(res.LatencySeconds, 1), s.OperationSeconds, s.OperationSeconds+1)
		fmt.Printf("  ARM traffic meanwhile (%.0fs, includes the samples' own requests): %.1f reads/s, %d PUTs\n",
			res.BackgroundSecond, float64(bg.Reads)/res.BackgroundSecond, bg.ByKind[kindPutImage])
	}

	ps, err := readProc(mgr.PID())
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

// createGalleries creates the resource group and the galleries, a few at a time.
func createGalleries(ctx context.Context, em *localenv.Emulator, names []string) error {
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	errs := make([]error, len(names))
	for i, name := range names {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			defer cancel()
			errs[i] = em.CreateGallery(cctx, group, name, location)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// waitAllReady waits until every name is Ready, printing progress when coll is set, and returns
// when the last one became Ready.
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
			return time.Time{}, fmt.Errorf("%d of %d GalleryImages Ready after %s; not Ready:\n  %s",
				len(times), len(names), timeout, strings.Join(k.track.notReady(names, 10), "\n  "))
		}
		if coll != nil && now.After(nextProgress) {
			nextProgress = now.Add(15 * time.Second)
			_ = coll.poll(ctx)
			st := statsOf(coll.between(start, now))
			fmt.Printf("  %4.0fs: %d/%d Ready; %d PUTs, %d reads, %d 429s so far; load average %s\n",
				now.Sub(start).Seconds(), len(times), len(names), st.ByKind[kindPutImage], st.Reads, st.Throttled, loadAvg())
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

func timeline(recs []emulator.RequestRecord, ready map[string]time.Time, t0 time.Time) rampTimeline {
	var tl rampTimeline
	var first, last time.Time
	puts, reads := 0, 0
	var end time.Time
	for _, r := range recs {
		if classify(r) == kindPutImage {
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
