package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// Stats are a group's raw counters, as the kernel gives them; the ECS task
// metadata endpoint builds Docker's stats JSON from them. A counter whose
// controller is not mounted is zero.
type Stats struct {
	CPU    CPUStats
	Memory MemoryStats
	Pids   PidsStats
	BlkIO  BlkIOStats
}

// CPUStats come from cpuacct (usage) and cpu (bandwidth throttling).
type CPUStats struct {
	UsageNs  uint64   // cpuacct.usage: Docker's cpu_usage.total_usage
	PerCPUNs []uint64 // cpuacct.usage_percpu: percpu_usage
	UserNs   uint64   // usage_in_usermode
	SystemNs uint64   // usage_in_kernelmode

	Periods          uint64 // cpu.stat nr_periods: throttling_data.periods
	ThrottledPeriods uint64 // nr_throttled
	ThrottledTimeNs  uint64 // throttled_time

	QuotaUs  int64  // cpu.cfs_quota_us; -1 is unlimited
	PeriodUs uint64 // cpu.cfs_period_us
	Shares   uint64 // cpu.shares
}

// MemoryStats come from the memory controller. Usage includes page cache;
// Docker's CLI subtracts Stat["total_inactive_file"] to show what counts.
type MemoryStats struct {
	Usage     uint64 // memory.usage_in_bytes
	MaxUsage  uint64 // memory.max_usage_in_bytes
	Limit     uint64 // memory.limit_in_bytes (a huge number when unlimited)
	Failcnt   uint64 // memory.failcnt: times usage hit the limit (reclaim included)
	SwapUsage uint64 // memory.memsw.usage_in_bytes (memory+swap), 0 without swap accounting
	SwapLimit uint64 // memory.memsw.limit_in_bytes
	// SwapFailcnt is memory.memsw.failcnt. With swap accounting the kernel
	// charges memory+swap first, so when both limits are equal (as
	// CreateTask sets them) the hits are counted here, not in Failcnt.
	SwapFailcnt uint64
	OOMKills    uint64 // memory.oom_control oom_kill: processes of this group killed by the OOM killer
	UnderOOM    bool   // memory.oom_control under_oom
	Stat        map[string]uint64
	Hierarchic  bool // Stat's total_* fields include child groups (use_hierarchy)
}

// PidsStats come from the pids controller.
type PidsStats struct {
	Current uint64 // pids.current
	Limit   uint64 // pids.max; 0 is "max" (unlimited), as Docker reports it
}

// BlkIOStats come from the blkio controller's throttle counters, which
// count every I/O whatever the scheduler.
type BlkIOStats struct {
	IOServiceBytesRecursive []BlkIOEntry // blkio.throttle.io_service_bytes_recursive
	IOServicedRecursive     []BlkIOEntry // blkio.throttle.io_serviced_recursive
}

// BlkIOEntry is one line of a blkio file, "8:0 Read 4096", as Docker's
// blkio_stats entries.
type BlkIOEntry struct {
	Major, Minor uint64
	Op           string
	Value        uint64
}

// userHZ is the unit of cpuacct.stat (USER_HZ, 100 on every Linux ABI).
const userHZ = 100

// Stats reads the counters of a container's group, or of the task's when
// container is "" (which include its containers'). It fails with an error
// matching fs.ErrNotExist when the group does not exist.
func (m *Manager) Stats(taskID, container string) (Stats, error) {
	var s Stats
	if err := m.valid(taskID, container); err != nil {
		return s, err
	}
	hs, err := hierarchies()
	if err != nil {
		return s, err
	}
	rel := path.Join(m.parent(), taskID, container)
	if !m.exists(hs, rel) {
		return s, fmt.Errorf("cgroups: %s: %w", rel, fs.ErrNotExist)
	}
	r := reader{}
	if dir, ok := hs.dir("cpuacct", rel); ok {
		s.CPU.UsageNs = r.uint(dir, "cpuacct.usage")
		s.CPU.PerCPUNs = r.uints(dir, "cpuacct.usage_percpu")
		if _, err := os.Stat(filepath.Join(dir, "cpuacct.usage_user")); err == nil {
			s.CPU.UserNs = r.uint(dir, "cpuacct.usage_user")
			s.CPU.SystemNs = r.uint(dir, "cpuacct.usage_sys")
		} else {
			st := r.keyed(dir, "cpuacct.stat")
			s.CPU.UserNs = st["user"] * (1e9 / userHZ)
			s.CPU.SystemNs = st["system"] * (1e9 / userHZ)
		}
	}
	if dir, ok := hs.dir("cpu", rel); ok {
		st := r.keyed(dir, "cpu.stat")
		s.CPU.Periods, s.CPU.ThrottledPeriods, s.CPU.ThrottledTimeNs = st["nr_periods"], st["nr_throttled"], st["throttled_time"]
		s.CPU.QuotaUs = r.int(dir, "cpu.cfs_quota_us")
		s.CPU.PeriodUs = r.uint(dir, "cpu.cfs_period_us")
		s.CPU.Shares = r.uint(dir, "cpu.shares")
	}
	if dir, ok := hs.dir("memory", rel); ok {
		mem := &s.Memory
		mem.Usage = r.uint(dir, "memory.usage_in_bytes")
		mem.MaxUsage = r.uint(dir, "memory.max_usage_in_bytes")
		mem.Limit = r.uint(dir, "memory.limit_in_bytes")
		mem.Failcnt = r.uint(dir, "memory.failcnt")
		mem.SwapUsage = r.uint(dir, "memory.memsw.usage_in_bytes")
		mem.SwapLimit = r.uint(dir, "memory.memsw.limit_in_bytes")
		mem.SwapFailcnt = r.uint(dir, "memory.memsw.failcnt")
		oom := r.keyed(dir, "memory.oom_control")
		mem.OOMKills, mem.UnderOOM = oom["oom_kill"], oom["under_oom"] == 1
		mem.Stat = r.keyed(dir, "memory.stat")
		mem.Hierarchic = r.uint(dir, "memory.use_hierarchy") == 1
	}
	if dir, ok := hs.dir("pids", rel); ok {
		s.Pids.Current = r.uint(dir, "pids.current")
		if v := r.string(dir, "pids.max"); v != "max" {
			s.Pids.Limit = r.parse(dir, "pids.max", v)
		}
	}
	if dir, ok := hs.dir("blkio", rel); ok {
		s.BlkIO.IOServiceBytesRecursive = r.blkio(dir, "blkio.throttle.io_service_bytes_recursive")
		s.BlkIO.IOServicedRecursive = r.blkio(dir, "blkio.throttle.io_serviced_recursive")
	}
	if r.err != nil {
		return Stats{}, fmt.Errorf("cgroups: %s: %w", rel, r.err)
	}
	return s, nil
}

