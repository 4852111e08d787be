package deploy

import "time"

// Throttle parameters. AWS documents only that the delay between restart
// attempts of a service whose tasks repeatedly fail to reach RUNNING grows
// "incrementally" up to 27 minutes (formerly 15), with no user-tunable
// parameters. We start throttling at the third consecutive failure and
// double from 30 seconds: 30s, 1m, 2m, 4m, 8m, 16m, then 27m.
const (
	ThrottleAfter    = 3
	ThrottleInitial  = 30 * time.Second
	ThrottleMaxDelay = 27 * time.Minute
)

// ThrottleDelay is how long after the last failure the next launch waits,
// given the number of consecutive launch failures; 0 means no wait.
func ThrottleDelay(failures int) time.Duration {
	if failures < ThrottleAfter {
		return 0
	}
	d := ThrottleInitial
	for i := ThrottleAfter; i < failures; i++ {
		d *= 2
		if d >= ThrottleMaxDelay {
			return ThrottleMaxDelay
		}
	}
	return d
}

// throttleWait returns how long launches must still wait at now. A primary
// deployment created after the last failure is not throttled: ECS returns a
// service to normal at once when it is updated to a new task definition.
func throttleWait(b Backoff, primaryCreated, now time.Time) time.Duration {
	d := ThrottleDelay(b.ConsecutiveFailures)
	if d == 0 || primaryCreated.After(b.LastFailure) {
		return 0
	}
	if wait := b.LastFailure.Add(d).Sub(now); wait > 0 {
		return wait
	}
	return 0
}
