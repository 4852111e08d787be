package elbv2

import (
	"context"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
)

// Snapshot is the configuration the data plane serves: every load
// balancer and target group of every account and region, read from the
// store. It is the caller's to keep and change.
type Snapshot struct {
	LoadBalancers []LoadBalancerConfig
	TargetGroups  []TargetGroupConfig
	// Revision is the store revision the reading began at: a watch of
	// WatchPrefixes from Revision+1 sees every change since.
	Revision int64
}

// LoadBalancerConfig is one load balancer as the data plane needs it.
type LoadBalancerConfig struct {
	Account, Region string
	ARN, Name       string
	// DNSName is what clients put in the Host header:
	// <name>-<digits>.<region>.elb.localhost, "internal-" in front for an
	// internal one.
	DNSName        string
	Scheme         string // internet-facing or internal
	VpcID          string
	SecurityGroups []string
	ENIs           []ENI         // one per subnet, as Network made them
	IdleTimeout    time.Duration // idle_timeout.timeout_seconds
	HTTP2          bool          // routing.http2.enabled
	Listeners      []ListenerConfig
}

// ListenerConfig is one listener: a port and the rules that route it.
type ListenerConfig struct {
	ARN      string
	Port     int
	Protocol string // HTTP
	// Rules are the non-default rules, lowest priority number first: the
	// first whose conditions all match a request routes it.
	Rules []RuleConfig
	// DefaultActions route what no rule matches.
	DefaultActions []ActionConfig
}

// RuleConfig is one rule of a listener.
type RuleConfig struct {
	ARN        string
	Priority   int
	Conditions []ConditionConfig // all must match
	Actions    []ActionConfig
}

// ConditionConfig is one condition of a rule. A request matches it when
// any of Values matches:
//
//   - host-header: the Host header without its port, case-insensitively;
//   - matches any characters, ? exactly one;
//   - path-pattern: the URL path, case-sensitively, with * and ?; the
//     query string is not part of it;
//   - http-request-method: the method, exactly;
//   - source-ip: the client address is in the CIDR block.
type ConditionConfig struct {
	Field  string
	Values []string
}

// Action types of ActionConfig.Type.
const (
	ActionForward       = elbv2types.ActionTypeEnumForward
	ActionFixedResponse = elbv2types.ActionTypeEnumFixedResponse
	ActionRedirect      = elbv2types.ActionTypeEnumRedirect
)

// ActionConfig is what a rule or listener does with a request it routes;
// one of Forward, FixedResponse and Redirect is set, as Type says.
type ActionConfig struct {
	Type string
	// Forward lists the target groups a forward action spreads requests
	// over, in proportion to their weights (0 to 999).
	Forward []WeightedTargetGroup
	// Stickiness keeps a client on one target group for this long
	// (target group stickiness of a weighted forward); 0 is off.
	Stickiness    time.Duration
	FixedResponse *FixedResponse
	Redirect      *Redirect
}

// WeightedTargetGroup is one target group of a forward action.
type WeightedTargetGroup struct {
	ARN    string
	Weight int
}

// FixedResponse is the answer of a fixed-response action.
type FixedResponse struct {
	StatusCode  int
	ContentType string // "" for none
	Body        string
}

// Redirect is a redirect action. The components may hold AWS's
// placeholders #{protocol}, #{host}, #{port}, #{path} (without its
// leading "/") and #{query}, replaced by the request's own.
type Redirect struct {
	StatusCode                        int // 301 or 302
	Protocol, Port, Host, Path, Query string
}

// TargetGroupConfig is one target group as the data plane needs it.
type TargetGroupConfig struct {
	Account, Region     string
	ARN, Name           string
	VpcID               string
	Protocol            string // HTTP or HTTPS, to the targets
	Port                int
	HealthCheck         HealthCheck
	DeregistrationDelay time.Duration
	SlowStart           time.Duration // 0 is off
	// Algorithm is round_robin, least_outstanding_requests or
	// weighted_random.
	Algorithm        string
	Stickiness       Stickiness
	LoadBalancerARNs []string // the load balancers that forward to it
	Targets          []TargetConfig
}

