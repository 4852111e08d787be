package tmds

import (
	"time"
)

// TaskResponse is a task's metadata, /v2/metadata, /v3/<id>/task and
// /v4/<id>/task. v2 and v3 leave out the fields marked v4.
type TaskResponse struct {
	Cluster            string              `json:"Cluster"` // the cluster's ARN, as on Fargate
	TaskARN            string              `json:"TaskARN"`
	Family             string              `json:"Family"`
	Revision           string              `json:"Revision"`
	DesiredStatus      string              `json:"DesiredStatus,omitempty"`
	KnownStatus        string              `json:"KnownStatus"`
	Limits             *TaskLimits         `json:"Limits,omitempty"`
	PullStartedAt      time.Time           `json:"PullStartedAt,omitzero"`
	PullStoppedAt      time.Time           `json:"PullStoppedAt,omitzero"`
	ExecutionStoppedAt time.Time           `json:"ExecutionStoppedAt,omitzero"`
	AvailabilityZone   string              `json:"AvailabilityZone,omitempty"`
	TaskTags           map[string]string   `json:"TaskTags,omitempty"` // *WithTags routes only
	Containers         []ContainerResponse `json:"Containers,omitempty"`
	LaunchType         string              `json:"LaunchType,omitempty"`  // v4
	ServiceName        string              `json:"ServiceName,omitempty"` // v4
	ClockDrift         *ClockDrift         `json:"ClockDrift,omitempty"`  // v4
	// EphemeralStorageMetrics is v4 only.
	EphemeralStorageMetrics *EphemeralStorageMetrics `json:"EphemeralStorageMetrics,omitempty"`
}

// TaskLimits are a task's cpu, in vCPUs, and memory, in MiB; each is left
// out when not set.
type TaskLimits struct {
	CPU    float64 `json:"CPU,omitempty"`
	Memory int64   `json:"Memory,omitempty"`
}

// ClockDrift is the host clock's synchronisation, as Fargate reports it
// from chrony; berth reads the kernel's NTP state (adjtimex).
type ClockDrift struct {
	ClockErrorBound            float64   `json:"ClockErrorBound,omitempty"` // ms
	ReferenceTimestamp         time.Time `json:"ReferenceTimestamp,omitzero"`
	ClockSynchronizationStatus string    `json:"ClockSynchronizationStatus,omitempty"` // SYNCHRONIZED, NOT_SYNCHRONIZED
}

// EphemeralStorageMetrics are the task's ephemeral storage, in MiB.
type EphemeralStorageMetrics struct {
	Utilized int64 `json:"Utilized"`
	Reserved int64 `json:"Reserved"`
}

// ContainerResponse is one container's metadata, /v2/metadata/<id>,
// /v3/<id> and /v4/<id>, and an entry of TaskResponse.Containers. v2 and
// v3 leave out the fields marked v4.
type ContainerResponse struct {
	DockerID      string            `json:"DockerId"`
	Name          string            `json:"Name"`
	DockerName    string            `json:"DockerName"`
	Image         string            `json:"Image"`
	ImageID       string            `json:"ImageID"`
	Ports         []Port            `json:"Ports,omitempty"`
	Labels        map[string]string `json:"Labels,omitempty"`
	DesiredStatus string            `json:"DesiredStatus"`
	KnownStatus   string            `json:"KnownStatus"`
	ExitCode      *int              `json:"ExitCode,omitempty"`
	Limits        ContainerLimits   `json:"Limits"`
	CreatedAt     time.Time         `json:"CreatedAt,omitzero"`
	StartedAt     time.Time         `json:"StartedAt,omitzero"`
	FinishedAt    time.Time         `json:"FinishedAt,omitzero"`
	Type          string            `json:"Type"`
	Networks      []Network         `json:"Networks,omitempty"`
	Health        *HealthResponse   `json:"Health,omitempty"`
	Volumes       []Volume          `json:"Volumes,omitempty"`
	LogDriver     string            `json:"LogDriver,omitempty"`    // v4
	LogOptions    map[string]string `json:"LogOptions,omitempty"`   // v4
	ContainerARN  string            `json:"ContainerARN,omitempty"` // v4
	Snapshotter   string            `json:"Snapshotter,omitempty"`  // v4
	RestartCount  *int              `json:"RestartCount,omitempty"` // v4, with a restart policy
}

// ContainerLimits are a container's cpu in CPU units (an integer: Datadog
// fails to decode a fraction) and its hard memory limit in MiB, left out
// when it has none.
type ContainerLimits struct {
	CPU    int64 `json:"CPU"`
	Memory int64 `json:"Memory,omitempty"`
}

// Port is a port mapping of a container; in awsvpc the host port is the
// container port.
type Port struct {
	ContainerPort uint16 `json:"ContainerPort,omitempty"`
	Protocol      string `json:"Protocol,omitempty"`
	HostPort      uint16 `json:"HostPort,omitempty"`
	HostIP        string `json:"HostIp,omitempty"` // v4
}

// Network is the task's ENI as a container sees it. v2 and v3 show only
// NetworkMode and the addresses.
type Network struct {
	NetworkMode              string   `json:"NetworkMode"`
	IPv4Addresses            []string `json:"IPv4Addresses,omitempty"`
	IPv6Addresses            []string `json:"IPv6Addresses,omitempty"`
	AttachmentIndex          *int     `json:"AttachmentIndex,omitempty"`
	MACAddress               string   `json:"MACAddress,omitempty"`
	IPv4SubnetCIDRBlock      string   `json:"IPv4SubnetCIDRBlock,omitempty"`
	IPv6SubnetCIDRBlock      string   `json:"IPv6SubnetCIDRBlock,omitempty"`
	DomainNameServers        []string `json:"DomainNameServers,omitempty"`
	DomainNameSearchList     []string `json:"DomainNameSearchList,omitempty"`
	PrivateDNSName           string   `json:"PrivateDNSName,omitempty"`
	SubnetGatewayIpv4Address string   `json:"SubnetGatewayIpv4Address,omitempty"`
}

// HealthResponse is a container's health, with ECS's lower-case keys;
// status is left out while UNKNOWN.
type HealthResponse struct {
	Status   string    `json:"status,omitempty"`
	Since    time.Time `json:"statusSince,omitzero"`
	ExitCode int       `json:"exitCode,omitempty"`
	Output   string    `json:"output,omitempty"`
}

// Volume is a mount of a task volume into a container.
type Volume struct {
	DockerName  string `json:"DockerName,omitempty"`
	Source      string `json:"Source,omitempty"`
	Destination string `json:"Destination,omitempty"`
}
