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
	"github.com/berth-dev/berth/internal/awsapi/shape"
	"github.com/berth-dev/berth/internal/store"
)

// Task definitions are immutable documents, one record per revision under
// /ecs-taskdef/<account>/<region>/<family>/<revision, zero-padded>.
//
// The family record (/ecs-taskdef-family/…/<family>) is the index and the
// authority on each revision's status: it keeps the last revision handed
// out (revision numbers are never reused, even after every revision is
// deleted) and, per live revision, its status and deregistration time.
// Status changes are then one compare-and-swap on one key, listings read
// only family records, and a document is written once. The order of writes
// makes a crash harmless: a document is written before its revision enters
// the index, and leaves the index before it is deleted, so the worst left
// behind is a document no listing or lookup can reach.

type taskDefRecord struct {
	TaskDefinition ecstypes.TaskDefinition `json:"taskDefinition"`
	Tags           []ecstypes.Tag          `json:"tags,omitempty"`
}

type familyRecord struct {
	Family       string          `json:"family"`
	LastRevision int32           `json:"lastRevision"`
	Revisions    []revisionEntry `json:"revisions,omitempty"` // live revisions, ascending
}

type revisionEntry struct {
	Revision       int32       `json:"r"`
	Status         string      `json:"s"`
	DeregisteredAt *shape.Time `json:"d,omitempty"`
}

// entry returns the index entry of rev, or nil.
func (f *familyRecord) entry(rev int32) *revisionEntry {
	i, ok := slices.BinarySearchFunc(f.Revisions, rev, func(e revisionEntry, r int32) int { return cmp.Compare(e.Revision, r) })
	if !ok {
		return nil
	}
	return &f.Revisions[i]
}

// latestActive is the highest ACTIVE revision, or nil.
func (f *familyRecord) latestActive() *revisionEntry {
	for i := len(f.Revisions) - 1; i >= 0; i-- {
		if f.Revisions[i].Status == taskDefActive {
			return &f.Revisions[i]
		}
	}
	return nil
}

// overlay applies the index's status to a stored document.
func (e *revisionEntry) overlay(td ecstypes.TaskDefinition) *ecstypes.TaskDefinition {
	td.Status = e.Status
	td.DeregisteredAt = e.DeregisteredAt
	return &td
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
	if err := sc.resolveTaskDefRoles(in); err != nil {
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
	_, _, err = s.families().Mutate(ctx, familyKey(sc, in.Family), func(f *familyRecord) error {
		i, _ := slices.BinarySearchFunc(f.Revisions, rev, func(e revisionEntry, r int32) int { return cmp.Compare(e.Revision, r) })
		f.Revisions = slices.Insert(f.Revisions, i, revisionEntry{Revision: rev, Status: taskDefActive})
		return nil
	})
	if err != nil {
		return nil, internal("indexing task definition", err)
	}
	return &ecstypes.RegisterTaskDefinitionResponse{TaskDefinition: td, Tags: emptyTags(in.Tags)}, nil
}

func familyKey(sc scope, family string) string {
	return store.Key(kindFamily, sc.account, sc.region, family)
}

// nextRevision hands out the family's next revision number.
func (s *Service) nextRevision(ctx context.Context, sc scope, family string) (int32, error) {
	key := familyKey(sc, family)
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

// findTaskDef returns the task definition a reference names, with its
// tags: an exact revision in any status, or for a bare family its latest
// ACTIVE revision.
func (s *Service) findTaskDef(ctx context.Context, sc scope, ref string) (*ecstypes.TaskDefinition, []ecstypes.Tag, error) {
	family, rev, err := sc.parseTaskDefRef(ref)
	if err != nil {
		return nil, nil, err
	}
	notFound := clientError("Unable to describe task definition.")
	f, _, err := s.families().Get(ctx, familyKey(sc, family))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, notFound
	}
	if err != nil {
		return nil, nil, internal("reading task definition family", err)
	}
	e := f.latestActive()
	if rev != 0 {
		e = f.entry(rev)
	}
	if e == nil {
		return nil, nil, notFound
	}
	r, _, err := s.taskDefs().Get(ctx, taskDefKey(sc, family, e.Revision))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, notFound
	}
	if err != nil {
		return nil, nil, internal("reading task definition", err)
	}
	return e.overlay(r.TaskDefinition), r.Tags, nil
}

