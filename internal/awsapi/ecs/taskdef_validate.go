package ecs

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
)

// RegisterTaskDefinition's validation, as ECS performs it. Every rejection
// is a ClientException (InvalidParameterException for an unreadable task
// size, as ECS answers) whose message names the offending container and
// field; where ECS's own wording is known it is kept verbatim, so the error
// users search for is the one they get. Tags are checked by validateTags.

const (
	// maxTaskDefBytes bounds the JSON document of a task definition.
	maxTaskDefBytes = 64 * 1024
	// maxContainers is how many containers one task definition may hold.
	maxContainers = 10
	// maxTaskDefNameLen bounds family, container and volume names.
	maxTaskDefNameLen = 255
)

// validateTaskDefinition checks a RegisterTaskDefinition request and
// returns the first rule it breaks, or nil. It does not modify in.
func validateTaskDefinition(in *ecstypes.RegisterTaskDefinitionRequest) error {
	if err := checkTaskDefSize(in); err != nil {
		return err
	}
	if err := validateFamily(in.Family); err != nil {
		return err
	}
	fargate, err := checkCompatibilities(in.RequiresCompatibilities)
	if err != nil {
		return err
	}
	if err := checkTaskEnums(in); err != nil {
		return err
	}
	ts, err := parseTaskSizes(in)
	if err != nil {
		return err
	}
	if !fargate && ts.cpu != 0 && (ts.cpu < minTaskCPU || ts.cpu > maxTaskCPU) {
		return invalidParameter("Invalid 'cpu' setting for task. The task cpu must be between %d and %d CPU units.", minTaskCPU, maxTaskCPU)
	}
	if es := in.EphemeralStorage; es != nil && (es.SizeInGiB < 21 || es.SizeInGiB > 200) {
		return clientError("Invalid 'ephemeralStorage.sizeInGiB' setting: %d. The ephemeral storage size must be between 21 and 200 GiB.", es.SizeInGiB)
	}
	volumes, err := validateVolumes(in.Volumes)
	if err != nil {
		return err
	}
	containers, err := validateContainerNames(in.ContainerDefinitions)
	if err != nil {
		return err
	}
	ports := newPortChecker(in.NetworkMode)
	for i := range in.ContainerDefinitions {
		c := &in.ContainerDefinitions[i]
		if err := validateContainer(in, c, volumes, containers); err != nil {
			return err
		}
		if err := ports.check(c); err != nil {
			return err
		}
	}
	if !slices.ContainsFunc(in.ContainerDefinitions, isEssential) {
		return clientError("Task definition doesn't have any essential container.")
	}
	if err := validateDependencies(in.ContainerDefinitions, containers); err != nil {
		return err
	}
	if err := validateResources(in.ContainerDefinitions, ts, fargate); err != nil {
		return err
	}
	if fargate {
		return fargateProblem(in, ts)
	}
	return nil
}

// checkTaskDefSize enforces ECS's 64 KiB limit on the task definition
// document, measured as the request's JSON encoding.
func checkTaskDefSize(in *ecstypes.RegisterTaskDefinitionRequest) error {
	b, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("measuring task definition: %w", err)
	}
	if len(b) > maxTaskDefBytes {
		return clientError("Task definition size exceeds the limit of %d bytes (this one is %d bytes).", maxTaskDefBytes, len(b))
	}
	return nil
}

