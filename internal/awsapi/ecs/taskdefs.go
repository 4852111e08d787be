package ecs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/store"
)

// Task definitions are immutable documents, one record per revision under
// /ecs-taskdef/<account>/<region>/<family>/<revision, zero-padded>. A family
// record keeps the last revision handed out, so revision numbers are never
// reused, even after every revision is deleted.

type taskDefRecord struct {
	TaskDefinition ecstypes.TaskDefinition `json:"taskDefinition"`
	Tags           []ecstypes.Tag          `json:"tags,omitempty"`
}

type familyRecord struct {
	Family       string `json:"family"`
	LastRevision int32  `json:"lastRevision"`
}

const (
	taskDefActive           = "ACTIVE"
	taskDefInactive         = "INACTIVE"
	taskDefDeleteInProgress = "DELETE_IN_PROGRESS"
)

func (s *Service) taskDefs() store.Typed[taskDefRecord] {
	return store.Typed[taskDefRecord]{S: s.store}
}
func (s *Service) families() store.Typed[familyRecord] { return store.Typed[familyRecord]{S: s.store} }

func taskDefKey(sc scope, family string, rev int32) string {
	return store.Key(kindTaskDef, sc.account, sc.region, family, fmt.Sprintf("%010d", rev))
}

func familyPrefix(sc scope, family string) string {
	return store.Key(kindTaskDef, sc.account, sc.region, family) + "/"
}

func (sc scope) taskDefARN(family string, rev int32) string {
	return sc.arn(fmt.Sprintf("task-definition/%s:%d", family, rev))
}

// splitFamilyRevision splits "family:rev"; rev is 0 when absent. ok is
// false for a malformed revision.
func splitFamilyRevision(s string) (string, int32, bool) {
	family, revText, hasRev := strings.Cut(s, ":")
	if !hasRev {
		return family, 0, family != ""
	}
	rev, err := strconv.ParseInt(revText, 10, 32)
	if err != nil || rev < 1 || family == "" {
		return "", 0, false
	}
	return family, int32(rev), true
}

// parseTaskDefRef resolves "family", "family:revision" or a task definition
// ARN of this account and region.
func (sc scope) parseTaskDefRef(ref string) (string, int32, error) {
	if strings.HasPrefix(ref, "arn:") {
		a, ok := parseARN(ref)
		if !ok || a.resourceType != "task-definition" || a.account != sc.account || a.region != sc.region {
			return "", 0, clientError("Invalid task definition ARN: %s", ref)
		}
		ref = a.resource
	}
	family, rev, ok := splitFamilyRevision(ref)
	if !ok {
		return "", 0, clientError("Invalid revision number in task definition %q: use family, family:revision or a task definition ARN.", ref)
	}
	return family, rev, nil
}

// RegisterTaskDefinition validates and stores a new revision of a family.
func (s *Service) RegisterTaskDefinition(ctx context.Context, in *ecstypes.RegisterTaskDefinitionRequest) (*ecstypes.RegisterTaskDefinitionResponse, error) {
	sc := scopeOf(ctx)
	if err := validateTaskDefinition(in); err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	td := newTaskDefinition(in)
	rev, err := s.nextRevision(ctx, sc, in.Family)
	if err != nil {
		return nil, err
	}
	td.TaskDefinitionArn = sc.taskDefARN(in.Family, rev)
	td.Revision = rev
	td.Status = taskDefActive
	td.RegisteredAt = s.timestamp()
	td.RegisteredBy = principalARN(ctx)
	rec := &taskDefRecord{TaskDefinition: *td, Tags: in.Tags}
	if _, err := s.taskDefs().Create(ctx, taskDefKey(sc, in.Family, rev), rec); err != nil {
		return nil, internal("storing task definition", err)
	}
	return &ecstypes.RegisterTaskDefinitionResponse{TaskDefinition: td, Tags: emptyTags(in.Tags)}, nil
}