// DescribeTaskDefinition returns a task definition, with its tags when
// include has TAGS.
func (s *Service) DescribeTaskDefinition(ctx context.Context, in *ecstypes.DescribeTaskDefinitionRequest) (*ecstypes.DescribeTaskDefinitionResponse, error) {
	if in.TaskDefinition == "" {
		return nil, missing("taskDefinition")
	}
	td, tags, err := s.findTaskDef(ctx, scopeOf(ctx), in.TaskDefinition)
	if err != nil {
		return nil, err
	}
	out := &ecstypes.DescribeTaskDefinitionResponse{TaskDefinition: td}
	if slices.Contains(in.Include, "TAGS") {
		out.Tags = emptyTags(tags)
	}
	return out, nil
}

// exactRevision parses a reference that must name one revision.
func (sc scope) exactRevision(ref string) (string, int32, error) {
	family, rev, err := sc.parseTaskDefRef(ref)
	if err == nil && rev == 0 {
		err = clientError("Revision is missing from the task definition %q: specify family:revision or the full ARN.", ref)
	}
	return family, rev, err
}

// DeregisterTaskDefinition marks a revision INACTIVE: running tasks and
// services keep it, new ones can't use it. Deregistering an INACTIVE
// revision again changes nothing.
func (s *Service) DeregisterTaskDefinition(ctx context.Context, in *ecstypes.DeregisterTaskDefinitionRequest) (*ecstypes.DeregisterTaskDefinitionResponse, error) {
	sc := scopeOf(ctx)
	if in.TaskDefinition == "" {
		return nil, missing("taskDefinition")
	}
	family, rev, err := sc.exactRevision(in.TaskDefinition)
	if err != nil {
		return nil, err
	}
	notFound := clientError("The specified task definition does not exist.")
	f, _, err := s.families().Mutate(ctx, familyKey(sc, family), func(f *familyRecord) error {
		e := f.entry(rev)
		if e == nil {
			return notFound
		}
		if e.Status == taskDefActive {
			e.Status, e.DeregisteredAt = taskDefInactive, s.timestamp()
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, passClientError(err, "deregistering task definition")
	}
	r, _, err := s.taskDefs().Get(ctx, taskDefKey(sc, family, rev))
	if err != nil {
		return nil, internal("reading task definition", err)
	}
	return &ecstypes.DeregisterTaskDefinitionResponse{TaskDefinition: f.entry(rev).overlay(r.TaskDefinition)}, nil
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
		td, reason, err := s.deleteTaskDef(ctx, sc, ref)
		if err != nil {
			return nil, err
		}
		if reason != "" {
			out.Failures = append(out.Failures, ecstypes.Failure{Arn: ref, Reason: reason})
			continue
		}
		out.TaskDefinitions = append(out.TaskDefinitions, *td)
	}
	return out, nil
}

// deleteTaskDef removes one INACTIVE revision: first from the index, then
// its document. A non-empty reason is a per-item failure.
func (s *Service) deleteTaskDef(ctx context.Context, sc scope, ref string) (*ecstypes.TaskDefinition, string, error) {
	const (
		invalid  = "The specified task definition identifier is invalid. Specify a valid name or ARN and try again."
		notFound = "The specified task definition does not exist. Specify a valid account, family, revision and try again."
		active   = "The specified task definition is still in ACTIVE status. Please deregister the target and try again."
	)
	family, rev, err := sc.parseTaskDefRef(ref)
	if err != nil || rev == 0 {
		return nil, invalid, nil
	}
	var removed revisionEntry
	reason := ""
	_, _, err = s.families().Mutate(ctx, familyKey(sc, family), func(f *familyRecord) error {
		e := f.entry(rev)
		switch {
		case e == nil:
			reason = notFound
		case e.Status == taskDefActive:
			reason = active
		default:
			removed = *e
			f.Revisions = slices.DeleteFunc(f.Revisions, func(e revisionEntry) bool { return e.Revision == rev })
			return nil
		}
		return errReadOnly
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, notFound, nil
	case errors.Is(err, errReadOnly):
		return nil, reason, nil
	case err != nil:
		return nil, "", internal("deleting task definition", err)
	}
	key := taskDefKey(sc, family, rev)
	r, _, err := s.taskDefs().Get(ctx, key)
	if err != nil {
		return nil, "", internal("reading task definition", err)
	}
	if err := s.taskDefs().Delete(ctx, key, 0); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, "", internal("deleting task definition", err)
	}
	td := removed.overlay(r.TaskDefinition)
	td.Status = taskDefDeleteInProgress
	td.DeleteRequestedAt = s.timestamp()
	return td, "", nil
}
