package main

import "testing"

// The manager's writes of a kind are its patches and updates, not the bench's own creates nor
// another kind's writes.
func TestManagerWrites(t *testing.T) {
	c := kubeCounts{Writes: map[string]float64{
		"GalleryImage POST -": 1000, "GalleryImage PATCH -": 1000, "GalleryImage PATCH status": 2000,
		"Gallery PATCH status": 7,
	}}
	if got := managerWrites(c, "GalleryImage"); got != 3000 {
		t.Errorf("managerWrites = %v, want 3000 (finalizers and statuses, not the creates)", got)
	}
	if got := kubeWrites(c); got != 4007 {
		t.Errorf("kubeWrites = %v, want 4007", got)
	}
}
