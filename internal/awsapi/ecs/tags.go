package ecs

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/store"
)

const maxTags = 50

// validTagChars: letters, numbers and spaces representable in UTF-8, and
// + - = . _ : / @ (AWS's rule for tag keys and values).
func validTagChars(s string) bool {
	for _, r := range s {
		if !(r == ' ' || strings.ContainsRune("+-=._:/@", r) || isLetterOrDigit(r)) {
			return false
		}
	}
	return true
}

func isLetterOrDigit(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r >= utf8.RuneSelf
}

// validateTags checks tags as ECS does: at most 50, keys 1–128 and values
// 0–256 characters of the allowed set, no aws: prefix, no repeated key.
func validateTags(tags []ecstypes.Tag) error {
	if len(tags) > maxTags {
		return invalidParameter("A resource can have at most %d tags.", maxTags)
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if err := validateTagKey(t.Key); err != nil {
			return err
		}
		if utf8.RuneCountInString(t.Value) > 256 || !validTagChars(t.Value) {
			return invalidParameter("Tag value %q is invalid: up to 256 letters, numbers, spaces and + - = . _ : / @.", t.Value)
		}
		if seen[t.Key] {
			return invalidParameter("Duplicate tag key %q.", t.Key)
		}
		seen[t.Key] = true
	}
	return nil
}

func validateTagKey(k string) error {
	if n := utf8.RuneCountInString(k); n < 1 || n > 128 || !validTagChars(k) {
		return invalidParameter("Tag key %q is invalid: 1 to 128 letters, numbers, spaces and + - = . _ : / @.", k)
	}
	if strings.HasPrefix(strings.ToLower(k), "aws:") {
		return invalidParameter("Tag keys starting with 'aws:' are reserved for AWS use.")
	}
	return nil
}

// mergeTags overlays updates on base by key.
func mergeTags(base, updates []ecstypes.Tag) []ecstypes.Tag {
	out := slices.Clone(base)
	for _, u := range updates {
		if i := slices.IndexFunc(out, func(t ecstypes.Tag) bool { return t.Key == u.Key }); i >= 0 {
			out[i].Value = u.Value
		} else {
			out = append(out, u)
		}
	}
	return out
}

// withTags applies fn to the tags of the resource an ARN names, with
// compare-and-swap, and returns the tags after.
func (s *Service) withTags(ctx context.Context, arn string, fn func([]ecstypes.Tag) ([]ecstypes.Tag, error)) ([]ecstypes.Tag, error) {
	sc := scopeOf(ctx)
	a, ok := parseARN(arn)
	if !ok || a.account != sc.account || a.region != sc.region {
		return nil, invalidParameter("The ARN %q is not a valid ECS resource ARN in account %s, region %s.", arn, sc.account, sc.region)
	}
	var tags []ecstypes.Tag
	switch a.resourceType {
	case "cluster":
		_, err := s.mutateCluster(ctx, a.resource, func(c *ecstypes.Cluster) error {
			var err error
			c.Tags, err = fn(c.Tags)
			tags = c.Tags
			return err
		})
		if err != nil && !errors.Is(err, errReadOnly) {
			return nil, err
		}
	case "task-definition":
		family, rev, ok := splitFamilyRevision(a.resource)
		if !ok || rev == 0 {
			return nil, invalidParameter("The ARN %q does not name a task definition revision.", arn)
		}
		_, _, err := s.taskDefs().Mutate(ctx, taskDefKey(sc, family, rev), func(r *taskDefRecord) error {
			var err error
			r.Tags, err = fn(r.Tags)
			tags = r.Tags
			return err
		})
		if errors.Is(err, store.ErrNotFound) {
			return nil, resourceNotFound("The specified task definition does not exist.")
		}
		if err != nil && !errors.Is(err, errReadOnly) {
			return nil, passClientError(err, "tagging task definition")
		}
	default:
		return nil, invalidParameter("Tagging resources of type %q is not supported.", a.resourceType)
	}
	return emptyTags(tags), nil
}

// TagResource adds or overwrites tags on a cluster or task definition.
func (s *Service) TagResource(ctx context.Context, in *ecstypes.TagResourceRequest) (*ecstypes.TagResourceResponse, error) {
	if in.ResourceArn == "" {
		return nil, missing("resourceArn")
	}
	if in.Tags == nil {
		return nil, missing("tags")
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	_, err := s.withTags(ctx, in.ResourceArn, func(cur []ecstypes.Tag) ([]ecstypes.Tag, error) {
		merged := mergeTags(cur, in.Tags)
		if len(merged) > maxTags {
			return nil, invalidParameter("A resource can have at most %d tags.", maxTags)
		}
		return merged, nil
	})
	if err != nil {
		return nil, err
	}
	return &ecstypes.TagResourceResponse{}, nil
}

// UntagResource removes tags by key; absent keys are ignored.
func (s *Service) UntagResource(ctx context.Context, in *ecstypes.UntagResourceRequest) (*ecstypes.UntagResourceResponse, error) {
	if in.ResourceArn == "" {
		return nil, missing("resourceArn")
	}
	if in.TagKeys == nil {
		return nil, missing("tagKeys")
	}
	for _, k := range in.TagKeys {
		if err := validateTagKey(k); err != nil {
			return nil, err
		}
	}
	_, err := s.withTags(ctx, in.ResourceArn, func(cur []ecstypes.Tag) ([]ecstypes.Tag, error) {
		return slices.DeleteFunc(slices.Clone(cur), func(t ecstypes.Tag) bool { return slices.Contains(in.TagKeys, t.Key) }), nil
	})
	if err != nil {
		return nil, err
	}
	return &ecstypes.UntagResourceResponse{}, nil
}

// ListTagsForResource lists a resource's tags.
func (s *Service) ListTagsForResource(ctx context.Context, in *ecstypes.ListTagsForResourceRequest) (*ecstypes.ListTagsForResourceResponse, error) {
	if in.ResourceArn == "" {
		return nil, missing("resourceArn")
	}
	tags, err := s.withTags(ctx, in.ResourceArn, func(cur []ecstypes.Tag) ([]ecstypes.Tag, error) {
		return cur, errReadOnly
	})
	if err != nil {
		return nil, err
	}
	return &ecstypes.ListTagsForResourceResponse{Tags: tags}, nil
}

// errReadOnly aborts a read-modify-write after the read, so listing reuses
// the tag lookup without writing.
var errReadOnly = errors.New("read only")
