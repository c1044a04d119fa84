package statusview

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) *metav1.Time { t := metav1.NewTime(now.Add(-d)); return &t }

// view is a gallery with a replicated version, one replicating and a missing image.
func view() View {
	done := &Replication{Replicated: "2/2", AggregatedState: "Completed", Regions: []Region{
		{Region: "westeurope", State: "Completed", Progress: 100}, {Region: "northeurope", State: "Completed", Progress: 100}}}
	busy := &Replication{Replicated: "1/2", AggregatedState: "InProgress", Regions: []Region{
		{Region: "westeurope", State: "Completed", Progress: 100}, {Region: "northeurope", State: "Replicating", Progress: 40, Details: "copying"}}}
	return View{Namespace: "images", Items: []*Node{{
		Kind: "Gallery", Name: "platform", State: StateReady, Ready: "True", Reason: "Succeeded", CreationTimestamp: ago(2 * time.Hour),
		ProvisioningState: "Succeeded",
		Children: []*Node{
			{Kind: "GalleryImage", Name: "retired", Missing: true, State: StateMissing, LinkedBy: "path", Message: "no GalleryImage"},
			{Kind: "GalleryImage", Name: "ubuntu", State: StateStalled, Ready: "False", Reason: "InvalidParameter", Policy: "Observe",
				Message: "bad\nthing", LinkedBy: "galleryRef", CreationTimestamp: ago(90 * time.Minute), Children: []*Node{
					{Kind: "GalleryImageVersion", Name: "1.0.0", State: StateReady, Ready: "True", Reason: "Succeeded", LinkedBy: "imageRef",
						CreationTimestamp: ago(time.Hour), Replication: done},
					{Kind: "GalleryImageVersion", Name: "1.1.0", State: StateReconciling, Ready: "False", Reason: "Replicating", LinkedBy: "imageRef",
						Policy: "Paused", CreationTimestamp: ago(5 * time.Minute), Replication: busy},
				}},
		},
	}}}
}

func TestRenderTable(t *testing.T) {
	var b strings.Builder
	if err := Render(&b, view(), FormatTable, now); err != nil {
		t.Fatal(err)
	}
	// The regions of a version show while one is not Completed.
	want := `NAME                             READY  STATE        REASON            POLICY     REPLICATED       AGE
Gallery/platform                 True   Ready        Succeeded         (default)  -                120m
├─ GalleryImage/retired          -      Missing      -                 -          -                -
└─ GalleryImage/ubuntu           False  Stalled      InvalidParameter  Observe    -                90m
   ├─ GalleryImageVersion/1.0.0  True   Ready        Succeeded         (default)  2/2 Completed    60m
   └─ GalleryImageVersion/1.1.0  False  Reconciling  Replicating       Paused     1/2 InProgress   5m
      ├─ westeurope                                                               Completed 100%
      └─ northeurope                                                              Replicating 40%
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestRenderWide(t *testing.T) {
	var b strings.Builder
	if err := Render(&b, view(), FormatWide, now); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	for _, want := range []string{"PROVISIONING", "LINKED BY", "MESSAGE"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("header %q lacks %s", lines[0], want)
		}
	}
	// Every region of every version, with its details; a message on one line.
	for _, want := range []string{"│  ├─ westeurope", "bad thing", "galleryRef"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no %q in\n%s", want, b.String())
		}
	}
	if last := lines[len(lines)-2]; !strings.Contains(last, "└─ northeurope") || !strings.Contains(last, "Replicating 40%") || !strings.HasSuffix(last, " copying") {
		t.Errorf("the last region's row %q shows its state, progress and details", last)
	}
	if n := strings.Count(b.String(), "westeurope"); n != 2 {
		t.Errorf("westeurope %d times, want 2 (each version's regions):\n%s", n, b.String())
	}
}

func TestRenderJSON(t *testing.T) {
	var b strings.Builder
	if err := Render(&b, view(), FormatJSON, now); err != nil {
		t.Fatal(err)
	}
	var got View
	if err := json.Unmarshal([]byte(b.String()), &got); err != nil {
		t.Fatal(err)
	}
	v := got.Items[0].Children[1].Children[1]
	if got.Namespace != "images" || v.Name != "1.1.0" || v.Policy != "Paused" || v.Replication.Regions[1].Progress != 40 {
		t.Errorf("%s", b.String())
	}
	if strings.Contains(b.String(), `"managementPolicy": ""`) || !strings.Contains(b.String(), `"missing": true`) {
		t.Errorf("an unset policy is left out, a missing parent says so:\n%s", b.String())
	}
}

func TestRenderNoGallery(t *testing.T) {
	var b strings.Builder
	if err := Render(&b, View{Namespace: "empty"}, FormatTable, now); err != nil || b.String() != "No Gallery objects in namespace empty.\n" {
		t.Errorf("%v %q", err, b.String())
	}
}
