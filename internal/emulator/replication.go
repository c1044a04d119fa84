package emulator

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Replication over time, shared by every versioned type that replicates to target regions (image
// versions, application versions, inVMAccessControlProfile versions): each target region
// replicates in turn, ReplicationSecondsPerRegion each, and ends Completed, or Failed when a
// failReplication rule matches the version's id and the region. The version's operation lasts
// until the last region is done and fails with the first failed region's error.

// replicated is resourceData that replicates to target regions.
type replicated interface {
	replication() *replication
}

// replication is a version's replication: its target regions in order (as rendered, display
// names) and the state of each (by canonical name).
type replication struct {
	targets []string
	regions map[string]*regionReplication
}

// regionReplication is the replication of a version to one target region:
// Replicating from start to end, then Completed (or Failed with failure).
type regionReplication struct {
	start, end time.Time
	failure    *apiError
}

// newReplication returns the replication to the target regions (names as rendered).
func newReplication(targets []string) replication {
	return replication{targets: targets, regions: map[string]*regionReplication{}}
}

// replicatedAt reports whether the region (canonical) is replicated at now.
func (r *replication) replicatedAt(region string, now time.Time) bool {
	rr := r.regions[region]
	return rr != nil && rr.failure == nil && !now.Before(rr.end)
}

// replicateLocked schedules the replication of n's target regions that need it (new ones and
// those that failed in old, the replication before this write), one after the other; regions
// already replicated stay Completed, removed regions are dropped. It returns when the last
// replication ends.
func (s *Server) replicateLocked(n *node, r *replication, old *replication) time.Time {
	now := time.Now()
	per := time.Duration(s.settings.ReplicationSecondsPerRegion * float64(time.Second))
	if per < 0 {
		per = 0
	}
	cursor := now
	r.regions = map[string]*regionReplication{}
	for _, t := range r.targets {
		c := canonicalLocation(t)
		if old != nil && old.replicatedAt(c, now) {
			r.regions[c] = old.regions[c]
			continue
		}
		rr := &regionReplication{start: cursor, end: cursor.Add(per)}
		rr.failure = s.replicationFailureLocked(n.id(), c)
		cursor = rr.end
		r.regions[c] = rr
	}
	return cursor
}

// replicationFailureLocked consumes a matching failReplication rule.
func (s *Server) replicationFailureLocked(path, region string) *apiError {
	rules := s.settings.FailReplication
	for i, f := range rules {
		if f.Region != "" && canonicalLocation(f.Region) != region {
			continue
		}
		if f.VersionPathPattern != "" {
			re, err := regexp.Compile("(?i)" + f.VersionPathPattern)
			if err != nil || !re.MatchString(path) {
				continue
			}
		}
		if f.Count > 0 {
			rules[i].Count--
			if rules[i].Count == 0 {
				s.settings.FailReplication = append(rules[:i:i], rules[i+1:]...)
			}
		}
		code, msg := f.Code, f.Message
		if code == "" {
			code = "ReplicationFailed"
		}
		if msg == "" {
			msg = "Replication to region '" + region + "' failed."
		}
		return &apiError{status: http.StatusInternalServerError, Code: code, Message: msg}
	}
	return nil
}

// failure returns the error of the first region set to fail.
func (r *replication) failure() *apiError {
	for _, t := range r.targets {
		if rr := r.regions[canonicalLocation(t)]; rr != nil && rr.failure != nil {
			return rr.failure
		}
	}
	return nil
}

// status renders ReplicationStatus at now.
func (r *replication) status(now time.Time) map[string]any {
	var summary []any
	replicating, failed := false, false
	for _, t := range r.targets {
		rr := r.regions[canonicalLocation(t)]
		st := map[string]any{"region": t, "state": "Unknown", "details": "", "progress": 0}
		switch {
		case rr == nil:
		case now.Before(rr.end):
			replicating = true
			st["state"] = "Replicating"
			if total := rr.end.Sub(rr.start); total > 0 && now.After(rr.start) {
				st["progress"] = int(100 * now.Sub(rr.start) / total)
			}
		case rr.failure != nil:
			failed = true
			st["state"], st["details"] = "Failed", rr.failure.Code+": "+rr.failure.Message
		default:
			st["state"], st["progress"] = "Completed", 100
		}
		summary = append(summary, st)
	}
	agg := "Completed"
	switch {
	case len(summary) == 0:
		agg = "Unknown"
	case replicating:
		agg = "InProgress"
	case failed:
		agg = "Failed"
	}
	return map[string]any{"aggregatedState": agg, "summary": summary}
}

// addStatus adds replicationStatus to a version's rendered properties when the GET asked for it
// ($expand=ReplicationStatus, alone or in a comma-separated list).
func (r *replication) addStatus(m map[string]any, q url.Values) {
	for _, x := range strings.Split(q.Get("$expand"), ",") {
		if strings.EqualFold(strings.TrimSpace(x), "ReplicationStatus") {
			m["replicationStatus"] = r.status(time.Now())
			return
		}
	}
}

// checkRemoval refuses removing a replicated region from a version's targets (old → targets)
// unless allow is set (safetyProfile.allowDeletionOfReplicatedLocations, as the spec documents it;
// code and message are the emulator's guess). field is the targets' property, flag the safety
// property, label names the version.
func (r *replication) checkRemoval(typ *resourceType, targets []string, allow bool, field, flag, label string) *apiError {
	keep := map[string]bool{}
	for _, t := range targets {
		keep[canonicalLocation(t)] = true
	}
	now := time.Now()
	for _, t := range r.targets {
		c := canonicalLocation(t)
		if keep[c] || !r.replicatedAt(c, now) || allow {
			continue
		}
		return invalidProp(typ, field, "Removing the replicated region '%s' from the target regions of %s is not "+
			"allowed unless '%s' is true.", t, label, propPath(typ, flag))
	}
	return nil
}
