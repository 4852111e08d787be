package ecs

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/store"
)

// Tasks live at /ecs-task/<account>/<region>/<cluster>/<task id>: the task
// as DescribeTasks shows it and the node it was placed on. What the agent
// runs (the definition, overrides, desired status) is the node's assignment
// (see agent_backend.go), kept apart so that the agent's frequent reports
// rewrite only the small task record.

const kindTask = "ecs-task"

// ECS task states (DESIGN.md "A task's life").
const (
	statusProvisioning = "PROVISIONING"
	statusPending      = "PENDING"
	statusActivating   = "ACTIVATING"
	statusRunning      = "RUNNING"
	statusDeactivating = "DEACTIVATING"
	statusStopping     = "STOPPING"
	statusDeprovision  = "DEPROVISIONING"
	statusStopped      = "STOPPED"
)

type taskRecord struct {
	Task   ecstypes.Task `json:"task"`
	NodeID string        `json:"nodeId"`
	ENIID  string        `json:"eniId,omitempty"` // its awsvpc ENI until it stops
}

func taskKey(sc scope, cluster, id string) string {
	return store.Key(kindTask, sc.account, sc.region, cluster, id)
}

func (s *Service) tasks() store.Typed[taskRecord] { return store.Typed[taskRecord]{S: s.store} }

func (sc scope) taskARN(cluster, id string) string { return sc.arn("task/" + cluster + "/" + id) }

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// RunTask starts count copies of a task definition on FARGATE. It answers
// at once with PROVISIONING tasks; placement failures are failures[] with
// ECS's RESOURCE:* reasons.
func (s *Service) RunTask(ctx context.Context, in *ecstypes.RunTaskRequest) (*ecstypes.RunTaskResponse, error) {
	return s.runTask(ctx, in, false)
}

// runTask is RunTask; forService lets a service go on launching a task
// definition revision deregistered since its deployment began, as ECS
// does.
func (s *Service) runTask(ctx context.Context, in *ecstypes.RunTaskRequest, forService bool) (*ecstypes.RunTaskResponse, error) {
	sc := scopeOf(ctx)
	plan, err := s.planRunTask(ctx, sc, in, forService)
	if err != nil {
		return nil, err
	}
	out := &ecstypes.RunTaskResponse{Tasks: []ecstypes.Task{}, Failures: []ecstypes.Failure{}}
	for i := range plan.count {
		rec, spec := s.newTask(ctx, sc, plan)
		key := taskKey(sc, plan.cluster.ClusterName, spec.TaskID)
		failed, err := s.attachENI(ctx, sc, plan, i, rec, &spec)
		if err != nil {
			return nil, err
		}
		if failed != "" {
			// No address for it: the task exists, stopped at once, as
			// ECS shows a task whose ENI could not be made.
			stopAtOnce(&rec.Task, failed, s.timestamp())
			if _, err := s.tasks().Create(ctx, key, rec); err != nil {
				return nil, internal("storing task", err)
			}
			out.Tasks = append(out.Tasks, rec.Task)
			continue
		}
		node, reason, err := s.reserve(ctx, spec)
		if err != nil || reason != "" {
			if derr := s.detachENI(context.WithoutCancel(ctx), sc, rec); err == nil {
				err = derr
			}
			if err != nil {
				return nil, err
			}
			out.Failures = append(out.Failures, ecstypes.Failure{Arn: plan.cluster.ClusterArn, Reason: reason})
			continue
		}
		// undo takes back what this task holds, so that no task stays
		// PROVISIONING with a reservation and an ENI nobody runs.
		undo := func() {
			ctx := context.WithoutCancel(ctx)
			_ = s.store.Delete(ctx, key, 0)
			_ = s.release(ctx, node.ID, spec.TaskARN)
			_ = s.detachENI(ctx, sc, rec)
		}
		rec.NodeID = node.ID
		if rec.Task.AvailabilityZone == "" {
			rec.Task.AvailabilityZone = node.AvailabilityZone
		}
		if _, err := s.tasks().Create(ctx, key, rec); err != nil {
			undo()
			return nil, internal("storing task", err)
		}
		if _, err := (store.Typed[agentapi.TaskSpec]{S: s.store}).Create(ctx, assignmentKey(node.ID, &spec), &spec); err != nil {
			undo()
			return nil, internal("assigning task", err)
		}
		out.Tasks = append(out.Tasks, rec.Task)
	}
	return out, nil
}

