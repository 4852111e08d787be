package elbv2

import (
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
)

// AWS's health check defaults for HTTP and HTTPS target groups of
// Application Load Balancers.
const (
	defaultHealthPath      = "/"
	defaultHealthPort      = "traffic-port"
	defaultHealthInterval  = 30
	defaultHealthTimeout   = 5
	defaultHealthyCount    = 5
	defaultUnhealthyCount  = 2
	defaultHealthHTTPCodes = "200"
)

// healthInput is the health check members CreateTargetGroup and
// ModifyTargetGroup share; nil and "" are "not given".
type healthInput struct {
	Protocol, Port, Path string
	Enabled              *bool
	Interval, Timeout    *int32
	Healthy, Unhealthy   *int32
	Matcher              *elbv2types.Matcher
}

// violations records the model's constraints on the members.
func (h *healthInput) violations(v *violations) {
	v.enum(h.Protocol, "healthCheckProtocol", elbv2types.ProtocolEnumValues)
	if h.Path != "" {
		v.length(h.Path, "healthCheckPath", 1, 1024)
	}
	v.between(h.Interval, "healthCheckIntervalSeconds", 5, 300)
	v.between(h.Timeout, "healthCheckTimeoutSeconds", 2, 120)
	v.between(h.Healthy, "healthyThresholdCount", 2, 10)
	v.between(h.Unhealthy, "unhealthyThresholdCount", 2, 10)
}

// applyTo sets the members given on tg.
func (h *healthInput) applyTo(tg *elbv2types.TargetGroup) {
	set := func(dst *int32, src *int32) {
		if src != nil {
			*dst = *src
		}
	}
	if h.Protocol != "" {
		tg.HealthCheckProtocol = h.Protocol
	}
	if h.Port != "" {
		tg.HealthCheckPort = h.Port
	}
	if h.Path != "" {
		tg.HealthCheckPath = h.Path
	}
	if h.Enabled != nil {
		tg.HealthCheckEnabled = *h.Enabled
	}
	set(&tg.HealthCheckIntervalSeconds, h.Interval)
	set(&tg.HealthCheckTimeoutSeconds, h.Timeout)
	set(&tg.HealthyThresholdCount, h.Healthy)
	set(&tg.UnhealthyThresholdCount, h.Unhealthy)
	if h.Matcher != nil {
		m := *h.Matcher
		tg.Matcher = &m
	}
}

// withHealthDefaults sets AWS's health check defaults on a new target
// group of protocol.
func withHealthDefaults(tg *elbv2types.TargetGroup) {
	tg.HealthCheckProtocol = tg.Protocol
	tg.HealthCheckPort = defaultHealthPort
	tg.HealthCheckPath = defaultHealthPath
	tg.HealthCheckEnabled = true
	tg.HealthCheckIntervalSeconds = defaultHealthInterval
	tg.HealthCheckTimeoutSeconds = defaultHealthTimeout
	tg.HealthyThresholdCount = defaultHealthyCount
	tg.UnhealthyThresholdCount = defaultUnhealthyCount
	tg.Matcher = &elbv2types.Matcher{HttpCode: defaultHealthHTTPCodes}
}

// checkHealth applies ELB's rules to a target group's resulting health
// check settings.
func checkHealth(tg *elbv2types.TargetGroup) error {
	switch p := tg.HealthCheckProtocol; {
	case p != elbv2types.ProtocolEnumHttp && p != elbv2types.ProtocolEnumHttps:
		return validation("Health check protocol '%s' is not supported for target groups with the %s protocol; use HTTP or HTTPS", p, tg.Protocol)
	case !validHealthPort(tg.HealthCheckPort):
		return validation("Health check port '%s' is not valid: use 'traffic-port' or a port from 1 to 65535", tg.HealthCheckPort)
	case !strings.HasPrefix(tg.HealthCheckPath, "/"):
		return validation("Health check path '%s' is not valid: it must begin with '/'", tg.HealthCheckPath)
	case tg.HealthCheckIntervalSeconds <= tg.HealthCheckTimeoutSeconds:
		return validation("Health check interval must be greater than the timeout.")
	case tg.Matcher == nil || tg.Matcher.GrpcCode != "":
		return validation("A health check matcher HttpCode must be given; GrpcCode applies only to target groups with protocol version GRPC")
	case !validHTTPCodes(tg.Matcher.HttpCode):
		return validation("Health check matcher HTTP code '%s' is not valid: use codes from 200 to 499, such as '200', '200,202' or '200-299'", tg.Matcher.HttpCode)
	}
	return nil
}

func validHealthPort(p string) bool {
	if p == defaultHealthPort {
		return true
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535 && strconv.Itoa(n) == p
}

// validHTTPCodes checks a matcher's HttpCode: codes and ranges of codes
// from 200 to 499, comma-separated.
func validHTTPCodes(s string) bool {
	_, ok := parseHTTPCodes(s)
	return ok
}

// codeRange is an inclusive range of HTTP status codes.
type codeRange struct{ lo, hi int }

func parseHTTPCodes(s string) ([]codeRange, bool) {
	if s == "" {
		return nil, false
	}
	var out []codeRange
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		if !isRange {
			hi = lo
		}
		a, errA := strconv.Atoi(lo)
		b, errB := strconv.Atoi(hi)
		if errA != nil || errB != nil || a < 200 || b > 499 || a > b || len(lo) != 3 || len(hi) != 3 {
			return nil, false
		}
		out = append(out, codeRange{a, b})
	}
	return out, true
}
