package tmds

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// DefaultStatsInterval is how often Handler.Run samples every container,
// and the age past which a request samples a container again: Fargate's
// preread is about 10 s before read.
const DefaultStatsInterval = 10 * time.Second

// sampler keeps the latest two samples of every container, by DockerId
// (which holds the task id, so ids of different tasks never meet).
type sampler struct {
	src      Source
	interval time.Duration
	now      func() time.Time
	procStat string // /proc/stat
	log      *slog.Logger

	mu        sync.Mutex
	readings  map[string]*reading
	lastPrune time.Time
}

func newSampler(src Source, interval time.Duration, log *slog.Logger) *sampler {
	return &sampler{src: src, interval: interval, now: time.Now, procStat: "/proc/stat", log: log, readings: map[string]*reading{}}
}

// stats returns the readings of containers cs of task t, sampling again
// those whose latest sample is maxAge old or older; a container whose
// counters cannot be read (not started, or gone) has ok false.
func (s *sampler) stats(t *Task, cs []*Container, maxAge time.Duration) (out []reading, ok []bool) {
	out, ok = make([]reading, len(cs)), make([]bool, len(cs))
	now := s.now()
	var stale []int
	s.mu.Lock()
	for i, c := range cs {
		if r := s.readings[c.DockerID]; r != nil && now.Sub(r.cur.at) < maxAge {
			out[i], ok[i] = *r, true
		} else {
			stale = append(stale, i)
		}
	}
	s.mu.Unlock()
	if len(stale) == 0 {
		return out, ok
	}

	// Read outside the lock: a request for one task must not wait for
	// another task's cgroups and namespace.
	system, cpus, err := readProcStat(s.procStat)
	if err != nil {
		s.log.Warn("stats: read host cpu time", "err", err)
	}
	raw, err := s.src.NetStats(t)
	if err != nil {
		s.log.Debug("stats: read task network counters", "task", t.Spec.TaskID, "err", err)
	}
	net := fargateNetworks(raw)
	fresh := make(map[int]sample, len(stale))
	for _, i := range stale {
		cg, err := s.src.ContainerStats(t, cs[i])
		if err != nil {
			continue
		}
		fresh[i] = sample{at: s.now(), cg: cg, net: net, system: system, cpus: cpus}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for i, smp := range fresh {
		id := cs[i].DockerID
		r := s.readings[id]
		switch {
		case r == nil:
			r = &reading{cur: smp}
			s.readings[id] = r
		case now.Sub(r.cur.at) >= maxAge && smp.at.After(r.cur.at):
			r.prev, r.cur, r.hasPrev = r.cur, smp, true
		default:
			// Another caller sampled it meanwhile: keep theirs, so the
			// two samples stay an interval apart.
		}
		out[i], ok[i] = *r, true
	}
	s.pruneLocked(now)
	return out, ok
}

// pruneLocked drops, at most once an interval, the readings of containers
// nobody has sampled for three intervals: stopped containers, and tasks
// that went.
func (s *sampler) pruneLocked(now time.Time) {
	if now.Sub(s.lastPrune) < s.interval {
		return
	}
	s.lastPrune = now
	for id, r := range s.readings {
		if now.Sub(r.cur.at) > 3*s.interval {
			delete(s.readings, id)
		}
	}
}

// run samples every container of every task each interval until ctx
// ends. A container sampled by a request within the last half interval
// is left alone, so that its two samples stay about an interval apart.
func (s *sampler) run(ctx context.Context) {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		for _, task := range s.src.Tasks() {
			if ctx.Err() != nil {
				return
			}
			s.stats(task, task.Containers, s.interval/2)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
