package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/azgallery/gallery-operator/internal/emulator"
)

// collector keeps a copy of the emulator's ARM request log. The emulator keeps at most 20,000
// entries (and then drops the older half), so the log is fetched every few seconds and merged by
// request id; a fetch that shares no entry with the previous ones means entries may have been lost,
// which is counted in gaps and printed.
type collector struct {
	ctl *emulator.Control

	pollMu sync.Mutex // one fetch at a time
	mu     sync.Mutex
	seen   map[string]struct{}
	recs   []emulator.RequestRecord
	gaps   int
}

func newCollector(ctl *emulator.Control) *collector {
	return &collector{ctl: ctl, seen: map[string]struct{}{}}
}

// poll fetches the log and merges the entries not seen yet.
func (c *collector) poll(ctx context.Context) error {
	c.pollMu.Lock()
	defer c.pollMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	recs, err := c.ctl.Requests(ctx)
	if err != nil {
		return fmt.Errorf("reading the emulator's request log: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	overlap := false
	had := len(c.recs)
	for _, r := range recs {
		key := r.RequestID + "|" + r.Time.Format(time.RFC3339Nano)
		if _, ok := c.seen[key]; ok {
			overlap = true
			continue
		}
		c.seen[key] = struct{}{}
		c.recs = append(c.recs, r)
	}
	if had > 0 && len(recs) > 0 && !overlap {
		c.gaps++
	}
	return nil
}

// run polls every interval until ctx ends.
func (c *collector) run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = c.poll(ctx) // the next poll or the phase's flush reports errors
		}
	}
}

