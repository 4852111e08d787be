package iam

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/iam/iamtypes"
)

// TagRole adds tags to a role, replacing the values of keys it has
// (keys compare without regard to case; the new spelling is kept).
func (s *Service) TagRole(ctx context.Context, in *iamtypes.TagRoleRequest) (*struct{}, error) {
	var v violations
	v.name(in.RoleName, "roleName", maxRoleNameLen)
	if in.Tags == nil {
		v.add(nil, "tags", "not be null")
	}
	v.tags(in.Tags, "tags")
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := checkTagKeys(in.Tags); err != nil {
		return nil, err
	}
	_, err := s.mutateRole(ctx, in.RoleName, func(r *roleRecord) error {
		tags := slices.Clone(r.Role.Tags)
		for _, t := range in.Tags {
			if i := tagIndex(tags, t.Key); i >= 0 {
				tags[i] = t
			} else {
				tags = append(tags, t)
			}
		}
		if len(tags) > maxTagsPerRole {
			return limitExceeded("Cannot exceed quota for TagsPerRole: %d", maxTagsPerRole)
		}
		r.Role.Tags = tags
		return nil
	})
	return nil, err
}

func tagIndex(tags []iamtypes.Tag, key string) int {
	return slices.IndexFunc(tags, func(t iamtypes.Tag) bool { return strings.EqualFold(t.Key, key) })
}

// UntagRole removes tags from a role; keys it lacks are ignored.
func (s *Service) UntagRole(ctx context.Context, in *iamtypes.UntagRoleRequest) (*struct{}, error) {
	var v violations
	v.name(in.RoleName, "roleName", maxRoleNameLen)
	switch {
	case in.TagKeys == nil:
		v.add(nil, "tagKeys", "not be null")
	case len(in.TagKeys) > maxTagsPerRole:
		v.add(nil, "tagKeys", "have length less than or equal to 50")
	}
	for i, k := range in.TagKeys {
		if i < maxTagsPerRole {
			v.tagKey(k, "tagKeys."+strconv.Itoa(i+1)+".member")
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	_, err := s.mutateRole(ctx, in.RoleName, func(r *roleRecord) error {
		r.Role.Tags = slices.DeleteFunc(slices.Clone(r.Role.Tags), func(t iamtypes.Tag) bool {
			return slices.ContainsFunc(in.TagKeys, func(k string) bool { return strings.EqualFold(k, t.Key) })
		})
		if len(r.Role.Tags) == 0 {
			r.Role.Tags = nil
		}
		return nil
	})
	return nil, err
}

// ListRoleTags lists a role's tags, sorted by key.
func (s *Service) ListRoleTags(ctx context.Context, in *iamtypes.ListRoleTagsRequest) (*iamtypes.ListRoleTagsResponse, error) {
	var v violations
	v.paging(in.Marker, in.MaxItems)
	if err := v.err(); err != nil {
		return nil, err
	}
	rec, _, err := s.getRole(ctx, accountOf(ctx), in.RoleName)
	if err != nil {
		return nil, err
	}
	tags := slices.SortedFunc(slices.Values(rec.Role.Tags), func(a, b iamtypes.Tag) int {
		return strings.Compare(strings.ToLower(a.Key), strings.ToLower(b.Key))
	})
	page, more, marker, err := takePage(tags, func(t iamtypes.Tag) string { return strings.ToLower(t.Key) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamtypes.ListRoleTagsResponse{Tags: page, IsTruncated: more, Marker: marker}, nil
}
