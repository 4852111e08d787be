package lb

import (
	"net/netip"
	"time"
)

// Config is the whole desired state of the data plane: every load balancer
// with its listeners and rules, and every target group they may forward to.
// Apply takes it by value and does not keep references into its slices.
type Config struct {
	LoadBalancers []LoadBalancer
	TargetGroups  []TargetGroup
}

// LoadBalancer is one application load balancer.
type LoadBalancer struct {
	// ARN identifies the load balancer; unique within a Config.
	ARN string
	// DNSName is the name clients use; host dispatch matches the request's
	// Host header against it (case-insensitively).
	DNSName string
	// Addrs are the addresses its listeners listen on (through Net.Listen).
	// It may be empty: the load balancer is then reachable only through
	// host dispatch (Options.HostAddrs).
	Addrs []netip.Addr
	// Source is the address connections to targets and health checks come
	// from; the zero Addr lets the system choose.
	Source netip.Addr
	// IdleTimeout is how long a client connection may stay idle, and how
	// long a target may take to start answering before the client gets a
	// 504 (ALB's idle_timeout.timeout_seconds). Zero means 60 s.
	IdleTimeout time.Duration
	// Listeners are the load balancer's listeners; ports are unique.
	Listeners []Listener
}

// Listener is an HTTP listener of a load balancer.
type Listener struct {
	// ARN identifies the listener.
	ARN string
	// Port is the port the listener listens on, 1 to 65535.
	Port uint16
	// Rules are evaluated by ascending Priority; the first whose conditions
	// all match decides. Their order in the slice does not matter.
	Rules []Rule
	// Default is the action taken when no rule matches.
	Default Action
	// NoHost keeps the listener off Options.HostAddrs: its load
	// balancer's security groups do not admit the host.
	NoHost bool
}

// Rule is a listener rule other than the default one.
type Rule struct {
	// ARN identifies the rule.
	ARN string
	// Priority orders the rules, lowest first; unique within a listener.
	Priority int
	// Conditions must all match for the rule to apply; a rule with none
	// matches every request.
	Conditions []Condition
	// Action is what the rule does with a matching request.
	Action Action
}

// Condition is one condition of a rule. Each non-empty list must match the
// request (so a Condition may carry several kinds at once, or the caller may
// give one Condition per kind); within a list, any one value matching is
// enough.
type Condition struct {
	// PathPatterns are matched against the URL path without the query
	// string, case-sensitively; * matches any run of characters (also
	// none), ? exactly one.
	PathPatterns []string
	// HostHeaders are matched against the Host header without its port,
	// case-insensitively, with the same wildcards.
	HostHeaders []string
	// Methods are compared to the request method exactly (case-sensitive,
	// no wildcards), as ALB does.
	Methods []string
	// SourceIPs are prefixes the client's address (the peer of the
	// connection, never X-Forwarded-For) must fall in.
	SourceIPs []netip.Prefix
}

// Action is what a listener rule does with a request. Exactly one of
// Forward, Fixed and Redirect is set.
type Action struct {
	// Forward sends the request to one of these target groups, chosen by
	// weight, then to one of its targets, round robin.
	Forward []WeightedGroup
	// Fixed answers the request itself.
	Fixed *FixedResponse
	// Redirect answers with a redirect.
	Redirect *Redirect
}

// WeightedGroup is a target group of a forward action with its weight.
type WeightedGroup struct {
	// ARN names a target group of the Config.
	ARN string
	// Weight is the group's share of requests (0 to 999). A group with
	// weight 0 receives nothing, unless it is the action's only group.
	Weight int
}

// FixedResponse is a fixed-response action.
type FixedResponse struct {
	// StatusCode is the HTTP status (2XX, 4XX or 5XX).
	StatusCode int
	// ContentType is one of ALB's text/plain, text/css, text/html,
	// application/javascript and application/json; empty means text/plain.
	ContentType string
	// Body is the message; may be empty.
	Body string
}

// Redirect is a redirect action. Every empty component keeps the request's
// own (ALB's defaults #{protocol}, #{host}, #{port}, /#{path}, #{query});
// components may use those keywords themselves, for example Path
// "/new/#{path}".
type Redirect struct {
	// Protocol is HTTP, HTTPS or #{protocol}.
	Protocol string
	// Host is the host name, may use #{host}.
	Host string
	// Port is a port number or #{port}.
	Port string
	// Path is the absolute path, may use #{host}, #{path} and #{port}.
	Path string
	// Query is the query without '?', may use any keyword.
	Query string
	// StatusCode is 301 (HTTP_301) or 302 (HTTP_302).
	StatusCode int
}

// TargetGroup is a target group and its registered targets.
type TargetGroup struct {
	// ARN identifies the target group.
	ARN string
	// Port is the group's traffic port; a target whose Addr has port 0 is
	// reached on this port.
	Port uint16
	// HealthCheck configures the group's health checks.
	HealthCheck HealthCheck
	// Targets are the registered targets, unique by address, including
	// those draining.
	Targets []Target
	// DeregistrationDelay bounds how long requests already in flight to a
	// draining or removed target may still run; after it they are cut.
	// Zero means they are never cut.
	DeregistrationDelay time.Duration
}

// HealthCheck configures a target group's health checks. Zero fields take
// ALB's defaults for an HTTP target group of IP targets.
type HealthCheck struct {
	// Enabled turns checks on. With checks off, every target is routable
	// and its state is unavailable (Target.HealthCheckDisabled).
	Enabled bool
	// Path is the path (and query) requested; default "/".
	Path string
	// Port is the port checked; 0 means each target's traffic port.
	Port uint16
	// Interval is the time between two checks of a target; default 30 s.
	Interval time.Duration
	// Timeout is how long one check may take; default 5 s. Must be less
	// than Interval.
	Timeout time.Duration
	// HealthyThreshold is the number of consecutive passing checks that
	// make an unhealthy target healthy again; default 5.
	HealthyThreshold int
	// UnhealthyThreshold is the number of consecutive failed checks that
	// make a target unhealthy; default 2.
	UnhealthyThreshold int
	// Matcher lists the HTTP codes of success: "200", "200-299",
	// "200,204" or a mix; default "200".
	Matcher string
}

// Target is a registered target (an IP target: a task's address and port).
type Target struct {
	// Addr is where the target listens.
	Addr netip.AddrPort
	// Draining marks a deregistering target: it receives no new requests
	// and is not health checked; requests in flight to it finish.
	Draining bool
}

// Defaults ALB applies, used for zero fields.
const (
	DefaultIdleTimeout        = 60 * time.Second
	DefaultConnectTimeout     = 10 * time.Second
	DefaultHealthPath         = "/"
	DefaultHealthInterval     = 30 * time.Second
	DefaultHealthTimeout      = 5 * time.Second
	DefaultHealthyThreshold   = 5
	DefaultUnhealthyThreshold = 2
	DefaultMatcher            = "200"
)

// withDefaults returns hc with ALB's defaults in place of zero fields.
func (hc HealthCheck) withDefaults() HealthCheck {
	if hc.Path == "" {
		hc.Path = DefaultHealthPath
	}
	if hc.Interval == 0 {
		hc.Interval = DefaultHealthInterval
	}
	if hc.Timeout == 0 {
		hc.Timeout = DefaultHealthTimeout
	}
	if hc.HealthyThreshold == 0 {
		hc.HealthyThreshold = DefaultHealthyThreshold
	}
	if hc.UnhealthyThreshold == 0 {
		hc.UnhealthyThreshold = DefaultUnhealthyThreshold
	}
	if hc.Matcher == "" {
		hc.Matcher = DefaultMatcher
	}
	return hc
}
