package server

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/agent/tasknet"
	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/awsapi/ecs"
	"github.com/berth-dev/berth/internal/awsapi/elbv2"
	"github.com/berth-dev/berth/internal/lb"
	"github.com/berth-dev/berth/internal/network/firewall"
	"github.com/berth-dev/berth/internal/network/router"
)

// The load balancers' data plane: every change of an ELBv2 record
// rebuilds the configuration from elbv2.Snapshot, puts the load balancers'
// addresses and ports in their VPCs' routers (tasknet) and applies it to
// the proxy (package lb), whose health checks feed DescribeTargetHealth
// and the ECS service controller.

// lbSettle lets a burst of ELBv2 changes (a CreateService registering ten
// targets) gather into one rebuild.
const lbSettle = 50 * time.Millisecond

// DefaultELBHostAddrs are the host addresses every listener is also served
// on, by Host header: curl maps <name>.elb.localhost to them.
var DefaultELBHostAddrs = []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}

// lbNet is lb.Net over the VPC routers of this host's agent.
type lbNet struct{ net *tasknet.Manager }

func (n lbNet) Listen(addr netip.AddrPort) (net.Listener, error) {
	return n.net.LoadBalancerListen(addr)
}

func (n lbNet) Dial(ctx context.Context, src netip.Addr, dst netip.AddrPort) (net.Conn, error) {
	return n.net.LoadBalancerDial(ctx, src, dst)
}

// planeHealth is elbv2.HealthSource over the proxy's health checks.
type planeHealth struct{ plane *lb.Plane }

func (h planeHealth) TargetHealth(targetGroupARN, ip string, port int) (elbv2.Health, bool) {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return elbv2.Health{}, false
	}
	v, ok := h.plane.TargetHealth(targetGroupARN, netip.AddrPortFrom(a, uint16(port)))
	return elbv2.Health{State: v.State, Reason: v.Reason, Description: v.Description}, ok
}

// startLoadBalancers makes the data plane and serves it until ctx ends;
// stop (after ctx ends) waits for it to end and takes the load balancers
// out of their routers (those without tasks go): while berth is down,
// nothing answers on their addresses.
func (s *Server) startLoadBalancers(ctx context.Context) (stop func()) {
	plane := lb.New(lb.Options{Net: lbNet{s.agent.net}, Log: s.log.With("component", "elb"), HostAddrs: s.cfg.ELBHostAddrs})
	s.elbv2.SetHealthSource(planeHealth{plane})
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.runLoadBalancers(ctx, plane)
	}()
	return func() {
		<-done
		s.elbv2.SetHealthSource(nil)
		_ = plane.Close()
		if err := s.agent.net.SetLoadBalancers(context.Background(), nil); err != nil {
			s.log.Warn("taking load balancers out of their VPC routers", "err", err)
		}
	}
}

