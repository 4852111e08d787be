package lb

import (
	"fmt"
	"strconv"
	"strings"
)

// Health is a target's health as DescribeTargetHealth reports it: ELB's
// state, reason code and description. Reason and Description are empty when
// the target is healthy.
type Health struct {
	State       string
	Reason      string
	Description string
}

// Target health states (ELB's TargetHealthStateEnum).
const (
	StateInitial     = "initial"
	StateHealthy     = "healthy"
	StateUnhealthy   = "unhealthy"
	StateUnused      = "unused"
	StateDraining    = "draining"
	StateUnavailable = "unavailable"
)

// Target health reason codes (ELB's TargetHealthReasonEnum).
const (
	ReasonRegistrationInProgress   = "Elb.RegistrationInProgress"
	ReasonInitialHealthChecking    = "Elb.InitialHealthChecking"
	ReasonResponseCodeMismatch     = "Target.ResponseCodeMismatch"
	ReasonTimeout                  = "Target.Timeout"
	ReasonFailedHealthChecks       = "Target.FailedHealthChecks"
	ReasonNotInUse                 = "Target.NotInUse"
	ReasonDeregistrationInProgress = "Target.DeregistrationInProgress"
	ReasonHealthCheckDisabled      = "Target.HealthCheckDisabled"
)

// The health of targets that are not being checked.
var (
	healthRegistering = Health{StateInitial, ReasonRegistrationInProgress, "Target registration is in progress"}
	healthUnused      = Health{StateUnused, ReasonNotInUse, "Target group is not configured to receive traffic from the load balancer"}
	healthDraining    = Health{StateDraining, ReasonDeregistrationInProgress, "Target deregistration is in progress"}
	healthDisabled    = Health{StateUnavailable, ReasonHealthCheckDisabled, "Health checks are disabled"}
)

// checkResult is the outcome of one health check.
type checkResult struct {
	ok      bool
	timeout bool // the check did not finish within the timeout
	status  int  // the status the target answered; 0 when it did not
}

// failure is the unhealthy Health a failed check r stands for.
func (r checkResult) failure() Health {
	switch {
	case r.timeout:
		return Health{StateUnhealthy, ReasonTimeout, "Request timed out"}
	case r.status != 0:
		return Health{StateUnhealthy, ReasonResponseCodeMismatch,
			fmt.Sprintf("Health checks failed with these codes: [%d]", r.status)}
	default:
		return Health{StateUnhealthy, ReasonFailedHealthChecks, "Health checks failed"}
	}
}

// healthState is a checked target's health plus the run of equal results
// that leads to its next transition.
type healthState struct {
	Health
	passes   int // consecutive passing checks
	failures int // consecutive failed checks
}

// next is the state machine of a checked target, as ALB runs it:
//   - a new target (initial) is healthy after its first passing check;
//     failing, it stays initial (Elb.InitialHealthChecking) until
//     UnhealthyThreshold consecutive failures make it unhealthy;
//   - a healthy target turns unhealthy after UnhealthyThreshold
//     consecutive failures;
//   - an unhealthy target turns healthy after HealthyThreshold
//     consecutive passes; while unhealthy, its reason follows the latest
//     failure.
func next(s healthState, r checkResult, hc HealthCheck) healthState {
	if r.ok {
		s.passes++
		s.failures = 0
		if s.State == StateInitial || s.passes >= hc.HealthyThreshold {
			s.Health = Health{State: StateHealthy}
		}
		return s
	}
	s.failures++
	s.passes = 0
	switch {
	case s.failures >= hc.UnhealthyThreshold || s.State == StateUnhealthy:
		s.Health = r.failure()
	case s.State == StateInitial:
		s.Health = Health{StateInitial, ReasonInitialHealthChecking, "Initial health checks in progress"}
	}
	return s
}

// codeRange is an inclusive range of HTTP status codes.
type codeRange struct{ lo, hi int }

// matcher is a parsed HealthCheck.Matcher.
type matcher []codeRange

// parseMatcher parses ALB's HttpCode syntax: codes and ranges separated by
// commas ("200", "200-299", "200,202,300-302").
func parseMatcher(s string) (matcher, error) {
	var m matcher
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, errA := strconv.Atoi(strings.TrimSpace(lo))
		b, errB := a, error(nil)
		if isRange {
			b, errB = strconv.Atoi(strings.TrimSpace(hi))
		}
		if errA != nil || errB != nil || a < 100 || b > 599 || a > b {
			return nil, fmt.Errorf("health check matcher %q: %q is not an HTTP code or a range of codes such as 200-299", s, part)
		}
		m = append(m, codeRange{a, b})
	}
	return m, nil
}

// match reports whether status is one of m's codes.
func (m matcher) match(status int) bool {
	for _, r := range m {
		if status >= r.lo && status <= r.hi {
			return true
		}
	}
	return false
}
