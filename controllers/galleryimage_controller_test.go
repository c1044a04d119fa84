package controllers_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	kstatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/metrics"
)

// readyTimeout bounds every wait for a condition in these suites. It is generous on purpose: a
// wait ends as soon as its condition holds, so the bound only decides how long a broken test takes
// to fail, and a machine busy with other builds must never fail a test that would pass.
const readyTimeout = 3 * time.Minute

// inFlightDuration is how long the emulator runs an operation in the tests that act while one is
// in flight: long enough that a busy machine still sees it running.
const inFlightDuration = 20 * time.Second

// expectKstatus computes kstatus (what Flux, Argo CD's kstatus users and kpt wait on) for img.
func expectKstatus(t *testing.T, img *v1alpha1.GalleryImage, want kstatus.Status) {
	t.Helper()
	img = img.DeepCopy()
	img.SetGroupVersionKind(v1alpha1.GroupVersion.WithKind("GalleryImage"))
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := kstatus.Compute(&unstructured.Unstructured{Object: obj})
	if err != nil {
		t.Fatalf("kstatus.Compute: %v", err)
	}
	if res.Status != want {
		t.Errorf("kstatus is %s (%s), want %s; status %+v", res.Status, res.Message, want, img.Status)
	}
}

func createImage(t *testing.T, img *v1alpha1.GalleryImage) {
	t.Helper()
	if err := k8s.Create(context.Background(), img); err != nil {
		t.Fatalf("creating %s: %v", img.Name, err)
	}
}

func deleteImage(t *testing.T, img *v1alpha1.GalleryImage) {
	t.Helper()
	if err := k8s.Delete(context.Background(), img); err != nil {
		t.Fatalf("deleting %s: %v", img.Name, err)
	}
}

// TestCreateUpdateResyncRestart follows one image through its life at steady state: one PUT to
// create, one per spec change, none on resync or after a restart of the manager.
func TestCreateUpdateResyncRestart(t *testing.T) {
	mgr := startManager(t)
	img := newImage(newNamespace(t), "lifecycle")
	path := imagePath(img)
	createImage(t, img)

	cur := waitReady(t, img, readyTimeout)
	if got := azureEnv.count(t, "PUT", path); got != 1 {
		t.Fatalf("create → Ready sent %d PUTs, want exactly 1", got)
	}
	expectKstatus(t, cur, kstatus.CurrentStatus)
	if cur.Status.ProvisioningState != "Succeeded" || !strings.EqualFold(cur.Status.ID, path) {
		t.Errorf("status after create: provisioningState %q id %q", cur.Status.ProvisioningState, cur.Status.ID)
	}
	waitEvent(t, img.Namespace, img.Name, "Creating")
	expectCorrelatedLog(t, img, azureEnv.requestsFor(t, "PUT", path)[0].CorrelationID)

	changed := update(t, img, func(g *v1alpha1.GalleryImage) { g.Spec.Properties.Description = "changed description" })
	expectKstatus(t, changed, kstatus.InProgressStatus) // the object as the API server stored the change
	waitReady(t, img, readyTimeout)
	if got := azureEnv.count(t, "PUT", path); got != 2 {
		t.Fatalf("a description change sent %d PUTs in all, want exactly 2", got)
	}
	if d := azureEnv.description(t, img); d != "changed description" {
		t.Fatalf("Azure holds description %q after the change", d)
	}

	readsBefore := azureEnv.reads(t, img)
	time.Sleep(2*syncPeriod + syncPeriod/2)
	gets := azureEnv.reads(t, img) - readsBefore
	if got := azureEnv.count(t, "PUT", path); got != 2 {
		t.Fatalf("resync without change sent PUTs: %d in all, want 2", got)
	}
	if gets < 1 || gets > 3 {
		t.Fatalf("over 2.5 sync periods the image was read %d times (GETs of it and list pages of its gallery), want 1 to 3 (one per sync period)", gets)
	}

	mgr.stop()
	startManager(t)
	time.Sleep(2 * time.Second)
	if got := azureEnv.count(t, "PUT", path); got != 2 {
		t.Fatalf("a manager restart sent PUTs: %d in all, want 2", got)
	}
	waitReady(t, img, readyTimeout)
}

// expectCorrelatedLog finds the manager's log line for the Azure request with correlationID and
// checks that it names the image's namespace and name.
func expectCorrelatedLog(t *testing.T, img *v1alpha1.GalleryImage, correlationID string) {
	t.Helper()
	if correlationID == "" {
		t.Fatal("the PUT reached Azure without an x-ms-correlation-request-id")
	}
	for _, line := range strings.Split(managerLog.String(), "\n") {
		if strings.Contains(line, "Azure request") && strings.Contains(line, correlationID) {
			if !strings.Contains(line, `"namespace": "`+img.Namespace+`"`) || !strings.Contains(line, `"name": "`+img.Name+`"`) {
				t.Errorf("the log line of the request does not name the image: %s", line)
			}
			return
		}
	}
	t.Errorf("no log line carries the correlation ID %s", correlationID)
}

