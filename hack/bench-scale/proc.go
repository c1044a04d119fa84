package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// procStats is what /proc says about a process.
type procStats struct {
	// PeakRSSKiB is VmHWM, the peak resident set size.
	PeakRSSKiB int64 `json:"peakRssKiB"`
	// RSSKiB is VmRSS, the resident set size now.
	RSSKiB int64 `json:"rssKiB"`
	// CPUSeconds is utime+stime.
	CPUSeconds float64 `json:"cpuSeconds"`
}

// clockTicks is USER_HZ, which is 100 on every Linux architecture Go supports (the kernel's
// CONFIG_HZ does not change it).
const clockTicks = 100

// readProc reads VmHWM and VmRSS from /proc/<pid>/status and utime+stime from /proc/<pid>/stat.
func readProc(pid int) (procStats, error) {
	var ps procStats
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ps, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		switch fields[0] {
		case "VmHWM:":
			ps.PeakRSSKiB, _ = strconv.ParseInt(fields[1], 10, 64)
		case "VmRSS:":
			ps.RSSKiB, _ = strconv.ParseInt(fields[1], 10, 64)
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ps, err
	}
	// The command name (field 2) may contain spaces; the fields after it start at state (field 3).
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ps, fmt.Errorf("unexpected /proc/%d/stat: %q", pid, s)
	}
	rest := strings.Fields(s[i+1:])
	// rest[0] is field 3 (state); utime is field 14, stime field 15.
	if len(rest) < 13 {
		return ps, fmt.Errorf("unexpected /proc/%d/stat: %q", pid, s)
	}
	utime, err1 := strconv.ParseInt(rest[11], 10, 64)
	stime, err2 := strconv.ParseInt(rest[12], 10, 64)
	if err1 != nil || err2 != nil {
		return ps, fmt.Errorf("unexpected /proc/%d/stat: %q", pid, s)
	}
	ps.CPUSeconds = float64(utime+stime) / clockTicks
	return ps, nil
}

// machine describes this machine for the report.
type machine struct {
	CPUs    int    `json:"cpus"`
	Model   string `json:"cpuModel"`
	LoadAvg string `json:"loadAvgAtStart"`
	Go      string `json:"go"`
}

func describeMachine() machine {
	m := machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), Model: "unknown"}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.Model = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	return m
}

// loadAvg returns the 1-minute load average now.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

func mib(kib int64) float64 { return float64(kib) / 1024 }

// pidsOf finds the processes whose command line has an argument equal to name or ending in
// "/"+name, and an argument containing marker (the bench's work directory, so that another
// kube-apiserver on the machine is not counted).
func pidsOf(name, marker string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil || len(raw) == 0 {
			continue
		}
		args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
		if (args[0] == name || strings.HasSuffix(args[0], "/"+name)) && strings.Contains(string(raw), marker) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// cpuOf is the CPU seconds (utime+stime) the processes of name (see pidsOf) have used so far.
func cpuOf(name, marker string) float64 {
	var total float64
	for _, pid := range pidsOf(name, marker) {
		if ps, err := readProc(pid); err == nil {
			total += ps.CPUSeconds
		}
	}
	return total
}

// controlPlaneCPU is the CPU seconds the bench's kube-apiserver (its certificates are under dir)
// and its etcd (the one at the kube-apiserver's --etcd-servers) have used so far.
func controlPlaneCPU(dir string) (apiserver, etcd float64) {
	for _, pid := range pidsOf("kube-apiserver", dir) {
		if ps, err := readProc(pid); err == nil {
			apiserver += ps.CPUSeconds
		}
		raw, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		for _, arg := range strings.Split(string(raw), "\x00") {
			if url, ok := strings.CutPrefix(arg, "--etcd-servers="); ok {
				etcd += cpuOf("etcd", strings.TrimPrefix(strings.Split(url, ",")[0], "http://"))
			}
		}
	}
	return apiserver, etcd
}
