package elbv2

import (
	"context"
	"strconv"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
)

// Target group attributes berth reads itself.
const (
	attrDeregistrationDelay = "deregistration_delay.timeout_seconds"
	attrAlgorithm           = "load_balancing.algorithm.type"
	attrSlowStart           = "slow_start.duration_seconds"
	attrStickiness          = "stickiness.enabled"
	attrStickinessType      = "stickiness.type"
	attrLBCookieDuration    = "stickiness.lb_cookie.duration_seconds"
	attrAppCookieName       = "stickiness.app_cookie.cookie_name"
	attrAppCookieDuration   = "stickiness.app_cookie.duration_seconds"
)

// countOrOff is a minimum-healthy-targets count: "off" or 1 and up.
func countOrOff(key, def string, hi int) attrDef {
	return attrDef{key, def, func(v string) string {
		if n, err := strconv.Atoi(v); v == "off" || err == nil && n >= 1 && n <= hi {
			return ""
		}
		return "the value must be off or an integer from 1 to " + strconv.Itoa(hi)
	}}
}

// tgAttrs are the attributes of an Application Load Balancer's ip target
// group, with AWS's defaults. The data plane honours deregistration
// delay, algorithm, slow start and stickiness (Snapshot); berth stores
// and echoes the rest.
var tgAttrs = []attrDef{
	intAttr(attrDeregistrationDelay, "300", 0, 3600),
	enumAttr(attrAlgorithm, "round_robin", "round_robin", "least_outstanding_requests", "weighted_random"),
	enumAttr("load_balancing.algorithm.anomaly_mitigation", "off", "on", "off"),
	enumAttr("load_balancing.cross_zone.enabled", "use_load_balancer_configuration", "true", "false", "use_load_balancer_configuration"),
	{attrSlowStart, "0", func(v string) string {
		if n, err := strconv.Atoi(v); err != nil || n != 0 && (n < 30 || n > 900) {
			return "the value must be 0 or an integer from 30 to 900"
		}
		return ""
	}},
	boolAttr(attrStickiness, "false"),
	enumAttr(attrStickinessType, "lb_cookie", "lb_cookie", "app_cookie"),
	intAttr(attrLBCookieDuration, "86400", 1, 604800),
	stringAttr(attrAppCookieName, 256),
	intAttr(attrAppCookieDuration, "86400", 1, 604800),
	countOrOff("target_group_health.dns_failover.minimum_healthy_targets.count", "1", 1000),
	enumOrPercent("target_group_health.dns_failover.minimum_healthy_targets.percentage"),
	countOrOff("target_group_health.unhealthy_state_routing.minimum_healthy_targets.count", "1", 1000),
	enumOrPercent("target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage"),
}

// enumOrPercent is a minimum-healthy-targets percentage: "off" or 1-100.
func enumOrPercent(key string) attrDef {
	return attrDef{key, "off", func(v string) string {
		if n, err := strconv.Atoi(v); v == "off" || err == nil && n >= 1 && n <= 100 {
			return ""
		}
		return "the value must be off or an integer from 1 to 100"
	}}
}

// tgAttribute is the value of one of a target group's attributes.
func tgAttribute(r *tgRecord, key string) string { return attributeValue(tgAttrs, r.Attributes, key) }

// tgAttributeInt is an integer attribute's value (checked when set).
func tgAttributeInt(r *tgRecord, key string) int {
	n, _ := strconv.Atoi(tgAttribute(r, key))
	return n
}

// DescribeTargetGroupAttributes lists every attribute of a target group.
func (s *Service) DescribeTargetGroupAttributes(ctx context.Context, in *elbv2types.DescribeTargetGroupAttributesInput) (*elbv2types.DescribeTargetGroupAttributesOutput, error) {
	attrs, err := describeAttributes[elbv2types.TargetGroupAttribute](ctx, s.store, scopeOf(ctx), tgKind, in.TargetGroupArn)
	if err != nil {
		return nil, err
	}
	return &elbv2types.DescribeTargetGroupAttributesOutput{Attributes: attrs}, nil
}

// ModifyTargetGroupAttributes sets attributes of a target group and
// returns them all.
func (s *Service) ModifyTargetGroupAttributes(ctx context.Context, in *elbv2types.ModifyTargetGroupAttributesInput) (*elbv2types.ModifyTargetGroupAttributesOutput, error) {
	attrs, err := modifyAttributes(ctx, s.store, scopeOf(ctx), tgKind, in.TargetGroupArn, in.Attributes)
	if err != nil {
		return nil, err
	}
	return &elbv2types.ModifyTargetGroupAttributesOutput{Attributes: attrs}, nil
}