// TestDriftIsCorrectedWithOnePut changes the image outside Kubernetes and expects one corrective
// PUT at the next resync, made visible first: a DriftDetected event and the Drifted condition
// name the field, and the drift metric counts the correction.
func TestDriftIsCorrectedWithOnePut(t *testing.T) {
	startManager(t)
	img := newImage(newNamespace(t), "drift")
	path := imagePath(img)
	createImage(t, img)
	waitReady(t, img, readyTimeout)
	corrections := testutil.ToFloat64(metrics.DriftCorrections.WithLabelValues("GalleryImage"))
	atRest := get(t, img).ResourceVersion // nothing writes an object at rest: a new version is the drift's

	azureEnv.patchDescription(t, img, "changed in the portal")
	eventually(t, readyTimeout, "drift corrected", func() (bool, string) {
		d := azureEnv.description(t, img)
		return d == "suite image", d
	})
	// Azure holds the correction as soon as the PUT is accepted; the object is Ready again, and
	// Drifted gone, only once the correction's operation is over. The Ready of before the drift
	// (the same resourceVersion) does not count.
	eventually(t, readyTimeout, "Ready again, without Drifted, after the correction", func() (bool, string) {
		cur := get(t, img)
		ready := condition(cur, v1alpha1.ConditionReady)
		drifted := meta.FindStatusCondition(cur.Status.Conditions, v1alpha1.ConditionDrifted)
		return cur.ResourceVersion != atRest && drifted == nil && ready != nil && ready.Status == metav1.ConditionTrue &&
			ready.ObservedGeneration == cur.Generation, fmt.Sprintf("%+v", cur.Status)
	})
	if got := azureEnv.count(t, "PUT", path); got != 2 {
		t.Fatalf("create + drift correction sent %d PUTs, want 2", got)
	}
	waitEvent(t, img.Namespace, img.Name, "DriftDetected")
	waitEvent(t, img.Namespace, img.Name, "DriftCorrected")
	if msg := eventMessage(t, img.Namespace, img.Name, "DriftDetected"); !strings.Contains(msg, "description") || strings.Contains(msg, "portal") {
		t.Errorf("the DriftDetected event %q must name the field (description), not its value", msg)
	}
	if got := testutil.ToFloat64(metrics.DriftCorrections.WithLabelValues("GalleryImage")) - corrections; got != 1 {
		t.Errorf("drift corrections counted: %v, want 1", got)
	}
}

// TestSpecChangeDuringOperationIsApplied changes the spec while the create runs in Azure; the
// change is applied after it, with no write refused for a running operation.
func TestSpecChangeDuringOperationIsApplied(t *testing.T) {
	azureEnv.setOperationDuration(t, inFlightDuration)
	t.Cleanup(func() { azureEnv.setOperationDuration(t, fastOperations) })
	startManager(t)
	img := newImage(newNamespace(t), "midflight")
	path := imagePath(img)
	createImage(t, img)
	eventually(t, readyTimeout, "operation in flight", func() (bool, string) {
		cur := get(t, img)
		return cur.Status.Operation != nil, ""
	})
	cur := get(t, img)
	if c := condition(cur, v1alpha1.ConditionReconciling); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("Reconciling is not True while creating: %+v", cur.Status.Conditions)
	}
	expectKstatus(t, cur, kstatus.InProgressStatus)
	update(t, img, func(g *v1alpha1.GalleryImage) { g.Spec.Properties.Description = "changed mid-flight" })
	waitReady(t, img, readyTimeout)
	if d := azureEnv.description(t, img); d != "changed mid-flight" {
		t.Fatalf("Azure holds %q: the change made during the operation was lost", d)
	}
	if got := azureEnv.count(t, "PUT", path); got != 2 {
		t.Errorf("sent %d PUTs, want 2 (create, then the change)", got)
	}
	if got := azureEnv.countStatus(t, "PUT", path, 409); got != 0 {
		t.Errorf("%d PUTs were refused with 409 while an operation ran", got)
	}
}