// OOMKilled reports whether the OOM killer has killed a process of the
// container's group (memory.oom_control's oom_kill, Linux 4.13+), or, for
// container "", of the task's group or any group below it: in v1 a kill is
// counted only in the victim's own group, even when the task's limit
// caused it. On kernels without oom_kill (before 4.13) it falls back to
// under_oom or a non-zero memory.failcnt (or memsw.failcnt), which shows
// the limit was hit but also counts reclaim that ended well: combine it
// with the exit status (SIGKILL, 137). Recent kernels (6.18 here) keep
// failcnt at 0, so it is no evidence either way there.
func (m *Manager) OOMKilled(taskID, container string) (bool, error) {
	if err := m.valid(taskID, container); err != nil {
		return false, err
	}
	hs, err := hierarchies()
	if err != nil {
		return false, err
	}
	dir, ok := hs.dir("memory", path.Join(m.parent(), taskID, container))
	if !ok {
		return false, nil // no memory controller, no memory OOM
	}
	dirs := []string{dir}
	if container == "" {
		if dirs, err = subgroups(dir); err != nil {
			return false, fmt.Errorf("cgroups: %w", err)
		}
	}
	for _, d := range dirs {
		var r reader
		oom := r.keyed(d, "memory.oom_control")
		killed := oom["oom_kill"] > 0
		if _, ok := oom["oom_kill"]; !ok {
			killed = oom["under_oom"] == 1 || r.uint(d, "memory.failcnt")+r.uint(d, "memory.memsw.failcnt") > 0
		}
		if r.err != nil {
			return false, fmt.Errorf("cgroups: %w", r.err)
		}
		if killed {
			return true, nil
		}
	}
	return false, nil
}

// subgroups returns dir and every group below it.
func subgroups(dir string) ([]string, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, err
	}
	var dirs []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // a container's group removed meanwhile
		}
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return err
	})
	return dirs, err
}

// exists reports whether group rel exists in any hierarchy.
func (m *Manager) exists(hs hierarchySet, rel string) bool {
	for _, h := range hs.unique() {
		if _, err := os.Stat(filepath.Join(h.mountpoint, rel)); err == nil {
			return true
		}
	}
	return false
}

// reader reads control files, keeping the first error; a missing file
// (a controller or feature this kernel lacks) reads as zero.
type reader struct{ err error }

func (r *reader) string(dir, file string) string {
	s, err := readString(dir, file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) && r.err == nil {
		r.err = err
	}
	return s
}

func (r *reader) parse(dir, file, s string) uint64 {
	if s == "" {
		return 0
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("%s: %w", filepath.Join(dir, file), err)
	}
	return v
}

func (r *reader) uint(dir, file string) uint64 { return r.parse(dir, file, r.string(dir, file)) }

func (r *reader) int(dir, file string) int64 {
	s := r.string(dir, file)
	if s == "" {
		return 0
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("%s: %w", filepath.Join(dir, file), err)
	}
	return v
}

func (r *reader) uints(dir, file string) []uint64 {
	var out []uint64
	for _, f := range strings.Fields(r.string(dir, file)) {
		out = append(out, r.parse(dir, file, f))
	}
	return out
}

// keyed reads "key value" lines (cpu.stat, memory.stat, oom_control).
func (r *reader) keyed(dir, file string) map[string]uint64 {
	out := map[string]uint64{}
	for _, line := range strings.Split(r.string(dir, file), "\n") {
		if k, v, ok := strings.Cut(line, " "); ok {
			out[k] = r.parse(dir, file, v)
		}
	}
	return out
}

// blkio reads "major:minor Op value" lines, skipping the "Total" line.
func (r *reader) blkio(dir, file string) []BlkIOEntry {
	var out []BlkIOEntry
	for _, line := range strings.Split(r.string(dir, file), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		maj, min, ok := strings.Cut(f[0], ":")
		if !ok {
			continue
		}
		out = append(out, BlkIOEntry{
			Major: r.parse(dir, file, maj), Minor: r.parse(dir, file, min),
			Op: f[1], Value: r.parse(dir, file, f[2]),
		})
	}
	return out
}

func readString(dir, file string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, file))
	return strings.TrimSpace(string(b)), err
}