// nextRevision hands out the family's next revision number.
func (s *Service) nextRevision(ctx context.Context, sc scope, family string) (int32, error) {
	key := store.Key(kindFamily, sc.account, sc.region, family)
	for {
		rec, _, err := s.families().Mutate(ctx, key, func(f *familyRecord) error {
			f.LastRevision++
			return nil
		})
		if err == nil {
			return rec.LastRevision, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return 0, internal("allocating revision", err)
		}
		_, err = s.families().Create(ctx, key, &familyRecord{Family: family, LastRevision: 1})
		if err == nil {
			return 1, nil
		}
		if !errors.Is(err, store.ErrAlreadyExists) {
			return 0, internal("allocating revision", err)
		}
	}
}

// findTaskDef returns the record a reference names: an exact revision in
// any status, or for a bare family its latest ACTIVE revision.
func (s *Service) findTaskDef(ctx context.Context, sc scope, ref string) (*taskDefRecord, int64, error) {
	family, rev, err := sc.parseTaskDefRef(ref)
	if err != nil {
		return nil, 0, err
	}
	if rev == 0 {
		var latest *taskDefRecord
		err := scan(ctx, s.taskDefs(), familyPrefix(sc, family), "", func(key string, r *taskDefRecord) bool {
			if r.TaskDefinition.Status == taskDefActive {
				latest = r
			}
			return true
		})
		if err != nil {
			return nil, 0, internal("reading task definitions", err)
		}
		if latest == nil {
			return nil, 0, clientError("Unable to describe task definition.")
		}
		return latest, 0, nil
	}
	r, storeRev, err := s.taskDefs().Get(ctx, taskDefKey(sc, family, rev))
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, clientError("Unable to describe task definition.")
	}
	if err != nil {
		return nil, 0, internal("reading task definition", err)
	}
	return r, storeRev, nil
}

// DescribeTaskDefinition returns a task definition, with its tags when
// include has TAGS.
func (s *Service) DescribeTaskDefinition(ctx context.Context, in *ecstypes.DescribeTaskDefinitionRequest) (*ecstypes.DescribeTaskDefinitionResponse, error) {
	if in.TaskDefinition == "" {
		return nil, missing("taskDefinition")
	}
	r, _, err := s.findTaskDef(ctx, scopeOf(ctx), in.TaskDefinition)
	if err != nil {
		return nil, err
	}
	out := &ecstypes.DescribeTaskDefinitionResponse{TaskDefinition: &r.TaskDefinition}
	if slices.Contains(in.Include, "TAGS") {
		out.Tags = emptyTags(r.Tags)
	}
	return out, nil
}

