package elbv2

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/store"
)

// Tag limits, as ELB has them.
const (
	maxTags         = 50 // per resource
	maxTagResources = 20 // ARNs per AddTags, RemoveTags or DescribeTags call
)

var tagPattern = regexp.MustCompile(`^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`)

// checkTags validates tags given to a create call or AddTags (field names
// the list, as "tags"): the model's constraints, reserved keys, and no key
// twice.
func checkTags(tags []elbv2types.Tag, field string) error {
	var v violations
	for i, t := range tags {
		at := field + "." + strconv.Itoa(i+1) + ".member."
		if v.required(t.Key != "", at+"key") {
			v.length(t.Key, at+"key", 1, 128)
			if !tagPattern.MatchString(t.Key) {
				v.add(t.Key, at+"key", `satisfy regular expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`)
			}
		}
		v.length(t.Value, at+"value", 0, 256)
		if !tagPattern.MatchString(t.Value) {
			v.add(t.Value, at+"value", `satisfy regular expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`)
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if strings.HasPrefix(t.Key, "aws:") {
			return validation("Tag key '%s' is not valid: keys starting with 'aws:' are reserved for AWS use", t.Key)
		}
		if seen[t.Key] {
			return elbError(elbv2types.ErrDuplicateTagKeysException, "Tag key '%s' was specified more than once", t.Key)
		}
		seen[t.Key] = true
	}
	if len(tags) > maxTags {
		return elbError(elbv2types.ErrTooManyTagsException, "A resource can have at most %d tags; %d were given", maxTags, len(tags))
	}
	return nil
}

// mergeTags returns tags with add applied: new keys appended, existing
// ones given the new value.
func mergeTags(tags, add []elbv2types.Tag) []elbv2types.Tag {
	out := slices.Clone(tags)
	for _, t := range add {
		if i := slices.IndexFunc(out, func(o elbv2types.Tag) bool { return o.Key == t.Key }); i >= 0 {
			out[i].Value = t.Value
		} else {
			out = append(out, t)
		}
	}
	return out
}

// taggable is a resource the tag calls act on, whatever its kind.
type taggable struct {
	arn  string
	what string // "load balancer", "target group", "listener", "rule"
	// tags reads the resource's tags, or answers its NotFound error.
	tags func(ctx context.Context) ([]elbv2types.Tag, error)
	// update changes them with fn, in one CAS write of the resource.
	update func(ctx context.Context, fn func([]elbv2types.Tag) ([]elbv2types.Tag, error)) error
}

// resolveTaggable finds the resource an ARN names.
func (s *Service) resolveTaggable(sc scope, arn string) (*taggable, error) {
	_, _, typ, _, _ := splitARN(arn)
	switch typ {
	case "loadbalancer":
		return kindTaggable(s.store, sc, arn, lbKind)
	case "targetgroup":
		return kindTaggable(s.store, sc, arn, tgKind)
	case "listener":
		ref, err := sc.parseListenerARN(arn)
		if err != nil {
			return nil, err
		}
		return recordTaggable(s.store, sc, arn, "listener", lbKind, ref.lb.name, ref.lb.id, listenerNotFound, func(r *lbRecord) *[]elbv2types.Tag {
			if l := r.listener(ref.id); l != nil {
				return &l.Tags
			}
			return nil
		}), nil
	case "listener-rule":
		ref, err := sc.parseRuleARN(arn)
		if err != nil {
			return nil, err
		}
		return recordTaggable(s.store, sc, arn, "rule", lbKind, ref.listener.lb.name, ref.listener.lb.id, ruleNotFound, func(r *lbRecord) *[]elbv2types.Tag {
			l := r.listener(ref.listener.id)
			switch {
			case l == nil:
				return nil
			case l.DefaultRuleID == ref.id:
				return &l.DefaultRuleTags
			}
			if rule := l.rule(ref.id); rule != nil {
				return &rule.Tags
			}
			return nil
		}), nil
	}
	return nil, validation("'%s' is not a valid load balancer, target group, listener or rule ARN", arn)
}

// kindTaggable is the load balancer or target group an ARN of kind k
// names.
func kindTaggable[T any](st store.Store, sc scope, arn string, k *recordKind[T]) (*taggable, error) {
	name, id, err := k.parseARN(sc, arn)
	if err != nil {
		return nil, err
	}
	return recordTaggable(st, sc, arn, k.what, k, name, id, k.notFound, k.tags), nil
}

// recordTaggable is a resource whose tags are in the record of kind k,
// name and id: the record's own, or a listener's or rule's inside a load
// balancer record, which find locates (nil when the resource is gone). A
// missing record or resource is notFound's error.
func recordTaggable[T any](st store.Store, sc scope, arn, what string, k *recordKind[T], name, id string, notFound func() *protocol.Error, find func(*T) *[]elbv2types.Tag) *taggable {
	return &taggable{arn: arn, what: what,
		tags: func(ctx context.Context) ([]elbv2types.Tag, error) {
			rec, _, err := k.get(ctx, st, sc, name, id)
			if hasCode(err, k.notFound().Code) {
				return nil, notFound()
			} else if err != nil {
				return nil, err
			}
			p := find(rec)
			if p == nil {
				return nil, notFound()
			}
			return *p, nil
		},
		update: func(ctx context.Context, fn func([]elbv2types.Tag) ([]elbv2types.Tag, error)) error {
			_, err := k.mutate(ctx, st, sc, name, id, notFound, func(r *T) (err error) {
				p := find(r)
				if p == nil {
					return notFound()
				}
				*p, err = fn(*p)
				return err
			})
			return err
		}}
}

// resolveTaggables validates a tag call's ARNs and finds each resource.
func (s *Service) resolveTaggables(ctx context.Context, sc scope, arns []string) ([]*taggable, error) {
	var v violations
	if v.required(arns != nil, "resourceArns") && len(arns) > maxTagResources {
		v.add(nil, "resourceArns", "have length less than or equal to 20")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	out := make([]*taggable, 0, len(arns))
	for _, arn := range arns {
		t, err := s.resolveTaggable(sc, arn)
		if err != nil {
			return nil, err
		}
		if _, err := t.tags(ctx); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// AddTags adds tags to load balancers, target groups, listeners and
// rules, replacing the values of keys they have. Every resource is checked
// before any is changed.
func (s *Service) AddTags(ctx context.Context, in *elbv2types.AddTagsInput) (*elbv2types.AddTagsOutput, error) {
	sc := scopeOf(ctx)
	var v violations
	if v.required(in.Tags != nil, "tags") && len(in.Tags) == 0 {
		v.add("[]", "tags", "have length greater than or equal to 1")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags, "tags"); err != nil {
		return nil, err
	}
	res, err := s.resolveTaggables(ctx, sc, in.ResourceArns)
	if err != nil {
		return nil, err
	}
	for _, r := range res {
		err := r.update(ctx, func(tags []elbv2types.Tag) ([]elbv2types.Tag, error) {
			merged := mergeTags(tags, in.Tags)
			if len(merged) > maxTags {
				return nil, elbError(elbv2types.ErrTooManyTagsException,
					"The quota for the number of tags that can be assigned to a %s has been reached", r.what)
			}
			return merged, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return &elbv2types.AddTagsOutput{}, nil
}

// RemoveTags removes tag keys from resources; keys they lack are ignored.
func (s *Service) RemoveTags(ctx context.Context, in *elbv2types.RemoveTagsInput) (*elbv2types.RemoveTagsOutput, error) {
	sc := scopeOf(ctx)
	var v violations
	v.required(in.TagKeys != nil, "tagKeys")
	for i, k := range in.TagKeys {
		v.length(k, "tagKeys."+strconv.Itoa(i+1)+".member", 1, 128)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	res, err := s.resolveTaggables(ctx, sc, in.ResourceArns)
	if err != nil {
		return nil, err
	}
	for _, r := range res {
		err := r.update(ctx, func(tags []elbv2types.Tag) ([]elbv2types.Tag, error) {
			out := slices.DeleteFunc(slices.Clone(tags), func(t elbv2types.Tag) bool { return slices.Contains(in.TagKeys, t.Key) })
			if len(out) == 0 {
				out = nil
			}
			return out, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return &elbv2types.RemoveTagsOutput{}, nil
}

// DescribeTags returns the tags of each resource, in the order asked.
func (s *Service) DescribeTags(ctx context.Context, in *elbv2types.DescribeTagsInput) (*elbv2types.DescribeTagsOutput, error) {
	sc := scopeOf(ctx)
	res, err := s.resolveTaggables(ctx, sc, in.ResourceArns)
	if err != nil {
		return nil, err
	}
	out := &elbv2types.DescribeTagsOutput{TagDescriptions: []elbv2types.TagDescription{}}
	for _, r := range res {
		tags, err := r.tags(ctx)
		if err != nil {
			return nil, err
		}
		out.TagDescriptions = append(out.TagDescriptions, elbv2types.TagDescription{ResourceArn: r.arn, Tags: emptyTags(tags)})
	}
	return out, nil
}

// emptyTags answers a resource without tags with an empty list, as ELB
// does, rather than none.
func emptyTags(tags []elbv2types.Tag) []elbv2types.Tag {
	if tags == nil {
		return []elbv2types.Tag{}
	}
	return slices.Clone(tags)
}
