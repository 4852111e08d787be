package lb

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// target is the live state of one registered target, kept across Applies
// while the target stays registered (and not re-registered after draining).
type target struct {
	addr netip.AddrPort
	host string // addr as a URL host

	// life is cancelled when the target's deregistration delay runs out (or
	// the plane closes): requests still in flight to it are cut then.
	life context.Context
	kill context.CancelFunc

	draining atomic.Bool  // no new requests; set once, never cleared
	inflight atomic.Int64 // requests being proxied to it
	pools    sync.Map     // source netip.Addr → *http.Transport

	mu     sync.Mutex
	health healthState // while checked; guarded by mu

	// Owned by Apply (under the plane's applyMu).
	stopChecks context.CancelFunc // nil when no checker runs
	killTimer  *time.Timer
	checks     atomic.Pointer[checkParams] // what the checker checks, updated in place
}

func newTarget(addr netip.AddrPort) *target {
	t := &target{addr: addr, host: addr.String()}
	t.life, t.kill = context.WithCancel(context.Background())
	t.health.Health = healthRegistering
	return t
}

// preferred reports whether t takes requests while its group has healthy
// targets: it is healthy itself.
func (t *target) preferred() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.health.State == StateHealthy
}

// setHealth replaces t's health (used when checks start or stop).
func (t *target) setHealth(h Health) {
	t.mu.Lock()
	t.health = healthState{Health: h}
	t.mu.Unlock()
}

// currentHealth is t's last health.
func (t *target) currentHealth() Health {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.health.Health
}

// drain stops new requests to t and closes its idle connections; requests in
// flight finish, but are cut when delay (if positive) runs out. Safe to call
// more than once; only the first call counts.
func (t *target) drain(delay time.Duration) {
	if t.draining.Swap(true) {
		return
	}
	if delay > 0 {
		t.killTimer = time.AfterFunc(delay, t.kill)
	}
	t.closeIdle()
}

// done ends one proxied request; the connection it used goes idle, and is
// closed at once if the target is draining.
func (t *target) done() {
	if t.inflight.Add(-1) == 0 && t.draining.Load() {
		t.closeIdle()
	}
}

// closeIdle closes the idle keep-alive connections of every pool of t.
func (t *target) closeIdle() {
	t.pools.Range(func(_, v any) bool {
		v.(*http.Transport).CloseIdleConnections()
		return true
	})
}

// close ends t for good: requests in flight are cut and every connection is
// closed. For Plane.Close.
func (t *target) close() {
	t.draining.Store(true)
	t.kill()
	if t.killTimer != nil {
		t.killTimer.Stop()
	}
	t.closeIdle()
}

// transport is t's connection pool for connections from src, made on first
// use.
func (t *target) transport(p *Plane, src netip.Addr) *http.Transport {
	if v, ok := t.pools.Load(src); ok {
		return v.(*http.Transport)
	}
	dst := t.addr
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return p.dialTarget(ctx, src, dst)
		},
		MaxIdleConnsPerHost:    256,
		IdleConnTimeout:        DefaultIdleTimeout,
		DisableCompression:     true,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	v, _ := t.pools.LoadOrStore(src, tr) // a losing tr has no connections
	return v.(*http.Transport)
}

// members is what requests to a group choose from.
type members struct {
	routable []*target // where requests go: see group.refresh
}

// group is the live state of one target group, kept across Applies.
type group struct {
	arn     string
	members atomic.Pointer[members]
	rr      atomic.Uint64 // round-robin position

	mu      sync.Mutex
	targets map[netip.AddrPort]*target // registered, draining ones too
	inUse   bool                       // some listener forwards to it
	checked bool                       // inUse and health checks enabled
	delay   time.Duration              // deregistration delay
	port    uint16                     // the group's traffic port
}

func newGroup(arn string) *group {
	g := &group{arn: arn, targets: make(map[netip.AddrPort]*target)}
	g.members.Store(&members{})
	return g
}

// refresh recomputes the group's members: its healthy (or unchecked)
// targets, or when there is none every target not draining (ALB fails
// open). Called after every change of targets or health.
func (g *group) refresh() {
	g.mu.Lock()
	defer g.mu.Unlock()
	m := &members{}
	var fallback []*target
	for _, t := range g.targets {
		if t.draining.Load() {
			continue
		}
		if !g.checked || t.preferred() {
			m.routable = append(m.routable, t)
		} else {
			fallback = append(fallback, t)
		}
	}
	if len(m.routable) == 0 {
		m.routable = fallback
	}
	sortTargets(m.routable)
	g.members.Store(m)
}

// pick returns the next target in round-robin order, or nil when the group
// has no registered target that is not draining.
func (g *group) pick() *target {
	m := g.members.Load()
	if len(m.routable) == 0 {
		return nil
	}
	return m.routable[(g.rr.Add(1)-1)%uint64(len(m.routable))]
}

// health is t's health as the group sees it; the caller holds g.mu.
func (g *group) health(t *target) Health {
	switch {
	case t.draining.Load():
		return healthDraining
	case !g.inUse:
		return healthUnused
	case !g.checked:
		return healthDisabled
	}
	return t.currentHealth()
}

// sortTargets orders ts by address, so round robin visits targets in a
// stable order whatever the map's iteration order.
func sortTargets(ts []*target) {
	slices.SortFunc(ts, func(a, b *target) int { return a.addr.Compare(b.addr) })
}
