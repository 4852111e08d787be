package ecs

import (
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
)

// newTaskDefinition turns a validated RegisterTaskDefinition request into
// the document ECS returns from RegisterTaskDefinition and
// DescribeTaskDefinition, without the fields the caller owns
// (taskDefinitionArn, revision, status, registeredAt, registeredBy).
//
// What ECS fills in, and so does this:
//   - cpu and memory as integer strings: "1 vCPU" becomes "1024", "2 GB"
//     becomes "2048";
//   - per container: cpu 0, essential true, empty portMappings,
//     environment, mountPoints, volumesFrom and systemControls lists;
//     protocol "tcp" on port mappings; hostPort equal to containerPort in
//     awsvpc and host mode, 0 (dynamic) in bridge mode; healthCheck interval
//     30, timeout 5 and retries 3 when unset;
//   - empty volumes and placementConstraints lists;
//   - compatibilities, the launch types the definition can run on, and
//     requiresAttributes, the agent capabilities it needs (see below).
//
// Fields the request left out stay out. The result shares no slice or
// pointer that this function writes through with in, so in is unchanged;
// nested values it only copies along (log options, volumes, …) are shared.
// in must have passed validateTaskDefinition.
func newTaskDefinition(in *ecstypes.RegisterTaskDefinitionRequest) *ecstypes.TaskDefinition {
	ts, _ := parseTaskSizes(in) // validated: cannot fail
	td := &ecstypes.TaskDefinition{
		Family:                  in.Family,
		TaskRoleArn:             in.TaskRoleArn,
		ExecutionRoleArn:        in.ExecutionRoleArn,
		NetworkMode:             in.NetworkMode,
		Volumes:                 orEmptyList(in.Volumes),
		PlacementConstraints:    orEmptyList(in.PlacementConstraints),
		RuntimePlatform:         in.RuntimePlatform,
		RequiresCompatibilities: slices.Clone(in.RequiresCompatibilities),
		InferenceAccelerators:   in.InferenceAccelerators,
		PidMode:                 in.PidMode,
		IpcMode:                 in.IpcMode,
		ProxyConfiguration:      in.ProxyConfiguration,
		EphemeralStorage:        in.EphemeralStorage,
		EnableFaultInjection:    in.EnableFaultInjection,
	}
	if ts.cpu != 0 {
		td.Cpu = strconv.Itoa(ts.cpu)
	}
	if ts.memory != 0 {
		td.Memory = strconv.Itoa(ts.memory)
	}
	td.ContainerDefinitions = make([]ecstypes.ContainerDefinition, len(in.ContainerDefinitions))
	for i, c := range in.ContainerDefinitions {
		td.ContainerDefinitions[i] = normalizeContainer(c, in.NetworkMode)
	}
	td.Compatibilities = compatibilities(in, ts)
	td.RequiresAttributes = requiresAttributes(in)
	return td
}

// normalizeContainer applies ECS's container defaults to a copy of c.
func normalizeContainer(c ecstypes.ContainerDefinition, networkMode string) ecstypes.ContainerDefinition {
	if c.Essential == nil {
		c.Essential = new(true)
	}
	c.PortMappings = slices.Clone(orEmptyList(c.PortMappings))
	for i := range c.PortMappings {
		pm := &c.PortMappings[i]
		if pm.Protocol == "" {
			pm.Protocol = "tcp"
		}
		if pm.ContainerPort == nil { // a containerPortRange mapping
			continue
		}
		switch {
		case networkMode == "awsvpc" || networkMode == "host":
			pm.HostPort = new(*pm.ContainerPort)
		case pm.HostPort == nil:
			pm.HostPort = new(int32(0))
		}
	}
	c.Environment = orEmptyList(c.Environment)
	c.MountPoints = orEmptyList(c.MountPoints)
	c.VolumesFrom = orEmptyList(c.VolumesFrom)
	c.SystemControls = orEmptyList(c.SystemControls)
	if c.HealthCheck != nil {
		hc := *c.HealthCheck
		if hc.Interval == nil {
			hc.Interval = new(int32(30))
		}
		if hc.Timeout == nil {
			hc.Timeout = new(int32(5))
		}
		if hc.Retries == nil {
			hc.Retries = new(int32(3))
		}
		c.HealthCheck = &hc
	}
	return c
}

