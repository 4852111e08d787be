package ecs

import (
	"strconv"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
)

// baseTaskDef is the kind of definition users register for Fargate: an
// nginx-like web container and a sidecar that fills a shared volume, with
// awslogs, an execution role, a health check and a container dependency.
// Every call returns a fresh request.
func baseTaskDef() *ecstypes.RegisterTaskDefinitionRequest {
	return &ecstypes.RegisterTaskDefinitionRequest{
		Family:                  "web-app",
		TaskRoleArn:             "arn:aws:iam::123456789012:role/web-app-task",
		ExecutionRoleArn:        "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
		NetworkMode:             "awsvpc",
		RequiresCompatibilities: []string{"FARGATE"},
		Cpu:                     "512",
		Memory:                  "1024",
		Volumes:                 []ecstypes.Volume{{Name: "shared"}},
		ContainerDefinitions: []ecstypes.ContainerDefinition{
			{
				Name:              "web",
				Image:             "public.ecr.aws/nginx/nginx:1.27",
				Cpu:               256,
				Memory:            new(int32(768)),
				MemoryReservation: new(int32(256)),
				Essential:         new(true),
				PortMappings: []ecstypes.PortMapping{
					{ContainerPort: new(int32(80)), Protocol: "tcp", Name: "http", AppProtocol: "http"},
				},
				Environment: []ecstypes.KeyValuePair{{Name: "MODE", Value: "production"}},
				Secrets: []ecstypes.Secret{
					{Name: "DB_PASSWORD", ValueFrom: "arn:aws:ssm:us-east-1:123456789012:parameter/web-app/db-password"},
				},
				MountPoints: []ecstypes.MountPoint{
					{SourceVolume: "shared", ContainerPath: "/usr/share/nginx/html", ReadOnly: new(true)},
				},
				DependsOn:        []ecstypes.ContainerDependency{{ContainerName: "content", Condition: "HEALTHY"}},
				Ulimits:          []ecstypes.Ulimit{{Name: "nofile", SoftLimit: 65536, HardLimit: 65536}},
				LogConfiguration: awslogsConfig("web"),
			},
			{
				Name:              "content",
				Image:             "busybox:1.36",
				Cpu:               128,
				MemoryReservation: new(int32(64)),
				Essential:         new(false),
				Command:           []string{"sh", "-c", "echo hello > /data/index.html && exec sleep infinity"},
				MountPoints:       []ecstypes.MountPoint{{SourceVolume: "shared", ContainerPath: "/data"}},
				HealthCheck: &ecstypes.HealthCheck{
					Command:  []string{"CMD-SHELL", "test -f /data/index.html"},
					Interval: new(int32(10)),
				},
				StopTimeout:      new(int32(10)),
				LogConfiguration: awslogsConfig("content"),
			},
		},
	}
}

func awslogsConfig(prefix string) *ecstypes.LogConfiguration {
	return &ecstypes.LogConfiguration{
		LogDriver: "awslogs",
		Options: map[string]string{
			"awslogs-group":         "/ecs/web-app",
			"awslogs-region":        "us-east-1",
			"awslogs-stream-prefix": prefix,
		},
	}
}

// ec2Only turns the base into an EC2 task definition.
func ec2Only(in *ecstypes.RegisterTaskDefinitionRequest) {
	in.RequiresCompatibilities = []string{"EC2"}
}

func web(in *ecstypes.RegisterTaskDefinitionRequest) *ecstypes.ContainerDefinition {
	return &in.ContainerDefinitions[0]
}

func content(in *ecstypes.RegisterTaskDefinitionRequest) *ecstypes.ContainerDefinition {
	return &in.ContainerDefinitions[1]
}

const (
	clientExc = "ClientException"
	invalidP  = "InvalidParameterException"
)

