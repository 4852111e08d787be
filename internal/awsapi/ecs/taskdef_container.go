package ecs

import (
	"cmp"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
)

// Per-container rules of RegisterTaskDefinition that hold whatever the
// launch type; the Fargate-only ones are in taskdef_fargate.go.

const (
	maxImageLen = 255
	// minContainerMemory is the smallest hard memory limit ECS accepts, the
	// minimum the container runtime reserves.
	minContainerMemory = 6
)

// validateContainer checks one container definition. volumes are the task's
// volume names and containers its container names.
func validateContainer(in *ecstypes.RegisterTaskDefinitionRequest, c *ecstypes.ContainerDefinition, volumes map[string]bool, containers map[string]int) error {
	switch {
	case c.Image == "":
		return clientError("Container.image should not be null or empty.")
	case len(c.Image) > maxImageLen:
		return clientError("Invalid 'image' setting for container '%s'. Image references are limited to %d characters.", c.Name, maxImageLen)
	case strings.IndexFunc(c.Image, unicode.IsSpace) >= 0:
		return clientError("Invalid 'image' setting for container '%s'. Image references cannot contain whitespace.", c.Name)
	}
	if c.Cpu < 0 {
		return clientError("Invalid 'cpu' setting for container '%s'. The value must be 0 or greater.", c.Name)
	}
	if c.Memory != nil && *c.Memory < minContainerMemory {
		return clientError("Invalid 'memory' setting for container '%s'. The minimum is %d MiB.", c.Name, minContainerMemory)
	}
	if c.MemoryReservation != nil && *c.MemoryReservation <= 0 {
		return clientError("Invalid 'memoryReservation' setting for container '%s'. The value must be greater than 0.", c.Name)
	}
	if c.Memory != nil && c.MemoryReservation != nil && *c.MemoryReservation > *c.Memory {
		return clientError("Invalid setting for container '%s'. 'memory' must be greater than or equal to 'memoryReservation'.", c.Name)
	}
	for _, t := range []struct {
		field string
		v     *int32
	}{{"startTimeout", c.StartTimeout}, {"stopTimeout", c.StopTimeout}} {
		if t.v != nil && *t.v < 0 {
			return clientError("Invalid '%s' setting for container '%s'. The value must be 0 or greater.", t.field, c.Name)
		}
	}
	if in.NetworkMode == "awsvpc" {
		switch {
		case len(c.Links) > 0:
			return clientError("Links are not supported when networkMode=awsvpc.")
		case c.Hostname != "":
			return clientError("hostname is not supported on container when networkMode=awsvpc.")
		case len(c.ExtraHosts) > 0:
			return clientError("extraHosts is not supported on container when networkMode=awsvpc.")
		}
	}
	if rc := c.RepositoryCredentials; rc != nil {
		if rc.CredentialsParameter == "" {
			return clientError("Invalid 'repositoryCredentials' setting for container '%s'. 'credentialsParameter' should not be null or empty.", c.Name)
		}
		if in.ExecutionRoleArn == "" {
			return clientError("Private repository authentication requires that the task definition specify a value for executionRoleArn.")
		}
	}
	if err := validateMounts(c, volumes, containers); err != nil {
		return err
	}
	if err := validateHealthCheck(c); err != nil {
		return err
	}
	if err := validateLogConfiguration(c); err != nil {
		return err
	}
	if err := validateUlimits(c); err != nil {
		return err
	}
	return validateEnvironment(c)
}

// validateMounts checks mountPoints and volumesFrom.
func validateMounts(c *ecstypes.ContainerDefinition, volumes map[string]bool, containers map[string]int) error {
	for _, mp := range c.MountPoints {
		switch {
		case mp.SourceVolume == "":
			return clientError("Invalid mount point for container '%s'. 'sourceVolume' should not be null or empty.", c.Name)
		case !volumes[mp.SourceVolume]:
			return clientError("Unknown volume '%s'.", mp.SourceVolume)
		case mp.ContainerPath == "":
			return clientError("Invalid mount point for container '%s'. 'containerPath' should not be null or empty.", c.Name)
		case !isContainerAbsPath(mp.ContainerPath):
			return clientError("Invalid mount point for container '%s'. 'containerPath' must be an absolute path: '%s'.", c.Name, mp.ContainerPath)
		}
	}
	for _, vf := range c.VolumesFrom {
		switch {
		case vf.SourceContainer == "":
			return clientError("Invalid 'volumesFrom' setting for container '%s'. 'sourceContainer' should not be null or empty.", c.Name)
		case vf.SourceContainer == c.Name:
			return clientError("Invalid 'volumesFrom' setting for container '%s'. A container cannot mount volumes from itself.", c.Name)
		}
		if _, ok := containers[vf.SourceContainer]; !ok {
			return clientError("Invalid 'volumesFrom' setting for container '%s'. Unknown container '%s'.", c.Name, vf.SourceContainer)
		}
	}
	return nil
}

