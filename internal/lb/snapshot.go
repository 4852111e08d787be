package lb

import (
	"cmp"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// snapshot is one applied Config, compiled for serving. It is immutable
// once stored (apart from the counters inside actions), so a request reads
// it without locks.
type snapshot struct {
	// routes lists, for each served (address, port), the listeners that
	// answer there: one, or several told apart by the Host header.
	routes map[netip.AddrPort][]*listener
	// host marks the routes on Options.HostAddrs.
	host map[netip.AddrPort]bool
}

// balancer is a compiled LoadBalancer.
type balancer struct {
	arn     string
	dnsName string // lower case, without a final dot
	addrs   []netip.Addr
	source  netip.Addr
	idle    time.Duration
}

// listener is a compiled Listener.
type listener struct {
	arn     string
	lb      *balancer
	port    uint16
	portStr string
	rules   []rule // by ascending priority
	dflt    *action
}

// action is a compiled Action.
type action struct {
	forward  []weighted
	total    int // sum of the weights
	fixed    *FixedResponse
	redirect *Redirect
}

// weighted is a group of a forward action.
type weighted struct {
	g      *group
	weight int
}

// pickGroup chooses the group a forwarded request goes to: at random in
// proportion to the weights (an action's only group always), or nil when
// every weight is 0.
func (a *action) pickGroup() *group {
	if len(a.forward) == 1 {
		return a.forward[0].g
	}
	if a.total == 0 {
		return nil
	}
	n := rand.N(a.total)
	for _, w := range a.forward {
		if n < w.weight {
			return w.g
		}
		n -= w.weight
	}
	return nil // not reached: n < total
}

// compile builds the snapshot of a valid cfg, whose target groups are in
// groups.
func compile(cfg *Config, groups map[string]*group, hostAddrs []netip.Addr) *snapshot {
	s := &snapshot{
		routes: make(map[netip.AddrPort][]*listener),
		host:   make(map[netip.AddrPort]bool),
	}
	add := func(key netip.AddrPort, l *listener) {
		for _, other := range s.routes[key] {
			if other.lb == l.lb {
				return // an address given twice
			}
		}
		s.routes[key] = append(s.routes[key], l)
	}
	for i := range cfg.LoadBalancers {
		c := &cfg.LoadBalancers[i]
		b := &balancer{
			arn:     c.ARN,
			dnsName: strings.TrimSuffix(strings.ToLower(c.DNSName), "."),
			addrs:   unmapAll(c.Addrs),
			source:  c.Source.Unmap(),
			idle:    cmp.Or(c.IdleTimeout, DefaultIdleTimeout),
		}
		for _, lc := range c.Listeners {
			l := compileListener(lc, b, groups)
			for _, a := range b.addrs {
				add(netip.AddrPortFrom(a, lc.Port), l)
			}
			for _, a := range hostAddrs {
				if lc.NoHost {
					break
				}
				key := netip.AddrPortFrom(a.Unmap(), lc.Port)
				add(key, l)
				s.host[key] = true
			}
		}
	}
	for _, ls := range s.routes {
		slices.SortFunc(ls, func(a, b *listener) int {
			return cmp.Or(strings.Compare(a.lb.dnsName, b.lb.dnsName), strings.Compare(a.lb.arn, b.lb.arn))
		})
	}
	return s
}

func compileListener(lc Listener, b *balancer, groups map[string]*group) *listener {
	l := &listener{
		arn:     lc.ARN,
		lb:      b,
		port:    lc.Port,
		portStr: strconv.Itoa(int(lc.Port)),
		dflt:    compileAction(lc.Default, groups),
	}
	l.rules = compileRules(lc.Rules, groups)
	return l
}

// compileRules compiles rules and sorts them by priority.
func compileRules(rules []Rule, groups map[string]*group) []rule {
	out := make([]rule, 0, len(rules))
	for _, r := range rules {
		cr := rule{arn: r.ARN, priority: r.Priority, action: compileAction(r.Action, groups)}
		for _, c := range r.Conditions {
			cr.conditions = append(cr.conditions, compileCondition(c))
		}
		out = append(out, cr)
	}
	slices.SortStableFunc(out, func(a, b rule) int { return cmp.Compare(a.priority, b.priority) })
	return out
}

func compileAction(a Action, groups map[string]*group) *action {
	ca := &action{fixed: a.Fixed, redirect: a.Redirect}
	for _, wg := range a.Forward {
		ca.forward = append(ca.forward, weighted{g: groups[wg.ARN], weight: wg.Weight})
		ca.total += wg.Weight
	}
	if ca.fixed != nil {
		f := *ca.fixed
		ca.fixed = &f
	}
	if ca.redirect != nil {
		r := *ca.redirect
		ca.redirect = &r
	}
	return ca
}

// idleOf is the longest idle timeout of the load balancers served at key:
// the idle timeout of its server, and how long a closing server waits for
// requests in flight.
func (s *snapshot) idleOf(key netip.AddrPort) time.Duration {
	var d time.Duration
	for _, l := range s.routes[key] {
		d = max(d, l.lb.idle)
	}
	return cmp.Or(d, DefaultIdleTimeout)
}

// unmapAll returns addrs with IPv4-mapped IPv6 addresses written as IPv4.
func unmapAll(addrs []netip.Addr) []netip.Addr {
	out := make([]netip.Addr, len(addrs))
	for i, a := range addrs {
		out[i] = a.Unmap()
	}
	return out
}