// Stickiness is a target group's session stickiness.
type Stickiness struct {
	Enabled    bool
	Type       string // lb_cookie or app_cookie
	Duration   time.Duration
	CookieName string // app_cookie: the application's cookie
}

// TargetConfig is one registered target. A draining target takes no new
// requests; its in-flight ones may finish until DrainUntil.
type TargetConfig struct {
	IP               netip.Addr
	Port             int
	AvailabilityZone string
	Draining         bool
	DrainUntil       time.Time // zero unless draining
}

// HealthCheck is a target group's health check settings.
type HealthCheck struct {
	Enabled            bool
	Protocol           string // HTTP or HTTPS
	Port               string // "traffic-port" or a port number
	Path               string
	Interval, Timeout  time.Duration
	HealthyThreshold   int
	UnhealthyThreshold int
	// Matcher is the HTTP codes that count as healthy: "200", "200,202",
	// "200-299"; see Matches.
	Matcher string
}

// PortFor is the port a target listening on targetPort is checked on.
func (h HealthCheck) PortFor(targetPort int) int {
	if n, err := strconv.Atoi(h.Port); err == nil {
		return n
	}
	return targetPort
}

// Matches reports whether a health check's HTTP status counts as healthy.
func (h HealthCheck) Matches(status int) bool {
	ranges, _ := parseHTTPCodes(h.Matcher)
	return slices.ContainsFunc(ranges, func(r codeRange) bool { return status >= r.lo && status <= r.hi })
}

// WatchPrefixes are the store prefixes whose changes change the Snapshot;
// the server watches them to know when to rebuild the data plane's
// configuration.
func WatchPrefixes() []string {
	return []string{"/" + kindLoadBalancer + "/", "/" + kindTargetGroup + "/"}
}

// Snapshot reads every load balancer and target group, of every account
// and region. Targets whose deregistration delay has passed are left out.
func (s *Service) Snapshot(ctx context.Context) (*Snapshot, error) {
	lbItems, rev, err := s.lbs().ListAll(ctx, "/"+kindLoadBalancer+"/")
	if err != nil {
		return nil, internal("listing load balancers", err)
	}
	tgItems, _, err := s.tgs().ListAll(ctx, "/"+kindTargetGroup+"/")
	if err != nil {
		return nil, internal("listing target groups", err)
	}
	lbs := make([]*lbRecord, len(lbItems))
	for i := range lbItems {
		lbs[i] = &lbItems[i].Value
	}
	u := usageOf(lbs)
	now := s.now()
	out := &Snapshot{Revision: rev, LoadBalancers: make([]LoadBalancerConfig, 0, len(lbs)), TargetGroups: make([]TargetGroupConfig, 0, len(tgItems))}
	for _, lb := range lbs {
		out.LoadBalancers = append(out.LoadBalancers, lb.config())
	}
	for i := range tgItems {
		out.TargetGroups = append(out.TargetGroups, tgItems[i].Value.config(u, now))
	}
	return out, nil
}

func (r *lbRecord) config() LoadBalancerConfig {
	lb := &r.LoadBalancer
	region, account, _, _, _ := splitARN(lb.LoadBalancerArn)
	idle, _ := strconv.Atoi(lbAttribute(r, attrIdleTimeout))
	c := LoadBalancerConfig{Account: account, Region: region, ARN: lb.LoadBalancerArn, Name: lb.LoadBalancerName,
		DNSName: lb.DNSName, Scheme: lb.Scheme, VpcID: lb.VpcId, SecurityGroups: slices.Clone(lb.SecurityGroups),
		ENIs: slices.Clone(r.ENIs), IdleTimeout: time.Duration(idle) * time.Second, HTTP2: lbAttribute(r, attrHTTP2) == "true"}
	for _, l := range r.Listeners {
		lc := ListenerConfig{ARN: l.ARN, Port: int(l.Port), Protocol: l.Protocol, DefaultActions: actionConfigs(l.DefaultActions)}
		for _, rule := range l.Rules {
			rc := RuleConfig{ARN: rule.ARN, Priority: int(rule.Priority), Actions: actionConfigs(rule.Actions)}
			for _, cond := range rule.Conditions {
				field, values := conditionMatch(cond)
				rc.Conditions = append(rc.Conditions, ConditionConfig{Field: field, Values: values})
			}
			lc.Rules = append(lc.Rules, rc)
		}
		c.Listeners = append(c.Listeners, lc)
	}
	return c
}