// isContainerAbsPath accepts a Linux absolute path or a Windows one ("C:\data").
func isContainerAbsPath(p string) bool {
	if strings.HasPrefix(p, "/") {
		return true
	}
	return len(p) >= 3 && unicode.IsLetter(rune(p[0])) && p[1] == ':' && (p[2] == '\\' || p[2] == '/')
}

// Health check bounds and defaults, in seconds (retries in attempts).
var healthCheckLimits = []struct {
	field    string
	get      func(*ecstypes.HealthCheck) *int32
	min, max int32
}{
	{"interval", func(h *ecstypes.HealthCheck) *int32 { return h.Interval }, 5, 300},
	{"timeout", func(h *ecstypes.HealthCheck) *int32 { return h.Timeout }, 2, 120},
	{"retries", func(h *ecstypes.HealthCheck) *int32 { return h.Retries }, 1, 10},
	{"startPeriod", func(h *ecstypes.HealthCheck) *int32 { return h.StartPeriod }, 0, 300},
}

func validateHealthCheck(c *ecstypes.ContainerDefinition) error {
	h := c.HealthCheck
	if h == nil {
		return nil
	}
	if len(h.Command) == 0 {
		return clientError("Invalid health check for container '%s'. 'command' should not be null or empty.", c.Name)
	}
	if (h.Command[0] != "CMD" && h.Command[0] != "CMD-SHELL") || len(h.Command) < 2 {
		return clientError("Invalid health check command for container '%s'. The command must start with CMD or CMD-SHELL, followed by the command to run.", c.Name)
	}
	for _, l := range healthCheckLimits {
		v := l.get(h)
		switch {
		case v == nil:
		case *v < l.min:
			return clientError("Health check %s must be greater than or equal to the minimum allowed value %d for container '%s'", l.field, l.min, c.Name)
		case *v > l.max:
			return clientError("Health check %s must be less than or equal to the maximum allowed value %d for container '%s'", l.field, l.max, c.Name)
		}
	}
	return nil
}

// awslogsOptions are the options the awslogs driver accepts.
var awslogsOptions = []string{
	"awslogs-create-group", "awslogs-create-stream", "awslogs-datetime-format", "awslogs-endpoint",
	"awslogs-format", "awslogs-group", "awslogs-multiline-pattern", "awslogs-region",
	"awslogs-stream", "awslogs-stream-prefix",
}

