package lb

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// ErrInvalidConfig is wrapped by every error Apply returns for a Config it
// refuses; the message says which object and field are wrong. A refused
// Config changes nothing.
var ErrInvalidConfig = errors.New("invalid load balancer config")

// invalid makes an error that wraps ErrInvalidConfig.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidConfig, fmt.Sprintf(format, args...))
}

// Validate reports every problem of cfg that would make Apply refuse it,
// joined into one error (nil when there is none).
func (cfg *Config) Validate() error {
	var errs []error
	groups := make(map[string]bool, len(cfg.TargetGroups))
	for i := range cfg.TargetGroups {
		tg := &cfg.TargetGroups[i]
		if tg.ARN == "" {
			errs = append(errs, invalid("target group %d has no ARN", i))
			continue
		}
		if groups[tg.ARN] {
			errs = append(errs, invalid("target group %s appears twice", tg.ARN))
		}
		groups[tg.ARN] = true
		errs = append(errs, validateGroup(tg)...)
	}
	lbs := make(map[string]bool, len(cfg.LoadBalancers))
	for i := range cfg.LoadBalancers {
		lb := &cfg.LoadBalancers[i]
		if lb.ARN == "" {
			errs = append(errs, invalid("load balancer %d (%q) has no ARN", i, lb.DNSName))
			continue
		}
		if lbs[lb.ARN] {
			errs = append(errs, invalid("load balancer %s appears twice", lb.ARN))
		}
		lbs[lb.ARN] = true
		errs = append(errs, validateLB(lb, groups)...)
	}
	return errors.Join(errs...)
}

func validateGroup(tg *TargetGroup) []error {
	var errs []error
	if tg.DeregistrationDelay < 0 {
		errs = append(errs, invalid("target group %s: negative deregistration delay %v", tg.ARN, tg.DeregistrationDelay))
	}
	if tg.HealthCheck.Enabled {
		hc := tg.HealthCheck.withDefaults()
		if hc.Interval <= 0 || hc.Timeout <= 0 || hc.Timeout >= hc.Interval {
			errs = append(errs, invalid("target group %s: health check timeout %v must be positive and less than the interval %v",
				tg.ARN, hc.Timeout, hc.Interval))
		}
		if hc.HealthyThreshold < 1 || hc.UnhealthyThreshold < 1 {
			errs = append(errs, invalid("target group %s: health check thresholds must be at least 1 (healthy %d, unhealthy %d)",
				tg.ARN, hc.HealthyThreshold, hc.UnhealthyThreshold))
		}
		if !strings.HasPrefix(hc.Path, "/") {
			errs = append(errs, invalid("target group %s: health check path %q must start with /", tg.ARN, hc.Path))
		}
		if _, err := parseMatcher(hc.Matcher); err != nil {
			errs = append(errs, invalid("target group %s: %v", tg.ARN, err))
		}
	}
	seen := make(map[netip.AddrPort]bool, len(tg.Targets))
	for _, t := range tg.Targets {
		a, ok := targetAddr(tg, t)
		if !ok {
			errs = append(errs, invalid("target group %s: target %v needs an address and a port (the group has port %d)",
				tg.ARN, t.Addr, tg.Port))
			continue
		}
		if seen[a] {
			errs = append(errs, invalid("target group %s: target %v is registered twice", tg.ARN, a))
		}
		seen[a] = true
	}
	return errs
}

// targetAddr is where t is reached: its address, with the group's port when
// its own is 0.
func targetAddr(tg *TargetGroup, t Target) (netip.AddrPort, bool) {
	port := t.Addr.Port()
	if port == 0 {
		port = tg.Port
	}
	a := t.Addr.Addr().Unmap()
	return netip.AddrPortFrom(a, port), a.IsValid() && port != 0
}

