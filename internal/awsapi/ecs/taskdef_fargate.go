package ecs

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
)

// Task size parsing and the Fargate-only rules of RegisterTaskDefinition.
//
// Task-level cpu and memory are strings on the wire: cpu is CPU units
// ("1024") or vCPUs ("1 vCPU", "0.5 vcpu", "1vCPU"); memory is MiB ("2048")
// or GB ("2 GB", "2GB", "0.5 GB"), where a GB is 1024 MiB. ECS stores and
// returns both as integer strings.

// Task cpu bounds outside Fargate: 0.125 to 192 vCPUs, as documented for
// EC2-hosted tasks.
const (
	minTaskCPU = 128
	maxTaskCPU = 196608
)

var errTaskSize = errors.New("not a whole number of units")

// parseTaskCPU returns the CPU units a task-level cpu string names. The
// result is positive; fractions of a unit are rejected.
func parseTaskCPU(s string) (int, error) {
	return parseTaskSize(s, []sizeUnit{{"vcpus", 1024}, {"vcpu", 1024}})
}

// parseTaskMemory returns the MiB a task-level memory string names. The
// result is positive; fractions of a MiB are rejected.
func parseTaskMemory(s string) (int, error) {
	return parseTaskSize(s, []sizeUnit{{"gb", 1024}})
}

type sizeUnit struct {
	suffix string // lower case
	scale  float64
}

func parseTaskSize(s string, units []sizeUnit) (int, error) {
	text := strings.TrimSpace(s)
	lower := strings.ToLower(text)
	scale := 1.0
	for _, u := range units {
		if strings.HasSuffix(lower, u.suffix) {
			text = strings.TrimSpace(text[:len(text)-len(u.suffix)])
			scale = u.scale
			break
		}
	}
	if scale == 1 {
		// A bare value is an integer count of the base unit.
		n, err := strconv.ParseInt(text, 10, 32)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("invalid task size %q", s)
		}
		return int(n), nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || text == "" || strings.ContainsAny(text, "eExXpP_") || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("invalid task size %q", s)
	}
	v := f * scale
	if v <= 0 || v > math.MaxInt32 || v != math.Trunc(v) {
		return 0, fmt.Errorf("invalid task size %q: %w", s, errTaskSize)
	}
	return int(v), nil
}

// fargateMemory lists, per task cpu, the memory range and step Fargate
// offers (Linux).
var fargateMemory = []struct {
	cpu, min, max, step int
}{
	{256, 512, 2048, 0}, // 512, 1024 or 2048 only
	{512, 1024, 4096, 1024},
	{1024, 2048, 8192, 1024},
	{2048, 4096, 16384, 1024},
	{4096, 8192, 30720, 1024},
	{8192, 16384, 61440, 4096},
	{16384, 32768, 122880, 8192},
}

// fargateSizeValid reports whether Fargate offers a task of cpu units and
// memMiB MiB.
func fargateSizeValid(cpu, memMiB int) bool {
	for _, row := range fargateMemory {
		if row.cpu != cpu {
			continue
		}
		if row.step == 0 {
			return memMiB == 512 || memMiB == 1024 || memMiB == 2048
		}
		return memMiB >= row.min && memMiB <= row.max && (memMiB-row.min)%row.step == 0
	}
	return false
}

// taskSize is the parsed task-level cpu and memory; zero means absent.
type taskSize struct {
	cpu, memory int
}

// parseTaskSizes parses the request's task-level cpu and memory, answering
// with ECS's error for a value it cannot read.
func parseTaskSizes(in *ecstypes.RegisterTaskDefinitionRequest) (taskSize, error) {
	var ts taskSize
	if in.Cpu != "" {
		n, err := parseTaskCPU(in.Cpu)
		if err != nil {
			return ts, invalidParameter("Invalid 'cpu' setting for task.")
		}
		ts.cpu = n
	}
	if in.Memory != "" {
		n, err := parseTaskMemory(in.Memory)
		if err != nil {
			return ts, invalidParameter("Invalid 'memory' setting for task.")
		}
		ts.memory = n
	}
	return ts, nil
}

// Fargate log drivers.
var fargateLogDrivers = []string{"awslogs", "splunk", "awsfirelens"}

const (
	// fargateMaxTimeout bounds startTimeout and stopTimeout on Fargate.
	fargateMaxTimeout = 120
	// fargateMaxNofile is the largest nofile hard limit Fargate grants.
	fargateMaxNofile = 1048576
)

// fargateProblem returns the first reason the request cannot run on Fargate,
// or nil. It assumes validateTaskDefinition's general rules hold (names,
// ranges, references); RegisterTaskDefinition reports it when FARGATE is
// required, and newTaskDefinition uses it to decide whether FARGATE is among
// the definition's compatibilities.
func fargateProblem(in *ecstypes.RegisterTaskDefinitionRequest, ts taskSize) error {
	if in.NetworkMode != "awsvpc" {
		// AWS's wording, typographic quotes included.
		return clientError("Fargate only supports network mode ‘awsvpc’.")
	}
	if ts.cpu == 0 {
		return clientError("Fargate requires that 'cpu' be defined at the task level.")
	}
	if ts.memory == 0 {
		return clientError("Fargate requires that 'memory' be defined at the task level.")
	}
	if !fargateSizeValid(ts.cpu, ts.memory) {
		return clientError("No Fargate configuration exists for given values: %d CPU, %d memory. See the Amazon ECS documentation for the valid values.", ts.cpu, ts.memory)
	}
	if in.PidMode == "host" {
		return clientError("Tasks using the Fargate launch type do not support pidMode 'host'. The only supported value is 'task'.")
	}
	if in.IpcMode != "" {
		return clientError("Tasks using the Fargate launch type do not support ipcMode.")
	}
	if len(in.PlacementConstraints) > 0 {
		return clientError("Tasks using the Fargate launch type do not support placementConstraints.")
	}
	if len(in.InferenceAccelerators) > 0 {
		return clientError("Tasks using the Fargate launch type do not support inferenceAccelerators.")
	}
	for _, v := range in.Volumes {
		if v.Host != nil && v.Host.SourcePath != "" {
			return clientError("Fargate compatible task definitions do not support sourcePath")
		}
		if v.DockerVolumeConfiguration != nil {
			return clientError("Fargate compatible task definitions do not support dockerVolumeConfiguration (volume '%s').", v.Name)
		}
	}
	for i := range in.ContainerDefinitions {
		if err := fargateContainerProblem(in, &in.ContainerDefinitions[i]); err != nil {
			return err
		}
	}
	return nil
}