func actionConfigs(actions []elbv2types.Action) []ActionConfig {
	out := make([]ActionConfig, 0, len(actions))
	for _, a := range actions {
		ac := ActionConfig{Type: a.Type}
		switch {
		case a.ForwardConfig != nil:
			for _, t := range a.ForwardConfig.TargetGroups {
				w := 1
				if t.Weight != nil {
					w = int(*t.Weight)
				}
				ac.Forward = append(ac.Forward, WeightedTargetGroup{ARN: t.TargetGroupArn, Weight: w})
			}
			if sc := a.ForwardConfig.TargetGroupStickinessConfig; sc != nil && sc.Enabled && sc.DurationSeconds != nil {
				ac.Stickiness = time.Duration(*sc.DurationSeconds) * time.Second
			}
		case a.FixedResponseConfig != nil:
			code, _ := strconv.Atoi(a.FixedResponseConfig.StatusCode)
			ac.FixedResponse = &FixedResponse{StatusCode: code, ContentType: a.FixedResponseConfig.ContentType, Body: a.FixedResponseConfig.MessageBody}
		case a.RedirectConfig != nil:
			c := a.RedirectConfig
			code := 301
			if c.StatusCode == elbv2types.RedirectActionStatusCodeEnumHttp302 {
				code = 302
			}
			ac.Redirect = &Redirect{StatusCode: code, Protocol: c.Protocol, Port: c.Port, Host: c.Host, Path: c.Path, Query: c.Query}
		}
		out = append(out, ac)
	}
	return out
}

// healthCheck is a target group's health check settings.
func (r *tgRecord) healthCheck() HealthCheck {
	tg := &r.TargetGroup
	h := HealthCheck{Enabled: tg.HealthCheckEnabled, Protocol: tg.HealthCheckProtocol, Port: tg.HealthCheckPort, Path: tg.HealthCheckPath,
		Interval: time.Duration(tg.HealthCheckIntervalSeconds) * time.Second, Timeout: time.Duration(tg.HealthCheckTimeoutSeconds) * time.Second,
		HealthyThreshold: int(tg.HealthyThresholdCount), UnhealthyThreshold: int(tg.UnhealthyThresholdCount)}
	if tg.Matcher != nil {
		h.Matcher = tg.Matcher.HttpCode
	}
	return h
}

func (r *tgRecord) config(u tgUsage, now time.Time) TargetGroupConfig {
	tg := &r.TargetGroup
	region, account, _, _, _ := splitARN(tg.TargetGroupArn)
	seconds := func(key string) time.Duration { return time.Duration(tgAttributeInt(r, key)) * time.Second }
	c := TargetGroupConfig{Account: account, Region: region, ARN: tg.TargetGroupArn, Name: tg.TargetGroupName, VpcID: tg.VpcId,
		Protocol: tg.Protocol, Port: int(targetPort(r, nil)), HealthCheck: r.healthCheck(),
		DeregistrationDelay: seconds(attrDeregistrationDelay), SlowStart: seconds(attrSlowStart), Algorithm: tgAttribute(r, attrAlgorithm),
		Stickiness:       Stickiness{Enabled: tgAttribute(r, attrStickiness) == "true", Type: tgAttribute(r, attrStickinessType)},
		LoadBalancerARNs: slices.Clone(u[tg.TargetGroupArn])}
	if c.Stickiness.Type == "app_cookie" {
		c.Stickiness.Duration, c.Stickiness.CookieName = seconds(attrAppCookieDuration), tgAttribute(r, attrAppCookieName)
	} else {
		c.Stickiness.Duration = seconds(attrLBCookieDuration)
	}
	for _, t := range r.Targets {
		if t.gone(now) {
			continue
		}
		ip, _ := netip.ParseAddr(t.IP)
		tc := TargetConfig{IP: ip, Port: int(t.Port), AvailabilityZone: t.AvailabilityZone, Draining: t.draining(now)}
		if tc.Draining {
			tc.DrainUntil = *t.DrainUntil
		}
		c.Targets = append(c.Targets, tc)
	}
	return c
}
