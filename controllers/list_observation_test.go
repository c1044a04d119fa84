package controllers_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/azgallery/gallery-operator/internal/reconcile"
)

// TestOneWritePerImageWithListObservation creates images one after the other in one gallery
// with a long sync period, so that the gallery's list is reused: each gets exactly one PUT. (A
// list read just before a PUT, within the same second as the operation's start time stamp, once
// made the operator miss its own write and PUT again.)
func TestOneWritePerImageWithListObservation(t *testing.T) {
	startManager(t, func(o *reconcile.Options) { o.DriftResync = 10 * time.Minute })
	ns := newNamespace(t)
	for i := range 4 {
		img := newImage(ns, fmt.Sprintf("listed-%d", i))
		createImage(t, img)
		waitReady(t, img, readyTimeout)
		time.Sleep(300 * time.Millisecond)
		if n := azureEnv.count(t, "PUT", imagePath(img)); n != 1 {
			t.Fatalf("%s: %d PUTs, want exactly 1", img.Name, n)
		}
	}
}
