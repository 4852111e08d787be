package elbv2

import (
	"context"
	"slices"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
)

// HealthSource says what the data plane's health checks found of a
// target: the state, reason code and description DescribeTargetHealth
// shows (healthy; unhealthy with Target.ResponseCodeMismatch,
// Target.Timeout or Target.FailedHealthChecks; initial with
// Elb.InitialHealthChecking while the first checks run). ok is false when
// it has no verdict on the target yet.
//
// It is asked only about registered targets, not draining, of target
// groups in use and with health checks enabled; the rest this package
// answers itself. It must be safe for concurrent use and quick: it is
// called while answering API requests.
type HealthSource interface {
	TargetHealth(targetGroupARN, ip string, port int) (h Health, ok bool)
}

// Health is a target's health as ELB reports it: State is one of AWS's
// TargetHealthStateEnum values (the Health* constants), Reason one of its
// reason codes, and Description its words for them. A healthy target has
// no reason or description.
type Health struct {
	State, Reason, Description string
}

// Target health states (TargetHealthStateEnum).
const (
	HealthInitial     = elbv2types.TargetHealthStateEnumInitial
	HealthHealthy     = elbv2types.TargetHealthStateEnumHealthy
	HealthUnhealthy   = elbv2types.TargetHealthStateEnumUnhealthy
	HealthUnused      = elbv2types.TargetHealthStateEnumUnused
	HealthDraining    = elbv2types.TargetHealthStateEnumDraining
	HealthUnavailable = elbv2types.TargetHealthStateEnumUnavailable
)

// The health this package reports itself.
var (
	healthDraining = Health{HealthDraining, elbv2types.TargetHealthReasonEnumTargetDeregistrationInProgress,
		"Target deregistration is in progress"}
	healthNotInUse = Health{HealthUnused, elbv2types.TargetHealthReasonEnumTargetNotInUse,
		"Target group is not configured to receive traffic from the load balancer"}
	healthNotRegistered = Health{HealthUnused, elbv2types.TargetHealthReasonEnumTargetNotRegistered,
		"Target is not registered to the target group"}
	healthRegistering = Health{HealthInitial, elbv2types.TargetHealthReasonEnumElbRegistrationInProgress,
		"Target registration is in progress"}
	healthChecksDisabled = Health{HealthUnavailable, elbv2types.TargetHealthReasonEnumTargetHealthCheckDisabled,
		"Health checks are disabled"}
)

// targetHealth composes a registered target's health: draining from the
// record; unused while no listener or rule forwards to its group;
// unavailable when the group's health checks are off; else the source's
// verdict, or initial until it has one.
func targetHealth(tg *tgRecord, t *targetRecord, inUse bool, now time.Time, src HealthSource) Health {
	switch {
	case t.draining(now):
		return healthDraining
	case !inUse:
		return healthNotInUse
	case !tg.TargetGroup.HealthCheckEnabled:
		return healthChecksDisabled
	case src != nil:
		if h, ok := src.TargetHealth(tg.TargetGroup.TargetGroupArn, t.IP, int(t.Port)); ok {
			return h
		}
	}
	return healthRegistering
}

// liveTargets returns a target group's targets that are not gone, and
// their health, both at one instant, so that DescribeTargetHealth and
// TargetHealthOf answer alike.
func (s *Service) liveTargets(ctx context.Context, sc scope, rec *tgRecord) ([]targetRecord, func(*targetRecord) Health, error) {
	u, err := s.usage(ctx, sc)
	if err != nil {
		return nil, nil, err
	}
	now, src := s.now(), s.healthSource()
	inUse := len(u[rec.TargetGroup.TargetGroupArn]) > 0
	live := slices.DeleteFunc(slices.Clone(rec.Targets), func(t targetRecord) bool { return t.gone(now) })
	return live, func(t *targetRecord) Health { return targetHealth(rec, t, inUse, now, src) }, nil
}

func (h Health) shape() *elbv2types.TargetHealth {
	return &elbv2types.TargetHealth{State: h.State, Reason: h.Reason, Description: h.Description}
}
