package ec2

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/berth-dev/berth/internal/awsapi/ec2/ec2types"
	"github.com/berth-dev/berth/internal/store"
)

// Tag limits, as AWS has them.
const (
	maxTagsPerResource = 50
	maxTagKeyLen       = 128
	maxTagValueLen     = 256
)

// tagKind is one taggable resource type: its id prefix, store kind, the
// resource-type DescribeTags shows, and its not-found error.
type tagKind struct {
	prefix, kind, resourceType string
	notFound                   func(id string) error
}

var tagKinds = []tagKind{
	{"vpc-", kindVPC, "vpc", vpcNotFound},
	{"subnet-", kindSubnet, "subnet", subnetNotFound},
	{"eni-", kindENI, "network-interface", func(id string) error {
		return ec2Error("InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '%s' does not exist", id)
	}},
	{"sg-", kindSG, "security-group", func(id string) error {
		return ec2Error("InvalidGroup.NotFound", "The security group '%s' does not exist", id)
	}},
}

func tagKindOf(id string) (tagKind, error) {
	for _, k := range tagKinds {
		if strings.HasPrefix(id, k.prefix) {
			return k, nil
		}
	}
	return tagKind{}, ec2Error("InvalidID", "The ID '%s' is not valid", id)
}

// validateTag checks a tag's key and value against AWS's rules.
func validateTag(t ec2types.Tag) error {
	switch n := utf8.RuneCountInString(t.Key); {
	case n == 0:
		return invalidValue("Tag key cannot be empty. Tag keys must be between 1 and %d characters.", maxTagKeyLen)
	case n > maxTagKeyLen:
		return invalidValue("Tag key exceeds the maximum length of %d characters", maxTagKeyLen)
	case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
		return invalidValue("Value ( %s ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved for internal use", t.Key)
	}
	if utf8.RuneCountInString(t.Value) > maxTagValueLen {
		return invalidValue("Tag value exceeds the maximum length of %d characters", maxTagValueLen)
	}
	return nil
}

// mergeTags sets add's tags on tags, replacing the values of keys already
// there, and checks the result against the per-resource limit.
func mergeTags(tags, add []ec2types.Tag) ([]ec2types.Tag, error) {
	out := slices.Clone(tags)
	for _, t := range add {
		if i := slices.IndexFunc(out, func(o ec2types.Tag) bool { return o.Key == t.Key }); i >= 0 {
			out[i].Value = t.Value
		} else {
			out = append(out, t)
		}
	}
	if len(out) > maxTagsPerResource {
		return nil, ec2Error("TagLimitExceeded", "The maximum number of tags per resource (%d) has been exceeded", maxTagsPerResource)
	}
	return out, nil
}

// tagsFor returns the tags of a Create call's TagSpecifications, which
// must all be for resourceType.
func tagsFor(specs []ec2types.TagSpecification, resourceType string) ([]ec2types.Tag, error) {
	tags := []ec2types.Tag{}
	for _, spec := range specs {
		if spec.ResourceType != resourceType {
			return nil, invalidValue("'%s' is not a valid taggable resource type for this operation.", spec.ResourceType)
		}
		for _, t := range spec.Tags {
			if err := validateTag(t); err != nil {
				return nil, err
			}
		}
		var err error
		if tags, err = mergeTags(tags, spec.Tags); err != nil {
			return nil, err
		}
	}
	return tags, nil
}

// mutateTags reads resource id's tags, lets fn change them and writes them
// back. An unknown resource is its type's NotFound error.
func (s *Service) mutateTags(ctx context.Context, sc scope, id string, fn func([]ec2types.Tag) ([]ec2types.Tag, error)) error {
	k, err := tagKindOf(id)
	if err != nil {
		return err
	}
	key := sc.key(k.kind, id)
	switch k.kind {
	case kindVPC:
		_, _, err = s.vpcs().Mutate(ctx, key, func(v *ec2types.Vpc) (err error) {
			v.Tags, err = fn(v.Tags)
			return err
		})
	case kindSubnet:
		_, _, err = s.subnets().Mutate(ctx, key, func(v *ec2types.Subnet) (err error) {
			v.Tags, err = fn(v.Tags)
			return err
		})
	case kindSG:
		_, _, err = s.groups().Mutate(ctx, key, func(v *sgRecord) (err error) {
			v.Group.Tags, err = fn(v.Group.Tags)
			return err
		})
	case kindENI:
		_, _, err = s.enis().Mutate(ctx, key, func(v *ec2types.NetworkInterface) (err error) {
			v.TagSet, err = fn(v.TagSet)
			return err
		})
	}
	if errors.Is(err, store.ErrNotFound) {
		return k.notFound(id)
	}
	return err
}

// checkResources makes sure every resource exists before a tag call
// changes any of them, so that a bad id changes nothing.
func (s *Service) checkResources(ctx context.Context, sc scope, ids []string) error {
	for _, id := range ids {
		if err := s.mutateTags(ctx, sc, id, func(t []ec2types.Tag) ([]ec2types.Tag, error) { return t, nil }); err != nil {
			return err
		}
	}
	return nil
}