// TestOperationFailureIsReported makes Azure fail the create operation.
func TestOperationFailureIsReported(t *testing.T) {
	startManager(t)
	img := newImage(newNamespace(t), "opfails")
	azureEnv.failNextOperation(t, img)
	createImage(t, img)
	cur := waitCondition(t, img, v1alpha1.ConditionReady, metav1.ConditionFalse, "", readyTimeout)
	eventually(t, readyTimeout, "status.error", func() (bool, string) {
		cur = get(t, img)
		return cur.Status.Error != nil && cur.Status.Error.Code != "" && cur.Status.Error.Message != "", ""
	})
	ready := condition(cur, v1alpha1.ConditionReady)
	if ready.Reason != cur.Status.Error.Code {
		t.Errorf("Ready reason %q is not the Azure error code %q", ready.Reason, cur.Status.Error.Code)
	}
}

// TestThrottlingHonoursRetryAfter answers the first PUT with 429 and Retry-After: 3.
func TestThrottlingHonoursRetryAfter(t *testing.T) {
	startManager(t)
	img := newImage(newNamespace(t), "throttled")
	path := imagePath(img)
	azureEnv.setFaults(t, []fault{{Method: "PUT", PathPattern: "(?i)" + regexp.QuoteMeta(path) + "$", Status: 429,
		Code: "SubscriptionRequestsThrottled", RetryAfter: 3, Count: 1}})
	t.Cleanup(func() { azureEnv.setFaults(t, nil) })
	createImage(t, img)
	waitReady(t, img, readyTimeout)
	puts := azureEnv.requestsFor(t, "PUT", path)
	if len(puts) != 2 || puts[0].Status != 429 {
		t.Fatalf("want a throttled PUT then one that succeeded, got %+v", puts)
	}
	if gap := puts[1].Time.Sub(puts[0].Time); gap < 3*time.Second {
		t.Fatalf("retried %s after a 429 with Retry-After: 3", gap)
	}
}

// TestMissingGalleryWaitsThenConverges creates an image whose gallery does not exist yet.
func TestMissingGalleryWaitsThenConverges(t *testing.T) {
	startManager(t)
	img := newImage(newNamespace(t), "waits")
	img.Spec.GalleryName = "late_gallery"
	createImage(t, img)
	cur := waitCondition(t, img, v1alpha1.ConditionReady, metav1.ConditionFalse, "ParentResourceNotFound", readyTimeout)
	if c := condition(cur, v1alpha1.ConditionReconciling); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("a missing gallery must leave Reconciling True (transient), got %+v", cur.Status.Conditions)
	}
	if c := condition(cur, v1alpha1.ConditionStalled); c != nil {
		t.Errorf("a missing gallery is not Stalled: %+v", c)
	}
	if err := azureEnv.createGallery(group, "late_gallery"); err != nil {
		t.Fatal(err)
	}
	waitReady(t, img, readyTimeout)
}

// TestPropertyChangeNotAllowedStalls adopts an image Azure holds with another osState: Azure
// refuses the change, and the image is Stalled with Azure's code, without hot retries.
func TestPropertyChangeNotAllowedStalls(t *testing.T) {
	startManager(t)
	img := newImage(newNamespace(t), "stalls")
	path := imagePath(img)
	azureEnv.createImageOutside(t, img, func(body map[string]any) {
		body["properties"].(map[string]any)["osState"] = "Specialized"
	})
	createImage(t, img)
	cur := waitCondition(t, img, v1alpha1.ConditionStalled, metav1.ConditionTrue, "PropertyChangeNotAllowed", readyTimeout)
	if cur.Status.Error == nil || cur.Status.Error.Code != "PropertyChangeNotAllowed" || !strings.Contains(cur.Status.Error.Message, "osState") {
		t.Fatalf("status.error does not carry Azure's error: %+v", cur.Status.Error)
	}
	if c := condition(cur, v1alpha1.ConditionReady); c == nil || c.Status != metav1.ConditionFalse || c.Reason != "PropertyChangeNotAllowed" {
		t.Errorf("Ready: %+v", c)
	}
	if c := condition(cur, v1alpha1.ConditionReconciling); c != nil {
		t.Errorf("Reconciling must be absent when Stalled: %+v", c)
	}
	expectKstatus(t, cur, kstatus.FailedStatus)
	puts := azureEnv.count(t, "PUT", path)
	time.Sleep(syncPeriod / 2)
	if again := azureEnv.count(t, "PUT", path); again != puts {
		t.Fatalf("a terminal error was retried hot: %d PUTs, then %d", puts, again)
	}
}

// TestDeleteSendsDeleteThenRemovesFinalizer deletes a Ready image.
func TestDeleteSendsDeleteThenRemovesFinalizer(t *testing.T) {
	startManager(t)
	img := newImage(newNamespace(t), "deleted")
	path := imagePath(img)
	createImage(t, img)
	waitReady(t, img, readyTimeout)
	deleteImage(t, img)
	waitGone(t, img, readyTimeout)
	if got := azureEnv.count(t, "DELETE", path); got != 1 {
		t.Fatalf("sent %d DELETEs, want 1", got)
	}
	if azureEnv.exists(t, img) {
		t.Fatal("the image is still in Azure after the object went away")
	}
}

