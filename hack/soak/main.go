// Command soak runs the operator through a bad day (`make soak`, see docs/reliability.md).
//
// It starts a real control plane (kube-apiserver and etcd), the Azure emulator and the manager as
// processes (internal/localenv), creates Galleries, GalleryImages (spec.galleryRef),
// GalleryImageVersions (spec.imageRef, several target regions, managed-image sources created in
// the emulator first), GalleryApplications with a version each (a package blob, several target
// regions) and GalleryInVMAccessControlProfiles with a version each (several target locations),
// and while they converge and change it injects, for --duration:
//
//   - Azure faults on a share of ARM requests: 5xx, 429 with Retry-After, connection resets, slow
//     answers; failed long-running operations (failOperations) and failed regions in replications
//     (failReplication);
//   - an Azure outage (every ARM request reset) and an Entra ID outage (the token endpoint answers
//     503, with token lifetimes shorter than the outage so that tokens expire during it);
//   - the kube-apiserver stopped and started again (etcd kept);
//   - the manager SIGKILLed at random moments (--kills times) and started again;
//   - a client secret rotated: half the galleries (and everything under them) use
//     spec.credentialsSecretRef; the emulator's principal gets a new secret (the old one is then
//     refused) and the Secret follows;
//   - spec changes and deletions of a share of the objects throughout.
//
// Then the faults stop and it checks, printing PASS or FAIL per check, that every object converged
// to its last spec (compared with what Azure holds), every deleted object is gone from Azure,
// nothing was created twice, no object got more than a bounded number of writes, the ARM buckets
// were respected, and no client secret appeared in the manager's logs, events or status. It exits 1
// when a check fails, 2 when the run itself broke.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

type options struct {
	root, assets, workDir       string
	managerBin, emulatorBin     string
	galleries, images, versions int
	applications, profiles      int
	duration, outage            time.Duration
	apiserverDown               time.Duration
	kills                       int
	changeInterval              time.Duration
	changeShare, deleteShare    float64
	faultRate                   float64
	writeSlack                  int
	convergeTimeout             time.Duration
	managerArgs                 string
	seed                        uint64
}

func main() {
	var o options
	flag.StringVar(&o.root, "root", ".", "repository root (config/crd/bases)")
	flag.StringVar(&o.assets, "assets", "", "directory with kube-apiserver, etcd and kubectl (default: $KUBEBUILDER_ASSETS)")
	flag.StringVar(&o.workDir, "work-dir", "", "directory for logs and kubeconfig (default: a new temporary directory, kept)")
	flag.StringVar(&o.managerBin, "manager", "", "manager binary (default: <root>/bin/manager)")
	flag.StringVar(&o.emulatorBin, "emulator", "", "azure-emulator binary (default: <root>/bin/azure-emulator)")
	flag.IntVar(&o.galleries, "galleries", 10, "Galleries")
	flag.IntVar(&o.images, "images", 250, "GalleryImages, spread over the galleries")
	flag.IntVar(&o.versions, "versions", 40, "GalleryImageVersions, one per image, on the first images")
	flag.IntVar(&o.applications, "applications", 20, "GalleryApplications, spread over the galleries, each with one GalleryApplicationVersion")
	flag.IntVar(&o.profiles, "profiles", 10, "GalleryInVMAccessControlProfiles, spread over the galleries, each with one version")
	flag.DurationVar(&o.duration, "duration", 5*time.Minute, "how long faults, outages, kills and changes go on")
	flag.DurationVar(&o.outage, "outage", time.Minute, "length of the Azure outage and of the Entra ID outage")
	flag.DurationVar(&o.apiserverDown, "apiserver-down", 20*time.Second, "how long the kube-apiserver stays stopped")
	flag.IntVar(&o.kills, "kills", 6, "how many times the manager is SIGKILLed")
	flag.DurationVar(&o.changeInterval, "change-interval", 30*time.Second, "time between two waves of spec changes")
	flag.Float64Var(&o.changeShare, "change-share", 0.05, "share of the live objects changed in each wave")
	flag.Float64Var(&o.deleteShare, "delete-share", 0.1, "share of the versions, and of the images, applications and profiles without a version left, deleted (in two waves), besides one gallery with everything in it")
	flag.Float64Var(&o.faultRate, "fault-rate", 0.04, "share of ARM requests that get each kind of fault (5xx, 429, reset, delay)")
	flag.IntVar(&o.writeSlack, "write-slack", 4, "writes an object may get beyond 1 + its spec changes (+1 delete) before the hot-loop check fails")
	flag.DurationVar(&o.convergeTimeout, "converge-timeout", 5*time.Minute, "how long everything may take to converge once the faults stop")
	flag.StringVar(&o.managerArgs, "manager-args", "", "extra flags for the manager, space-separated")
	flag.Uint64Var(&o.seed, "seed", 0, "random seed (0: from the clock); printed, so a run can be repeated")
	flag.Parse()
	if o.assets == "" {
		o.assets = os.Getenv("KUBEBUILDER_ASSETS")
	}
	root, _ := filepath.Abs(o.root)
	o.root = root
	if o.managerBin == "" {
		o.managerBin = filepath.Join(root, "bin", "manager")
	}
	if o.emulatorBin == "" {
		o.emulatorBin = filepath.Join(root, "bin", "azure-emulator")
	}
	if o.galleries < 2 || o.images < o.galleries || o.versions < 0 || o.versions > o.images || o.applications < 0 || o.profiles < 0 || o.kills < 0 || o.duration <= 0 || o.outage <= 0 {
		fmt.Fprintln(os.Stderr, "soak: need -galleries >= 2, -images >= -galleries, 0 <= -versions <= -images, -applications and -profiles >= 0, positive -duration and -outage")
		os.Exit(2)
	}
	if o.seed == 0 {
		o.seed = uint64(time.Now().UnixNano())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	failed, err := run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak failed:", err)
		os.Exit(2)
	}
	if failed > 0 {
		fmt.Printf("\nsoak: %d check(s) FAILED\n", failed)
		os.Exit(1)
	}
	fmt.Println("\nsoak: all checks PASSED")
}

var start = time.Now()

// step prints a phase header with the wall clock and the time since the start.
func step(format string, args ...any) {
	fmt.Printf("==> [%s +%s] %s\n", time.Now().UTC().Format("15:04:05"), time.Since(start).Round(time.Second), fmt.Sprintf(format, args...))
}

// note prints an indented line with the time since the start.
func note(format string, args ...any) {
	fmt.Printf("    [+%s] %s\n", time.Since(start).Round(time.Second), fmt.Sprintf(format, args...))
}

func randomSecret(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// pick returns k distinct random elements of xs.
func pick[T any](rng *mrand.Rand, xs []T, k int) []T {
	xs = append([]T(nil), xs...)
	rng.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
	if k > len(xs) {
		k = len(xs)
	}
	return xs[:k]
}

func lower(s string) string { return strings.ToLower(s) }
