package elbv2

import (
	"context"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
)

// Load balancer attributes berth reads itself.
const (
	attrDeletionProtection = "deletion_protection.enabled"
	attrIdleTimeout        = "idle_timeout.timeout_seconds"
	attrHTTP2              = "routing.http2.enabled"
)

const noS3 = "berth has no S3 to write logs to, so the value must be false"

// lbAttrs are an Application Load Balancer's attributes with AWS's
// defaults. berth stores and echoes them all; the data plane honours the
// idle timeout and HTTP/2 (Snapshot).
var lbAttrs = []attrDef{
	falseAttr("access_logs.s3.enabled", noS3),
	stringAttr("access_logs.s3.bucket", 1024),
	stringAttr("access_logs.s3.prefix", 1024),
	falseAttr("connection_logs.s3.enabled", noS3),
	stringAttr("connection_logs.s3.bucket", 1024),
	stringAttr("connection_logs.s3.prefix", 1024),
	falseAttr("health_check_logs.s3.enabled", noS3),
	stringAttr("health_check_logs.s3.bucket", 1024),
	stringAttr("health_check_logs.s3.prefix", 1024),
	intAttr("client_keep_alive.seconds", "3600", 60, 604800),
	boolAttr(attrDeletionProtection, "false"),
	intAttr(attrIdleTimeout, "60", 1, 4000),
	enumAttr("load_balancing.cross_zone.enabled", "true", "true"),
	enumAttr("routing.http.desync_mitigation_mode", "defensive", "monitor", "defensive", "strictest"),
	boolAttr("routing.http.drop_invalid_header_fields.enabled", "false"),
	boolAttr("routing.http.preserve_host_header.enabled", "false"),
	boolAttr("routing.http.x_amzn_tls_version_and_cipher_suite.enabled", "false"),
	boolAttr("routing.http.xff_client_port.enabled", "false"),
	enumAttr("routing.http.xff_header_processing.mode", "append", "append", "preserve", "remove"),
	boolAttr(attrHTTP2, "true"),
	boolAttr("waf.fail_open.enabled", "false"),
	boolAttr("zonal_shift.config.enabled", "false"),
}

// lbAttribute is the value of one of a load balancer's attributes.
func lbAttribute(r *lbRecord, key string) string { return attributeValue(lbAttrs, r.Attributes, key) }

// DescribeLoadBalancerAttributes lists every attribute of a load balancer.
func (s *Service) DescribeLoadBalancerAttributes(ctx context.Context, in *elbv2types.DescribeLoadBalancerAttributesInput) (*elbv2types.DescribeLoadBalancerAttributesOutput, error) {
	attrs, err := describeAttributes[elbv2types.LoadBalancerAttribute](ctx, s.store, scopeOf(ctx), lbKind, in.LoadBalancerArn)
	if err != nil {
		return nil, err
	}
	return &elbv2types.DescribeLoadBalancerAttributesOutput{Attributes: attrs}, nil
}

// ModifyLoadBalancerAttributes sets attributes of a load balancer and
// returns them all.
func (s *Service) ModifyLoadBalancerAttributes(ctx context.Context, in *elbv2types.ModifyLoadBalancerAttributesInput) (*elbv2types.ModifyLoadBalancerAttributesOutput, error) {
	attrs, err := modifyAttributes(ctx, s.store, scopeOf(ctx), lbKind, in.LoadBalancerArn, in.Attributes)
	if err != nil {
		return nil, err
	}
	return &elbv2types.ModifyLoadBalancerAttributesOutput{Attributes: attrs}, nil
}
