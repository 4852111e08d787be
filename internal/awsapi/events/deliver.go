package events

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/events/eventstypes"
)

// Delivery follows EventBridge: a target that fails is tried again with
// exponential backoff (1 s doubling to at most 5 min, with jitter) until
// its RetryPolicy gives up — by default after 185 retries or when the
// event is 24 hours old. Failures that retrying cannot fix (a log group
// or API destination that does not exist, a role that may not act) are
// not retried. A delivery that gives up counts as a FailedInvocation and
// is logged with its reason; Deliveries shows the counts per target.
//
// Deliveries are in memory: those pending when the server stops are lost.
// EventBridge would still deliver them; berth has no durable queue yet.

const (
	defaultMaxRetries = 185
	defaultMaxAge     = 24 * time.Hour
	firstBackoff      = time.Second
	maxBackoff        = 5 * time.Minute
	invokeTimeout     = 30 * time.Second
)

var errOverCapacity = errors.New("too many deliveries pending; the event was dropped")

// delivery is one event on its way to one target.
type delivery struct {
	ev      *event
	rule    string
	target  eventstypes.Target
	first   time.Time // when the event matched
	retries int
}

// deliverLoop runs deliveries until ctx ends.
func (r *router) deliverLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case d := <-r.work:
			r.attempt(ctx, d)
		}
	}
}

// attempt invokes a delivery's target once and settles what follows.
func (r *router) attempt(ctx context.Context, d *delivery) {
	ictx, cancel := context.WithTimeout(ctx, invokeTimeout)
	err := r.s.invoke(ictx, d)
	cancel()
	if ctx.Err() != nil {
		r.done()
		return
	}
	if err == nil {
		r.record(d, nil)
		r.done()
		return
	}
	maxRetries, maxAge := retryLimits(d.target.RetryPolicy)
	if isPermanent(err) || d.retries >= maxRetries || r.s.now().Sub(d.first) >= maxAge {
		r.failed(d, err)
		r.done()
		return
	}
	wait := backoff(d.retries)
	var hinted interface{ RetryAfter() time.Duration }
	if errors.As(err, &hinted) && hinted.RetryAfter() > wait {
		// An endpoint that says when to come back (Retry-After) is
		// believed, up to the longest backoff.
		wait = min(hinted.RetryAfter(), maxBackoff)
	}
	d.retries++
	r.record(d, err)
	time.AfterFunc(wait, func() {
		select {
		case r.work <- d:
		case <-ctx.Done():
			r.done()
		}
	})
}

// backoff is the wait before retry n+1: doubling from firstBackoff, at
// most maxBackoff, between 80% and 100% of that.
func backoff(n int) time.Duration {
	d := maxBackoff
	if n < 20 {
		d = min(firstBackoff<<n, maxBackoff)
	}
	return d - time.Duration(rand.Int64N(int64(d/5)+1))
}

func retryLimits(p *eventstypes.RetryPolicy) (int, time.Duration) {
	retries, age := defaultMaxRetries, defaultMaxAge
	if p != nil && p.MaximumRetryAttempts != nil {
		retries = int(*p.MaximumRetryAttempts)
	}
	if p != nil && p.MaximumEventAgeInSeconds != nil {
		age = time.Duration(*p.MaximumEventAgeInSeconds) * time.Second
	}
	return retries, age
}

// invoke delivers an event to a target once.
func (s *Service) invoke(ctx context.Context, d *delivery) error {
	sc, t := d.ev.sc, &d.target
	body := targetInput(t, d.ev.raw, d.ev.value, d.rule, sc.ruleARN(d.rule), d.ev.at.Format(timeLayout))
	kind, name := targetKind(sc, t.Arn)
	if kind != targetAPIDestination && s.targets == nil {
		return Permanent(errors.New("this server delivers to no log groups or clusters"))
	}
	switch kind {
	case targetLogGroup:
		// One stream per event, named by its id, as EventBridge writes
		// events to CloudWatch Logs.
		return s.targets.PutLogEvent(ctx, sc.account, sc.region, name, d.ev.id, d.ev.at, string(body))
	case targetECS:
		req := RunTaskRequest{ClusterARN: t.Arn, RoleARN: t.RoleArn, StartedBy: startedBy(d.rule)}
		if t.EcsParameters != nil {
			req.Parameters = *t.EcsParameters
		}
		if t.Input != "" || t.InputPath != "" || t.InputTransformer != nil {
			req.Overrides = body
		}
		return s.targets.RunTask(ctx, sc.account, sc.region, req)
	case targetAPIDestination:
		return s.invokeAPIDestination(ctx, sc, t, body)
	}
	return Permanent(errors.New("berth does not deliver to " + t.Arn))
}

// startedBy is what ECS shows as the startedBy of a rule's tasks:
// "events-rule/" and the rule name, with the dots ECS does not allow in
// startedBy made dashes.
func startedBy(rule string) string {
	return "events-rule/" + strings.ReplaceAll(rule, ".", "-")
}

// TargetStats counts the deliveries to one target of one rule since the
// server started — what EventBridge's Invocations and FailedInvocations
// metrics count.
type TargetStats struct {
	Account, Region, Rule, TargetID, TargetArn string
	// Invocations counts successful deliveries.
	Invocations int64
	// FailedInvocations counts events given up on.
	FailedInvocations int64
	// RetryAttempts counts failed attempts that were retried.
	RetryAttempts int64
	// LastError is the last failure's reason, LastErrorAt its time.
	LastError   string
	LastErrorAt time.Time
}

type statsKey struct{ account, region, rule, target string }

// record counts a successful delivery (err nil) or a retried attempt.
func (r *router) record(d *delivery, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.statsOf(d)
	if err == nil {
		st.Invocations++
		return
	}
	st.RetryAttempts++
	st.LastError, st.LastErrorAt = err.Error(), r.s.now().UTC()
}

// failed counts and logs a delivery given up on.
func (r *router) failed(d *delivery, err error) {
	r.mu.Lock()
	st := r.statsOf(d)
	st.FailedInvocations++
	st.LastError, st.LastErrorAt = err.Error(), r.s.now().UTC()
	r.mu.Unlock()
	r.s.log.Warn("event delivery failed", "account", d.ev.sc.account, "region", d.ev.sc.region,
		"rule", d.rule, "target", d.target.Id, "arn", d.target.Arn, "event", d.ev.id,
		"retries", d.retries, "err", err)
}

func (r *router) statsOf(d *delivery) *TargetStats {
	k := statsKey{d.ev.sc.account, d.ev.sc.region, d.rule, d.target.Id}
	st := r.stats[k]
	if st == nil {
		st = &TargetStats{Account: k.account, Region: k.region, Rule: k.rule, TargetID: k.target, TargetArn: d.target.Arn}
		r.stats[k] = st
	}
	return st
}

// Deliveries returns the delivery counts of every target that has had an
// event, ordered by account, region, rule and target.
func (s *Service) Deliveries() []TargetStats {
	s.router.mu.Lock()
	out := make([]TargetStats, 0, len(s.router.stats))
	for _, st := range s.router.stats {
		out = append(out, *st)
	}
	s.router.mu.Unlock()
	slices.SortFunc(out, func(a, b TargetStats) int {
		return strings.Compare(a.Account+"\x00"+a.Region+"\x00"+a.Rule+"\x00"+a.TargetID,
			b.Account+"\x00"+b.Region+"\x00"+b.Rule+"\x00"+b.TargetID)
	})
	return out
}

// pendingCount is how many deliveries are queued or waiting to retry.
func (r *router) pendingCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pending
}