// validTaskDefName reports whether s is 1 to 255 letters, digits, hyphens and
// underscores: the rule for families, container names and volume names.
func validTaskDefName(s string) bool {
	if s == "" || len(s) > maxTaskDefNameLen {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func validateFamily(family string) error {
	switch {
	case family == "":
		return clientError("Family can not be blank.")
	case len(family) > maxTaskDefNameLen:
		return clientError("Family must not be longer than %d characters.", maxTaskDefNameLen)
	case !validTaskDefName(family):
		return clientError("Family contains invalid characters: '%s'. Up to 255 letters, numbers, hyphens and underscores are allowed.", family)
	}
	return nil
}

// checkCompatibilities validates requiresCompatibilities and reports
// whether FARGATE is among them.
func checkCompatibilities(list []string) (fargate bool, err error) {
	for _, c := range list {
		if !slices.Contains(ecstypes.CompatibilityValues, c) {
			return false, clientError("Invalid requiresCompatibilities value '%s'. Valid values are: %s.", c, strings.Join(ecstypes.CompatibilityValues, ", "))
		}
		if c == "FARGATE" {
			fargate = true
		}
	}
	return fargate, nil
}

// checkTaskEnums validates the task-level enum fields.
func checkTaskEnums(in *ecstypes.RegisterTaskDefinitionRequest) error {
	checks := []struct {
		field, value string
		valid        []string
	}{
		{"networkMode", in.NetworkMode, ecstypes.NetworkModeValues},
		{"pidMode", in.PidMode, ecstypes.PidModeValues},
		{"ipcMode", in.IpcMode, ecstypes.IpcModeValues},
	}
	for _, ch := range checks {
		if ch.value != "" && !slices.Contains(ch.valid, ch.value) {
			return clientError("Invalid '%s' setting for task: '%s'. Valid values are: %s.", ch.field, ch.value, strings.Join(ch.valid, ", "))
		}
	}
	for _, pc := range in.PlacementConstraints {
		if pc.Type != "" && !slices.Contains(ecstypes.TaskDefinitionPlacementConstraintTypeValues, pc.Type) {
			return clientError("Invalid placement constraint type '%s'. Valid values are: %s.", pc.Type, strings.Join(ecstypes.TaskDefinitionPlacementConstraintTypeValues, ", "))
		}
	}
	if rp := in.RuntimePlatform; rp != nil {
		if rp.CpuArchitecture != "" && !slices.Contains(ecstypes.CPUArchitectureValues, rp.CpuArchitecture) {
			return clientError("Invalid 'runtimePlatform.cpuArchitecture' setting: '%s'. Valid values are: %s.", rp.CpuArchitecture, strings.Join(ecstypes.CPUArchitectureValues, ", "))
		}
		if rp.OperatingSystemFamily != "" && !slices.Contains(ecstypes.OSFamilyValues, rp.OperatingSystemFamily) {
			return clientError("Invalid 'runtimePlatform.operatingSystemFamily' setting: '%s'. Valid values are: %s.", rp.OperatingSystemFamily, strings.Join(ecstypes.OSFamilyValues, ", "))
		}
	}
	return nil
}

// validateVolumes checks the task's volumes and returns their names.
func validateVolumes(vols []ecstypes.Volume) (map[string]bool, error) {
	names := make(map[string]bool, len(vols))
	for _, v := range vols {
		switch {
		case v.Name == "":
			return nil, clientError("Volume.name should not be null or empty.")
		case !validTaskDefName(v.Name):
			return nil, clientError("Volume.name contains invalid characters: '%s'. Up to 255 letters, numbers, hyphens and underscores are allowed.", v.Name)
		case names[v.Name]:
			return nil, clientError("Volume names must be unique within a Task Definition: '%s' is used more than once.", v.Name)
		}
		names[v.Name] = true
		if efs := v.EfsVolumeConfiguration; efs != nil && efs.FileSystemId == "" {
			return nil, clientError("Invalid volume '%s'. 'efsVolumeConfiguration.fileSystemId' should not be null or empty.", v.Name)
		}
		if dv := v.DockerVolumeConfiguration; dv != nil && dv.Scope != "" && !slices.Contains(ecstypes.ScopeValues, dv.Scope) {
			return nil, clientError("Invalid volume '%s'. 'dockerVolumeConfiguration.scope' must be one of: %s.", v.Name, strings.Join(ecstypes.ScopeValues, ", "))
		}
	}
	return names, nil
}

// validateContainerNames checks the container count and names and returns
// each name's index.
func validateContainerNames(cs []ecstypes.ContainerDefinition) (map[string]int, error) {
	switch {
	case len(cs) == 0:
		return nil, clientError("Container list cannot be empty.")
	case len(cs) > maxContainers:
		return nil, clientError("Too many containers. A task definition can have at most %d containers; this one has %d.", maxContainers, len(cs))
	}
	index := make(map[string]int, len(cs))
	for i, c := range cs {
		switch {
		case c.Name == "":
			return nil, clientError("Container.name should not be null or empty.")
		case !validTaskDefName(c.Name):
			return nil, clientError("Container.name contains invalid characters: '%s'. Up to 255 letters, numbers, hyphens and underscores are allowed.", c.Name)
		}
		if _, dup := index[c.Name]; dup {
			return nil, clientError("Container names must be unique within a Task Definition: '%s' is used more than once.", c.Name)
		}
		index[c.Name] = i
	}
	return index, nil
}

// isEssential applies ECS's default: a container is essential unless it
// says otherwise.
func isEssential(c ecstypes.ContainerDefinition) bool {
	return c.Essential == nil || *c.Essential
}

// validateDependencies checks every dependsOn entry and that the
// dependencies form no cycle.
func validateDependencies(cs []ecstypes.ContainerDefinition, index map[string]int) error {
	for _, c := range cs {
		for _, d := range c.DependsOn {
			if d.ContainerName == "" {
				return clientError("Invalid 'dependsOn' setting for container '%s'. 'containerName' should not be null or empty.", c.Name)
			}
			if d.ContainerName == c.Name {
				return clientError("Invalid 'dependsOn' setting for container '%s'. A container cannot depend on itself.", c.Name)
			}
			target, ok := index[d.ContainerName]
			if !ok {
				// ECS's message, stray '+' included.
				return clientError("Cannot depend on container + '%s' because it does not exist", d.ContainerName)
			}
			switch d.Condition {
			case "START":
			case "COMPLETE", "SUCCESS":
				if isEssential(cs[target]) {
					return clientError("A dependency container with SUCCESS or COMPLETE condition cannot be an essential container")
				}
			case "HEALTHY":
				if cs[target].HealthCheck == nil {
					return clientError("Container '%s' depends on container '%s' with condition HEALTHY, but '%s' has no healthCheck.", c.Name, d.ContainerName, d.ContainerName)
				}
			default:
				return clientError("Invalid dependency condition '%s' for container '%s'. Valid values are: %s.", d.Condition, c.Name, strings.Join(ecstypes.ContainerConditionValues, ", "))
			}
		}
	}
	if cycle := dependencyCycle(cs, index); cycle != nil {
		return clientError("Container dependencies must not form a cycle: %s.", strings.Join(cycle, " -> "))
	}
	return nil
}

// dependencyCycle returns the names along a dependsOn cycle, first name
// repeated at the end, or nil when there is none. References are assumed
// valid.
func dependencyCycle(cs []ecstypes.ContainerDefinition, index map[string]int) []string {
	const (
		unvisited = iota
		onPath
		done
	)
	state := make([]int, len(cs))
	var path []int
	var visit func(i int) []string
	visit = func(i int) []string {
		state[i] = onPath
		path = append(path, i)
		for _, d := range cs[i].DependsOn {
			j := index[d.ContainerName]
			switch state[j] {
			case onPath:
				start := slices.Index(path, j)
				var names []string
				for _, k := range path[start:] {
					names = append(names, cs[k].Name)
				}
				return append(names, cs[j].Name)
			case unvisited:
				if cycle := visit(j); cycle != nil {
					return cycle
				}
			}
		}
		path = path[:len(path)-1]
		state[i] = done
		return nil
	}
	for i := range cs {
		if state[i] == unvisited {
			if cycle := visit(i); cycle != nil {
				return cycle
			}
		}
	}
	return nil
}

// validateResources checks container cpu and memory against each other and
// against the task's size.
func validateResources(cs []ecstypes.ContainerDefinition, ts taskSize, fargate bool) error {
	var sumCPU, sumReserved int
	for _, c := range cs {
		sumCPU += int(c.Cpu)
		if ts.memory == 0 && !fargate && c.Memory == nil && c.MemoryReservation == nil {
			return clientError("Invalid setting for container '%s'. At least one of 'memory' or 'memoryReservation' must be specified.", c.Name)
		}
		if ts.memory > 0 {
			if c.Memory != nil && int(*c.Memory) > ts.memory {
				return clientError("The 'memory' setting for container '%s' is greater than for the task.", c.Name)
			}
			if c.MemoryReservation != nil && int(*c.MemoryReservation) > ts.memory {
				return clientError("The 'memoryReservation' setting for container '%s' is greater than for the task.", c.Name)
			}
		}
		switch {
		case c.MemoryReservation != nil:
			sumReserved += int(*c.MemoryReservation)
		case c.Memory != nil:
			sumReserved += int(*c.Memory)
		}
	}
	if ts.cpu > 0 && sumCPU > ts.cpu {
		return clientError("The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'.")
	}
	if ts.memory > 0 && sumReserved > ts.memory {
		return clientError("The sum of all container 'memoryReservation' values cannot be greater than the value of the task 'memory'.")
	}
	return nil
}