func TestValidateTaskDefinition(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(in *ecstypes.RegisterTaskDefinitionRequest)
		code   string // "" when valid
		msg    string
	}{
		// Valid variants.
		{"base fargate definition", func(*ecstypes.RegisterTaskDefinitionRequest) {}, "", ""},
		{"cpu and memory with units", func(in *ecstypes.RegisterTaskDefinitionRequest) { in.Cpu, in.Memory = "0.5 vCPU", "1 GB" }, "", ""},
		{"hostPort 0 in awsvpc", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).PortMappings[0].HostPort = new(int32(0)) }, "", ""},
		{"hostPort equal to containerPort", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).PortMappings[0].HostPort = new(int32(80)) }, "", ""},
		{"SYS_PTRACE on fargate", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).LinuxParameters = &ecstypes.LinuxParameters{Capabilities: &ecstypes.KernelCapabilities{Add: []string{"SYS_PTRACE"}}}
		}, "", ""},
		{"ECR image with execution role", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).Image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1"
		}, "", ""},
		{"ec2 bridge definition", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			ec2Only(in)
			in.NetworkMode, in.Cpu, in.Memory = "", "", ""
			web(in).PortMappings[0].HostPort = new(int32(8080))
			web(in).Links = []string{"content"}
			web(in).Privileged = new(true)
			content(in).Memory = new(int32(128))
		}, "", ""},
		{"bridge dynamic host ports may repeat", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			ec2Only(in)
			in.NetworkMode = "bridge"
			content(in).PortMappings = []ecstypes.PortMapping{{ContainerPort: new(int32(80))}}
		}, "", ""},
		{"container port range", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			content(in).PortMappings = []ecstypes.PortMapping{{ContainerPortRange: "9000-9099", Protocol: "udp"}}
		}, "", ""},
		{"windows container path", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			content(in).MountPoints[0].ContainerPath = `C:\data`
		}, "", ""},

		// Size.
		{"document over 64 KiB", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).Environment = append(web(in).Environment, ecstypes.KeyValuePair{Name: "BIG", Value: strings.Repeat("x", 70000)})
		}, clientExc, "Task definition size exceeds the limit of 65536 bytes"},

		// Family.
		{"family blank", func(in *ecstypes.RegisterTaskDefinitionRequest) { in.Family = "" }, clientExc, "Family can not be blank."},
		{"family invalid characters", func(in *ecstypes.RegisterTaskDefinitionRequest) { in.Family = "web app" }, clientExc, "Family contains invalid characters: 'web app'"},
		{"family too long", func(in *ecstypes.RegisterTaskDefinitionRequest) { in.Family = strings.Repeat("f", 256) }, clientExc, "Family must not be longer than 255 characters."},

		// Task-level enums and sizes.
		{"unknown compatibility", func(in *ecstypes.RegisterTaskDefinitionRequest) { in.RequiresCompatibilities = []string{"LAMBDA"} }, clientExc, "Invalid requiresCompatibilities value 'LAMBDA'"},
		{"unknown network mode", func(in *ecstypes.RegisterTaskDefinitionRequest) { in.NetworkMode = "overlay" }, clientExc, "Invalid 'networkMode' setting for task: 'overlay'"},
		{"unknown pid mode", func(in *ecstypes.RegisterTaskDefinitionRequest) { in.PidMode = "container" }, clientExc, "Invalid 'pidMode' setting for task: 'container'"},
		{"unknown ipc mode", func(in *ecstypes.RegisterTaskDefinitionRequest) { in.IpcMode = "shareable" }, clientExc, "Invalid 'ipcMode' setting for task: 'shareable'"},
		{"unknown cpu architecture", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			in.RuntimePlatform = &ecstypes.RuntimePlatform{CpuArchitecture: "RISCV"}
		}, clientExc, "Invalid 'runtimePlatform.cpuArchitecture' setting: 'RISCV'"},
		{"unreadable task cpu", func(in *ecstypes.RegisterTaskDefinitionRequest) { in.Cpu = "lots" }, invalidP, "Invalid 'cpu' setting for task."},
		{"unreadable task memory", func(in *ecstypes.RegisterTaskDefinitionRequest) { in.Memory = "2 TB" }, invalidP, "Invalid 'memory' setting for task."},
		{"fractional task cpu units", func(in *ecstypes.RegisterTaskDefinitionRequest) { in.Cpu = "0.3 vCPU" }, invalidP, "Invalid 'cpu' setting for task."},
		{"ec2 task cpu below range", func(in *ecstypes.RegisterTaskDefinitionRequest) { ec2Only(in); in.Cpu = "64" }, invalidP, "Invalid 'cpu' setting for task. The task cpu must be between 128 and 196608"},
		{"ephemeral storage too small", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			in.EphemeralStorage = &ecstypes.EphemeralStorage{SizeInGiB: 20}
		}, clientExc, "Invalid 'ephemeralStorage.sizeInGiB' setting: 20"},
		{"ephemeral storage too large", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			in.EphemeralStorage = &ecstypes.EphemeralStorage{SizeInGiB: 201}
		}, clientExc, "between 21 and 200 GiB"},

		// Volumes.
		{"volume name blank", func(in *ecstypes.RegisterTaskDefinitionRequest) { in.Volumes = append(in.Volumes, ecstypes.Volume{}) }, clientExc, "Volume.name should not be null or empty."},
		{"volume name invalid", func(in *ecstypes.RegisterTaskDefinitionRequest) { in.Volumes[0].Name = "shared/data" }, clientExc, "Volume.name contains invalid characters: 'shared/data'"},
		{"volume name duplicate", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			in.Volumes = append(in.Volumes, ecstypes.Volume{Name: "shared"})
		}, clientExc, "Volume names must be unique within a Task Definition: 'shared'"},
		{"efs volume without file system", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			in.Volumes[0].EfsVolumeConfiguration = &ecstypes.EFSVolumeConfiguration{}
		}, clientExc, "Invalid volume 'shared'. 'efsVolumeConfiguration.fileSystemId' should not be null or empty."},

		// Containers.
		{"no containers", func(in *ecstypes.RegisterTaskDefinitionRequest) { in.ContainerDefinitions = nil }, clientExc, "Container list cannot be empty."},
		{"eleven containers", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			for i := range 9 {
				in.ContainerDefinitions = append(in.ContainerDefinitions, ecstypes.ContainerDefinition{Name: "extra" + strconv.Itoa(i), Image: "busybox"})
			}
		}, clientExc, "Too many containers. A task definition can have at most 10 containers; this one has 11."},
		{"container name blank", func(in *ecstypes.RegisterTaskDefinitionRequest) { content(in).Name = "" }, clientExc, "Container.name should not be null or empty."},
		{"container name invalid", func(in *ecstypes.RegisterTaskDefinitionRequest) { content(in).Name = "my content" }, clientExc, "Container.name contains invalid characters: 'my content'"},
		{"container name duplicate", func(in *ecstypes.RegisterTaskDefinitionRequest) { content(in).Name = "web" }, clientExc, "Container names must be unique within a Task Definition: 'web'"},
		{"image blank", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).Image = "" }, clientExc, "Container.image should not be null or empty."},
		{"image too long", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).Image = "nginx:" + strings.Repeat("a", 250) }, clientExc, "Invalid 'image' setting for container 'web'. Image references are limited to 255 characters."},
		{"image with whitespace", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).Image = "nginx latest" }, clientExc, "Invalid 'image' setting for container 'web'. Image references cannot contain whitespace."},
		{"container cpu negative", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).Cpu = -1 }, clientExc, "Invalid 'cpu' setting for container 'web'"},
		{"container memory below 6 MiB", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).Memory, web(in).MemoryReservation = new(int32(4)), nil
		}, clientExc, "Invalid 'memory' setting for container 'web'. The minimum is 6 MiB."},
		{"container memoryReservation zero", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).MemoryReservation = new(int32(0)) }, clientExc, "Invalid 'memoryReservation' setting for container 'web'"},
		{"memoryReservation above memory", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).MemoryReservation = new(int32(800)) }, clientExc, "Invalid setting for container 'web'. 'memory' must be greater than or equal to 'memoryReservation'."},
		{"negative startTimeout", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).StartTimeout = new(int32(-1)) }, clientExc, "Invalid 'startTimeout' setting for container 'web'"},
		{"links in awsvpc", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).Links = []string{"content"} }, clientExc, "Links are not supported when networkMode=awsvpc."},
		{"hostname in awsvpc", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).Hostname = "web" }, clientExc, "hostname is not supported on container when networkMode=awsvpc."},
		{"extraHosts in awsvpc", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).ExtraHosts = []ecstypes.HostEntry{{Hostname: "db", IpAddress: "10.0.0.5"}}
		}, clientExc, "extraHosts is not supported on container when networkMode=awsvpc."},
		{"repository credentials without execution role", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			ec2Only(in)
			in.ExecutionRoleArn = ""
			web(in).RepositoryCredentials = &ecstypes.RepositoryCredentials{CredentialsParameter: "arn:aws:secretsmanager:us-east-1:123456789012:secret:hub"}
		}, clientExc, "Private repository authentication requires that the task definition specify a value for executionRoleArn."},
		{"repository credentials blank", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).RepositoryCredentials = &ecstypes.RepositoryCredentials{}
		}, clientExc, "Invalid 'repositoryCredentials' setting for container 'web'"},

		// Mount points and volumesFrom.
		{"mount of unknown volume", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).MountPoints[0].SourceVolume = "cache" }, clientExc, "Unknown volume 'cache'."},
		{"mount without sourceVolume", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).MountPoints[0].SourceVolume = "" }, clientExc, "Invalid mount point for container 'web'. 'sourceVolume' should not be null or empty."},
		{"mount without containerPath", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).MountPoints[0].ContainerPath = "" }, clientExc, "Invalid mount point for container 'web'. 'containerPath' should not be null or empty."},
		{"mount with relative containerPath", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).MountPoints[0].ContainerPath = "html" }, clientExc, "'containerPath' must be an absolute path: 'html'"},
		{"volumesFrom itself", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).VolumesFrom = []ecstypes.VolumeFrom{{SourceContainer: "web"}}
		}, clientExc, "Invalid 'volumesFrom' setting for container 'web'. A container cannot mount volumes from itself."},
		{"volumesFrom unknown container", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).VolumesFrom = []ecstypes.VolumeFrom{{SourceContainer: "data"}}
		}, clientExc, "Invalid 'volumesFrom' setting for container 'web'. Unknown container 'data'."},
		{"volumesFrom blank", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).VolumesFrom = []ecstypes.VolumeFrom{{}}
		}, clientExc, "'sourceContainer' should not be null or empty."},

		// Health checks.
		{"health check without command", func(in *ecstypes.RegisterTaskDefinitionRequest) { content(in).HealthCheck.Command = nil }, clientExc, "Invalid health check for container 'content'. 'command' should not be null or empty."},
		{"health check without CMD", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			content(in).HealthCheck.Command = []string{"test", "-f", "/data/index.html"}
		}, clientExc, "Invalid health check command for container 'content'. The command must start with CMD or CMD-SHELL"},
		{"health check CMD alone", func(in *ecstypes.RegisterTaskDefinitionRequest) { content(in).HealthCheck.Command = []string{"CMD"} }, clientExc, "must start with CMD or CMD-SHELL, followed by the command to run"},
		{"health check interval too short", func(in *ecstypes.RegisterTaskDefinitionRequest) { content(in).HealthCheck.Interval = new(int32(4)) }, clientExc, "Health check interval must be greater than or equal to the minimum allowed value 5 for container 'content'"},
		{"health check interval too long", func(in *ecstypes.RegisterTaskDefinitionRequest) { content(in).HealthCheck.Interval = new(int32(301)) }, clientExc, "Health check interval must be less than or equal to the maximum allowed value 300 for container 'content'"},
		{"health check timeout too short", func(in *ecstypes.RegisterTaskDefinitionRequest) { content(in).HealthCheck.Timeout = new(int32(1)) }, clientExc, "Health check timeout must be greater than or equal to the minimum allowed value 2"},
		{"health check timeout too long", func(in *ecstypes.RegisterTaskDefinitionRequest) { content(in).HealthCheck.Timeout = new(int32(121)) }, clientExc, "Health check timeout must be less than or equal to the maximum allowed value 120"},
		{"health check retries zero", func(in *ecstypes.RegisterTaskDefinitionRequest) { content(in).HealthCheck.Retries = new(int32(0)) }, clientExc, "Health check retries must be greater than or equal to the minimum allowed value 1"},
		{"health check retries eleven", func(in *ecstypes.RegisterTaskDefinitionRequest) { content(in).HealthCheck.Retries = new(int32(11)) }, clientExc, "Health check retries must be less than or equal to the maximum allowed value 10 for container 'content'"},
		{"health check startPeriod too long", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			content(in).HealthCheck.StartPeriod = new(int32(301))
		}, clientExc, "Health check startPeriod must be less than or equal to the maximum allowed value 300"},

		// Log configuration.
		{"log driver blank", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).LogConfiguration.LogDriver = "" }, clientExc, "Invalid log configuration for container 'web'. 'logDriver' should not be null or empty."},
		{"log driver unknown", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).LogConfiguration.LogDriver = "loki" }, clientExc, "Invalid log driver 'loki' for container 'web'"},
		{"awslogs without region", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			delete(web(in).LogConfiguration.Options, "awslogs-region")
		}, clientExc, "Log driver awslogs requires options: awslogs-region, awslogs-group"},
		{"awslogs without group", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			delete(web(in).LogConfiguration.Options, "awslogs-group")
		}, clientExc, "Log driver awslogs requires options: awslogs-region, awslogs-group"},
		{"awslogs unknown option", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).LogConfiguration.Options["awslogs-stream-prefx"] = "web"
		}, clientExc, "Unknown log option 'awslogs-stream-prefx' for log driver awslogs"},
		{"log mode unknown", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).LogConfiguration.Options["mode"] = "async" }, clientExc, "Log option 'mode' must be blocking or non-blocking, not 'async'."},
		{"log max-buffer-size malformed", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).LogConfiguration.Options["mode"] = "non-blocking"
			web(in).LogConfiguration.Options["max-buffer-size"] = "lots"
		}, clientExc, "Log option 'max-buffer-size' must be a size such as 25m or 4MiB, not 'lots'."},
		{"log secret option without valueFrom", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).LogConfiguration.SecretOptions = []ecstypes.Secret{{Name: "token"}}
		}, clientExc, "Every secret option needs a 'name' and a 'valueFrom'."},

		// Ulimits.
		{"ulimit unknown", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).Ulimits[0].Name = "files" }, clientExc, "Invalid ulimit name 'files' for container 'web'"},
		{"ulimit soft above hard", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).Ulimits[0].SoftLimit = 70000 }, clientExc, "Invalid ulimit 'nofile' for container 'web'. 'softLimit' (70000) must be less than or equal to 'hardLimit' (65536)."},
		{"ulimit negative", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).Ulimits[0].SoftLimit = -1 }, clientExc, "Limits must be 0 or greater."},

		// Environment and secrets.
		{"environment name blank", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).Environment[0].Name = "" }, clientExc, "Invalid environment variable for container 'web'. 'name' should not be null or empty."},
		{"environment file type", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).EnvironmentFiles = []ecstypes.EnvironmentFile{{Type: "http", Value: "https://example.com/web.env"}}
		}, clientExc, "Invalid environment file type 'http' for container 'web'. Valid values are: s3."},
		{"environment file not an S3 ARN", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).EnvironmentFiles = []ecstypes.EnvironmentFile{{Type: "s3", Value: "s3://bucket/web.env"}}
		}, clientExc, "Invalid environment file 's3://bucket/web.env' for container 'web'"},
		{"secret name blank", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).Secrets[0].Name = "" }, clientExc, "Invalid secret for container 'web'. 'name' should not be null or empty."},
		{"secret valueFrom blank", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).Secrets[0].ValueFrom = "" }, clientExc, "Invalid secret 'DB_PASSWORD' for container 'web'. 'valueFrom' should not be null or empty."},

		// Port mappings.
		{"port mappings with network mode none", func(in *ecstypes.RegisterTaskDefinitionRequest) { ec2Only(in); in.NetworkMode = "none" }, clientExc, "Port mappings are not supported when networkMode=none (container 'web')."},
		{"port protocol unknown", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).PortMappings[0].Protocol = "sctp" }, clientExc, "Invalid 'protocol' setting for container 'web': 'sctp'. Valid values are: tcp, udp."},
		{"app protocol unknown", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).PortMappings[0].AppProtocol = "https" }, clientExc, "Invalid 'appProtocol' setting for container 'web': 'https'"},
		{"port name invalid", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).PortMappings[0].Name = "-HTTP" }, clientExc, "Invalid port mapping name '-HTTP' for container 'web'"},
		{"port name duplicate", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			content(in).PortMappings = []ecstypes.PortMapping{{ContainerPort: new(int32(8080)), Name: "http"}}
		}, clientExc, "Port mapping names must be unique within a Task Definition: 'http'"},
		{"containerPort missing", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).PortMappings[0].ContainerPort = nil }, clientExc, "Invalid 'containerPort' setting for container 'web'."},
		{"containerPort zero", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).PortMappings[0].ContainerPort = new(int32(0))
		}, clientExc, "Invalid 'containerPort' setting for container 'web'."},
		{"containerPort too large", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).PortMappings[0].ContainerPort = new(int32(65536))
		}, clientExc, "Invalid 'containerPort' setting for container 'web'."},
		{"hostPort out of range", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).PortMappings[0].HostPort = new(int32(70000)) }, clientExc, "Invalid 'hostPort' setting for container 'web'."},
		{"hostPort differs in awsvpc", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).PortMappings[0].HostPort = new(int32(8080)) }, clientExc, "When networkMode=awsvpc, the host ports and container ports in port mappings must match."},
		{"hostPort differs in host mode", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			ec2Only(in)
			in.NetworkMode = "host"
			web(in).PortMappings[0].HostPort = new(int32(8080))
		}, clientExc, "When networkMode=host, the host ports and container ports in port mappings must match."},
		{"same port in two containers", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			content(in).PortMappings = []ecstypes.PortMapping{{ContainerPort: new(int32(80))}}
		}, clientExc, "TCP host port '80' is mapped multiple times in task."},
		{"bridge static host port twice", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			ec2Only(in)
			in.NetworkMode = "bridge"
			web(in).PortMappings[0].HostPort = new(int32(8080))
			content(in).PortMappings = []ecstypes.PortMapping{{ContainerPort: new(int32(9000)), HostPort: new(int32(8080))}}
		}, clientExc, "TCP host port '8080' is mapped multiple times in task."},
		{"port range with containerPort", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).PortMappings[0].ContainerPortRange = "80-90" }, clientExc, "Specify either 'containerPort' or 'containerPortRange', not both."},
		{"port range with hostPort", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			content(in).PortMappings = []ecstypes.PortMapping{{ContainerPortRange: "9000-9099", HostPort: new(int32(9000))}}
		}, clientExc, "'hostPort' cannot be set with 'containerPortRange'."},
		{"port range malformed", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			content(in).PortMappings = []ecstypes.PortMapping{{ContainerPortRange: "9000"}}
		}, clientExc, "Invalid 'containerPortRange' setting for container 'content': '9000'"},
		{"port range reversed", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			content(in).PortMappings = []ecstypes.PortMapping{{ContainerPortRange: "9099-9000"}}
		}, clientExc, "Invalid 'containerPortRange' setting for container 'content': '9099-9000'"},
		{"port range overlaps a port", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			content(in).PortMappings = []ecstypes.PortMapping{{ContainerPortRange: "70-90"}}
		}, clientExc, "TCP host port '80' is mapped multiple times in task."},
		{"port range in host mode", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			ec2Only(in)
			in.NetworkMode = "host"
			content(in).PortMappings = []ecstypes.PortMapping{{ContainerPortRange: "9000-9099"}}
		}, clientExc, "'containerPortRange' requires networkMode awsvpc or bridge."},

		// Essential containers.
		{"no essential container", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).Essential = new(false) }, clientExc, "Task definition doesn't have any essential container."},

		// Dependencies.
		{"depends on unknown container", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).DependsOn[0].ContainerName = "db" }, clientExc, "Cannot depend on container + 'db' because it does not exist"},
		{"depends on itself", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).DependsOn[0].ContainerName = "web" }, clientExc, "Invalid 'dependsOn' setting for container 'web'. A container cannot depend on itself."},
		{"dependency without container name", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).DependsOn[0].ContainerName = "" }, clientExc, "'containerName' should not be null or empty."},
		{"dependency condition unknown", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).DependsOn[0].Condition = "READY" }, clientExc, "Invalid dependency condition 'READY' for container 'web'. Valid values are: START, COMPLETE, SUCCESS, HEALTHY."},
		{"HEALTHY on container without health check", func(in *ecstypes.RegisterTaskDefinitionRequest) { content(in).HealthCheck = nil }, clientExc, "Container 'web' depends on container 'content' with condition HEALTHY, but 'content' has no healthCheck."},
		{"COMPLETE on essential container", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).DependsOn[0].Condition = "COMPLETE"
			content(in).Essential = nil
		}, clientExc, "A dependency container with SUCCESS or COMPLETE condition cannot be an essential container"},
		{"SUCCESS on essential container", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).DependsOn[0].Condition = "SUCCESS"
			content(in).Essential = new(true)
		}, clientExc, "A dependency container with SUCCESS or COMPLETE condition cannot be an essential container"},
		{"dependency cycle", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			content(in).DependsOn = []ecstypes.ContainerDependency{{ContainerName: "web", Condition: "START"}}
		}, clientExc, "Container dependencies must not form a cycle: web -> content -> web."},

		// Resources.
		{"ec2 container without memory", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			ec2Only(in)
			in.Memory = ""
			content(in).MemoryReservation = nil
		}, clientExc, "Invalid setting for container 'content'. At least one of 'memory' or 'memoryReservation' must be specified."},
		{"container memory above task memory", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).Memory = new(int32(2048)) }, clientExc, "The 'memory' setting for container 'web' is greater than for the task."},
		{"container memoryReservation above task memory", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).Memory = nil
			web(in).MemoryReservation = new(int32(2048))
		}, clientExc, "The 'memoryReservation' setting for container 'web' is greater than for the task."},
		{"container cpu above task cpu", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).Cpu = 512 }, clientExc, "The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'."},
		{"reservations above task memory", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).MemoryReservation = new(int32(768))
			content(in).MemoryReservation = new(int32(512))
		}, clientExc, "The sum of all container 'memoryReservation' values cannot be greater than the value of the task 'memory'."},
		{"hard limits count when no reservation", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).MemoryReservation = nil
			content(in).MemoryReservation, content(in).Memory = nil, new(int32(512))
		}, clientExc, "The sum of all container 'memoryReservation' values cannot be greater than the value of the task 'memory'."},

		// Fargate.
		{"fargate bridge mode", func(in *ecstypes.RegisterTaskDefinitionRequest) { in.NetworkMode = "bridge" }, clientExc, "Fargate only supports network mode ‘awsvpc’."},
		{"fargate default network mode", func(in *ecstypes.RegisterTaskDefinitionRequest) { in.NetworkMode = "" }, clientExc, "Fargate only supports network mode ‘awsvpc’."},
		{"fargate without task cpu", func(in *ecstypes.RegisterTaskDefinitionRequest) { in.Cpu = "" }, clientExc, "Fargate requires that 'cpu' be defined at the task level."},
		{"fargate without task memory", func(in *ecstypes.RegisterTaskDefinitionRequest) { in.Memory = "" }, clientExc, "Fargate requires that 'memory' be defined at the task level."},
		{"fargate size does not exist", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			in.Cpu, in.Memory = "256", "4096"
			web(in).Cpu, content(in).Cpu = 128, 64
		}, clientExc, "No Fargate configuration exists for given values: 256 CPU, 4096 memory. See the Amazon ECS documentation for the valid values."},
		{"fargate size from units does not exist", func(in *ecstypes.RegisterTaskDefinitionRequest) { in.Cpu, in.Memory = "1 vCPU", "1 GB" }, clientExc, "No Fargate configuration exists for given values: 1024 CPU, 1024 memory."},
		{"fargate pidMode host", func(in *ecstypes.RegisterTaskDefinitionRequest) { in.PidMode = "host" }, clientExc, "Tasks using the Fargate launch type do not support pidMode 'host'."},
		{"fargate ipcMode", func(in *ecstypes.RegisterTaskDefinitionRequest) { in.IpcMode = "task" }, clientExc, "Tasks using the Fargate launch type do not support ipcMode."},
		{"fargate placement constraints", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			in.PlacementConstraints = []ecstypes.TaskDefinitionPlacementConstraint{{Type: "memberOf", Expression: "attribute:ecs.instance-type =~ t3.*"}}
		}, clientExc, "Tasks using the Fargate launch type do not support placementConstraints."},
		{"fargate host sourcePath", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			in.Volumes[0].Host = &ecstypes.HostVolumeProperties{SourcePath: "/var/www"}
		}, clientExc, "Fargate compatible task definitions do not support sourcePath"},
		{"fargate docker volume", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			in.Volumes[0].DockerVolumeConfiguration = &ecstypes.DockerVolumeConfiguration{Scope: "task"}
		}, clientExc, "Fargate compatible task definitions do not support dockerVolumeConfiguration (volume 'shared')."},
		{"fargate privileged", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).Privileged = new(true) }, clientExc, "Tasks using the Fargate launch type do not support 'privileged' (container 'web')."},
		{"fargate disableNetworking", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).DisableNetworking = new(true) }, clientExc, "do not support 'disableNetworking' (container 'web')"},
		{"fargate dnsServers", func(in *ecstypes.RegisterTaskDefinitionRequest) { web(in).DnsServers = []string{"1.1.1.1"} }, clientExc, "do not support 'dnsServers' (container 'web')"},
		{"fargate devices", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).LinuxParameters = &ecstypes.LinuxParameters{Devices: []ecstypes.Device{{HostPath: "/dev/fuse"}}}
		}, clientExc, "do not support 'linuxParameters.devices' (container 'web')"},
		{"fargate sharedMemorySize", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).LinuxParameters = &ecstypes.LinuxParameters{SharedMemorySize: new(int32(64))}
		}, clientExc, "do not support 'linuxParameters.sharedMemorySize' (container 'web')"},
		{"fargate tmpfs", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).LinuxParameters = &ecstypes.LinuxParameters{Tmpfs: []ecstypes.Tmpfs{{ContainerPath: "/tmp", Size: 64}}}
		}, clientExc, "do not support 'linuxParameters.tmpfs' (container 'web')"},
		{"fargate capability other than SYS_PTRACE", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).LinuxParameters = &ecstypes.LinuxParameters{Capabilities: &ecstypes.KernelCapabilities{Add: []string{"SYS_PTRACE", "NET_ADMIN"}}}
		}, clientExc, "only support adding the SYS_PTRACE kernel capability; container 'web' adds 'NET_ADMIN'."},
		{"fargate GPU", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).ResourceRequirements = []ecstypes.ResourceRequirement{{Type: "GPU", Value: "1"}}
		}, clientExc, "do not support 'resourceRequirements GPU' (container 'web')"},
		{"fargate stopTimeout too long", func(in *ecstypes.RegisterTaskDefinitionRequest) { content(in).StopTimeout = new(int32(121)) }, clientExc, "Invalid 'stopTimeout' setting for container 'content'. Tasks using the Fargate launch type support 2 to 120 seconds."},
		{"fargate stopTimeout too short", func(in *ecstypes.RegisterTaskDefinitionRequest) { content(in).StopTimeout = new(int32(1)) }, clientExc, "Invalid 'stopTimeout' setting for container 'content'."},
		{"fargate startTimeout too long", func(in *ecstypes.RegisterTaskDefinitionRequest) { content(in).StartTimeout = new(int32(600)) }, clientExc, "Invalid 'startTimeout' setting for container 'content'."},
		{"fargate nofile above limit", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).Ulimits[0].SoftLimit, web(in).Ulimits[0].HardLimit = 65536, 2000000
		}, clientExc, "Invalid ulimit 'nofile' for container 'web'. Tasks using the Fargate launch type support a hardLimit of at most 1048576."},
		{"fargate log driver", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			web(in).LogConfiguration = &ecstypes.LogConfiguration{LogDriver: "json-file"}
		}, clientExc, "Log driver json-file is not supported by tasks using the Fargate launch type (container 'web'). Supported log drivers: awslogs, splunk, awsfirelens."},
		{"fargate awslogs without execution role", func(in *ecstypes.RegisterTaskDefinitionRequest) { in.ExecutionRoleArn = "" }, clientExc, "Fargate requires task definition to have execution role ARN to support log driver awslogs."},
		{"fargate awslogs without stream prefix", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			delete(web(in).LogConfiguration.Options, "awslogs-stream-prefix")
		}, clientExc, "Fargate requires log configuration options to include awslogs-stream-prefix to support log driver awslogs."},
		{"fargate ECR image without execution role", func(in *ecstypes.RegisterTaskDefinitionRequest) {
			in.ExecutionRoleArn = ""
			web(in).LogConfiguration, content(in).LogConfiguration = nil, nil
			web(in).Image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1"
		}, clientExc, "Fargate requires task definition to have execution role ARN to support ECR images."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseTaskDef()
			tt.mutate(in)
			err := validateTaskDefinition(in)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got no error, want %s %q", tt.code, tt.msg)
			}
			pe, ok := protocol.AsError(err)
			if !ok {
				t.Fatalf("error %v is not a client error", err)
			}
			if pe.Code != tt.code || pe.Status != 400 {
				t.Errorf("got %s (HTTP %d), want %s (HTTP 400)", pe.Code, pe.Status, tt.code)
			}
			if !strings.Contains(pe.Message, tt.msg) {
				t.Errorf("message %q does not contain %q", pe.Message, tt.msg)
			}
		})
	}
}

