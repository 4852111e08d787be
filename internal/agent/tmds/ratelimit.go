package tmds

import (
	"net/netip"
	"sync"
	"time"
)

// Defaults of the per-caller rate limit, as the ECS agent's
// ECS_TASK_METADATA_RPS_LIMIT defaults: 40 requests a second steady, in
// bursts of up to 60.
const (
	DefaultRateLimit = 40
	DefaultRateBurst = 60
)

// limiter is a token bucket per caller address.
type limiter struct {
	rate  float64 // tokens a second
	burst float64

	mu        sync.Mutex
	buckets   map[netip.Addr]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(rate float64, burst int) *limiter {
	return &limiter{rate: rate, burst: float64(burst), buckets: map[netip.Addr]*bucket{}}
}

// allow takes a token of caller a's bucket, if it has one.
func (l *limiter) allow(a netip.Addr, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweepLocked(now)
	b := l.buckets[a]
	if b == nil {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[a] = b
	}
	if dt := now.Sub(b.at).Seconds(); dt > 0 {
		b.tokens = min(l.burst, b.tokens+dt*l.rate)
		b.at = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// sweepLocked drops, at most once a minute, the buckets that have filled
// up again: they are as good as new, so the map holds only recent callers.
func (l *limiter) sweepLocked(now time.Time) {
	if now.Sub(l.lastSweep) < time.Minute {
		return
	}
	l.lastSweep = now
	for a, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, a)
		}
	}
}
