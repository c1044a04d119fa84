package main

import (
	"testing"
	"time"

	"github.com/azgallery/gallery-operator/internal/emulator"
)

// The benchmark's figures rest on telling ARM requests apart by path: which kind of request and
// which of the operator's kinds it concerns.
func TestClassify(t *testing.T) {
	const rg = "/subscriptions/8d1f7c6e-2b3a-4c5d-9e8f-0a1b2c3d4e5f/resourceGroups/bench-rg"
	const g = rg + "/providers/Microsoft.Compute/galleries/bench_g000"
	for _, tc := range []struct {
		method, path   string
		kind, resource string
		read           bool
	}{
		{"PUT", g, kindPutGallery, kindGallery, false},
		{"PUT", g + "/images/img-00001", kindPutImage, kindImage, false},
		{"PATCH", g + "/images/img-00001/versions/1.0.0", kindPutVersion, kindVersion, false},
		{"POST", g + "/share", kindWrite, kindGallery, false},
		{"GET", rg + "/providers/Microsoft.Compute/galleries", kindList, kindGallery, true},
		{"GET", g, kindGet, kindGallery, true},
		{"GET", g + "/images", kindList, kindImage, true},
		{"GET", g + "/images/img-00001/", kindGet, kindImage, true},
		{"GET", g + "/images/img-00001/versions", kindList, kindVersion, true},
		{"GET", g + "/images/img-00001/versions/1.0.0", kindGet, kindVersion, true},
		{"GET", "/subscriptions/s/providers/Microsoft.Compute/locations/westeurope/capsOperations/abc", kindPoll, "", true},
		{"PUT", rg, kindWrite, "", false},
		{"PUT", rg + "/providers/Microsoft.Compute/images/bench-source", kindWrite, "", false},
		{"DELETE", g + "/images/img-00001", kindDelete, kindImage, false},
		{"PUT", g + "/applications/app-000/versions/1.0.0", kindPutAppVer, kindAppVersion, false},
		{"GET", g + "/applications/app-000/versions", kindList, kindAppVersion, true},
		{"GET", g + "/applications/app-000/versions/1.0.0", kindGet, kindAppVersion, true},
		{"PUT", g + "/applications/app-000", kindWrite, "", false},
		{"GET", g + "/applications", kindList, "", true},
	} {
		r := emulator.RequestRecord{Time: time.Now(), Method: tc.method, Path: tc.path, Status: 200}
		if got := classify(r); got != tc.kind {
			t.Errorf("%s %s: classified %q, want %q", tc.method, tc.path, got, tc.kind)
		}
		if got := resourceOf(r); got != tc.resource {
			t.Errorf("%s %s: concerns %q, want %q", tc.method, tc.path, got, tc.resource)
		}
		if isRead(r) != tc.read {
			t.Errorf("%s %s: read %v, want %v", tc.method, tc.path, isRead(r), tc.read)
		}
	}
}

func TestStatsCountReadsAndWritesByKind(t *testing.T) {
	const g = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g"
	t0 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	recs := []emulator.RequestRecord{
		{Time: t0, Method: "GET", Path: g + "/images", Status: 200},
		{Time: t0.Add(100 * time.Millisecond), Method: "GET", Path: g + "/images/i/versions", Status: 429},
		{Time: t0.Add(900 * time.Millisecond), Method: "GET", Path: g, Status: 200},
		{Time: t0.Add(2 * time.Second), Method: "PUT", Path: g + "/images/i", Status: 201},
	}
	s := statsOf(recs)
	if s.Reads != 3 || s.Writes != 1 || s.Throttled != 1 || s.ReadsThrottled != 1 || s.MaxReads1s != 3 {
		t.Errorf("stats %+v", s)
	}
	if s.ReadsByResource[kindImage] != 1 || s.ReadsByResource[kindVersion] != 1 || s.ReadsByResource[kindGallery] != 1 || s.WritesByResource[kindImage] != 1 {
		t.Errorf("by resource: reads %v, writes %v", s.ReadsByResource, s.WritesByResource)
	}
}
