package lb

import (
	"net/netip"
	"slices"
	"strings"
)

// request is what rule conditions look at, taken from an HTTP request once.
type request struct {
	method string
	host   string // Host header, port stripped, lower case
	path   string // URL path, without the query string
	client netip.Addr
}

// condition is a Condition compiled for matching: host patterns lower-cased.
type condition struct {
	paths   []string
	hosts   []string
	methods []string
	sources []netip.Prefix
}

// compileCondition prepares c for match.
func compileCondition(c Condition) condition {
	cc := condition{
		paths:   slices.Clone(c.PathPatterns),
		methods: slices.Clone(c.Methods),
		sources: make([]netip.Prefix, 0, len(c.SourceIPs)),
	}
	for _, h := range c.HostHeaders {
		cc.hosts = append(cc.hosts, strings.ToLower(h))
	}
	for _, p := range c.SourceIPs {
		cc.sources = append(cc.sources, netip.PrefixFrom(p.Addr().Unmap(), unmappedBits(p)).Masked())
	}
	return cc
}

// unmappedBits is p's length once an IPv4-mapped IPv6 prefix is written as
// IPv4, so ::ffff:10.0.0.0/104 and 10.0.0.0/8 match the same clients.
func unmappedBits(p netip.Prefix) int {
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		return p.Bits() - 96
	}
	return p.Bits()
}

// match reports whether every non-empty list of c matches q.
func (c *condition) match(q *request) bool {
	if len(c.paths) > 0 && !anyWildcard(c.paths, q.path) {
		return false
	}
	if len(c.hosts) > 0 && !anyWildcard(c.hosts, q.host) {
		return false
	}
	if len(c.methods) > 0 && !slices.Contains(c.methods, q.method) {
		return false
	}
	if len(c.sources) > 0 && !anyPrefix(c.sources, q.client) {
		return false
	}
	return true
}

func anyWildcard(patterns []string, s string) bool {
	for _, p := range patterns {
		if wildcard(p, s) {
			return true
		}
	}
	return false
}

func anyPrefix(prefixes []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// wildcard reports whether s matches pattern, where * matches any run of
// bytes (also none) and ? exactly one byte; everything else matches itself.
// It runs in O(len(pattern)·len(s)) at worst, without recursion: on a
// mismatch it backtracks to the last * and lets it swallow one more byte.
func wildcard(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0 // position of the last * in pattern, and of s then
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			mark++
			p, i = star+1, mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// rule is a Rule compiled for routing.
type rule struct {
	arn        string
	priority   int
	conditions []condition
	action     *action
}

// matches reports whether every condition of r matches q.
func (r *rule) matches(q *request) bool {
	for i := range r.conditions {
		if !r.conditions[i].match(q) {
			return false
		}
	}
	return true
}

// route returns the action of the first rule (rules are sorted by priority)
// whose conditions all match q, or dflt when none does.
func route(rules []rule, dflt *action, q *request) *action {
	for i := range rules {
		if rules[i].matches(q) {
			return rules[i].action
		}
	}
	return dflt
}
