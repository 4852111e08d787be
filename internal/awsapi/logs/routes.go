package logs

import (
	"context"

	"github.com/berth-dev/berth/internal/awsapi/logs/logstypes"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
)

// Service describes CloudWatch Logs for the gateway: every operation berth
// serves, with the IAM action (logs:<Operation>) and the log group ARN it
// authorizes on.
func (s *Service) Service() *protocol.Service {
	return &protocol.Service{
		SigningName:  logstypes.SigningName,
		Wire:         protocol.AWSJSON11,
		TargetPrefix: logstypes.TargetPrefix,
		Version:      logstypes.APIVersion,
		Operations: []protocol.Operation{
			protocol.Op("logs", "CreateLogGroup", s.CreateLogGroup).WithResource(groupResource(func(in *logstypes.CreateLogGroupRequest) string { return in.LogGroupName })),
			protocol.Op("logs", "DeleteLogGroup", s.DeleteLogGroup).WithResource(groupResource(func(in *logstypes.DeleteLogGroupRequest) string { return in.LogGroupName })),
			protocol.Op("logs", "DescribeLogGroups", s.DescribeLogGroups),
			protocol.Op("logs", "PutRetentionPolicy", s.PutRetentionPolicy).WithResource(groupResource(func(in *logstypes.PutRetentionPolicyRequest) string { return in.LogGroupName })),
			protocol.Op("logs", "DeleteRetentionPolicy", s.DeleteRetentionPolicy).WithResource(groupResource(func(in *logstypes.DeleteRetentionPolicyRequest) string { return in.LogGroupName })),
			protocol.Op("logs", "CreateLogStream", s.CreateLogStream).WithResource(groupResource(func(in *logstypes.CreateLogStreamRequest) string { return in.LogGroupName })),
			protocol.Op("logs", "DeleteLogStream", s.DeleteLogStream).WithResource(groupResource(func(in *logstypes.DeleteLogStreamRequest) string { return in.LogGroupName })),
			protocol.Op("logs", "DescribeLogStreams", s.DescribeLogStreams).WithResource(groupResource(func(in *logstypes.DescribeLogStreamsRequest) string { return in.LogGroupName })),
			protocol.Op("logs", "PutLogEvents", s.PutLogEvents).WithResource(groupResource(func(in *logstypes.PutLogEventsRequest) string { return in.LogGroupName })),
			protocol.Op("logs", "GetLogEvents", s.GetLogEvents).WithResource(groupResource(func(in *logstypes.GetLogEventsRequest) string { return in.LogGroupName })),
			protocol.Op("logs", "FilterLogEvents", s.FilterLogEvents).WithResource(groupResource(func(in *logstypes.FilterLogEventsRequest) string { return in.LogGroupName })),
			protocol.Op("logs", "TagResource", s.TagResource),
			protocol.Op("logs", "UntagResource", s.UntagResource),
			protocol.Op("logs", "ListTagsForResource", s.ListTagsForResource),
			protocol.Op("logs", "TagLogGroup", s.TagLogGroup).WithResource(groupResource(func(in *logstypes.TagLogGroupRequest) string { return in.LogGroupName })),
			protocol.Op("logs", "UntagLogGroup", s.UntagLogGroup).WithResource(groupResource(func(in *logstypes.UntagLogGroupRequest) string { return in.LogGroupName })),
			protocol.Op("logs", "ListTagsLogGroup", s.ListTagsLogGroup).WithResource(groupResource(func(in *logstypes.ListTagsLogGroupRequest) string { return in.LogGroupName })),
		},
	}
}

// groupResource names the log group an input acts on ("*" without one,
// e.g. a call by logGroupIdentifier).
func groupResource[I any](name func(*I) string) func(context.Context, any) string {
	return func(ctx context.Context, in any) string {
		n := name(in.(*I))
		if n == "" {
			return "*"
		}
		return scopeOf(ctx).groupARN(n) + ":*"
	}
}