// TestOrphanLeavesAzureUntouched deletes an image with deletionPolicy Orphan.
func TestOrphanLeavesAzureUntouched(t *testing.T) {
	startManager(t)
	img := newImage(newNamespace(t), "orphaned")
	img.Spec.DeletionPolicy = v1alpha1.DeletionPolicyOrphan
	path := imagePath(img)
	createImage(t, img)
	waitReady(t, img, readyTimeout)
	deleteImage(t, img)
	waitGone(t, img, readyTimeout)
	if got := azureEnv.count(t, "DELETE", path); got != 0 {
		t.Fatalf("sent %d DELETEs for an orphaned image", got)
	}
	if !azureEnv.exists(t, img) {
		t.Fatal("the orphaned image is gone from Azure")
	}
}

// TestDeleteWhileCreating deletes the object while Azure still creates the image.
func TestDeleteWhileCreating(t *testing.T) {
	azureEnv.setOperationDuration(t, inFlightDuration)
	t.Cleanup(func() { azureEnv.setOperationDuration(t, fastOperations) })
	startManager(t)
	img := newImage(newNamespace(t), "shortlived")
	createImage(t, img)
	eventually(t, readyTimeout, "operation in flight", func() (bool, string) {
		return get(t, img).Status.Operation != nil, ""
	})
	deleteImage(t, img)
	waitGone(t, img, readyTimeout)
	if azureEnv.exists(t, img) {
		t.Fatal("the image is in Azure after deleting while it was created")
	}
}

// TestSecretCredentialsAreUsedForThatImageOnly gives one image its own service principal.
func TestSecretCredentialsAreUsedForThatImageOnly(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "team-azure"}, StringData: map[string]string{
		"AZURE_TENANT_ID": azureEnv.tenant, "AZURE_CLIENT_ID": secondClientID, "AZURE_CLIENT_SECRET": secondClientSecret,
	}}
	if err := k8s.Create(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	own := newImage(ns, "own-credentials")
	own.Spec.CredentialsSecretRef = &v1alpha1.SecretReference{Name: "team-azure"}
	shared := newImage(ns, "operator-credentials")
	createImage(t, own)
	createImage(t, shared)
	waitReady(t, own, readyTimeout)
	waitReady(t, shared, readyTimeout)
	for _, r := range azureEnv.requestsFor(t, "", imagePath(own)) {
		if r.ClientID != secondClientID {
			t.Errorf("request %s %s for the image with its own Secret used client %q", r.Method, r.Path, r.ClientID)
		}
	}
	for _, r := range azureEnv.requestsFor(t, "", imagePath(shared)) {
		if r.ClientID != azureEnv.clientID {
			t.Errorf("request %s %s for the image without a Secret used client %q", r.Method, r.Path, r.ClientID)
		}
	}
}

// TestCanarySecretNeverLeaks uses a Secret whose client secret Entra ID refuses, and checks that
// the value appears in no log line, event or status.
func TestCanarySecretNeverLeaks(t *testing.T) {
	startManager(t)
	ns := newNamespace(t)
	canary := "canary-" + strings.ReplaceAll(ns, "-", "") + "-do-not-log"
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "leaky"}, StringData: map[string]string{
		"AZURE_TENANT_ID": azureEnv.tenant, "AZURE_CLIENT_ID": azureEnv.clientID, "AZURE_CLIENT_SECRET": canary,
		"AZURE_SUBSCRIPTION_ID": azureEnv.subscription,
	}}
	if err := k8s.Create(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	img := newImage(ns, "canary")
	img.Spec.CredentialsSecretRef = &v1alpha1.SecretReference{Name: "leaky"}
	createImage(t, img)
	cur := waitCondition(t, img, v1alpha1.ConditionReady, metav1.ConditionFalse, "AuthenticationFailed", readyTimeout)
	time.Sleep(time.Second)

	if strings.Contains(managerLog.String(), canary) {
		t.Error("the client secret appears in the manager's log")
	}
	if strings.Contains(managerLog.String(), secondClientSecret) {
		t.Error("another Secret's client secret appears in the manager's log")
	}
	if status := strings.Join([]string{cur.Status.Error.Message, condition(cur, v1alpha1.ConditionReady).Message}, "\n"); strings.Contains(status, canary) {
		t.Errorf("the client secret appears in the status: %s", status)
	}
	events := &eventsv1.EventList{}
	if err := k8s.List(context.Background(), events, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	for _, e := range events.Items {
		if strings.Contains(e.Note, canary) {
			t.Errorf("the client secret appears in event %s: %s", e.Reason, e.Note)
		}
	}
}