func fargateContainerProblem(in *ecstypes.RegisterTaskDefinitionRequest, c *ecstypes.ContainerDefinition) error {
	unsupported := func(field string) error {
		return clientError("Tasks using the Fargate launch type do not support '%s' (container '%s').", field, c.Name)
	}
	switch {
	case boolSet(c.Privileged):
		return unsupported("privileged")
	case boolSet(c.DisableNetworking):
		return unsupported("disableNetworking")
	case len(c.DnsServers) > 0:
		return unsupported("dnsServers")
	case len(c.DnsSearchDomains) > 0:
		return unsupported("dnsSearchDomains")
	case len(c.DockerSecurityOptions) > 0:
		return unsupported("dockerSecurityOptions")
	}
	for _, r := range c.ResourceRequirements {
		if r.Type == "GPU" || r.Type == "InferenceAccelerator" {
			return unsupported("resourceRequirements " + r.Type)
		}
	}
	if lp := c.LinuxParameters; lp != nil {
		switch {
		case len(lp.Devices) > 0:
			return unsupported("linuxParameters.devices")
		case lp.SharedMemorySize != nil:
			return unsupported("linuxParameters.sharedMemorySize")
		case len(lp.Tmpfs) > 0:
			return unsupported("linuxParameters.tmpfs")
		case lp.MaxSwap != nil:
			return unsupported("linuxParameters.maxSwap")
		case lp.Swappiness != nil:
			return unsupported("linuxParameters.swappiness")
		}
		if lp.Capabilities != nil {
			for _, capName := range lp.Capabilities.Add {
				if normalizeCapability(capName) != "SYS_PTRACE" {
					return clientError("Tasks using the Fargate launch type only support adding the SYS_PTRACE kernel capability; container '%s' adds '%s'.", c.Name, capName)
				}
			}
		}
	}
	if t := c.StartTimeout; t != nil && (*t < 2 || *t > fargateMaxTimeout) {
		return clientError("Invalid 'startTimeout' setting for container '%s'. Tasks using the Fargate launch type support 2 to %d seconds.", c.Name, fargateMaxTimeout)
	}
	if t := c.StopTimeout; t != nil && (*t < 2 || *t > fargateMaxTimeout) {
		return clientError("Invalid 'stopTimeout' setting for container '%s'. Tasks using the Fargate launch type support 2 to %d seconds.", c.Name, fargateMaxTimeout)
	}
	for _, u := range c.Ulimits {
		if u.Name == "nofile" && u.HardLimit > fargateMaxNofile {
			return clientError("Invalid ulimit 'nofile' for container '%s'. Tasks using the Fargate launch type support a hardLimit of at most %d.", c.Name, fargateMaxNofile)
		}
	}
	if lc := c.LogConfiguration; lc != nil {
		if !slices.Contains(fargateLogDrivers, lc.LogDriver) {
			return clientError("Log driver %s is not supported by tasks using the Fargate launch type (container '%s'). Supported log drivers: %s.", lc.LogDriver, c.Name, strings.Join(fargateLogDrivers, ", "))
		}
		if lc.LogDriver == "awslogs" {
			if in.ExecutionRoleArn == "" {
				return clientError("Fargate requires task definition to have execution role ARN to support log driver awslogs.")
			}
			if lc.Options["awslogs-stream-prefix"] == "" {
				return clientError("Fargate requires log configuration options to include awslogs-stream-prefix to support log driver awslogs.")
			}
		}
	}
	if isPrivateECRImage(c.Image) && in.ExecutionRoleArn == "" {
		return clientError("Fargate requires task definition to have execution role ARN to support ECR images.")
	}
	return nil
}

// normalizeCapability strips the CAP_ prefix and upper-cases a Linux
// capability name, so "CAP_SYS_PTRACE" and "SYS_PTRACE" compare equal.
func normalizeCapability(s string) string {
	return strings.TrimPrefix(strings.ToUpper(s), "CAP_")
}

// isPrivateECRImage reports whether image lives in a private Amazon ECR
// registry (<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/…), whose
// pulls need the execution role.
func isPrivateECRImage(image string) bool {
	host, _, ok := strings.Cut(image, "/")
	if !ok {
		return false
	}
	account, rest, ok := strings.Cut(host, ".")
	if !ok || len(account) != 12 || strings.Trim(account, "0123456789") != "" {
		return false
	}
	if !strings.HasPrefix(rest, "dkr.ecr.") && !strings.HasPrefix(rest, "dkr.ecr-fips.") {
		return false
	}
	return strings.HasSuffix(rest, ".amazonaws.com") || strings.HasSuffix(rest, ".amazonaws.com.cn")
}

func boolSet(b *bool) bool { return b != nil && *b }