// between returns the requests that started in [from, to), ordered by start time.
func (c *collector) between(from, to time.Time) []emulator.RequestRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []emulator.RequestRecord
	for _, r := range c.recs {
		if !r.Time.Before(from) && r.Time.Before(to) {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// save writes every request collected, one JSON object per line, ordered by start time.
func (c *collector) save(path string) error {
	recs := c.between(time.Time{}, time.Now().Add(time.Hour))
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// lostEntries reports whether the log may have dropped entries between two fetches.
func (c *collector) lostEntries() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gaps
}

// Kinds of ARM requests.
const (
	kindPutGallery = "PUT gallery"
	kindPutImage   = "PUT image"
	kindPutVersion = "PUT version"
	kindPutAppVer  = "PUT application version"
	kindWrite      = "other write"
	kindGet        = "GET resource"
	kindList       = "list page"
	kindPoll       = "operation poll"
	kindDelete     = "DELETE"
	kindOther      = "other"
)

var kindOrder = []string{kindPutGallery, kindPutImage, kindPutVersion, kindPutAppVer, kindWrite, kindGet, kindList, kindPoll, kindDelete, kindOther}

// putOf is the kind of PUT that creates or updates an object of a Kubernetes kind.
var putOf = map[string]string{kindGallery: kindPutGallery, kindImage: kindPutImage, kindVersion: kindPutVersion, kindAppVersion: kindPutAppVer}

// segments splits r's path, lower-cased, without the leading and trailing slash.
func segments(r emulator.RequestRecord) []string {
	p := strings.ToLower(strings.Trim(r.Path, "/"))
	return strings.Split(p, "/")
}

// resourceOf says which of the operator's kinds an ARM request reads or writes, from its path
// (the log has no query): /subscriptions/s/resourcegroups/g/providers/microsoft.compute/ then
// galleries[/x[/images[/i[/versions[/v]]]]] (or /x/share, or /x/applications/a/versions[/v]), a
// list when the path ends in a collection. It is empty for other paths (operation polls, resource
// groups, managed images, the applications themselves, which are no object of the benchmark).
func resourceOf(r emulator.RequestRecord) string {
	segs := segments(r)
	if len(segs) < 7 || segs[0] != "subscriptions" || segs[2] != "resourcegroups" || segs[6] != "galleries" {
		return ""
	}
	switch {
	case len(segs) > 8 && segs[8] == "applications":
		if len(segs) > 10 && len(segs) <= 12 && segs[10] == "versions" {
			return kindAppVersion
		}
		return ""
	case len(segs) <= 8 || segs[8] != "images": // the gallery, or one of its actions (share)
		return kindGallery
	case len(segs) <= 10:
		return kindImage
	case len(segs) <= 12 && segs[10] == "versions":
		return kindVersion
	}
	return ""
}

// classify names the kind of an ARM request from its method and path.
func classify(r emulator.RequestRecord) string {
	segs := segments(r)
	res := resourceOf(r)
	switch r.Method {
	case http.MethodPut, http.MethodPatch:
		if res != "" && len(segs)%2 == 0 { // a resource, not a collection or an action
			return putOf[res]
		}
		return kindWrite
	case http.MethodPost:
		return kindWrite
	case http.MethodDelete:
		return kindDelete
	case http.MethodGet, http.MethodHead:
		p := strings.Join(segs, "/")
		if strings.Contains(p, "/capsoperations/") || strings.Contains(p, "/operationresults/") ||
			strings.Contains(p, "/operations/") || strings.Contains(p, "/asyncoperations/") {
			return kindPoll
		}
		last := segs[len(segs)-1]
		if len(segs)%2 == 1 && (last == "images" || last == "galleries" || last == "versions" || last == "applications" || last == "resourcegroups") {
			return kindList
		}
		return kindGet
	}
	return kindOther
}

// isRead reports whether ARM counts r against the read bucket.
func isRead(r emulator.RequestRecord) bool {
	return r.Method == http.MethodGet || r.Method == http.MethodHead
}

// reqStats counts the ARM requests of a window.
type reqStats struct {
	Total     int            `json:"total"`
	ByKind    map[string]int `json:"byKind"`
	Throttled int            `json:"throttled429"`
	// ThrottledByKind counts the 429s by kind of request.
	ThrottledByKind map[string]int `json:"throttled429ByKind"`
	Reads           int            `json:"reads"`
	ReadsThrottled  int            `json:"readsThrottled429"`
	Writes          int            `json:"writes"`
	// MaxReads1s is the largest number of reads that started within any one second.
	MaxReads1s int `json:"maxReadsIn1s"`
	// ReadsByResource and WritesByResource count the requests by the kind they concern
	// (resourceOf; "" for operation polls and others).
	ReadsByResource  map[string]int `json:"readsByResource"`
	WritesByResource map[string]int `json:"writesByResource"`
}

func statsOf(recs []emulator.RequestRecord) reqStats {
	s := reqStats{ByKind: map[string]int{}, ThrottledByKind: map[string]int{}, ReadsByResource: map[string]int{}, WritesByResource: map[string]int{}}
	var readTimes []time.Time
	for _, r := range recs {
		k := classify(r)
		s.Total++
		s.ByKind[k]++
		if r.Status == http.StatusTooManyRequests {
			s.Throttled++
			s.ThrottledByKind[k]++
		}
		if isRead(r) {
			s.Reads++
			s.ReadsByResource[resourceOf(r)]++
			readTimes = append(readTimes, r.Time)
			if r.Status == http.StatusTooManyRequests {
				s.ReadsThrottled++
			}
		} else {
			s.Writes++
			s.WritesByResource[resourceOf(r)]++
		}
	}
	s.MaxReads1s = maxInWindow(readTimes, time.Second)
	return s
}

// maxInWindow returns the largest number of sorted times within any window of length w.
func maxInWindow(ts []time.Time, w time.Duration) int {
	best, i := 0, 0
	for j := range ts {
		for ts[j].Sub(ts[i]) >= w {
			i++
		}
		if n := j - i + 1; n > best {
			best = n
		}
	}
	return best
}

// printStats prints s as an indented table.
func printStats(s reqStats) {
	fmt.Printf("    %-16s %7s %7s\n", "ARM request", "count", "429s")
	for _, k := range kindOrder {
		if s.ByKind[k] == 0 && s.ThrottledByKind[k] == 0 && (k == kindWrite || k == kindOther) {
			continue
		}
		fmt.Printf("    %-16s %7d %7d\n", k, s.ByKind[k], s.ThrottledByKind[k])
	}
	pct := 0.0
	if s.Total > 0 {
		pct = 100 * float64(s.Throttled) / float64(s.Total)
	}
	fmt.Printf("    %-16s %7d %7d  (%.2f%% throttled; reads %d, writes %d)\n", "total", s.Total, s.Throttled, pct, s.Reads, s.Writes)
}