// CreateTags adds or overwrites tags on VPCs, subnets and security groups.
func (s *Service) CreateTags(ctx context.Context, in *ec2types.CreateTagsRequest) (*returnResult, error) {
	sc := scopeOf(ctx)
	if _, err := s.ensureDefaults(ctx, sc); err != nil {
		return nil, err
	}
	if len(in.Resources) == 0 {
		return nil, missingParameter("resourceIdSet")
	}
	if len(in.Tags) == 0 {
		return nil, missingParameter("tagSet")
	}
	for _, t := range in.Tags {
		if err := validateTag(t); err != nil {
			return nil, err
		}
	}
	if err := s.checkResources(ctx, sc, in.Resources); err != nil {
		return nil, err
	}
	// Check the limit on every resource before writing any.
	for _, id := range in.Resources {
		err := s.mutateTags(ctx, sc, id, func(t []ec2types.Tag) ([]ec2types.Tag, error) {
			_, err := mergeTags(t, in.Tags)
			return t, err
		})
		if err != nil {
			return nil, err
		}
	}
	for _, id := range in.Resources {
		if err := s.mutateTags(ctx, sc, id, func(t []ec2types.Tag) ([]ec2types.Tag, error) { return mergeTags(t, in.Tags) }); err != nil {
			return nil, err
		}
	}
	return &returnResult{Return: true}, nil
}

// DeleteTags removes tags: a tag given with a value only when the value
// matches, a tag given by key alone whatever its value, and every tag when
// none is given. The query protocol can not tell an absent value from an
// empty one, so an empty value deletes the key whatever its value.
func (s *Service) DeleteTags(ctx context.Context, in *ec2types.DeleteTagsRequest) (*returnResult, error) {
	sc := scopeOf(ctx)
	if _, err := s.ensureDefaults(ctx, sc); err != nil {
		return nil, err
	}
	if len(in.Resources) == 0 {
		return nil, missingParameter("resourceIdSet")
	}
	for _, t := range in.Tags {
		if t.Key == "" {
			return nil, invalidValue("Tag key cannot be empty.")
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return nil, invalidValue("Value ( %s ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved for internal use", t.Key)
		}
	}
	if err := s.checkResources(ctx, sc, in.Resources); err != nil {
		return nil, err
	}
	drop := func(have ec2types.Tag) bool {
		if len(in.Tags) == 0 {
			return true
		}
		return slices.ContainsFunc(in.Tags, func(t ec2types.Tag) bool {
			return t.Key == have.Key && (t.Value == "" || t.Value == have.Value)
		})
	}
	for _, id := range in.Resources {
		err := s.mutateTags(ctx, sc, id, func(tags []ec2types.Tag) ([]ec2types.Tag, error) {
			out := []ec2types.Tag{}
			for _, t := range tags {
				if !drop(t) {
					out = append(out, t)
				}
			}
			return out, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return &returnResult{Return: true}, nil
}

// allTags lists the tags of every taggable resource of the scope.
func (s *Service) allTags(ctx context.Context, sc scope) ([]ec2types.TagDescription, error) {
	var out []ec2types.TagDescription
	add := func(id, resourceType string, tags []ec2types.Tag) {
		for _, t := range tags {
			out = append(out, ec2types.TagDescription{ResourceId: id, ResourceType: resourceType, Key: t.Key, Value: t.Value})
		}
	}
	vpcs, _, err := s.vpcs().ListAll(ctx, sc.prefix(kindVPC))
	if err != nil {
		return nil, err
	}
	for _, it := range vpcs {
		add(it.Value.VpcId, "vpc", it.Value.Tags)
	}
	subnets, _, err := s.subnets().ListAll(ctx, sc.prefix(kindSubnet))
	if err != nil {
		return nil, err
	}
	for _, it := range subnets {
		add(it.Value.SubnetId, "subnet", it.Value.Tags)
	}
	groups, _, err := s.groups().ListAll(ctx, sc.prefix(kindSG))
	if err != nil {
		return nil, err
	}
	for _, it := range groups {
		add(it.Value.Group.GroupId, "security-group", it.Value.Group.Tags)
	}
	enis, err := s.listENIs(ctx, sc)
	if err != nil {
		return nil, err
	}
	for _, v := range enis {
		add(v.NetworkInterfaceId, "network-interface", v.TagSet)
	}
	return out, nil
}

// DescribeTags lists tags of the account and region's resources, sorted by
// resource id and key.
func (s *Service) DescribeTags(ctx context.Context, in *ec2types.DescribeTagsRequest) (*ec2types.DescribeTagsResult, error) {
	sc := scopeOf(ctx)
	if _, err := s.ensureDefaults(ctx, sc); err != nil {
		return nil, err
	}
	if err := checkMaxResults(in.MaxResults); err != nil {
		return nil, err
	}
	all, err := s.allTags(ctx, sc)
	if err != nil {
		return nil, err
	}
	var matched []ec2types.TagDescription
	for _, d := range all {
		ok, err := matchFilters(in.Filters, func(name string) ([]string, bool) {
			switch name {
			case "key":
				return []string{d.Key}, true
			case "value":
				return []string{d.Value}, true
			case "resource-id":
				return []string{d.ResourceId}, true
			case "resource-type":
				return []string{d.ResourceType}, true
			}
			return nil, false
		})
		if err != nil {
			return nil, err
		}
		if ok {
			matched = append(matched, d)
		}
	}
	// The key joins id and tag key with a byte neither can hold, so that
	// the order is id first, then key.
	sortKey := func(d ec2types.TagDescription) string { return d.ResourceId + "\x00" + d.Key }
	slices.SortFunc(matched, func(a, b ec2types.TagDescription) int { return strings.Compare(sortKey(a), sortKey(b)) })
	page, next, err := takePage(matched, sortKey, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &ec2types.DescribeTagsResult{Tags: nonNil(page), NextToken: next}, nil
}
