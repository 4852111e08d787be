package logs

import (
	"context"
	"maps"
	"strings"
	"unicode"

	"github.com/berth-dev/berth/internal/awsapi/logs/logstypes"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"net/http"
)

const maxTags = 50

// validTags checks tags as CloudWatch Logs does: at most 50, keys of 1–128
// letters, digits, spaces and _.:/=+-@ not starting with "aws:", values up
// to 256 of the same.
func validTags(tags map[string]string) error {
	if len(tags) > maxTags {
		return protocol.Errorf(logstypes.ErrTooManyTagsException, http.StatusBadRequest, "A resource can have no more than %d tags.", maxTags)
	}
	for k, v := range tags {
		if err := lengthBetween(k, "tags", 1, 128); err != nil {
			return err
		}
		if len(v) > 256 {
			return constraint(v, "tags", "have length less than or equal to 256")
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return invalidParameter("Tag keys starting with 'aws:' are reserved for AWS use.")
		}
		if !tagChars(k) || !tagChars(v) {
			return constraint(k, "tags", `satisfy regular expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`)
		}
	}
	return nil
}

func tagChars(s string) bool {
	for _, c := range s {
		if !unicode.IsLetter(c) && !unicode.IsNumber(c) && !unicode.In(c, unicode.Z) && !strings.ContainsRune("_.:/=+-@", c) {
			return false
		}
	}
	return true
}

// groupOfARN is the log group a tagging ARN names (with or without ":*");
// only log groups are taggable here.
func groupOfARN(sc scope, arn string) (string, error) {
	if !strings.HasPrefix(arn, "arn:") {
		return "", invalidParameter("Invalid resource ARN: %s", arn)
	}
	return resolveGroup(sc, "", arn)
}

// TagResource adds or replaces tags of a log group named by ARN.
func (s *Service) TagResource(ctx context.Context, in *logstypes.TagResourceRequest) (*struct{}, error) {
	name, err := groupOfARN(scopeOf(ctx), in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return s.tag(ctx, name, in.Tags)
}

// TagLogGroup is the older TagResource, by group name.
func (s *Service) TagLogGroup(ctx context.Context, in *logstypes.TagLogGroupRequest) (*struct{}, error) {
	return s.tag(ctx, in.LogGroupName, in.Tags)
}

func (s *Service) tag(ctx context.Context, name string, tags map[string]string) (*struct{}, error) {
	if len(tags) == 0 {
		return nil, constraint("{}", "tags", "have length greater than or equal to 1")
	}
	if err := validTags(tags); err != nil {
		return nil, err
	}
	err := s.mutateGroup(ctx, name, func(g *group) error {
		merged := maps.Clone(g.Tags)
		if merged == nil {
			merged = map[string]string{}
		}
		maps.Copy(merged, tags)
		if err := validTags(merged); err != nil {
			return err
		}
		g.Tags = merged
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// UntagResource removes tags of a log group named by ARN.
func (s *Service) UntagResource(ctx context.Context, in *logstypes.UntagResourceRequest) (*struct{}, error) {
	name, err := groupOfARN(scopeOf(ctx), in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return s.untag(ctx, name, in.TagKeys)
}

// UntagLogGroup is the older UntagResource, by group name.
func (s *Service) UntagLogGroup(ctx context.Context, in *logstypes.UntagLogGroupRequest) (*struct{}, error) {
	return s.untag(ctx, in.LogGroupName, in.Tags)
}

func (s *Service) untag(ctx context.Context, name string, keys []string) (*struct{}, error) {
	if len(keys) == 0 {
		return nil, constraint("[]", "tagKeys", "have length greater than or equal to 1")
	}
	err := s.mutateGroup(ctx, name, func(g *group) error {
		for _, k := range keys {
			delete(g.Tags, k)
		}
		if len(g.Tags) == 0 {
			g.Tags = nil
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// ListTagsForResource returns a log group's tags, by ARN.
func (s *Service) ListTagsForResource(ctx context.Context, in *logstypes.ListTagsForResourceRequest) (*logstypes.ListTagsForResourceResponse, error) {
	sc := scopeOf(ctx)
	name, err := groupOfARN(sc, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	tags, err := s.tagsOf(ctx, sc, name)
	if err != nil {
		return nil, err
	}
	return &logstypes.ListTagsForResourceResponse{Tags: tags}, nil
}

// ListTagsLogGroup is the older ListTagsForResource, by group name.
func (s *Service) ListTagsLogGroup(ctx context.Context, in *logstypes.ListTagsLogGroupRequest) (*logstypes.ListTagsLogGroupResponse, error) {
	sc := scopeOf(ctx)
	if err := validGroupName(in.LogGroupName, "logGroupName"); err != nil {
		return nil, err
	}
	tags, err := s.tagsOf(ctx, sc, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	return &logstypes.ListTagsLogGroupResponse{Tags: tags}, nil
}

func (s *Service) tagsOf(ctx context.Context, sc scope, name string) (map[string]string, error) {
	g, err := s.getGroup(ctx, sc, name)
	if err != nil {
		return nil, err
	}
	if g.Tags == nil {
		return map[string]string{}, nil
	}
	return g.Tags, nil
}