// DeregisterTaskDefinition marks a revision INACTIVE: running tasks and
// services keep it, new ones can't use it.
func (s *Service) DeregisterTaskDefinition(ctx context.Context, in *ecstypes.DeregisterTaskDefinitionRequest) (*ecstypes.DeregisterTaskDefinitionResponse, error) {
	sc := scopeOf(ctx)
	if in.TaskDefinition == "" {
		return nil, missing("taskDefinition")
	}
	family, rev, err := sc.parseTaskDefRef(in.TaskDefinition)
	if err != nil {
		return nil, err
	}
	if rev == 0 {
		return nil, clientError("Revision is missing from the task definition %q: specify family:revision or the full ARN.", in.TaskDefinition)
	}
	r, _, err := s.taskDefs().Mutate(ctx, taskDefKey(sc, family, rev), func(r *taskDefRecord) error {
		if r.TaskDefinition.Status == taskDefActive {
			r.TaskDefinition.Status = taskDefInactive
			r.TaskDefinition.DeregisteredAt = s.timestamp()
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, clientError("The specified task definition does not exist.")
	}
	if err != nil {
		return nil, internal("deregistering task definition", err)
	}
	return &ecstypes.DeregisterTaskDefinitionResponse{TaskDefinition: &r.TaskDefinition}, nil
}

// DeleteTaskDefinitions deletes INACTIVE revisions (at most 10 per call).
// ECS answers DELETE_IN_PROGRESS and removes them later; berth removes them
// at once, so they are gone from every later call.
func (s *Service) DeleteTaskDefinitions(ctx context.Context, in *ecstypes.DeleteTaskDefinitionsRequest) (*ecstypes.DeleteTaskDefinitionsResponse, error) {
	sc := scopeOf(ctx)
	if len(in.TaskDefinitions) == 0 {
		return nil, missing("taskDefinitions")
	}
	if len(in.TaskDefinitions) > 10 {
		return nil, invalidParameter("taskDefinitions can have at most 10 items.")
	}
	out := &ecstypes.DeleteTaskDefinitionsResponse{TaskDefinitions: []ecstypes.TaskDefinition{}, Failures: []ecstypes.Failure{}}
	for _, ref := range in.TaskDefinitions {
		fail := func(reason, detail string) {
			out.Failures = append(out.Failures, ecstypes.Failure{Arn: ref, Reason: reason, Detail: detail})
		}
		family, rev, err := sc.parseTaskDefRef(ref)
		if err != nil || rev == 0 {
			fail("The specified task definition identifier is invalid. Specify a valid name or ARN and try again.", "")
			continue
		}
		key := taskDefKey(sc, family, rev)
		r, storeRev, err := s.taskDefs().Get(ctx, key)
		if errors.Is(err, store.ErrNotFound) {
			fail("The specified task definition does not exist. Specify a valid account, family, revision and try again.", "")
			continue
		}
		if err != nil {
			return nil, internal("reading task definition", err)
		}
		if r.TaskDefinition.Status == taskDefActive {
			fail("The specified task definition is still in ACTIVE status. Please deregister the target and try again.", "")
			continue
		}
		if err := s.taskDefs().Delete(ctx, key, storeRev); err != nil {
			if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
				fail("The task definition changed while it was being deleted; try again.", "")
				continue
			}
			return nil, internal("deleting task definition", err)
		}
		td := r.TaskDefinition
		td.Status = taskDefDeleteInProgress
		td.DeleteRequestedAt = s.timestamp()
		out.TaskDefinitions = append(out.TaskDefinitions, td)
	}
	return out, nil
}

// taskDefSummary decodes only what listings need of a record.
type taskDefSummary struct {
	TaskDefinition struct {
		TaskDefinitionArn string `json:"taskDefinitionArn"`
		Family            string `json:"family"`
		Revision          int32  `json:"revision"`
		Status            string `json:"status"`
	} `json:"taskDefinition"`
}

// summaries returns every revision whose family starts with prefix, sorted
// by family then revision (AWS's order; store key order differs, since
// "web-2/" sorts before "web/").
func (s *Service) summaries(ctx context.Context, sc scope, prefix string) ([]taskDefSummary, error) {
	var all []taskDefSummary
	err := scan(ctx, store.Typed[taskDefSummary]{S: s.store}, store.Prefix(kindTaskDef, sc.account, sc.region)+prefix, "",
		func(key string, r *taskDefSummary) bool {
			all = append(all, *r)
			return true
		})
	if err != nil {
		return nil, internal("listing task definitions", err)
	}
	slices.SortFunc(all, func(a, b taskDefSummary) int {
		return cmp.Or(cmp.Compare(a.TaskDefinition.Family, b.TaskDefinition.Family),
			cmp.Compare(a.TaskDefinition.Revision, b.TaskDefinition.Revision))
	})
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
	all, err := s.summaries(ctx, sc, in.FamilyPrefix)
	if err != nil {
		return nil, err
	}
	var arns []string
	for _, r := range all {
		if r.TaskDefinition.Status == status {
			arns = append(arns, r.TaskDefinition.TaskDefinitionArn)
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
	all, err := s.summaries(ctx, sc, in.FamilyPrefix)
	if err != nil {
		return nil, err
	}
	active := map[string]bool{}
	var names []string
	for _, r := range all {
		f := r.TaskDefinition.Family
		if len(names) == 0 || names[len(names)-1] != f {
			names = append(names, f)
		}
		if r.TaskDefinition.Status == taskDefActive {
			active[f] = true
		}
	}
	names = slices.DeleteFunc(names, func(f string) bool {
		return status == "ACTIVE" && !active[f] || status == "INACTIVE" && active[f]
	})
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
