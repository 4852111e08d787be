package logs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/logs/logstypes"
	"github.com/berth-dev/berth/internal/store"
)

// retentionDays are the retention periods CloudWatch Logs accepts.
var retentionDays = []int32{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// CreateLogGroup creates an empty log group.
func (s *Service) CreateLogGroup(ctx context.Context, in *logstypes.CreateLogGroupRequest) (*struct{}, error) {
	sc := scopeOf(ctx)
	if err := validGroupName(in.LogGroupName, "logGroupName"); err != nil {
		return nil, err
	}
	if in.KmsKeyId != "" {
		return nil, invalidParameter("KMS encryption of log groups is not supported by berth.")
	}
	if in.DeletionProtectionEnabled {
		// Turning it off needs PutLogGroupDeletionProtection, not served yet.
		return nil, invalidParameter("Deletion protection of log groups is not supported by berth.")
	}
	class := in.LogGroupClass
	switch class {
	case "":
		class = logstypes.LogGroupClassStandard
	case logstypes.LogGroupClassStandard, logstypes.LogGroupClassInfrequentAccess, logstypes.LogGroupClassDelivery:
	default:
		return nil, constraint(class, "logGroupClass", "satisfy enum value set: ["+strings.Join(logstypes.LogGroupClassValues, ", ")+"]")
	}
	if err := validTags(in.Tags); err != nil {
		return nil, err
	}
	g := s.newGroup(in.LogGroupName, class, in.Tags)
	if _, err := groups(s.store).Create(ctx, sc.groupKey(g.Name), g); errors.Is(err, store.ErrAlreadyExists) {
		return nil, alreadyExists("The specified log group already exists")
	} else if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// DeleteLogGroup deletes a group, its streams and their events.
func (s *Service) DeleteLogGroup(ctx context.Context, in *logstypes.DeleteLogGroupRequest) (*struct{}, error) {
	sc := scopeOf(ctx)
	if err := validGroupName(in.LogGroupName, "logGroupName"); err != nil {
		return nil, err
	}
	g, err := s.getGroup(ctx, sc, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	if err := s.store.Delete(ctx, sc.groupKey(g.Name), 0); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if _, err := s.store.DeletePrefix(ctx, sc.streamPrefix(g.Name)); err != nil {
		return nil, err
	}
	// The record went first: a group created again at once gets a new id,
	// so whatever of the old events is still on disk is never seen.
	if err := s.events.DeleteGroup(g.ID); err != nil {
		return nil, fmt.Errorf("deleting events of log group %s: %w", g.Name, err)
	}
	return &struct{}{}, nil
}

// DescribeLogGroups lists the account's groups in name order.
func (s *Service) DescribeLogGroups(ctx context.Context, in *logstypes.DescribeLogGroupsRequest) (*logstypes.DescribeLogGroupsResponse, error) {
	sc := scopeOf(ctx)
	limit, err := limitBetween(in.Limit, "limit", 1, 50, 50)
	if err != nil {
		return nil, err
	}
	if in.LogGroupNamePrefix != "" && in.LogGroupNamePattern != "" {
		return nil, invalidParameter("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
	}
	if in.LogGroupNamePrefix != "" {
		if err := validGroupName(in.LogGroupNamePrefix, "logGroupNamePrefix"); err != nil {
			return nil, err
		}
	}
	after, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	prefix := store.Prefix(kindGroup, sc.account, sc.region)
	out := &logstypes.DescribeLogGroupsResponse{LogGroups: []logstypes.LogGroup{}}
	err = groups(s.store).Scan(ctx, prefix+in.LogGroupNamePrefix, after, func(obj store.Object, g *group) bool {
		if !matchesGroup(sc, g, in) {
			return true
		}
		if len(out.LogGroups) == limit {
			out.NextToken = encodeToken(sc.groupKey(out.LogGroups[limit-1].LogGroupName))
			return false
		}
		out.LogGroups = append(out.LogGroups, s.groupShape(sc, g))
		return true
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// matchesGroup applies DescribeLogGroups' filters other than the prefix.
func matchesGroup(sc scope, g *group, in *logstypes.DescribeLogGroupsRequest) bool {
	if in.LogGroupNamePattern != "" && !strings.Contains(strings.ToLower(g.Name), strings.ToLower(in.LogGroupNamePattern)) {
		return false
	}
	if in.LogGroupClass != "" && g.Class != in.LogGroupClass {
		return false
	}
	if len(in.LogGroupIdentifiers) > 0 {
		arn := sc.groupARN(g.Name)
		return slices.ContainsFunc(in.LogGroupIdentifiers, func(id string) bool {
			return id == g.Name || id == arn || id == arn+":*"
		})
	}
	return true
}

func (s *Service) groupShape(sc scope, g *group) logstypes.LogGroup {
	lg := logstypes.LogGroup{
		LogGroupName:  g.Name,
		CreationTime:  g.CreationTime,
		Arn:           sc.groupARN(g.Name) + ":*",
		LogGroupArn:   sc.groupARN(g.Name),
		StoredBytes:   s.events.GroupStoredBytes(g.ID),
		LogGroupClass: g.Class,
	}
	if g.RetentionInDays > 0 {
		lg.RetentionInDays = &g.RetentionInDays
	}
	return lg
}

// PutRetentionPolicy sets how long a group keeps its events; older ones
// are deleted (Retain).
func (s *Service) PutRetentionPolicy(ctx context.Context, in *logstypes.PutRetentionPolicyRequest) (*struct{}, error) {
	if !slices.Contains(retentionDays, in.RetentionInDays) {
		days := make([]string, len(retentionDays))
		for i, d := range retentionDays {
			days[i] = strconv.Itoa(int(d))
		}
		return nil, constraint(in.RetentionInDays, "retentionInDays", "satisfy enum value set: ["+strings.Join(days, ", ")+"]")
	}
	var g *group
	err := s.mutateGroup(ctx, in.LogGroupName, func(rec *group) error {
		rec.RetentionInDays, g = in.RetentionInDays, rec
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Applied at once too, not only at the next retention pass.
	if err := s.expire(g); err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// DeleteRetentionPolicy makes a group keep its events forever.
func (s *Service) DeleteRetentionPolicy(ctx context.Context, in *logstypes.DeleteRetentionPolicyRequest) (*struct{}, error) {
	err := s.mutateGroup(ctx, in.LogGroupName, func(g *group) error {
		g.RetentionInDays = 0
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// mutateGroup validates a group name and changes its record.
func (s *Service) mutateGroup(ctx context.Context, name string, fn func(*group) error) error {
	if err := validGroupName(name, "logGroupName"); err != nil {
		return err
	}
	_, _, err := groups(s.store).Mutate(ctx, scopeOf(ctx).groupKey(name), fn)
	if errors.Is(err, store.ErrNotFound) {
		return groupNotFound()
	}
	return err
}
