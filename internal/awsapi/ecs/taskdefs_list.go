package ecs

import (
	"cmp"
	"context"
	"slices"

	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/store"
)

// familiesWithPrefix returns the family records whose names start with
// prefix, in name order. Listings read only these small index records.
func (s *Service) familiesWithPrefix(ctx context.Context, sc scope, prefix string) ([]familyRecord, error) {
	var all []familyRecord
	err := s.families().Scan(ctx, store.Prefix(kindFamily, sc.account, sc.region)+prefix, "",
		func(_ store.Object, f *familyRecord) bool {
			all = append(all, *f)
			return true
		})
	if err != nil {
		return nil, internal("listing task definition families", err)
	}
	slices.SortFunc(all, func(a, b familyRecord) int { return cmp.Compare(a.Family, b.Family) })
	return all, nil
}

// ListTaskDefinitions lists task definition ARNs by family prefix and
// status (ACTIVE by default), in family then revision order.
func (s *Service) ListTaskDefinitions(ctx context.Context, in *ecstypes.ListTaskDefinitionsRequest) (*ecstypes.ListTaskDefinitionsResponse, error) {
	sc := scopeOf(ctx)
	limit, err := pageSize(in.MaxResults, defaultMaxResults)
	if err != nil {
		return nil, err
	}
	status := cmp.Or(in.Status, taskDefActive)
	if !slices.Contains(ecstypes.TaskDefinitionStatusValues, status) {
		return nil, invalidParameter("Invalid status %q. Valid values: ACTIVE, INACTIVE, DELETE_IN_PROGRESS.", in.Status)
	}
	if in.Sort != "" && in.Sort != "ASC" && in.Sort != "DESC" {
		return nil, invalidParameter("Invalid sort %q. Valid values: ASC, DESC.", in.Sort)
	}
	fams, err := s.familiesWithPrefix(ctx, sc, in.FamilyPrefix)
	if err != nil {
		return nil, err
	}
	var arns []string
	for _, f := range fams {
		for _, e := range f.Revisions {
			if e.Status == status {
				arns = append(arns, sc.taskDefARN(f.Family, e.Revision))
			}
		}
	}
	if in.Sort == "DESC" {
		slices.Reverse(arns)
	}
	page, next, err := pageOf(arns, in.NextToken, limit)
	if err != nil {
		return nil, err
	}
	return &ecstypes.ListTaskDefinitionsResponse{TaskDefinitionArns: page, NextToken: next}, nil
}

// ListTaskDefinitionFamilies lists family names by prefix; status ACTIVE
// keeps families with an ACTIVE revision, INACTIVE those without, and ALL
// (the default) both.
func (s *Service) ListTaskDefinitionFamilies(ctx context.Context, in *ecstypes.ListTaskDefinitionFamiliesRequest) (*ecstypes.ListTaskDefinitionFamiliesResponse, error) {
	sc := scopeOf(ctx)
	limit, err := pageSize(in.MaxResults, defaultMaxResults)
	if err != nil {
		return nil, err
	}
	status := cmp.Or(in.Status, "ALL")
	if !slices.Contains(ecstypes.TaskDefinitionFamilyStatusValues, status) {
		return nil, invalidParameter("Invalid status %q. Valid values: ACTIVE, INACTIVE, ALL.", in.Status)
	}
	fams, err := s.familiesWithPrefix(ctx, sc, in.FamilyPrefix)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range fams {
		if len(f.Revisions) == 0 {
			continue // every revision deleted: the family is gone but for its counter
		}
		active := f.latestActive() != nil
		if status == "ALL" || status == "ACTIVE" && active || status == "INACTIVE" && !active {
			names = append(names, f.Family)
		}
	}
	page, next, err := pageOf(names, in.NextToken, limit)
	if err != nil {
		return nil, err
	}
	return &ecstypes.ListTaskDefinitionFamiliesResponse{Families: page, NextToken: next}, nil
}

// pageOf cuts one page from an ordered list of unique strings; the token
// names the last item of the previous page.
func pageOf(items []string, token string, limit int) ([]string, string, error) {
	start := 0
	if token != "" {
		after, err := decodeToken(token)
		if err != nil {
			return nil, "", err
		}
		start = slices.Index(items, after) + 1
	}
	end := min(start+limit, len(items))
	page := append([]string{}, items[start:end]...)
	next := ""
	if end < len(items) {
		next = encodeToken(items[end-1])
	}
	return page, next, nil
}