func validateLB(lb *LoadBalancer, groups map[string]bool) []error {
	var errs []error
	for _, a := range lb.Addrs {
		if !a.IsValid() {
			errs = append(errs, invalid("load balancer %s: an address is empty", lb.ARN))
		}
	}
	if lb.IdleTimeout < 0 {
		errs = append(errs, invalid("load balancer %s: negative idle timeout %v", lb.ARN, lb.IdleTimeout))
	}
	ports := make(map[uint16]bool, len(lb.Listeners))
	for _, l := range lb.Listeners {
		where := fmt.Sprintf("load balancer %s: listener %s", lb.ARN, l.ARN)
		if l.Port == 0 {
			errs = append(errs, invalid("%s: port 0; a listener port is 1 to 65535", where))
		} else if ports[l.Port] {
			errs = append(errs, invalid("%s: port %d is used by another listener of the load balancer", where, l.Port))
		}
		ports[l.Port] = true
		errs = append(errs, validateAction(where+": default action", l.Default, groups)...)
		prios := make(map[int]string, len(l.Rules))
		for _, r := range l.Rules {
			rwhere := fmt.Sprintf("%s: rule %s", where, r.ARN)
			if other, dup := prios[r.Priority]; dup {
				errs = append(errs, invalid("%s: priority %d is also rule %s's", rwhere, r.Priority, other))
			}
			prios[r.Priority] = r.ARN
			for _, c := range r.Conditions {
				errs = append(errs, validateCondition(rwhere, c)...)
			}
			errs = append(errs, validateAction(rwhere, r.Action, groups)...)
		}
	}
	return errs
}

func validateCondition(where string, c Condition) []error {
	var errs []error
	for _, p := range c.SourceIPs {
		if !p.IsValid() {
			errs = append(errs, invalid("%s: a source-ip condition has an invalid CIDR block", where))
		}
	}
	for _, lists := range [][]string{c.PathPatterns, c.HostHeaders, c.Methods} {
		for _, v := range lists {
			if v == "" {
				errs = append(errs, invalid("%s: a condition has an empty value", where))
			}
		}
	}
	return errs
}

func validateAction(where string, a Action, groups map[string]bool) []error {
	kinds := 0
	for _, set := range []bool{len(a.Forward) > 0, a.Fixed != nil, a.Redirect != nil} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return []error{invalid("%s: an action needs exactly one of forward, fixed-response and redirect (has %d)", where, kinds)}
	}
	var errs []error
	seen := make(map[string]bool, len(a.Forward))
	for _, wg := range a.Forward {
		switch {
		case !groups[wg.ARN]:
			errs = append(errs, invalid("%s: forwards to target group %q, which is not in the config", where, wg.ARN))
		case seen[wg.ARN]:
			errs = append(errs, invalid("%s: target group %s appears twice in one forward action", where, wg.ARN))
		}
		seen[wg.ARN] = true
		if wg.Weight < 0 || wg.Weight > 999 {
			errs = append(errs, invalid("%s: target group %s has weight %d; weights are 0 to 999", where, wg.ARN, wg.Weight))
		}
	}
	if f := a.Fixed; f != nil {
		if c := f.StatusCode / 100; c != 2 && c != 4 && c != 5 {
			errs = append(errs, invalid("%s: fixed-response status %d is not 2XX, 4XX or 5XX", where, f.StatusCode))
		}
	}
	if r := a.Redirect; r != nil {
		if r.StatusCode != 301 && r.StatusCode != 302 {
			errs = append(errs, invalid("%s: redirect status %d is not 301 or 302", where, r.StatusCode))
		}
		switch strings.ToUpper(r.Protocol) {
		case "", "HTTP", "HTTPS", "#{PROTOCOL}":
		default:
			errs = append(errs, invalid("%s: redirect protocol %q is not HTTP, HTTPS or #{protocol}", where, r.Protocol))
		}
		if r.Path != "" && !strings.HasPrefix(r.Path, "/") {
			errs = append(errs, invalid("%s: redirect path %q must start with /", where, r.Path))
		}
	}
	return errs
}