// logBufferSize matches Docker's size strings for max-buffer-size ("4m", "25MB",
// "1.5 GiB").
var logBufferSize = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?\s*([kKmMgGtTpP][iI]?)?[bB]?$`)

func validateLogConfiguration(c *ecstypes.ContainerDefinition) error {
	lc := c.LogConfiguration
	if lc == nil {
		return nil
	}
	switch {
	case lc.LogDriver == "":
		return clientError("Invalid log configuration for container '%s'. 'logDriver' should not be null or empty.", c.Name)
	case !slices.Contains(ecstypes.LogDriverValues, lc.LogDriver):
		return clientError("Invalid log driver '%s' for container '%s'. Valid values are: %s.", lc.LogDriver, c.Name, strings.Join(ecstypes.LogDriverValues, ", "))
	}
	if lc.LogDriver == "awslogs" {
		if lc.Options["awslogs-group"] == "" || lc.Options["awslogs-region"] == "" {
			return clientError("Log driver awslogs requires options: awslogs-region, awslogs-group")
		}
		for _, name := range slices.Sorted(maps.Keys(lc.Options)) {
			if strings.HasPrefix(name, "awslogs-") && !slices.Contains(awslogsOptions, name) {
				return clientError("Invalid log configuration for container '%s'. Unknown log option '%s' for log driver awslogs.", c.Name, name)
			}
		}
	}
	if mode, ok := lc.Options["mode"]; ok && mode != "blocking" && mode != "non-blocking" {
		return clientError("Invalid log configuration for container '%s'. Log option 'mode' must be blocking or non-blocking, not '%s'.", c.Name, mode)
	}
	if size, ok := lc.Options["max-buffer-size"]; ok && !logBufferSize.MatchString(size) {
		return clientError("Invalid log configuration for container '%s'. Log option 'max-buffer-size' must be a size such as 25m or 4MiB, not '%s'.", c.Name, size)
	}
	for _, s := range lc.SecretOptions {
		if s.Name == "" || s.ValueFrom == "" {
			return clientError("Invalid log configuration for container '%s'. Every secret option needs a 'name' and a 'valueFrom'.", c.Name)
		}
	}
	return nil
}

func validateUlimits(c *ecstypes.ContainerDefinition) error {
	for _, u := range c.Ulimits {
		switch {
		case !slices.Contains(ecstypes.UlimitNameValues, u.Name):
			return clientError("Invalid ulimit name '%s' for container '%s'. Valid values are: %s.", u.Name, c.Name, strings.Join(ecstypes.UlimitNameValues, ", "))
		case u.SoftLimit < 0 || u.HardLimit < 0:
			return clientError("Invalid ulimit '%s' for container '%s'. Limits must be 0 or greater.", u.Name, c.Name)
		case u.SoftLimit > u.HardLimit:
			return clientError("Invalid ulimit '%s' for container '%s'. 'softLimit' (%d) must be less than or equal to 'hardLimit' (%d).", u.Name, c.Name, u.SoftLimit, u.HardLimit)
		}
	}
	return nil
}

// s3ObjectARN matches an Amazon S3 object ARN in any partition.
var s3ObjectARN = regexp.MustCompile(`^arn:aws[a-z-]*:s3:::[^/]+/.+`)

func validateEnvironment(c *ecstypes.ContainerDefinition) error {
	for _, kv := range c.Environment {
		if kv.Name == "" {
			return clientError("Invalid environment variable for container '%s'. 'name' should not be null or empty.", c.Name)
		}
	}
	for _, f := range c.EnvironmentFiles {
		switch {
		case f.Type != "s3":
			return clientError("Invalid environment file type '%s' for container '%s'. Valid values are: %s.", f.Type, c.Name, strings.Join(ecstypes.EnvironmentFileTypeValues, ", "))
		case !s3ObjectARN.MatchString(f.Value):
			return clientError("Invalid environment file '%s' for container '%s'. The value must be the ARN of an Amazon S3 object.", f.Value, c.Name)
		}
	}
	for _, s := range c.Secrets {
		switch {
		case s.Name == "":
			return clientError("Invalid secret for container '%s'. 'name' should not be null or empty.", c.Name)
		case s.ValueFrom == "":
			return clientError("Invalid secret '%s' for container '%s'. 'valueFrom' should not be null or empty.", s.Name, c.Name)
		}
	}
	return nil
}

// portChecker validates port mappings container by container and finds
// collisions across the task: in awsvpc and host mode every container shares
// one network namespace, so a protocol and port pair may appear once.
type portChecker struct {
	mode  string
	host  map[string]bool // "tcp/80"
	names map[string]bool
}

func newPortChecker(networkMode string) *portChecker {
	return &portChecker{mode: networkMode, host: map[string]bool{}, names: map[string]bool{}}
}

// portMappingName matches a port mapping name: up to 64 lower-case letters, digits,
// underscores and hyphens, not starting with a hyphen.
var portMappingName = regexp.MustCompile(`^[a-z0-9_][a-z0-9_-]{0,63}$`)

func (pc *portChecker) check(c *ecstypes.ContainerDefinition) error {
	if pc.mode == "none" && len(c.PortMappings) > 0 {
		return clientError("Port mappings are not supported when networkMode=none (container '%s').", c.Name)
	}
	sharedNetns := pc.mode == "awsvpc" || pc.mode == "host"
	for _, pm := range c.PortMappings {
		proto := cmp.Or(pm.Protocol, "tcp")
		if !slices.Contains(ecstypes.TransportProtocolValues, proto) {
			return clientError("Invalid 'protocol' setting for container '%s': '%s'. Valid values are: %s.", c.Name, proto, strings.Join(ecstypes.TransportProtocolValues, ", "))
		}
		if pm.AppProtocol != "" && !slices.Contains(ecstypes.ApplicationProtocolValues, pm.AppProtocol) {
			return clientError("Invalid 'appProtocol' setting for container '%s': '%s'. Valid values are: %s.", c.Name, pm.AppProtocol, strings.Join(ecstypes.ApplicationProtocolValues, ", "))
		}
		if pm.Name != "" {
			switch {
			case !portMappingName.MatchString(pm.Name):
				return clientError("Invalid port mapping name '%s' for container '%s'. Up to 64 lower-case letters, numbers, underscores and hyphens are allowed, not starting with a hyphen.", pm.Name, c.Name)
			case pc.names[pm.Name]:
				return clientError("Port mapping names must be unique within a Task Definition: '%s' is used more than once.", pm.Name)
			}
			pc.names[pm.Name] = true
		}
		if pm.ContainerPortRange != "" {
			if err := pc.checkRange(c, pm, proto, sharedNetns); err != nil {
				return err
			}
			continue
		}
		if pm.ContainerPort == nil || *pm.ContainerPort < 1 || *pm.ContainerPort > 65535 {
			return clientError("Invalid 'containerPort' setting for container '%s'.", c.Name)
		}
		if pm.HostPort != nil && (*pm.HostPort < 0 || *pm.HostPort > 65535) {
			return clientError("Invalid 'hostPort' setting for container '%s'.", c.Name)
		}
		var hostPort int32
		if sharedNetns {
			if pm.HostPort != nil && *pm.HostPort != 0 && *pm.HostPort != *pm.ContainerPort {
				return clientError("When networkMode=%s, the host ports and container ports in port mappings must match.", pc.mode)
			}
			hostPort = *pm.ContainerPort
		} else if pm.HostPort != nil {
			hostPort = *pm.HostPort // 0 asks for a dynamic port, which never collides
		}
		if err := pc.claim(proto, hostPort); err != nil {
			return err
		}
	}
	return nil
}

func (pc *portChecker) checkRange(c *ecstypes.ContainerDefinition, pm ecstypes.PortMapping, proto string, sharedNetns bool) error {
	switch {
	case pm.ContainerPort != nil:
		return clientError("Invalid port mapping for container '%s'. Specify either 'containerPort' or 'containerPortRange', not both.", c.Name)
	case pm.HostPort != nil:
		return clientError("Invalid port mapping for container '%s'. 'hostPort' cannot be set with 'containerPortRange'.", c.Name)
	case pc.mode == "host":
		return clientError("Invalid port mapping for container '%s'. 'containerPortRange' requires networkMode awsvpc or bridge.", c.Name)
	}
	lo, hi, ok := parsePortRange(pm.ContainerPortRange)
	if !ok {
		return clientError("Invalid 'containerPortRange' setting for container '%s': '%s'. Use start-end with 1 <= start < end <= 65535.", c.Name, pm.ContainerPortRange)
	}
	if sharedNetns {
		for p := lo; p <= hi; p++ {
			if err := pc.claim(proto, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// claim records a host port; 0 is dynamic and never collides.
func (pc *portChecker) claim(proto string, port int32) error {
	if port == 0 {
		return nil
	}
	key := proto + "/" + strconv.Itoa(int(port))
	if pc.host[key] {
		return clientError("%s host port '%d' is mapped multiple times in task.", strings.ToUpper(proto), port)
	}
	pc.host[key] = true
	return nil
}

// parsePortRange parses "start-end" with 1 <= start < end <= 65535.
func parsePortRange(s string) (lo, hi int32, ok bool) {
	a, b, found := strings.Cut(s, "-")
	if !found {
		return 0, 0, false
	}
	start, err1 := strconv.ParseUint(a, 10, 16)
	end, err2 := strconv.ParseUint(b, 10, 16)
	if err1 != nil || err2 != nil || start < 1 || start >= end {
		return 0, 0, false
	}
	return int32(start), int32(end), true
}