// orEmptyList returns s, or an empty non-nil list, which encodes as [] the
// way ECS returns unset lists.
func orEmptyList[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// compatibilities returns the launch types a definition can run on, in
// ECS's order. ECS computes this set whatever requiresCompatibilities says:
// as of 2026, an awsvpc definition that Fargate can run comes back as
// ["EC2", "MANAGED_INSTANCES", "FARGATE"] (older definitions show
// ["EC2", "FARGATE"], from before ECS Managed Instances existed), and a
// bridge one as ["EXTERNAL", "EC2"]. ECS Managed Instances run awsvpc and
// host tasks; ECS Anywhere (EXTERNAL) runs bridge, host and none tasks.
func compatibilities(in *ecstypes.RegisterTaskDefinitionRequest, ts taskSize) []string {
	switch in.NetworkMode {
	case "awsvpc":
		out := []string{"EC2", "MANAGED_INSTANCES"}
		if fargateProblem(in, ts) == nil {
			out = append(out, "FARGATE")
		}
		return out
	case "host":
		return []string{"EXTERNAL", "EC2", "MANAGED_INSTANCES"}
	default: // bridge (the default) and none
		return []string{"EXTERNAL", "EC2"}
	}
}

// Capability attributes ECS derives from a task definition; container
// instances must advertise them to run its tasks.
const (
	attrDockerAPI118         = "com.amazonaws.ecs.capability.docker-remote-api.1.18"
	attrDockerAPI119         = "com.amazonaws.ecs.capability.docker-remote-api.1.19"
	attrDockerAPI124         = "com.amazonaws.ecs.capability.docker-remote-api.1.24"
	attrLoggingDriverPrefix  = "com.amazonaws.ecs.capability.logging-driver."
	attrExecutionRoleAwslogs = "ecs.capability.execution-role-awslogs"
	attrECRAuth              = "com.amazonaws.ecs.capability.ecr-auth"
	attrTaskIAMRole          = "com.amazonaws.ecs.capability.task-iam-role"
	attrContainerHealthCheck = "ecs.capability.container-health-check"
	attrContainerOrdering    = "ecs.capability.container-ordering"
	attrExecutionRoleECRPull = "ecs.capability.execution-role-ecr-pull"
	attrSecretsSSM           = "ecs.capability.secrets.ssm.environment-variables"
	attrSecretsASM           = "ecs.capability.secrets.asm.environment-variables"
	attrEnvFilesS3           = "ecs.capability.env-files.s3"
	attrEFS                  = "ecs.capability.efs"
	attrFirelensPrefix       = "ecs.capability.firelens."
	attrPrivateRegistryASM   = "com.amazonaws.ecs.capability.private-registry-authentication.secretsmanager"
	attrTaskENI              = "ecs.capability.task-eni"
)

// requiresAttributes returns the capability attributes the definition
// needs, each once, in the order ECS lists them for a typical Fargate
// definition (log driver, execution-role-awslogs, ecr-auth, Docker API
// 1.19, task-iam-role, container-ordering, execution-role-ecr-pull,
// secrets, Docker API 1.18, task-eni). ECS's own order is not documented
// and varies between definitions; clients treat the list as a set.
func requiresAttributes(in *ecstypes.RegisterTaskDefinitionRequest) []ecstypes.Attribute {
	var names []string
	add := func(name string, when bool) {
		if when && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	cs := in.ContainerDefinitions
	anyContainer := func(f func(c *ecstypes.ContainerDefinition) bool) bool {
		for i := range cs {
			if f(&cs[i]) {
				return true
			}
		}
		return false
	}
	hasRole := in.ExecutionRoleArn != ""
	for i := range cs {
		if lc := cs[i].LogConfiguration; lc != nil {
			add(attrLoggingDriverPrefix+lc.LogDriver, true)
		}
	}
	awslogs := anyContainer(func(c *ecstypes.ContainerDefinition) bool {
		return c.LogConfiguration != nil && c.LogConfiguration.LogDriver == "awslogs"
	})
	add(attrExecutionRoleAwslogs, awslogs && hasRole)
	ecr := anyContainer(func(c *ecstypes.ContainerDefinition) bool { return isPrivateECRImage(c.Image) })
	add(attrECRAuth, ecr)
	add(attrDockerAPI119, anyContainer(func(c *ecstypes.ContainerDefinition) bool { return c.LogConfiguration != nil }))
	health := anyContainer(func(c *ecstypes.ContainerDefinition) bool { return c.HealthCheck != nil })
	add(attrDockerAPI124, health)
	add(attrTaskIAMRole, in.TaskRoleArn != "")
	add(attrContainerHealthCheck, health)
	add(attrContainerOrdering, anyContainer(func(c *ecstypes.ContainerDefinition) bool {
		return len(c.DependsOn) > 0 || c.StartTimeout != nil || c.StopTimeout != nil
	}))
	add(attrExecutionRoleECRPull, ecr && hasRole)
	privateRegistry := anyContainer(func(c *ecstypes.ContainerDefinition) bool { return c.RepositoryCredentials != nil })
	add(attrPrivateRegistryASM, privateRegistry)
	var ssm, asm bool
	for i := range cs {
		secrets := slices.Clone(cs[i].Secrets)
		if lc := cs[i].LogConfiguration; lc != nil {
			secrets = append(secrets, lc.SecretOptions...)
		}
		for _, s := range secrets {
			if strings.Contains(s.ValueFrom, ":secretsmanager:") {
				asm = true
			} else {
				ssm = true // an SSM parameter ARN or name
			}
		}
	}
	add(attrSecretsSSM, ssm)
	add(attrSecretsASM, asm)
	add(attrEnvFilesS3, anyContainer(func(c *ecstypes.ContainerDefinition) bool { return len(c.EnvironmentFiles) > 0 }))
	for i := range cs {
		if fc := cs[i].FirelensConfiguration; fc != nil {
			add(attrFirelensPrefix+fc.Type, true)
		}
	}
	add(attrEFS, slices.ContainsFunc(in.Volumes, func(v ecstypes.Volume) bool { return v.EfsVolumeConfiguration != nil }))
	add(attrDockerAPI118, in.NetworkMode == "awsvpc")
	add(attrTaskENI, in.NetworkMode == "awsvpc")
	attrs := make([]ecstypes.Attribute, len(names))
	for i, n := range names {
		attrs[i] = ecstypes.Attribute{Name: n}
	}
	return attrs
}