// TestValidateTaskDefinitionLeavesInputAlone guards against validation
// filling defaults into the caller's request.
func TestValidateTaskDefinitionLeavesInputAlone(t *testing.T) {
	in := baseTaskDef()
	if err := validateTaskDefinition(in); err != nil {
		t.Fatal(err)
	}
	want := baseTaskDef()
	if got, w := mustJSON(t, in), mustJSON(t, want); got != w {
		t.Errorf("request changed:\n got %s\nwant %s", got, w)
	}
}

func TestTaskDefDependencyCycle(t *testing.T) {
	dep := func(names ...string) []ecstypes.ContainerDependency {
		var out []ecstypes.ContainerDependency
		for _, n := range names {
			out = append(out, ecstypes.ContainerDependency{ContainerName: n, Condition: "START"})
		}
		return out
	}
	cs := []ecstypes.ContainerDefinition{
		{Name: "a", DependsOn: dep("b")},
		{Name: "b", DependsOn: dep("c")},
		{Name: "c", DependsOn: dep("d")},
		{Name: "d", DependsOn: dep("b")},
	}
	index := map[string]int{"a": 0, "b": 1, "c": 2, "d": 3}
	got := strings.Join(dependencyCycle(cs, index), " -> ")
	if want := "b -> c -> d -> b"; got != want {
		t.Errorf("cycle %q, want %q", got, want)
	}
	cs[3].DependsOn = nil
	if got := dependencyCycle(cs, index); got != nil {
		t.Errorf("acyclic graph reported cycle %v", got)
	}
}
