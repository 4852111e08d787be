package tmds

import (
	"time"

	"github.com/berth-dev/berth/internal/agent/cgroups"
)

// unlimitedMemory is the memory limit Docker reports for a container
// without one: cgroup v1's "no limit" on a 4 KiB-page host.
const unlimitedMemory uint64 = 9223372036854771712

// StatsResponse is a container's stats in Docker's stats JSON, the body of
// /v2/stats/<id>, /v3/<id>/stats and /v4/<id>/stats. Every object is
// complete: counters the host lacks are zeros, arrays are [] not null.
type StatsResponse struct {
	Read         time.Time              `json:"read"`
	PreRead      time.Time              `json:"preread"` // zero (0001-01-01T00:00:00Z) on a first sample
	PidsStats    PidsStats              `json:"pids_stats"`
	BlkioStats   BlkioStats             `json:"blkio_stats"`
	NumProcs     uint32                 `json:"num_procs"` // always 0 on Linux
	StorageStats struct{}               `json:"storage_stats"`
	CPUStats     CPUStats               `json:"cpu_stats"`
	PreCPUStats  CPUStats               `json:"precpu_stats"`
	MemoryStats  MemoryStats            `json:"memory_stats"`
	Name         string                 `json:"name"` // the container's name
	ID           string                 `json:"id"`   // its DockerId
	Networks     map[string]NetCounters `json:"networks"`
	// NetworkRateStats is v4 only.
	NetworkRateStats *NetworkRateStats `json:"network_rate_stats,omitempty"`
}

// PidsStats are the container's process count and limit (0: none).
type PidsStats struct {
	Current uint64 `json:"current"`
	Limit   uint64 `json:"limit"`
}

// BlkioStats are Docker's block I/O counters; berth has the throttle
// counters of io_service_bytes_recursive and io_serviced_recursive, the
// other lists are empty as on a host with no CFQ scheduler.
type BlkioStats struct {
	IOServiceBytesRecursive []BlkioEntry `json:"io_service_bytes_recursive"`
	IOServicedRecursive     []BlkioEntry `json:"io_serviced_recursive"`
	IOQueuedRecursive       []BlkioEntry `json:"io_queue_recursive"`
	IOServiceTimeRecursive  []BlkioEntry `json:"io_service_time_recursive"`
	IOWaitTimeRecursive     []BlkioEntry `json:"io_wait_time_recursive"`
	IOMergedRecursive       []BlkioEntry `json:"io_merged_recursive"`
	IOTimeRecursive         []BlkioEntry `json:"io_time_recursive"`
	SectorsRecursive        []BlkioEntry `json:"sectors_recursive"`
}

// BlkioEntry is one device's counter for one operation (Read, Write, Sync,
// Async, Discard).
type BlkioEntry struct {
	Major uint64 `json:"major"`
	Minor uint64 `json:"minor"`
	Op    string `json:"op"`
	Value uint64 `json:"value"`
}

// CPUStats are a container's cpu time and the host's, in nanoseconds.
type CPUStats struct {
	CPUUsage CPUUsage `json:"cpu_usage"`
	// SystemUsage is the host's total cpu time (all cpus, idle included)
	// as Docker reads it from /proc/stat.
	SystemUsage    uint64         `json:"system_cpu_usage"`
	OnlineCPUs     uint32         `json:"online_cpus"`
	ThrottlingData ThrottlingData `json:"throttling_data"`
}

// CPUUsage is a container's cpu time.
type CPUUsage struct {
	TotalUsage        uint64   `json:"total_usage"`
	PercpuUsage       []uint64 `json:"percpu_usage"`
	UsageInKernelmode uint64   `json:"usage_in_kernelmode"`
	UsageInUsermode   uint64   `json:"usage_in_usermode"`
}

// ThrottlingData are a container's CFS bandwidth throttling counters.
type ThrottlingData struct {
	Periods          uint64 `json:"periods"`
	ThrottledPeriods uint64 `json:"throttled_periods"`
	ThrottledTime    uint64 `json:"throttled_time"`
}

// MemoryStats are a container's memory counters in bytes; Stats holds
// cgroup v1's memory.stat keys.
type MemoryStats struct {
	Usage    uint64            `json:"usage"`
	MaxUsage uint64            `json:"max_usage"`
	Stats    map[string]uint64 `json:"stats"`
	Failcnt  uint64            `json:"failcnt"`
	Limit    uint64            `json:"limit"`
}

// NetworkRateStats are the task's network throughput between the last
// two samples, in bytes per second.
type NetworkRateStats struct {
	RxBytesPerSec float64 `json:"rx_bytes_per_sec"`
	TxBytesPerSec float64 `json:"tx_bytes_per_sec"`
}

// sample is one reading of a container's counters.
type sample struct {
	at     time.Time
	cg     cgroups.Stats
	net    map[string]NetCounters // as Fargate names them (eth1)
	system uint64                 // host cpu time, ns
	cpus   uint32                 // online cpus
}