// runPlan is a validated RunTask request.
type runPlan struct {
	in           *ecstypes.RunTaskRequest
	cluster      *ecstypes.Cluster
	def          *ecstypes.TaskDefinition
	count        int
	cpu, memory  int
	ephemeralGiB int
	capacityName string
	tags         []ecstypes.Tag
	group        string
}

func (s *Service) planRunTask(ctx context.Context, sc scope, in *ecstypes.RunTaskRequest, forService bool) (*runPlan, error) {
	if in.TaskDefinition == "" {
		return nil, missing("taskDefinition")
	}
	p := &runPlan{in: in, count: 1}
	if in.Count != nil {
		if *in.Count < 1 || *in.Count > 10 {
			return nil, invalidParameter("count must be between 1 and 10.")
		}
		p.count = int(*in.Count)
	}
	name, ok := sc.clusterName(in.Cluster)
	if !ok {
		return nil, clusterNotFound()
	}
	c, _, err := s.clusters().Get(ctx, clusterKey(sc, name))
	if errors.Is(err, store.ErrNotFound) || err == nil && c.Status != clusterActive {
		return nil, clusterNotFound()
	}
	if err != nil {
		return nil, internal("reading cluster", err)
	}
	p.cluster = c
	if p.capacityName, err = launchCapacity(in, c); err != nil {
		return nil, err
	}
	def, _, err := s.findTaskDef(ctx, sc, in.TaskDefinition)
	if err != nil {
		return nil, invalidParameter("TaskDefinition not found.")
	}
	if def.Status != taskDefActive && !forService {
		return nil, clientError("TaskDefinition is inactive")
	}
	if !slices.Contains(def.Compatibilities, "FARGATE") {
		return nil, invalidParameter("Task definition does not support launch_type FARGATE.")
	}
	p.def = def
	if def.NetworkMode == "awsvpc" {
		nc := in.NetworkConfiguration
		if nc == nil || nc.AwsvpcConfiguration == nil {
			return nil, invalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.")
		}
	}
	if p.cpu, p.memory, err = effectiveSize(def, in.Overrides); err != nil {
		return nil, err
	}
	p.ephemeralGiB = 20
	if def.EphemeralStorage != nil && def.EphemeralStorage.SizeInGiB > 0 {
		p.ephemeralGiB = int(def.EphemeralStorage.SizeInGiB)
	}
	if o := in.Overrides; o != nil && o.EphemeralStorage != nil && o.EphemeralStorage.SizeInGiB > 0 {
		if o.EphemeralStorage.SizeInGiB < 21 || o.EphemeralStorage.SizeInGiB > 200 {
			return nil, invalidParameter("The ephemeral storage size override must be between 21 and 200 GiB.")
		}
		p.ephemeralGiB = int(o.EphemeralStorage.SizeInGiB)
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	if p.tags, err = s.propagatedTags(ctx, sc, in, c); err != nil {
		return nil, err
	}
	p.group = cmp.Or(in.Group, "family:"+def.Family)
	if len(in.StartedBy) > 128 {
		return nil, invalidParameter("startedBy can be at most 128 characters.")
	}
	if def.NetworkMode == "awsvpc" {
		if err := s.checkNetwork(ctx, sc, in.NetworkConfiguration.AwsvpcConfiguration); err != nil {
			return nil, err
		}
	}
	if err := s.checkTaskRoles(ctx, sc, p); err != nil {
		return nil, err
	}
	return p, nil
}

// launchCapacity checks launchType / capacityProviderStrategy; berth runs
// FARGATE (and FARGATE_SPOT, which it never interrupts). It returns the
// capacity provider name the task reports, "" for launchType FARGATE.
func launchCapacity(in *ecstypes.RunTaskRequest, c *ecstypes.Cluster) (string, error) {
	if in.LaunchType != "" && len(in.CapacityProviderStrategy) > 0 {
		return "", invalidParameter("Specifying both a launch type and capacity provider strategy is not supported.")
	}
	switch in.LaunchType {
	case "FARGATE":
		return "", nil
	case "":
	default:
		return "", invalidParameter("launchType %s is not supported: berth runs tasks on FARGATE.", in.LaunchType)
	}
	strategy := in.CapacityProviderStrategy
	if len(strategy) == 0 {
		strategy = c.DefaultCapacityProviderStrategy
	}
	if len(strategy) == 0 {
		// ECS would fall back to the EC2 launch type here; berth has only
		// Fargate capacity, so it runs the task there.
		return "", nil
	}
	if err := validateStrategy(strategy, func(n string) bool { return slices.Contains(fargateProviders, n) },
		"The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster."); err != nil {
		return "", err
	}
	return pickProvider(strategy), nil
}

// pickProvider chooses the provider a task runs on: the one with a base,
// else the heaviest weight.
func pickProvider(strategy []ecstypes.CapacityProviderStrategyItem) string {
	best := strategy[0]
	for _, it := range strategy[1:] {
		if it.Base > best.Base || it.Base == best.Base && it.Weight > best.Weight {
			best = it
		}
	}
	return best.CapacityProvider
}

// effectiveSize is the task's cpu units and memory MiB after overrides.
func effectiveSize(def *ecstypes.TaskDefinition, o *ecstypes.TaskOverride) (int, int, error) {
	cpuText, memText := def.Cpu, def.Memory
	if o != nil {
		cpuText, memText = cmp.Or(o.Cpu, cpuText), cmp.Or(o.Memory, memText)
	}
	cpu, err := parseTaskCPU(cpuText)
	if err != nil {
		return 0, 0, invalidParameter("Invalid 'cpu' override: %q.", cpuText)
	}
	mem, err := parseTaskMemory(memText)
	if err != nil {
		return 0, 0, invalidParameter("Invalid 'memory' override: %q.", memText)
	}
	if !fargateSizeValid(cpu, mem) {
		return 0, 0, clientError("No Fargate configuration exists for given values: %d CPU, %d memory. See the Amazon ECS documentation for the valid values.", cpu, mem)
	}
	if o != nil {
		for _, co := range o.ContainerOverrides {
			if !slices.ContainsFunc(def.ContainerDefinitions, func(cd ecstypes.ContainerDefinition) bool { return cd.Name == co.Name }) {
				return 0, 0, invalidParameter("Override for container named %s is not a container in the TaskDefinition.", co.Name)
			}
			if co.Memory != nil && int(*co.Memory) > mem || co.MemoryReservation != nil && int(*co.MemoryReservation) > mem {
				return 0, 0, clientError("The 'memory' override for container '%s' is greater than for the task.", co.Name)
			}
			if co.Cpu != nil && (*co.Cpu < 0 || int(*co.Cpu) > cpu) {
				return 0, 0, clientError("The 'cpu' override for container '%s' is greater than for the task.", co.Name)
			}
		}
	}
	return cpu, mem, nil
}

// propagatedTags are the request's tags plus, with propagateTags, those of
// the task definition or cluster.
func (s *Service) propagatedTags(ctx context.Context, sc scope, in *ecstypes.RunTaskRequest, c *ecstypes.Cluster) ([]ecstypes.Tag, error) {
	tags := slices.Clone(in.Tags)
	switch in.PropagateTags {
	case "", "NONE":
	case "TASK_DEFINITION":
		_, tdTags, err := s.findTaskDef(ctx, sc, in.TaskDefinition)
		if err != nil {
			return nil, err
		}
		tags = mergeTags(tdTags, tags)
	case "SERVICE":
		return nil, invalidParameter("propagateTags SERVICE is only valid for tasks started by a service.")
	default:
		return nil, invalidParameter("Invalid propagateTags %q. Valid values: TASK_DEFINITION, SERVICE, NONE.", in.PropagateTags)
	}
	if in.EnableECSManagedTags {
		tags = mergeTags(tags, []ecstypes.Tag{{Key: "aws:ecs:clusterName", Value: c.ClusterName}})
	}
	if len(tags) > maxTags {
		return nil, invalidParameter("A task can have at most %d tags.", maxTags)
	}
	return tags, nil
}

// newTask builds the PROVISIONING task and the spec its node runs.
func (s *Service) newTask(ctx context.Context, sc scope, p *runPlan) (*taskRecord, agentapi.TaskSpec) {
	id := newID()
	arn := sc.taskARN(p.cluster.ClusterName, id)
	now := s.timestamp()
	overrides := &ecstypes.TaskOverride{ContainerOverrides: []ecstypes.ContainerOverride{}, InferenceAcceleratorOverrides: []ecstypes.InferenceAcceleratorOverride{}}
	if p.in.Overrides != nil {
		o := *p.in.Overrides
		overrides = &o
		if overrides.ContainerOverrides == nil {
			overrides.ContainerOverrides = []ecstypes.ContainerOverride{}
		}
		if overrides.InferenceAcceleratorOverrides == nil {
			overrides.InferenceAcceleratorOverrides = []ecstypes.InferenceAcceleratorOverride{}
		}
	}
	t := ecstypes.Task{
		Attachments:             []ecstypes.Attachment{},
		Attributes:              []ecstypes.Attribute{{Name: "ecs.cpu-architecture", Value: "x86_64"}},
		CapacityProviderName:    p.capacityName,
		ClusterArn:              p.cluster.ClusterArn,
		Cpu:                     strconv.Itoa(p.cpu),
		Memory:                  strconv.Itoa(p.memory),
		CreatedAt:               now,
		DesiredStatus:           statusRunning,
		LastStatus:              statusProvisioning,
		EnableExecuteCommand:    p.in.EnableExecuteCommand,
		Group:                   p.group,
		HealthStatus:            "UNKNOWN",
		Overrides:               overrides,
		PlatformVersion:         "1.4.0",
		PlatformFamily:          "Linux",
		StartedBy:               p.in.StartedBy,
		Tags:                    emptyTags(p.tags),
		TaskArn:                 arn,
		TaskDefinitionArn:       p.def.TaskDefinitionArn,
		Version:                 1,
		EphemeralStorage:        &ecstypes.EphemeralStorage{SizeInGiB: int32(p.ephemeralGiB)},
		FargateEphemeralStorage: &ecstypes.TaskEphemeralStorage{SizeInGiB: int32(p.ephemeralGiB)},
	}
	if p.capacityName == "" {
		t.LaunchType = "FARGATE"
	}
	for _, cd := range p.def.ContainerDefinitions {
		c := ecstypes.Container{
			ContainerArn:      sc.arn(fmt.Sprintf("container/%s/%s/%s", p.cluster.ClusterName, id, protocol.NewUUID())),
			TaskArn:           arn,
			Name:              cd.Name,
			Image:             cd.Image,
			LastStatus:        statusPending,
			NetworkBindings:   []ecstypes.NetworkBinding{},
			NetworkInterfaces: []ecstypes.NetworkInterface{},
			Cpu:               strconv.Itoa(int(cd.Cpu)),
		}
		if cd.HealthCheck != nil {
			c.HealthStatus = "UNKNOWN"
		}
		if cd.Memory != nil {
			c.Memory = strconv.Itoa(int(*cd.Memory))
		}
		if cd.MemoryReservation != nil {
			c.MemoryReservation = strconv.Itoa(int(*cd.MemoryReservation))
		}
		t.Containers = append(t.Containers, c)
	}
	return &taskRecord{Task: t}, agentapi.TaskSpec{
		Account: sc.account, Region: sc.region, ClusterARN: p.cluster.ClusterArn,
		TaskARN: arn, TaskID: id, Definition: *p.def, Overrides: p.in.Overrides,
		CPU: p.cpu, MemoryMiB: p.memory, EphemeralGiB: p.ephemeralGiB, DesiredStatus: statusRunning,
		ContainerARNs: containerARNs(t.Containers),
	}
}

// containerARNs are the task's container ARNs by container name, for the
// agent to show in the task metadata as DescribeTasks shows them.
func containerARNs(cs []ecstypes.Container) map[string]string {
	m := make(map[string]string, len(cs))
	for _, c := range cs {
		m[c.Name] = c.ContainerArn
	}
	return m
}

// StopTask asks for a task to stop: desiredStatus STOPPED now, the agent
// sends SIGTERM, waits stopTimeout, then SIGKILL.
func (s *Service) StopTask(ctx context.Context, in *ecstypes.StopTaskRequest) (*ecstypes.StopTaskResponse, error) {
	sc := scopeOf(ctx)
	if in.Task == "" {
		return nil, missing("task")
	}
	cluster, id, err := sc.taskRef(in.Cluster, in.Task)
	if err != nil {
		return nil, err
	}
	if len(in.Reason) > 255 {
		return nil, invalidParameter("reason can be at most 255 characters.")
	}
	stopping := false
	rec, _, err := s.tasks().Mutate(ctx, taskKey(sc, cluster, id), func(r *taskRecord) error {
		stopping = s.markStopping(&r.Task, "UserInitiated", cmp.Or(in.Reason, "Task stopped by user"))
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalidParameter("The referenced task was not found.")
	}
	if err != nil {
		return nil, internal("stopping task", err)
	}
	if stopping && rec.NodeID != "" {
		if err := s.stopAssignment(ctx, rec.NodeID, sc, id, rec.Task.StopCode, rec.Task.StoppedReason); err != nil {
			return nil, err
		}
	}
	return &ecstypes.StopTaskResponse{Task: &rec.Task}, nil
}

// markStopping sets t's desired status to STOPPED with code and reason,
// unless it was asked to stop before (its first code and reason stay). It
// reports whether it did.
func (s *Service) markStopping(t *ecstypes.Task, code, reason string) bool {
	if t.DesiredStatus == statusStopped {
		return false
	}
	t.DesiredStatus, t.StopCode, t.StoppedReason = statusStopped, code, reason
	t.StoppingAt = s.timestamp()
	t.Version++
	return true
}

// taskRef resolves a task id or ARN (short or long format) within a
// cluster reference.
func (sc scope) taskRef(clusterRef, ref string) (cluster, id string, err error) {
	cluster, ok := sc.clusterName(clusterRef)
	if !ok {
		return "", "", clusterNotFound()
	}
	if a, isARN := parseARN(ref); isARN {
		if a.resourceType != "task" || a.account != sc.account || a.region != sc.region {
			return "", "", invalidParameter("Invalid task ARN: %s", ref)
		}
		parts := strings.Split(a.resource, "/")
		switch len(parts) {
		case 1:
			return cluster, parts[0], nil
		case 2:
			if clusterRef != "" && parts[0] != cluster {
				return "", "", invalidParameter("The task ARN's cluster %s does not match cluster %s.", parts[0], cluster)
			}
			return parts[0], parts[1], nil
		}
		return "", "", invalidParameter("Invalid task ARN: %s", ref)
	}
	if len(ref) != 32 || !isHex(ref) {
		return "", "", invalidParameter("Invalid id: %s", ref)
	}
	return cluster, ref, nil
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}
