package main

import (
	"fmt"
	"math"
)

// writes counts the write requests (PUT/PATCH/POST) of s; DELETEs are not expected in any window.
func writes(s *reqStats) int { return s.ByKind[kindPutImage] + s.ByKind[kindWrite] }

// evaluate compares the figures with the goals of the issue "Throughput at the ARM limit".
func evaluate(o options, r *results) []goal {
	s := r.Settings
	var gs []goal
	add := func(name, measured, bound string, ok bool) {
		gs = append(gs, goal{Name: name, Measured: measured, Bound: bound, Result: verdict(ok)})
	}
	skip := func(name, bound string) {
		gs = append(gs, goal{Name: name, Measured: "skipped", Bound: bound, Result: "SKIP"})
	}
	perSync := float64(o.n) / 50

	limit := 1.15 * r.BoundSeconds
	add("ramp: all Ready within 1.15x the write-bucket bound",
		fmt.Sprintf("%.1fs (%.2fx of %.1fs)", r.ReadySeconds, r.ReadySeconds/r.BoundSeconds, r.BoundSeconds),
		fmt.Sprintf("<= %.1fs", limit), r.ReadySeconds <= limit)
	pct := 0.0
	if r.Ramp.Total > 0 {
		pct = 100 * float64(r.Ramp.Throttled) / float64(r.Ramp.Total)
	}
	add("ramp: fewer than 1% of ARM requests throttled (429)",
		fmt.Sprintf("%.2f%% (%d of %d)", pct, r.Ramp.Throttled, r.Ramp.Total), "< 1%", pct < 1)

	if r.Steady != nil {
		add("at rest: 0 PUTs per sync period", fmt.Sprintf("%d", writes(r.Steady)), "0", writes(r.Steady) == 0)
		add("at rest: <= 1 read per 50 images per sync period",
			fmt.Sprintf("%d reads (%.3f per image)", r.Steady.Reads, float64(r.Steady.Reads)/float64(o.n)),
			fmt.Sprintf("<= %.0f", math.Floor(perSync)), float64(r.Steady.Reads) <= perSync)
	} else {
		skip("at rest: 0 PUTs per sync period", "0")
		skip("at rest: <= 1 read per 50 images per sync period", fmt.Sprintf("<= %.0f", math.Floor(perSync)))
	}

	if r.Restart != nil {
		add("restart: 0 PUTs in the first minute", fmt.Sprintf("%d", writes(r.Restart)), "0", writes(r.Restart) == 0)
		add("restart: <= 1 read per 50 images in the first minute", fmt.Sprintf("%d reads", r.Restart.Reads),
			fmt.Sprintf("<= %.0f", math.Floor(perSync)), float64(r.Restart.Reads) <= perSync)
		add("restart: no burst above the read bucket",
			fmt.Sprintf("max %d reads in 1s, %d reads throttled", r.Restart.MaxReads1s, r.Restart.ReadsThrottled),
			fmt.Sprintf("<= %g in 1s, 0 throttled", s.ReadBurst),
			float64(r.Restart.MaxReads1s) <= s.ReadBurst && r.Restart.ReadsThrottled == 0)
	} else {
		skip("restart: 0 PUTs in the first minute", "0")
		skip("restart: <= 1 read per 50 images in the first minute", fmt.Sprintf("<= %.0f", math.Floor(perSync)))
		skip("restart: no burst above the read bucket", fmt.Sprintf("<= %g in 1s, 0 throttled", s.ReadBurst))
	}

	if len(r.LatencySeconds) > 0 {
		med := median(r.LatencySeconds)
		add(fmt.Sprintf("single image: apply -> Ready within operation + 1s (median of %d)", len(r.LatencySeconds)),
			fmt.Sprintf("median %.2fs, p90 %.2fs", med, percentile(r.LatencySeconds, 0.9)),
			fmt.Sprintf("<= %.1fs", s.OperationSeconds+1), med <= s.OperationSeconds+1)
	} else {
		skip("single image: apply -> Ready within operation + 1s", fmt.Sprintf("<= %.1fs", s.OperationSeconds+1))
	}

	peak := r.ManagerAtRamp.PeakRSSKiB
	for _, m := range r.Managers {
		peak = max(peak, m.PeakRSSKiB)
	}
	name := "manager peak RSS <= 80 MiB at 1,000 images"
	if o.n != 1000 {
		name += fmt.Sprintf(" (measured at N=%d)", o.n)
	}
	add(name, fmt.Sprintf("%.1f MiB", mib(peak)), "<= 80 MiB", mib(peak) <= 80)
	return gs
}

// printSummary prints the goals table and the manager's resource use.
func printSummary(o options, r *results) {
	step("summary (N=%d, %d CPUs, %s)", o.n, r.Machine.CPUs, r.Machine.Model)
	for i, m := range r.Managers {
		fmt.Printf("  manager process %d: peak RSS (VmHWM) %.1f MiB, CPU (utime+stime) %.1fs\n", i+1, mib(m.PeakRSSKiB), m.CPUSeconds)
	}
	if r.LostGaps > 0 {
		fmt.Printf("  WARNING: the emulator's request log may have dropped entries %d time(s); request counts may be low\n", r.LostGaps)
	}
	fmt.Println()
	for _, g := range r.Goals {
		fmt.Printf("  %-4s  %-68s %-40s (goal %s)\n", g.Result, g.Name, g.Measured, g.Bound)
	}
}
