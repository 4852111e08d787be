package events

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/events/eventstypes"
)

// maxTags is how many tags a resource may carry.
const maxTags = 50

// tagMap checks tags as EventBridge does and returns them as a map.
func tagMap(tags []eventstypes.Tag) (map[string]string, error) {
	if len(tags) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(tags))
	for i, t := range tags {
		if err := lengthBetween(t.Key, "tags."+strconv.Itoa(i+1)+".member.key", 1, 128); err != nil {
			return nil, err
		}
		if err := lengthBetween(t.Value, "tags."+strconv.Itoa(i+1)+".member.value", 0, 256); err != nil {
			return nil, err
		}
		if strings.HasPrefix(t.Key, "aws:") {
			return nil, validation("Invalid tag key: tag keys starting with 'aws:' are reserved.")
		}
		m[t.Key] = t.Value
	}
	return m, nil
}

func tagList(m map[string]string) []eventstypes.Tag {
	out := make([]eventstypes.Tag, 0, len(m))
	for k, v := range m {
		out = append(out, eventstypes.Tag{Key: k, Value: v})
	}
	slices.SortFunc(out, func(a, b eventstypes.Tag) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// taggedRule resolves a rule ARN of the caller's default bus to the
// rule's name. Other taggable resources (buses) are not served.
func (sc scope) taggedRule(arn string) (string, error) {
	if err := lengthBetween(arn, "resourceARN", 1, 1600); err != nil {
		return "", err
	}
	name, ok := strings.CutPrefix(arn, sc.arn("rule/"))
	if !ok || strings.Contains(name, "/") {
		return "", notFound("Resource %s does not exist.", arn)
	}
	return name, nil
}

// TagResource adds or replaces tags of a rule.
func (s *Service) TagResource(ctx context.Context, in *eventstypes.TagResourceRequest) (*struct{}, error) {
	sc := scopeOf(ctx)
	name, err := sc.taggedRule(in.ResourceARN)
	if err != nil {
		return nil, err
	}
	if in.Tags == nil {
		return nil, required("tags")
	}
	add, err := tagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	_, err = s.mutateRule(ctx, sc, name, "", func(r *rule) error {
		merged := make(map[string]string, len(r.Tags)+len(add))
		for k, v := range r.Tags {
			merged[k] = v
		}
		for k, v := range add {
			merged[k] = v
		}
		if len(merged) > maxTags {
			return limitExceeded("The maximum number of tags (%d) for the resource has been exceeded.", maxTags)
		}
		r.Tags = merged
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// UntagResource removes tags of a rule; absent keys are ignored.
func (s *Service) UntagResource(ctx context.Context, in *eventstypes.UntagResourceRequest) (*struct{}, error) {
	sc := scopeOf(ctx)
	name, err := sc.taggedRule(in.ResourceARN)
	if err != nil {
		return nil, err
	}
	if in.TagKeys == nil {
		return nil, required("tagKeys")
	}
	_, err = s.mutateRule(ctx, sc, name, "", func(r *rule) error {
		for _, k := range in.TagKeys {
			delete(r.Tags, k)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// ListTagsForResource returns a rule's tags.
func (s *Service) ListTagsForResource(ctx context.Context, in *eventstypes.ListTagsForResourceRequest) (*eventstypes.ListTagsForResourceResponse, error) {
	sc := scopeOf(ctx)
	name, err := sc.taggedRule(in.ResourceARN)
	if err != nil {
		return nil, err
	}
	r, err := s.getRule(ctx, sc, name, "")
	if err != nil {
		return nil, err
	}
	return &eventstypes.ListTagsForResourceResponse{Tags: tagList(r.Tags)}, nil
}
