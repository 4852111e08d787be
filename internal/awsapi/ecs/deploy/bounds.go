package deploy

// Bounds returns the rolling update limits for a desired count:
// upper = floor(desired × maxPercent / 100), the most tasks RUNNING or
// PENDING across all deployments, and lower = ceil(desired × minPercent /
// 100), the fewest healthy RUNNING tasks. The rounding is ECS's: the API
// reference documents maximumPercent "rounded down" and
// minimumHealthyPercent "rounded up". Negative inputs count as 0.
//
// The bounds are not clamped: with desired 0 both are 0 (everything is
// stopped); with minimumHealthyPercent 100 and maximumPercent 100, or
// desired 1 with maximumPercent below 200 and minimumHealthyPercent above 0,
// upper == lower == desired and a rolling update cannot make progress —
// ECS stalls the same way, so the planner reports no action rather than
// break a bound.
func Bounds(desired, minPercent, maxPercent int) (lower, upper int) {
	desired, minPercent, maxPercent = max(desired, 0), max(minPercent, 0), max(maxPercent, 0)
	upper = desired * maxPercent / 100
	lower = (desired*minPercent + 99) / 100
	return lower, upper
}

// Percents returns the configured percentages with ECS's defaults applied.
func (c Config) Percents() (minPercent, maxPercent int) {
	minPercent, maxPercent = DefaultMinimumHealthyPercent, DefaultMaximumPercent
	if c.MinimumHealthyPercent != nil {
		minPercent = *c.MinimumHealthyPercent
	}
	if c.MaximumPercent != nil {
		maxPercent = *c.MaximumPercent
	}
	return minPercent, maxPercent
}

// FailureThreshold is the circuit breaker's failure threshold for a desired
// count: 0.5 × desired, at least 3 and at most 200
// (ServiceDeploymentCircuitBreaker.threshold in the API reference). AWS does
// not say how an odd desired count rounds; we round up, so the threshold is
// never below half the desired count.
func FailureThreshold(desired int) int {
	return min(max((desired+1)/2, 3), 200)
}
