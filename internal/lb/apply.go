package lb

import (
	"fmt"
	"net/netip"
	"slices"
)

// Apply makes cfg the plane's configuration. It is atomic: a Config that
// is invalid (ErrInvalidConfig) or whose load balancer addresses cannot be
// bound changes nothing; otherwise every request that arrives after Apply
// returns is served by cfg, and no connection is dropped. Listeners still
// wanted are kept, new ones are opened before the swap, and those no longer
// wanted are shut down after it, gracefully. Target groups and targets that
// stay keep their health, connections and round-robin position. Applying
// the same Config again changes nothing. Safe for concurrent use (Applies
// are serialized).
func (p *Plane) Apply(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	p.applyMu.Lock()
	defer p.applyMu.Unlock()
	if p.closed {
		return ErrClosed
	}

	p.mu.RLock()
	groups := make(map[string]*group, len(cfg.TargetGroups))
	for _, tg := range cfg.TargetGroups {
		g := p.groups[tg.ARN]
		if g == nil {
			g = newGroup(tg.ARN)
		}
		groups[tg.ARN] = g
	}
	p.mu.RUnlock()
	snap := compile(&cfg, groups, p.hostAddrs)

	// Bind what is new before anything changes, so that a failure leaves
	// the plane as it was.
	opened, err := p.bindNew(snap)
	if err != nil {
		for _, s := range opened {
			_ = s.ln.Close()
		}
		return err
	}

	used := groupSources(&cfg)
	for i := range cfg.TargetGroups {
		tg := &cfg.TargetGroups[i]
		src, inUse := used[tg.ARN]
		p.updateGroup(groups[tg.ARN], tg, inUse, src)
	}
	p.mu.Lock()
	old := p.groups
	p.groups = groups
	p.mu.Unlock()
	for arn, g := range old {
		if groups[arn] == nil {
			retireGroup(g)
		}
	}

	prev := p.snap.Swap(snap)

	for _, s := range opened {
		p.servers[s.key] = s
		p.start(s)
		p.log.Info("load balancer listener opened", "addr", s.key.String(), "host_dispatch", s.host)
	}
	for key, s := range p.servers {
		if _, ok := snap.routes[key]; !ok {
			delete(p.servers, key)
			p.stop(s, prev.idleOf(key))
			p.log.Info("load balancer listener closed", "addr", key.String())
		}
	}
	return nil
}

// bindNew opens the listeners snap serves that are not open yet. A load
// balancer address that fails is an error; a host dispatch address that
// fails is logged (once) and skipped, so a host without IPv6 still serves
// IPv4. On error it returns what it opened, for the caller to close.
func (p *Plane) bindNew(snap *snapshot) ([]*server, error) {
	keys := make([]netip.AddrPort, 0, len(snap.routes))
	for key := range snap.routes {
		if p.servers[key] == nil {
			keys = append(keys, key)
		}
	}
	slices.SortFunc(keys, netip.AddrPort.Compare)
	var opened []*server
	for _, key := range keys {
		host := snap.host[key]
		s, err := p.bind(key, host, snap.idleOf(key))
		switch {
		case err == nil:
			delete(p.hostFailed, key)
			opened = append(opened, s)
		case host && !isLBAddr(snap, key):
			if !p.hostFailed[key] {
				p.log.Warn("cannot serve host dispatch address; skipping it", "addr", key.String(), "err", err)
				p.hostFailed[key] = true
			}
		default:
			return opened, fmt.Errorf("listen on %v for load balancer %s: %w", key, snap.routes[key][0].lb.arn, err)
		}
	}
	return opened, nil
}

// isLBAddr reports whether key is (also) a load balancer's own address.
func isLBAddr(snap *snapshot, key netip.AddrPort) bool {
	if !snap.host[key] {
		return true
	}
	for _, l := range snap.routes[key] {
		if slices.Contains(l.lb.addrs, key.Addr()) {
			return true
		}
	}
	return false
}

// groupSources maps each target group some listener forwards to onto the
// source address its health checks come from: that of the first load
// balancer (in cfg's order) forwarding to it.
func groupSources(cfg *Config) map[string]netip.Addr {
	used := make(map[string]netip.Addr)
	note := func(a Action, src netip.Addr) {
		for _, wg := range a.Forward {
			if _, ok := used[wg.ARN]; !ok {
				used[wg.ARN] = src
			}
		}
	}
	for _, lb := range cfg.LoadBalancers {
		for _, l := range lb.Listeners {
			note(l.Default, lb.Source.Unmap())
			for _, r := range l.Rules {
				note(r.Action, lb.Source.Unmap())
			}
		}
	}
	return used
}

// updateGroup brings g to tg: registers new targets, drains those marked
// draining or gone, re-registers drained ones that came back, and starts or
// stops health checks. The caller holds applyMu.
func (p *Plane) updateGroup(g *group, tg *TargetGroup, inUse bool, src netip.Addr) {
	hc := tg.HealthCheck.withDefaults()
	want := make(map[netip.AddrPort]Target, len(tg.Targets))
	for _, t := range tg.Targets {
		a, _ := targetAddr(tg, t)
		want[a] = t
	}

	g.mu.Lock()
	g.inUse = inUse
	g.checked = inUse && tg.HealthCheck.Enabled
	g.delay = tg.DeregistrationDelay
	g.port = tg.Port
	for a, t := range g.targets {
		tc, ok := want[a]
		if !ok || t.draining.Load() && !tc.Draining {
			// Deregistered, or registered again after draining (which
			// starts over as a new target).
			stopChecks(t)
			t.drain(g.delay)
			delete(g.targets, a)
		}
	}
	for a, tc := range want {
		t := g.targets[a]
		if t == nil {
			t = newTarget(a)
			g.targets[a] = t
		}
		switch {
		case tc.Draining:
			stopChecks(t)
			t.drain(g.delay)
		case g.checked:
			t.checks.Store(newCheckParams(hc, src, a))
			if t.stopChecks == nil {
				t.setHealth(healthRegistering)
				p.startChecks(g, t)
			}
		default:
			stopChecks(t)
		}
	}
	g.mu.Unlock()
	g.refresh()
}

// retireGroup drains every target of a group no longer configured.
func retireGroup(g *group) {
	g.mu.Lock()
	for _, t := range g.targets {
		stopChecks(t)
		t.drain(g.delay)
	}
	g.mu.Unlock()
	g.refresh()
}