// runLoadBalancers rebuilds the data plane on every change, and every
// 30 s regardless (a missed event, a failed apply).
func (s *Server) runLoadBalancers(ctx context.Context, plane *lb.Plane) {
	changed := make(chan struct{}, 1)
	poke := func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	for _, prefix := range elbv2.WatchPrefixes() {
		go func() {
			for ctx.Err() == nil {
				for range s.store.Watch(ctx, prefix, 0) {
					poke()
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
	}
	// Security group changes (rules, members) change who may reach the
	// listeners.
	if sg, err := s.ec2.NetworkChanges(ctx); err == nil {
		go func() {
			for range sg {
				poke()
			}
		}()
	} else {
		s.log.Warn("load balancers will not follow security group changes", "err", err)
	}
	poke()
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-tick.C:
		}
		time.Sleep(lbSettle)
		if err := s.applyLoadBalancers(ctx, plane); err != nil && ctx.Err() == nil {
			s.log.Warn("load balancer data plane not up to date; retrying", "err", err)
			time.AfterFunc(time.Second, poke)
		}
	}
}

func (s *Server) applyLoadBalancers(ctx context.Context, plane *lb.Plane) error {
	snap, err := s.elbv2.Snapshot(ctx)
	if err != nil {
		return err
	}
	policies := map[string]*agentapi.SecurityPolicy{}
	for _, l := range snap.LoadBalancers {
		p, err := s.ec2.SecurityPolicy(ctx, l.Account, l.Region, l.SecurityGroups)
		if err != nil {
			return err
		}
		policies[l.ARN] = p
	}
	cfg, sites := planeConfig(snap, policies)
	for i := range sites {
		vpc, err := s.ec2.VPC(ctx, sites[i].Account, sites[i].Region, sites[i].VpcID)
		if err != nil {
			return err
		}
		if vpc != nil {
			sites[i].VpcCIDRs = vpc.CIDRs
		}
	}
	err = s.agent.net.SetLoadBalancers(ctx, sites)
	// The plane gets what it can serve even when a router failed: the
	// load balancers of other VPCs go on.
	return errors.Join(err, plane.Apply(cfg))
}

// planeConfig turns the ELBv2 records into the proxy's configuration and
// the routers' load balancer sites; policies are the load balancers'
// security groups (by ARN), which say who may reach each listener.
func planeConfig(snap *elbv2.Snapshot, policies map[string]*agentapi.SecurityPolicy) (lb.Config, []tasknet.LBSite) {
	var cfg lb.Config
	sites := map[string]*tasknet.LBSite{}
	var order []string
	for _, l := range snap.LoadBalancers {
		v := lb.LoadBalancer{ARN: l.ARN, DNSName: l.DNSName, IdleTimeout: l.IdleTimeout}
		for _, e := range l.ENIs {
			v.Addrs = append(v.Addrs, e.PrivateIP)
		}
		if len(v.Addrs) > 0 {
			v.Source = v.Addrs[0]
		}
		key := l.Account + "/" + l.Region + "/" + l.VpcID
		site := sites[key]
		if site == nil {
			site = &tasknet.LBSite{Account: l.Account, Region: l.Region, VpcID: l.VpcID}
			sites[key] = site
			order = append(order, key)
		}
		site.Addrs = append(site.Addrs, v.Addrs...)
		if site.Names == nil {
			site.Names = map[string][]netip.Addr{}
		}
		site.Names[strings.ToLower(l.DNSName)] = v.Addrs
		for _, ln := range l.Listeners {
			admit := admitted(policies[l.ARN], l.SecurityGroups, ln.Port)
			pl := lb.Listener{ARN: ln.ARN, Port: uint16(ln.Port), Default: planeAction(ln.DefaultActions),
				NoHost: !slices.ContainsFunc(admit, func(p netip.Prefix) bool { return p.Contains(router.HostLinkAddr) })}
			for _, r := range ln.Rules {
				pl.Rules = append(pl.Rules, lb.Rule{ARN: r.ARN, Priority: r.Priority, Conditions: planeConditions(r.Conditions), Action: planeAction(r.Actions)})
			}
			v.Listeners = append(v.Listeners, pl)
			site.Listeners = append(site.Listeners, tasknet.LBListener{Addrs: v.Addrs, Port: uint16(ln.Port), Admit: admit})
		}
		cfg.LoadBalancers = append(cfg.LoadBalancers, v)
	}
	for _, tg := range snap.TargetGroups {
		hc := tg.HealthCheck
		v := lb.TargetGroup{ARN: tg.ARN, Port: uint16(tg.Port), DeregistrationDelay: tg.DeregistrationDelay,
			HealthCheck: lb.HealthCheck{Enabled: hc.Enabled, Path: hc.Path, Interval: hc.Interval, Timeout: hc.Timeout,
				HealthyThreshold: hc.HealthyThreshold, UnhealthyThreshold: hc.UnhealthyThreshold, Matcher: hc.Matcher}}
		if p, err := strconv.Atoi(hc.Port); err == nil {
			v.HealthCheck.Port = uint16(p)
		}
		for _, t := range tg.Targets {
			v.Targets = append(v.Targets, lb.Target{Addr: netip.AddrPortFrom(t.IP, uint16(t.Port)), Draining: t.Draining})
		}
		cfg.TargetGroups = append(cfg.TargetGroups, v)
	}
	out := make([]tasknet.LBSite, 0, len(order))
	for _, k := range order {
		out = append(out, *sites[k])
	}
	return cfg, out
}

// admitted are the sources a load balancer's security groups let reach a
// TCP port: the CIDRs and the members of the groups named by their ingress
// rules that cover it, as a task's firewall reads them. The host counts as
// HostLinkAddr (where its connections to a VPC come from), so "0.0.0.0/0"
// admits it.
func admitted(policy *agentapi.SecurityPolicy, groups []string, port int) []netip.Prefix {
	if policy == nil {
		return []netip.Prefix{}
	}
	return firewall.Compile(policy, groups).TCPSources(port)
}

func planeAction(actions []elbv2.ActionConfig) lb.Action {
	for _, a := range actions {
		switch a.Type {
		case elbv2.ActionForward:
			var out lb.Action
			for _, g := range a.Forward {
				out.Forward = append(out.Forward, lb.WeightedGroup{ARN: g.ARN, Weight: g.Weight})
			}
			return out
		case elbv2.ActionFixedResponse:
			f := a.FixedResponse
			return lb.Action{Fixed: &lb.FixedResponse{StatusCode: f.StatusCode, ContentType: f.ContentType, Body: f.Body}}
		case elbv2.ActionRedirect:
			r := a.Redirect
			return lb.Action{Redirect: &lb.Redirect{Protocol: r.Protocol, Host: r.Host, Port: r.Port, Path: r.Path, Query: r.Query, StatusCode: r.StatusCode}}
		}
	}
	return lb.Action{Fixed: &lb.FixedResponse{StatusCode: 503}}
}

func planeConditions(cs []elbv2.ConditionConfig) []lb.Condition {
	var c lb.Condition
	for _, x := range cs {
		switch x.Field {
		case "path-pattern":
			c.PathPatterns = append(c.PathPatterns, x.Values...)
		case "host-header":
			c.HostHeaders = append(c.HostHeaders, x.Values...)
		case "http-request-method":
			c.Methods = append(c.Methods, x.Values...)
		case "source-ip":
			for _, v := range x.Values {
				if p, err := netip.ParsePrefix(v); err == nil {
					c.SourceIPs = append(c.SourceIPs, p)
				}
			}
		}
	}
	return []lb.Condition{c}
}

// ecsLoadBalancing is ecs.LoadBalancing over ELBv2.
type ecsLoadBalancing struct{ elb *elbv2.Service }

func (l ecsLoadBalancing) TargetGroup(ctx context.Context, account, region, arn string) (ecs.TargetGroupInfo, error) {
	tg, err := l.elb.TargetGroupInfo(ctx, account, region, arn)
	if errors.Is(err, elbv2.ErrTargetGroupNotFound) {
		return ecs.TargetGroupInfo{}, ecs.ErrNoTargetGroup
	}
	if err != nil {
		return ecs.TargetGroupInfo{}, err
	}
	return ecs.TargetGroupInfo{TargetType: tg.TargetType, LoadBalancers: tg.LoadBalancerARNs, DeregistrationDelay: tg.DeregistrationDelay}, nil
}

func (l ecsLoadBalancing) RegisterTarget(ctx context.Context, account, region, tg, ip string, port int) error {
	return l.mapErr(l.elb.RegisterIPTarget(ctx, account, region, tg, ip, port))
}

func (l ecsLoadBalancing) DeregisterTarget(ctx context.Context, account, region, tg, ip string, port int) error {
	return l.mapErr(l.elb.DeregisterIPTarget(ctx, account, region, tg, ip, port))
}

func (l ecsLoadBalancing) TargetHealth(ctx context.Context, account, region, tg string) (map[string]ecs.TargetHealth, error) {
	hs, err := l.elb.TargetHealthOf(ctx, account, region, tg)
	if err != nil {
		return nil, l.mapErr(err)
	}
	out := make(map[string]ecs.TargetHealth, len(hs))
	for k, h := range hs {
		out[k] = ecs.TargetHealth{State: h.State, Reason: h.Reason, Description: h.Description}
	}
	return out, nil
}

func (ecsLoadBalancing) mapErr(err error) error {
	if errors.Is(err, elbv2.ErrTargetGroupNotFound) {
		return ecs.ErrNoTargetGroup
	}
	return err
}
