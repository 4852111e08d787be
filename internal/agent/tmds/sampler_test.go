package tmds

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"
)

func getStats(t *testing.T, e *testEnv, path string) StatsResponse {
	t.Helper()
	w := e.get(addrA, path)
	var s StatsResponse
	if err := json.Unmarshal(w.Body.Bytes(), &s); err != nil {
		t.Fatalf("%d %s: %v", w.Code, w.Body, err)
	}
	return s
}

func TestSamplerPreviousSample(t *testing.T) {
	e := newTestEnv(t)
	app := e.a.Containers[0].DockerID
	path := "/v4/" + app + "/stats"

	first := getStats(t, e, path)
	if !first.PreRead.IsZero() || first.PreCPUStats.CPUUsage.TotalUsage != 0 || first.PreCPUStats.SystemUsage != 0 ||
		first.PreCPUStats.CPUUsage.PercpuUsage == nil || *first.NetworkRateStats != (NetworkRateStats{}) {
		t.Errorf("first sample: preread %v, precpu %+v, rates %+v; want zeros", first.PreRead, first.PreCPUStats, first.NetworkRateStats)
	}
	reads := e.src.reads

	// Within the interval the same sample is served, not read again.
	e.clock.add(4 * time.Second)
	e.src.setStats(app, fixtureStats(9_000_000_000, 1<<20))
	again := getStats(t, e, path)
	if e.src.reads != reads || !again.Read.Equal(first.Read) || again.CPUStats.CPUUsage.TotalUsage != 2_000_000_000 {
		t.Errorf("within the interval: %d reads (had %d), read %v, usage %d", e.src.reads, reads, again.Read, again.CPUStats.CPUUsage.TotalUsage)
	}

	// Past it, a new sample, with the old one as precpu.
	e.clock.add(6 * time.Second)
	e.src.setNet(taskIDA, map[string]NetCounters{"eth0": {RxBytes: 10000 + 4000, TxBytes: 5000 + 1000}})
	next := getStats(t, e, path)
	if !next.PreRead.Equal(first.Read) || next.Read.Sub(first.Read) != 10*time.Second ||
		next.PreCPUStats.CPUUsage.TotalUsage != 2_000_000_000 || next.CPUStats.CPUUsage.TotalUsage != 9_000_000_000 {
		t.Errorf("second sample: read %v preread %v, usage %d precpu %d", next.Read, next.PreRead, next.CPUStats.CPUUsage.TotalUsage, next.PreCPUStats.CPUUsage.TotalUsage)
	}
	if *next.NetworkRateStats != (NetworkRateStats{RxBytesPerSec: 400, TxBytesPerSec: 100}) {
		t.Errorf("rates %+v, want 400 and 100 B/s", next.NetworkRateStats)
	}

	// A counter that went back (an interface made again) is no traffic.
	e.clock.add(10 * time.Second)
	e.src.setNet(taskIDA, map[string]NetCounters{"eth0": {RxBytes: 10, TxBytes: 7000}})
	if r := getStats(t, e, path).NetworkRateStats; *r != (NetworkRateStats{RxBytesPerSec: 0, TxBytesPerSec: 100}) {
		t.Errorf("rates after a reset %+v", r)
	}
}

func TestSamplerMemoryLimit(t *testing.T) {
	e := newTestEnv(t)
	app := e.a.Containers[0].DockerID
	s := fixtureStats(1, 1<<20)
	s.Memory.Limit, s.Memory.Stat = 0, nil // no memory controller
	e.src.setStats(app, s)
	got := getStats(t, e, "/v4/"+app+"/stats")
	if got.MemoryStats.Limit != 9223372036854771712 || got.MemoryStats.Stats == nil {
		t.Errorf("memory_stats %+v", got.MemoryStats)
	}
	s.Memory.Limit = 256 << 20
	e.src.setStats(app, s)
	e.clock.add(time.Minute)
	if got := getStats(t, e, "/v4/"+app+"/stats"); got.MemoryStats.Limit != 256<<20 {
		t.Errorf("limit %d, want the cgroup's", got.MemoryStats.Limit)
	}
}

func TestSamplerPrune(t *testing.T) {
	e := newTestEnv(t)
	e.get(addrA, "/v4/"+e.a.Containers[0].DockerID+"/stats")
	if len(e.h.stats.readings) != 1 {
		t.Fatalf("%d readings", len(e.h.stats.readings))
	}
	// Task A went; B's container is sampled 40 s later.
	e.clock.add(40 * time.Second)
	e.src.setStats(e.b.Containers[0].DockerID, fixtureStats(1, 1<<20))
	e.get(addrB, "/v4/"+e.b.Containers[0].DockerID+"/stats")
	if _, ok := e.h.stats.readings[e.a.Containers[0].DockerID]; ok || len(e.h.stats.readings) != 1 {
		t.Errorf("readings after 4 intervals: %v, want only B's", len(e.h.stats.readings))
	}
}

func TestRunSamples(t *testing.T) {
	a := fixtureTask(taskIDA, addrA)
	src := newFakeSource(a)
	src.setStats(a.Containers[0].DockerID, fixtureStats(1, 1<<20))
	src.setNet(taskIDA, map[string]NetCounters{"eth0": {}})
	h := NewHandler(src, WithStatsInterval(20*time.Millisecond), WithLogger(slog.New(slog.DiscardHandler)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	deadline := time.Now().Add(5 * time.Second)
	for {
		h.stats.mu.Lock()
		r := h.stats.readings[a.Containers[0].DockerID]
		hasPrev := r != nil && r.hasPrev
		var gap time.Duration
		if hasPrev {
			gap = r.cur.at.Sub(r.prev.at)
		}
		h.stats.mu.Unlock()
		if hasPrev {
			if gap < 10*time.Millisecond {
				t.Errorf("samples %v apart, want about the interval", gap)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run took no second sample within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	h.stats.mu.Lock()
	_, ok := h.stats.readings[a.Containers[1].DockerID]
	h.stats.mu.Unlock()
	if ok {
		t.Error("a container without stats has a reading")
	}
}