// reading is a container's latest sample and the one before it, if any.
type reading struct {
	cur, prev sample
	hasPrev   bool
}

// statsResponse converts a reading into Docker's stats JSON; v4 adds the
// network rates.
func statsResponse(name, id string, r reading, v version) *StatsResponse {
	s := &StatsResponse{
		Read:        r.cur.at.UTC(),
		PidsStats:   PidsStats{Current: r.cur.cg.Pids.Current, Limit: r.cur.cg.Pids.Limit},
		BlkioStats:  blkioStats(r.cur.cg.BlkIO),
		CPUStats:    cpuStats(r.cur),
		MemoryStats: memoryStats(r.cur.cg.Memory),
		Name:        name,
		ID:          id,
		Networks:    r.cur.net,
	}
	if s.Networks == nil {
		s.Networks = map[string]NetCounters{}
	}
	if r.hasPrev {
		s.PreRead = r.prev.at.UTC()
		s.PreCPUStats = cpuStats(r.prev)
	} else {
		s.PreCPUStats.CPUUsage.PercpuUsage = []uint64{}
	}
	if v >= v4 {
		s.NetworkRateStats = &NetworkRateStats{}
		if r.hasPrev {
			s.NetworkRateStats.RxBytesPerSec, s.NetworkRateStats.TxBytesPerSec = netRates(r.prev, r.cur)
		}
	}
	return s
}

func cpuStats(smp sample) CPUStats {
	c := smp.cg.CPU
	percpu := c.PerCPUNs
	if percpu == nil {
		percpu = []uint64{}
	}
	return CPUStats{
		CPUUsage: CPUUsage{
			TotalUsage:        c.UsageNs,
			PercpuUsage:       percpu,
			UsageInKernelmode: c.SystemNs,
			UsageInUsermode:   c.UserNs,
		},
		SystemUsage: smp.system,
		OnlineCPUs:  smp.cpus,
		ThrottlingData: ThrottlingData{
			Periods:          c.Periods,
			ThrottledPeriods: c.ThrottledPeriods,
			ThrottledTime:    c.ThrottledTimeNs,
		},
	}
}

func memoryStats(m cgroups.MemoryStats) MemoryStats {
	out := MemoryStats{Usage: m.Usage, MaxUsage: m.MaxUsage, Failcnt: m.Failcnt, Limit: m.Limit, Stats: m.Stat}
	if out.Limit == 0 || out.Limit > unlimitedMemory {
		out.Limit = unlimitedMemory // no memory controller, or a page size other than 4 KiB
	}
	if out.Stats == nil {
		out.Stats = map[string]uint64{}
	}
	return out
}

func blkioStats(b cgroups.BlkIOStats) BlkioStats {
	conv := func(in []cgroups.BlkIOEntry) []BlkioEntry {
		out := make([]BlkioEntry, 0, len(in))
		for _, e := range in {
			out = append(out, BlkioEntry{Major: e.Major, Minor: e.Minor, Op: e.Op, Value: e.Value})
		}
		return out
	}
	return BlkioStats{
		IOServiceBytesRecursive: conv(b.IOServiceBytesRecursive),
		IOServicedRecursive:     conv(b.IOServicedRecursive),
		IOQueuedRecursive:       []BlkioEntry{},
		IOServiceTimeRecursive:  []BlkioEntry{},
		IOWaitTimeRecursive:     []BlkioEntry{},
		IOMergedRecursive:       []BlkioEntry{},
		IOTimeRecursive:         []BlkioEntry{},
		SectorsRecursive:        []BlkioEntry{},
	}
}

// netRates are the received and sent bytes per second between two
// samples, over every interface; a counter that went back (an interface
// made again) counts as no traffic.
func netRates(prev, cur sample) (rx, tx float64) {
	secs := cur.at.Sub(prev.at).Seconds()
	if secs <= 0 {
		return 0, 0
	}
	var drx, dtx uint64
	for name, c := range cur.net {
		p, ok := prev.net[name]
		if !ok {
			continue
		}
		if c.RxBytes >= p.RxBytes {
			drx += c.RxBytes - p.RxBytes
		}
		if c.TxBytes >= p.TxBytes {
			dtx += c.TxBytes - p.TxBytes
		}
	}
	return float64(drx) / secs, float64(dtx) / secs
}

// fargateNetworks renames the task's interfaces as Fargate shows them:
// eth0 (the ENI) is eth1, and lo is left out.
func fargateNetworks(in map[string]NetCounters) map[string]NetCounters {
	out := make(map[string]NetCounters, len(in))
	for name, c := range in {
		switch name {
		case "lo":
		case "eth0":
			out["eth1"] = c
		default:
			out[name] = c
		}
	}
	return out
}
