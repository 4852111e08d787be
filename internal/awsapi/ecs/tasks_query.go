package ecs

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/store"
)

// DescribeTasks describes up to 100 tasks of one cluster by id or ARN;
// unknown ones are failures with reason MISSING.
func (s *Service) DescribeTasks(ctx context.Context, in *ecstypes.DescribeTasksRequest) (*ecstypes.DescribeTasksResponse, error) {
	sc := scopeOf(ctx)
	withTags := slices.Contains(in.Include, "TAGS")
	out := &ecstypes.DescribeTasksResponse{Tasks: []ecstypes.Task{}}
	var err error
	out.Failures, err = describeRefs(ctx, s, sc, in.Cluster, "tasks", in.Tasks, 100, s.tasks(),
		func(ref string) (string, string, error) {
			cluster, id, err := sc.taskRef(in.Cluster, ref)
			return taskKey(sc, cluster, id), sc.taskARN(cluster, id), err
		},
		func(rec *taskRecord) {
			t := rec.Task
			if !withTags {
				t.Tags = nil
			}
			out.Tasks = append(out.Tasks, t)
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// describeRefs is what the Describe calls of a cluster's resources share:
// 1 to max references (of the field what), a cluster that exists, and each
// record read in order and given to each; a reference that does not parse
// or names nothing is a failure with reason MISSING.
func describeRefs[T any](ctx context.Context, s *Service, sc scope, clusterRef, what string, refs []string, max int,
	st store.Typed[T], ref func(string) (key, arn string, err error), each func(*T)) ([]ecstypes.Failure, error) {
	if len(refs) == 0 {
		return nil, missing(what)
	}
	if len(refs) > max {
		return nil, invalidParameter("%s can have at most %d items.", what, max)
	}
	if err := s.requireCluster(ctx, sc, clusterRef); err != nil {
		return nil, err
	}
	failures := []ecstypes.Failure{}
	for _, r := range refs {
		key, arn, err := ref(r)
		if err != nil {
			failures = append(failures, ecstypes.Failure{Arn: r, Reason: "MISSING"})
			continue
		}
		rec, _, err := st.Get(ctx, key)
		if errors.Is(err, store.ErrNotFound) {
			failures = append(failures, ecstypes.Failure{Arn: arn, Reason: "MISSING"})
			continue
		}
		if err != nil {
			return nil, internal("reading "+strings.TrimSuffix(what, "s"), err)
		}
		each(rec)
	}
	return failures, nil
}

// requireCluster fails with ClusterNotFoundException unless the cluster
// exists (ACTIVE or INACTIVE: stopped tasks of a deleted cluster stay
// describable).
func (s *Service) requireCluster(ctx context.Context, sc scope, ref string) error {
	name, ok := sc.clusterName(ref)
	if !ok {
		return clusterNotFound()
	}
	_, _, err := s.clusters().Get(ctx, clusterKey(sc, name))
	if errors.Is(err, store.ErrNotFound) {
		return clusterNotFound()
	}
	if err != nil {
		return internal("reading cluster", err)
	}
	return nil
}

// taskSummary decodes only what filters need of a task record.
type taskSummary struct {
	Task struct {
		TaskArn           string `json:"taskArn"`
		TaskDefinitionArn string `json:"taskDefinitionArn"`
		StartedBy         string `json:"startedBy"`
		Group             string `json:"group"`
		DesiredStatus     string `json:"desiredStatus"`
		LastStatus        string `json:"lastStatus"`
		LaunchType        string `json:"launchType"`
	} `json:"task"`
}

// ListTasks lists task ARNs of a cluster, filtered as ECS filters them;
// desiredStatus defaults to RUNNING.
func (s *Service) ListTasks(ctx context.Context, in *ecstypes.ListTasksRequest) (*ecstypes.ListTasksResponse, error) {
	sc := scopeOf(ctx)
	limit, err := pageSize(in.MaxResults, defaultMaxResults)
	if err != nil {
		return nil, err
	}
	if in.ContainerInstance != "" {
		return nil, invalidParameter("berth runs Fargate tasks only; containerInstance is not supported.")
	}
	if in.ServiceName != "" && (in.Family != "" || in.StartedBy != "") {
		return nil, invalidParameter("serviceName can not be specified with family or startedBy.")
	}
	desired := cmp.Or(in.DesiredStatus, statusRunning)
	if desired != statusRunning && desired != statusPending && desired != statusStopped {
		return nil, invalidParameter("Invalid desiredStatus %q. Valid values: RUNNING, PENDING, STOPPED.", in.DesiredStatus)
	}
	if in.LaunchType != "" && !slices.Contains(ecstypes.LaunchTypeValues, in.LaunchType) {
		return nil, invalidParameter("Invalid launchType %q.", in.LaunchType)
	}
	if err := s.requireCluster(ctx, sc, in.Cluster); err != nil {
		return nil, err
	}
	cluster, _ := sc.clusterName(in.Cluster)
	after, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	prefix := store.Prefix(kindTask, sc.account, sc.region) + cluster + "/"
	out := &ecstypes.ListTasksResponse{}
	out.TaskArns, out.NextToken, err = scanARNs(ctx, s.store, prefix, after, limit, func(r *taskSummary) string {
		t := r.Task
		switch {
		case desired == statusPending && t.DesiredStatus == statusRunning && t.LastStatus == statusRunning,
			desired != statusPending && t.DesiredStatus != desired,
			desired == statusPending && t.DesiredStatus != statusRunning,
			in.StartedBy != "" && t.StartedBy != in.StartedBy,
			in.ServiceName != "" && t.Group != serviceGroup(in.ServiceName),
			in.Family != "" && !taskDefFamilyIs(t.TaskDefinitionArn, in.Family),
			in.LaunchType != "" && t.LaunchType != in.LaunchType && !(in.LaunchType == "FARGATE" && t.LaunchType == ""):
			return ""
		}
		return t.TaskArn
	})
	if err != nil {
		return nil, internal("listing tasks", err)
	}
	return out, nil
}

func taskDefFamilyIs(arn, family string) bool {
	_, rest, _ := strings.Cut(arn, ":task-definition/")
	f, _, _ := strings.Cut(rest, ":")
	return f == family
}

// clusterTaskCounts counts a cluster's tasks that are not yet STOPPED:
// running (lastStatus RUNNING), pending (every earlier state) and stopping
// (every later one).
func (s *Service) clusterTaskCounts(ctx context.Context, sc scope, cluster string) (running, pending, stopping int32, err error) {
	prefix := store.Prefix(kindTask, sc.account, sc.region) + cluster + "/"
	err = store.Typed[taskSummary]{S: s.store}.Scan(ctx, prefix, "", func(_ store.Object, r *taskSummary) bool {
		switch r.Task.LastStatus {
		case statusRunning:
			running++
		case statusProvisioning, statusPending, statusActivating:
			pending++
		case statusDeactivating, statusStopping, statusDeprovision:
			stopping++
		}
		return true
	})
	return running, pending, stopping, err
}
